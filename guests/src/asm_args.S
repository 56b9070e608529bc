/* No libc: print argc as a digit and each argv string (from the initial stack), then
 * exit_group(argc). Exercises the initial stack layout, loads, branches and calls. */
    .section .text
    .globl _start
_start:
    ld      s0, 0(sp)           /* argc */
    addi    s1, sp, 8           /* argv */
    /* print "argc=N\n" for argc < 10 */
    la      t0, numbuf
    addi    t1, s0, '0'
    sb      t1, 5(t0)
    mv      a1, t0
    li      a2, 7
    call    write1
    li      s2, 0
1:  bge     s2, s0, 3f
    slli    t0, s2, 3
    add     t0, s1, t0
    ld      s3, 0(t0)           /* argv[i] */
    mv      t1, s3              /* strlen */
2:  lbu     t2, 0(t1)
    beqz    t2, 4f
    addi    t1, t1, 1
    j       2b
4:  mv      a1, s3
    sub     a2, t1, s3
    call    write1
    la      a1, nl
    li      a2, 1
    call    write1
    addi    s2, s2, 1
    j       1b
3:  mv      a0, s0
    li      a7, 94              /* exit_group */
    ecall
write1:
    li      a0, 1
    li      a7, 64
    ecall
    ret
    .section .data
numbuf: .ascii "argc=?\n"
nl:     .ascii "\n"
