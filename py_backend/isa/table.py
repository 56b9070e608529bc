"""The instruction table: one row per encoding of RV64 I, M, A, F, D, C, Zicsr and Zifencei, of
Zba, Zbb, Zbc, Zbs, Zicond, Zicbom, Zicboz, Zawrs, Zimop, Zcmop, Zcb, Zfa, Zfhmin and Zfh, and of
the scalar cryptography extensions' RV64 instructions: Zbkb, Zbkc, Zbkx, Zknd, Zkne, Zknh, Zksed
and Zksh (a row names one extension; ``SHARED_ROWS`` lists the rows an extension shares with
another: Zbkb's rotations and andn/orn/xnor/rev8 are Zbb's rows, Zbkc's clmul/clmulh Zbc's).
Zkt has no instructions. The RV32-only encodings (zip, unzip, aes32*, sha512sig0h, ...) have no
rows, so they are illegal, as on an RV64 hart.

Patterns are written most-significant bit first, like QEMU's ``insn32.decode``: ``0``/``1`` are
fixed bits, ``.`` are bits the row's format extracts; spaces are only for reading (32-bit rows
are laid out ``funct7 rs2 rs1 funct3 rd opcode``, 16-bit rows ``funct3 ... op``). Every ``.``
must belong to a field of the format and every field bit must be a ``.`` (checked by the tests
and at import). Compressed rows name the base instruction they expand to.

Flags (semantic, identical for every encoding of the same base ``name``):
``branch`` conditional branch, ``jump`` direct jump (jal), ``indirect`` jalr, ``ecall``,
``ebreak``, ``fence.i`` (all of these end a translation block, see ``ENDS_BLOCK``); ``load``,
``store``, ``amo`` (lr/sc/amo*), ``fp`` (touches f registers or fcsr), ``csr``.

Attributes (``Attrs``; after the pattern, also identical for every encoding of one ``name``): what
the semantics read instead of taking the mnemonic apart. ``op=NAME`` the operation (``add``,
``lt``, ``swap``, ``madd``, ...), ``width=N`` the integer operand or memory access in bytes (``lw``
4, ``addw`` 4, ``fcvt.l.d`` 8; 0 = the full 64-bit register where no width matters), ``signed``,
``imm`` (rs2 is replaced by the immediate), ``fwidth=N`` the float format in bytes (4 = S, 8 = D).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import fields as F
from .fields import Format, Pattern

ENDS_BLOCK: frozenset[str] = frozenset({"branch", "jump", "indirect", "ecall", "ebreak", "fence.i"})
ALL_FLAGS: frozenset[str] = ENDS_BLOCK | {"load", "store", "amo", "fp", "csr", "vector"}


@dataclass(frozen=True, slots=True)
class Attrs:
    """What a row's semantics need to know besides its fields (see the module docstring)."""

    op: str = ""
    width: int = 0
    signed: bool = False
    imm: bool = False
    fwidth: int = 0
    scalar: bool = False  # vector .vx: the second operand is x[rs1]
    count: int = 0  # whole-register loads, stores and moves: how many registers
    nf: int = 0  # vector segment loads and stores: fields per segment (2..8)

    @classmethod
    def parse(cls, tokens: list[str]) -> Attrs:
        """``["op=add", "width=4", "imm"]`` -> Attrs(op="add", width=4, imm=True)."""
        kw: dict[str, str | int | bool] = {}
        for tok in tokens:
            key, eq, value = tok.partition("=")
            if key in ("signed", "imm", "scalar") and not eq:
                kw[key] = True
            elif key == "op" and value:
                kw[key] = value
            elif key in ("width", "fwidth", "count") and value in ("1", "2", "4", "8"):
                kw[key] = int(value)
            elif key == "nf" and value in ("2", "3", "4", "5", "6", "7", "8"):
                kw[key] = int(value)
            else:
                raise ValueError(f"unknown row attribute {tok!r}")
        return cls(**kw)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Row:
    mnemonic: str
    pattern: str
    fmt: Format
    ext: str
    name: str  # semantic (base) name
    flags: frozenset[str]
    attrs: Attrs = Attrs()
    size: int = field(init=False)
    mask: int = field(init=False)
    match: int = field(init=False)
    reserved: tuple[Pattern, ...] = field(init=False)

    def __post_init__(self) -> None:
        bits = self.pattern.replace(" ", "")
        mask = match = 0
        for ch in bits:
            mask = (mask << 1) | (ch != ".")
            match = (match << 1) | (ch == "1")
        object.__setattr__(self, "size", len(bits) // 8)
        object.__setattr__(self, "mask", mask)
        object.__setattr__(self, "match", match)
        object.__setattr__(self, "reserved", self.fmt.reserved)

    @property
    def compressed(self) -> bool:
        return self.size == 2


def _rows32(spec: str, ext: str, fmt: Format, flags: str = "") -> list[Row]:
    """One row per line: ``mnemonic pattern [attribute ...]`` (the pattern is the tokens made of
    ``0``, ``1`` and ``.``; the attributes are parsed by ``Attrs.parse``)."""
    out = []
    for line in spec.strip().splitlines():
        mnemonic, *rest = line.split()
        n = next((k for k, tok in enumerate(rest) if set(tok) - set("01.")), len(rest))
        pattern, attrs = " ".join(rest[:n]), Attrs.parse(rest[n:])
        out.append(Row(mnemonic, pattern, fmt, ext, mnemonic, frozenset(flags.split()), attrs))
    return out


# vector memory widths: bytes, the width field (bits 14..12) (the vmem rows)
_V_WIDTHS = ((1, "000"), (2, "101"), (4, "110"), (8, "111"))
# fmt: off
# ---------------------------------------------------------------- RV64I
ROWS32: list[Row] = [
    *_rows32("""
lui      .......  .....  .....  ...  .....  0110111
auipc    .......  .....  .....  ...  .....  0010111""", "I", F.U),
    *_rows32("""
jal      .......  .....  .....  ...  .....  1101111""", "I", F.J, "jump"),
    *_rows32("""
jalr     .......  .....  .....  000  .....  1100111""", "I", F.I_JALR, "indirect"),
    *_rows32("""
beq      .......  .....  .....  000  .....  1100011  op=eq
bne      .......  .....  .....  001  .....  1100011  op=ne
blt      .......  .....  .....  100  .....  1100011  op=lt signed
bge      .......  .....  .....  101  .....  1100011  op=ge signed
bltu     .......  .....  .....  110  .....  1100011  op=lt
bgeu     .......  .....  .....  111  .....  1100011  op=ge""", "I", F.B, "branch"),
    *_rows32("""
lb       .......  .....  .....  000  .....  0000011  width=1 signed
lh       .......  .....  .....  001  .....  0000011  width=2 signed
lw       .......  .....  .....  010  .....  0000011  width=4 signed
ld       .......  .....  .....  011  .....  0000011  width=8
lbu      .......  .....  .....  100  .....  0000011  width=1
lhu      .......  .....  .....  101  .....  0000011  width=2
lwu      .......  .....  .....  110  .....  0000011  width=4""", "I", F.I_LOAD, "load"),
    *_rows32("""
sb       .......  .....  .....  000  .....  0100011  width=1
sh       .......  .....  .....  001  .....  0100011  width=2
sw       .......  .....  .....  010  .....  0100011  width=4
sd       .......  .....  .....  011  .....  0100011  width=8""", "I", F.S, "store"),
    *_rows32("""
addi     .......  .....  .....  000  .....  0010011  op=add imm
slti     .......  .....  .....  010  .....  0010011  op=lt signed imm
sltiu    .......  .....  .....  011  .....  0010011  op=lt imm
xori     .......  .....  .....  100  .....  0010011  op=xor imm
ori      .......  .....  .....  110  .....  0010011  op=or imm
andi     .......  .....  .....  111  .....  0010011  op=and imm
addiw    .......  .....  .....  000  .....  0011011  op=add width=4 imm""", "I", F.I),
    # RV64: shamt[5] is bit 25 for the 64-bit shifts ...
    *_rows32("""
slli     000000.  .....  .....  001  .....  0010011  op=sll imm
srli     000000.  .....  .....  101  .....  0010011  op=srl imm
srai     010000.  .....  .....  101  .....  0010011  op=sra imm""", "I", F.SH6),
    # ... and "SLLIW, SRLIW, and SRAIW encodings with imm[5] != 0 are reserved".
    *_rows32("""
slliw    0000000  .....  .....  001  .....  0011011  op=sll width=4 imm
srliw    0000000  .....  .....  101  .....  0011011  op=srl width=4 imm
sraiw    0100000  .....  .....  101  .....  0011011  op=sra width=4 imm""", "I", F.SH5),
    *_rows32("""
add      0000000  .....  .....  000  .....  0110011  op=add
sub      0100000  .....  .....  000  .....  0110011  op=sub
sll      0000000  .....  .....  001  .....  0110011  op=sll
slt      0000000  .....  .....  010  .....  0110011  op=lt signed
sltu     0000000  .....  .....  011  .....  0110011  op=lt
xor      0000000  .....  .....  100  .....  0110011  op=xor
srl      0000000  .....  .....  101  .....  0110011  op=srl
sra      0100000  .....  .....  101  .....  0110011  op=sra
or       0000000  .....  .....  110  .....  0110011  op=or
and      0000000  .....  .....  111  .....  0110011  op=and
addw     0000000  .....  .....  000  .....  0111011  op=add width=4
subw     0100000  .....  .....  000  .....  0111011  op=sub width=4
sllw     0000000  .....  .....  001  .....  0111011  op=sll width=4
srlw     0000000  .....  .....  101  .....  0111011  op=srl width=4
sraw     0100000  .....  .....  101  .....  0111011  op=sra width=4""", "I", F.R),
    # FENCE: fm = 0000 (plain) with rd = rs1 = 0; other fm values, and non-zero rd/rs1, are
    # left undecoded (as objdump does) rather than treated as a plain fence.
    *_rows32("""
fence    0000...  .....  00000  000  00000  0001111""", "I", F.FENCE),
    Row("fence.tso", "1000001 10011 00000 000 00000 0001111", F.FENCE_TSO, "I", "fence",
        frozenset()),
    *_rows32("""
ecall    0000000  00000  00000  000  00000  1110011""", "I", F.NONE, "ecall"),
    *_rows32("""
ebreak   0000000  00001  00000  000  00000  1110011""", "I", F.NONE, "ebreak"),
    # ---------------------------------------------------------------- Zifencei
    *_rows32("""
fence.i  0000000  00000  00000  001  00000  0001111""", "Zifencei", F.NONE, "fence.i"),
    # ---------------------------------------------------------------- Zicsr
    *_rows32("""
csrrw    .......  .....  .....  001  .....  1110011  op=write
csrrs    .......  .....  .....  010  .....  1110011  op=set
csrrc    .......  .....  .....  011  .....  1110011  op=clear""", "Zicsr", F.CSR_R, "csr"),
    *_rows32("""
csrrwi   .......  .....  .....  101  .....  1110011  op=write imm
csrrsi   .......  .....  .....  110  .....  1110011  op=set imm
csrrci   .......  .....  .....  111  .....  1110011  op=clear imm""", "Zicsr", F.CSR_I, "csr"),
    # ---------------------------------------------------------------- M
    *_rows32("""
mul      0000001  .....  .....  000  .....  0110011  op=mul
mulh     0000001  .....  .....  001  .....  0110011  op=mulh
mulhsu   0000001  .....  .....  010  .....  0110011  op=mulhsu
mulhu    0000001  .....  .....  011  .....  0110011  op=mulhu
div      0000001  .....  .....  100  .....  0110011  op=div signed
divu     0000001  .....  .....  101  .....  0110011  op=div
rem      0000001  .....  .....  110  .....  0110011  op=rem signed
remu     0000001  .....  .....  111  .....  0110011  op=rem
mulw     0000001  .....  .....  000  .....  0111011  op=mul width=4
divw     0000001  .....  .....  100  .....  0111011  op=div width=4 signed
divuw    0000001  .....  .....  101  .....  0111011  op=div width=4
remw     0000001  .....  .....  110  .....  0111011  op=rem width=4 signed
remuw    0000001  .....  .....  111  .....  0111011  op=rem width=4""", "M", F.R),
    # ---------------------------------------------------------------- A  (funct5 aq rl)
    # "LR.W/D with rs2 != 0 is reserved": rs2 is fixed to zero.
    *_rows32("""
lr.w       00010..  00000  .....  010  .....  0101111  width=4
lr.d       00010..  00000  .....  011  .....  0101111  width=8""", "A", F.LR, "amo load"),
    *_rows32("""
sc.w       00011..  .....  .....  010  .....  0101111  width=4
sc.d       00011..  .....  .....  011  .....  0101111  width=8""", "A", F.AMO, "amo store"),
    *_rows32("""
amoswap.w  00001..  .....  .....  010  .....  0101111  op=swap width=4
amoadd.w   00000..  .....  .....  010  .....  0101111  op=add width=4
amoxor.w   00100..  .....  .....  010  .....  0101111  op=xor width=4
amoand.w   01100..  .....  .....  010  .....  0101111  op=and width=4
amoor.w    01000..  .....  .....  010  .....  0101111  op=or width=4
amomin.w   10000..  .....  .....  010  .....  0101111  op=min width=4 signed
amomax.w   10100..  .....  .....  010  .....  0101111  op=max width=4 signed
amominu.w  11000..  .....  .....  010  .....  0101111  op=min width=4
amomaxu.w  11100..  .....  .....  010  .....  0101111  op=max width=4
amoswap.d  00001..  .....  .....  011  .....  0101111  op=swap width=8
amoadd.d   00000..  .....  .....  011  .....  0101111  op=add width=8
amoxor.d   00100..  .....  .....  011  .....  0101111  op=xor width=8
amoand.d   01100..  .....  .....  011  .....  0101111  op=and width=8
amoor.d    01000..  .....  .....  011  .....  0101111  op=or width=8
amomin.d   10000..  .....  .....  011  .....  0101111  op=min width=8 signed
amomax.d   10100..  .....  .....  011  .....  0101111  op=max width=8 signed
amominu.d  11000..  .....  .....  011  .....  0101111  op=min width=8
amomaxu.d  11100..  .....  .....  011  .....  0101111  op=max width=8
""", "A", F.AMO, "amo load store"),
    # ---------------------------------------------------------------- F and D
    *_rows32("""
flw        .......  .....  .....  010  .....  0000111  width=4 fwidth=4
fld        .......  .....  .....  011  .....  0000111  width=8 fwidth=8
""", "FD", F.I_FLOAD, "fp load"),
    *_rows32("""
fsw        .......  .....  .....  010  .....  0100111  width=4 fwidth=4
fsd        .......  .....  .....  011  .....  0100111  width=8 fwidth=8
""", "FD", F.S_F, "fp store"),
    *_rows32("""
fmadd.s    .....00  .....  .....  ...  .....  1000011  op=madd fwidth=4
fmsub.s    .....00  .....  .....  ...  .....  1000111  op=msub fwidth=4
fnmsub.s   .....00  .....  .....  ...  .....  1001011  op=nmsub fwidth=4
fnmadd.s   .....00  .....  .....  ...  .....  1001111  op=nmadd fwidth=4
fmadd.d    .....01  .....  .....  ...  .....  1000011  op=madd fwidth=8
fmsub.d    .....01  .....  .....  ...  .....  1000111  op=msub fwidth=8
fnmsub.d   .....01  .....  .....  ...  .....  1001011  op=nmsub fwidth=8
fnmadd.d   .....01  .....  .....  ...  .....  1001111  op=nmadd fwidth=8""", "FD", F.F_R4, "fp"),
    *_rows32("""
fadd.s     0000000  .....  .....  ...  .....  1010011  op=add fwidth=4
fsub.s     0000100  .....  .....  ...  .....  1010011  op=sub fwidth=4
fmul.s     0001000  .....  .....  ...  .....  1010011  op=mul fwidth=4
fdiv.s     0001100  .....  .....  ...  .....  1010011  op=div fwidth=4
fadd.d     0000001  .....  .....  ...  .....  1010011  op=add fwidth=8
fsub.d     0000101  .....  .....  ...  .....  1010011  op=sub fwidth=8
fmul.d     0001001  .....  .....  ...  .....  1010011  op=mul fwidth=8
fdiv.d     0001101  .....  .....  ...  .....  1010011  op=div fwidth=8""", "FD", F.F_R_RM, "fp"),
    *_rows32("""
fsgnj.s    0010000  .....  .....  000  .....  1010011  op=sgnj fwidth=4
fsgnjn.s   0010000  .....  .....  001  .....  1010011  op=sgnjn fwidth=4
fsgnjx.s   0010000  .....  .....  010  .....  1010011  op=sgnjx fwidth=4
fmin.s     0010100  .....  .....  000  .....  1010011  op=min fwidth=4
fmax.s     0010100  .....  .....  001  .....  1010011  op=max fwidth=4
fsgnj.d    0010001  .....  .....  000  .....  1010011  op=sgnj fwidth=8
fsgnjn.d   0010001  .....  .....  001  .....  1010011  op=sgnjn fwidth=8
fsgnjx.d   0010001  .....  .....  010  .....  1010011  op=sgnjx fwidth=8
fmin.d     0010101  .....  .....  000  .....  1010011  op=min fwidth=8
fmax.d     0010101  .....  .....  001  .....  1010011  op=max fwidth=8""", "FD", F.F_R, "fp"),
    *_rows32("""
feq.s      1010000  .....  .....  010  .....  1010011  op=eq fwidth=4
flt.s      1010000  .....  .....  001  .....  1010011  op=lt fwidth=4
fle.s      1010000  .....  .....  000  .....  1010011  op=le fwidth=4
feq.d      1010001  .....  .....  010  .....  1010011  op=eq fwidth=8
flt.d      1010001  .....  .....  001  .....  1010011  op=lt fwidth=8
fle.d      1010001  .....  .....  000  .....  1010011  op=le fwidth=8""", "FD", F.F_CMP, "fp"),
    *_rows32("""
fsqrt.s    0101100  00000  .....  ...  .....  1010011  op=sqrt fwidth=4
fsqrt.d    0101101  00000  .....  ...  .....  1010011  op=sqrt fwidth=8
fcvt.s.d   0100000  00001  .....  ...  .....  1010011  fwidth=4""", "FD", F.F_UN_RM, "fp"),
    *_rows32("""
fcvt.d.s   0100001  00000  .....  ...  .....  1010011  fwidth=8""", "FD", F.F_UN_EXACT, "fp"),
    *_rows32("""
fcvt.w.s   1100000  00000  .....  ...  .....  1010011  width=4 signed fwidth=4
fcvt.wu.s  1100000  00001  .....  ...  .....  1010011  width=4 fwidth=4
fcvt.l.s   1100000  00010  .....  ...  .....  1010011  width=8 signed fwidth=4
fcvt.lu.s  1100000  00011  .....  ...  .....  1010011  width=8 fwidth=4
fcvt.w.d   1100001  00000  .....  ...  .....  1010011  width=4 signed fwidth=8
fcvt.wu.d  1100001  00001  .....  ...  .....  1010011  width=4 fwidth=8
fcvt.l.d   1100001  00010  .....  ...  .....  1010011  width=8 signed fwidth=8
fcvt.lu.d  1100001  00011  .....  ...  .....  1010011  width=8 fwidth=8
""", "FD", F.F_TO_X_RM, "fp"),
    *_rows32("""
fcvt.s.w   1101000  00000  .....  ...  .....  1010011  width=4 signed fwidth=4
fcvt.s.wu  1101000  00001  .....  ...  .....  1010011  width=4 fwidth=4
fcvt.s.l   1101000  00010  .....  ...  .....  1010011  width=8 signed fwidth=4
fcvt.s.lu  1101000  00011  .....  ...  .....  1010011  width=8 fwidth=4
fcvt.d.l   1101001  00010  .....  ...  .....  1010011  width=8 signed fwidth=8
fcvt.d.lu  1101001  00011  .....  ...  .....  1010011  width=8 fwidth=8
""", "FD", F.F_FROM_X_RM, "fp"),
    *_rows32("""
fcvt.d.w   1101001  00000  .....  ...  .....  1010011  width=4 signed fwidth=8
fcvt.d.wu  1101001  00001  .....  ...  .....  1010011  width=4 fwidth=8
""", "FD", F.F_FROM_X_EXACT, "fp"),
    *_rows32("""
fmv.x.w    1110000  00000  .....  000  .....  1010011  width=4 fwidth=4
fclass.s   1110000  00000  .....  001  .....  1010011  fwidth=4
fmv.x.d    1110001  00000  .....  000  .....  1010011  width=8 fwidth=8
fclass.d   1110001  00000  .....  001  .....  1010011  fwidth=8""", "FD", F.F_TO_X, "fp"),
    *_rows32("""
fmv.w.x    1111000  00000  .....  000  .....  1010011  width=4 fwidth=4
fmv.d.x    1111001  00000  .....  000  .....  1010011  width=8 fwidth=8""", "FD", F.F_FROM_X, "fp"),
]

# ---------------------------------------------------------------- C (RV64C)
# mnemonic        pattern (15..0)             format           base name
_C_SPEC: list[tuple[str, str, Format, str]] = [
    # quadrant 0
    ("c.addi4spn", "000 ........ ... 00",      F.CIW_ADDI4SPN, "addi"),
    ("c.fld",      "001 ... ... .. ... 00",    F.CL_FLD,       "fld"),
    ("c.lw",       "010 ... ... .. ... 00",    F.CL_LW,        "lw"),
    ("c.ld",       "011 ... ... .. ... 00",    F.CL_LD,        "ld"),
    ("c.fsd",      "101 ... ... .. ... 00",    F.CS_FSD,       "fsd"),
    ("c.sw",       "110 ... ... .. ... 00",    F.CS_SW,        "sw"),
    ("c.sd",       "111 ... ... .. ... 00",    F.CS_SD,        "sd"),
    # quadrant 1 (c.nop is c.addi x0, 0; other rd=x0 / imm=0 forms are HINTs, decoded as-is)
    ("c.addi",     "000 . ..... ..... 01",     F.CI_ADDI,      "addi"),
    ("c.addiw",    "001 . ..... ..... 01",     F.CI_ADDIW,     "addiw"),
    ("c.li",       "010 . ..... ..... 01",     F.CI_LI,        "addi"),
    ("c.addi16sp", "011 . 00010 ..... 01",     F.CI_ADDI16SP,  "addi"),
    ("c.lui",      "011 . ..... ..... 01",     F.CI_LUI,       "lui"),
    ("c.srli",     "100 . 00 ... ..... 01",    F.CB_SHIFT,     "srli"),
    ("c.srai",     "100 . 01 ... ..... 01",    F.CB_SHIFT,     "srai"),
    ("c.andi",     "100 . 10 ... ..... 01",    F.CB_ANDI,      "andi"),
    ("c.sub",      "100 0 11 ... 00 ... 01",   F.CA,           "sub"),
    ("c.xor",      "100 0 11 ... 01 ... 01",   F.CA,           "xor"),
    ("c.or",       "100 0 11 ... 10 ... 01",   F.CA,           "or"),
    ("c.and",      "100 0 11 ... 11 ... 01",   F.CA,           "and"),
    ("c.subw",     "100 1 11 ... 00 ... 01",   F.CA,           "subw"),
    ("c.addw",     "100 1 11 ... 01 ... 01",   F.CA,           "addw"),
    ("c.j",        "101 ........... 01",       F.CJ,           "jal"),
    ("c.beqz",     "110 ... ... ..... 01",     F.CB_BRANCH,    "beq"),
    ("c.bnez",     "111 ... ... ..... 01",     F.CB_BRANCH,    "bne"),
    # quadrant 2
    ("c.slli",     "000 . ..... ..... 10",     F.CI_SLLI,      "slli"),
    ("c.fldsp",    "001 . ..... ..... 10",     F.CI_FLDSP,     "fld"),
    ("c.lwsp",     "010 . ..... ..... 10",     F.CI_LWSP,      "lw"),
    ("c.ldsp",     "011 . ..... ..... 10",     F.CI_LDSP,      "ld"),
    ("c.jr",       "100 0 ..... 00000 10",     F.CR_JR,        "jalr"),
    ("c.mv",       "100 0 ..... ..... 10",     F.CR_MV,        "add"),
    ("c.ebreak",   "100 1 00000 00000 10",     F.C_NONE,       "ebreak"),
    ("c.jalr",     "100 1 ..... 00000 10",     F.CR_JALR,      "jalr"),
    ("c.add",      "100 1 ..... ..... 10",     F.CR_ADD,       "add"),
    ("c.fsdsp",    "101 ...... ..... 10",      F.CSS_FSDSP,    "fsd"),
    ("c.swsp",     "110 ...... ..... 10",      F.CSS_SWSP,     "sw"),
    ("c.sdsp",     "111 ...... ..... 10",      F.CSS_SDSP,     "sd"),
]
# ---------------------------------------------------------------- B = Zba Zbb Zbs, Zbc, Zicond
# (RV64 encodings: "zext.h" is the packw form, "rev8" has shamt 56)
ROWS32 += [
    *_rows32("""
add.uw     0000100  .....  .....  000  .....  0111011  op=add width=4
sh1add     0010000  .....  .....  010  .....  0110011  op=sh1add
sh2add     0010000  .....  .....  100  .....  0110011  op=sh2add
sh3add     0010000  .....  .....  110  .....  0110011  op=sh3add
sh1add.uw  0010000  .....  .....  010  .....  0111011  op=sh1add width=4
sh2add.uw  0010000  .....  .....  100  .....  0111011  op=sh2add width=4
sh3add.uw  0010000  .....  .....  110  .....  0111011  op=sh3add width=4""", "Zba", F.R),
    *_rows32("""
slli.uw    000010.  .....  .....  001  .....  0011011  op=sll width=4 imm""", "Zba", F.SH6),
    *_rows32("""
andn       0100000  .....  .....  111  .....  0110011  op=andn
orn        0100000  .....  .....  110  .....  0110011  op=orn
xnor       0100000  .....  .....  100  .....  0110011  op=xnor
max        0000101  .....  .....  110  .....  0110011  op=max signed
maxu       0000101  .....  .....  111  .....  0110011  op=max
min        0000101  .....  .....  100  .....  0110011  op=min signed
minu       0000101  .....  .....  101  .....  0110011  op=min
rol        0110000  .....  .....  001  .....  0110011  op=rol
ror        0110000  .....  .....  101  .....  0110011  op=ror
rolw       0110000  .....  .....  001  .....  0111011  op=rol width=4
rorw       0110000  .....  .....  101  .....  0111011  op=ror width=4""", "Zbb", F.R),
    *_rows32("""
clz        0110000  00000  .....  001  .....  0010011  op=clz
ctz        0110000  00001  .....  001  .....  0010011  op=ctz
cpop       0110000  00010  .....  001  .....  0010011  op=cpop
sext.b     0110000  00100  .....  001  .....  0010011  op=sext width=1
sext.h     0110000  00101  .....  001  .....  0010011  op=sext width=2
clzw       0110000  00000  .....  001  .....  0011011  op=clz width=4
ctzw       0110000  00001  .....  001  .....  0011011  op=ctz width=4
cpopw      0110000  00010  .....  001  .....  0011011  op=cpop width=4
zext.h     0000100  00000  .....  100  .....  0111011  op=zext width=2
orc.b      0010100  00111  .....  101  .....  0010011  op=orc width=1
rev8       0110101  11000  .....  101  .....  0010011  op=rev8""", "Zbb", F.R_UN),
    *_rows32("""
rori       011000.  .....  .....  101  .....  0010011  op=ror imm""", "Zbb", F.SH6),
    *_rows32("""
roriw      0110000  .....  .....  101  .....  0011011  op=ror width=4 imm""", "Zbb", F.SH5),
    *_rows32("""
clmul      0000101  .....  .....  001  .....  0110011  op=clmul
clmulr     0000101  .....  .....  010  .....  0110011  op=clmulr
clmulh     0000101  .....  .....  011  .....  0110011  op=clmulh""", "Zbc", F.R),
    *_rows32("""
bclr       0100100  .....  .....  001  .....  0110011  op=bclr
bext       0100100  .....  .....  101  .....  0110011  op=bext
binv       0110100  .....  .....  001  .....  0110011  op=binv
bset       0010100  .....  .....  001  .....  0110011  op=bset""", "Zbs", F.R),
    *_rows32("""
bclri      010010.  .....  .....  001  .....  0010011  op=bclr imm
bexti      010010.  .....  .....  101  .....  0010011  op=bext imm
binvi      011010.  .....  .....  001  .....  0010011  op=binv imm
bseti      001010.  .....  .....  001  .....  0010011  op=bset imm""", "Zbs", F.SH6),
    *_rows32("""
czero.eqz  0000111  .....  .....  101  .....  0110011  op=eq
czero.nez  0000111  .....  .....  111  .....  0110011  op=ne""", "Zicond", F.R),
    # ------------------------------------------------------------ scalar cryptography (RV64)
    # Zbkb's own rows (its rol, ror, rori, rolw, rorw, roriw, andn, orn, xnor and rev8 are the
    # Zbb rows above, Zbkc's clmul and clmulh the Zbc rows: see SHARED_ROWS).
    *_rows32("""
pack       0000100  .....  .....  100  .....  0110011
packh      0000100  .....  .....  111  .....  0110011""", "Zbkb", F.R),
    *_rows32("""
packw      0000100  .....  .....  100  .....  0111011""", "Zbkb", F.R_RS2_NZ),
    *_rows32("""
brev8      0110100  00111  .....  101  .....  0010011""", "Zbkb", F.R_UN),
    *_rows32("""
xperm4     0010100  .....  .....  010  .....  0110011  op=xperm4
xperm8     0010100  .....  .....  100  .....  0110011  op=xperm8""", "Zbkx", F.R),
    *_rows32("""
aes64es    0011001  .....  .....  000  .....  0110011
aes64esm   0011011  .....  .....  000  .....  0110011""", "Zkne", F.R),
    *_rows32("""
aes64ds    0011101  .....  .....  000  .....  0110011
aes64dsm   0011111  .....  .....  000  .....  0110011""", "Zknd", F.R),
    *_rows32("""
aes64im    0011000  00000  .....  001  .....  0010011""", "Zknd", F.R_UN),
    *_rows32("""
aes64ks1i  0011000  1....  .....  001  .....  0010011""", "Zkne", F.AES_KS1I),
    *_rows32("""
aes64ks2   0111111  .....  .....  000  .....  0110011""", "Zkne", F.R),
    *_rows32("""
sha256sig0 0001000  00010  .....  001  .....  0010011
sha256sig1 0001000  00011  .....  001  .....  0010011
sha256sum0 0001000  00000  .....  001  .....  0010011
sha256sum1 0001000  00001  .....  001  .....  0010011
sha512sig0 0001000  00110  .....  001  .....  0010011
sha512sig1 0001000  00111  .....  001  .....  0010011
sha512sum0 0001000  00100  .....  001  .....  0010011
sha512sum1 0001000  00101  .....  001  .....  0010011""", "Zknh", F.R_UN),
    *_rows32("""
sm4ed      ..11000  .....  .....  000  .....  0110011
sm4ks      ..11010  .....  .....  000  .....  0110011""", "Zksed", F.R_BS),
    *_rows32("""
sm3p0      0001000  01000  .....  001  .....  0010011
sm3p1      0001000  01001  .....  001  .....  0010011""", "Zksh", F.R_UN),
    # ------------------------------------------------------------ Zicbom, Zicboz (CBO: MISC-MEM)
    # Zicbop's prefetch.i/r/w are ori x0 hints: decoded (and run) as ori.
    *_rows32("""
cbo.inval  0000000  00000  .....  010  00000  0001111
cbo.clean  0000000  00001  .....  010  00000  0001111
cbo.flush  0000000  00010  .....  010  00000  0001111""", "Zicbom", F.CBO),
    *_rows32("""
cbo.zero   0000000  00100  .....  010  00000  0001111""", "Zicboz", F.CBO, "store"),
    # ------------------------------------------------------------ Zawrs
    *_rows32("""
wrs.nto    0000000  01101  00000  000  00000  1110011
wrs.sto    0000000  11101  00000  000  00000  1110011""", "Zawrs", F.NONE),
    # ------------------------------------------------------------ Zfa (RV64: S and D)
    *_rows32("""
fli.s        1111000  00001  .....  000  .....  1010011
fli.d        1111001  00001  .....  000  .....  1010011""", "Zfa", F.F_LI, "fp"),
    *_rows32("""
fminm.s      0010100  .....  .....  010  .....  1010011
fmaxm.s      0010100  .....  .....  011  .....  1010011
fminm.d      0010101  .....  .....  010  .....  1010011
fmaxm.d      0010101  .....  .....  011  .....  1010011""", "Zfa", F.F_R, "fp"),
    *_rows32("""
fround.s     0100000  00100  .....  ...  .....  1010011
froundnx.s   0100000  00101  .....  ...  .....  1010011
fround.d     0100001  00100  .....  ...  .....  1010011
froundnx.d   0100001  00101  .....  ...  .....  1010011""", "Zfa", F.F_UN_RM, "fp"),
    *_rows32("""
fcvtmod.w.d  1100001  01000  .....  001  .....  1010011""", "Zfa", F.F_TO_X_RTZ, "fp"),
    *_rows32("""
fleq.s       1010000  .....  .....  100  .....  1010011
fltq.s       1010000  .....  .....  101  .....  1010011
fleq.d       1010001  .....  .....  100  .....  1010011
fltq.d       1010001  .....  .....  101  .....  1010011""", "Zfa", F.F_CMP, "fp"),
    # ------------------------------------------------------------ Zfhmin, Zfh (binary16), Zfa's .h
    *_rows32("""
flh        .......  .....  .....  001  .....  0000111""", "Zfhmin", F.I_FLOAD, "fp load"),
    *_rows32("""
fsh        .......  .....  .....  001  .....  0100111""", "Zfhmin", F.S_F, "fp store"),
    *_rows32("""
fmv.x.h    1110010  00000  .....  000  .....  1010011""", "Zfhmin", F.F_TO_X, "fp"),
    *_rows32("""
fmv.h.x    1111010  00000  .....  000  .....  1010011""", "Zfhmin", F.F_FROM_X, "fp"),
    *_rows32("""
fcvt.s.h   0100000  00010  .....  ...  .....  1010011
fcvt.d.h   0100001  00010  .....  ...  .....  1010011""", "Zfhmin", F.F_UN_EXACT, "fp"),
    *_rows32("""
fcvt.h.s   0100010  00000  .....  ...  .....  1010011
fcvt.h.d   0100010  00001  .....  ...  .....  1010011""", "Zfhmin", F.F_UN_RM, "fp"),
    *_rows32("""
fmadd.h    .....10  .....  .....  ...  .....  1000011
fmsub.h    .....10  .....  .....  ...  .....  1000111
fnmsub.h   .....10  .....  .....  ...  .....  1001011
fnmadd.h   .....10  .....  .....  ...  .....  1001111""", "Zfh", F.F_R4, "fp"),
    *_rows32("""
fadd.h     0000010  .....  .....  ...  .....  1010011
fsub.h     0000110  .....  .....  ...  .....  1010011
fmul.h     0001010  .....  .....  ...  .....  1010011
fdiv.h     0001110  .....  .....  ...  .....  1010011""", "Zfh", F.F_R_RM, "fp"),
    *_rows32("""
fsqrt.h    0101110  00000  .....  ...  .....  1010011""", "Zfh", F.F_UN_RM, "fp"),
    *_rows32("""
fsgnj.h    0010010  .....  .....  000  .....  1010011
fsgnjn.h   0010010  .....  .....  001  .....  1010011
fsgnjx.h   0010010  .....  .....  010  .....  1010011
fmin.h     0010110  .....  .....  000  .....  1010011
fmax.h     0010110  .....  .....  001  .....  1010011""", "Zfh", F.F_R, "fp"),
    *_rows32("""
feq.h      1010010  .....  .....  010  .....  1010011
flt.h      1010010  .....  .....  001  .....  1010011
fle.h      1010010  .....  .....  000  .....  1010011""", "Zfh", F.F_CMP, "fp"),
    *_rows32("""
fclass.h   1110010  00000  .....  001  .....  1010011""", "Zfh", F.F_TO_X, "fp"),
    *_rows32("""
fcvt.w.h   1100010  00000  .....  ...  .....  1010011
fcvt.wu.h  1100010  00001  .....  ...  .....  1010011
fcvt.l.h   1100010  00010  .....  ...  .....  1010011
fcvt.lu.h  1100010  00011  .....  ...  .....  1010011""", "Zfh", F.F_TO_X_RM, "fp"),
    *_rows32("""
fcvt.h.w   1101010  00000  .....  ...  .....  1010011
fcvt.h.wu  1101010  00001  .....  ...  .....  1010011
fcvt.h.l   1101010  00010  .....  ...  .....  1010011
fcvt.h.lu  1101010  00011  .....  ...  .....  1010011""", "Zfh", F.F_FROM_X_RM, "fp"),
    *_rows32("""
fli.h        1111010  00001  .....  000  .....  1010011""", "Zfa", F.F_LI, "fp"),
    *_rows32("""
fminm.h      0010110  .....  .....  010  .....  1010011
fmaxm.h      0010110  .....  .....  011  .....  1010011""", "Zfa", F.F_R, "fp"),
    *_rows32("""
fround.h     0100010  00100  .....  ...  .....  1010011
froundnx.h   0100010  00101  .....  ...  .....  1010011""", "Zfa", F.F_UN_RM, "fp"),
    *_rows32("""
fleq.h       1010010  .....  .....  100  .....  1010011
fltq.h       1010010  .....  .....  101  .....  1010011""", "Zfa", F.F_CMP, "fp"),
    # ------------------------------------------------------------ Zimop: mop.r.N, mop.rr.N
    *[
        Row(f"mop.r.{n}", f"1{n >> 4}00{n >> 3 & 1}{n >> 2 & 1}0 111{n >> 1 & 1}{n & 1} ..... 100 "
            "..... 1110011", F.R_UN, "Zimop", "mop.r", frozenset())
        for n in range(32)
    ],
    *[
        Row(f"mop.rr.{n}", f"1{n >> 2}00{n >> 1 & 1}{n & 1}1 ..... ..... 100 ..... 1110011", F.R,
            "Zimop", "mop.rr", frozenset())
        for n in range(8)
    ],
    # ------------------------------------------------------------ V (RVV 1.0), in progress
    # Not advertised (linux/sys_extra.IN_PROGRESS_EXTS) until every row of V is here; encodings
    # without a row stay illegal.  OP-V rows: funct6 vm vs2 vs1 funct3 vd 1010111.
    *_rows32("""
vsetvli    0 ...........  .....  111  .....  1010111""", "V", F.VSETVLI, "vector"),
    *_rows32("""
vsetivli   11 ..........  .....  111  .....  1010111""", "V", F.VSETIVLI, "vector"),
    *_rows32("""
vsetvl     1000000  .....  .....  111  .....  1010111""", "V", F.R, "vector"),
    # loads and stores: nf mew mop vm lumop/sumop rs1 width vd/vs3 (LOAD-FP / STORE-FP)
    *_rows32("""
vle8.v     000 0 00 .  00000  .....  000  .....  0000111  width=1
vle16.v    000 0 00 .  00000  .....  101  .....  0000111  width=2
vle32.v    000 0 00 .  00000  .....  110  .....  0000111  width=4
vle64.v    000 0 00 .  00000  .....  111  .....  0000111  width=8""", "V", F.V_MEM, "vector load"),
    *_rows32("""
vse8.v     000 0 00 .  00000  .....  000  .....  0100111  width=1
vse16.v    000 0 00 .  00000  .....  101  .....  0100111  width=2
vse32.v    000 0 00 .  00000  .....  110  .....  0100111  width=4
vse64.v    000 0 00 .  00000  .....  111  .....  0100111  width=8""", "V", F.V_MEM, "vector store"),
    *_rows32("\n".join(
        f"vl{n}re{8 * w}.v {n - 1:03b} 0 00 1 01000 ..... {c} ..... 0000111 width={w} count={n}"
        for n in (1, 2, 4, 8) for w, c in ((1, "000"), (2, "101"), (4, "110"), (8, "111"))),
        "V", F.V_MEM_WHOLE, "vector load"),
    *_rows32("\n".join(
        f"vs{n}r.v {n - 1:03b} 0 00 1 01000 ..... 000 ..... 0100111 width=1 count={n}"
        for n in (1, 2, 4, 8)), "V", F.V_MEM_WHOLE, "vector store"),
    *_rows32("""
vlm.v      000 0 00 1  01011  .....  000  .....  0000111  width=1""", "V", F.V_MEM_WHOLE,
             "vector load"),
    *_rows32("""
vsm.v      000 0 00 1  01011  .....  000  .....  0100111  width=1""", "V", F.V_MEM_WHOLE,
             "vector store"),
    # integer arithmetic: .vv (OPIVV 000), .vx (OPIVX 100), .vi (OPIVI 011)
    *_rows32("""
vadd.vv    000000 .  .....  .....  000  .....  1010111  op=add
vsub.vv    000010 .  .....  .....  000  .....  1010111  op=sub
vand.vv    001001 .  .....  .....  000  .....  1010111  op=and
vor.vv     001010 .  .....  .....  000  .....  1010111  op=or
vxor.vv    001011 .  .....  .....  000  .....  1010111  op=xor""", "V", F.V_VV, "vector"),
    *_rows32("""
vadd.vx    000000 .  .....  .....  100  .....  1010111  op=add scalar
vsub.vx    000010 .  .....  .....  100  .....  1010111  op=sub scalar
vrsub.vx   000011 .  .....  .....  100  .....  1010111  op=rsub scalar
vand.vx    001001 .  .....  .....  100  .....  1010111  op=and scalar
vor.vx     001010 .  .....  .....  100  .....  1010111  op=or scalar
vxor.vx    001011 .  .....  .....  100  .....  1010111  op=xor scalar""", "V", F.V_VX, "vector"),
    *_rows32("""
vadd.vi    000000 .  .....  .....  011  .....  1010111  op=add imm
vrsub.vi   000011 .  .....  .....  011  .....  1010111  op=rsub imm
vand.vi    001001 .  .....  .....  011  .....  1010111  op=and imm
vor.vi     001010 .  .....  .....  011  .....  1010111  op=or imm
vxor.vi    001011 .  .....  .....  011  .....  1010111  op=xor imm""", "V", F.V_VI, "vector"),
    # min/max (elements compared zero- or sign-extended), shifts (by the low log2(SEW) bits)
    *_rows32("""
vminu.vv   000100 .  .....  .....  000  .....  1010111  op=minu
vmin.vv    000101 .  .....  .....  000  .....  1010111  op=min
vmaxu.vv   000110 .  .....  .....  000  .....  1010111  op=maxu
vmax.vv    000111 .  .....  .....  000  .....  1010111  op=max
vsll.vv    100101 .  .....  .....  000  .....  1010111  op=sll
vsrl.vv    101000 .  .....  .....  000  .....  1010111  op=srl
vsra.vv    101001 .  .....  .....  000  .....  1010111  op=sra""", "V", F.V_VV, "vector"),
    *_rows32("""
vminu.vx   000100 .  .....  .....  100  .....  1010111  op=minu scalar
vmin.vx    000101 .  .....  .....  100  .....  1010111  op=min scalar
vmaxu.vx   000110 .  .....  .....  100  .....  1010111  op=maxu scalar
vmax.vx    000111 .  .....  .....  100  .....  1010111  op=max scalar
vsll.vx    100101 .  .....  .....  100  .....  1010111  op=sll scalar
vsrl.vx    101000 .  .....  .....  100  .....  1010111  op=srl scalar
vsra.vx    101001 .  .....  .....  100  .....  1010111  op=sra scalar""", "V", F.V_VX, "vector"),
    *_rows32("""
vsll.vi    100101 .  .....  .....  011  .....  1010111  op=sll imm
vsrl.vi    101000 .  .....  .....  011  .....  1010111  op=srl imm
vsra.vi    101001 .  .....  .....  011  .....  1010111  op=sra imm""", "V", F.V_VIU, "vector"),
    # vmv.v.* are vmerge's unmasked encodings (vs2 = 0)
    *_rows32("""
vmv.v.v    010111 1  00000  .....  000  .....  1010111  op=mv""", "V", F.V_MV_VV, "vector"),
    *_rows32("""
vmv.v.x    010111 1  00000  .....  100  .....  1010111  op=mv scalar""", "V", F.V_MV_VX,
             "vector"),
    *_rows32("""
vmv.v.i    010111 1  00000  .....  011  .....  1010111  op=mv imm""", "V", F.V_MV_VI, "vector"),
    *_rows32("""
vmv.x.s    010000 1  .....  00000  010  .....  1010111""", "V", F.V_MV_XS, "vector"),
    *_rows32("""
vmv.s.x    010000 1  00000  .....  110  .....  1010111""", "V", F.V_MV_VX, "vector"),
    *_rows32("""
vmv1r.v    100111 1  .....  00000  011  .....  1010111  count=1
vmv2r.v    100111 1  .....  00001  011  .....  1010111  count=2
vmv4r.v    100111 1  .....  00011  011  .....  1010111  count=4
vmv8r.v    100111 1  .....  00111  011  .....  1010111  count=8""", "V", F.V_MV_WHOLE, "vector"),
    # vid.v (OPMVV 010, vs1 = 10001)
    *_rows32("""
vid.v      010100 .  00000  10001  010  .....  1010111""", "V", F.V_ID, "vector"),
    # v0 as an operand (vm = 0): carries, borrows, vmerge's selector; vmadc/vmsbc with vm = 1
    # take no carry in. vmadc/vmsbc write a mask.
    *_rows32("""
vadc.vvm   010000 0  .....  .....  000  .....  1010111  op=adc
vmadc.vvm  010001 0  .....  .....  000  .....  1010111  op=madc
vsbc.vvm   010010 0  .....  .....  000  .....  1010111  op=sbc
vmsbc.vvm  010011 0  .....  .....  000  .....  1010111  op=msbc
vmerge.vvm 010111 0  .....  .....  000  .....  1010111  op=merge""", "V", F.V_VVM, "vector"),
    *_rows32("""
vadc.vxm   010000 0  .....  .....  100  .....  1010111  op=adc scalar
vmadc.vxm  010001 0  .....  .....  100  .....  1010111  op=madc scalar
vsbc.vxm   010010 0  .....  .....  100  .....  1010111  op=sbc scalar
vmsbc.vxm  010011 0  .....  .....  100  .....  1010111  op=msbc scalar
vmerge.vxm 010111 0  .....  .....  100  .....  1010111  op=merge scalar""", "V", F.V_VXM,
             "vector"),
    *_rows32("""
vadc.vim   010000 0  .....  .....  011  .....  1010111  op=adc imm
vmadc.vim  010001 0  .....  .....  011  .....  1010111  op=madc imm
vmerge.vim 010111 0  .....  .....  011  .....  1010111  op=merge imm""", "V", F.V_VIM, "vector"),
    *_rows32("""
vmadc.vv   010001 1  .....  .....  000  .....  1010111  op=madc
vmsbc.vv   010011 1  .....  .....  000  .....  1010111  op=msbc""", "V", F.V_VV_U, "vector"),
    *_rows32("""
vmadc.vx   010001 1  .....  .....  100  .....  1010111  op=madc scalar
vmsbc.vx   010011 1  .....  .....  100  .....  1010111  op=msbc scalar""", "V", F.V_VX_U,
             "vector"),
    *_rows32("""
vmadc.vi   010001 1  .....  .....  011  .....  1010111  op=madc imm""", "V", F.V_VI_U, "vector"),
    # integer compares: a mask of vs2[k] op (vs1[k] | x[rs1] | simm5)
    *_rows32("""
vmseq.vv   011000 .  .....  .....  000  .....  1010111  op=eq
vmsne.vv   011001 .  .....  .....  000  .....  1010111  op=ne
vmsltu.vv  011010 .  .....  .....  000  .....  1010111  op=lt_u
vmslt.vv   011011 .  .....  .....  000  .....  1010111  op=lt_s
vmsleu.vv  011100 .  .....  .....  000  .....  1010111  op=le_u
vmsle.vv   011101 .  .....  .....  000  .....  1010111  op=le_s""", "V", F.V_VV, "vector"),
    *_rows32("""
vmseq.vx   011000 .  .....  .....  100  .....  1010111  op=eq scalar
vmsne.vx   011001 .  .....  .....  100  .....  1010111  op=ne scalar
vmsltu.vx  011010 .  .....  .....  100  .....  1010111  op=lt_u scalar
vmslt.vx   011011 .  .....  .....  100  .....  1010111  op=lt_s scalar
vmsleu.vx  011100 .  .....  .....  100  .....  1010111  op=le_u scalar
vmsle.vx   011101 .  .....  .....  100  .....  1010111  op=le_s scalar
vmsgtu.vx  011110 .  .....  .....  100  .....  1010111  op=gt_u scalar
vmsgt.vx   011111 .  .....  .....  100  .....  1010111  op=gt_s scalar""", "V", F.V_VX, "vector"),
    *_rows32("""
vmseq.vi   011000 .  .....  .....  011  .....  1010111  op=eq imm
vmsne.vi   011001 .  .....  .....  011  .....  1010111  op=ne imm
vmsleu.vi  011100 .  .....  .....  011  .....  1010111  op=le_u imm
vmsle.vi   011101 .  .....  .....  011  .....  1010111  op=le_s imm
vmsgtu.vi  011110 .  .....  .....  011  .....  1010111  op=gt_u imm
vmsgt.vi   011111 .  .....  .....  011  .....  1010111  op=gt_s imm""", "V", F.V_VI, "vector"),
    # ---- V: vperm (mask-register logical, mask population/find/set-first, iota, slides,
    # register gathers, compress); vmmv.m/vmnot.m/vmclr.m/vmset.m are aliases of the .mm rows
    *_rows32("""
vmandn.mm  011000 1  .....  .....  010  .....  1010111  op=andn
vmand.mm   011001 1  .....  .....  010  .....  1010111  op=and
vmor.mm    011010 1  .....  .....  010  .....  1010111  op=or
vmxor.mm   011011 1  .....  .....  010  .....  1010111  op=xor
vmorn.mm   011100 1  .....  .....  010  .....  1010111  op=orn
vmnand.mm  011101 1  .....  .....  010  .....  1010111  op=nand
vmnor.mm   011110 1  .....  .....  010  .....  1010111  op=nor
vmxnor.mm  011111 1  .....  .....  010  .....  1010111  op=xnor
vcompress.vm 010111 1  .....  .....  010  .....  1010111  op=compress""", "V", F.V_VV_U,
             "vector"),
    *_rows32("""
vcpop.m    010000 .  .....  10000  010  .....  1010111  op=cpop
vfirst.m   010000 .  .....  10001  010  .....  1010111  op=first""", "V", F.V_M_X, "vector"),
    *_rows32("""
vmsbf.m    010100 .  .....  00001  010  .....  1010111  op=sbf
vmsof.m    010100 .  .....  00010  010  .....  1010111  op=sof
vmsif.m    010100 .  .....  00011  010  .....  1010111  op=sif
viota.m    010100 .  .....  10000  010  .....  1010111  op=iota""", "V", F.V_V, "vector"),
    *_rows32("""
vrgather.vv 001100 .  .....  .....  000  .....  1010111  op=gather
vrgatherei16.vv 001110 .  .....  .....  000  .....  1010111  op=gatherei16""", "V", F.V_VV,
             "vector"),
    *_rows32("""
vslideup.vx 001110 .  .....  .....  100  .....  1010111  op=slideup scalar
vslidedown.vx 001111 .  .....  .....  100  .....  1010111  op=slidedown scalar
vrgather.vx 001100 .  .....  .....  100  .....  1010111  op=gather scalar
vslide1up.vx 001110 .  .....  .....  110  .....  1010111  op=slide1up scalar
vslide1down.vx 001111 .  .....  .....  110  .....  1010111  op=slide1down scalar""", "V", F.V_VX,
             "vector"),
    *_rows32("""
vslideup.vi 001110 .  .....  .....  011  .....  1010111  op=slideup imm
vslidedown.vi 001111 .  .....  .....  011  .....  1010111  op=slidedown imm
vrgather.vi 001100 .  .....  .....  011  .....  1010111  op=gather imm""", "V", F.V_VIU, "vector"),
    # ---- V: integer multiply, divide, widening, narrowing (vint): OPMVV 010, OPMVX 110
    *_rows32("""
vdivu.vv   100000 .  .....  .....  010  .....  1010111  op=divu
vdiv.vv    100001 .  .....  .....  010  .....  1010111  op=div
vremu.vv   100010 .  .....  .....  010  .....  1010111  op=remu
vrem.vv    100011 .  .....  .....  010  .....  1010111  op=rem
vmulhu.vv  100100 .  .....  .....  010  .....  1010111  op=mulhu
vmul.vv    100101 .  .....  .....  010  .....  1010111  op=mul
vmulhsu.vv 100110 .  .....  .....  010  .....  1010111  op=mulhsu
vmulh.vv   100111 .  .....  .....  010  .....  1010111  op=mulh
vwaddu.vv  110000 .  .....  .....  010  .....  1010111  op=waddu
vwadd.vv   110001 .  .....  .....  010  .....  1010111  op=wadd
vwsubu.vv  110010 .  .....  .....  010  .....  1010111  op=wsubu
vwsub.vv   110011 .  .....  .....  010  .....  1010111  op=wsub
vwmulu.vv  111000 .  .....  .....  010  .....  1010111  op=wmulu
vwmulsu.vv 111010 .  .....  .....  010  .....  1010111  op=wmulsu
vwmul.vv   111011 .  .....  .....  010  .....  1010111  op=wmul
vwaddu.wv  110100 .  .....  .....  010  .....  1010111  op=waddu
vwadd.wv   110101 .  .....  .....  010  .....  1010111  op=wadd
vwsubu.wv  110110 .  .....  .....  010  .....  1010111  op=wsubu
vwsub.wv   110111 .  .....  .....  010  .....  1010111  op=wsub""", "V", F.V_VV, "vector"),
    *_rows32("""
vdivu.vx   100000 .  .....  .....  110  .....  1010111  op=divu scalar
vdiv.vx    100001 .  .....  .....  110  .....  1010111  op=div scalar
vremu.vx   100010 .  .....  .....  110  .....  1010111  op=remu scalar
vrem.vx    100011 .  .....  .....  110  .....  1010111  op=rem scalar
vmulhu.vx  100100 .  .....  .....  110  .....  1010111  op=mulhu scalar
vmul.vx    100101 .  .....  .....  110  .....  1010111  op=mul scalar
vmulhsu.vx 100110 .  .....  .....  110  .....  1010111  op=mulhsu scalar
vmulh.vx   100111 .  .....  .....  110  .....  1010111  op=mulh scalar
vwaddu.vx  110000 .  .....  .....  110  .....  1010111  op=waddu scalar
vwadd.vx   110001 .  .....  .....  110  .....  1010111  op=wadd scalar
vwsubu.vx  110010 .  .....  .....  110  .....  1010111  op=wsubu scalar
vwsub.vx   110011 .  .....  .....  110  .....  1010111  op=wsub scalar
vwmulu.vx  111000 .  .....  .....  110  .....  1010111  op=wmulu scalar
vwmulsu.vx 111010 .  .....  .....  110  .....  1010111  op=wmulsu scalar
vwmul.vx   111011 .  .....  .....  110  .....  1010111  op=wmul scalar
vwaddu.wx  110100 .  .....  .....  110  .....  1010111  op=waddu scalar
vwadd.wx   110101 .  .....  .....  110  .....  1010111  op=wadd scalar
vwsubu.wx  110110 .  .....  .....  110  .....  1010111  op=wsubu scalar
vwsub.wx   110111 .  .....  .....  110  .....  1010111  op=wsub scalar""", "V", F.V_VX,
             "vector"),
    *_rows32("""
vmadd.vv   101001 .  .....  .....  010  .....  1010111  op=madd
vnmsub.vv  101011 .  .....  .....  010  .....  1010111  op=nmsub
vmacc.vv   101101 .  .....  .....  010  .....  1010111  op=macc
vnmsac.vv  101111 .  .....  .....  010  .....  1010111  op=nmsac
vwmaccu.vv 111100 .  .....  .....  010  .....  1010111  op=wmaccu
vwmacc.vv  111101 .  .....  .....  010  .....  1010111  op=wmacc
vwmaccsu.vv 111111 .  .....  .....  010  .....  1010111  op=wmaccsu""", "V", F.V_VV_MAC, "vector"),
    *_rows32("""
vmadd.vx   101001 .  .....  .....  110  .....  1010111  op=madd scalar
vnmsub.vx  101011 .  .....  .....  110  .....  1010111  op=nmsub scalar
vmacc.vx   101101 .  .....  .....  110  .....  1010111  op=macc scalar
vnmsac.vx  101111 .  .....  .....  110  .....  1010111  op=nmsac scalar
vwmaccu.vx 111100 .  .....  .....  110  .....  1010111  op=wmaccu scalar
vwmacc.vx  111101 .  .....  .....  110  .....  1010111  op=wmacc scalar
vwmaccsu.vx 111111 .  .....  .....  110  .....  1010111  op=wmaccsu scalar
vwmaccus.vx 111110 .  .....  .....  110  .....  1010111  op=wmaccus scalar""", "V",
             F.V_VX_MAC, "vector"),
    # narrowing shifts (OPIVV/OPIVX/OPIVI): vs2 is 2*SEW wide
    *_rows32("""
vnsrl.wv   101100 .  .....  .....  000  .....  1010111  op=nsrl
vnsra.wv   101101 .  .....  .....  000  .....  1010111  op=nsra""", "V", F.V_VV, "vector"),
    *_rows32("""
vnsrl.wx   101100 .  .....  .....  100  .....  1010111  op=nsrl scalar
vnsra.wx   101101 .  .....  .....  100  .....  1010111  op=nsra scalar""", "V", F.V_VX, "vector"),
    *_rows32("""
vnsrl.wi   101100 .  .....  .....  011  .....  1010111  op=nsrl imm
vnsra.wi   101101 .  .....  .....  011  .....  1010111  op=nsra imm""", "V", F.V_VIU, "vector"),
    # integer extension (OPMVV, funct6 010010, the kind in vs1): vd (SEW) from vs2 (SEW / N)
    *_rows32("""
vzext.vf8  010010 .  .....  00010  010  .....  1010111  op=zext8
vsext.vf8  010010 .  .....  00011  010  .....  1010111  op=sext8
vzext.vf4  010010 .  .....  00100  010  .....  1010111  op=zext4
vsext.vf4  010010 .  .....  00101  010  .....  1010111  op=sext4
vzext.vf2  010010 .  .....  00110  010  .....  1010111  op=zext2
vsext.vf2  010010 .  .....  00111  010  .....  1010111  op=sext2""", "V", F.V_V, "vector"),
    # ---- V: fixed point (saturating, averaging, vsmul, scaling shifts, narrowing clips) and
    # integer reductions. OPIVV 000 / OPIVX 100 / OPIVI 011; averaging and reductions OPMVV 010
    # / OPMVX 110; vwredsum* OPIVV.
    *_rows32("""
vsaddu.vv  100000 .  .....  .....  000  .....  1010111  op=saddu
vsadd.vv   100001 .  .....  .....  000  .....  1010111  op=sadd
vssubu.vv  100010 .  .....  .....  000  .....  1010111  op=ssubu
vssub.vv   100011 .  .....  .....  000  .....  1010111  op=ssub
vsmul.vv   100111 .  .....  .....  000  .....  1010111  op=smul
vssrl.vv   101010 .  .....  .....  000  .....  1010111  op=ssrl
vssra.vv   101011 .  .....  .....  000  .....  1010111  op=ssra
vnclipu.wv 101110 .  .....  .....  000  .....  1010111  op=nclipu
vnclip.wv  101111 .  .....  .....  000  .....  1010111  op=nclip
vaaddu.vv  001000 .  .....  .....  010  .....  1010111  op=aaddu
vaadd.vv   001001 .  .....  .....  010  .....  1010111  op=aadd
vasubu.vv  001010 .  .....  .....  010  .....  1010111  op=asubu
vasub.vv   001011 .  .....  .....  010  .....  1010111  op=asub""", "V", F.V_VV, "vector"),
    *_rows32("""
vsaddu.vx  100000 .  .....  .....  100  .....  1010111  op=saddu scalar
vsadd.vx   100001 .  .....  .....  100  .....  1010111  op=sadd scalar
vssubu.vx  100010 .  .....  .....  100  .....  1010111  op=ssubu scalar
vssub.vx   100011 .  .....  .....  100  .....  1010111  op=ssub scalar
vsmul.vx   100111 .  .....  .....  100  .....  1010111  op=smul scalar
vssrl.vx   101010 .  .....  .....  100  .....  1010111  op=ssrl scalar
vssra.vx   101011 .  .....  .....  100  .....  1010111  op=ssra scalar
vnclipu.wx 101110 .  .....  .....  100  .....  1010111  op=nclipu scalar
vnclip.wx  101111 .  .....  .....  100  .....  1010111  op=nclip scalar
vaaddu.vx  001000 .  .....  .....  110  .....  1010111  op=aaddu scalar
vaadd.vx   001001 .  .....  .....  110  .....  1010111  op=aadd scalar
vasubu.vx  001010 .  .....  .....  110  .....  1010111  op=asubu scalar
vasub.vx   001011 .  .....  .....  110  .....  1010111  op=asub scalar""", "V", F.V_VX, "vector"),
    *_rows32("""
vsaddu.vi  100000 .  .....  .....  011  .....  1010111  op=saddu imm
vsadd.vi   100001 .  .....  .....  011  .....  1010111  op=sadd imm""", "V", F.V_VI, "vector"),
    *_rows32("""
vssrl.vi   101010 .  .....  .....  011  .....  1010111  op=ssrl imm
vssra.vi   101011 .  .....  .....  011  .....  1010111  op=ssra imm
vnclipu.wi 101110 .  .....  .....  011  .....  1010111  op=nclipu imm
vnclip.wi  101111 .  .....  .....  011  .....  1010111  op=nclip imm""", "V", F.V_VIU, "vector"),
    *_rows32("""
vredsum.vs    000000 .  .....  .....  010  .....  1010111  op=redsum
vredand.vs    000001 .  .....  .....  010  .....  1010111  op=redand
vredor.vs     000010 .  .....  .....  010  .....  1010111  op=redor
vredxor.vs    000011 .  .....  .....  010  .....  1010111  op=redxor
vredminu.vs   000100 .  .....  .....  010  .....  1010111  op=redminu
vredmin.vs    000101 .  .....  .....  010  .....  1010111  op=redmin
vredmaxu.vs   000110 .  .....  .....  010  .....  1010111  op=redmaxu
vredmax.vs    000111 .  .....  .....  010  .....  1010111  op=redmax
vwredsumu.vs  110000 .  .....  .....  000  .....  1010111  op=wredsumu
vwredsum.vs   110001 .  .....  .....  000  .....  1010111  op=wredsum""", "V", F.V_VV, "vector"),
    # ---- V: vmem (strided, indexed, segment and fault-only-first loads and stores): nf in
    # bits 31..29 (fields - 1), mop in 27..26 (00 unit, 01 indexed-unordered, 10 strided,
    # 11 indexed-ordered), lumop 10000 = fault-only-first; op= unit, ff, strided, indexed
    *[row for m, opc, kind in (("vl", "0000111", "load"), ("vs", "0100111", "store"))
      for row in [
        *_rows32("\n".join(
            f"{m}{'' if n == 1 else f'seg{n}'}e{8 * w}{s}.v {n - 1:03b} 0 00 . {lumop} ..... {c} "
            f"..... {opc} width={w} op={op}{'' if n == 1 else f' nf={n}'}"
            for lumop, s, op in (("00000", "", "unit"), ("10000", "ff", "ff"))
            if m == "vl" or op == "unit"
            for n in range(1, 9) for w, c in _V_WIDTHS if n > 1 or op == "ff"),
            "V", F.V_MEM, f"vector {kind}"),
        *_rows32("\n".join(
            f"{m}s{'' if n == 1 else f'seg{n}'}e{8 * w}.v {n - 1:03b} 0 10 . ..... ..... {c} "
            f"..... {opc} width={w} op=strided{'' if n == 1 else f' nf={n}'}"
            for n in range(1, 9) for w, c in _V_WIDTHS), "V", F.V_MEM_STRIDED, f"vector {kind}"),
        *_rows32("\n".join(
            f"{m}{o}{'ei' if n == 1 else f'seg{n}ei'}{8 * w}.v {n - 1:03b} 0 {mop} . ..... ..... "
            f"{c} ..... {opc} width={w} op=indexed{'' if n == 1 else f' nf={n}'}"
            for o, mop in (("ux", "01"), ("ox", "11"))
            for n in range(1, 9) for w, c in _V_WIDTHS), "V", F.V_MEM_INDEXED, f"vector {kind}"),
      ]],
    # ---- V: Zvbb (vector basic bit-manipulation; not advertised without V: sys_extra)
    *_rows32("""
vandn.vv   000001 .  .....  .....  000  .....  1010111  op=andn
vror.vv    010100 .  .....  .....  000  .....  1010111  op=ror
vrol.vv    010101 .  .....  .....  000  .....  1010111  op=rol""", "Zvbb", F.V_VV, "vector"),
    *_rows32("""
vandn.vx   000001 .  .....  .....  100  .....  1010111  op=andn scalar
vror.vx    010100 .  .....  .....  100  .....  1010111  op=ror scalar
vrol.vx    010101 .  .....  .....  100  .....  1010111  op=rol scalar""", "Zvbb", F.V_VX,
             "vector"),
    *_rows32("""
vror.vi    01010 . .  .....  .....  011  .....  1010111  op=ror imm""", "Zvbb", F.V_VI6,
             "vector"),
    # the unary ones (OPMVV, funct6 010010, the operation in vs1)
    *_rows32("""
vbrev8.v   010010 .  .....  01000  010  .....  1010111  op=brev8
vrev8.v    010010 .  .....  01001  010  .....  1010111  op=rev8
vbrev.v    010010 .  .....  01010  010  .....  1010111  op=brev
vclz.v     010010 .  .....  01100  010  .....  1010111  op=clz
vctz.v     010010 .  .....  01101  010  .....  1010111  op=ctz
vcpop.v    010010 .  .....  01110  010  .....  1010111  op=cpop""", "Zvbb", F.V_V,
             "vector"),
    # widening shift left: vd (2 * SEW) = zext(vs2) << (vs1 | x[rs1] | uimm5)
    *_rows32("""
vwsll.vv   110101 .  .....  .....  000  .....  1010111  op=wsll""", "Zvbb", F.V_VV, "vector"),
    *_rows32("""
vwsll.vx   110101 .  .....  .....  100  .....  1010111  op=wsll scalar""", "Zvbb", F.V_VX,
             "vector"),
    *_rows32("""
vwsll.vi   110101 .  .....  .....  011  .....  1010111  op=wsll imm""", "Zvbb", F.V_VIU,
             "vector"),
    # ---- V: vfp (floating point at SEW = 32/64: OPFVV funct3 001, OPFVF funct3 101)
    *_rows32("""
vfadd.vv          000000 .  .....  .....  001  .....  1010111  op=add
vfsub.vv          000010 .  .....  .....  001  .....  1010111  op=sub
vfmin.vv          000100 .  .....  .....  001  .....  1010111  op=min
vfmax.vv          000110 .  .....  .....  001  .....  1010111  op=max
vfsgnj.vv         001000 .  .....  .....  001  .....  1010111  op=sgnj
vfsgnjn.vv        001001 .  .....  .....  001  .....  1010111  op=sgnjn
vfsgnjx.vv        001010 .  .....  .....  001  .....  1010111  op=sgnjx
vmfeq.vv          011000 .  .....  .....  001  .....  1010111  op=feq
vmfle.vv          011001 .  .....  .....  001  .....  1010111  op=fle
vmflt.vv          011011 .  .....  .....  001  .....  1010111  op=flt
vmfne.vv          011100 .  .....  .....  001  .....  1010111  op=fne
vfdiv.vv          100000 .  .....  .....  001  .....  1010111  op=div
vfmul.vv          100100 .  .....  .....  001  .....  1010111  op=mul""", "V", F.V_VV, "vector"),
    *_rows32("""
vfadd.vf          000000 .  .....  .....  101  .....  1010111  op=add scalar
vfsub.vf          000010 .  .....  .....  101  .....  1010111  op=sub scalar
vfmin.vf          000100 .  .....  .....  101  .....  1010111  op=min scalar
vfmax.vf          000110 .  .....  .....  101  .....  1010111  op=max scalar
vfsgnj.vf         001000 .  .....  .....  101  .....  1010111  op=sgnj scalar
vfsgnjn.vf        001001 .  .....  .....  101  .....  1010111  op=sgnjn scalar
vfsgnjx.vf        001010 .  .....  .....  101  .....  1010111  op=sgnjx scalar
vfslide1up.vf     001110 .  .....  .....  101  .....  1010111  op=slide1up scalar
vfslide1down.vf   001111 .  .....  .....  101  .....  1010111  op=slide1down scalar
vmfeq.vf          011000 .  .....  .....  101  .....  1010111  op=feq scalar
vmfle.vf          011001 .  .....  .....  101  .....  1010111  op=fle scalar
vmflt.vf          011011 .  .....  .....  101  .....  1010111  op=flt scalar
vmfne.vf          011100 .  .....  .....  101  .....  1010111  op=fne scalar
vmfgt.vf          011101 .  .....  .....  101  .....  1010111  op=fgt scalar
vmfge.vf          011111 .  .....  .....  101  .....  1010111  op=fge scalar
vfdiv.vf          100000 .  .....  .....  101  .....  1010111  op=div scalar
vfrdiv.vf         100001 .  .....  .....  101  .....  1010111  op=rdiv scalar
vfmul.vf          100100 .  .....  .....  101  .....  1010111  op=mul scalar
vfrsub.vf         100111 .  .....  .....  101  .....  1010111  op=rsub scalar""", "V", F.V_VF,
             "vector"),
    *_rows32("""
vfmadd.vv         101000 .  .....  .....  001  .....  1010111  op=madd
vfnmadd.vv        101001 .  .....  .....  001  .....  1010111  op=nmadd
vfmsub.vv         101010 .  .....  .....  001  .....  1010111  op=msub
vfnmsub.vv        101011 .  .....  .....  001  .....  1010111  op=nmsub
vfmacc.vv         101100 .  .....  .....  001  .....  1010111  op=macc
vfnmacc.vv        101101 .  .....  .....  001  .....  1010111  op=nmacc
vfmsac.vv         101110 .  .....  .....  001  .....  1010111  op=msac
vfnmsac.vv        101111 .  .....  .....  001  .....  1010111  op=nmsac""", "V", F.V_VV_MAC,
             "vector"),
    *_rows32("""
vfmadd.vf         101000 .  .....  .....  101  .....  1010111  op=madd scalar
vfnmadd.vf        101001 .  .....  .....  101  .....  1010111  op=nmadd scalar
vfmsub.vf         101010 .  .....  .....  101  .....  1010111  op=msub scalar
vfnmsub.vf        101011 .  .....  .....  101  .....  1010111  op=nmsub scalar
vfmacc.vf         101100 .  .....  .....  101  .....  1010111  op=macc scalar
vfnmacc.vf        101101 .  .....  .....  101  .....  1010111  op=nmacc scalar
vfmsac.vf         101110 .  .....  .....  101  .....  1010111  op=msac scalar
vfnmsac.vf        101111 .  .....  .....  101  .....  1010111  op=nmsac scalar""", "V", F.V_FMA_VF,
             "vector"),
    *_rows32("""
vfredusum.vs      000001 .  .....  .....  001  .....  1010111  op=usum
vfredosum.vs      000011 .  .....  .....  001  .....  1010111  op=osum
vfredmin.vs       000101 .  .....  .....  001  .....  1010111  op=min
vfredmax.vs       000111 .  .....  .....  001  .....  1010111  op=max""", "V", F.V_VV, "vector"),
    *_rows32("""
vfsqrt.v          010011 .  .....  00000  001  .....  1010111  op=sqrt
vfrsqrt7.v        010011 .  .....  00100  001  .....  1010111  op=rsqrt7
vfrec7.v          010011 .  .....  00101  001  .....  1010111  op=rec7
vfclass.v         010011 .  .....  10000  001  .....  1010111  op=class
vfcvt.xu.f.v      010010 .  .....  00000  001  .....  1010111  op=cvt_xu_f
vfcvt.x.f.v       010010 .  .....  00001  001  .....  1010111  op=cvt_x_f
vfcvt.f.xu.v      010010 .  .....  00010  001  .....  1010111  op=cvt_f_xu
vfcvt.f.x.v       010010 .  .....  00011  001  .....  1010111  op=cvt_f_x
vfcvt.rtz.xu.f.v  010010 .  .....  00110  001  .....  1010111  op=cvt_rtz_xu_f
vfcvt.rtz.x.f.v   010010 .  .....  00111  001  .....  1010111  op=cvt_rtz_x_f""", "V", F.V_V,
             "vector"),
    *_rows32("""
vfmerge.vfm       010111 0  .....  .....  101  .....  1010111  op=merge scalar""", "V", F.V_VFM,
             "vector"),
    *_rows32("""
vfmv.v.f          010111 1  00000  .....  101  .....  1010111  op=mv scalar
vfmv.s.f          010000 1  00000  .....  101  .....  1010111  op=mv_s scalar""", "V", F.V_MV_VF,
             "vector"),
    *_rows32("""
vfmv.f.s          010000 1  .....  00000  001  .....  1010111  op=mv_f""", "V", F.V_MV_FS,
             "vector"),
    # vfp, widening and narrowing (SEW = 32 floats, 16/32-bit integers with vfwcvt/vfncvt)
    *_rows32("""
vfwadd.vv          110000 .  .....  .....  001  .....  1010111  op=wadd
vfwsub.vv          110010 .  .....  .....  001  .....  1010111  op=wsub
vfwadd.wv          110100 .  .....  .....  001  .....  1010111  op=wadd_w
vfwsub.wv          110110 .  .....  .....  001  .....  1010111  op=wsub_w
vfwmul.vv          111000 .  .....  .....  001  .....  1010111  op=wmul
vfwredusum.vs      110001 .  .....  .....  001  .....  1010111  op=wusum
vfwredosum.vs      110011 .  .....  .....  001  .....  1010111  op=wosum""", "V", F.V_VV,
             "vector"),
    *_rows32("""
vfwadd.vf          110000 .  .....  .....  101  .....  1010111  op=wadd scalar
vfwsub.vf          110010 .  .....  .....  101  .....  1010111  op=wsub scalar
vfwadd.wf          110100 .  .....  .....  101  .....  1010111  op=wadd_w scalar
vfwsub.wf          110110 .  .....  .....  101  .....  1010111  op=wsub_w scalar
vfwmul.vf          111000 .  .....  .....  101  .....  1010111  op=wmul scalar""", "V", F.V_VF,
             "vector"),
    *_rows32("""
vfwmacc.vv         111100 .  .....  .....  001  .....  1010111  op=wmacc
vfwnmacc.vv        111101 .  .....  .....  001  .....  1010111  op=wnmacc
vfwmsac.vv         111110 .  .....  .....  001  .....  1010111  op=wmsac
vfwnmsac.vv        111111 .  .....  .....  001  .....  1010111  op=wnmsac""", "V", F.V_VV_MAC,
             "vector"),
    *_rows32("""
vfwmacc.vf         111100 .  .....  .....  101  .....  1010111  op=wmacc scalar
vfwnmacc.vf        111101 .  .....  .....  101  .....  1010111  op=wnmacc scalar
vfwmsac.vf         111110 .  .....  .....  101  .....  1010111  op=wmsac scalar
vfwnmsac.vf        111111 .  .....  .....  101  .....  1010111  op=wnmsac scalar""", "V",
             F.V_FMA_VF, "vector"),
    *_rows32("""
vfwcvt.xu.f.v      010010 .  .....  01000  001  .....  1010111  op=wcvt_xu_f
vfwcvt.x.f.v       010010 .  .....  01001  001  .....  1010111  op=wcvt_x_f
vfwcvt.f.xu.v      010010 .  .....  01010  001  .....  1010111  op=wcvt_f_xu
vfwcvt.f.x.v       010010 .  .....  01011  001  .....  1010111  op=wcvt_f_x
vfwcvt.f.f.v       010010 .  .....  01100  001  .....  1010111  op=wcvt_f_f
vfwcvt.rtz.xu.f.v  010010 .  .....  01110  001  .....  1010111  op=wcvt_rtz_xu_f
vfwcvt.rtz.x.f.v   010010 .  .....  01111  001  .....  1010111  op=wcvt_rtz_x_f
vfncvt.xu.f.w      010010 .  .....  10000  001  .....  1010111  op=ncvt_xu_f
vfncvt.x.f.w       010010 .  .....  10001  001  .....  1010111  op=ncvt_x_f
vfncvt.f.xu.w      010010 .  .....  10010  001  .....  1010111  op=ncvt_f_xu
vfncvt.f.x.w       010010 .  .....  10011  001  .....  1010111  op=ncvt_f_x
vfncvt.f.f.w       010010 .  .....  10100  001  .....  1010111  op=ncvt_f_f
vfncvt.rod.f.f.w   010010 .  .....  10101  001  .....  1010111  op=ncvt_rod_f_f
vfncvt.rtz.xu.f.w  010010 .  .....  10110  001  .....  1010111  op=ncvt_rtz_xu_f
vfncvt.rtz.x.f.w   010010 .  .....  10111  001  .....  1010111  op=ncvt_rtz_x_f""", "V", F.V_V,
             "vector"),
]
# fmt: on

# Per semantic name (every encoding of a name has the same flags and attributes: see the tests).
FLAGS: dict[str, frozenset[str]] = {}
ATTRS: dict[str, Attrs] = {}
for _r in ROWS32:
    FLAGS.setdefault(_r.name, _r.flags)
    ATTRS.setdefault(_r.name, _r.attrs)

ROWS16: list[Row] = [Row(m, p, fmt, "C", n, FLAGS[n], ATTRS[n]) for m, p, fmt, n in _C_SPEC]
# Zcmop: c.mop.N (N odd) in the reserved c.lui rd, 0 space; "defined to not write any register".
# Just before c.lui, whose space they use. Both decoders (isa/decode.py and tier 0) skip a row
# whose reserved sub-pattern matches and try the next one.
# Zcb: in encodings C leaves reserved; each expands to a base (or Zba/Zbb) instruction.
# fmt: off
ROWS16 += [
    Row(m, p, fmt, "Zcb", n, FLAGS[n], ATTRS[n]) for m, p, fmt, n in [
        ("c.lbu",    "100 000 ... .. ... 00",   F.CL_LBU,    "lbu"),
        ("c.lhu",    "100 001 ... 0. ... 00",   F.CL_LHU,    "lhu"),
        ("c.lh",     "100 001 ... 1. ... 00",   F.CL_LHU,    "lh"),
        ("c.sb",     "100 010 ... .. ... 00",   F.CS_SB,     "sb"),
        ("c.sh",     "100 011 ... 0. ... 00",   F.CS_SH,     "sh"),
        ("c.zext.b", "100 111 ... 11 000 01",   F.CU_ZEXT_B, "andi"),
        ("c.sext.b", "100 111 ... 11 001 01",   F.CU,        "sext.b"),
        ("c.zext.h", "100 111 ... 11 010 01",   F.CU,        "zext.h"),
        ("c.sext.h", "100 111 ... 11 011 01",   F.CU,        "sext.h"),
        ("c.zext.w", "100 111 ... 11 100 01",   F.CU_ZEXT_W, "add.uw"),
        ("c.not",    "100 111 ... 11 101 01",   F.CU_NOT,    "xori"),
        ("c.mul",    "100 111 ... 10 ... 01",   F.CA,        "mul"),
    ]
]
# fmt: on
_LUI = next(k for k, r in enumerate(ROWS16) if r.mnemonic == "c.lui")
ROWS16[_LUI:_LUI] = [
    Row(
        f"c.mop.{n}",
        f"011 0 {n:05b} 00000 01",
        F.C_MOP,
        "Zcmop",
        "addi",
        FLAGS["addi"],
        ATTRS["addi"],
    )
    for n in range(1, 16, 2)
]
ROWS: list[Row] = ROWS32 + ROWS16
BY_MNEMONIC: dict[str, Row] = {r.mnemonic: r for r in ROWS}

# Each row names one extension; these extensions also hold rows that name another (the scalar
# cryptography extensions reuse Zbb's and Zbc's instructions, aes64ks1i/aes64ks2 are in both
# Zkne and Zknd, and Zvfhmin is two of V's conversions at SEW = 16). Extension -> those rows'
# mnemonics.
SHARED_ROWS: dict[str, tuple[str, ...]] = {
    "Zbkb": ("andn", "orn", "xnor", "rol", "ror", "rori", "rolw", "rorw", "roriw", "rev8"),
    "Zbkc": ("clmul", "clmulh"),
    "Zknd": ("aes64ks1i", "aes64ks2"),
    # the vector half <-> single conversions (at SEW = 16: emit_vector_fp)
    "Zvfhmin": ("vfwcvt.f.f.v", "vfncvt.f.f.w"),
}


def extensions() -> frozenset[str]:
    """Every extension the rows implement, whether a row names it or shares it."""
    return frozenset({r.ext for r in ROWS} | set(SHARED_ROWS))


def names_with(*flags: str) -> frozenset[str]:
    """The semantic names whose rows carry any of ``flags``."""
    return frozenset(n for n, f in FLAGS.items() if f.intersection(flags))


# The semantics the translator must implement: every row's ``name`` is one of these. Written out
# (not derived from the rows) so the tests can cross-check the table against it.
SEMANTIC_NAMES: tuple[str, ...] = tuple(
    """
    lui auipc jal jalr beq bne blt bge bltu bgeu lb lh lw ld lbu lhu lwu sb sh sw sd
    addi slti sltiu xori ori andi slli srli srai add sub sll slt sltu xor srl sra or and
    fence fence.i ecall ebreak addiw slliw srliw sraiw addw subw sllw srlw sraw
    mul mulh mulhsu mulhu div divu rem remu mulw divw divuw remw remuw
    lr.w sc.w amoswap.w amoadd.w amoxor.w amoand.w amoor.w amomin.w amomax.w amominu.w amomaxu.w
    lr.d sc.d amoswap.d amoadd.d amoxor.d amoand.d amoor.d amomin.d amomax.d amominu.d amomaxu.d
    csrrw csrrs csrrc csrrwi csrrsi csrrci
    flw fsw fmadd.s fmsub.s fnmsub.s fnmadd.s fadd.s fsub.s fmul.s fdiv.s fsqrt.s
    fsgnj.s fsgnjn.s fsgnjx.s fmin.s fmax.s fcvt.w.s fcvt.wu.s fcvt.l.s fcvt.lu.s fmv.x.w
    feq.s flt.s fle.s fclass.s fcvt.s.w fcvt.s.wu fcvt.s.l fcvt.s.lu fmv.w.x
    fld fsd fmadd.d fmsub.d fnmsub.d fnmadd.d fadd.d fsub.d fmul.d fdiv.d fsqrt.d
    fsgnj.d fsgnjn.d fsgnjx.d fmin.d fmax.d fcvt.w.d fcvt.wu.d fcvt.l.d fcvt.lu.d fmv.x.d
    feq.d flt.d fle.d fclass.d fcvt.d.w fcvt.d.wu fcvt.d.l fcvt.d.lu fmv.d.x
    fcvt.s.d fcvt.d.s
    add.uw sh1add sh2add sh3add sh1add.uw sh2add.uw sh3add.uw slli.uw
    andn orn xnor max maxu min minu rol ror rolw rorw rori roriw
    clz ctz cpop sext.b sext.h clzw ctzw cpopw zext.h orc.b rev8
    clmul clmulr clmulh bclr bext binv bset bclri bexti binvi bseti czero.eqz czero.nez
    cbo.inval cbo.clean cbo.flush cbo.zero wrs.nto wrs.sto mop.r mop.rr
    fli.s fli.d fminm.s fmaxm.s fminm.d fmaxm.d fround.s froundnx.s fround.d froundnx.d
    fcvtmod.w.d fleq.s fltq.s fleq.d fltq.d
    flh fsh fmv.x.h fmv.h.x fcvt.s.h fcvt.d.h fcvt.h.s fcvt.h.d
    fmadd.h fmsub.h fnmsub.h fnmadd.h fadd.h fsub.h fmul.h fdiv.h fsqrt.h
    fsgnj.h fsgnjn.h fsgnjx.h fmin.h fmax.h feq.h flt.h fle.h fclass.h
    fcvt.w.h fcvt.wu.h fcvt.l.h fcvt.lu.h fcvt.h.w fcvt.h.wu fcvt.h.l fcvt.h.lu
    fli.h fminm.h fmaxm.h fround.h froundnx.h fleq.h fltq.h
    pack packh packw brev8 xperm4 xperm8 aes64es aes64esm aes64ds aes64dsm aes64im aes64ks1i
    aes64ks2 sha256sig0 sha256sig1 sha256sum0 sha256sum1 sha512sig0 sha512sig1 sha512sum0
    sha512sum1 sm4ed sm4ks sm3p0 sm3p1
    vsetvli vsetivli vsetvl vle8.v vle16.v vle32.v vle64.v vse8.v vse16.v vse32.v vse64.v
    vl1re8.v vl1re16.v vl1re32.v vl1re64.v vl2re8.v vl2re16.v vl2re32.v vl2re64.v
    vl4re8.v vl4re16.v vl4re32.v vl4re64.v vl8re8.v vl8re16.v vl8re32.v vl8re64.v
    vs1r.v vs2r.v vs4r.v vs8r.v vlm.v vsm.v
    vadd.vv vsub.vv vand.vv vor.vv vxor.vv vadd.vx vsub.vx vrsub.vx vand.vx vor.vx vxor.vx
    vadd.vi vrsub.vi vand.vi vor.vi vxor.vi vmv.v.v vmv.v.x vmv.v.i vmv.x.s vmv.s.x
    vmv1r.v vmv2r.v vmv4r.v vmv8r.v vid.v vadc.vvm vadc.vxm vadc.vim vsbc.vvm vsbc.vxm
    vmadc.vvm vmadc.vxm vmadc.vim vmadc.vv vmadc.vx vmadc.vi vmsbc.vvm vmsbc.vxm vmsbc.vv
    vmsbc.vx vmerge.vvm vmerge.vxm vmerge.vim
    vmseq.vv vmsne.vv vmsltu.vv vmslt.vv vmsleu.vv vmsle.vv vmseq.vx vmsne.vx vmsltu.vx vmslt.vx
    vmsleu.vx vmsle.vx vmsgtu.vx vmsgt.vx vmseq.vi vmsne.vi vmsleu.vi vmsle.vi vmsgtu.vi vmsgt.vi
    vminu.vv vmin.vv vmaxu.vv vmax.vv vsll.vv vsrl.vv vsra.vv vminu.vx vmin.vx vmaxu.vx vmax.vx
    vsll.vx vsrl.vx vsra.vx vsll.vi vsrl.vi vsra.vi
    vmand.mm vmnand.mm vmandn.mm vmxor.mm vmor.mm vmnor.mm vmorn.mm vmxnor.mm vcpop.m vfirst.m
    vmsbf.m vmsif.m vmsof.m viota.m vslideup.vx vslideup.vi vslidedown.vx vslidedown.vi
    vslide1up.vx vslide1down.vx vrgather.vv vrgather.vx vrgather.vi vrgatherei16.vv vcompress.vm
    vdivu.vv vdiv.vv vremu.vv vrem.vv vmulhu.vv vmul.vv vmulhsu.vv vmulh.vv vwaddu.vv vwadd.vv
    vwsubu.vv vwsub.vv vwmulu.vv vwmulsu.vv vwmul.vv vwaddu.wv vwadd.wv vwsubu.wv vwsub.wv
    vdivu.vx vdiv.vx vremu.vx vrem.vx vmulhu.vx vmul.vx vmulhsu.vx vmulh.vx vwaddu.vx vwadd.vx
    vwsubu.vx vwsub.vx vwmulu.vx vwmulsu.vx vwmul.vx vwaddu.wx vwadd.wx vwsubu.wx vwsub.wx
    vmadd.vv vnmsub.vv vmacc.vv vnmsac.vv vwmaccu.vv vwmacc.vv vmadd.vx vnmsub.vx vmacc.vx
    vnmsac.vx vwmaccu.vx vwmacc.vx vnsrl.wv vnsra.wv vnsrl.wx vnsra.wx vnsrl.wi vnsra.wi
    vzext.vf8 vsext.vf8 vzext.vf4 vsext.vf4 vzext.vf2 vsext.vf2 vwmaccsu.vv vwmaccsu.vx vwmaccus.vx
    vsaddu.vv vsadd.vv vssubu.vv vssub.vv vsmul.vv vssrl.vv vssra.vv vnclipu.wv vnclip.wv
    vaaddu.vv vaadd.vv vasubu.vv vasub.vv vsaddu.vx vsadd.vx vssubu.vx vssub.vx vsmul.vx
    vssrl.vx vssra.vx vnclipu.wx vnclip.wx vaaddu.vx vaadd.vx vasubu.vx vasub.vx
    vsaddu.vi vsadd.vi vssrl.vi vssra.vi vnclipu.wi vnclip.wi
    vredsum.vs vredand.vs vredor.vs vredxor.vs vredminu.vs vredmin.vs vredmaxu.vs vredmax.vs
    vwredsumu.vs vwredsum.vs
    vlseg2e8.v vlseg2e16.v vlseg2e32.v vlseg2e64.v vlseg3e8.v vlseg3e16.v vlseg3e32.v vlseg3e64.v
    vlseg4e8.v vlseg4e16.v vlseg4e32.v vlseg4e64.v vlseg5e8.v vlseg5e16.v vlseg5e32.v vlseg5e64.v
    vlseg6e8.v vlseg6e16.v vlseg6e32.v vlseg6e64.v vlseg7e8.v vlseg7e16.v vlseg7e32.v vlseg7e64.v
    vlseg8e8.v vlseg8e16.v vlseg8e32.v vlseg8e64.v vle8ff.v vle16ff.v vle32ff.v vle64ff.v
    vlseg2e8ff.v vlseg2e16ff.v vlseg2e32ff.v vlseg2e64ff.v vlseg3e8ff.v vlseg3e16ff.v vlseg3e32ff.v
    vlseg3e64ff.v vlseg4e8ff.v vlseg4e16ff.v vlseg4e32ff.v vlseg4e64ff.v vlseg5e8ff.v vlseg5e16ff.v
    vlseg5e32ff.v vlseg5e64ff.v vlseg6e8ff.v vlseg6e16ff.v vlseg6e32ff.v vlseg6e64ff.v vlseg7e8ff.v
    vlseg7e16ff.v vlseg7e32ff.v vlseg7e64ff.v vlseg8e8ff.v vlseg8e16ff.v vlseg8e32ff.v vlseg8e64ff.v
    vlse8.v vlse16.v vlse32.v vlse64.v vlsseg2e8.v vlsseg2e16.v vlsseg2e32.v vlsseg2e64.v
    vlsseg3e8.v vlsseg3e16.v vlsseg3e32.v vlsseg3e64.v vlsseg4e8.v vlsseg4e16.v vlsseg4e32.v
    vlsseg4e64.v vlsseg5e8.v vlsseg5e16.v vlsseg5e32.v vlsseg5e64.v vlsseg6e8.v vlsseg6e16.v
    vlsseg6e32.v vlsseg6e64.v vlsseg7e8.v vlsseg7e16.v vlsseg7e32.v vlsseg7e64.v vlsseg8e8.v
    vlsseg8e16.v vlsseg8e32.v vlsseg8e64.v vluxei8.v vluxei16.v vluxei32.v vluxei64.v vluxseg2ei8.v
    vluxseg2ei16.v vluxseg2ei32.v vluxseg2ei64.v vluxseg3ei8.v vluxseg3ei16.v vluxseg3ei32.v
    vluxseg3ei64.v vluxseg4ei8.v vluxseg4ei16.v vluxseg4ei32.v vluxseg4ei64.v vluxseg5ei8.v
    vluxseg5ei16.v vluxseg5ei32.v vluxseg5ei64.v vluxseg6ei8.v vluxseg6ei16.v vluxseg6ei32.v
    vluxseg6ei64.v vluxseg7ei8.v vluxseg7ei16.v vluxseg7ei32.v vluxseg7ei64.v vluxseg8ei8.v
    vluxseg8ei16.v vluxseg8ei32.v vluxseg8ei64.v vloxei8.v vloxei16.v vloxei32.v vloxei64.v
    vloxseg2ei8.v vloxseg2ei16.v vloxseg2ei32.v vloxseg2ei64.v vloxseg3ei8.v vloxseg3ei16.v
    vloxseg3ei32.v vloxseg3ei64.v vloxseg4ei8.v vloxseg4ei16.v vloxseg4ei32.v vloxseg4ei64.v
    vloxseg5ei8.v vloxseg5ei16.v vloxseg5ei32.v vloxseg5ei64.v vloxseg6ei8.v vloxseg6ei16.v
    vloxseg6ei32.v vloxseg6ei64.v vloxseg7ei8.v vloxseg7ei16.v vloxseg7ei32.v vloxseg7ei64.v
    vloxseg8ei8.v vloxseg8ei16.v vloxseg8ei32.v vloxseg8ei64.v vsseg2e8.v vsseg2e16.v vsseg2e32.v
    vsseg2e64.v vsseg3e8.v vsseg3e16.v vsseg3e32.v vsseg3e64.v vsseg4e8.v vsseg4e16.v vsseg4e32.v
    vsseg4e64.v vsseg5e8.v vsseg5e16.v vsseg5e32.v vsseg5e64.v vsseg6e8.v vsseg6e16.v vsseg6e32.v
    vsseg6e64.v vsseg7e8.v vsseg7e16.v vsseg7e32.v vsseg7e64.v vsseg8e8.v vsseg8e16.v vsseg8e32.v
    vsseg8e64.v vsse8.v vsse16.v vsse32.v vsse64.v vssseg2e8.v vssseg2e16.v vssseg2e32.v
    vssseg2e64.v vssseg3e8.v vssseg3e16.v vssseg3e32.v vssseg3e64.v vssseg4e8.v vssseg4e16.v
    vssseg4e32.v vssseg4e64.v vssseg5e8.v vssseg5e16.v vssseg5e32.v vssseg5e64.v vssseg6e8.v
    vssseg6e16.v vssseg6e32.v vssseg6e64.v vssseg7e8.v vssseg7e16.v vssseg7e32.v vssseg7e64.v
    vssseg8e8.v vssseg8e16.v vssseg8e32.v vssseg8e64.v vsuxei8.v vsuxei16.v vsuxei32.v vsuxei64.v
    vsuxseg2ei8.v vsuxseg2ei16.v vsuxseg2ei32.v vsuxseg2ei64.v vsuxseg3ei8.v vsuxseg3ei16.v
    vsuxseg3ei32.v vsuxseg3ei64.v vsuxseg4ei8.v vsuxseg4ei16.v vsuxseg4ei32.v vsuxseg4ei64.v
    vsuxseg5ei8.v vsuxseg5ei16.v vsuxseg5ei32.v vsuxseg5ei64.v vsuxseg6ei8.v vsuxseg6ei16.v
    vsuxseg6ei32.v vsuxseg6ei64.v vsuxseg7ei8.v vsuxseg7ei16.v vsuxseg7ei32.v vsuxseg7ei64.v
    vsuxseg8ei8.v vsuxseg8ei16.v vsuxseg8ei32.v vsuxseg8ei64.v vsoxei8.v vsoxei16.v vsoxei32.v
    vsoxei64.v vsoxseg2ei8.v vsoxseg2ei16.v vsoxseg2ei32.v vsoxseg2ei64.v vsoxseg3ei8.v
    vsoxseg3ei16.v vsoxseg3ei32.v vsoxseg3ei64.v vsoxseg4ei8.v vsoxseg4ei16.v vsoxseg4ei32.v
    vsoxseg4ei64.v vsoxseg5ei8.v vsoxseg5ei16.v vsoxseg5ei32.v vsoxseg5ei64.v vsoxseg6ei8.v
    vsoxseg6ei16.v vsoxseg6ei32.v vsoxseg6ei64.v vsoxseg7ei8.v vsoxseg7ei16.v vsoxseg7ei32.v
    vsoxseg7ei64.v vsoxseg8ei8.v vsoxseg8ei16.v vsoxseg8ei32.v vsoxseg8ei64.v
    vandn.vv vandn.vx vror.vv vror.vx vror.vi vrol.vv vrol.vx vbrev8.v vrev8.v vbrev.v
    vclz.v vctz.v vcpop.v vwsll.vv vwsll.vx vwsll.vi
    vfadd.vv vfsub.vv vfmin.vv vfmax.vv vfsgnj.vv vfsgnjn.vv vfsgnjx.vv vmfeq.vv vmfle.vv
    vmflt.vv vmfne.vv vfdiv.vv vfmul.vv vfadd.vf vfsub.vf vfmin.vf vfmax.vf vfsgnj.vf vfsgnjn.vf
    vfsgnjx.vf vfslide1up.vf vfslide1down.vf vmfeq.vf vmfle.vf vmflt.vf vmfne.vf vmfgt.vf
    vmfge.vf vfdiv.vf vfrdiv.vf vfmul.vf vfrsub.vf vfmadd.vv vfnmadd.vv vfmsub.vv vfnmsub.vv
    vfmacc.vv vfnmacc.vv vfmsac.vv vfnmsac.vv vfmadd.vf vfnmadd.vf vfmsub.vf vfnmsub.vf
    vfmacc.vf vfnmacc.vf vfmsac.vf vfnmsac.vf vfredusum.vs vfredosum.vs vfredmin.vs vfredmax.vs
    vfsqrt.v vfrsqrt7.v vfrec7.v vfclass.v vfcvt.xu.f.v vfcvt.x.f.v vfcvt.f.xu.v vfcvt.f.x.v
    vfcvt.rtz.xu.f.v vfcvt.rtz.x.f.v vfmerge.vfm vfmv.v.f vfmv.s.f vfmv.f.s
    vfwadd.vv vfwsub.vv vfwadd.wv vfwsub.wv vfwmul.vv vfwredusum.vs vfwredosum.vs vfwadd.vf
    vfwsub.vf vfwadd.wf vfwsub.wf vfwmul.vf vfwmacc.vv vfwnmacc.vv vfwmsac.vv vfwnmsac.vv
    vfwmacc.vf vfwnmacc.vf vfwmsac.vf vfwnmsac.vf vfwcvt.xu.f.v vfwcvt.x.f.v vfwcvt.f.xu.v
    vfwcvt.f.x.v vfwcvt.f.f.v vfwcvt.rtz.xu.f.v vfwcvt.rtz.x.f.v vfncvt.xu.f.w vfncvt.x.f.w
    vfncvt.f.xu.w vfncvt.f.x.w vfncvt.f.f.w vfncvt.rod.f.f.w vfncvt.rtz.xu.f.w vfncvt.rtz.x.f.w
    """.split()
)


def check_row(row: Row) -> None:
    """Raise ValueError unless ``row``'s pattern is fully specified by its fixed bits and fields."""
    bits = row.pattern.replace(" ", "")
    if len(bits) not in (16, 32) or set(bits) - set("01."):
        raise ValueError(f"{row.mnemonic}: pattern must be 16 or 32 chars of 0/1/.")
    full = (1 << len(bits)) - 1
    if row.mask & row.fmt.field_mask:
        raise ValueError(f"{row.mnemonic}: a field overlaps fixed bits")
    if row.mask | row.fmt.field_mask != full:
        raise ValueError(f"{row.mnemonic}: bits neither fixed nor in a field")
    if (row.size == 4 and row.match & 3 != 3) or (row.size == 2 and row.match & 3 == 3):
        raise ValueError(f"{row.mnemonic}: length bits disagree with the pattern size")


for _r in ROWS:
    check_row(_r)
