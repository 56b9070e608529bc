# A strip-mined loop: vsetvli with a constant vtype fixes SEW and LMUL for the rest of the TB
# (one element width emitted, no vill check); the vadd before it reads vtype at run time.
    vadd.vv v4, v4, v4
1:  vsetvli t0, a0, e32, m1, ta, ma
    vle32.v v8, (a1)
    vadd.vv v8, v8, v8
    vse32.v v8, (a1)
    sub a0, a0, t0
    bnez a0, 1b
    ret
