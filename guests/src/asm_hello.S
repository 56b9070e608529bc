/* No libc: raw write(1, msg, len) and exit(0) via ecall. */
#define MSG_LEN 16
    .section .text
    .globl _start
_start:
    li      a7, 64          /* write */
    li      a0, 1
    la      a1, msg
    li      a2, MSG_LEN
    ecall
    li      a7, 93          /* exit */
    li      a0, 0
    ecall
    .section .rodata
msg:
    .ascii  "Hello from asm!\n"
msg_end:
