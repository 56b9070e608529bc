/*
 * Instructions newer than the assembler the tests are built with (Debian's binutils 2.40),
 * as assembler macros that emit their encodings with .insn.
 *
 * Zicond (ratified 2023): czero.eqz rd, rs1, rs2 is R-type OP (0x33) with funct3 5 and
 * funct7 7 (rd = rs2 == 0 ? 0 : rs1); czero.nez the same with funct3 7 (rd = rs2 != 0 ? 0 : rs1).
 */

#ifndef TBWASM_INSN_COMPAT_H
#define TBWASM_INSN_COMPAT_H

.macro czero.eqz rd, rs1, rs2
        .insn r 0x33, 5, 7, \rd, \rs1, \rs2
.endm

.macro czero.nez rd, rs1, rs2
        .insn r 0x33, 7, 7, \rd, \rs1, \rs2
.endm

#endif
