"""Instruction fields and formats, each defined once.

A :class:`Field` says where the bits of one ``Insn`` attribute live in the instruction word
(possibly scattered, as in the B/J immediates and most compressed immediates). A :class:`Format`
is the set of fields an encoding carries, the values a compressed encoding implies (``c.lwsp``
implies ``rs1 = sp``), the reserved sub-patterns common to the format (``c.addi4spn`` with
``nzuimm = 0``) and how the operands are printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# A segment copies instruction bits ``hi..lo`` to value bits starting at ``to``.
Segment = tuple[int, int, int]
# A (mask, match) pair: the words ``w`` with ``w & mask == match``.
Pattern = tuple[int, int]


@dataclass(frozen=True)
class Field:
    """One ``Insn`` attribute gathered from (possibly scattered) instruction bits."""

    attr: str
    segments: tuple[Segment, ...]
    signed: bool = False
    offset: int = 0  # added after extraction: 8 for the compressed x8..x15 / f8..f15 registers

    @property
    def width(self) -> int:
        return max(to + hi - lo + 1 for hi, lo, to in self.segments)

    @property
    def insn_mask(self) -> int:
        m = 0
        for hi, lo, _ in self.segments:
            m |= ((1 << (hi - lo + 1)) - 1) << lo
        return m

    def extract(self, word: int) -> int:
        v = 0
        for hi, lo, to in self.segments:
            v |= ((word >> lo) & ((1 << (hi - lo + 1)) - 1)) << to
        if self.signed:
            sign = 1 << (self.width - 1)
            v = (v ^ sign) - sign
        return v + self.offset

    def insert(self, value: int) -> int:
        """Bits of the word for ``value``; ValueError if the field cannot hold it exactly."""
        v = int(value) - self.offset
        word = 0
        for hi, lo, to in self.segments:
            word |= ((v >> to) & ((1 << (hi - lo + 1)) - 1)) << lo
        if self.extract(word) != int(value):
            raise ValueError(f"{self.attr}={value} does not fit this field")
        return word

    def expr(self, var: str = "w") -> str:
        """A Python expression computing the field from the word in ``var`` (for the decoder)."""
        terms = []
        for hi, lo, to in self.segments:
            bits = ((1 << (hi - lo + 1)) - 1) << to
            shift = lo - to
            if shift > 0:
                terms.append(f"(({var} >> {shift}) & {bits:#x})")
            elif shift < 0:
                terms.append(f"(({var} << {-shift}) & {bits:#x})")
            else:
                terms.append(f"({var} & {bits:#x})")
        e = " | ".join(terms)
        if self.signed:
            sign = 1 << (self.width - 1)
            e = f"((({e}) ^ {sign:#x}) - {sign:#x})"
        if self.offset:
            e = f"({e}) + {self.offset}"
        return e


def equals(f: Field, value: int) -> Pattern:
    """The sub-pattern where field ``f`` holds ``value``."""
    return (f.insn_mask, f.insert(value))


@dataclass(frozen=True)
class Format:
    """Fields of an encoding, implied values, reserved sub-patterns and operand syntax.

    ``syntax`` is a comma-separated list of operand tokens understood by ``disasm``:
    ``rd rs1 rs2`` (x registers), ``fd fs1 fs2 fs3`` (f registers in rd/rs1/rs2/rs3),
    ``imm`` (decimal), ``shamt`` and ``hi20`` (hex), ``mem`` (``imm(rs1)``), ``amem``
    (``(rs1)``), ``target`` (pc + imm), ``csr``, ``zimm`` (rs1 as a number), ``fence`` and ``rm``
    (printed only when not dynamic); for vector rows ``vd vs1 vs2`` (v registers in rd/rs1/rs2),
    ``vm`` (``v0.t`` when masked, else nothing) and ``vtype`` (a vtype immediate).
    """

    name: str
    fields: tuple[Field, ...]
    syntax: str
    implied: tuple[tuple[str, int], ...] = ()  # attribute = constant
    copies: tuple[tuple[str, str], ...] = ()  # attribute = other attribute (c.add: rs1 = rd)
    reserved: tuple[Pattern, ...] = ()
    field_mask: int = field(init=False)

    def __post_init__(self) -> None:
        m = 0
        for f in self.fields:
            m |= f.insn_mask
        object.__setattr__(self, "field_mask", m)


def _f(attr: str, *segments: Segment, signed: bool = False, offset: int = 0) -> Field:
    return Field(attr, tuple(segments), signed, offset)


# ---- 32-bit fields ----
RD = _f("rd", (11, 7, 0))
RS1 = _f("rs1", (19, 15, 0))
RS2 = _f("rs2", (24, 20, 0))
RS3 = _f("rs3", (31, 27, 0))
RM = _f("rm", (14, 12, 0))
AQ = _f("aq", (26, 26, 0))
RL = _f("rl", (25, 25, 0))
CSR = _f("csr", (31, 20, 0))
IMM_I = _f("imm", (31, 20, 0), signed=True)
IMM_S = _f("imm", (31, 25, 5), (11, 7, 0), signed=True)
IMM_B = _f("imm", (31, 31, 12), (30, 25, 5), (11, 8, 1), (7, 7, 11), signed=True)
IMM_U = _f("imm", (31, 12, 12), signed=True)
IMM_J = _f("imm", (31, 31, 20), (30, 21, 1), (20, 20, 11), (19, 12, 12), signed=True)
SHAMT6 = _f("imm", (25, 20, 0))
SHAMT5 = _f("imm", (24, 20, 0))
FENCE_PRED_SUCC = _f("imm", (27, 20, 0))

# "If rm is 101 or 110 [the encoding is] reserved" (F extension, rounding modes).
RM_RESERVED: tuple[Pattern, ...] = (equals(RM, 5), equals(RM, 6))

R = Format("R", (RD, RS1, RS2), "rd,rs1,rs2")
I = Format("I", (RD, RS1, IMM_I), "rd,rs1,imm")
I_LOAD = Format("I_load", (RD, RS1, IMM_I), "rd,mem")
I_FLOAD = Format("I_fload", (RD, RS1, IMM_I), "fd,mem")
I_JALR = Format("I_jalr", (RD, RS1, IMM_I), "rd,mem")
S = Format("S", (RS1, RS2, IMM_S), "rs2,mem")
S_F = Format("S_f", (RS1, RS2, IMM_S), "fs2,mem")
B = Format("B", (RS1, RS2, IMM_B), "rs1,rs2,target")
U = Format("U", (RD, IMM_U), "rd,hi20")
J = Format("J", (RD, IMM_J), "rd,target")
SH6 = Format("shift64", (RD, RS1, SHAMT6), "rd,rs1,shamt")
SH5 = Format("shift32", (RD, RS1, SHAMT5), "rd,rs1,shamt")
R_UN = Format("R_un", (RD, RS1), "rd,rs1")  # clz, sext.b, rev8, ...
# Zbkb packw: "packw rd, rs1, x0" is Zbb's zext.h (decoded as that row, as objdump prints it).
R_RS2_NZ = Format("R_rs2nz", (RD, RS1, RS2), "rd,rs1,rs2", reserved=(equals(RS2, 0),))
# Zkne/Zknd aes64ks1i: rnum in bits 23..20; "rnum values 0xB..0xF are reserved".
RNUM = _f("imm", (23, 20, 0))
AES_KS1I = Format("rnum", (RD, RS1, RNUM), "rd,rs1,shamt",
                  reserved=tuple(equals(RNUM, k) for k in range(0xB, 0x10)))  # fmt: skip
# Zksed sm4ed/sm4ks: the byte select bs in bits 31..30.
BS = _f("imm", (31, 30, 0))
R_BS = Format("R_bs", (RD, RS1, RS2, BS), "rd,rs1,rs2,shamt")
CBO = Format("cbo", (RS1,), "amem", implied=(("rd", 0),))  # cbo.zero (rs1)
FENCE = Format("fence", (FENCE_PRED_SUCC,), "fence")
# fence.tso orders like "fence rw,rw" (plus its relaxed w->r); imm carries that pred/succ.
FENCE_TSO = Format("fence_tso", (), "", implied=(("imm", 0x33),))
NONE = Format("none", (), "")
CSR_R = Format("csr", (RD, RS1, CSR), "rd,csr,rs1")
CSR_I = Format("csri", (RD, RS1, CSR), "rd,csr,zimm")
AMO = Format("amo", (RD, RS1, RS2, AQ, RL), "rd,rs2,amem")
LR = Format("lr", (RD, RS1, AQ, RL), "rd,amem")
F_R_RM = Format("fR_rm", (RD, RS1, RS2, RM), "fd,fs1,fs2,rm", reserved=RM_RESERVED)
F_R = Format("fR", (RD, RS1, RS2), "fd,fs1,fs2")
F_CMP = Format("fcmp", (RD, RS1, RS2), "rd,fs1,fs2")
F_R4 = Format("fR4", (RD, RS1, RS2, RS3, RM), "fd,fs1,fs2,fs3,rm", reserved=RM_RESERVED)
F_UN_RM = Format("f_f_rm", (RD, RS1, RM), "fd,fs1,rm", reserved=RM_RESERVED)
F_TO_X_RM = Format("x_f_rm", (RD, RS1, RM), "rd,fs1,rm", reserved=RM_RESERVED)
F_FROM_X_RM = Format("f_x_rm", (RD, RS1, RM), "fd,rs1,rm", reserved=RM_RESERVED)
# Exact conversions (fcvt.d.s, fcvt.d.w[u]) still carry rm, but objdump does not print it.
F_UN_EXACT = Format("f_f_exact", (RD, RS1, RM), "fd,fs1", reserved=RM_RESERVED)
F_FROM_X_EXACT = Format("f_x_exact", (RD, RS1, RM), "fd,rs1", reserved=RM_RESERVED)
F_TO_X = Format("x_f", (RD, RS1), "rd,fs1")
F_FROM_X = Format("f_x", (RD, RS1), "fd,rs1")
F_LI = Format("f_li", (RD, RS1), "fd,fli")  # Zfa fli: rs1 indexes a table of constants
F_TO_X_RTZ = Format("x_f_rtz", (RD, RS1), "rd,fs1,rm", implied=(("rm", 1),))  # fcvtmod.w.d

# ---- 16-bit (compressed) fields ----
C_RD = _f("rd", (11, 7, 0))
C_RS1 = _f("rs1", (11, 7, 0))
C_RS2 = _f("rs2", (6, 2, 0))
C_RDP = _f("rd", (4, 2, 0), offset=8)  # rd'
C_RS2P = _f("rs2", (4, 2, 0), offset=8)  # rs2'
C_RS1P = _f("rs1", (9, 7, 0), offset=8)  # rs1'
C_RDP_HI = _f("rd", (9, 7, 0), offset=8)  # rd'/rs1' of CA/CB
C_IMM6 = _f("imm", (12, 12, 5), (6, 2, 0), signed=True)
C_SHAMT = _f("imm", (12, 12, 5), (6, 2, 0))
C_LUI = _f("imm", (12, 12, 17), (6, 2, 12), signed=True)
C_ADDI16SP = _f("imm", (12, 12, 9), (6, 6, 4), (5, 5, 6), (4, 3, 7), (2, 2, 5), signed=True)
C_ADDI4SPN = _f("imm", (12, 11, 4), (10, 7, 6), (6, 6, 2), (5, 5, 3))
C_LWSP = _f("imm", (12, 12, 5), (6, 4, 2), (3, 2, 6))
C_LDSP = _f("imm", (12, 12, 5), (6, 5, 3), (4, 2, 6))
C_SWSP = _f("imm", (12, 9, 2), (8, 7, 6))
C_SDSP = _f("imm", (12, 10, 3), (9, 7, 6))
C_LW = _f("imm", (12, 10, 3), (6, 6, 2), (5, 5, 6))
C_LD = _f("imm", (12, 10, 3), (6, 5, 6))
C_B = _f("imm", (12, 12, 8), (11, 10, 3), (6, 5, 6), (4, 3, 1), (2, 2, 5), signed=True)
C_J = _f(
    "imm",
    (12, 12, 11),
    (11, 11, 4),
    (10, 9, 8),
    (8, 8, 10),
    (7, 7, 6),
    (6, 6, 7),
    (5, 3, 1),
    (2, 2, 5),
    signed=True,
)

_SP = 2
CR_MV = Format(
    "CR_mv", (C_RD, C_RS2), "rd,rs2", implied=(("rs1", 0),), reserved=(equals(C_RS2, 0),)
)
CR_ADD = Format(
    "CR_add", (C_RD, C_RS2), "rd,rs2", copies=(("rs1", "rd"),), reserved=(equals(C_RS2, 0),)
)
CR_JR = Format("CR_jr", (C_RS1,), "rs1", implied=(("rd", 0),), reserved=(equals(C_RS1, 0),))
CR_JALR = Format("CR_jalr", (C_RS1,), "rs1", implied=(("rd", 1),), reserved=(equals(C_RS1, 0),))
C_NONE = Format("C_none", (), "")
CI_ADDI = Format("CI_addi", (C_RD, C_IMM6), "rd,imm", copies=(("rs1", "rd"),))
CI_ADDIW = Format(
    "CI_addiw", (C_RD, C_IMM6), "rd,imm", copies=(("rs1", "rd"),), reserved=(equals(C_RD, 0),)
)
CI_LI = Format("CI_li", (C_RD, C_IMM6), "rd,imm", implied=(("rs1", 0),))
# "C.LUI is only valid when rd != {x0, x2}, and when the immediate is not equal to zero";
# rd = x0 is a HINT, rd = x2 is C.ADDI16SP.
CI_LUI = Format("CI_lui", (C_RD, C_LUI), "rd,hi20", reserved=(equals(C_RD, _SP), equals(C_LUI, 0)))
CI_ADDI16SP = Format(
    "CI_addi16sp",
    (C_ADDI16SP,),
    "rd,imm",
    implied=(("rd", _SP), ("rs1", _SP)),
    reserved=(equals(C_ADDI16SP, 0),),
)
CI_SLLI = Format("CI_slli", (C_RD, C_SHAMT), "rd,shamt", copies=(("rs1", "rd"),))
CI_LWSP = Format(
    "CI_lwsp", (C_RD, C_LWSP), "rd,mem", implied=(("rs1", _SP),), reserved=(equals(C_RD, 0),)
)
CI_LDSP = Format(
    "CI_ldsp", (C_RD, C_LDSP), "rd,mem", implied=(("rs1", _SP),), reserved=(equals(C_RD, 0),)
)
CI_FLDSP = Format("CI_fldsp", (C_RD, C_LDSP), "fd,mem", implied=(("rs1", _SP),))
CSS_SWSP = Format("CSS_swsp", (C_RS2, C_SWSP), "rs2,mem", implied=(("rs1", _SP),))
CSS_SDSP = Format("CSS_sdsp", (C_RS2, C_SDSP), "rs2,mem", implied=(("rs1", _SP),))
CSS_FSDSP = Format("CSS_fsdsp", (C_RS2, C_SDSP), "fs2,mem", implied=(("rs1", _SP),))
CIW_ADDI4SPN = Format(
    "CIW_addi4spn",
    (C_RDP, C_ADDI4SPN),
    "rd,rs1,imm",
    implied=(("rs1", _SP),),
    reserved=(equals(C_ADDI4SPN, 0),),
)
CL_LW = Format("CL_lw", (C_RDP, C_RS1P, C_LW), "rd,mem")
CL_LD = Format("CL_ld", (C_RDP, C_RS1P, C_LD), "rd,mem")
CL_FLD = Format("CL_fld", (C_RDP, C_RS1P, C_LD), "fd,mem")
CS_SW = Format("CS_sw", (C_RS2P, C_RS1P, C_LW), "rs2,mem")
CS_SD = Format("CS_sd", (C_RS2P, C_RS1P, C_LD), "rs2,mem")
CS_FSD = Format("CS_fsd", (C_RS2P, C_RS1P, C_LD), "fs2,mem")
CA = Format("CA", (C_RDP_HI, C_RS2P), "rd,rs2", copies=(("rs1", "rd"),))
CB_SHIFT = Format("CB_shift", (C_RDP_HI, C_SHAMT), "rd,shamt", copies=(("rs1", "rd"),))
CB_ANDI = Format("CB_andi", (C_RDP_HI, C_IMM6), "rd,imm", copies=(("rs1", "rd"),))
CB_BRANCH = Format("CB_branch", (C_RS1P, C_B), "rs1,target", implied=(("rs2", 0),))
CJ = Format("CJ", (C_J,), "target", implied=(("rd", 0),))
# Zcb
C_LBU = _f("imm", (6, 6, 0), (5, 5, 1))  # uimm[0|1]
C_LHU = _f("imm", (5, 5, 1))  # uimm[1]
CL_LBU = Format("CL_lbu", (C_RDP, C_RS1P, C_LBU), "rd,mem")
CL_LHU = Format("CL_lhu", (C_RDP, C_RS1P, C_LHU), "rd,mem")
CS_SB = Format("CS_sb", (C_RS2P, C_RS1P, C_LBU), "rs2,mem")
CS_SH = Format("CS_sh", (C_RS2P, C_RS1P, C_LHU), "rs2,mem")
CU = Format("CU", (C_RDP_HI,), "rd", copies=(("rs1", "rd"),))  # c.sext.b rd' = sext.b rd', rd'
CU_ZEXT_W = Format("CU_zext_w", (C_RDP_HI,), "rd", implied=(("rs2", 0),), copies=(("rs1", "rd"),))
CU_ZEXT_B = Format(
    "CU_zext_b", (C_RDP_HI,), "rd", implied=(("imm", 0xFF),), copies=(("rs1", "rd"),)
)
CU_NOT = Format("CU_not", (C_RDP_HI,), "rd", implied=(("imm", -1),), copies=(("rs1", "rd"),))
# c.mop.N: each N its own row, all bits fixed; executes as addi x0, x0, 0 (writes nothing)
C_MOP = Format("C_mop", (), "", implied=(("rd", 0), ("rs1", 0), ("imm", 0)))

# ---- vector (RVV 1.0): vd/vs3 in rd, vs1/rs1/simm5 in bits 19..15, vs2 in rs2 ----
VM = _f("vm", (25, 25, 0))
SIMM5 = _f("imm", (19, 15, 0), signed=True)
UIMM5 = _f("imm", (19, 15, 0))  # the shifts' .vi amount
VTYPEI11 = _f("imm", (30, 20, 0))  # vsetvli's zimm[10:0]
VTYPEI10 = _f("imm", (29, 20, 0))  # vsetivli's zimm[9:0] (its AVL uimm[4:0] is in rs1)
_UNMASKED = (("vm", 1),)
VSETVLI = Format("vsetvli", (RD, RS1, VTYPEI11), "rd,rs1,vtype")
VSETIVLI = Format("vsetivli", (RD, RS1, VTYPEI10), "rd,zimm,vtype")
V_MEM = Format("v_mem", (RD, RS1, VM), "vd,amem,vm")  # vle8.v vd, (rs1), v0.t
V_MEM_WHOLE = Format("v_mem_whole", (RD, RS1), "vd,amem", implied=_UNMASKED)
V_VV = Format("v_vv", (RD, RS1, RS2, VM), "vd,vs2,vs1,vm")
V_VX = Format("v_vx", (RD, RS1, RS2, VM), "vd,vs2,rs1,vm")
V_VI = Format("v_vi", (RD, SIMM5, RS2, VM), "vd,vs2,imm,vm")
V_VIU = Format("v_viu", (RD, UIMM5, RS2, VM), "vd,vs2,imm,vm")  # vsll.vi
V_MV_VV = Format("v_mv_v", (RD, RS1), "vd,vs1", implied=_UNMASKED)  # vmv.v.v
V_MV_VX = Format("v_mv_x", (RD, RS1), "vd,rs1", implied=_UNMASKED)  # vmv.v.x, vmv.s.x
V_MV_VI = Format("v_mv_i", (RD, SIMM5), "vd,imm", implied=_UNMASKED)  # vmv.v.i
V_MV_XS = Format("v_mv_xs", (RD, RS2), "rd,vs2", implied=_UNMASKED)  # vmv.x.s
V_MV_WHOLE = Format("v_mv_whole", (RD, RS2), "vd,vs2", implied=_UNMASKED)  # vmv<n>r.v
_V0 = (("vm", 0),)  # vadc, vmerge, ...: v0 is an operand (the carries, the selector)
V_VVM = Format("v_vvm", (RD, RS1, RS2), "vd,vs2,vs1,v0", implied=_V0)
V_VXM = Format("v_vxm", (RD, RS1, RS2), "vd,vs2,rs1,v0", implied=_V0)
V_VIM = Format("v_vim", (RD, SIMM5, RS2), "vd,vs2,imm,v0", implied=_V0)
V_VV_U = Format("v_vv_u", (RD, RS1, RS2), "vd,vs2,vs1", implied=_UNMASKED)  # vmadc.vv
V_VX_U = Format("v_vx_u", (RD, RS1, RS2), "vd,vs2,rs1", implied=_UNMASKED)
V_VI_U = Format("v_vi_u", (RD, SIMM5, RS2), "vd,vs2,imm", implied=_UNMASKED)
V_ID = Format("v_id", (RD, VM), "vd,vm")  # vid.v vd, v0.t
# ---- V: vperm (mask and permutation instructions)
V_M_X = Format("v_m_x", (RD, RS2, VM), "rd,vs2,vm")  # vcpop.m rd, vs2, v0.t
# one vector source in vs2: vmsbf.m, viota.m, vzext.vf2, vbrev.v, vfsqrt.v, ...
V_V = Format("v_v", (RD, RS2, VM), "vd,vs2,vm")
# ---- V: integer multiply, divide, widening, narrowing (vint)
V_VV_MAC = Format("v_vv_mac", (RD, RS1, RS2, VM), "vd,vs1,vs2,vm")  # vmacc.vv, vfmacc.vv
V_VX_MAC = Format("v_vx_mac", (RD, RS1, RS2, VM), "vd,rs1,vs2,vm")  # vmacc.vx vd, rs1, vs2
# ---- V: strided, indexed, segment and fault-only-first loads and stores (vmem) ----
V_MEM_STRIDED = Format("v_mem_strided", (RD, RS1, RS2, VM), "vd,amem,rs2,vm")  # vlse8.v
V_MEM_INDEXED = Format("v_mem_indexed", (RD, RS1, RS2, VM), "vd,amem,vs2,vm")  # vluxei8.v

# ---- V: Zvbb (vector basic bit-manipulation) ----
UIMM6_ROR = _f("imm", (26, 26, 5), (19, 15, 0))  # vror.vi: uimm[5] in bit 26, uimm[4:0] in 19..15
V_VI6 = Format("v_vi6", (RD, UIMM6_ROR, RS2, VM), "vd,vs2,imm,vm")  # vror.vi
# ---- V: vfp (floating point): f registers in bits 19..15 (fs1) or 11..7 (fd) ----
V_VF = Format("v_vf", (RD, RS1, RS2, VM), "vd,vs2,fs1,vm")  # vfadd.vf vd, vs2, fs1, v0.t
V_FMA_VF = Format("v_fma_vf", (RD, RS1, RS2, VM), "vd,fs1,vs2,vm")  # vfmacc.vf vd, fs1, vs2
V_VFM = Format("v_vfm", (RD, RS1, RS2), "vd,vs2,fs1,v0", implied=_V0)  # vfmerge.vfm
V_MV_VF = Format("v_mv_vf", (RD, RS1), "vd,fs1", implied=_UNMASKED)  # vfmv.v.f, vfmv.s.f
V_MV_FS = Format("v_mv_fs", (RD, RS2), "fd,vs2", implied=_UNMASKED)  # vfmv.f.s
