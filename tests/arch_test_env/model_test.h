/*
 * tbwasm's target description for the RISC-V architecture tests (riscv-arch-test), run as
 * static riscv64 Linux user-mode programs (scripts/arch_test.py builds and runs them).
 *
 * A test is a bare program that starts at rvtest_entry_point, runs its cases with no trap
 * handler (no rvtest_mtrap_routine is defined, so arch_test.h instantiates no machine-mode
 * prolog, epilog or handler and RVTEST_GOTO_MMODE is empty), then reaches RVMODEL_HALT.
 * Here RVMODEL_HALT prints the signature, the words from begin_signature to end_signature,
 * as 8 hex digits a line (one 32-bit little-endian word each) on stdout, and exits with 0.
 *
 * Linux user mode has no machine mode: the floating-point unit is already on, so the
 * "csrs mstatus" of test_macros.h's RVTEST_FP_ENABLE is turned into a harmless write of
 * fflags (whose unused upper bits a write ignores; the macro then clears fcsr anyway).
 */

#ifndef TBWASM_MODEL_TEST_H
#define TBWASM_MODEL_TEST_H

#ifndef XLEN
#define XLEN 64
#endif
#ifndef FLEN
#define FLEN 64
#endif

/* Zicond, Zfa and Zcb for binutils 2.40 */
#include "insn_compat.h"

/* the only CSR named by the test macros that user mode cannot reach (RVTEST_FP_ENABLE) */
#define mstatus fflags

/* no machine-mode code at all: the tests do not trap */
#define RVTEST_NO_IDENTY_MAP

/* Linux has set up the stack and the floating-point unit: nothing to boot */
#define RVMODEL_BOOT

/* interrupts cannot be raised or cleared from user mode: the tests that would need them
   are not run, the others never expand these */
#define RVMODEL_SET_MSW_INT
#define RVMODEL_CLR_MSW_INT
#define RVMODEL_CLR_MTIMER_INT
#define RVMODEL_CLR_MEXT_INT
#define RVMODEL_SET_SSW_INT
#define RVMODEL_CLR_SSW_INT
#define RVMODEL_CLR_STIMER_INT
#define RVMODEL_CLR_SEXT_INT
#define RVMODEL_SET_VSW_INT
#define RVMODEL_CLR_VSW_INT
#define RVMODEL_CLR_VTIMER_INT
#define RVMODEL_CLR_VEXT_INT

/* no console device: output is the signature alone */
#define RVMODEL_IO_INIT
#define RVMODEL_IO_WRITE_STR(_R, _STR)
#define RVMODEL_IO_CHECK()
#define RVMODEL_IO_ASSERT_GPR_EQ(_S, _R, _I)
#define RVMODEL_IO_ASSERT_SFPR_EQ(_F, _R, _I)
#define RVMODEL_IO_ASSERT_DFPR_EQ(_D, _R, _I)

/*
 * Print the signature and exit(0). Every register is free here (the test is over).
 * t0 walks the signature, t1 is its end, t2 the word, t3 the shift of the next digit,
 * t4 the next byte of the line buffer, t5/t6 scratch; a0..a2 and a7 the syscall.
 */
#define RVMODEL_HALT                                                          \
        .pushsection .bss                                                    ;\
        .balign 16                                                           ;\
tbwasm_sig_line:                                                             ;\
        .skip 16                                                             ;\
        .popsection                                                          ;\
        .option push                                                         ;\
        .option norelax          /* gp is the test's, not __global_pointer$ */ ;\
        la      t0, begin_signature                                          ;\
        la      t1, end_signature                                            ;\
1:      bgeu    t0, t1, 4f                                                   ;\
        lwu     t2, 0(t0)                                                    ;\
        li      t3, 28                                                       ;\
        la      t4, tbwasm_sig_line                                          ;\
2:      srl     t5, t2, t3                                                   ;\
        andi    t5, t5, 15                                                   ;\
        li      t6, 10                                                       ;\
        blt     t5, t6, 3f                                                   ;\
        addi    t5, t5, 39               /* 10 + 48 + 39 = 'a' */            ;\
3:      addi    t5, t5, 48               /* '0' */                           ;\
        sb      t5, 0(t4)                                                    ;\
        addi    t4, t4, 1                                                    ;\
        addi    t3, t3, -4                                                   ;\
        bgez    t3, 2b                                                       ;\
        li      t5, 10                   /* '\n' */                          ;\
        sb      t5, 0(t4)                                                    ;\
        li      a0, 1                    /* stdout */                        ;\
        la      a1, tbwasm_sig_line                                          ;\
        li      a2, 9                                                        ;\
        li      a7, 64                   /* write */                         ;\
        ecall                                                                ;\
        addi    t0, t0, 4                                                    ;\
        j       1b                                                           ;\
4:      li      a0, 0                                                        ;\
        li      a7, 93                   /* exit */                          ;\
        ecall                                                                ;\
        .option pop

/* the signature region: what RVMODEL_HALT prints */
#define RVMODEL_DATA_BEGIN                                                    \
        .data                                                                ;\
        .balign 16                                                           ;\
        .global begin_signature                                              ;\
begin_signature:

#define RVMODEL_DATA_END                                                      \
        .balign 4                                                            ;\
        .global end_signature                                                ;\
end_signature:

#endif
