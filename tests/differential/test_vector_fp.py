"""The vector floating-point instructions (RVV 1.0 at SEW = 32 and 64), against qemu 10.

One generated guest program runs each instruction at several SEW/LMUL (fractional to m8), at
VLMAX and a partial vl (masked), vl = 0 and with ``ta``, each case in another rounding mode (frm
= 0..4), on sources and destinations loaded from tables of floats at the SEW (signed zeros,
infinities, quiet and signaling NaNs with payloads, subnormals, the largest and smallest
normals, ties for the conversions, and floats whose sums, products and quotients round
differently in each mode) at offsets that change from case to case, so each element pair
differs; the widening and narrowing ones at SEW = 32 (and 16 for the integer <-> single
conversions), LMUL up to 4. After each case the program records v8..v15 (the destination group,
its tail and masked-off elements) and fflags (then cleared). The .vf forms take f[rs1] from a
list of scalars (a single that is not NaN-boxed included). A second part runs the arithmetic,
the conversions, the reductions and the estimates in all five rounding modes. Illegal cases: SEW
8 and 16 (no Zvfh), a reserved frm, vfmerge's vd = v0, a mask destination inside a source group,
vfslide1up with vd = vs2, a reduction with vstart > 0, widening at SEW 64, a wide destination
over its narrow source."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import pytest
import rvrun
import vecgen
from vecgen import TIERS, VCPU, Gen

pytestmark = pytest.mark.all_tiers
MARCH = vecgen.MARCH

_FMA = ["vfmacc", "vfnmacc", "vfmsac", "vfnmsac", "vfmadd", "vfnmadd", "vfmsub", "vfnmsub"]
VV = ["vfadd", "vfsub", "vfmin", "vfmax", "vfsgnj", "vfsgnjn", "vfsgnjx", "vfdiv", "vfmul"]
VV += ["vmfeq", "vmfle", "vmflt", "vmfne", *_FMA]
VF = [*VV, "vfrsub", "vfrdiv", "vmfgt", "vmfge", "vfslide1up", "vfslide1down"]
RED = [f"vfred{op}.vs" for op in ("usum", "osum", "min", "max")]
UNARY = ["vfsqrt.v", "vfrsqrt7.v", "vfrec7.v", "vfclass.v", "vfcvt.xu.f.v", "vfcvt.x.f.v"]
UNARY += ["vfcvt.f.xu.v", "vfcvt.f.x.v", "vfcvt.rtz.xu.f.v", "vfcvt.rtz.x.f.v"]
MOVES = ["vfmerge.vfm", "vfmv.v.f", "vfmv.s.f", "vfmv.f.s"]
OPS = [f"{n}.vv" for n in VV] + [f"{n}.vf" for n in VF] + RED + UNARY + MOVES
# widening (2*SEW destination) and narrowing (2*SEW source): SEW = 32, and 16 for INT_FLOAT
WIDE = [f"vfw{op}.{k}" for op in ("add", "sub") for k in ("vv", "vf", "wv", "wf")]
WIDE += ["vfwmul.vv", "vfwmul.vf", "vfwredusum.vs", "vfwredosum.vs"]
WIDE += [f"vfw{op}.{k}" for op in ("macc", "nmacc", "msac", "nmsac") for k in ("vv", "vf")]
WIDE += [f"vfwcvt.{k}.v" for k in ("xu.f", "x.f", "f.xu", "f.x", "f.f", "rtz.xu.f", "rtz.x.f")]
WIDE += [f"vfncvt.{k}.w" for k in ("xu.f", "x.f", "f.xu", "f.x", "f.f", "rod.f.f")]
WIDE += ["vfncvt.rtz.xu.f.w", "vfncvt.rtz.x.f.w"]
INT_FLOAT = ["vfwcvt.f.xu.v", "vfwcvt.f.x.v", "vfncvt.xu.f.w", "vfncvt.x.f.w"]
INT_FLOAT += ["vfncvt.rtz.xu.f.w", "vfncvt.rtz.x.f.w"]
COVERED = OPS + WIDE

# (SEW, LMUL) of the main part, and its cases: (AVL, tail, masked); VLMAX + 3 gives vl = VLMAX
CONFIGS = {
    (32, "mf2"): [(5, "tu", True)],
    (32, "m2"): [(11, "tu", False), (7, "tu", True), (0, "tu", False), (6, "ta", False)],
    (64, "m1"): [(5, "tu", False)],
    (64, "m8"): [(15, "tu", True)],
}
WIDE_CONFIGS = {
    (32, "mf2"): [(5, "tu", True)],
    (32, "m1"): [(7, "tu", False), (0, "tu", False)],
    (32, "m4"): [(14, "tu", True)],
}
TABLE = 96  # elements of each table (a case reads 128 bytes from an offset in it)


def _specials(bits: int) -> list[int]:
    """Bit patterns of the edge values of the format of `bits` bits."""
    e, m = (8, 23) if bits == 32 else (11, 52)
    sign, inf, one = 1 << (bits - 1), ((1 << e) - 1) << m, ((1 << (e - 1)) - 1) << m

    def val(x: float) -> int:
        if bits == 32:
            return int.from_bytes(struct.pack("<f", x), "little")
        return int.from_bytes(struct.pack("<d", x), "little")

    return [0, sign, one, sign | one, inf, sign | inf, inf | 1 << (m - 1), inf | 1,
            sign | inf | 1 << (m - 1) | 0x12345, inf | 0x2A, 1, sign | ((1 << m) - 1),
            1 << m, inf - 1, sign | (inf - 1), one + 1, val(0.5), val(1.5), val(2.5),
            val(-2.5), val(-0.5), val(1 / 3), val(0.1), val(3.0), val(2.0 ** (m + 1) + 2),
            val(-(2.0**31)), val(2.0**32 - 0.5), val(2.0**63), val(-(2.0**63)),
            val(2.0**64), val(2.0**-126), val(1e-300 if bits == 64 else 1e-40)]  # fmt: skip


def _table(bits: int, seed: int) -> list[int]:
    """TABLE floats: the edge values among random ones with exponents from -30 to 40 (their
    sums, products and quotients are mostly inexact), shuffled with `seed`."""
    rng = random.Random(seed)
    e, m = (8, 23) if bits == 32 else (11, 52)
    bias = (1 << (e - 1)) - 1
    vals = _specials(bits)
    while len(vals) < TABLE:
        vals.append(
            rng.getrandbits(1) << (bits - 1)
            | (bias + rng.randint(-30, 40)) << m
            | rng.getrandbits(m)
        )
    rng.shuffle(vals)
    return vals


def _data(g: Gen) -> None:
    """The tables (vs2, vs1, vd for each SEW) in .data: labels fp{sew}_{a,b,d}."""
    g.emit(".pushsection .data", ".balign 16")
    for sew in (32, 64):
        for n, part in enumerate("abd"):
            g.emit(f"fp{sew}_{part}:")
            vals = _table(sew, sew * 10 + n)
            directive = ".word" if sew == 32 else ".dword"
            for k in range(0, TABLE, 8):
                g.emit(f"{directive} " + ", ".join(hex(v) for v in vals[k : k + 8]))
    g.emit(".popsection")


def _scalars(sew: int) -> list[str]:
    """Lines that set fa0 for .vf cases, in turn."""
    vals = _specials(sew)
    picks = [21, 1, 6, 7, 4, 17, 10, 13, 0, 22, 5, 19, 12, 26]
    out = []
    for p in picks:
        mv = "fmv.w.x" if sew == 32 else "fmv.d.x"
        out.append(f"li a1, {vals[p]}\n{mv} fa0, a1")
    if sew == 32:  # not NaN-boxed: the canonical NaN
        out.append("li a1, 0x123456783f800000\nfmv.d.x fa0, a1")
    return out


class _Cases:
    """Emits cases; each uses the next offsets into the tables and the next frm."""

    def __init__(self, g: Gen) -> None:
        self.g = g
        self.n = 0

    def setup(
        self,
        sew: int,
        lmul: str,
        avl: int,
        tail: str = "tu",
        frm: int | None = None,
        widths: tuple[int, int, int] | None = None,
    ) -> None:
        """Sources and destination from the tables of `widths` (vs2, vs1, vd; SEW each by
        default; 16 reads the 32-bit table), fa0, frm, then vsetvli."""
        g = self.g
        self.n += 1
        parts = (("a", 16, 7), ("b", 24, 13), ("d", 8, 3))
        for (part, reg, mult), bits in zip(parts, widths or (sew, sew, sew), strict=True):
            t = max(bits, 32)
            w = t // 8
            off = (self.n * mult) % ((TABLE * w - 128) // w) * w
            g.emit(f"lla a2, fp{t}_{part}", f"addi a2, a2, {off}", f"vl8re8.v v{reg}, (a2)")
        scal = _scalars(sew if widths is None else 32)
        g.emit(*scal[self.n % len(scal)].split("\n"))
        g.emit(f"csrwi frm, {self.n % 5 if frm is None else frm}", f"li a0, {avl}")
        g.emit(f"vsetvli t0, a0, e{sew}, {lmul}, {tail}, mu")

    def run(self, op: str, vm: str, name: str) -> None:
        """The instruction with vd = v8, vs2 = v16, vs1 = v24 (or fa0); then the records."""
        g = self.g
        kind = op.rsplit(".", 1)[1]
        fma = op.split(".")[0].replace("vfw", "vf") in _FMA
        if op == "vfmv.f.s":
            g.emit("fmv.d.x fa1, zero", "vfmv.f.s fa1, v16", "fmv.x.d a3, fa1")
            g.record("a3", f"{name}: fa1")
        elif op == "vfmv.v.f" or op == "vfmv.s.f":
            g.emit(f"{op} v8, fa0")
        elif op == "vfmerge.vfm":
            g.emit(f"{op} v8, v16, fa0, v0")
        elif kind == "v" or op.endswith(".w"):
            g.emit(f"{op} v8, v16{vm}")
        elif fma:
            g.emit(f"{op} v8, {'v24' if kind == 'vv' else 'fa0'}, v16{vm}")
        else:
            g.emit(f"{op} v8, v16, {'fa0' if kind in ('vf', 'wf') else 'v24'}{vm}")
        if op != "vfmv.f.s":
            g.group(name)
        g.emit("csrr t0, fflags", "csrwi fflags, 0")
        g.record("t0", f"{name}: fflags")


def _program() -> tuple[str, list[str]]:
    g = Gen()
    g.load_all()  # (v0: the mask of every masked case)
    _data(g)
    cases = _Cases(g)
    unmasked = ("vfmv.v.f", "vfmv.s.f", "vfmv.f.s", "vfmerge.vfm")
    for op in OPS:
        for (sew, lmul), runs in CONFIGS.items():
            for avl, tail, masked in runs:
                vm = ", v0.t" if masked and op not in unmasked else ""
                cases.setup(sew, lmul, avl, tail)
                cases.run(op, vm, f"{op} e{sew} {lmul} avl={avl} {tail}{vm}")
    for op in WIDE:
        configs = dict(WIDE_CONFIGS)
        if op in INT_FLOAT:
            configs.update({(16, "mf4"): [(3, "tu", True)], (16, "m2"): [(16, "tu", False)]})
        for (sew, lmul), runs in configs.items():
            for avl, tail, masked in runs:
                vm = ", v0.t" if masked else ""
                cases.setup(sew, lmul, avl, tail, widths=_widths(op, sew))
                cases.run(op, vm, f"{op} e{sew} {lmul} avl={avl} {tail}{vm}")
    for op in ["vfwadd.vv", "vfwmacc.vf", "vfncvt.f.f.w", "vfncvt.rod.f.f.w", "vfncvt.f.x.w"]:
        for frm in range(5):
            cases.setup(32, "m1", 1000, frm=frm, widths=_widths(op, 32))
            cases.run(op, "", f"{op} e32 m1 frm={frm}")
    _edges(cases)
    _vstart_cases(cases)
    _in_place(cases)
    # every rounding mode
    for op in ["vfadd.vv", "vfrsub.vf", "vfmul.vv", "vfdiv.vv", "vfmacc.vv", "vfredosum.vs"]:
        _all_modes(cases, op)
    for op in ["vfsqrt.v", "vfcvt.x.f.v", "vfcvt.f.xu.v", "vfrec7.v"]:
        _all_modes(cases, op)
    return g.source(), g.what


def _estimate_edges(bits: int) -> list[int]:
    """32 (singles) or 16 (doubles) inputs at the edges of vfrec7 and vfrsqrt7: subnormals whose
    reciprocal overflows or is just representable, the largest normals (subnormal reciprocals),
    negative values, zeros, infinities, NaNs."""
    e, m = (8, 23) if bits == 32 else (11, 52)
    top = (1 << e) - 1
    sign = 1 << (bits - 1)

    def f(exp: int, frac: int) -> int:
        return exp << m | frac

    vals = [f(0, 1), sign | f(0, 1), f(0, 1 << (m - 1)), f(0, 3 << (m - 2)), f(0, 1 << (m - 2)),
            sign | f(0, 1 << (m - 2)), f(0, (1 << (m - 2)) - 1), sign | f(0, (1 << (m - 2)) - 1),
            f(top - 1, (1 << m) - 1), sign | f(top - 1, 0), f(top - 2, 1 << (m - 1)),
            f(top - 3, 5 << (m - 4)), f(1, 0), f(top, 0), sign | f(top, 0), 0, sign,
            f(top, 1), f(top, 1 << (m - 1))]  # fmt: skip
    vals += [f(top // 2 + k, (abs(k) * 0x1357) << (m - 16)) for k in range(-8, 8)]
    return (vals + [sign | v for v in vals])[: 1024 // bits]


def _narrow_edges() -> list[int]:
    """16 doubles at the edges of the single format: the smallest subnormal and half of it,
    ties, just below the smallest normal, just above the largest single and 2**128."""

    def d(x: float) -> int:
        return int.from_bytes(struct.pack("<d", x), "little")

    big = 3.4028234663852886e38  # the largest single
    vals = [2.0**-149, 2.0**-150, 1.5 * 2.0**-150, 2.0**-151, 3 * 2.0**-150,
            2.0**-126 * (1 - 2.0**-25), 2.0**-126 * (1 - 2.0**-24), big * (1 + 2.0**-24),
            big * (1 + 2.0**-30), 2.0**128, 1 + 2.0**-24, 1 + 3 * 2.0**-25, -(1 + 2.0**-24),
            -(2.0**-150), -(2.0**128), 1e-320]  # fmt: skip
    return [d(v) for v in vals]


def _edges(cases: _Cases) -> None:
    """vfrec7/vfrsqrt7 (SEW 32 and 64, m8) and vfncvt.f.f.w/vfncvt.rod.f.f.w (m4) on edge
    values, in every rounding mode."""
    g = cases.g
    g.emit(".pushsection .data", ".balign 16")
    for label, vals, directive in (
        ("edge32", _estimate_edges(32), ".word"),
        ("edge64", _estimate_edges(64), ".dword"),
        ("narrow64", _narrow_edges(), ".dword"),
    ):
        g.emit(f"{label}:", *(f"{directive} {hex(v)}" for v in vals))
    g.emit(".popsection")
    groups = [(32, "m8", "edge32", ["vfrec7.v", "vfrsqrt7.v"])]
    groups += [(64, "m8", "edge64", ["vfrec7.v", "vfrsqrt7.v"])]
    groups += [(32, "m4", "narrow64", ["vfncvt.f.f.w", "vfncvt.rod.f.f.w"])]
    for frm in range(5):
        for sew, lmul, label, ops in groups:
            for op in ops:
                g.emit(f"lla a2, {label}", "vl8re8.v v16, (a2)", "vl8re8.v v8, (s4)")
                g.emit(f"csrwi frm, {frm}", f"vsetvli t0, zero, e{sew}, {lmul}, tu, mu")
                cases.run(op, "", f"{op} edges e{sew} frm={frm}")


def _vstart_cases(cases: _Cases) -> None:
    """Instructions that start at a vstart > 0 (left by a write to the CSR), or skip when
    vstart >= vl; then vstart."""
    g = cases.g
    for op, vstart, avl in [("vfadd.vv", 1, 8), ("vfslide1down.vf", 3, 8), ("vfmv.s.f", 9, 8),
                            ("vfmacc.vf", 7, 6), ("vfmv.f.s", 5, 8), ("vmflt.vv", 2, 8),
                            ("vfwadd.vf", 2, 8)]:  # fmt: skip
        widths = (32, 32, 64) if op.startswith("vfw") else None
        cases.setup(32, "m2", avl, widths=widths)
        g.emit(f"csrwi vstart, {vstart}")
        cases.run(op, "", f"{op} vstart={vstart} avl={avl}")
        g.emit("csrr t0, vstart", "csrwi vstart, 0")
        g.record("t0", f"{op} vstart={vstart} avl={avl}: vstart after")


def _in_place(cases: _Cases) -> None:
    """In RNE (the JIT's Wasm element loop; an element it cannot do exactly, e.g. a NaN or an
    overflow, hands the rest to the host from there): the destination is a source too; the
    vsetvli in the same TB (vtype known to the JIT) or not (a jump in between)."""
    g = cases.g
    for sew in (32, 64):
        for op in ["vfadd.vv v8, v8, v8", "vfmul.vv v8, v16, v8", "vfdiv.vf v8, v8, fa0",
                   "vfsqrt.v v8, v8", "vfmacc.vv v8, v8, v8", "vfnmadd.vf v8, fa0, v8",
                   "vfrsub.vf v8, v8, fa0, v0.t", "vfmsub.vv v8, v8, v16, v0.t"]:  # fmt: skip
            for split in (False, True):
                cases.setup(sew, "m8", 1000, frm=0)
                if split:
                    g.emit("j 1f", "1:")
                g.emit(op)
                name = f"{op} e{sew} m8 in place{' (new TB)' if split else ''}"
                g.group(name)
                g.emit("csrr t0, fflags", "csrwi fflags, 0")
                g.record("t0", f"{name}: fflags")


def _widths(op: str, sew: int) -> tuple[int, int, int]:
    """The tables of vs2, vs1 and vd of a widening or narrowing instruction at SEW."""
    wide_src = op.startswith("vfncvt") or op.split(".")[1] in ("wv", "wf")
    wide_dst = not op.startswith("vfncvt")
    return (2 * sew if wide_src else sew, sew, 2 * sew if wide_dst else sew)


def _all_modes(cases: _Cases, op: str) -> None:
    for sew in (32, 64):
        for frm in range(5):
            cases.setup(sew, "m2", 1000, frm=frm)
            cases.run(op, "", f"{op} e{sew} m2 frm={frm}")


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], bytes]:
    src, what = _program()
    elf = tmp_path_factory.mktemp("vfp") / "vfp.elf"
    vecgen.need_qemu10()
    ref = rvrun.qemu10_reference(src, elf, MARCH, vecgen.RECORD, len(what), cpu=VCPU)
    return elf, what, ref


@pytest.mark.parametrize("tier", TIERS)
def test_vector_fp_matches_qemu10(program: tuple[Path, list[str], bytes], tier: str) -> None:
    vecgen.check(*program, tier)


_E32 = "vsetvli t0, zero, e32, m2, ta, ma"
# Each program must die with SIGILL (132) at its last line under qemu 10 and tbwasm.
ILLEGAL = {
    "SEW 16": ["vsetvli t0, zero, e16, m1, ta, ma", "vfredmin.vs v1, v3, v5"],
    "SEW 8 vfmv.v.f": ["vsetvli t0, zero, e8, m1, ta, ma", "vfmv.v.f v2, fa0"],
    "reserved frm": [_E32, "csrwi frm, 5", "vfsgnj.vv v2, v4, v6"],
    "vfmerge vd = v0": ["vsetvli t0, zero, e64, m4, ta, ma", "vfmerge.vfm v0, v4, fa0, v0"],
    "vmfeq vd inside vs2": [_E32, "vmfeq.vv v3, v2, v4"],
    "vfslide1up vd = vs2": [_E32, "vfslide1up.vf v2, v2, fa0"],
    "reduction with vstart > 0": [_E32, "csrwi vstart, 1", "vfredusum.vs v2, v4, v6"],
    "vfwadd SEW 64": ["vsetvli t0, zero, e64, m1, ta, ma", "vfwadd.vv v2, v4, v6"],
    "vfwcvt vd over vs2": ["vsetvli t0, zero, e32, m1, ta, ma", "vfwcvt.f.f.v v2, v2"],
}


@pytest.mark.parametrize("tier", ["interp", "jit"])
@pytest.mark.parametrize("name", sorted(ILLEGAL))
def test_illegal_vector_fp_cases(name: str, tier: str, tmp_path: Path) -> None:
    vecgen.check_sigill(ILLEGAL[name], tier, tmp_path)
