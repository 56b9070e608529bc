# vtype 0xd0
# A function's vector code runs under its caller's vtype: translated while the guest runs under
# e32, m1, ta, ma (0xd0), the TB is specialized on it (one element width, the SIMD paths)
# behind a guard on CPU vtype; the same TB translated without the assumption is the extra case
# the guard sends any other vtype to.
    vadd.vv v8, v8, v10
    ret
