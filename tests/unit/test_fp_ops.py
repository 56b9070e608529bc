"""F/D instructions through the translator and wasmtime, against the softfloat reference:
result bits and fflags over edge cases x rounding modes, and seeded random operands."""

from __future__ import annotations

import random
import struct
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fp_harness import RS1, RS2, RS3, OneInsn

from py_backend.abi import ExitReason
from py_backend.translate import softfloat as sf


def d(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def s(x: float) -> int:
    return sf.box(struct.unpack("<I", struct.pack("<f", x))[0])


def sbits(u: int) -> int:
    return sf.box(u)


D_EDGE = [d(v) for v in (0.0, -0.0, 1.0, -1.0, 1.5, -2.5, 3.0, 0.1, 0.5, 2.5, 3.5, -0.4999,
                         2.0**53, 2.0**53 + 2, 2.0**63, -(2.0**63), 2.0**64, 2.0**31,
                         -(2.0**31) - 1,
                         2.0**32, 4294967296.5, 1e300, -1e300, 1e-300, 1.0 + 2.0**-52,
                         1.7976931348623157e308, 2.2250738585072014e-308, -2.2250738585072014e-308,
                         float("inf"), float("-inf"))] + [
    1, 0x000FFFFFFFFFFFFF, 0x8000000000000001, 0x7FF8000000000000, 0xFFF8000000000001,
    0x7FF4000000000000, 0xFFF0000000000001, 0x3FEFFFFFFFFFFFFF,
]  # fmt: skip
S_EDGE = [s(v) for v in (0.0, -0.0, 1.0, -1.0, 1.5, -2.5, 3.0, 0.1, 0.5, 2.5, 3.5, -0.4999,
                         2.0**24, 2.0**31, -(2.0**31), 2.0**32, 2.0**63, -(2.0**63), 2.0**64,
                         1e30, -1e30, 1e-30, 3.4028234663852886e38, 1.1754943508222875e-38,
                         float("inf"), float("-inf"))] + [
    sbits(u) for u in (1, 0x007FFFFF, 0x80000001, 0x7FC00000, 0xFFC00001, 0x7FA00000,
                       0xFF800001, 0x3F7FFFFF, 0x3F800001)
] + [d(1.0), 0x7FC00000]  # not NaN-boxed: read as the canonical NaN  # fmt: skip
I_EDGE = [0, 1, (1 << 64) - 1, 2, 3, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x80000000_00000000,
          0x7FFFFFFF_FFFFFFFF, 0x80000000_00000001, 16777217, 9007199254740993, 0xFFFFFFFF_7FFFFFFF,
          (1 << 64) - 3, 1 << 53, (1 << 53) + 1, 0x00000001_00000001, 12345678901]  # fmt: skip

BINARY = ["fadd", "fsub", "fmul", "fdiv", "fmin", "fmax", "feq", "flt", "fle"]
UNARY = ["fsqrt", "fclass"]
FMA = ["fmadd", "fmsub", "fnmsub", "fnmadd"]
TO_INT = ["fcvt.w", "fcvt.wu", "fcvt.l", "fcvt.lu"]
FROM_INT = ["fcvt.{}.w", "fcvt.{}.wu", "fcvt.{}.l", "fcvt.{}.lu"]
MODES = [(0, 0), (1, 0), (2, 0), (3, 0), (4, 0)] + [(7, m) for m in range(5)]  # (rm, frm)


@pytest.fixture(scope="module")
def h() -> OneInsn:
    return OneInsn()


def _rand_d(rng: random.Random) -> int:
    k = rng.random()
    if k < 0.3:
        return rng.getrandbits(64)
    sign = rng.getrandbits(1) << 63
    if k < 0.6:  # ordinary magnitudes, short mantissas hit exact results
        exp = 1023 + rng.randint(-70, 70)
        frac = rng.getrandbits(rng.choice((3, 10, 26, 52))) << 0
        frac = frac << (52 - frac.bit_length()) if frac and rng.random() < 0.5 else frac
        return sign | exp << 52 | (frac & ((1 << 52) - 1))
    if k < 0.8:  # near the ends of the range
        exp = rng.choice((rng.randint(0, 60), rng.randint(1980, 2046)))
        return sign | exp << 52 | rng.getrandbits(52)
    return rng.choice(D_EDGE)


def _rand_s(rng: random.Random) -> int:
    k = rng.random()
    if k < 0.3:
        return sf.box(rng.getrandbits(32))
    sign = rng.getrandbits(1) << 31
    if k < 0.6:
        exp = 127 + rng.randint(-30, 30)
        frac = rng.getrandbits(rng.choice((3, 10, 23)))
        return sf.box(sign | exp << 23 | frac)
    if k < 0.8:
        exp = rng.choice((rng.randint(0, 30), rng.randint(220, 254)))
        return sf.box(sign | exp << 23 | rng.getrandbits(23))
    return rng.choice(S_EDGE)


def _check(h: OneInsn, name: str, rm: int, frm: int, a: int, b: int = 0, c: int = 0) -> bool:
    """Run one case; returns whether it went to the slow path."""
    prog = h.compile(name, rm)
    xsrc = name in sf.X_SRC
    regs = {RS1: a, RS2: b, RS3: c}
    out = h.run(prog, x=regs if xsrc else None, f=None if xsrc else regs, frm=frm, fflags=0)
    assert out.reason == ExitReason.EBREAK, (name, rm, frm)
    want, flags = sf.run_insn(name, a, b, c, frm if rm == 7 else rm)
    ctx = f"{name} rm={rm} frm={frm} a={a:#x} b={b:#x} c={c:#x} slow={out.emulated}"
    assert (out.value, out.fflags) == (want, flags), (
        f"{ctx}: got {out.value:#x} flags {out.fflags:#x}, want {want:#x} flags {flags:#x}"
    )
    return out.emulated


def _names(t: str) -> Iterator[str]:
    for op in BINARY + UNARY + FMA:
        yield f"{op}.{t}"
    for op in TO_INT:
        yield f"{op}.{t}"
    for op in FROM_INT:
        yield op.format(t)


@pytest.mark.slow
@pytest.mark.parametrize("t", ["d", "s"])
def test_edges_binary(h: OneInsn, t: str) -> None:
    edge = D_EDGE if t == "d" else S_EDGE
    for op in BINARY:
        name = f"{op}.{t}"
        modes = MODES if name in sf.HAS_RM else [(0, 0)]
        for rm, frm in modes:
            for a in edge:
                for b in edge:
                    _check(h, name, rm, frm, a, b)


@pytest.mark.parametrize("t", ["d", "s"])
def test_edges_unary_and_convert(h: OneInsn, t: str) -> None:
    edge = D_EDGE if t == "d" else S_EDGE
    other = "s" if t == "d" else "d"
    names = [f"{op}.{t}" for op in UNARY] + [f"{op}.{t}" for op in TO_INT] + [f"fcvt.{other}.{t}"]
    for name in names:
        modes = MODES if name in sf.HAS_RM else [(0, 0)]
        for rm, frm in modes:
            for a in edge:
                _check(h, name, rm, frm, a)
    for op in FROM_INT:
        for rm, frm in MODES:
            for v in I_EDGE:
                _check(h, op.format(t), rm, frm, v)


@pytest.mark.slow
@pytest.mark.parametrize("t", ["d", "s"])
def test_edges_fma(h: OneInsn, t: str) -> None:
    edge = D_EDGE if t == "d" else S_EDGE
    rng = random.Random(7)
    for op in FMA:
        name = f"{op}.{t}"
        for rm, frm in MODES:
            for _ in range(300):
                _check(h, name, rm, frm, rng.choice(edge), rng.choice(edge), rng.choice(edge))


def test_invalid_dynamic_rm_is_illegal(h: OneInsn) -> None:
    for name in ["fadd.d", "fmul.s", "fmadd.d", "fcvt.w.d", "fcvt.d.s", "fcvt.d.w", "fsqrt.s"]:
        prog = h.compile(name, 7)
        for frm in (5, 6, 7):
            out = h.run(prog, f={RS1: d(1.0), RS2: d(2.0), RS3: d(3.0)}, frm=frm)
            assert out.reason == ExitReason.ILLEGAL, (name, frm)
    # rm fields without a rounding effect ignore frm? no: fmin has no rm field at all
    out = h.run(h.compile("fmin.d"), f={RS1: d(1.0), RS2: d(2.0)}, frm=6)
    assert out.reason == ExitReason.EBREAK and out.value == d(1.0)


@pytest.mark.slow
@pytest.mark.parametrize("t", ["d", "s"])
def test_random(h: OneInsn, t: str) -> None:
    rng = random.Random(1234 if t == "d" else 4321)
    gen = _rand_d if t == "d" else _rand_s
    for name in _names(t):
        xsrc = name in sf.X_SRC
        for k in range(1500):
            rm, frm = (0, 0) if k % 3 else rng.choice(MODES)
            if name not in sf.HAS_RM:
                rm, frm = 0, 0
            if xsrc:
                a = rng.choice((rng.getrandbits(64), rng.getrandbits(rng.randint(1, 64)),
                                (1 << 64) - rng.getrandbits(rng.randint(1, 63))))  # fmt: skip
                _check(h, name, rm, frm, a)
                continue
            a, b, c = gen(rng), gen(rng), gen(rng)
            if name.split(".")[0] in FMA and rng.random() < 0.5:
                # c near -(a*b): cancellation, and sums close to rounding boundaries
                fmt = sf.D if t == "d" else sf.S
                p, _ = sf.mul(sf.unbox(a) if t == "s" else a, sf.unbox(b) if t == "s" else b,
                              fmt, sf.RNE)  # fmt: skip
                p ^= fmt.sign_bit if rng.random() < 0.7 else 0
                p += rng.randint(-3, 3) if not sf.is_nan(p, fmt) else 0
                p &= (1 << fmt.width) - 1
                c = sf.box(p) if t == "s" else p
            _check(h, name, rm, frm, a, b, c)


def test_fast_path_used(h: OneInsn) -> None:
    """Ordinary operands in RNE do not leave the TB."""
    pairs = [(1.5, 2.25), (0.1, 0.3), (1e10, 3.0), (-7.0, 1e-5)]
    for op in ("fadd", "fsub", "fmul", "fdiv"):
        for t, enc in (("d", d), ("s", s)):
            for rm in (0, 7):
                for a, b in pairs:
                    assert not _check(h, f"{op}.{t}", rm, 0, enc(a), enc(b)), (op, t, a, b)
    for t, enc in (("d", d), ("s", s)):
        for op in FMA:
            for a, b, c in [(1.5, 2.25, 0.1), (0.1, 0.3, -7.0), (3.0, 1e-3, 1.0), (0.0, 5.0, 1.0)]:
                assert not _check(h, f"{op}.{t}", 0, 0, enc(a), enc(b), enc(c)), (op, t)
        for op in ("fsqrt", "fcvt.w", "fcvt.l", "fcvt.wu", "fcvt.lu", "fclass"):
            for a in (2.0, 0.5, 1e5, 3.7):
                for rm in (0, 7) if op == "fsqrt" else (0, 1, 2, 3, 4, 7):
                    assert not _check(h, f"{op}.{t}", rm, 0, enc(a)), (op, t, a)
        for op in ("fmin", "fmax", "feq", "flt", "fle"):
            assert not _check(h, f"{op}.{t}", 0, 0, enc(1.0), enc(-0.5))
