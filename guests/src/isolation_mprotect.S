# Memory protection scenarios, chosen by the first letter of argv[1]. Before the faulting
# instruction the guest writes the 8-byte address it expects the fault at (little endian) to
# stdout, so the test can check the pc without symbols.
#   w  store to a page made read-only with mprotect       -> SIGSEGV at the store
#   x  jump into an mmap'd RW page                         -> SIGSEGV at that page
#   s  jump onto the stack                                 -> SIGSEGV there
#   h  jump into the brk heap                              -> SIGSEGV there
#   d  jump into .data                                     -> SIGSEGV there
#   n  call code in an RWX page, mprotect it RW, call again -> SIGSEGV at the page
#   r  read() into a PROT_READ buffer                      -> exit(-ret) = 14 (EFAULT)
#   c  mprotect own .text RWX, patch `li a0,1` to `li a0,42`, run it -> exit 42
    .option norvc
    .text
    .globl _start
_start:
    ld t0, 16(sp)            # argv[1]
    beqz t0, bad
    lbu s0, 0(t0)
    li t1, 'w'
    beq s0, t1, case_w
    li t1, 'x'
    beq s0, t1, case_x
    li t1, 's'
    beq s0, t1, case_s
    li t1, 'h'
    beq s0, t1, case_h
    li t1, 'd'
    beq s0, t1, case_d
    li t1, 'n'
    beq s0, t1, case_n
    li t1, 'r'
    beq s0, t1, case_r
    li t1, 'c'
    beq s0, t1, case_c
bad:
    li a0, 100
    j exit

# report(a0): write the 8 bytes of a0 to stdout; keeps s-registers
report:
    addi sp, sp, -16
    sd a0, 0(sp)
    li a0, 1
    mv a1, sp
    li a2, 8
    li a7, 64
    ecall
    addi sp, sp, 16
    ret

# a0 = mmap(0, 4096, a0 = prot, MAP_PRIVATE|MAP_ANONYMOUS)
map_page:
    mv a2, a0
    li a0, 0
    li a1, 4096
    li a3, 0x22
    li a4, -1
    li a5, 0
    li a7, 222
    ecall
    ret

exit:
    li a7, 93
    ecall

case_w:
    li a0, 3
    call map_page
    mv s1, a0
    li t0, 5
    sd t0, 0(s1)
    mv a0, s1
    li a1, 4096
    li a2, 1                 # PROT_READ
    li a7, 226
    ecall
    bnez a0, bad
    ld t0, 0(s1)             # still readable
    li t1, 5
    bne t0, t1, bad
    la a0, fault_w
    call report
fault_w:
    sd t0, 8(s1)
    li a0, 101
    j exit

case_x:
    li a0, 3
    call map_page
    mv s1, a0
    li t0, 0x00008067        # ret
    sw t0, 0(s1)
    mv a0, s1
    call report
    jalr s1
    li a0, 102
    j exit

case_s:
    addi s1, sp, -256
    andi s1, s1, -16
    li t0, 0x00008067
    sw t0, 0(s1)
    mv a0, s1
    call report
    jalr s1
    li a0, 103
    j exit

case_h:
    li a0, 0
    li a7, 214
    ecall
    mv s1, a0
    li t0, 4096
    add a0, a0, t0
    li a7, 214
    ecall
    li t0, 0x00008067
    sw t0, 0(s1)
    mv a0, s1
    call report
    jalr s1
    li a0, 104
    j exit

case_d:
    la s1, data_code
    mv a0, s1
    call report
    jalr s1
    li a0, 105
    j exit

case_n:
    li a0, 7                 # RWX
    call map_page
    mv s1, a0
    li t0, 0x00700513        # li a0, 7
    sw t0, 0(s1)
    li t0, 0x00008067        # ret
    sw t0, 4(s1)
    fence.i
    jalr s1
    li t0, 7
    bne a0, t0, bad
    mv a0, s1
    li a1, 4096
    li a2, 3                 # RW, no longer executable
    li a7, 226
    ecall
    bnez a0, bad
    mv a0, s1
    call report
    jalr s1
    li a0, 106
    j exit

case_r:
    li a0, 3
    call map_page
    mv s1, a0
    mv a0, s1
    li a1, 4096
    li a2, 1
    li a7, 226
    ecall
    bnez a0, bad
    li a0, 0
    mv a1, s1
    li a2, 16
    li a7, 63
    ecall
    neg a0, a0
    j exit

case_c:
    la s1, patch
    li t0, -4096
    and a0, s1, t0
    li a1, 8192
    li a2, 7
    li a7, 226
    ecall
    bnez a0, bad
    call patch               # first run: translated with a0 = 1
    li t0, 1
    bne a0, t0, bad
    li t0, 0x02a00513        # li a0, 42
    sw t0, 0(s1)
    fence.i
    call patch
    j exit
patch:
    li a0, 1
    ret

    .data
    .balign 16
data_code:
    .word 0x00008067
