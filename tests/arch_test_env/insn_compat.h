/*
 * Instructions newer than the assembler the tests are built with (Debian's binutils 2.40),
 * as assembler macros that emit their encodings with .insn.
 *
 * Zicond (ratified 2023): czero.eqz rd, rs1, rs2 is R-type OP (0x33) with funct3 5 and
 * funct7 7 (rd = rs2 == 0 ? 0 : rs1); czero.nez the same with funct3 7 (rd = rs2 != 0 ? 0 : rs1).
 *
 * Zcb's register-only instructions (ratified 2023) are in the CA format of quadrant 1 with
 * funct6 0b100111, rd'/rs1' in bits 9:7: c.mul rd', rs2' has funct2 0b10; the unary ones have
 * funct2 0b11 and tell themselves apart by the rs2' field (bits 4:2): c.zext.b 0, c.sext.b 1,
 * c.zext.h 2, c.sext.h 3, c.zext.w 4, c.not 5 (given to .insn as the register x8 + that number).
 * Its loads and stores (c.lbu, c.lhu, c.lh, c.sb, c.sh) take an offset(register) operand an
 * assembler macro cannot take apart: those tests are not built.
 */

#ifndef TBWASM_INSN_COMPAT_H
#define TBWASM_INSN_COMPAT_H

.macro czero.eqz rd, rs1, rs2
        .insn r 0x33, 5, 7, \rd, \rs1, \rs2
.endm

.macro czero.nez rd, rs1, rs2
        .insn r 0x33, 7, 7, \rd, \rs1, \rs2
.endm

.macro c.mul rd, rs2
        .insn ca 1, 0x27, 2, \rd, \rs2
.endm

.macro c.zext.b rd
        .insn ca 1, 0x27, 3, \rd, x8
.endm

.macro c.sext.b rd
        .insn ca 1, 0x27, 3, \rd, x9
.endm

.macro c.zext.h rd
        .insn ca 1, 0x27, 3, \rd, x10
.endm

.macro c.sext.h rd
        .insn ca 1, 0x27, 3, \rd, x11
.endm

.macro c.zext.w rd
        .insn ca 1, 0x27, 3, \rd, x12
.endm

.macro c.not rd
        .insn ca 1, 0x27, 3, \rd, x13
.endm

#endif
