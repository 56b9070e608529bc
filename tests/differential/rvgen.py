"""Random RV64GC test-program generator for differential testing against qemu-riscv64.

A program is a list of independent *chunks*.  Each chunk loads every x and f register and fcsr
from its own data table, runs a random body, then dumps x1..x31, f0..f31, fcsr and its scratch
buffer with one raw `write` and falls through into the next chunk; the last one calls
`exit_group(0)`.  Everything is seeded by `random.Random`, so a (seed, index) pair names a
program forever (as long as this file does not change).

Pinned registers: x2 (sp) and x3 (gp) both hold `scratch + 1024` (the middle of the chunk's
2 KiB scratch buffer; sp-relative compressed forms use sp, everything else uses gp), and x4 (tp)
is the loop counter.  x1 is only written by calls.  No other register is special.

The body is a tree of `Item`s; the shrinker deletes items (`shrink` in rvrun.py).
"""

from __future__ import annotations

import random
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

try:
    from . import rvvgen
except ImportError:  # imported as a top-level module (scripts/fuzz.py, pytest rootdir-less)
    import rvvgen  # type: ignore[no-redef]

SCRATCH = 2048
MID = 1024  # x2/x3 = scratch + MID
DUMP_X = 31 * 8
DUMP_F = 32 * 8
DUMP_HDR = DUMP_X + DUMP_F + 8  # x1..x31, f0..f31, fcsr
CHUNK_OUT = DUMP_HDR + SCRATCH  # bytes written per chunk
# Vector programs (``generate(..., vector=True)``) dump after the scratch buffer: vl, vtype,
# vstart, vxsat, vxrm (8 bytes each), then v0..v31 (16 bytes each, stored with vs8r.v).
VCSRS = ("vl", "vtype", "vstart", "vxsat", "vxrm")
DUMP_V = 8 * len(VCSRS) + 32 * 16


def chunk_out(vector: bool = False) -> int:
    """The bytes a chunk writes."""
    return CHUNK_OUT + (DUMP_V if vector else 0)


PINNED = frozenset({2, 3, 4})
M64 = (1 << 64) - 1

# --- operand pools ---------------------------------------------------------------------------

INT_SPECIAL = [
    0,
    1,
    M64,  # -1
    0x7FFFFFFF,
    0xFFFFFFFF80000000,  # INT32_MIN sign-extended
    0x80000000,
    0xFFFFFFFF,
    0x7FFFFFFFFFFFFFFF,
    0x8000000000000000,
    0xFFFFFFFFFFFFFFFE,
    2,
    0x8000,
    0xFFFF,
    0x80,
    0x00000000FFFF8000,
]


def f64_bits(x: float) -> int:
    return int(struct.unpack("<Q", struct.pack("<d", x))[0])


def f32_bits(x: float) -> int:
    return int(struct.unpack("<I", struct.pack("<f", x))[0])


D_SPECIAL = [
    0x0000000000000000,  # +0
    0x8000000000000000,  # -0
    0x7FF0000000000000,  # +inf
    0xFFF0000000000000,  # -inf
    0x7FF8000000000000,  # canonical qNaN
    0xFFF8000000000001,  # qNaN, sign + payload
    0x7FF0000000000001,  # sNaN
    0x7FF4000000000000,  # sNaN
    0x0000000000000001,  # min subnormal
    0x000FFFFFFFFFFFFF,  # max subnormal
    0x8000000000000001,
    0x0010000000000000,  # min normal
    0x7FEFFFFFFFFFFFFF,  # max normal
    0xFFEFFFFFFFFFFFFF,
    f64_bits(1.0),
    f64_bits(-1.0),
    f64_bits(0.5),
    f64_bits(1.5),
    f64_bits(2.5),
    f64_bits(-2.5),
    f64_bits(-0.5),
    f64_bits(3.0),
    f64_bits(0.1),
    f64_bits(2.0**31),
    f64_bits(2.0**31 - 0.5),
    f64_bits(2.0**31 - 1),
    f64_bits(-(2.0**31)),
    f64_bits(-(2.0**31) - 0.5),
    f64_bits(-(2.0**31) - 1),
    f64_bits(2.0**32),
    f64_bits(2.0**32 - 0.5),
    f64_bits(2.0**63),
    f64_bits(-(2.0**63)),
    f64_bits(2.0**64),
    f64_bits(2.0**64 - 2048),
    f64_bits(2.0**63 - 1024),
    f64_bits(2.0**53),
    f64_bits(2.0**53 + 2),
    f64_bits(1.0 + 2.0**-52),
    f64_bits(1.0 - 2.0**-53),
    f64_bits(3.4028234663852886e38),  # FLT_MAX
    f64_bits(3.4028235677973366e38),  # just above FLT_MAX (rounds to inf in rne)
    f64_bits(1.1754943508222875e-38),  # FLT_MIN
    f64_bits(1.401298464324817e-45),  # FLT_TRUE_MIN
    f64_bits(7.006492321624085e-46),  # half of it: rounding boundary
    f64_bits(1.0000000596046448),  # 1 + 2^-24: float tie
    f64_bits(1.0000001788139343),  # 1 + 3*2^-24
]

S_SPECIAL = [
    0x00000000,
    0x80000000,
    0x7F800000,
    0xFF800000,
    0x7FC00000,
    0xFFC00001,
    0x7F800001,
    0x7FA00000,
    0x00000001,
    0x007FFFFF,
    0x80000001,
    0x00800000,
    0x7F7FFFFF,
    0xFF7FFFFF,
    f32_bits(1.0),
    f32_bits(-1.0),
    f32_bits(0.5),
    f32_bits(1.5),
    f32_bits(2.5),
    f32_bits(-2.5),
    f32_bits(-0.5),
    f32_bits(3.0),
    f32_bits(0.1),
    f32_bits(2.0**31),
    f32_bits(-(2.0**31)),
    f32_bits(2.0**32),
    f32_bits(2.0**63),
    f32_bits(-(2.0**63)),
    f32_bits(2.0**64),
    f32_bits(2147483520.0),
    f32_bits(4294967040.0),
    f32_bits(1.0 + 2.0**-23),
    f32_bits(16777216.0),
    f32_bits(16777218.0),
]

RMS = ["rne", "rtz", "rdn", "rup", "rmm", "dyn", ""]  # "" = assembler default (dyn)


def rand_int(r: random.Random) -> int:
    k = r.random()
    if k < 0.4:
        return r.choice(INT_SPECIAL)
    if k < 0.6:
        return r.getrandbits(64)
    if k < 0.8:
        return r.randint(-300, 300) & M64
    if k < 0.9:
        return (r.getrandbits(32) ^ (M64 << 32 if r.random() < 0.5 else 0)) & M64
    return (r.choice(INT_SPECIAL) + r.randint(-2, 2)) & M64


def rand_f64(r: random.Random) -> int:
    k = r.random()
    if k < 0.5:
        return r.choice(D_SPECIAL)
    if k < 0.7:
        return f64_bits(r.uniform(-1e6, 1e6))
    if k < 0.8:
        return f64_bits(r.choice([1, -1]) * r.randint(0, 1 << 40) / r.choice([1, 2, 4, 8, 3]))
    if k < 0.9:
        return (r.choice(D_SPECIAL) + r.randint(-2, 2)) & M64
    return r.getrandbits(64)


def rand_f32(r: random.Random) -> int:
    k = r.random()
    if k < 0.5:
        return r.choice(S_SPECIAL)
    if k < 0.7:
        return f32_bits(r.uniform(-1e4, 1e4))
    if k < 0.8:
        return f32_bits(r.choice([1, -1]) * r.randint(0, 1 << 26) / r.choice([1, 2, 4, 3]))
    if k < 0.9:
        return (r.choice(S_SPECIAL) + r.randint(-2, 2)) & 0xFFFFFFFF
    return r.getrandbits(32)


def rand_freg_value(r: random.Random) -> int:
    k = r.random()
    if k < 0.45:
        return rand_f64(r)
    if k < 0.9:
        return 0xFFFFFFFF00000000 | rand_f32(r)  # NaN-boxed single
    if k < 0.95:
        return (r.getrandbits(32) << 32) | rand_f32(r)  # single, NOT NaN-boxed
    return r.getrandbits(64)


# --- body items ------------------------------------------------------------------------------


@dataclass
class Item:
    """One unit the shrinker may delete: `head` lines, then `children` items, then `tail`."""

    head: list[str]
    children: list[Item] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)
    tag: str = ""

    def lines(self) -> Iterator[str]:
        yield from self.head
        for c in self.children:
            yield from c.lines()
        yield from self.tail


@dataclass
class Ctx:
    """What a body at this position may do."""

    in_func: bool = False
    in_loop: bool = False
    depth: int = 0


# Extensions beyond RV64GC (``generate(..., ext=True)``; run against qemu 10, see rvrun):
# Zba, Zbb, Zbc, Zbs, Zicond, Zimop, Zcmop, Zawrs, Zicboz, Zcb, Zfa, Zfh.
# Mnemonics GNU as 2.40 knows (EXT_MARCH); the rest are written as ``.insn`` from the spec's
# encodings here, independent of py_backend's table.
# The share of the leaf items that are vector instructions in a vector program (rvvgen).
VECTOR_SHARE = 0.55
EXT_MARCH = "rv64gc_zba_zbb_zbc_zbs_zicboz_zfh_zbkb_zbkc_zbkx_zknd_zkne_zknh_zksed_zksh"
EXT_R = (
    "add.uw sh1add sh2add sh3add sh1add.uw sh2add.uw sh3add.uw "
    "andn orn xnor max maxu min minu rol ror rolw rorw "
    "clmul clmulh clmulr bclr bext binv bset "
    "pack packh packw xperm4 xperm8 aes64es aes64esm aes64ds aes64dsm aes64ks2"
).split()
EXT_UNARY = (
    "clz ctz cpop clzw ctzw cpopw sext.b sext.h zext.h orc.b rev8 brev8 aes64im "
    "sha256sig0 sha256sig1 sha256sum0 sha256sum1 sha512sig0 sha512sig1 sha512sum0 sha512sum1 "
    "sm3p0 sm3p1"
).split()
EXT_SHIFT = {"slli.uw": 63, "rori": 63, "roriw": 31, "bclri": 63, "bexti": 63, "binvi": 63}
EXT_SHIFT["bseti"] = 63
# The immediate operand's largest value: aes64ks1i's rnum (0xB..0xF are reserved), sm4's bs.
EXT_RNUM = {"aes64ks1i": 10}
EXT_BS = {"sm4ed": 3, "sm4ks": 3}
# Zicond (funct7 0000111, OP): czero.eqz funct3 101, czero.nez funct3 111
EXT_INSN_R = {"czero.eqz": (0x33, 5, 7), "czero.nez": (0x33, 7, 7)}
# Zcb, from the spec's layouts (rd'/rs1'/rs2' are x8..x15 as 0..7):
#   c.lbu 100 000 rs1' uimm[0|1] rd' 00    c.lhu 100 001 rs1' 0 uimm[1] rd' 00   c.lh: bit 6 set
#   c.sb  100 010 rs1' uimm[0|1] rs2' 00   c.sh  100 011 rs1' 0 uimm[1] rs2' 00
#   c.zext.b .. c.not: 100 111 rd' 11 k 01 (k = 0..5)   c.mul 100 111 rd' 10 rs2' 01
ZCB_UNARY = ["c.zext.b", "c.sext.b", "c.zext.h", "c.sext.h", "c.zext.w", "c.not"]
ZCB_MEM = {"c.lbu": (0x8000, 1), "c.lhu": (0x8400, 2), "c.lh": (0x8440, 2)}
ZCB_MEM.update({"c.sb": (0x8800, 1), "c.sh": (0x8C00, 2)})


def zcb_word(op: str, rd: int = 8, rs: int = 8, uimm: int = 0) -> int:
    """The 16-bit word of a Zcb instruction: rd (or rs2 of a store), rs (rs1 / rs2 of c.mul)."""
    if op in ZCB_UNARY:
        return 0x9C61 | (rd - 8) << 7 | ZCB_UNARY.index(op) << 2
    if op == "c.mul":
        return 0x9C41 | (rd - 8) << 7 | (rs - 8) << 2
    base, size = ZCB_MEM[op]
    imm = (uimm & 1) << 6 | (uimm >> 1 & 1) << 5 if size == 1 else (uimm >> 1 & 1) << 5
    return base | (rs - 8) << 7 | imm | (rd - 8) << 2


class Gen(rvvgen.VGen):
    def __init__(
        self,
        r: random.Random,
        prefix: str,
        ext: bool = False,
        vector: bool = False,
        vt: rvvgen.VState = None,
    ) -> None:
        self.r = r
        self.prefix = prefix
        self.ext = ext
        self.vector = vector
        self.vt = vt  # the vtype the code at this point runs with (rvvgen)
        self.nlabel = 0
        self.funcs: list[tuple[str, list[Item]]] = []

    def label(self) -> str:
        self.nlabel += 1
        return f".L{self.prefix}_{self.nlabel}"

    # registers
    def rd(self, ctx: Ctx) -> int:
        r = self.r
        if r.random() < 0.03:
            return 0
        while True:
            x = r.randint(1, 31)
            if x in PINNED or (x == 1 and ctx.in_func):
                continue
            return x

    def rs(self) -> int:
        r = self.r
        if r.random() < 0.06:
            return 0
        return r.randint(0, 31)

    def crd(self) -> int:  # x8..x15
        return self.r.randint(8, 15)

    def fr(self) -> int:
        return self.r.randint(0, 31)

    def imm12(self) -> int:
        r = self.r
        if r.random() < 0.3:
            return r.choice([0, 1, -1, 2047, -2048, 2046, -2047, 0x7FF, 16, -16])
        return r.randint(-2048, 2047)

    def rm(self) -> str:
        m = self.r.choice(RMS)
        return f", {m}" if m else ""

    # --- leaf generators ----------------------------------------------------------------------
    def int_op(self, ctx: Ctx) -> list[str]:
        r = self.r
        d = self.rd(ctx)
        a, b = self.rs(), self.rs()
        k = r.random()
        if k < 0.45:
            op = r.choice(
                "add sub sll slt sltu xor srl sra or and addw subw sllw srlw sraw "
                "mul mulh mulhsu mulhu div divu rem remu mulw divw divuw remw remuw".split()
            )
            return [f"{op} x{d}, x{a}, x{b}"]
        if k < 0.75:
            op = r.choice("addi slti sltiu xori ori andi addiw".split())
            return [f"{op} x{d}, x{a}, {self.imm12()}"]
        if k < 0.9:
            op = r.choice("slli srli srai slliw srliw sraiw".split())
            sh = r.randint(0, 31 if op.endswith("w") else 63)
            return [f"{op} x{d}, x{a}, {sh}"]
        op = r.choice(["lui", "auipc"])
        imm = r.choice([0, 1, 0x80000, 0xFFFFF, 0x7FFFF, r.randint(0, 0xFFFFF)])
        return [f"{op} x{d}, {imm}"]

    def li_op(self, ctx: Ctx) -> list[str]:
        v = rand_int(self.r)
        if v >> 63:
            v -= 1 << 64
        return [f"li x{self.rd(ctx)}, {v}"]

    def mem_op(self, ctx: Ctx) -> list[str]:
        r = self.r
        kind = r.choice("lb lh lw ld lbu lhu lwu sb sh sw sd flw fld fsw fsd".split())
        w = {"b": 1, "h": 2, "w": 4, "d": 8}[kind[1] if kind[0] != "f" else kind[2]]
        if r.random() < 0.2:
            off = r.randint(-8, 7)  # across a page boundary when x3 is page-aligned
        elif r.random() < 0.6:
            off = r.randrange(-MID, MID - w + 1, w)
        else:
            off = r.randint(-MID, MID - w)
        if kind in ("sb", "sh", "sw", "sd"):
            return [f"{kind} x{self.rs()}, {off}(x3)"]
        if kind in ("fsw", "fsd"):
            return [f"{kind} f{self.fr()}, {off}(x3)"]
        if kind[0] == "f":
            return [f"{kind} f{self.fr()}, {off}(x3)"]
        return [f"{kind} x{self.rd(ctx)}, {off}(x3)"]

    def amo_op(self, ctx: Ctx) -> list[str]:
        r = self.r
        w = r.choice(["w", "d"])
        size = 4 if w == "w" else 8
        off = r.randrange(-MID, MID - 8, size)
        t = self.rd(ctx) or 5
        op = r.choice("amoswap amoadd amoxor amoand amoor amomin amomax amominu amomaxu".split())
        order = r.choice(["", "", ".aq", ".rl", ".aqrl"])
        return [f"addi x{t}, x3, {off}", f"{op}.{w}{order} x{self.rd(ctx)}, x{self.rs()}, (x{t})"]

    def lrsc(self, ctx: Ctx) -> list[str]:
        r = self.r
        w = r.choice(["w", "d"])
        size = 4 if w == "w" else 8
        off = r.randrange(-MID, MID - 8, size)
        t = self.rd(ctx) or 5
        ld = self.rd(ctx)
        while ld == t:
            ld = self.rd(ctx)
        out = [f"addi x{t}, x3, {off}", f"lr.{w}{r.choice(['', '.aq'])} x{ld}, (x{t})"]
        for _ in range(r.randint(0, 2)):
            d = self.rd(ctx)
            if d == t:
                continue
            out.append(f"addi x{d}, x{self.rs()}, {r.randint(-5, 5)}")
        src = self.rs()
        d = self.rd(ctx)
        out.append(f"sc.{w}{r.choice(['', '.rl'])} x{d}, x{src}, (x{t})")
        if r.random() < 0.2 and d != t:  # no reservation left: must fail
            out.append(f"sc.{w} x{self.rd(ctx)}, x{self.rs()}, (x{t})")
        return out

    def fp_op(self, ctx: Ctx) -> list[str]:
        r = self.r
        f = r.choice(["s", "d"])
        d, a, b, c = self.fr(), self.fr(), self.fr(), self.fr()
        k = r.random()
        if k < 0.25:
            op = r.choice(["fadd", "fsub", "fmul", "fdiv"])
            return [f"{op}.{f} f{d}, f{a}, f{b}{self.rm()}"]
        if k < 0.35:
            op = r.choice(["fmadd", "fmsub", "fnmadd", "fnmsub"])
            return [f"{op}.{f} f{d}, f{a}, f{b}, f{c}{self.rm()}"]
        if k < 0.4:
            return [f"fsqrt.{f} f{d}, f{a}{self.rm()}"]
        if k < 0.5:
            op = r.choice(["fmin", "fmax", "fsgnj", "fsgnjn", "fsgnjx"])
            return [f"{op}.{f} f{d}, f{a}, f{b}"]
        if k < 0.58:
            op = r.choice(["feq", "flt", "fle"])
            return [f"{op}.{f} x{self.rd(ctx)}, f{a}, f{b}"]
        if k < 0.62:
            return [f"fclass.{f} x{self.rd(ctx)}, f{a}"]
        if k < 0.75:
            it = r.choice(["w", "wu", "l", "lu"])
            return [f"fcvt.{it}.{f} x{self.rd(ctx)}, f{a}{self.rm()}"]
        if k < 0.83:
            it = r.choice(["w", "wu", "l", "lu"])
            rm = "" if (f == "d" and it in ("w", "wu")) else self.rm()
            return [f"fcvt.{f}.{it} f{d}, x{self.rs()}{rm}"]
        if k < 0.88:
            if f == "s":
                return [f"fcvt.s.d f{d}, f{a}{self.rm()}"]
            return [f"fcvt.d.s f{d}, f{a}"]
        if k < 0.94:
            op = r.choice(["fmv.x.w", "fmv.x.d"])
            return [f"{op} x{self.rd(ctx)}, f{a}"]
        # load an interesting value
        t = self.rd(ctx) or 5
        if r.random() < 0.5:
            v = rand_f64(r) if r.random() < 0.8 else r.getrandbits(64)
            vs = v - (1 << 64) if v >> 63 else v
            return [f"li x{t}, {vs}", f"fmv.d.x f{d}, x{t}"]
        v = rand_f32(r)
        vs = v - (1 << 32) if v >> 31 else v
        return [f"li x{t}, {vs}", f"fmv.w.x f{d}, x{t}"]

    def csr_op(self, ctx: Ctx) -> list[str]:
        r = self.r
        csr = r.choice(["fflags", "frm", "fcsr"])
        d = self.rd(ctx)
        k = r.random()
        if k < 0.4:
            return [f"csrr x{d}, {csr}"]
        if k < 0.55:
            return [f"fsrmi x{d}, {r.randint(0, 4)}"]
        if k < 0.65:
            return [f"fsflagsi x{d}, {r.randint(0, 31)}"]
        if k < 0.75:
            return [f"fsflags x{d}, x{self.rs()}"]
        op = r.choice(["csrrw", "csrrs", "csrrc", "csrrwi", "csrrsi", "csrrci"])
        src = str(r.randint(0, 31)) if op.endswith("i") else f"x{self.rs()}"
        out = [f"{op} x{d}, {csr}, {src}"]
        if csr != "fflags":  # keep frm a valid mode
            out.append(f"fsrmi {r.randint(0, 4)}")
        return out

    def rvc_op(self, ctx: Ctx) -> list[str]:
        r = self.r
        k = r.randint(0, 17)
        cd, cs = self.crd(), self.crd()
        d = self.rd(ctx) or 5
        nz6 = r.choice([i for i in range(-32, 32) if i])
        if k == 0:
            return [f"c.addi x{d}, {nz6}"]
        if k == 1:
            return [f"c.li x{d}, {r.randint(-32, 31)}"]
        if k == 2:
            imm = r.choice([*range(1, 32), *range(0xFFFE0, 0x100000)])
            return [f"c.lui x{d}, {imm}"]
        if k == 3:
            return [f"c.addiw x{d}, {r.randint(-32, 31)}"]
        if k == 4:
            return [f"c.slli x{d}, {r.randint(1, 63)}"]
        if k == 5:
            return [f"c.{r.choice(['srli', 'srai'])} x{cd}, {r.randint(1, 63)}"]
        if k == 6:
            return [f"c.andi x{cd}, {r.randint(-32, 31)}"]
        if k == 7:
            return [f"c.{r.choice(['mv', 'add'])} x{d}, x{r.randint(1, 31)}"]
        if k == 8:
            op = r.choice(["sub", "xor", "or", "and", "subw", "addw"])
            return [f"c.{op} x{cd}, x{cs}"]
        if k in (9, 10):
            op, w, lim = r.choice(
                [("lw", 4, 124), ("ld", 8, 248), ("sw", 4, 124), ("sd", 8, 248),
                 ("fld", 8, 248), ("fsd", 8, 248)]
            )  # fmt: skip
            base_off = r.randint(-MID, MID - 256)
            reg = f"f{cd}" if op[0] == "f" else f"x{cd}"
            base = cs
            out = [f"addi x{base}, x3, {base_off}"]
            if reg == f"x{base}" and op in ("sw", "sd"):
                pass
            out.append(f"c.{op} {reg}, {r.randrange(0, lim + 1, w)}(x{base})")
            return out
        if k in (11, 12):
            op, w, lim = r.choice(
                [("lwsp", 4, 252), ("ldsp", 8, 504), ("fldsp", 8, 504), ("swsp", 4, 252),
                 ("sdsp", 8, 504), ("fsdsp", 8, 504)]
            )  # fmt: skip
            if op.startswith("f"):
                reg = f"f{self.fr()}"
            elif op.startswith("s"):
                reg = f"x{self.rs()}"
            else:
                reg = f"x{d}"
            return [f"c.{op} {reg}, {r.randrange(0, lim + 1, w)}(sp)"]
        if k == 13:
            return [f"c.addi4spn x{cd}, sp, {r.randrange(4, 1021, 4)}"]
        if k == 14:
            imm = r.randrange(-496, 497, 16) or 16
            mid = self.rvc_sp_body(ctx)
            return [f"c.addi16sp sp, {imm}", *mid, f"c.addi16sp sp, {-imm}"]
        if k == 15:
            return ["c.nop"]
        # plain instructions the assembler may compress itself
        return self.int_op(ctx)

    def rvc_sp_body(self, ctx: Ctx) -> list[str]:
        r = self.r
        out = []
        for _ in range(r.randint(0, 2)):
            op, w, lim = r.choice([("ldsp", 8, 504), ("sdsp", 8, 504), ("lwsp", 4, 252)])
            reg = f"x{self.rs()}" if op.startswith("s") else f"x{self.rd(ctx) or 5}"
            out.append(f"c.{op} {reg}, {r.randrange(0, lim + 1, w)}(sp)")
        return out

    def ext_op(self, ctx: Ctx) -> list[str]:
        """One instruction of the extensions, on random registers (their values come from the
        chunk's operand pools, with the interesting ones: 0, -1, INT32_MIN, ...)."""
        r = self.r
        d, a, b = self.rd(ctx), self.rs(), self.rs()
        k = r.random()
        if k < 0.45:
            return [f"{r.choice(EXT_R)} x{d}, x{a}, x{b}"]
        if k < 0.7:
            return [f"{r.choice(EXT_UNARY)} x{d}, x{a}"]
        if k < 0.85:
            op = r.choice(sorted(EXT_SHIFT))
            sh = r.choice([0, 1, EXT_SHIFT[op], r.randint(0, EXT_SHIFT[op])])
            return [f"{op} x{d}, x{a}, {sh}"]
        if k < 0.87:
            return [f"aes64ks1i x{d}, x{a}, {r.randint(0, EXT_RNUM['aes64ks1i'])}"]
        if k < 0.9:
            return [f"{r.choice(sorted(EXT_BS))} x{d}, x{a}, x{b}, {r.randint(0, 3)}"]
        if k < 0.95:
            opcode, f3, f7 = EXT_INSN_R[r.choice(sorted(EXT_INSN_R))]
            return [f".insn r {opcode:#x}, {f3}, {f7}, x{d}, x{a}, x{b}"]
        k = r.random()
        if k < 0.3:  # Zimop mop.r.N (rs2 field 0b111 N[1:0]) and mop.rr.N: rd = 0
            n = r.randint(0, 31)
            f7 = 0x40 | (n >> 4) << 5 | (n >> 2 & 3) << 1
            return [f".insn r 0x73, 4, {f7}, x{d}, x{a}, x{28 + (n & 3)}"]
        if k < 0.45:
            n = r.randint(0, 7)
            return [f".insn r 0x73, 4, {0x41 | (n >> 2) << 5 | (n & 3) << 1}, x{d}, x{a}, x{b}"]
        if k < 0.6:  # Zcmop c.mop.N (N odd): writes nothing
            return [f".2byte {0x6001 | r.randrange(1, 16, 2) << 7:#x}"]
        if k < 0.7:  # Zawrs wrs.nto / wrs.sto
            return [r.choice([".4byte 0x00d00073", ".4byte 0x01d00073"])]
        if k < 0.8:  # Zfa on the chunk's f registers (OP-FP; rs2 selects fround/froundnx)
            fd, fa, fb = self.fr(), self.fr(), self.fr()
            op = r.choice(["fli", "minmax", "round", "cvtmod", "cmpq"])
            t = r.choice([0, 1])  # S, D: funct7 bit 0
            if op == "fli":
                return [f".insn r 0x53, 0, {0x78 | t:#x}, f{fd}, x{r.randint(0, 31)}, x1"]
            if op == "minmax":
                return [f".insn r 0x53, {r.choice([2, 3])}, {0x14 | t:#x}, f{fd}, f{fa}, f{fb}"]
            if op == "round":
                rm = r.choice([0, 1, 2, 3, 4, 7])
                return [f".insn r 0x53, {rm}, {0x20 | t:#x}, f{fd}, f{fa}, x{r.choice([4, 5])}"]
            if op == "cvtmod":
                return [f".insn r 0x53, 1, 0x61, x{d}, f{fa}, x8"]
            return [f".insn r 0x53, {r.choice([4, 5])}, {0x50 | t:#x}, x{d}, f{fa}, f{fb}"]
        if k < 0.83:  # Zfh: half-precision values from integer registers, then an operation
            fd, fa, fb, fc = self.fr(), self.fr(), self.fr(), self.fr()
            rm = r.choice(["rne", "rtz", "rdn", "rup", "rmm", "dyn"])
            op = r.choice(
                [f"{o} f{fd}, f{fa}, f{fb}, {rm}" for o in ("fadd.h", "fsub.h", "fmul.h", "fdiv.h")]
                + [f"{o} f{fd}, f{fa}, f{fb}" for o in ("fsgnjn.h", "fmin.h", "fmax.h")]
                + [f"{o} f{fd}, f{fa}, f{fb}, f{fc}, {rm}" for o in ("fmadd.h", "fnmsub.h")]
                + [f"fsqrt.h f{fd}, f{fa}, {rm}", f"fcvt.h.d f{fd}, f{fa}, {rm}"]
                + [f"fcvt.s.h f{fd}, f{fa}", f"fcvt.h.s f{fd}, f{fa}, {rm}"]
                + [f"{o} x{d}, f{fa}, f{fb}" for o in ("feq.h", "flt.h", "fle.h")]
                + [f"fclass.h x{d}, f{fa}", f"fcvt.w.h x{d}, f{fa}, {rm}"]
                + [f"fcvt.lu.h x{d}, f{fa}, {rm}", f"fcvt.h.l f{fd}, x{a}, {rm}"]
                + [f"fmv.x.h x{d}, f{fa}"]
            )
            return [f"fmv.h.x f{fa}, x{a}", f"fmv.h.x f{fb}, x{b}", op]
        if k < 0.85:  # Zcb arithmetic on x8..x15
            op = r.choice([*ZCB_UNARY, "c.mul"])
            return [f".2byte {zcb_word(op, r.randint(8, 15), r.randint(8, 15)):#x}"]
        if k < 0.9:  # Zcb loads and stores through a pointer into the scratch buffer
            op = r.choice(sorted(ZCB_MEM))
            p = r.choice([x for x in range(8, 16) if x != 3])
            reg = r.randint(8, 15)
            off = r.randint(-MID, MID - 8)
            return [f"addi x{p}, x3, {off}", f".2byte {zcb_word(op, reg, p, r.randint(0, 3)):#x}"]
        # Zicboz cbo.zero: the aligned 64-byte block stays inside the scratch buffer
        t = self.rd(ctx) or 5
        off = r.randint(-MID + 64, MID - 64)
        return [f"addi x{t}, x3, {off}", f"cbo.zero (x{t})"]

    def fence_op(self, ctx: Ctx) -> list[str]:
        return [self.r.choice(["fence", "fence.i", "fence rw, rw", "fence r, w"])]

    def leaf(self, ctx: Ctx) -> Item:
        r = self.r
        if self.vector and r.random() < VECTOR_SHARE:
            return Item(self.vec_op(ctx), tag="vector")
        if self.ext and r.random() < 0.3:
            return Item(self.ext_op(ctx), tag="ext")
        k = r.random()
        if k < 0.28:
            lines = self.int_op(ctx)
            tag = "int"
        elif k < 0.32:
            lines, tag = self.li_op(ctx), "int"
        elif k < 0.46:
            lines, tag = self.mem_op(ctx), "mem"
        elif k < 0.5:
            lines, tag = self.amo_op(ctx), "amo"
        elif k < 0.52:
            lines, tag = self.lrsc(ctx), "lrsc"
        elif k < 0.8:
            lines, tag = self.fp_op(ctx), "fp"
        elif k < 0.85:
            lines, tag = self.csr_op(ctx), "csr"
        elif k < 0.995:
            lines, tag = self.rvc_op(ctx), "rvc"
        else:
            lines, tag = self.fence_op(ctx), "fence"
        return Item(lines, tag=tag)

    # --- control flow -------------------------------------------------------------------------
    def items(self, ctx: Ctx, n: int) -> list[Item]:
        return [self.item(ctx) for _ in range(n)]

    def item(self, ctx: Ctx) -> Item:
        r = self.r
        k = r.random()
        if ctx.depth < 2:
            if k < 0.07:
                return self.fwd_branch(ctx)
            if k < 0.17 and not ctx.in_loop and not ctx.in_func:
                return self.loop(ctx)
            if k < 0.2 and not ctx.in_func:
                return self.call(ctx)
            if k < 0.22:
                return self.jump(ctx)
        return self.leaf(ctx)

    def sub(self, ctx: Ctx, **kw: bool) -> Ctx:
        return Ctx(
            in_func=kw.get("in_func", ctx.in_func),
            in_loop=kw.get("in_loop", ctx.in_loop),
            depth=ctx.depth + 1,
        )

    def fwd_branch(self, ctx: Ctx) -> Item:
        r = self.r
        lab = self.label()
        vt = self.vt
        inner = self.items(self.sub(ctx), r.randint(1, 4))
        if self.vt != vt:  # the join: the vtype of either path
            self.vt = None
        if r.random() < 0.2:
            head = f"c.{r.choice(['beqz', 'bnez'])} x{self.crd()}, {lab}"
        else:
            op = r.choice(["beq", "bne", "blt", "bge", "bltu", "bgeu"])
            head = f"{op} x{self.rs()}, x{self.rs()}, {lab}"
        return Item([head], inner, [f"{lab}:"], tag="branch")

    def jump(self, ctx: Ctx) -> Item:
        r = self.r
        lab = self.label()
        vt = self.vt
        inner = self.items(self.sub(ctx), r.randint(0, 2))
        if self.vt != vt:
            self.vt = None
        k = r.randint(0, 4)
        t = self.rd(ctx) or 5
        if k == 0:
            head = [f"jal x{self.rd(ctx)}, {lab}"]
        elif k == 1:
            head = [f"c.j {lab}"]
        elif k == 2:
            head = [f"lla x{t}, {lab}", f"c.jr x{t}"]
        elif k == 3:
            head = [f"lla x{t}, {lab}+12", f"jalr x{self.rd(ctx)}, -12(x{t})"]
        else:
            head = [f"lla x{t}, {lab}", f"jalr x{t}, 0(x{t})"]  # rd == rs1
        return Item(head, inner, [f"{lab}:"], tag="jump")

    def loop(self, ctx: Ctx) -> Item:
        r = self.r
        top, out = self.label(), self.label()
        n = r.randint(2, 12) if r.random() < 0.35 else r.randint(30, 300)
        if not isinstance(self.vt, rvvgen.VType):
            self.vt = None  # the body's vector instructions set a vtype before they need one
        vt = self.vt
        inner = self.items(self.sub(ctx, in_loop=True), r.randint(2, 12))
        if isinstance(vt, rvvgen.VType) and self.vt != vt:  # again for the next iteration
            inner.append(Item(self.restore(vt), tag="vector"))
        head = [f"li x4, {n}", f"{top}:"]
        if r.random() < 0.5:
            tail = ["addi x4, x4, -1", f"bnez x4, {top}"]
        else:  # data-dependent backward branch, bounded by the counter
            op = r.choice(["beq", "bne", "blt", "bge", "bltu", "bgeu"])
            tail = ["addi x4, x4, -1", f"beqz x4, {out}", f"{op} x{self.rs()}, x{self.rs()}, {top}"]
        tail.append(f"{out}:")
        return Item(head, inner, tail, tag="loop")

    def call(self, ctx: Ctx) -> Item:
        r = self.r
        if not self.funcs or (len(self.funcs) < 4 and r.random() < 0.5):
            name = f"{self.label()}_fn"
            vt, self.vt = self.vt, None  # called with any vtype
            body = self.items(Ctx(in_func=True, depth=1), r.randint(1, 8))
            self.vt = vt
            self.funcs.append((name, body))
        name = r.choice(self.funcs)[0]
        t = self.rd(ctx) or 5
        if t == 1:
            t = 5
        k = r.randint(0, 4)
        if k == 0:
            lines = [f"call {name}"]
        elif k == 1:
            lines = [f"jal x1, {name}"]
        elif k == 2:
            lines = [f"lla x{t}, {name}", f"c.jalr x{t}"]
        elif k == 3:
            lines = [f"lla x{t}, {name}+16", f"jalr x1, -16(x{t})"]
        else:
            lines = [f"lla x{t}, {name}", f"jalr x{t}"]
        if self.vector:
            self.vt = None  # whatever the function left
        return Item(lines, tag="call")


@dataclass
class Chunk:
    name: str
    xinit: list[int]  # x1..x31 (x2/x3 replaced by pointers at render time)
    finit: list[int]  # f0..f31
    fcsr: int
    scratch: bytes
    body: list[Item]
    funcs: list[tuple[str, list[Item]]]
    pad: int = 0  # bytes before the dump area, after a 4 KiB alignment
    vinit: bytes = b""  # vector programs: v0..v31 (512 bytes)
    vtype: rvvgen.VType | None = None  # vector programs: the vtype the body starts with
    vavl: int = 0  # ... and its AVL
    vxrm: int = 0
    vxsat: int = 0


@dataclass
class Program:
    seed: str
    rvc: bool
    chunks: list[Chunk]
    ext: bool = False  # uses the extensions beyond RV64GC (EXT_MARCH; qemu 10 is the reference)
    vector: bool = False  # uses V (rvvgen; qemu 10 with rvrun.QEMU10_VECTOR_CPU is the reference)

    @property
    def march(self) -> str:
        if self.vector:
            return rvvgen.MARCH
        return EXT_MARCH if self.ext else "rv64gc"

    def source(self) -> str:
        return render(self)


def gen_chunk(
    r: random.Random, name: str, size: int, ext: bool = False, vector: bool = False
) -> Chunk:
    vt = rvvgen.rand_vtype(r) if vector else None
    g = Gen(r, name, ext, vector, vt)
    body = g.items(Ctx(), size)
    xinit = [rand_int(r) for _ in range(31)]
    finit = [rand_freg_value(r) for _ in range(32)]
    fcsr = (r.randint(0, 4) << 5) | r.getrandbits(5)
    scratch = bytes(r.getrandbits(8) for _ in range(SCRATCH))
    # half the chunks put x3 exactly on a page boundary, so accesses near 0(x3) cross pages
    pad = 4096 - MID - DUMP_HDR if r.random() < 0.5 else r.randrange(0, 4096, 16)
    c = Chunk(name, xinit, finit, fcsr, scratch, body, g.funcs, pad)
    if vector:
        c.vinit = bytes(r.getrandbits(8) for _ in range(32 * 16))
        c.vtype, c.vavl = vt, r.randint(0, 31)
        c.vxrm, c.vxsat = r.randint(0, 3), r.randint(0, 1)
    return c


def generate(
    seed: str | int, chunks: int = 6, size: int = 60, ext: bool = False, vector: bool = False
) -> Program:
    """``ext``: also the extensions beyond RV64GC, ``vector``: also V (rvvgen); each makes a
    different program for the same seed."""
    r = random.Random(str(seed))
    if vector:
        r = random.Random(f"v:{seed}")
    prog_chunks = [
        gen_chunk(r, f"c{i}", r.randint(size // 2, size * 3 // 2), ext, vector)
        for i in range(chunks)
    ]
    return Program(str(seed), r.random() < 0.9, prog_chunks, ext, vector)


def _dwords(vals: list[int]) -> list[str]:
    return [f"    .dword 0x{v & M64:016x}" for v in vals]


def _fmt(ln: str, rvc: bool) -> str:
    if ln.endswith(":"):
        return ln
    if ln.startswith("c.") and not rvc:  # explicit compressed forms inside a norvc program
        return f"    .option push\n    .option rvc\n    {ln}\n    .option pop"
    return f"    {ln}"


def render_chunk(c: Chunk, last: bool, rvc: bool = True) -> tuple[list[str], list[str]]:
    """(text lines, data lines)"""
    n = c.name
    t: list[str] = [f"# ---- chunk {n}", f"{n}_start:", f"    lla x5, {n}_init"]
    for i in range(32):
        t.append(f"    fld f{i}, {8 * (31 + i)}(x5)")
    t.append(f"    ld x6, {8 * 63}(x5)")
    t.append("    fscsr x6")
    vector = c.vtype is not None
    if c.vtype is not None:
        t.append(f"    addi x6, x5, {8 * 64}")
        for v in (0, 8, 16, 24):
            t += [f"    vl8re8.v v{v}, (x6)", "    addi x6, x6, 128"]
        t.append(f"    vsetivli x0, {c.vavl}, {c.vtype.text()}")
        t += [f"    csrwi vxrm, {c.vxrm}", f"    csrwi vxsat, {c.vxsat}"]
    for i in range(1, 32):
        if i != 5:
            t.append(f"    ld x{i}, {8 * (i - 1)}(x5)")
    t.append(f"    ld x5, {8 * 4}(x5)")
    t.append(f"{n}_body:")
    for it in c.body:
        t.extend(_fmt(ln, rvc) for ln in it.lines())
    t.append(f"{n}_dump:")
    base = -(MID + DUMP_HDR)  # dump area relative to x3
    for i in range(1, 32):
        t.append(f"    sd x{i}, {base + 8 * (i - 1)}(x3)")
    for i in range(32):
        t.append(f"    fsd f{i}, {base + DUMP_X + 8 * i}(x3)")
    t.append("    frcsr x5")
    t.append(f"    sd x5, {base + DUMP_X + DUMP_F}(x3)")
    if vector:
        vbase = MID  # just after the scratch buffer
        for k, csr in enumerate(VCSRS):
            t += [f"    csrr x5, {csr}", f"    sd x5, {vbase + 8 * k}(x3)"]
        t.append(f"    addi x5, x3, {vbase + 8 * len(VCSRS)}")
        for v in (0, 8, 16, 24):
            t += [f"    vs8r.v v{v}, (x5)", "    addi x5, x5, 128"]
    t += ["    li a0, 1", f"    addi a1, x3, {base}", f"    li a2, {chunk_out(vector)}"]
    t.append("    li a7, 64")
    t.append("    ecall")
    if last:
        t += ["    li a0, 0", "    li a7, 94", "    ecall"]
    else:
        t.append(f"    j {n}_end")
    for fname, fbody in c.funcs:
        t.append(f"{fname}:")
        for it in fbody:
            t.extend(_fmt(ln, rvc) for ln in it.lines())
        t.append("    ret")
    t.append(f"{n}_end:")
    xs = list(c.xinit)
    d: list[str] = ["    .balign 8", f"{n}_init:"]
    for i, v in enumerate(xs, start=1):
        if i in (2, 3):
            d.append(f"    .dword {n}_scratch+{MID}")
        elif i == 4:
            d.append(f"    .dword 0x{v & 0xFF:x}")
        else:
            d.append(f"    .dword 0x{v & M64:016x}")
    d += _dwords(c.finit)
    d.append(f"    .dword 0x{c.fcsr:x}")
    for i in range(0, len(c.vinit), 32):
        d.append("    .byte " + ",".join(str(b) for b in c.vinit[i : i + 32]))
    d += ["    .balign 4096", f"    .zero {c.pad}", f"{n}_dumparea:"]
    d += [f"    .zero {DUMP_HDR}", f"{n}_scratch:"]
    for i in range(0, SCRATCH, 32):
        d.append("    .byte " + ",".join(str(b) for b in c.scratch[i : i + 32]))
    if vector:
        d.append(f"    .zero {DUMP_V}")
    return t, d


def render(p: Program) -> str:
    text: list[str] = []
    data: list[str] = []
    for i, c in enumerate(p.chunks):
        t, d = render_chunk(c, i == len(p.chunks) - 1, p.rvc)
        text += t
        data += d
    head = [
        f"# tbwasm differential test program, seed {p.seed!r}",
        f".option {'rvc' if p.rvc else 'norvc'}",
        ".text",
        ".globl _start",
        "_start:",
    ]
    if not p.chunks:
        text = ["    li a0, 0", "    li a7, 94", "    ecall"]
    return "\n".join([*head, *text, ".data", *data, ""])
