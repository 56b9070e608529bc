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

/*
 * Zfa (ratified 2023), all OP-FP (0x53) with an rs2 field that is an operand or a fixed number
 * (given to .insn as the register f<number>); the rounding mode operand is funct3.
 *   fli.s/fli.d rd, C       funct7 0x78/0x79, rs2 1, rs1 = the index of C in Zfa's table of 32
 *                           constants (written as the tests write them), funct3 0
 *   fminm/fmaxm.s/.d        funct7 0x14/0x15, funct3 2/3
 *   fround/froundnx.s/.d    funct7 0x20/0x21, rs2 4/5, funct3 the rounding mode (default dyn)
 *   fcvtmod.w.d rd, rs1, rtz funct7 0x61, rs2 8, funct3 1
 *   fleq/fltq.s/.d          funct7 0x50/0x51, funct3 4/5
 */

.macro tbwasm_rm rm
        .set tbwasm_rm_v, -1
        .ifc \rm,rne
        .set tbwasm_rm_v, 0
        .endif
        .ifc \rm,rtz
        .set tbwasm_rm_v, 1
        .endif
        .ifc \rm,rdn
        .set tbwasm_rm_v, 2
        .endif
        .ifc \rm,rup
        .set tbwasm_rm_v, 3
        .endif
        .ifc \rm,rmm
        .set tbwasm_rm_v, 4
        .endif
        .ifc \rm,dyn
        .set tbwasm_rm_v, 7
        .endif
        .if tbwasm_rm_v < 0
        .error "not a rounding mode: \rm"
        .endif
.endm

.macro tbwasm_fli_k funct7, rd, imm, const, k
        .ifc \imm,\const
        .insn r 0x53, 0, \funct7, \rd, f\k, f1
        .set tbwasm_fli_done, 1
        .endif
.endm

.macro tbwasm_fli funct7, rd, imm
        .set tbwasm_fli_done, 0
        tbwasm_fli_k \funct7, \rd, \imm, -0x1p+0, 0
        tbwasm_fli_k \funct7, \rd, \imm, min, 1
        tbwasm_fli_k \funct7, \rd, \imm, 0x1p-16, 2
        tbwasm_fli_k \funct7, \rd, \imm, 0x1p-15, 3
        tbwasm_fli_k \funct7, \rd, \imm, 0x1p-8, 4
        tbwasm_fli_k \funct7, \rd, \imm, 0x1p-7, 5
        tbwasm_fli_k \funct7, \rd, \imm, 0x1p-4, 6
        tbwasm_fli_k \funct7, \rd, \imm, 0x1p-3, 7
        tbwasm_fli_k \funct7, \rd, \imm, 0x1p-2, 8
        tbwasm_fli_k \funct7, \rd, \imm, 0x1.4p-2, 9
        tbwasm_fli_k \funct7, \rd, \imm, 0x1.8p-2, 10
        tbwasm_fli_k \funct7, \rd, \imm, 0x1.cp-2, 11
        tbwasm_fli_k \funct7, \rd, \imm, 0x1p-1, 12
        tbwasm_fli_k \funct7, \rd, \imm, 0x1.4p-1, 13
        tbwasm_fli_k \funct7, \rd, \imm, 0x1.8p-1, 14
        tbwasm_fli_k \funct7, \rd, \imm, 0x1.cp-1, 15
        tbwasm_fli_k \funct7, \rd, \imm, 0x1p+0, 16
        tbwasm_fli_k \funct7, \rd, \imm, 0x1p0, 16
        tbwasm_fli_k \funct7, \rd, \imm, 0x1.4p+0, 17
        tbwasm_fli_k \funct7, \rd, \imm, 0x1.8p+0, 18
        tbwasm_fli_k \funct7, \rd, \imm, 0x1.cp+0, 19
        tbwasm_fli_k \funct7, \rd, \imm, 0x1p+1, 20
        tbwasm_fli_k \funct7, \rd, \imm, 0x1.4p+1, 21
        tbwasm_fli_k \funct7, \rd, \imm, 0x1.8p+1, 22
        tbwasm_fli_k \funct7, \rd, \imm, 0x1p+2, 23
        tbwasm_fli_k \funct7, \rd, \imm, 0x1p+3, 24
        tbwasm_fli_k \funct7, \rd, \imm, 0x1p+4, 25
        tbwasm_fli_k \funct7, \rd, \imm, 0x1p+7, 26
        tbwasm_fli_k \funct7, \rd, \imm, 0x1p+8, 27
        tbwasm_fli_k \funct7, \rd, \imm, 0x1p+15, 28
        tbwasm_fli_k \funct7, \rd, \imm, 0x1p+16, 29
        tbwasm_fli_k \funct7, \rd, \imm, inf, 30
        tbwasm_fli_k \funct7, \rd, \imm, nan, 31
        .if tbwasm_fli_done == 0
        .error "not a constant of fli: \imm"
        .endif
.endm

.macro fli.s rd, imm
        tbwasm_fli 0x78, \rd, \imm
.endm

.macro fli.d rd, imm
        tbwasm_fli 0x79, \rd, \imm
.endm

.macro fminm.s rd, rs1, rs2
        .insn r 0x53, 2, 0x14, \rd, \rs1, \rs2
.endm

.macro fmaxm.s rd, rs1, rs2
        .insn r 0x53, 3, 0x14, \rd, \rs1, \rs2
.endm

.macro fminm.d rd, rs1, rs2
        .insn r 0x53, 2, 0x15, \rd, \rs1, \rs2
.endm

.macro fmaxm.d rd, rs1, rs2
        .insn r 0x53, 3, 0x15, \rd, \rs1, \rs2
.endm

.macro fleq.s rd, rs1, rs2
        .insn r 0x53, 4, 0x50, \rd, \rs1, \rs2
.endm

.macro fltq.s rd, rs1, rs2
        .insn r 0x53, 5, 0x50, \rd, \rs1, \rs2
.endm

.macro fleq.d rd, rs1, rs2
        .insn r 0x53, 4, 0x51, \rd, \rs1, \rs2
.endm

.macro fltq.d rd, rs1, rs2
        .insn r 0x53, 5, 0x51, \rd, \rs1, \rs2
.endm

.macro fround.s rd, rs1, rm=dyn
        tbwasm_rm \rm
        .insn r 0x53, tbwasm_rm_v, 0x20, \rd, \rs1, f4
.endm

.macro froundnx.s rd, rs1, rm=dyn
        tbwasm_rm \rm
        .insn r 0x53, tbwasm_rm_v, 0x20, \rd, \rs1, f5
.endm

.macro fround.d rd, rs1, rm=dyn
        tbwasm_rm \rm
        .insn r 0x53, tbwasm_rm_v, 0x21, \rd, \rs1, f4
.endm

.macro froundnx.d rd, rs1, rm=dyn
        tbwasm_rm \rm
        .insn r 0x53, tbwasm_rm_v, 0x21, \rd, \rs1, f5
.endm

.macro fcvtmod.w.d rd, rs1, rm=rtz
        tbwasm_rm \rm
        .insn r 0x53, tbwasm_rm_v, 0x61, \rd, \rs1, f8
.endm

#endif
