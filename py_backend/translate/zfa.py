"""Zfa (additional floating-point instructions, ratified 1.0) for half (with Zfh), single and
double precision: fli, fminm/fmaxm, fround/froundnx, fcvtmod.w.d, fleq/fltq. (fmvh.x.d and
fmvp.d.x are RV32 only.)

Exact Python semantics over `softfloat`, run by the host: the JIT and tier 0 end the block with
an EMULATE exit for these (they are rare: constant loads, rounding and quiet compares in libm
and compilers' output), and `interp.emulate` runs `run_zfa`."""

from __future__ import annotations

from ..isa.insn import Insn
from . import softfloat as sf
from . import zfh
from .codegen import Ctx, trans
from .hostemu import emulates, fp_emulator

# FLI's constants, by rs1 (the Zfa table, as binary fractions): None = the format's minimum
# positive normal; the last two are +inf and the canonical NaN.
FLI_VALUES: tuple[float | None, ...] = (
    -1.0, None, 2.0**-16, 2.0**-15, 2.0**-8, 2.0**-7, 0.0625, 0.125,
    0.25, 0.3125, 0.375, 0.4375, 0.5, 0.625, 0.75, 0.875,
    1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0,
    8.0, 16.0, 128.0, 256.0, 2.0**15, 2.0**16, float("inf"), float("nan"),
)  # fmt: skip
NAMES = frozenset(
    f"{op}.{t}"
    for op in ("fli", "fminm", "fmaxm", "fround", "froundnx", "fleq", "fltq")
    for t in "hsd"
) | {"fcvtmod.w.d"}
HAS_RM = frozenset(f"{op}.{t}" for op in ("fround", "froundnx") for t in "hsd")
X_DEST = frozenset({f"{op}.{t}" for op in ("fleq", "fltq") for t in "hsd"} | {"fcvtmod.w.d"})
_FMT = {"h": zfh.H, "s": sf.S, "d": sf.D}


def fli(index: int, fmt: sf.Fmt) -> int:
    v = FLI_VALUES[index]
    if v is None:
        return 1 << fmt.frac_bits  # the smallest normal: biased exponent 1
    if v != v:
        return fmt.qnan
    if v == float("inf"):
        return fmt.inf
    n, d = v.as_integer_ratio()  # d is a power of two
    bits, _ = sf.round_pack(int(n < 0), abs(n), -(d.bit_length() - 1), fmt, sf.RNE)
    return bits  # exact, but for 2**16 in binary16 (infinity)


def round_to_integral(x: int, fmt: sf.Fmt, rm: int, exact: bool) -> tuple[int, int]:
    """fround (exact=False: never NX) / froundnx (NX when the value changes)."""
    if sf.is_nan(x, fmt):
        return fmt.qnan, sf.NV if sf.is_snan(x, fmt) else 0
    if sf.is_inf(x, fmt) or sf.is_zero(x, fmt):
        return x, 0
    s, m, e = sf.finite_value(x, fmt)
    if e >= 0:
        return x, 0  # already an integer
    r, inexact = sf._round_at(rm, s, m, e, False, 0)
    bits, _ = sf.round_pack(s, r, 0, fmt, rm)  # exact: r has at most prec bits (or is 2**k)
    return bits, sf.NX if inexact and exact else 0


def minmax_m(a: int, b: int, fmt: sf.Fmt, is_max: bool) -> tuple[int, int]:
    """fminm/fmaxm: as fmin/fmax, but a NaN operand gives the canonical NaN."""
    if sf.is_nan(a, fmt) or sf.is_nan(b, fmt):
        return fmt.qnan, sf.NV if sf.is_snan(a, fmt) or sf.is_snan(b, fmt) else 0
    return sf.minmax(a, b, fmt, is_max)


def compare_quiet(op: str, a: int, b: int, fmt: sf.Fmt) -> tuple[int, int]:
    """fleq/fltq: fle/flt that raise NV only for a signaling NaN."""
    if sf.is_nan(a, fmt) or sf.is_nan(b, fmt):
        return 0, sf.NV if sf.is_snan(a, fmt) or sf.is_snan(b, fmt) else 0
    return sf.compare(op, a, b, fmt)


def fcvtmod_w_d(x: int) -> tuple[int, int]:
    """Round toward zero, keep the integer modulo 2**32, sign-extend; NV (and 0) for NaN and
    infinities, NV when the integer is outside int32, else NX when inexact."""
    fmt = sf.D
    if sf.is_nan(x, fmt) or sf.is_inf(x, fmt):
        return 0, sf.NV
    s, m, e = sf.finite_value(x, fmt)
    if e >= 0:
        v, inexact = m << e, False
    else:
        v, inexact = sf._round_at(sf.RTZ, s, m, e, False, 0)
    v = -v if s else v
    flags = sf.NV if not -(2**31) <= v < 2**31 else sf.NX if inexact else 0
    return sf._sext32(v), flags


def run_zfa(name: str, r1: int, r2: int = 0, rm: int = sf.RNE) -> tuple[int, int]:
    """One Zfa instruction on raw 64-bit register values (rs1 of fli is the table index).
    Returns (raw destination value, fflags to accrue)."""
    op, t = name.rsplit(".", 1)
    if name == "fcvtmod.w.d":
        return fcvtmod_w_d(r1)
    fmt = _FMT[t]

    def out(bits: int) -> int:
        return zfh.box(bits) if fmt is zfh.H else sf.box(bits) if fmt is sf.S else bits

    if op == "fli":
        return out(fli(r1, fmt)), 0
    unbox = zfh.unbox if fmt is zfh.H else sf.unbox if fmt is sf.S else (lambda x: x)
    a, b = unbox(r1), unbox(r2)
    if op in ("fminm", "fmaxm"):
        res, fl = minmax_m(a, b, fmt, op == "fmaxm")
        return out(res), fl
    if op in ("fround", "froundnx"):
        res, fl = round_to_integral(a, fmt, rm, op == "froundnx")
        return out(res), fl
    if op in ("fleq", "fltq"):
        return compare_quiet(op[1:3], a, b, fmt)
    raise KeyError(name)


emulates(*sorted(NAMES))(
    fp_emulator(
        lambda name, r1, r2, _r3, rm: run_zfa(name, r1, r2, rm),
        HAS_RM,
        x_dest=X_DEST,
        raw_rs1=frozenset(n for n in NAMES if n.startswith("fli.")),
    )
)


@trans(*sorted(NAMES))
def _translate(c: Ctx, i: Insn) -> None:
    c.emulate()  # the host runs `_emulate`; the block ends here
