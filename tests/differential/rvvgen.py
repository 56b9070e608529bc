"""The vector part of the random program generator (rvgen.py, ``generate(..., vector=True)``).

Instructions come from the TABLE (py_backend/isa/table.py): every row of extension "V" (and of
the vector extensions in ``EXTS`` qemu runs) is a candidate, its operands made by the entry of
``FORMATS`` for its format (``row.fmt.name``). A row whose format has no entry there is skipped
and listed by ``unsupported_rows()``; supporting a new format is one entry in ``FORMATS``.

Register groups follow the vtype the generator last set (``VGen.vt``): every vector operand
is aligned to its EMUL (``emuls``: widening, narrowing, mask, reduction and extension rows are
recognised by their mnemonic), the destination never overlaps a source group (always legal)
nor v0 when masked, and loads and stores address the chunk's scratch buffer (x3 = its middle)
with the largest footprint the EMUL allows (segments: nf * EMUL <= 8 within v0..v31; strides
bounded by VLMAX; the index group of an indexed access made in bounds by a vand.vx just before).
So every program runs to its end under qemu 10:
no intentionally illegal instruction (``vill`` is set by reserved vtypes now and then, after
which only vset* and the whole-register loads and stores, which do not depend on vtype, run).

Control flow: a join after a forward branch or a jump, and the return from a call, make the
vtype unknown (None) when the skipped code may have changed it; the next instruction that needs
it sets it first. A loop whose body changes a known vtype sets it back at the end of the body.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent.parent
if str(_REPO) not in sys.path:
    sys.path.insert(0, str(_REPO))

from py_backend.isa.encode import encode  # noqa: E402
from py_backend.isa.table import ROWS32, Row  # noqa: E402

EXTS = ("V", "Zvbb")  # (qemu 10 runs Zvbb with rvrun.QEMU10_FUZZ_VECTOR_CPU)
# Extensions GNU as (binutils 2.40) does not know: their instructions are .4byte words
# (py_backend.isa.encode, whose encodings test_isa_disasm.py checks against LLVM's)
ENCODED_EXTS = frozenset({"Zvbb"})
MARCH = "rv64gcv"
VLENB = 16
SEWS = (8, 16, 32, 64)
LMUL_NAMES = {-3: "mf8", -2: "mf4", -1: "mf2", 0: "m1", 1: "m2", 2: "m4", 3: "m8"}
MID = 1024  # x3 = scratch + MID (rvgen.MID)
MASK = "mask"  # an operand of one register, whatever LMUL is (a mask, a reduction's scalar)


@dataclass(frozen=True)
class VType:
    sew: int
    lmul: int  # log2: -3 .. 3
    ta: bool
    ma: bool

    def text(self) -> str:
        return (
            f"e{self.sew}, {LMUL_NAMES[self.lmul]}, {'ta' if self.ta else 'tu'}, "
            f"{'ma' if self.ma else 'mu'}"
        )

    def bits(self) -> int:
        return (self.ma << 7) | (self.ta << 6) | ((SEWS.index(self.sew)) << 3) | (self.lmul & 7)

    def ratio(self) -> float:
        return self.sew / 2.0**self.lmul


VILL = "vill"  # the state after a reserved vtype
VState = VType | str | None  # a vtype, VILL, or None (unknown)


def legal_vtype(sew: int, lmul: int) -> bool:
    """qemu 10 (ELEN = 64): a fractional LMUL needs SEW <= LMUL * ELEN."""
    return lmul >= 0 or sew <= 64 * 2.0**lmul


def rand_vtype(r: random.Random) -> VType:
    while True:
        sew, lmul = r.choice(SEWS), r.randint(-3, 3)
        if legal_vtype(sew, lmul):
            return VType(sew, lmul, r.random() < 0.5, r.random() < 0.5)


def _log2(n: float) -> int:
    return {0.125: -3, 0.25: -2, 0.5: -1, 1: 0, 2: 1, 4: 2, 8: 3}[n]


def emuls(row: Row, vt: VType) -> dict[str, int | str] | None:
    """The EMUL (log2, or MASK) of the row's vector operands vd/vs2/vs1 under ``vt``, or None
    when the row is illegal under ``vt`` (a widening at LMUL 8, vzext.vf8 at SEW 16, ...)."""
    m = row.mnemonic
    base, _, suffix = m.partition(".")
    lm = vt.lmul
    if base.startswith(("vf", "vmf")):  # no Zvfh: FP elements are 32 or 64 bits
        if vt.sew < 32 or (base.startswith(("vfw", "vfncvt")) and vt.sew != 32):
            return None
    if base.startswith(("vred", "vwred", "vfred", "vfwred")):
        if base.startswith(("vwred", "vfwred")) and vt.sew > 32:
            return None
        return {"vd": MASK, "vs2": lm, "vs1": MASK}
    if suffix == "mm" or (suffix == "m" and base in ("vcpop", "vfirst", "vmsbf", "vmsif", "vmsof")):
        return {"vd": MASK, "vs2": MASK, "vs1": MASK}
    if base == "viota":
        return {"vd": lm, "vs2": MASK, "vs1": MASK}
    if base.startswith(("vms", "vmf", "vmadc", "vmsbc")):
        return {"vd": MASK, "vs2": lm, "vs1": lm}
    if base.startswith(("vw", "vfw")):
        if lm > 2 or vt.sew > 32:
            return None
        return {"vd": lm + 1, "vs2": lm + 1 if suffix.startswith("w") else lm, "vs1": lm}
    if base.startswith(("vnsrl", "vnsra", "vnclip", "vfncvt")):  # not vnmsac, vfnmadd, ...
        if lm > 2 or vt.sew > 32:
            return None
        return {"vd": lm, "vs2": lm + 1, "vs1": lm}
    if base in ("vzext", "vsext") and suffix.startswith("vf"):
        k = _log2(int(suffix[2:]))
        if vt.sew < 8 << k or lm - k < -3:
            return None
        return {"vd": lm, "vs2": lm - k, "vs1": lm}
    if base == "vrgatherei16":
        e = lm + _log2(16 / vt.sew)
        return {"vd": lm, "vs2": lm, "vs1": e} if -3 <= e <= 3 else None
    if base == "vcompress":
        return {"vd": lm, "vs2": lm, "vs1": MASK}
    return {"vd": lm, "vs2": lm, "vs1": lm}


VSTART_SHARE = 0.03  # of the instructions run with a non-zero vstart (csrwi vstart just before)
# qemu 10 makes these illegal with a non-zero vstart (V 1.0 permits it).
VSTART_ZERO = ("vred", "vwred", "vfred", "vfwred", "vcpop", "vfirst", "vmsbf", "vmsif", "vmsof")
VSTART_ZERO += ("viota", "vcompress")


# Not with a non-zero vstart either: loads and stores (qemu 10 aborts, "probe_access_flags:
# assertion failed", when vstart is past the access).
VSTART_FORMATS = ("v_mem", "v_mem_whole", "v_mem_strided", "v_mem_indexed")


def vstart_ok(row: Row) -> bool:
    """Whether the row may run with a non-zero vstart in a generated program."""
    return not row.mnemonic.startswith(VSTART_ZERO) and row.fmt.name not in VSTART_FORMATS


def _regs(e: int | str) -> int:
    """How many registers a group of EMUL ``e`` spans (and its alignment)."""
    return 1 if e == MASK or int(e) <= 0 else 1 << int(e)


class VGen:
    """Vector instructions for rvgen.Gen (which it is mixed into: ``self.r``, ``self.rd``,
    ``self.rs``)."""

    r: random.Random
    vt: VState

    def rd(self, ctx: object) -> int:  # provided by rvgen.Gen
        raise NotImplementedError

    def rs(self) -> int:  # provided by rvgen.Gen
        raise NotImplementedError

    # --- registers --------------------------------------------------------------------------
    def vgroups(
        self, sizes: dict[str, int], masked: bool, eews: dict[str, object] | None = None
    ) -> dict[str, int] | None:
        """Aligned register groups of ``sizes`` registers: "vd" overlapping none of the sources
        and not v0 when ``masked``; sources not v0 when ``masked`` (v0 is then the mask, of
        another EEW) and overlapping each other only when their ``eews`` are the same (one
        register read with two EEWs is reserved)."""
        r = self.r
        out: dict[str, int] = {}
        eews = eews or {}
        for name, n in sizes.items():
            if name != "vd":
                for _ in range(100):
                    b = r.randrange(0, 32, n)
                    if masked and b == 0:
                        continue
                    if any(
                        eews.get(o) != eews.get(name) and b < ob + sizes[o] and ob < b + n
                        for o, ob in out.items()
                    ):
                        continue
                    out[name] = b
                    break
                else:
                    return None
        if "vd" in sizes:
            n = sizes["vd"]
            taken = {k for name, b in out.items() for k in range(b, b + sizes[name])}
            free = [
                b
                for b in range(0, 32, n)
                if not taken & set(range(b, b + n)) and not (masked and b == 0)
            ]
            if not free:
                return None
            out["vd"] = r.choice(free)
        return out

    def vm(self, masked: bool) -> str:
        return ", v0.t" if masked else ""

    def tmp(self, ctx: object) -> int:
        """An x register to clobber (not x0, the pinned ones or, in a function, x1)."""
        t = self.rd(ctx)
        return t if t not in (0, 1) else 5

    # --- vtype ------------------------------------------------------------------------------
    def vset(self, ctx: object, vt: VType | None = None) -> list[str]:
        """Set a (random, or ``vt``) supported vtype with an AVL of any kind; or, now and then,
        a reserved one (vill)."""
        r = self.r
        old = self.vt
        if vt is None and r.random() < 0.04:
            return self.vset_reserved(ctx)
        vt = vt or rand_vtype(r)
        self.vt = vt
        d = self.rd(ctx)
        k = r.random()
        if k < 0.3:
            return [f"vsetvli x{d}, x{self.rs()}, {vt.text()}"]
        if k < 0.5:
            t = self.tmp(ctx)
            avl = r.choice([0, 1, 2, 3, r.randint(0, 40), r.randint(0, 300)])
            return [f"li x{t}, {avl}", f"vsetvli x{d}, x{t}, {vt.text()}"]
        if k < 0.6:
            return [f"vsetvli x{d or 5}, x0, {vt.text()}"]  # vl = VLMAX
        if k < 0.65 and isinstance(old, VType) and old.ratio() == vt.ratio():
            return [f"vsetvli x0, x0, {vt.text()}"]  # keeps vl
        if k < 0.85:
            return [f"vsetivli x{d}, {r.randint(0, 31)}, {vt.text()}"]
        t = self.tmp(ctx)
        a = self.rs() if r.random() < 0.5 else 0
        while a == t:
            a = self.rs()
        return [f"li x{t}, {vt.bits()}", f"vsetvl x{d}, x{a}, x{t}"]

    def vset_reserved(self, ctx: object) -> list[str]:
        r = self.r
        self.vt = VILL
        k = r.random()
        if k < 0.3:  # LMUL 100
            z = r.getrandbits(3) << 3 | 4 | r.getrandbits(2) << 6
        elif k < 0.55:  # SEW 128 and above
            z = r.randint(4, 7) << 3 | r.randint(0, 7) | r.getrandbits(2) << 6
        elif k < 0.8:  # fractional LMUL below SEW / ELEN
            z = r.choice([(3 << 3) | 5, (3 << 3) | 6, (3 << 3) | 7, (2 << 3) | 5, (2 << 3) | 6])
            z |= r.getrandbits(2) << 6
        else:  # reserved high bits
            z = r.randint(1, 7) << 8 | (r.getrandbits(2) << 3)
        if r.random() < 0.7:
            return [f"vsetvli x{self.rd(ctx)}, x{self.rs()}, {z}"]
        t = self.tmp(ctx)
        if r.random() < 0.3:
            z |= 1 << 63
            return [f"li x{t}, {z - (1 << 64)}", f"vsetvl x{self.rd(ctx)}, x{self.rs()}, x{t}"]
        return [f"li x{t}, {z}", f"vsetvl x{self.rd(ctx)}, x{self.rs()}, x{t}"]

    def restore(self, vt: VType) -> list[str]:
        """Set ``vt`` again (any vl): the end of a loop body that changed it."""
        self.vt = vt
        return [f"vsetivli x0, {self.r.randint(0, 31)}, {vt.text()}"]

    # --- one instruction --------------------------------------------------------------------
    def vec_op(self, ctx: object) -> list[str]:
        """A vset (sometimes), a vector CSR access (rarely), else one table row with its
        operands, after a vset when the vtype is unknown or does not suit the row."""
        r = self.r
        k = r.random()
        if k < 0.08:
            return self.vset(ctx)
        if k < 0.1:
            return self.vcsr(ctx)
        for _ in range(50):
            row = r.choice(CANDIDATES)
            pre: list[str] = []
            if NEEDS_VTYPE[row.mnemonic] and not isinstance(self.vt, VType):
                pre = self.vset(ctx, rand_vtype(r))
            make = FORMATTERS[row.mnemonic]
            lines = make(self, row, ctx)
            if lines is None and NEEDS_VTYPE[row.mnemonic] and r.random() < 0.7:
                for _ in range(20):
                    pre = self.vset(ctx, rand_vtype(r))
                    lines = make(self, row, ctx)
                    if lines is not None:
                        break
            if lines is not None:
                if r.random() < VSTART_SHARE and vstart_ok(row):  # start at element vstart
                    lines[-1:] = [f"csrwi vstart, {r.randint(0, 31)}", lines[-1]]
                return pre + lines
            if pre:
                return pre
        return self.vset(ctx)

    def vcsr(self, ctx: object) -> list[str]:
        r = self.r
        k = r.random()
        if k < 0.4:
            return [f"csrwi vxrm, {r.randint(0, 3)}"]
        if k < 0.55:
            return [f"csrwi vxsat, {r.randint(0, 1)}"]
        if k < 0.65:
            return [f"csrw vcsr, x{self.rs()}"]
        csr = r.choice(["vl", "vtype", "vlenb", "vxrm", "vxsat", "vcsr", "vstart"])
        return [f"csrr x{self.rd(ctx)}, {csr}"]

    # --- operands -----------------------------------------------------------------------------
    def vt_known(self) -> VType:
        assert isinstance(self.vt, VType)
        return self.vt

    def operands(self, row: Row, ctx: object) -> list[str] | None:
        """The row's operands in the order of its format's syntax (GENERIC_TOKENS): vector
        groups by ``emuls``, random x/f registers, an immediate filling the format's imm field,
        ", v0.t" half the time for "vm", the literal v0 for "v0" (then no source is v0)."""
        vt = self.vt_known()
        e = emuls(row, vt)
        if e is None:
            return None
        tokens = row.fmt.syntax.split(",")
        masked = "vm" in tokens and self.r.random() < 0.4
        sizes = {t: _regs(e[t]) for t in tokens if t in ("vd", "vs2", "vs1")}
        g = self.vgroups(sizes, masked or "v0" in tokens, dict(e))
        if g is None:
            return None
        parts = []
        fields = {"vm": 0 if masked else 1}  # (Insn attributes: for ENCODED_EXTS)
        for t in tokens:
            if t in ("vd", "vs2", "vs1"):
                parts.append(f"v{g[t]}")
                fields[{"vd": "rd", "vs2": "rs2", "vs1": "rs1"}[t]] = g[t]
            elif t in ("rs1", "rd"):
                fields[t] = self.rs() if t == "rs1" else self.rd(ctx)
                parts.append(f"x{fields[t]}")
            elif t in ("fd", "fs1"):
                parts.append(f"f{self.r.randint(0, 31)}")
            elif t == "imm":
                imm = next(f for f in row.fmt.fields if f.attr == "imm")
                w = imm.width
                lo, hi = (-(1 << (w - 1)), (1 << (w - 1)) - 1) if imm.signed else (0, (1 << w) - 1)
                fields["imm"] = self.r.randint(lo, hi)
                parts.append(str(fields["imm"]))
            elif t == "v0":
                parts.append("v0")
        text = f"{row.mnemonic} {', '.join(parts)}{self.vm(masked)}"
        if row.ext in ENCODED_EXTS:
            assert not {"fd", "fs1", "v0"} & set(tokens), row.mnemonic
            return [f".4byte {encode(row.mnemonic, **fields):#010x}  # {text}"]
        return [text]

    def base(self, ctx: object, size: int, align: int) -> tuple[list[str], int]:
        """An x register pointing into the scratch buffer with ``size`` bytes in bounds (x3 itself,
        or a fresh one set from it), aligned to ``align``."""
        r = self.r
        if r.random() < 0.15:
            off = r.randrange(-64, 64 - size + 1 if size < 64 else 1, align)
        else:
            off = r.randrange(-MID, MID - size + 1, align)
        off -= off % align
        t = self.tmp(ctx)
        if t == 3:
            t = 5
        return [f"addi x{t}, x3, {off}"], t

    def mem_group(self, e: int, nf: int, masked: bool, avoid: set[int]) -> int | None:
        """The first register of an access's data: nf fields of EMUL ``e`` (nf * registers <= 8,
        within v0..v31), aligned, not v0 when ``masked``, none of the registers in ``avoid``."""
        n = _regs(e)
        if n * nf > 8:
            return None
        free = [
            b
            for b in range(0, 33 - n * nf, n)
            if not (masked and b == 0) and not avoid & set(range(b, b + n * nf))
        ]
        return self.r.choice(free) if free else None

    def two_tmps(self, ctx: object) -> tuple[int, int]:
        """Two different x registers to clobber (neither x3)."""
        a = self.tmp(ctx)
        a = 5 if a == 3 else a
        b = self.tmp(ctx)
        b = 6 if b in (3, a) else b
        b = 7 if b == a else b
        return a, b

    def unit_mem(self, row: Row, ctx: object) -> list[str] | None:
        """vle/vse<eew>.v, vle<eew>ff.v, vlseg/vsseg<nf>e<eew>[ff].v vd, (rs1)[, v0.t]: EMUL =
        EEW / SEW * LMUL, nf * EMUL <= 8 and the segment's registers within v0..v31."""
        vt = self.vt_known()
        eew = row.attrs.width * 8
        nf = row.attrs.nf or 1
        e = vt.lmul + _log2(eew / vt.sew) if eew / vt.sew in (0.125, 0.25, 0.5, 1, 2, 4, 8) else 9
        if not -3 <= e <= 3:
            return None
        masked = self.r.random() < 0.4
        vd = self.mem_group(e, nf, masked, set())
        if vd is None:
            return None
        size = (VLENB << max(e, 0)) * nf
        pre, t = self.base(ctx, size, row.attrs.width)
        return [*pre, f"{row.mnemonic} v{vd}, (x{t}){self.vm(masked)}"]

    def strided_mem(self, row: Row, ctx: object) -> list[str] | None:
        """vlse/vsse<eew>.v, vlsseg/vssseg<nf>e<eew>.v vd, (rs1), rs2[, v0.t]: the groups as for
        unit_mem; a stride (0, negative, the segment's size, ...) that keeps every element of
        VLMAX in the scratch buffer."""
        vt = self.vt_known()
        r = self.r
        w = row.attrs.width
        nf = row.attrs.nf or 1
        eew = w * 8
        e = vt.lmul + _log2(eew / vt.sew) if eew / vt.sew in (0.125, 0.25, 0.5, 1, 2, 4, 8) else 9
        if not -3 <= e <= 3:
            return None
        masked = r.random() < 0.4
        vd = self.mem_group(e, nf, masked, set())
        if vd is None:
            return None
        vlmax = max(1, int(VLENB * 8 * 2.0**vt.lmul) // vt.sew)
        most = (2 * MID - 64 - nf * w) // max(vlmax - 1, 1) // w  # |stride| / w at most
        k = r.random()
        if k < 0.15:
            s = 0
        elif k < 0.45:
            s = nf * w * r.choice([1, -1])
        else:
            s = r.randint(-min(most, 16), min(most, 16)) * w
        s = max(-most * w, min(most * w, s))
        span = abs(s) * (vlmax - 1) + nf * w
        lo = r.randrange(-MID, MID - span + 1, w)
        start = lo if s >= 0 else lo + abs(s) * (vlmax - 1)
        t, u = self.two_tmps(ctx)
        return [
            f"addi x{t}, x3, {start}",
            f"li x{u}, {s}",
            f"{row.mnemonic} v{vd}, (x{t}), x{u}{self.vm(masked)}",
        ]

    def indexed_mem(self, row: Row, ctx: object) -> list[str] | None:
        """vl/vs{u,o}x[seg<nf>]ei<eew>.v vd, (rs1), vs2[, v0.t]: the data at SEW and LMUL (nf
        fields), the index group vs2 at EEW (EMUL = EEW / SEW * LMUL, within 1/8..8), apart from
        the data and not v0 when masked. The indices are first made in bounds and aligned (vand.vx
        under a vtype of SEW = EEW and the same SEW / LMUL ratio, so vl stays)."""
        vt = self.vt_known()
        r = self.r
        eew = row.attrs.width * 8
        nf = row.attrs.nf or 1
        ie = vt.lmul + _log2(eew / vt.sew) if eew / vt.sew in (0.125, 0.25, 0.5, 1, 2, 4, 8) else 9
        if not -3 <= ie <= 3:
            return None
        masked = r.random() < 0.4
        ni = _regs(ie)
        idx = [b for b in range(0, 32, ni) if not (masked and b == 0)]
        vs2 = r.choice(idx)
        vd = self.mem_group(vt.lmul, nf, masked, set(range(vs2, vs2 + ni)))
        if vd is None:
            return None
        sb = vt.sew // 8
        m = (511 if eew > 8 else 255) & ~(sb - 1)
        t, u = self.two_tmps(ctx)
        lo = r.randrange(-MID, MID - 512 - nf * sb + 1, sb)
        itype = VType(eew, ie, vt.ta, vt.ma)
        return [
            f"li x{u}, {m}",
            f"vsetvli x0, x0, {itype.text()}",
            f"vand.vx v{vs2}, v{vs2}, x{u}",
            f"vsetvli x0, x0, {vt.text()}",
            f"addi x{t}, x3, {lo}",
            f"{row.mnemonic} v{vd}, (x{t}), v{vs2}{self.vm(masked)}",
        ]

    def whole_mem(self, row: Row, ctx: object) -> list[str]:
        """vl<n>re<eew>.v / vs<n>r.v (any vtype, even vill); vlm.v / vsm.v (count 0)."""
        n = row.attrs.count or 1
        vd = self.r.randrange(0, 32, n)
        pre, t = self.base(ctx, VLENB * n, row.attrs.width or 1)
        return [*pre, f"{row.mnemonic} v{vd}, (x{t})"]

    def mv_whole(self, row: Row, ctx: object) -> list[str]:
        n = row.attrs.count
        g = self.vgroups({"vd": n, "vs2": n}, False)
        assert g is not None
        return [f"{row.mnemonic} v{g['vd']}, v{g['vs2']}"]

    def mv_xs(self, row: Row, ctx: object) -> list[str]:
        return [f"{row.mnemonic} x{self.rd(ctx)}, v{self.r.randint(0, 31)}"]


Formatter = Callable[[VGen, Row, object], "list[str] | None"]

# The formats whose operands need more than their syntax says (memory: the footprint in
# bounds, a stride or indices; vmv<n>r.v: groups of n registers): one entry per format
# (``row.fmt.name``).
FORMATS: dict[str, Formatter] = {
    "v_mem": VGen.unit_mem,
    "v_mem_strided": VGen.strided_mem,
    "v_mem_indexed": VGen.indexed_mem,
    "v_mem_whole": VGen.whole_mem,
    "v_mv_xs": VGen.mv_xs,
    "v_mv_whole": VGen.mv_whole,
}
# Any other format is generated from its syntax (VGen.operands) when every token of it is one
# of these (arithmetic, compares, mask, permutation, reduction rows with v/x/f registers and an
# immediate). Memory syntax ("amem", "mem") and x operands that would need a value ("rs2": a
# stride) are not: such a format needs its entry in FORMATS.
GENERIC_TOKENS = frozenset({"vd", "vs2", "vs1", "rs1", "rd", "fd", "fs1", "imm", "vm", "v0"})


def formatter(row: Row) -> Formatter | None:
    """How the row's operands are made, or None (the generator skips the row)."""
    if row.fmt.name in FORMATS:
        return FORMATS[row.fmt.name]
    if set(row.fmt.syntax.split(",")) <= GENERIC_TOKENS:
        return VGen.operands
    return None


# Rows made by VGen.vset (the vtype machinery), not as random operations.
VSET_ROWS = frozenset({"vsetvli", "vsetivli", "vsetvl"})
# Rows that run whatever vtype is (even with vill set).
# (qemu 10 makes vmv<n>r.v illegal with vill set, though V 1.0 says it does not depend on vtype.)
VTYPE_FREE = ("v_mem_whole",)


def vector_rows() -> list[Row]:
    return [row for row in ROWS32 if row.ext in EXTS]


def _needs_vtype(row: Row) -> bool:
    return not (row.fmt.name in VTYPE_FREE and row.attrs.count)


CANDIDATES: list[Row] = [
    row for row in vector_rows() if formatter(row) is not None and row.mnemonic not in VSET_ROWS
]
FORMATTERS: dict[str, Formatter] = {
    row.mnemonic: formatter(row) or VGen.operands for row in CANDIDATES
}
NEEDS_VTYPE: dict[str, bool] = {row.mnemonic: _needs_vtype(row) for row in CANDIDATES}


def unsupported_rows() -> list[tuple[str, str]]:
    """(mnemonic, format) of the vector rows the generator skips: their format is neither in
    FORMATS nor made of GENERIC_TOKENS."""
    return [
        (row.mnemonic, row.fmt.name)
        for row in vector_rows()
        if formatter(row) is None and row.mnemonic not in VSET_ROWS
    ]


UNSUPPORTED_FORMATS: list[str] = sorted({f for _, f in unsupported_rows()})
