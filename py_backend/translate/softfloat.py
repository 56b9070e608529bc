"""Exact IEEE 754 binary32/binary64 arithmetic, as the RISC-V F and D extensions define it.

Pure Python on integers: an operand is decoded to sign, integer significand and exponent, the
operation is done exactly (or, for division and square root, with enough quotient bits plus a
sticky bit), and `round_pack` rounds to the destination format in any rounding mode, producing
the result bits and the accrued exception flags.  Tininess is detected after rounding, as RISC-V
requires.  This module is both the test oracle for the Wasm fast paths and the slow path the
host runs for an EMULATE exit.

Every function returns ``(result, flags)``; results are raw bit patterns (unsigned ints) for
floating-point destinations and unsigned 64-bit register values for integer destinations.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import isqrt

# fflags bits
NV, DZ, OF, UF, NX = 16, 8, 4, 2, 1
# rounding modes
RNE, RTZ, RDN, RUP, RMM = 0, 1, 2, 3, 4
MASK64 = (1 << 64) - 1


@dataclass(frozen=True, slots=True)
class Fmt:
    name: str
    exp_bits: int
    frac_bits: int

    @property
    def width(self) -> int:
        return 1 + self.exp_bits + self.frac_bits

    @property
    def prec(self) -> int:
        return self.frac_bits + 1

    @property
    def bias(self) -> int:
        return (1 << (self.exp_bits - 1)) - 1

    @property
    def emin(self) -> int:
        return 1 - self.bias

    @property
    def exp_max(self) -> int:  # all-ones biased exponent
        return (1 << self.exp_bits) - 1

    @property
    def sign_bit(self) -> int:
        return 1 << (self.width - 1)

    @property
    def inf(self) -> int:
        return self.exp_max << self.frac_bits

    @property
    def qnan(self) -> int:  # the canonical NaN
        return self.inf | 1 << (self.frac_bits - 1)

    @property
    def max_finite(self) -> int:
        return self.inf - 1


S = Fmt("s", 8, 23)
D = Fmt("d", 11, 52)


# --- classification --------------------------------------------------------------------------
def fields(x: int, fmt: Fmt) -> tuple[int, int, int]:
    return (
        x >> (fmt.width - 1) & 1,
        x >> fmt.frac_bits & fmt.exp_max,
        x & ((1 << fmt.frac_bits) - 1),
    )


def is_nan(x: int, fmt: Fmt) -> bool:
    _, e, m = fields(x, fmt)
    return e == fmt.exp_max and m != 0


def is_snan(x: int, fmt: Fmt) -> bool:
    return is_nan(x, fmt) and not x >> (fmt.frac_bits - 1) & 1


def is_inf(x: int, fmt: Fmt) -> bool:
    _, e, m = fields(x, fmt)
    return e == fmt.exp_max and m == 0


def is_zero(x: int, fmt: Fmt) -> bool:
    return x & (fmt.sign_bit - 1) == 0


def finite_value(x: int, fmt: Fmt) -> tuple[int, int, int]:
    """(sign, significand, exponent) of a finite x: |x| = significand * 2**exponent."""
    s, e, m = fields(x, fmt)
    if e == 0:
        return s, m, fmt.emin - fmt.frac_bits
    return s, m | 1 << fmt.frac_bits, e - fmt.bias - fmt.frac_bits


def unbox(x: int) -> int:
    """A single read from a 64-bit f register: not NaN-boxed -> the canonical NaN."""
    if x >> 32 == 0xFFFFFFFF:
        return x & 0xFFFFFFFF
    return S.qnan


def box(x: int) -> int:
    return x | 0xFFFFFFFF00000000


def fclass(x: int, fmt: Fmt) -> int:
    s, e, m = fields(x, fmt)
    if e == fmt.exp_max:
        if m == 0:
            k = 0 if s else 7
        else:
            k = 9 if m >> (fmt.frac_bits - 1) else 8
    elif e == 0:
        k = (3 if s else 4) if m == 0 else (2 if s else 5)
    else:
        k = 1 if s else 6
    return 1 << k


# --- rounding ----------------------------------------------------------------------------------
def _round_up(rm: int, sign: int, odd: bool, rem: int, half: int, sticky: bool) -> bool:
    """Whether to add one unit to the truncated magnitude.  The discarded part is `rem` out of
    `2*half`, plus something nonzero below it when `sticky`."""
    if rem == 0 and not sticky:
        return False
    if rm == RNE:
        return rem > half or (rem == half and (sticky or odd))
    if rm == RMM:
        return rem >= half
    if rm == RDN:
        return bool(sign)
    if rm == RUP:
        return not sign
    return False  # RTZ


def _round_at(rm: int, sign: int, m: int, e: int, sticky: bool, q: int) -> tuple[int, bool]:
    """Round sign * (m + sticky) * 2**e to a multiple of 2**q; returns (units of 2**q, inexact)."""
    shift = q - e
    if shift <= 0:
        return m << -shift, sticky  # sticky with shift <= 0 never happens (see callers)
    r = m >> shift
    rem = m & ((1 << shift) - 1)
    half = 1 << (shift - 1)
    inexact = rem != 0 or sticky
    if _round_up(rm, sign, bool(r & 1), rem, half, sticky):
        r += 1
    return r, inexact


def round_pack(
    sign: int, m: int, e: int, fmt: Fmt, rm: int, sticky: bool = False
) -> tuple[int, int]:
    """Round the exact value (-1)**sign * (m + eps) * 2**e, 0 <= eps < 1 nonzero iff `sticky`,
    to `fmt` in rounding mode `rm`.  m == 0 and not sticky gives a zero of that sign."""
    sbit = fmt.sign_bit if sign else 0
    if m == 0 and not sticky:
        return sbit, 0
    if sticky and m.bit_length() < fmt.prec + 3:
        k = fmt.prec + 3 - m.bit_length()
        m <<= k
        e -= k
    p = fmt.prec
    big_e = e + m.bit_length() - 1  # |value| in [2**big_e, 2**(big_e+1))
    q_min = fmt.emin - p + 1
    # Tininess after rounding: round with an unbounded exponent range and compare with 2**emin.
    tiny = False
    if big_e < fmt.emin:
        qu = big_e - p + 1
        ru, _ = _round_at(rm, sign, m, e, sticky, qu)
        tiny = ru < 1 << (fmt.emin - qu)
    q = max(big_e - p + 1, q_min)
    r, inexact = _round_at(rm, sign, m, e, sticky, q)
    if r >> p:  # carried into a new binade
        r >>= 1
        q += 1
    flags = NX if inexact else 0
    if tiny and inexact:
        flags |= UF
    if r < 1 << (p - 1):  # subnormal or zero
        return sbit | r, flags
    biased = q + p - 1 + fmt.bias
    if biased >= fmt.exp_max:
        flags |= OF | NX
        to_inf = rm in (RNE, RMM) or (rm == RUP and not sign) or (rm == RDN and sign)
        return sbit | (fmt.inf if to_inf else fmt.max_finite), flags
    return sbit | biased << fmt.frac_bits | (r - (1 << (p - 1))), flags


# --- arithmetic --------------------------------------------------------------------------------
def _nan_result(fmt: Fmt, *xs: int, invalid: bool = False) -> tuple[int, int] | None:
    """The canonical NaN (NV for a signaling input) when any input is a NaN."""
    if any(is_nan(x, fmt) for x in xs):
        nv = invalid or any(is_snan(x, fmt) for x in xs)
        return fmt.qnan, NV if nv else 0
    return None


def _exact_sum(
    sa: int, ma: int, ea: int, sb: int, mb: int, eb: int, fmt: Fmt, rm: int
) -> tuple[int, int]:
    e = min(ea, eb)
    total = (-ma if sa else ma) << (ea - e)
    total += (-mb if sb else mb) << (eb - e)
    if total == 0:
        sign = sa if ma == 0 and mb == 0 and sa == sb else int(rm == RDN)
        return (fmt.sign_bit if sign else 0), 0
    return round_pack(int(total < 0), abs(total), e, fmt, rm)


def add(a: int, b: int, fmt: Fmt, rm: int) -> tuple[int, int]:
    nan = _nan_result(fmt, a, b)
    if nan:
        return nan
    if is_inf(a, fmt) and is_inf(b, fmt) and a != b:
        return fmt.qnan, NV
    if is_inf(a, fmt):
        return a, 0
    if is_inf(b, fmt):
        return b, 0
    return _exact_sum(*finite_value(a, fmt), *finite_value(b, fmt), fmt, rm)


def sub(a: int, b: int, fmt: Fmt, rm: int) -> tuple[int, int]:
    return add(a, b ^ fmt.sign_bit, fmt, rm)


def mul(a: int, b: int, fmt: Fmt, rm: int) -> tuple[int, int]:
    nan = _nan_result(fmt, a, b)
    if nan:
        return nan
    sign = (a ^ b) & fmt.sign_bit
    if is_inf(a, fmt) or is_inf(b, fmt):
        if is_zero(a, fmt) or is_zero(b, fmt):
            return fmt.qnan, NV
        return sign | fmt.inf, 0
    sa, ma, ea = finite_value(a, fmt)
    sb, mb, eb = finite_value(b, fmt)
    return round_pack(sa ^ sb, ma * mb, ea + eb, fmt, rm)


def div(a: int, b: int, fmt: Fmt, rm: int) -> tuple[int, int]:
    nan = _nan_result(fmt, a, b)
    if nan:
        return nan
    sign = (a ^ b) & fmt.sign_bit
    if is_inf(a, fmt):
        return (fmt.qnan, NV) if is_inf(b, fmt) else (sign | fmt.inf, 0)
    if is_inf(b, fmt):
        return sign, 0
    if is_zero(b, fmt):
        return (fmt.qnan, NV) if is_zero(a, fmt) else (sign | fmt.inf, DZ)
    if is_zero(a, fmt):
        return sign, 0
    sa, ma, ea = finite_value(a, fmt)
    sb, mb, eb = finite_value(b, fmt)
    k = max(0, fmt.prec + 3 + mb.bit_length() - ma.bit_length())
    q, r = divmod(ma << k, mb)
    return round_pack(sa ^ sb, q, ea - eb - k, fmt, rm, sticky=r != 0)


def sqrt(a: int, fmt: Fmt, rm: int) -> tuple[int, int]:
    nan = _nan_result(fmt, a)
    if nan:
        return nan
    if is_zero(a, fmt):
        return a, 0
    if a & fmt.sign_bit:
        return fmt.qnan, NV
    if is_inf(a, fmt):
        return a, 0
    _, m, e = finite_value(a, fmt)
    if e & 1:
        m <<= 1
        e -= 1
    k = max(0, 2 * (fmt.prec + 3) - m.bit_length())
    k += k & 1
    m <<= k
    e -= k
    s = isqrt(m)
    return round_pack(0, s, e // 2, fmt, rm, sticky=s * s != m)


def fma(a: int, b: int, c: int, fmt: Fmt, rm: int) -> tuple[int, int]:
    """a * b + c with a single rounding."""
    inf_times_zero = (is_inf(a, fmt) and is_zero(b, fmt)) or (is_zero(a, fmt) and is_inf(b, fmt))
    nan = _nan_result(fmt, a, b, c, invalid=inf_times_zero)
    if nan:
        return nan
    if inf_times_zero:
        return fmt.qnan, NV
    psign = (a ^ b) & fmt.sign_bit
    if is_inf(a, fmt) or is_inf(b, fmt):
        if is_inf(c, fmt) and (c & fmt.sign_bit) != psign:
            return fmt.qnan, NV
        return psign | fmt.inf, 0
    if is_inf(c, fmt):
        return c, 0
    sa, ma, ea = finite_value(a, fmt)
    sb, mb, eb = finite_value(b, fmt)
    sc, mc, ec = finite_value(c, fmt)
    return _exact_sum(sa ^ sb, ma * mb, ea + eb, sc, mc, ec, fmt, rm)


# --- min/max, comparisons ----------------------------------------------------------------------
def _order_key(x: int, fmt: Fmt, signed_zero: bool) -> int:
    mag = x & (fmt.sign_bit - 1)
    if signed_zero:
        return -(mag << 1) - 1 if x & fmt.sign_bit else mag << 1 | 1
    return -mag if x & fmt.sign_bit else mag


def minmax(a: int, b: int, fmt: Fmt, is_max: bool) -> tuple[int, int]:
    flags = NV if is_snan(a, fmt) or is_snan(b, fmt) else 0
    an, bn = is_nan(a, fmt), is_nan(b, fmt)
    if an and bn:
        return fmt.qnan, flags
    if an:
        return b, flags
    if bn:
        return a, flags
    ka, kb = _order_key(a, fmt, True), _order_key(b, fmt, True)
    return (a if (ka > kb) == is_max else b), flags


def compare(op: str, a: int, b: int, fmt: Fmt) -> tuple[int, int]:
    """op is "eq" (quiet), "lt" or "le" (signaling)."""
    if is_nan(a, fmt) or is_nan(b, fmt):
        signaling = op != "eq" or is_snan(a, fmt) or is_snan(b, fmt)
        return 0, NV if signaling else 0
    ka, kb = _order_key(a, fmt, False), _order_key(b, fmt, False)
    return int(ka == kb if op == "eq" else ka < kb if op == "lt" else ka <= kb), 0


# --- conversions -------------------------------------------------------------------------------
def to_int(x: int, fmt: Fmt, rm: int, width: int, signed: bool) -> tuple[int, int]:
    """fcvt.{w,wu,l,lu}.{s,d}: returns the integer (as a Python int in the target range)."""
    lo, hi = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if signed else (0, (1 << width) - 1)
    if is_nan(x, fmt):
        return hi, NV
    if is_inf(x, fmt):
        return (lo if x & fmt.sign_bit else hi), NV
    s, m, e = finite_value(x, fmt)
    if e >= 0:
        r, inexact = m << e, False
    else:
        r, inexact = _round_at(rm, s, m, e, False, 0)
    v = -r if s else r
    if v < lo:
        return lo, NV
    if v > hi:
        return hi, NV
    return v, NX if inexact else 0


def from_int(v: int, fmt: Fmt, rm: int) -> tuple[int, int]:
    return round_pack(int(v < 0), abs(v), 0, fmt, rm)


def convert(x: int, src: Fmt, dst: Fmt, rm: int) -> tuple[int, int]:
    """fcvt.s.d / fcvt.d.s."""
    if is_nan(x, src):
        return dst.qnan, NV if is_snan(x, src) else 0
    sign = dst.sign_bit if x & src.sign_bit else 0
    if is_inf(x, src):
        return sign | dst.inf, 0
    s, m, e = finite_value(x, src)
    return round_pack(s, m, e, dst, rm)


# --- one instruction on raw register values ----------------------------------------------------
def _sext32(v: int) -> int:
    v &= 0xFFFFFFFF
    return (v - (1 << 32) if v >> 31 else v) & MASK64


_INT_SRC = {"w": (32, True), "wu": (32, False), "l": (64, True), "lu": (64, False)}


def run_insn(name: str, r1: int, r2: int = 0, r3: int = 0, rm: int = RNE) -> tuple[int, int]:
    """Execute one F/D instruction `name` on raw 64-bit source register values (f registers
    raw, NaN-boxed singles; x registers as unsigned) with a resolved rounding mode.  Returns
    (raw 64-bit destination value, fflags to accrue)."""
    op, _, suffix = name.partition(".")
    parts = suffix.split(".")
    if op == "fcvt":
        dst, src = parts
        if dst in _INT_SRC:  # float -> int
            fmt = S if src == "s" else D
            x = unbox(r1) if fmt is S else r1
            width, signed = _INT_SRC[dst]
            v, fl = to_int(x, fmt, rm, width, signed)
            return (_sext32(v) if width == 32 else v & MASK64), fl
        fmt = S if dst == "s" else D
        if src in _INT_SRC:  # int -> float
            width, signed = _INT_SRC[src]
            v = r1 & ((1 << width) - 1)
            if signed and v >> (width - 1):
                v -= 1 << width
            res, fl = from_int(v, fmt, rm)
        elif src == "d":
            res, fl = convert(r1, D, S, rm)
        else:
            res, fl = convert(unbox(r1), S, D, rm)
        return (box(res) if fmt is S else res), fl
    fmt = S if parts[-1] == "s" else D
    a, b, c = (unbox(r1), unbox(r2), unbox(r3)) if fmt is S else (r1, r2, r3)
    if op in ("feq", "flt", "fle"):
        return compare(op[1:], a, b, fmt)
    if op == "fclass":
        return fclass(a, fmt), 0
    if op == "fadd":
        res, fl = add(a, b, fmt, rm)
    elif op == "fsub":
        res, fl = sub(a, b, fmt, rm)
    elif op == "fmul":
        res, fl = mul(a, b, fmt, rm)
    elif op == "fdiv":
        res, fl = div(a, b, fmt, rm)
    elif op == "fsqrt":
        res, fl = sqrt(a, fmt, rm)
    elif op in ("fmin", "fmax"):
        res, fl = minmax(a, b, fmt, op == "fmax")
    elif op in ("fmadd", "fmsub", "fnmsub", "fnmadd"):
        neg_p = op.startswith("fn")
        neg_c = op in ("fmsub", "fnmadd")
        res, fl = fma(
            a ^ (fmt.sign_bit if neg_p else 0), b, c ^ (fmt.sign_bit if neg_c else 0), fmt, rm
        )
    else:
        raise KeyError(name)
    return (box(res) if fmt is S else res), fl


# Instructions whose encoding has an rm field (7 = dynamic, then frm; 5, 6 reserved).
HAS_RM = (
    frozenset(
        f"{op}.{t}"
        for op in ("fadd", "fsub", "fmul", "fdiv", "fsqrt", "fmadd", "fmsub", "fnmsub", "fnmadd")
        for t in "sd"
    )
    | frozenset(
        f"fcvt.{a}.{b}"
        for a, b in [(i, f) for i in _INT_SRC for f in "sd"]
        + [(f, i) for i in _INT_SRC for f in "sd"]
    )
    | {"fcvt.s.d", "fcvt.d.s"}
)
# Every name run_insn handles (fsgnj and fmv are plain bit moves, done in Wasm only).
NAMES = HAS_RM | frozenset(
    f"{op}.{t}" for op in ("fmin", "fmax", "feq", "flt", "fle", "fclass") for t in "sd"
)
# Destination is an x register.
X_DEST = frozenset(
    n
    for n in NAMES
    if n.split(".")[0] in ("feq", "flt", "fle", "fclass")
    or (n.startswith("fcvt.") and n.split(".")[1] in _INT_SRC)
)
X_SRC = frozenset(n for n in NAMES if n.startswith("fcvt.") and n.split(".")[2] in _INT_SRC)
