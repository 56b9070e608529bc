/*
 * tbwasm's own test environment for chipsalliance/riscv-vector-tests
 * stage-1 tests, run as static riscv64 Linux user-mode programs
 * (scripts/rvv_tests.py).  Written from the meaning of the macros the
 * generated tests use; no privileged set-up: Linux user mode already has
 * F/D and V enabled.
 *
 * Output protocol: every "magic" instruction of the generator (custom-0
 * opcode 0x0b: rs1 = destination register group, rs2[0] = check vxsat,
 * rs2[4:1] = EMUL of the group) is rewritten by the harness into
 * `RVT_MAGIC <word>`, which writes one record to stdout:
 *   u32 magic word, u32 vxsat, u32 fflags, u32 case counter (from 1),
 *   then EMUL * VLENB bytes of the result-data area (the group just stored).
 * The record header sits right before `resultdata`, so one write(2) does.
 * RVTEST_PASS / RVTEST_FAIL write a last record (magic word 0xffffffff,
 * TESTNUM in place of vxsat, no group) and exit(0) / exit(TESTNUM), so every
 * run that ends prints something, also the tests without magic instructions
 * (vsetvl, vsetvli, vsetivli: those check themselves with TEST_CASE).
 */
#ifndef TBWASM_RVV_TESTS_RISCV_TEST_H
#define TBWASM_RVV_TESTS_RISCV_TEST_H

#ifndef RVT_VLENB
#define RVT_VLENB 16
/* The last record: magic word 0xffffffff, TESTNUM, fflags, case counter. */
.macro RVT_END
  la a1, rvt_record
  li a2, -1
  sw a2, 0(a1)
  sw TESTNUM, 4(a1)
  csrr a2, fflags
  sw a2, 8(a1)
  li a7, 64
  li a0, 1
  li a2, 16
  ecall
.endm

#endif

#define TESTNUM gp

#define RVTEST_RV64U .text
#define RVTEST_RV64UF .text
#define RVTEST_RV64UV .text
#define RVTEST_RV64UVX .text

#define RVTEST_CODE_BEGIN \
  .text; \
  .globl _start; \
_start: \
  .option push; .option norelax; la gp, __global_pointer$; .option pop; \
  li TESTNUM, 0;

#define RVTEST_CODE_END \
  unimp;

/* last record, then exit(0) */
#define RVTEST_PASS \
  RVT_END; \
  li a0, 0; \
  li a7, 93; \
  ecall;

/* last record, then exit(TESTNUM); TESTNUM is never 0 here (tests start at 2) */
#define RVTEST_FAIL \
  RVT_END; \
  mv a0, TESTNUM; \
  li a7, 93; \
  ecall;

/* Strided accesses (strides up to 3 * VLENB * LMUL, negative too, VL up to
 * 128) reach past resultdata on both sides: 64 KiB of padding before (in
 * .data) and after (in .bss), where a bare-metal env just has more memory. */
#define RVTEST_DATA_BEGIN \
  .data; \
  .balign 16; \
rvt_pad_before: \
  .zero 65536; \
rvt_record: \
  .word 0, 0, 0, 0;

#define RVTEST_DATA_END \
  .balign 16; \
  .bss; \
rvt_pad_after: \
  .zero 65536; \
  .data;

/* The replacement of the generator's magic instruction (see above).
 * Clobbers a1, a2, a7 and t2; a0 (the result-data address) is kept. */
.macro RVT_MAGIC word
  la a1, rvt_record
  li a2, \word
  sw a2, 0(a1)
  csrr a2, vxsat
  sw a2, 4(a1)
  csrr a2, fflags
  sw a2, 8(a1)
  lw a2, 12(a1)
  addi a2, a2, 1
  sw a2, 12(a1)
  mv t2, a0
  li a7, 64
  li a0, 1
  li a2, 16 + RVT_VLENB * ((\word >> 21) & 0xf)
  ecall
  mv a0, t2
.endm

/* The last record: magic word 0xffffffff, TESTNUM, fflags, case counter. */
.macro RVT_END
  la a1, rvt_record
  li a2, -1
  sw a2, 0(a1)
  sw TESTNUM, 4(a1)
  csrr a2, fflags
  sw a2, 8(a1)
  li a7, 64
  li a0, 1
  li a2, 16
  ecall
.endm

#endif
