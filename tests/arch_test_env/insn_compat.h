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
 * Its loads and stores are CL/CS-like in quadrant 0: funct6 in bits 15:10 (c.lbu 0b100000, c.lhu
 * and c.lh 0b100001, c.sb 0b100010, c.sh 0b100011), rs1' in 9:7, rd' or rs2' in 4:2, and the
 * offset's bit 1 in bit 5; bit 6 is the offset's bit 0 for the byte ones, 0 for c.lhu and c.sh,
 * 1 for c.lh. Their operands (x8..x15, offset 0..3 as the tests write them: "x15", "0x1(x13)")
 * are read character by character (tbwasm_parse) and the instruction is emitted with .insn 2.
 */

#ifndef TBWASM_INSN_COMPAT_H
#define TBWASM_INSN_COMPAT_H

.macro czero.eqz rd, rs1, rs2
        .insn r 0x33, 5, 7, \rd, \rs1, \rs2
.endm

.macro czero.nez rd, rs1, rs2
        .insn r 0x33, 7, 7, \rd, \rs1, \rs2
.endm

/* tbwasm_num := the last number of TEXT (digits in BASE before "(", decimal after; "x" starts
   a number again), tbwasm_off := the number before "(" (-1 if none) */
.macro tbwasm_parse text, base
        .set tbwasm_num, 0
        .set tbwasm_off, -1
        .set tbwasm_b, \base
        .irpc ch, \text
        .ifc "\ch","("
        .set tbwasm_off, tbwasm_num
        .set tbwasm_num, 0
        .set tbwasm_b, 10
        .endif
        .ifc "\ch","x"
        .set tbwasm_num, 0
        .endif
        .irp d, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9
        .ifc "\ch","\d"
        .set tbwasm_num, tbwasm_num * tbwasm_b + \d
        .endif
        .endr
        .endr
.endm

/* a Zcb load or store: REG is rd' or rs2', MEM is "offset(rs1')"; BIT6 may use tbwasm_off */
.macro tbwasm_cmem funct6, bit6, reg, mem
        tbwasm_parse \reg, 10
        .set tbwasm_r, tbwasm_num - 8
        tbwasm_parse \mem, 16
        .if tbwasm_off < 0 || tbwasm_off > 3 || tbwasm_r < 0 || tbwasm_r > 7 || tbwasm_num < 8 || tbwasm_num > 15
        .error "not operands of a Zcb load or store: \reg, \mem"
        .endif
        .insn 2, (\funct6 << 10) | ((tbwasm_num - 8) << 7) | ((\bit6) << 6) | ((tbwasm_off & 2) << 4) | (tbwasm_r << 2)
.endm

.macro c.lbu rd, mem
        tbwasm_cmem 0x20, (tbwasm_off & 1), \rd, \mem
.endm

.macro c.lhu rd, mem
        tbwasm_cmem 0x21, 0, \rd, \mem
.endm

.macro c.lh rd, mem
        tbwasm_cmem 0x21, 1, \rd, \mem
.endm

.macro c.sb rs2, mem
        tbwasm_cmem 0x22, (tbwasm_off & 1), \rs2, \mem
.endm

.macro c.sh rs2, mem
        tbwasm_cmem 0x23, 0, \rs2, \mem
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
