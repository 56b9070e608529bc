/* lr/sc retry loops and AMOs whose data shares a (writable) page with the code that runs them:
 * every sc/amo store hits a page holding translated code. tbwasm once lost sc's rd there, so
 * the first loop spun forever. No libc: prints the counters and the sum of the AMOs' old values
 * in hex, then exits 0 (3 if an sc failed 100 times in a row). */
    .section .rwxtext,"awx",@progbits
    .globl _start
    .balign 4
_start:
    la      s0, counter
    la      s2, counter64
    li      s1, 100
1:  li      s4, 100               /* retries left */
2:  lr.w    t0, (s0)
    addi    t0, t0, 1
    sc.w    t0, t0, (s0)            /* rd = rs2, as compilers often write it */
    beqz    t0, 3f
    addi    s4, s4, -1
    bnez    s4, 2b
    j       give_up
3:  li      s4, 100
4:  lr.d    t0, (s2)
    addi    t0, t0, 3
    li      t1, 1
    sc.d    t1, t0, (s2)
    beqz    t1, 5f
    addi    s4, s4, -1
    bnez    s4, 4b
    j       give_up
5:  addi    s1, s1, -1
    bnez    s1, 1b

    li      s1, 20                  /* AMOs: sum their old values */
    li      s3, 0
6:  amoadd.w   t0, s1, (s0)
    add     s3, s3, t0
    amoswap.d  t0, s1, (s2)
    add     s3, s3, t0
    amoor.w    t0, s1, (s0)
    add     s3, s3, t0
    amomaxu.d  t0, s3, (s2)
    add     s3, s3, t0
    sc.w    t0, s1, (s0)            /* no reservation: fails, t0 = 1 */
    add     s3, s3, t0
    addi    s1, s1, -1
    bnez    s1, 6b

    lw      a0, 0(s0)
    call    puthex
    ld      a0, 0(s2)
    call    puthex
    mv      a0, s3
    call    puthex
    li      a0, 0
    j       exit

give_up:
    li      a0, 3
exit:
    li      a7, 93
    ecall

/* puthex(a0): 16 hex digits and a newline on stdout */
puthex:
    addi    sp, sp, -32
    li      t2, 16
    add     t3, sp, t2              /* t3 = end of the digits */
    li      t4, '\n'
    sb      t4, 0(t3)
1:  addi    t3, t3, -1
    andi    t4, a0, 15
    li      t5, 10
    blt     t4, t5, 2f
    addi    t4, t4, 'a' - '0' - 10
2:  addi    t4, t4, '0'
    sb      t4, 0(t3)
    srli    a0, a0, 4
    bne     t3, sp, 1b
    li      a7, 64
    li      a0, 1
    mv      a1, sp
    li      a2, 17
    ecall
    addi    sp, sp, 32
    ret

    .balign 8
counter:    .word  0
    .balign 8
counter64:  .dword 0
