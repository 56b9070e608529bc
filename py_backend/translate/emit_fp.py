"""Semantics of the F and D extensions over the `Ctx` emitter API.

Registers hold raw 64-bit patterns; single-precision values are NaN-boxed."""

from __future__ import annotations

from collections.abc import Callable

from ..abi import ExitReason
from ..isa.insn import Insn
from ..isa.table import ATTRS
from ..wasm.builder import FunctionBuilder as FB
from . import softfloat
from .codegen import (
    CANONICAL_NAN64,
    F32,
    F64,
    I32,
    I64,
    SEMANTICS,
    Ctx,
    trans,
)

Op = Callable[[FB], None]


@trans("fmv.x.w")
def _fmv_x_w(c: Ctx, i: Insn) -> None:
    # "FMV.X.W moves the single-precision value in floating-point register rs1 ... to the lower
    # 32 bits of integer register rd ... the higher 32 bits ... are filled with copies of the
    # floating-point number's sign bit" -- the raw low bits, no unboxing.
    c.get_f(i.rs1)
    c.f.i32_wrap_i64()
    c.set_x_i32s(i.rd)


@trans("fmv.w.x")
def _fmv_w_x(c: Ctx, i: Insn) -> None:
    c.get_x(i.rs1)
    c.f.i32_wrap_i64()
    c.set_f32_bits(i.rd)


@trans("fmv.x.d")
def _fmv_x_d(c: Ctx, i: Insn) -> None:
    c.get_f(i.rs1)
    c.set_x(i.rd)


@trans("fmv.d.x")
def _fmv_d_x(c: Ctx, i: Insn) -> None:
    c.get_x(i.rs1)
    c.set_f(i.rd)


@trans("fsgnj.s", "fsgnjn.s", "fsgnjx.s", "fsgnj.d", "fsgnjn.d", "fsgnjx.d")
def _fsgnj(c: Ctx, i: Insn) -> None:
    """Magnitude of rs1 with the sign of rs2 (fsgnj), its inverse (fsgnjn) or the XOR of both
    signs (fsgnjx).  Singles go through NaN-unboxing and come out boxed."""
    f = c.f
    at = ATTRS[i.name]
    double = at.fwidth == 8
    get = c.get_f if double else c.get_f32_bits
    and_, xor, or_ = (
        (FB.i64_and, FB.i64_xor, FB.i64_or) if double else (FB.i32_and, FB.i32_xor, FB.i32_or)
    )
    const = f.i64_const if double else f.i32_const
    sign = 1 << (63 if double else 31)
    get(i.rs1)
    const(sign - 1)
    and_(f)
    get(i.rs2)
    if at.op == "sgnjn":
        const(-1)
        xor(f)
    elif at.op == "sgnjx":
        get(i.rs1)
        xor(f)
    const(sign)
    and_(f)
    or_(f)
    if double:
        c.set_f(i.rd)
    else:
        c.set_f32_bits(i.rd)


# --- fast paths ------------------------------------------------------------------------------
# Native Wasm arithmetic gives the RNE result; exception flags are computed exactly alongside
# (error-free transformations, odd-significand divisibility tests) while operands and result
# are in the range where those are exact.  Anything else leaves with an EMULATE exit and the
# host computes it with softfloat (hostemu.py).

NV, DZ, OF, UF, NX = softfloat.NV, softfloat.DZ, softfloat.OF, softfloat.UF, softfloat.NX
INF = float("inf")
MIN64 = 2.0**-1022
MIN32 = 2.0**-126
MAX32 = 3.4028234663852886e38
FRAC64, EXP64, HIDDEN64 = (1 << 52) - 1, 0x7FF << 52, 1 << 52
FRAC32, EXP32, HIDDEN32 = (1 << 23) - 1, 0xFF << 23, 1 << 23
ABS64 = (1 << 63) - 1
SPLIT_MASK = ~((1 << 27) - 1)  # Veltkamp-like split done on the bits: hi keeps 26 bits


def _slow(c: Ctx) -> None:
    """Run-time exit to the host for this one instruction (does not end the TB)."""
    c.exit_slow(ExitReason.EMULATE, c.pc)


def _rne_only(c: Ctx, i: Insn) -> bool:
    """Guard for a fast path valid in RNE only.  Dynamic rm: any frm but 0 goes to the host
    (which also raises illegal instruction for frm 5..7).  False: static rm other than RNE,
    the caller emulates the whole instruction."""
    if i.rm == softfloat.RNE:
        return True
    if i.rm != 7:
        return False
    c.push_frm()
    c.f.if_()
    _slow(c)
    c.f.end()
    return True


def _check_dyn_rm(c: Ctx, i: Insn) -> None:
    """For results computed exactly in any mode: only an invalid dynamic frm matters."""
    if i.rm == 7:
        c.push_frm()
        c.f.i32_const(4)
        c.f.i32_gt_u()
        c.f.if_()
        _slow(c)
        c.f.end()


def _need_rne(c: Ctx, i: Insn) -> None:
    """Inside an inexact branch: continue only when the rounding mode is RNE."""
    if i.rm == 7:
        c.push_frm()
        c.f.if_()
        _slow(c)
        c.f.end()
    elif i.rm != softfloat.RNE:
        _slow(c)


def _accrue_if(c: Ctx, flag: int) -> None:
    """Pop an i32 condition; when true, OR `flag` into fflags."""
    c.f.if_()
    c.f.i32_const(flag)
    c.or_fflags()
    c.f.end()


def _load_d(c: Ctx, r: int, neg: bool = False) -> int:
    loc = c.tmp(F64)
    c.get_f64(r)
    if neg:
        c.f.f64_neg()
    c.f.local_set(loc)
    return loc


def _load_s(c: Ctx, r: int, neg: bool = False) -> tuple[int, int]:
    """(i32 bits local, f64 local holding the single promoted exactly)."""
    bits, wide = c.tmp(I32), c.tmp(F64)
    c.get_f32_bits(r)
    if neg:
        c.f.i32_const(-0x80000000)
        c.f.i32_xor()
    c.f.local_tee(bits)
    c.f.f32_reinterpret_i32()
    c.f.f64_promote_f32()
    c.f.local_set(wide)
    return bits, wide


def _two_sum_err(c: Ctx, a: int, b: int, s: int) -> None:
    """Push the exact error of s = RN(a + b) (Knuth's TwoSum; exact unless it overflows)."""
    f = c.f
    bb = c.tmp(F64)
    f.local_get(s)
    f.local_get(a)
    f.f64_sub()
    f.local_set(bb)
    f.local_get(a)
    f.local_get(s)
    f.local_get(bb)
    f.f64_sub()
    f.f64_sub()
    f.local_get(b)
    f.local_get(bb)
    f.f64_sub()
    f.f64_add()


def _odd_sig64(c: Ctx, x: int) -> tuple[int, int]:
    """Significand of the f64 in local x (nonzero, finite) with trailing zeros removed, and its
    bit width, as i64 locals."""
    f = c.f
    m, w = c.tmp(I64), c.tmp(I64)
    bits = c.tmp(I64)
    f.local_get(x)
    f.i64_reinterpret_f64()
    f.local_tee(bits)
    f.i64_const(FRAC64)
    f.i64_and()
    f.i64_const(HIDDEN64)
    f.i64_const(0)
    f.local_get(bits)
    f.i64_const(EXP64)
    f.i64_and()
    f.i64_const(0)
    f.i64_ne()
    f.select()
    f.i64_or()
    f.local_tee(m)
    f.local_get(m)
    f.i64_ctz()
    f.i64_shr_u()
    f.local_tee(m)
    f.i64_clz()
    f.local_set(w)
    f.i64_const(64)
    f.local_get(w)
    f.i64_sub()
    f.local_set(w)
    return m, w


def _odd_sig32(c: Ctx, bits: int) -> int:
    """As _odd_sig64 for the single in i32 local `bits`; returns an i32 local."""
    f = c.f
    m = c.tmp(I32)
    f.local_get(bits)
    f.i32_const(FRAC32)
    f.i32_and()
    f.i32_const(HIDDEN32)
    f.i32_const(0)
    f.local_get(bits)
    f.i32_const(EXP32)
    f.i32_and()
    f.select()
    f.i32_or()
    f.local_tee(m)
    f.local_get(m)
    f.i32_ctz()
    f.i32_shr_u()
    f.local_set(m)
    return m


def _in_range64(c: Ctx, x: int, lo: float, hi: float) -> None:
    """Push lo < |x| < hi (false for NaN)."""
    f = c.f
    f.local_get(x)
    f.f64_abs()
    f.f64_const(lo)
    f.f64_gt()
    f.local_get(x)
    f.f64_abs()
    f.f64_const(hi)
    f.f64_lt()
    f.i32_and()


def _normal32(c: Ctx, r: int) -> None:
    """Push MIN32 < |r| <= MAX32 for the f32 local r."""
    f = c.f
    f.local_get(r)
    f.f32_abs()
    f.f32_const(MIN32)
    f.f32_gt()
    f.local_get(r)
    f.f32_abs()
    f.f32_const(INF)
    f.f32_lt()
    f.i32_and()


Slow = Callable[[], None]  # emits the way out to the host (`_slow` for the scalar ones)


def _zero_or_slow(c: Ctx, emit_cond: Callable[[], None], slow: Slow) -> None:
    """Inside an `if (result i32)` else-arm: leave unless the condition holds; push NX = 0."""
    emit_cond()
    c.f.i32_eqz()
    c.f.if_()
    slow()
    c.f.end()
    c.f.i32_const(0)


def _is_zero64(c: Ctx, x: int) -> None:
    c.f.local_get(x)
    c.f.f64_const(0.0)
    c.f.f64_eq()


def _is_finite64(c: Ctx, x: int) -> None:
    c.f.local_get(x)
    c.f.f64_abs()
    c.f.f64_const(INF)
    c.f.f64_lt()


# --- add, sub --------------------------------------------------------------------------------
@trans("fadd.d", "fsub.d")
def _fadd_d(c: Ctx, i: Insn) -> None:
    if not _rne_only(c, i):
        c.emulate()
        return
    a = _load_d(c, i.rs1)
    b = _load_d(c, i.rs2, neg=ATTRS[i.name].op == "sub")
    r = add_d(c, a, b, lambda: _slow(c))
    c.f.local_get(r)
    c.set_f64(i.rd)


def add_d(c: Ctx, a: int, b: int, slow: Slow) -> int:
    """The f64 local RNE(a + b) (f64 locals), NX accrued; `slow()` where that is not exact."""
    f = c.f
    r = c.tmp(F64)
    f.local_get(a)
    f.local_get(b)
    f.f64_add()
    f.local_tee(r)
    # A sum of floats never underflows inexactly; far from overflow TwoSum is exact.
    f.f64_abs()
    f.f64_const(2.0**1022)
    f.f64_lt()
    f.i32_eqz()
    f.if_()
    slow()
    f.end()
    _two_sum_err(c, a, b, r)
    f.f64_const(0.0)
    f.f64_ne()
    _accrue_if(c, NX)
    return r


@trans("fadd.s", "fsub.s")
def _fadd_s(c: Ctx, i: Insn) -> None:
    if not _rne_only(c, i):
        c.emulate()
        return
    _, a = _load_s(c, i.rs1)
    _, b = _load_s(c, i.rs2, neg=ATTRS[i.name].op == "sub")
    r = add_s(c, a, b, lambda: _slow(c))
    c.f.local_get(r)
    c.set_f32(i.rd)


def add_s(c: Ctx, a: int, b: int, slow: Slow) -> int:
    """The f32 local RNE(a + b) (singles in f64 locals), NX accrued (`add_d`)."""
    f = c.f
    d, r = c.tmp(F64), c.tmp(F32)
    f.local_get(a)
    f.local_get(b)
    f.f64_add()
    f.local_tee(d)
    f.f32_demote_f64()  # double rounding is innocuous: 53 >= 2 * 24 + 2
    f.local_tee(r)
    f.f32_abs()
    f.f32_const(INF)
    f.f32_lt()
    f.i32_eqz()
    f.if_()
    slow()
    f.end()
    _two_sum_err(c, a, b, d)
    f.f64_const(0.0)
    f.f64_ne()
    f.local_get(r)
    f.f64_promote_f32()
    f.local_get(d)
    f.f64_ne()
    f.i32_or()
    _accrue_if(c, NX)
    return r


# --- mul, div, sqrt --------------------------------------------------------------------------
def _exact_zero_or_slow(c: Ctx, mul: bool, a: int, b: int, r: int, slow: Slow) -> None:
    """fmul/fdiv's else-arm (_zero_or_slow): the exact zeros are a zero factor whose product r
    (f64) is not NaN, and 0 / a finite nonzero; anything else takes the slow path."""
    f = c.f

    def cond() -> None:
        _is_zero64(c, a)
        if mul:
            _is_zero64(c, b)
            f.i32_or()
            _is_zero64(c, r)
            f.i32_and()
        else:
            _is_finite64(c, b)
            f.i32_and()
            _is_zero64(c, b)
            f.i32_eqz()
            f.i32_and()

    _zero_or_slow(c, cond, slow)


@trans("fmul.d", "fdiv.d")
def _fmuldiv_d(c: Ctx, i: Insn) -> None:
    if not _rne_only(c, i):
        c.emulate()
        return
    a = _load_d(c, i.rs1)
    b = _load_d(c, i.rs2)
    r = muldiv_d(c, ATTRS[i.name].op == "mul", a, b, lambda: _slow(c))
    c.f.local_get(r)
    c.set_f64(i.rd)


def muldiv_d(c: Ctx, mul: bool, a: int, b: int, slow: Slow) -> int:
    """The f64 local RNE(a * b) or RNE(a / b), NX accrued (`add_d`)."""
    f = c.f
    r = c.tmp(F64)
    f.local_get(a)
    f.local_get(b)
    if mul:
        f.f64_mul()
    else:
        f.f64_div()
    f.local_set(r)
    _in_range64(c, r, MIN64, INF)
    f.if_(I32)
    # Normal result: exact iff the odd parts of the significands multiply into 53 bits
    # (mul) or divide evenly (div).
    oa, wa = _odd_sig64(c, a)
    ob, wb = _odd_sig64(c, b)
    if mul:
        f.local_get(wa)
        f.local_get(wb)
        f.i64_add()
        f.i64_const(64)
        f.i64_gt_u()
        f.local_get(oa)
        f.local_get(ob)
        f.i64_mul()
        f.i64_const((1 << 53) - 1)
        f.i64_gt_u()
        f.i32_or()
    else:
        f.local_get(oa)
        f.local_get(ob)
        f.i64_rem_u()
        f.i64_const(0)
        f.i64_ne()
    f.else_()
    _exact_zero_or_slow(c, mul, a, b, r, slow)
    f.end()
    _accrue_if(c, NX)
    return r


@trans("fmul.s", "fdiv.s")
def _fmuldiv_s(c: Ctx, i: Insn) -> None:
    if not _rne_only(c, i):
        c.emulate()
        return
    abits, a = _load_s(c, i.rs1)
    bbits, b = _load_s(c, i.rs2)
    r = muldiv_s(c, ATTRS[i.name].op == "mul", abits, a, bbits, b, lambda: _slow(c))
    c.f.local_get(r)
    c.set_f32(i.rd)


def muldiv_s(c: Ctx, mul: bool, abits: int, a: int, bbits: int, b: int, slow: Slow) -> int:
    """The f32 local RNE(a * b) or RNE(a / b) (singles: i32 bits and f64 locals), NX accrued."""
    f = c.f
    d, r = c.tmp(F64), c.tmp(F32)
    f.local_get(a)
    f.local_get(b)
    if mul:
        f.f64_mul()  # exact: 24 x 24 bits
    else:
        f.f64_div()
    f.local_tee(d)
    f.f32_demote_f64()
    f.local_set(r)
    _normal32(c, r)
    f.if_(I32)
    if mul:
        f.local_get(r)
        f.f64_promote_f32()
        f.local_get(d)
        f.f64_ne()
    else:
        oa = _odd_sig32(c, abits)
        ob = _odd_sig32(c, bbits)
        f.local_get(oa)
        f.local_get(ob)
        f.i32_rem_u()
    f.else_()
    _exact_zero_or_slow(c, mul, a, b, d, slow)
    f.end()
    _accrue_if(c, NX)
    return r


@trans("fsqrt.d")
def _fsqrt_d(c: Ctx, i: Insn) -> None:
    if not _rne_only(c, i):
        c.emulate()
        return
    a = _load_d(c, i.rs1)
    r = sqrt_d(c, a, lambda: _slow(c))
    c.f.local_get(r)
    c.set_f64(i.rd)


def sqrt_d(c: Ctx, a: int, slow: Slow) -> int:
    """The f64 local RNE(sqrt(a)), NX accrued (`add_d`)."""
    f = c.f
    r = c.tmp(F64)
    f.local_get(a)
    f.f64_sqrt()
    f.local_set(r)
    _in_range64(c, a, 0.0, INF)
    f.local_get(a)
    f.f64_const(0.0)
    f.f64_gt()
    f.i32_and()
    f.if_(I32)
    oa, _ = _odd_sig64(c, a)
    orr, _ = _odd_sig64(c, r)
    f.local_get(orr)
    f.i64_const(1 << 27)
    f.i64_ge_u()
    f.local_get(orr)
    f.local_get(orr)
    f.i64_mul()
    f.local_get(oa)
    f.i64_ne()
    f.i32_or()
    f.else_()
    _zero_or_slow(c, lambda: _is_zero64(c, a), slow)
    f.end()
    _accrue_if(c, NX)
    return r


@trans("fsqrt.s")
def _fsqrt_s(c: Ctx, i: Insn) -> None:
    if not _rne_only(c, i):
        c.emulate()
        return
    abits, a = _load_s(c, i.rs1)
    r = sqrt_s(c, abits, a, lambda: _slow(c))
    c.f.local_get(r)
    c.set_f32(i.rd)


def sqrt_s(c: Ctx, abits: int, a: int, slow: Slow) -> int:
    """The f32 local RNE(sqrt(a)) (a single: i32 bits and f64 locals), NX accrued."""
    f = c.f
    r, rbits = c.tmp(F32), c.tmp(I32)
    f.local_get(a)
    f.f64_sqrt()
    f.f32_demote_f64()
    f.local_tee(r)
    f.i32_reinterpret_f32()
    f.local_set(rbits)
    _in_range64(c, a, 0.0, INF)
    f.local_get(a)
    f.f64_const(0.0)
    f.f64_gt()
    f.i32_and()
    f.if_(I32)
    oa = _odd_sig32(c, abits)
    orr = _odd_sig32(c, rbits)
    f.local_get(orr)
    f.i64_extend_i32_u()
    f.local_get(orr)
    f.i64_extend_i32_u()
    f.i64_mul()
    f.local_get(oa)
    f.i64_extend_i32_u()
    f.i64_ne()
    f.else_()
    _zero_or_slow(c, lambda: _is_zero64(c, a), slow)
    f.end()
    _accrue_if(c, NX)
    return r


# --- fused multiply-add ----------------------------------------------------------------------
_FMA_NEG = {"madd": (False, False), "msub": (False, True), "nmsub": (True, False),
            "nmadd": (True, True)}  # fmt: skip


def _split(c: Ctx, x: int) -> tuple[int, int]:
    """x = hi + lo exactly, each with at most 26 significant bits (round the significand to
    26 bits on the integer bits: no overflow unlike a multiply by 2**27 + 1)."""
    f = c.f
    hi, lo = c.tmp(F64), c.tmp(F64)
    f.local_get(x)
    f.i64_reinterpret_f64()
    f.i64_const(1 << 26)
    f.i64_add()
    f.i64_const(SPLIT_MASK)
    f.i64_and()
    f.f64_reinterpret_i64()
    f.local_set(hi)
    f.local_get(x)
    f.local_get(hi)
    f.f64_sub()
    f.local_set(lo)
    return hi, lo


def _round_odd(c: Ctx, s: int, e: int) -> None:
    """s = RN(x), e = x - s exactly: make s the round-to-odd of x (step one ulp toward e when
    the rounding was inexact and left an even significand)."""
    f = c.f
    sb = c.tmp(I64)
    f.local_get(s)
    f.i64_reinterpret_f64()
    f.local_set(sb)
    f.local_get(e)
    f.f64_const(0.0)
    f.f64_ne()
    f.local_get(sb)
    f.i32_wrap_i64()
    f.i32_const(1)
    f.i32_and()
    f.i32_eqz()
    f.i32_and()
    f.if_()
    f.local_get(sb)
    f.i64_const(1)
    f.i64_const(-1)
    f.local_get(sb)
    f.local_get(e)
    f.i64_reinterpret_f64()
    f.i64_xor()
    f.i64_const(0)
    f.i64_ge_s()  # same sign: magnitude grows
    f.select()
    f.i64_add()
    f.f64_reinterpret_i64()
    f.local_set(s)
    f.end()


def _two_sum(c: Ctx, a: int, b: int) -> tuple[int, int]:
    s, e = c.tmp(F64), c.tmp(F64)
    c.f.local_get(a)
    c.f.local_get(b)
    c.f.f64_add()
    c.f.local_set(s)
    _two_sum_err(c, a, b, s)
    c.f.local_set(e)
    return s, e


@trans("fmadd.d", "fmsub.d", "fnmsub.d", "fnmadd.d")
def _fma_d(c: Ctx, i: Insn) -> None:
    if not _rne_only(c, i):
        c.emulate()
        return
    neg_p, neg_c = _FMA_NEG[ATTRS[i.name].op]
    a = _load_d(c, i.rs1, neg=neg_p)
    b = _load_d(c, i.rs2)
    cc = _load_d(c, i.rs3, neg=neg_c)
    z = fma_d(c, a, b, cc, lambda: _slow(c))
    c.f.local_get(z)
    c.set_f64(i.rd)


def fma_d(c: Ctx, a: int, b: int, cc: int, slow: Slow) -> int:
    """The f64 local RNE(a * b + cc) (one rounding), NX accrued (`add_d`)."""
    f = c.f
    uh, ul = c.tmp(F64), c.tmp(F64)
    f.local_get(a)
    f.local_get(b)
    f.f64_mul()
    f.local_set(uh)
    # Dekker's product: a * b = uh + ul exactly (no underflow: |uh| >= 2**-960 below)
    ah, al = _split(c, a)
    bh, bl = _split(c, b)
    f.local_get(ah)
    f.local_get(bh)
    f.f64_mul()
    f.local_get(uh)
    f.f64_sub()
    f.local_get(ah)
    f.local_get(bl)
    f.f64_mul()
    f.f64_add()
    f.local_get(al)
    f.local_get(bh)
    f.f64_mul()
    f.f64_add()
    f.local_get(al)
    f.local_get(bl)
    f.f64_mul()
    f.f64_add()
    f.local_set(ul)
    # Boldo & Melquiond: th + tl = c + uh; v = RO(tl + ul); z = RN(th + v) = RN(a * b + c)
    th, tl = _two_sum(c, cc, uh)
    v, e = _two_sum(c, tl, ul)
    _round_odd(c, v, e)
    z = c.tmp(F64)
    f.local_get(th)
    f.local_get(v)
    f.f64_add()
    f.local_set(z)
    _in_range64(c, uh, 2.0**-960, 2.0**960)
    _in_range64(c, z, 2.0**-960, 2.0**1020)
    f.i32_and()
    f.if_(I32)
    # Exact iff z - c == a * b: both sides as RN-normalized pairs (w, ew) and (uh, ul).
    nc = c.tmp(F64)
    f.local_get(cc)
    f.f64_neg()
    f.local_set(nc)
    w, ew = _two_sum(c, z, nc)
    f.local_get(w)
    f.local_get(uh)
    f.f64_eq()
    f.local_get(ew)
    f.local_get(ul)
    f.f64_eq()
    f.i32_and()
    f.i32_eqz()
    f.else_()

    def cond() -> None:  # a zero factor times a finite one, plus a finite addend: exact
        _is_zero64(c, a)
        _is_zero64(c, b)
        f.i32_or()
        _is_zero64(c, uh)
        f.i32_and()
        _is_finite64(c, cc)
        f.i32_and()

    _zero_or_slow(c, cond, slow)
    f.local_get(uh)
    f.local_get(cc)
    f.f64_add()
    f.local_set(z)
    f.end()
    _accrue_if(c, NX)
    return z


@trans("fmadd.s", "fmsub.s", "fnmsub.s", "fnmadd.s")
def _fma_s(c: Ctx, i: Insn) -> None:
    if not _rne_only(c, i):
        c.emulate()
        return
    neg_p, neg_c = _FMA_NEG[ATTRS[i.name].op]
    _, a = _load_s(c, i.rs1, neg=neg_p)
    _, b = _load_s(c, i.rs2)
    _, cc = _load_s(c, i.rs3, neg=neg_c)
    r = fma_s(c, a, b, cc, lambda: _slow(c))
    c.f.local_get(r)
    c.set_f32(i.rd)


def fma_s(c: Ctx, a: int, b: int, cc: int, slow: Slow) -> int:
    """The f32 local RNE(a * b + cc) (singles in f64 locals; one rounding), NX accrued."""
    f = c.f
    p = c.tmp(F64)
    f.local_get(a)
    f.local_get(b)
    f.f64_mul()  # exact
    f.local_set(p)
    s, e = _two_sum(c, p, cc)
    _round_odd(c, s, e)  # RO to 53 bits, then RN to 24 bits is correctly rounded
    r = c.tmp(F32)
    f.local_get(s)
    f.f32_demote_f64()
    f.local_set(r)
    _normal32(c, r)
    f.if_(I32)
    f.local_get(e)
    f.f64_const(0.0)
    f.f64_ne()
    f.local_get(r)
    f.f64_promote_f32()
    f.local_get(s)
    f.f64_ne()
    f.i32_or()
    f.else_()

    def cond() -> None:  # an exact result (zero, subnormal, infinity from an infinite input)
        f.local_get(e)
        f.f64_const(0.0)
        f.f64_eq()
        f.local_get(r)
        f.f64_promote_f32()
        f.local_get(s)
        f.f64_eq()
        f.i32_and()

    _zero_or_slow(c, cond, slow)
    f.end()
    _accrue_if(c, NX)
    return r


# --- min/max, comparisons, fclass --------------------------------------------------------------
def _load_pair(c: Ctx, i: Insn, t: str) -> tuple[int, int, int, int]:
    """(a bits, b bits, a, b): i64/f64 locals for doubles, i32/f32 for singles."""
    f = c.f
    ib, fl = (I64, F64) if t == "d" else (I32, F32)
    ab, bb, a, b = c.tmp(ib), c.tmp(ib), c.tmp(fl), c.tmp(fl)
    for r, bits, val in ((i.rs1, ab, a), (i.rs2, bb, b)):
        if t == "d":
            c.get_f(r)
            f.local_tee(bits)
            f.f64_reinterpret_i64()
        else:
            c.get_f32_bits(r)
            f.local_tee(bits)
            f.f32_reinterpret_i32()
        f.local_set(val)
    return ab, bb, a, b


def _either_nan(c: Ctx, t: str, a: int, b: int) -> None:
    f = c.f
    ne = f.f64_ne if t == "d" else f.f32_ne
    f.local_get(a)
    f.local_get(a)
    ne()
    f.local_get(b)
    f.local_get(b)
    ne()
    f.i32_or()


def _is_snan(c: Ctx, t: str, bits: int) -> None:
    """Push whether the raw bits are a signaling NaN."""
    f = c.f
    if t == "d":
        f.local_get(bits)
        f.i64_const(ABS64)
        f.i64_and()
        f.i64_const(0x7FF0000000000000)
        f.i64_sub()
        f.i64_const(1)
        f.i64_sub()
        f.i64_const((1 << 51) - 1)
        f.i64_lt_u()  # abs in (inf, inf + 2**51): NaN with the quiet bit clear
    else:
        f.local_get(bits)
        f.i32_const(0x7FFFFFFF)
        f.i32_and()
        f.i32_const(0x7F800001)
        f.i32_sub()
        f.i32_const((1 << 22) - 1)
        f.i32_lt_u()


_FMINMAX: dict[tuple[str, int], Op] = {  # (op, fwidth); -0 < +0 as RISC-V wants
    ("min", 8): FB.f64_min,
    ("max", 8): FB.f64_max,
    ("min", 4): FB.f32_min,
    ("max", 4): FB.f32_max,
}


@trans("fmin.d", "fmax.d", "fmin.s", "fmax.s")
def _fminmax(c: Ctx, i: Insn) -> None:
    f = c.f
    at = ATTRS[i.name]
    t = "d" if at.fwidth == 8 else "s"
    _, _, a, b = _load_pair(c, i, t)
    _either_nan(c, t, a, b)
    f.if_()
    _slow(c)  # NaN operands: canonical NaN / the other operand, NV for sNaN
    f.end()
    f.local_get(a)
    f.local_get(b)
    _FMINMAX[at.op, at.fwidth](f)
    if t == "d":
        c.set_f64(i.rd)
    else:
        c.set_f32(i.rd)


_FCMP: dict[tuple[str, int], Op] = {  # (op, fwidth)
    ("eq", 8): FB.f64_eq,
    ("lt", 8): FB.f64_lt,
    ("le", 8): FB.f64_le,
    ("eq", 4): FB.f32_eq,
    ("lt", 4): FB.f32_lt,
    ("le", 4): FB.f32_le,
}


@trans("feq.d", "flt.d", "fle.d", "feq.s", "flt.s", "fle.s")
def _fcmp(c: Ctx, i: Insn) -> None:
    f = c.f
    at = ATTRS[i.name]
    t = "d" if at.fwidth == 8 else "s"
    op = at.op
    ab, bb, a, b = _load_pair(c, i, t)
    f.local_get(a)
    f.local_get(b)
    _FCMP[op, at.fwidth](f)
    f.i64_extend_i32_u()
    c.set_x(i.rd)
    _either_nan(c, t, a, b)
    f.if_()
    if op == "eq":  # quiet: NV only for a signaling NaN
        _is_snan(c, t, ab)
        _is_snan(c, t, bb)
        f.i32_or()
        _accrue_if(c, NV)
    else:
        f.i32_const(NV)
        c.or_fflags()
    f.end()


@trans("fclass.d", "fclass.s")
def _fclass(c: Ctx, i: Insn) -> None:
    f = c.f
    bits, e, m, neg = c.tmp(I64), c.tmp(I32), c.tmp(I64), c.tmp(I32)
    if ATTRS[i.name].fwidth == 8:
        c.get_f(i.rs1)
        frac_bits, exp_max = 52, 0x7FF
    else:
        c.get_f32_bits(i.rs1)
        f.i64_extend_i32_u()
        frac_bits, exp_max = 23, 0xFF
    f.local_tee(bits)
    f.i64_const(frac_bits)
    f.i64_shr_u()
    f.i32_wrap_i64()
    f.local_tee(neg)
    f.i32_const(exp_max)
    f.i32_and()
    f.local_set(e)
    f.local_get(neg)
    f.i32_const(exp_max + 1)
    f.i32_and()
    f.local_set(neg)
    f.local_get(bits)
    f.i64_const((1 << frac_bits) - 1)
    f.i64_and()
    f.local_set(m)

    def by_sign(neg_k: int, pos_k: int) -> None:
        f.i32_const(neg_k)
        f.i32_const(pos_k)
        f.local_get(neg)
        f.select()

    f.i32_const(1)
    f.local_get(e)
    f.i32_const(exp_max)
    f.i32_eq()
    f.if_(I32)
    f.local_get(m)
    f.i64_eqz()
    f.if_(I32)
    by_sign(0, 7)
    f.else_()
    f.i32_const(9)
    f.i32_const(8)
    f.local_get(m)
    f.i64_const(frac_bits - 1)
    f.i64_shr_u()
    f.i32_wrap_i64()
    f.select()
    f.end()
    f.else_()
    f.local_get(e)
    f.i32_eqz()
    f.if_(I32)
    f.local_get(m)
    f.i64_eqz()
    f.if_(I32)
    by_sign(3, 4)
    f.else_()
    by_sign(2, 5)
    f.end()
    f.else_()
    by_sign(1, 6)
    f.end()
    f.end()
    f.i32_shl()
    f.i64_extend_i32_u()
    c.set_x(i.rd)


# --- conversions -----------------------------------------------------------------------------
def _round_static(c: Ctx, rm: int, x: int) -> None:
    """Push x (f64 local) rounded to an integral value in rounding mode rm."""
    f = c.f
    if rm == softfloat.RNE:
        f.local_get(x)
        f.f64_nearest()
    elif rm == softfloat.RTZ:
        f.local_get(x)
        f.f64_trunc()
    elif rm == softfloat.RDN:
        f.local_get(x)
        f.f64_floor()
    elif rm == softfloat.RUP:
        f.local_get(x)
        f.f64_ceil()
    else:  # RMM: ties away from zero; x - trunc(x) is exact
        t = c.tmp(F64)
        f.local_get(x)
        f.f64_trunc()
        f.local_tee(t)
        f.f64_const(1.0)
        f.local_get(x)
        f.f64_copysign()
        f.f64_add()
        f.local_get(t)
        f.local_get(x)
        f.local_get(t)
        f.f64_sub()
        f.f64_abs()
        f.f64_const(0.5)
        f.f64_ge()
        f.select()


def _round_int(c: Ctx, i: Insn, x: int) -> int:
    """x rounded to an integral f64 in the instruction's rounding mode, into a new local."""
    f = c.f
    r = c.tmp(F64)
    if i.rm != 7:
        _round_static(c, i.rm, x)
        f.local_set(r)
        return r
    fr = c.tmp(I32)
    c.push_frm()
    f.local_tee(fr)
    f.i32_const(4)
    f.i32_gt_u()
    f.if_()
    _slow(c)  # reserved frm: the host raises illegal instruction
    f.end()
    for m in range(4):
        f.local_get(fr)
        f.i32_const(m)
        f.i32_eq()
        f.if_(F64)
        _round_static(c, m, x)
        f.else_()
    _round_static(c, softfloat.RMM, x)
    for _ in range(4):
        f.end()
    f.local_set(r)
    return r


# (width, signed) -> (lowest valid, first too big, saturating op, value for NaN)
_TO_INT: dict[tuple[int, bool], tuple[float, float, Op, int]] = {
    (4, True): (-(2.0**31), 2.0**31, FB.i32_trunc_sat_f64_s, 0x7FFFFFFF),
    (4, False): (0.0, 2.0**32, FB.i32_trunc_sat_f64_u, -1),
    (8, True): (-(2.0**63), 2.0**63, FB.i64_trunc_sat_f64_s, (1 << 63) - 1),
    (8, False): (0.0, 2.0**64, FB.i64_trunc_sat_f64_u, -1),
}
_INT_KINDS = ("w", "wu", "l", "lu")


@trans(*(f"fcvt.{k}.{t}" for k in _INT_KINDS for t in "sd"))
def _fcvt_to_int(c: Ctx, i: Insn) -> None:
    f = c.f
    at = ATTRS[i.name]
    lo, hi, op, nan_value = _TO_INT[at.width, at.signed]
    x = c.tmp(F64)
    if at.fwidth == 8:
        c.get_f64(i.rs1)
    else:
        c.get_f32(i.rs1)
        f.f64_promote_f32()
    f.local_set(x)
    r = _round_int(c, i, x)
    ok = c.tmp(I32)
    # in range: lo <= r < hi (unsigned: r > -1, so -0 and values rounding to zero are fine)
    f.local_get(r)
    f.f64_const(lo if lo else -1.0)
    f.f64_ge() if lo else f.f64_gt()
    f.local_get(r)
    f.f64_const(hi)
    f.f64_lt()
    f.i32_and()
    f.local_tee(ok)
    # value: saturated conversion, NaN -> the largest value
    wide = at.width == 8
    if wide:
        f.i64_const(nan_value)
    else:
        f.i32_const(nan_value)
    f.local_get(r)
    op(f)
    f.local_get(r)
    f.local_get(r)
    f.f64_ne()
    f.select()
    if not wide:
        f.i64_extend_i32_s()  # W results are sign-extended, WU too
    c.set_x(i.rd)
    # flags: NV when out of range or NaN, else NX when rounding changed the value
    fl = c.tmp(I32)
    f.i32_const(NV)
    f.i32_const(NX)
    f.i32_const(0)
    f.local_get(r)
    f.local_get(x)
    f.f64_ne()
    f.select()
    f.local_get(ok)
    f.i32_eqz()
    f.select()
    f.local_tee(fl)
    f.if_()
    f.local_get(fl)
    c.or_fflags()
    f.end()


# int -> float: native conversion rounds to nearest-even; exact results hold in every mode.
# (width, signed, fwidth) -> the conversion
_FROM_INT: dict[tuple[int, bool, int], Op] = {
    (4, True, 8): FB.f64_convert_i32_s,
    (4, False, 8): FB.f64_convert_i32_u,
    (8, True, 8): FB.f64_convert_i64_s,
    (8, False, 8): FB.f64_convert_i64_u,
    (4, True, 4): FB.f32_convert_i32_s,
    (4, False, 4): FB.f32_convert_i32_u,
    (8, True, 4): FB.f32_convert_i64_s,
    (8, False, 4): FB.f32_convert_i64_u,
}
# (fwidth, signed) -> the conversion back, to test exactness
_BACK_TO_I64: dict[tuple[int, bool], Op] = {
    (8, True): FB.i64_trunc_sat_f64_s,
    (8, False): FB.i64_trunc_sat_f64_u,
    (4, True): FB.i64_trunc_sat_f32_s,
    (4, False): FB.i64_trunc_sat_f32_u,
}


@trans(*(f"fcvt.{t}.{k}" for k in _INT_KINDS for t in "sd"))
def _fcvt_from_int(c: Ctx, i: Insn) -> None:
    f = c.f
    at = ATTRS[i.name]
    double = at.fwidth == 8
    _check_dyn_rm(c, i)
    v = c.tmp(I64)
    c.get_x(i.rs1)
    if at.width == 4 and at.signed:
        f.i32_wrap_i64()
        f.i64_extend_i32_s()
    elif at.width == 4:
        f.i64_const(0xFFFFFFFF)
        f.i64_and()
    f.local_set(v)
    r = c.tmp(F64 if double else F32)
    f.local_get(v)
    if at.width == 4:
        f.i32_wrap_i64()
    _FROM_INT[at.width, at.signed, at.fwidth](f)
    f.local_set(r)
    if double and at.width == 4:
        f.local_get(r)
        c.set_f64(i.rd)
        return  # always exact
    # inexact iff converting back does not give v (the top value saturates: test it apart)
    f.local_get(r)
    _BACK_TO_I64[at.fwidth, at.signed](f)
    f.local_get(v)
    f.i64_ne()
    f.local_get(r)
    const = f.f64_const if double else f.f32_const
    const(2.0**63 if at.signed else 2.0**64)
    f.f64_ge() if double else f.f32_ge()
    f.i32_or()
    f.if_()
    _need_rne(c, i)
    f.i32_const(NX)
    c.or_fflags()
    f.end()
    f.local_get(r)
    if double:
        c.set_f64(i.rd)
    else:
        c.set_f32(i.rd)


@trans("fcvt.s.d")
def _fcvt_s_d(c: Ctx, i: Insn) -> None:
    f = c.f
    _check_dyn_rm(c, i)
    x, r = c.tmp(F64), c.tmp(F32)
    c.get_f64(i.rs1)
    f.local_tee(x)
    f.f32_demote_f64()
    f.local_tee(r)
    f.f64_promote_f32()
    f.local_get(x)
    f.f64_ne()
    f.if_()  # inexact, or NaN
    _normal32(c, r)
    f.i32_eqz()
    f.if_()
    _slow(c)  # NaN, overflow, underflow
    f.end()
    _need_rne(c, i)
    f.i32_const(NX)
    c.or_fflags()
    f.end()
    f.local_get(r)
    c.set_f32(i.rd)


@trans("fcvt.d.s")
def _fcvt_d_s(c: Ctx, i: Insn) -> None:
    f = c.f
    _check_dyn_rm(c, i)
    bits, x = c.tmp(I32), c.tmp(F64)
    c.get_f32_bits(i.rs1)
    f.local_tee(bits)
    f.f32_reinterpret_i32()
    f.f64_promote_f32()
    f.local_tee(x)
    f.local_get(x)
    f.f64_ne()
    f.if_()
    _is_snan(c, "s", bits)
    _accrue_if(c, NV)
    f.f64_const_bits(CANONICAL_NAN64)
    f.local_set(x)
    f.end()
    f.local_get(x)
    c.set_f64(i.rd)


# Everything not given a Wasm fast path below runs exactly in the host (hostemu.py, softfloat).
def _emulate_all(c: Ctx, i: Insn) -> None:
    c.emulate()


for _name in sorted(softfloat.NAMES):
    if _name not in SEMANTICS:
        trans(_name)(_emulate_all)
