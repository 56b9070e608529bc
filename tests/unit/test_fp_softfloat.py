"""The softfloat reference: against Python's floats where they must agree (RNE double
arithmetic, float32 rounding via struct), and hand-checked cases from the RISC-V spec."""

from __future__ import annotations

import math
import random
import struct

from py_backend.translate import softfloat as sf
from py_backend.translate.softfloat import DZ, NV, NX, OF, RDN, RMM, RNE, RTZ, RUP, UF, D, S


def d(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def fd(u: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", u))[0]


def s(x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0]


def _finite_randoms(n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        x = fd(rng.getrandbits(64)) if rng.random() < 0.5 else rng.uniform(-1e6, 1e6)
        if math.isfinite(x):
            out.append(x)
    return out


def test_double_rne_matches_python() -> None:
    xs = _finite_randoms(4000, 1)
    for a, b in zip(xs[::2], xs[1::2], strict=True):
        for op, fn in ((sf.add, a + b), (sf.sub, a - b), (sf.mul, a * b)):
            if math.isfinite(fn):
                r, _ = op(d(a), d(b), D, RNE)
                assert r == d(fn), (op.__name__, a, b)
        if b != 0 and math.isfinite(a / b):
            assert sf.div(d(a), d(b), D, RNE)[0] == d(a / b)
        if a >= 0:
            assert sf.sqrt(d(a), D, RNE)[0] == d(math.sqrt(a))


def test_double_to_single_matches_struct() -> None:
    for x in _finite_randoms(2000, 2):
        try:
            want = s(x)
        except OverflowError:
            continue
        assert sf.convert(d(x), D, S, RNE)[0] == want, x


def test_flags_basic() -> None:
    assert sf.add(d(1.0), d(2.0), D, RNE) == (d(3.0), 0)
    assert sf.add(d(1.0), d(2.0**-60), D, RNE) == (d(1.0), NX)
    assert sf.div(d(1.0), d(0.0), D, RNE) == (d(math.inf), DZ)
    assert sf.div(d(0.0), d(0.0), D, RNE) == (D.qnan, NV)
    assert sf.mul(d(1e308), d(10.0), D, RNE) == (d(math.inf), OF | NX)
    assert sf.mul(d(1e308), d(10.0), D, RTZ) == (d(1.7976931348623157e308), OF | NX)
    assert sf.mul(d(-1e308), d(10.0), D, RUP) == (d(-1.7976931348623157e308), OF | NX)
    assert sf.mul(d(-1e308), d(10.0), D, RDN) == (d(-math.inf), OF | NX)
    # an exact subnormal result raises nothing; an inexact one UF|NX
    assert sf.mul(d(2.2250738585072014e-308), d(0.5), D, RNE) == (1 << 51, 0)
    assert sf.mul(d(5e-324), d(0.5), D, RNE) == (0, UF | NX)
    assert sf.sub(d(math.inf), d(math.inf), D, RNE) == (D.qnan, NV)
    assert sf.sqrt(d(-1.0), D, RNE) == (D.qnan, NV)
    assert sf.sqrt(d(-0.0), D, RNE) == (d(-0.0), 0)


def test_tininess_after_rounding() -> None:
    # (1 - 2**-53) * 2**-1022 rounds to 2**-1022 in RNE, but with an unbounded exponent it is
    # representable (tiny): UF is raised.  (1 - 2**-54) * 2**-1022 is not tiny after rounding.
    mn = 2.0**-1022
    a = d(1.0 - 2.0**-53)
    assert sf.mul(a, d(mn), D, RNE) == (d(mn), UF | NX)
    m, e = (1 << 54) - 1, -1022 - 54
    assert sf.round_pack(0, m, e, D, RNE) == (d(mn), NX)
    assert sf.round_pack(0, m, e, D, RTZ) == ((1 << 52) - 1, UF | NX)


def test_nan_rules() -> None:
    snan, qneg = 0x7FF4000000000000, 0xFFF8000000000001
    assert sf.add(snan, d(1.0), D, RNE) == (D.qnan, NV)
    assert sf.add(qneg, d(1.0), D, RNE) == (D.qnan, 0)
    assert sf.convert(snan, D, S, RNE) == (S.qnan, NV)
    assert sf.convert(0x7FA00000, S, D, RNE) == (D.qnan, NV)
    # fma(inf, 0, qNaN) is invalid
    assert sf.fma(d(math.inf), d(0.0), D.qnan, D, RNE) == (D.qnan, NV)
    assert sf.unbox(d(1.0)) == S.qnan
    assert sf.run_insn("fadd.s", d(1.0), d(1.0)) == (sf.box(S.qnan), 0)


def test_minmax_compare_class() -> None:
    assert sf.minmax(d(0.0), d(-0.0), D, False) == (d(-0.0), 0)
    assert sf.minmax(d(-0.0), d(0.0), D, True) == (d(0.0), 0)
    assert sf.minmax(d(1.0), D.qnan, D, False) == (d(1.0), 0)
    assert sf.minmax(D.qnan, D.qnan, D, True) == (D.qnan, 0)
    assert sf.minmax(0x7FF4000000000000, d(1.0), D, False) == (d(1.0), NV)
    assert sf.compare("eq", D.qnan, d(1.0), D) == (0, 0)
    assert sf.compare("eq", 0x7FF4000000000000, d(1.0), D) == (0, NV)
    assert sf.compare("lt", D.qnan, d(1.0), D) == (0, NV)
    assert sf.compare("le", d(-0.0), d(0.0), D) == (1, 0)
    assert sf.compare("lt", d(-0.0), d(0.0), D) == (0, 0)
    cls = [sf.fclass(d(v), D) for v in (-math.inf, -1.0, -5e-324, -0.0, 0.0, 5e-324, 1.0, math.inf)]
    assert cls == [1 << k for k in range(8)]
    assert sf.fclass(0x7FF4000000000000, D) == 1 << 8
    assert sf.fclass(D.qnan, D) == 1 << 9


def test_to_int() -> None:
    for rm, want in ((RNE, 2), (RTZ, 2), (RDN, 2), (RUP, 3), (RMM, 3)):
        assert sf.to_int(d(2.5), D, rm, 64, True) == (want, NX)
    for rm, want in ((RNE, -2), (RTZ, -2), (RDN, -3), (RUP, -2), (RMM, -3)):
        assert sf.to_int(d(-2.5), D, rm, 64, True) == (want, NX)
    assert sf.to_int(D.qnan, D, RNE, 32, True) == (2**31 - 1, NV)
    assert sf.to_int(d(-math.inf), D, RNE, 32, True) == (-(2**31), NV)
    assert sf.to_int(d(-1.0), D, RTZ, 64, False) == (0, NV)
    assert sf.to_int(d(-0.4), D, RTZ, 64, False) == (0, NX)  # rounds to 0: in range
    assert sf.to_int(d(2.0**63), D, RTZ, 64, True) == (2**63 - 1, NV)
    assert sf.run_insn("fcvt.wu.d", D.qnan) == ((1 << 64) - 1, NV)  # sign-extended 32 bits
    assert sf.run_insn("fcvt.w.d", d(-1.0), rm=RTZ) == ((1 << 64) - 1, 0)


def test_from_int() -> None:
    assert sf.from_int(2**53 + 1, D, RNE) == (d(2.0**53), NX)
    assert sf.from_int(2**53 + 1, D, RUP) == (d(2.0**53 + 2), NX)
    assert sf.from_int(-(2**63), D, RNE) == (d(-(2.0**63)), 0)
    assert sf.from_int(16777217, S, RNE) == (s(16777216.0), NX)
    assert sf.run_insn("fcvt.d.lu", (1 << 64) - 1) == (d(2.0**64), NX)


def test_fma_single_rounding() -> None:
    x = d(1.0 + 2.0**-30)
    assert sf.fma(x, x, d(-1.0), D, RNE) == (d(2.0**-29 + 2.0**-60), 0)
    assert sf.mul(x, x, D, RNE) == (d(1.0 + 2.0**-29), NX)
    assert sf.fma(d(1.0), d(-0.0), d(0.0), D, RNE) == (d(0.0), 0)
    assert sf.fma(d(1.0), d(-0.0), d(0.0), D, RDN) == (d(-0.0), 0)
    assert sf.fma(d(1.0), d(-0.0), d(-0.0), D, RNE) == (d(-0.0), 0)
    assert sf.run_insn("fnmsub.d", d(2.0), d(3.0), d(1.0)) == (d(-5.0), 0)
    assert sf.run_insn("fnmadd.d", d(2.0), d(3.0), d(1.0)) == (d(-7.0), 0)
    assert sf.run_insn("fmsub.d", d(2.0), d(3.0), d(1.0)) == (d(5.0), 0)
