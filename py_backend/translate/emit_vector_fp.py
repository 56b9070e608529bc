"""Semantics of the vector extension's floating-point instructions (RVV 1.0, VLEN = 128) at SEW =
32 and 64 (SEW = 8 or 16 is illegal: no Zvfh): vfadd .. vfsgnjx (.vv/.vf), vfrsub, vfrdiv,
vfsqrt, vfmin/vfmax, the compares vmfeq .. vmfge, vfclass, vfmerge, vfmv.v.f, vfmv.f.s,
vfmv.s.f, the fused multiply-adds vfmacc .. vfnmsub, the reductions vfredusum, vfredosum,
vfredmin, vfredmax, the estimates vfrec7 and vfrsqrt7, vfslide1up/down, the single-width
conversions vfcvt.*; and widening/narrowing at SEW = 32 (singles to doubles): vfwadd/vfwsub
(.vv/.vf/.wv/.wf), vfwmul, vfwmacc .. vfwnmsac, vfwredusum/vfwredosum, vfwcvt.* and vfncvt.*
(incl. round-to-odd; the integer <-> float ones also at SEW = 16, to and from singles, and
Zvfhmin's vfwcvt.f.f.v / vfncvt.f.f.w between halves and singles).

Every element is computed exactly in any rounding mode (frm; 5..7 are illegal) with the exact
`softfloat` arithmetic the scalar F and D instructions use for their slow path (one copy of the
FP semantics), and the exception flags of all active elements accrue in fflags. Like Zfh
(`zfh`), both tiers hand these instructions to the host with an EMULATE exit; the host
(`_emulate`) checks what qemu 10 treats as illegal (vill, SEW, register group alignment,
overlaps, frm, a reduction with vstart > 0), reads the vector registers once, runs the elements
from vstart to vl (the v0 mask; tail and inactive elements undisturbed), writes them back and
sets vstart = 0. When vstart >= vl, nothing is written (as qemu). The .vf forms take f[rs1] at
SEW (a single that is not NaN-boxed is the canonical NaN). The bit copies (vfsgnj*, vfmerge,
vfmv.*, vfslide1up/down), the compares and vfmin/vfmax (exact; NV from the NaNs) are Wasm in
both tiers (`_moves`, `_fcompare`, `_minmax_slide`), with the same checks. So are vfadd ..
vfrdiv, vfsqrt and the fused multiply-adds when frm = RNE (`_arith`: the scalar F/D fast path's
arithmetic an element at a time, the host from the first element it cannot do exactly)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, cast

from .. import abi
from ..abi import ExitReason
from ..isa.insn import Insn
from ..isa.table import ATTRS
from . import emit_fp as efp
from . import softfloat as sf
from .codegen import CANONICAL_NAN32, CANONICAL_NAN64, F32, F64, I32, I64, Ctx, trans
from .emit_fp import NV, _accrue_if, _either_nan, _is_snan
from .emit_vector import (
    _LOAD,
    _STORE,
    _by_sew,
    _check_group,
    _check_mask_dest,
    _check_vm_vd,
    _config,
    _elements,
    _get,
    _illegal_if,
    _mask_bit,
    _set_mask_bit,
    _velem,
    _vstart_zero,
    _write_element0,
)
from .hostemu import HartState, emulates
from .zfh import H

VLENB = 16


class VectorState(HartState, Protocol):
    """The vector state a host emulator needs besides `HartState` (`py_backend.cpu.CpuState`)."""

    def get_vl(self) -> int: ...
    def get_vtype(self) -> int: ...
    def get_vstart(self) -> int: ...
    def set_vstart(self, v: int) -> None: ...
    def get_vregs(self) -> bytes: ...
    def set_vregs(self, raw: bytes) -> None: ...


_BINARY = ["add", "sub", "rsub", "mul", "div", "rdiv"]
_FMA = ["macc", "nmacc", "msac", "nmsac", "madd", "nmadd", "msub", "nmsub"]
_RED = ["usum", "osum"]
_UNARY = ["sqrt", "rsqrt7", "rec7", "class", "cvt_xu_f", "cvt_x_f", "cvt_f_xu", "cvt_f_x"]
_UNARY += ["cvt_rtz_xu_f", "cvt_rtz_x_f"]
_VV = ["vfadd", "vfsub", "vfmin", "vfmax", "vfsgnj", "vfsgnjn", "vfsgnjx", "vfdiv", "vfmul"]
_VV += ["vmfeq", "vmfle", "vmflt", "vmfne"] + [f"vf{op}" for op in _FMA]
_VF = [*_VV, "vfrsub", "vfrdiv", "vmfgt", "vmfge", "vfslide1up", "vfslide1down"]
NAMES = [f"{n}.vv" for n in _VV] + [f"{n}.vf" for n in _VF]
NAMES += [f"vfred{op}.vs" for op in ("usum", "osum", "min", "max")]
NAMES += ["vfsqrt.v", "vfrsqrt7.v", "vfrec7.v", "vfclass.v", "vfcvt.xu.f.v", "vfcvt.x.f.v"]
NAMES += ["vfcvt.f.xu.v", "vfcvt.f.x.v", "vfcvt.rtz.xu.f.v", "vfcvt.rtz.x.f.v"]
# sign injection and moves are bit copies: Wasm (`_moves`), not the host
_MOVES = [f"vfsgnj{x}.{k}" for x in ("", "n", "x") for k in ("vv", "vf")]
_MOVES += ["vfmerge.vfm", "vfmv.v.f", "vfmv.s.f", "vfmv.f.s"]
# the compares are exact: Wasm too (`_fcompare`)
_COMPARES = [f"vmf{op}.{k}" for op in ("eq", "le", "lt", "ne") for k in ("vv", "vf")]
_COMPARES += ["vmfgt.vf", "vmfge.vf"]
# vfmin/vfmax (exact) and vfslide1up/down (moves): Wasm too (`_minmax_slide`)
_MINMAX_SLIDE = [f"vf{op}.{k}" for op in ("min", "max") for k in ("vv", "vf")]
_MINMAX_SLIDE += ["vfslide1up.vf", "vfslide1down.vf"]
NAMES = [n for n in NAMES if n not in _MOVES + _COMPARES + _MINMAX_SLIDE]

# --- the estimate tables (RVV 1.0, vfrsqrt7.v and vfrec7.v) ------------------------------------
_RSQRT7 = bytes(
    [52, 51, 50, 48, 47, 46, 44, 43, 42, 41, 40, 39, 38, 36, 35, 34,
     33, 32, 31, 30, 30, 29, 28, 27, 26, 25, 24, 23, 23, 22, 21, 20,
     19, 19, 18, 17, 16, 16, 15, 14, 14, 13, 12, 12, 11, 10, 10, 9,
     9, 8, 7, 7, 6, 6, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0,
     127, 125, 123, 121, 119, 118, 116, 114, 113, 111, 109, 108, 106, 105, 103, 102,
     100, 99, 97, 96, 95, 93, 92, 91, 90, 88, 87, 86, 85, 84, 83, 82,
     80, 79, 78, 77, 76, 75, 74, 73, 72, 71, 70, 70, 69, 68, 67, 66,
     65, 64, 63, 63, 62, 61, 60, 59, 59, 58, 57, 56, 56, 55, 54, 53]
)  # fmt: skip
_REC7 = bytes(
    [127, 125, 123, 121, 119, 117, 116, 114, 112, 110, 109, 107, 105, 104, 102, 100,
     99, 97, 96, 94, 93, 91, 90, 88, 87, 85, 84, 83, 81, 80, 79, 77,
     76, 75, 74, 72, 71, 70, 69, 68, 66, 65, 64, 63, 62, 61, 60, 59,
     58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43,
     42, 41, 40, 40, 39, 38, 37, 36, 35, 35, 34, 33, 32, 31, 31, 30,
     29, 28, 28, 27, 26, 25, 25, 24, 23, 23, 22, 21, 21, 20, 19, 19,
     18, 17, 17, 16, 15, 15, 14, 14, 13, 12, 12, 11, 11, 10, 9, 9,
     8, 8, 7, 7, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0]
)  # fmt: skip


def _normalize(e: int, m: int, fmt: sf.Fmt) -> tuple[int, int]:
    """A subnormal's (biased exponent 0, fraction m != 0) normalized: the exponent goes below
    0 by the shift, the fraction loses its leading one."""
    while not m >> (fmt.frac_bits - 1) & 1:
        e -= 1
        m <<= 1
    return e, (m << 1) & ((1 << fmt.frac_bits) - 1)


def rsqrt7(x: int, fmt: sf.Fmt) -> tuple[int, int]:
    """vfrsqrt7: 1/sqrt(x) to 7 bits from the spec's table (no rounding: no NX)."""
    s, e, m = sf.fields(x, fmt)
    if sf.is_snan(x, fmt) or (s and not sf.is_zero(x, fmt) and not sf.is_nan(x, fmt)):
        return fmt.qnan, sf.NV
    if sf.is_nan(x, fmt):
        return fmt.qnan, 0
    if sf.is_zero(x, fmt):
        return x | fmt.inf, sf.DZ
    if sf.is_inf(x, fmt):
        return 0, 0
    if e == 0:
        e, m = _normalize(e, m, fmt)
    idx = (e & 1) << 6 | m >> (fmt.frac_bits - 6)
    out_e = ((3 * fmt.bias - 1 - e) >> 1) & fmt.exp_max
    return out_e << fmt.frac_bits | _RSQRT7[idx] << (fmt.frac_bits - 7), 0


def rec7(x: int, fmt: sf.Fmt, rm: int) -> tuple[int, int]:
    """vfrec7: 1/x to 7 bits from the spec's table; a subnormal too small overflows (to the
    infinity or the largest finite value by the rounding mode, OF and NX)."""
    s, e, m = sf.fields(x, fmt)
    sign = fmt.sign_bit if s else 0
    if sf.is_inf(x, fmt):
        return sign, 0
    if sf.is_zero(x, fmt):
        return sign | fmt.inf, sf.DZ
    if sf.is_nan(x, fmt):
        return fmt.qnan, sf.NV if sf.is_snan(x, fmt) else 0
    if e == 0:
        e, m = _normalize(e, m, fmt)
        if e not in (0, -1):
            to_max = rm == sf.RTZ or (rm == sf.RDN and not s) or (rm == sf.RUP and s)
            return sign | (fmt.max_finite if to_max else fmt.inf), sf.OF | sf.NX
    out_m = _REC7[m >> (fmt.frac_bits - 7)] << (fmt.frac_bits - 7)
    out_e = 2 * fmt.bias - 1 - e
    if out_e in (0, -1):  # a subnormal result: the implicit one comes in
        out_m = out_m >> 1 | 1 << (fmt.frac_bits - 1)
        if out_e == -1:
            out_m >>= 1
            out_e = 0
    return sign | out_e << fmt.frac_bits | out_m, 0


# --- one element ---------------------------------------------------------------------------------
def _binary(op: str, a: int, b: int, fmt: sf.Fmt, rm: int) -> tuple[int, int]:
    """vd = vs2 op (vs1 | f): a = vs2[k], b = the other operand."""
    if op in ("add", "sub", "mul", "div"):
        fn: Callable[[int, int, sf.Fmt, int], tuple[int, int]] = getattr(sf, op)
        return fn(a, b, fmt, rm)
    if op == "rsub":
        return sf.sub(b, a, fmt, rm)
    return sf.div(b, a, fmt, rm)  # rdiv


def _fma(op: str, a: int, b: int, d: int, fmt: sf.Fmt, rm: int) -> tuple[int, int]:
    """a = vs2[k], b = vs1[k] | f, d = vd[k]: vfmacc = +(b * a) + d, vfnmacc = -(b * a) - d,
    vfmsac = +(b * a) - d, vfnmsac = -(b * a) + d; vfmadd/vfnmadd/vfmsub/vfnmsub likewise with
    b * d and the addend a. One rounding."""
    sb = fmt.sign_bit
    neg_p = sb if op.startswith("n") else 0
    base = op.lstrip("n")
    neg_c = sb if (base in ("msac", "msub")) != bool(neg_p) else 0
    if base in ("macc", "msac"):
        return sf.fma(b ^ neg_p, a, d ^ neg_c, fmt, rm)
    return sf.fma(b ^ neg_p, d, a ^ neg_c, fmt, rm)


def _unary(op: str, x: int, fmt: sf.Fmt, rm: int) -> tuple[int, int]:
    bits = fmt.width
    mask = (1 << bits) - 1
    if op == "sqrt":
        return sf.sqrt(x, fmt, rm)
    if op == "rsqrt7":
        return rsqrt7(x, fmt)
    if op == "rec7":
        return rec7(x, fmt, rm)
    if op == "class":
        return sf.fclass(x, fmt), 0
    if "rtz" in op:
        rm = sf.RTZ
    if op.endswith("_f"):  # float -> integer
        v, fl = sf.to_int(x, fmt, rm, bits, "_x_" in op)
        return v & mask, fl
    v = x - (1 << bits) if op == "cvt_f_x" and x >> (bits - 1) else x
    return sf.from_int(v, fmt, rm)


# --- the host emulator ---------------------------------------------------------------------------
def _aligned(reg: int, lmul: int) -> bool:
    return lmul <= 0 or reg % (1 << lmul) == 0


def _legal(at_op: str, i: Insn, lmul: int, vector1: bool) -> bool:
    """What qemu 10 checks besides vill, SEW and frm."""
    vm_ok = i.vm == 1 or i.rd != 0
    if at_op in _RED or (i.name.startswith("vfred")):
        return _aligned(i.rs2, lmul)
    ok = vm_ok and _aligned(i.rd, lmul) and _aligned(i.rs2, lmul)
    return ok and (not vector1 or _aligned(i.rs1, lmul))


def _emulate(h: HartState, i: Insn) -> bool:
    s = cast(VectorState, h)
    at = ATTRS[i.name]
    op = at.op
    vt = s.get_vtype()
    vsew = vt >> 3 & 7
    rm = s.get_frm()
    if vt >> 63 or vsew not in (2, 3) or rm > 4:
        return False
    vlmul = vt & 7
    lmul = vlmul - 8 if vlmul > 4 else vlmul
    vector1 = not at.scalar and op not in _UNARY
    if not _legal(op, i, lmul, vector1):
        return False
    if i.name.startswith("vfred") and s.get_vstart():
        return False  # (a reduction needs vstart = 0)
    fmt = sf.S if vsew == 2 else sf.D
    w = fmt.width // 8
    src = s.get_vregs()
    regs = bytearray(src)

    def get(reg: int, k: int) -> int:
        off = reg * VLENB + k * w
        return int.from_bytes(src[off : off + w], "little")

    def put(reg: int, k: int, v: int) -> None:
        off = reg * VLENB + k * w
        regs[off : off + w] = v.to_bytes(w, "little")

    def active(k: int) -> bool:
        return i.vm == 1 or bool(src[k >> 3] >> (k & 7) & 1)

    f = 0
    if at.scalar:
        f = s.get_f(i.rs1)
        f = sf.unbox(f) if fmt is sf.S else f
    vl, vstart = s.get_vl(), s.get_vstart()
    flags = 0
    if vstart < vl:
        if i.name.startswith("vfred"):
            acc = get(i.rs1, 0)
            for k in range(vstart, vl):
                if active(k):
                    if op in ("min", "max"):
                        acc, fl = sf.minmax(acc, get(i.rs2, k), fmt, op == "max")
                    else:
                        acc, fl = sf.add(acc, get(i.rs2, k), fmt, rm)
                    flags |= fl
            put(i.rd, 0, acc)
        else:
            for k in range(vstart, vl):
                if not active(k):
                    continue
                a = get(i.rs2, k)
                b = get(i.rs1, k) if vector1 else f
                if op in _FMA:
                    r, fl = _fma(op, a, b, get(i.rd, k), fmt, rm)
                elif op in _UNARY:
                    r, fl = _unary(op, a, fmt, rm)
                else:
                    r, fl = _binary(op, a, b, fmt, rm)
                put(i.rd, k, r)
                flags |= fl
        s.set_vregs(bytes(regs))
    if flags:
        s.set_fflags(s.get_fflags() | flags)
    s.set_vstart(0)
    return True


emulates(*NAMES)(_emulate)


# --- widening and narrowing ----------------------------------------------------------------------
_WNAMES = [f"vfw{op}.{k}" for op in ("add", "sub") for k in ("vv", "vf", "wv", "wf")]
_WNAMES += ["vfwmul.vv", "vfwmul.vf", "vfwredusum.vs", "vfwredosum.vs"]
_WNAMES += [f"vfw{op}.{k}" for op in ("macc", "nmacc", "msac", "nmsac") for k in ("vv", "vf")]
_WNAMES += [f"vfwcvt.{k}.v" for k in ("xu.f", "x.f", "f.xu", "f.x", "f.f", "rtz.xu.f", "rtz.x.f")]
_WNAMES += [f"vfncvt.{k}.w" for k in ("xu.f", "x.f", "f.xu", "f.x", "f.f", "rod.f.f")]
_WNAMES += ["vfncvt.rtz.xu.f.w", "vfncvt.rtz.x.f.w"]
_INT_FLOAT = ("wcvt_f_xu", "wcvt_f_x", "ncvt_xu_f", "ncvt_x_f", "ncvt_rtz_xu_f", "ncvt_rtz_x_f")


def _overlap(a: int, asize: int, b: int, bsize: int) -> bool:
    return max(a + asize, b + bsize) - min(a, b) < asize + bsize


def _no_over(dst: int, dst_lmul: int, src: int, src_lmul: int) -> bool:
    """qemu's require_noover: the groups do not overlap, or a wider destination overlaps only
    with the highest part of a source group of at least one register."""
    dsize, ssize = 1 << max(dst_lmul, 0), 1 << max(src_lmul, 0)
    if (
        dsize > ssize
        and dst < src
        and src_lmul >= 0
        and _overlap(dst, dsize, src, ssize)
        and not _overlap(dst, dsize, src + ssize, ssize)
    ):
        return True
    return not _overlap(dst, dsize, src, ssize)


def _wide_legal(op: str, i: Insn, lmul: int, sew: int) -> bool:
    """qemu 10's checks of widening (2*SEW destination) and narrowing (2*SEW source) ones: every
    float involved is 32 or 64 bits wide, LMUL <= 4, aligned groups, no forbidden overlap."""
    if sew != 32 and not (sew == 16 and (op in _INT_FLOAT or op in _ZVFHMIN)):
        return False
    if op in ("wusum", "wosum"):
        return _aligned(i.rs2, lmul)
    if lmul > 2 or not (i.vm == 1 or i.rd != 0):
        return False
    if op.startswith("ncvt"):
        ok = _aligned(i.rs2, lmul + 1) and _aligned(i.rd, lmul)
        return ok and (i.rd == i.rs2 or _no_over(i.rd, lmul, i.rs2, lmul + 1))
    ok = _aligned(i.rd, lmul + 1)
    if op.endswith("_w"):  # vs2 is wide
        ok = ok and _aligned(i.rs2, lmul + 1)
    else:
        ok = ok and _aligned(i.rs2, lmul) and _no_over(i.rd, lmul + 1, i.rs2, lmul)
    if not ATTRS[i.name].scalar and not op.startswith("wcvt"):
        ok = ok and _aligned(i.rs1, lmul) and _no_over(i.rd, lmul + 1, i.rs1, lmul)
    return ok


# Zvfhmin: the two conversions between halves and singles (at SEW = 16, the narrow width)
_ZVFHMIN = ("wcvt_f_f", "ncvt_f_f")
_HALF = H


def _narrow_float(x: int, rm: int, odd: bool, narrow: sf.Fmt = sf.S) -> tuple[int, int]:
    """A double to a single (a single to a half: Zvfhmin) in rm, or rounded to odd (truncate;
    an inexact result gets its lowest bit set)."""
    wide = sf.D if narrow is sf.S else sf.S
    if not odd:
        return sf.convert(x, wide, narrow, rm)
    r, fl = sf.convert(x, wide, narrow, sf.RTZ)
    if fl & sf.NX:
        r |= 1
    return r, fl


def _wide_element(op: str, a: int, b: int, d: int, sew: int, rm: int) -> tuple[int, int]:
    """One element: a = vs2[k] (2*SEW bits for the .w forms and vfncvt), b = vs1[k] | f, d =
    vd[k] (2*SEW bits)."""
    wide = 2 * sew
    flags = 0

    def up(x: int) -> int:  # a single, exactly as a double (NaN: canonical, NV if signaling)
        nonlocal flags
        r, fl = sf.convert(x, sf.S, sf.D, rm)
        flags |= fl
        return r

    if op.startswith("wcvt"):
        if op.endswith("_f_f"):
            return sf.convert(a, *((_HALF, sf.S) if sew == 16 else (sf.S, sf.D)), rm)
        if op.endswith("_f"):  # single -> 64-bit integer
            v, fl = sf.to_int(a, sf.S, sf.RTZ if "rtz" in op else rm, wide, "_x_" in op)
            return v & ((1 << wide) - 1), fl
        v = a - (1 << sew) if op == "wcvt_f_x" and a >> (sew - 1) else a
        return sf.from_int(v, sf.S if wide == 32 else sf.D, rm)
    if op.startswith("ncvt"):
        if "_f_f" in op:
            return _narrow_float(a, rm, "rod" in op, _HALF if sew == 16 else sf.S)
        if op.endswith("_f"):  # 2*SEW-bit float -> SEW-bit integer
            fmt = sf.S if wide == 32 else sf.D
            v, fl = sf.to_int(a, fmt, sf.RTZ if "rtz" in op else rm, sew, "_x_" in op)
            return v & ((1 << sew) - 1), fl
        v = a - (1 << wide) if op == "ncvt_f_x" and a >> (wide - 1) else a
        return sf.from_int(v, sf.S, rm)
    x = a if op.endswith("_w") else up(a)
    y = up(b)
    if op in ("wadd", "wadd_w"):
        r, fl = sf.add(x, y, sf.D, rm)
    elif op in ("wsub", "wsub_w"):
        r, fl = sf.sub(x, y, sf.D, rm)
    elif op == "wmul":
        r, fl = sf.mul(x, y, sf.D, rm)
    else:
        r, fl = _fma(op[1:], x, y, d, sf.D, rm)
    return r, flags | fl


def _emulate_wide(h: HartState, i: Insn) -> bool:
    """As `_emulate`, for the widening and narrowing instructions (SEW is the narrow width)."""
    s = cast(VectorState, h)
    at = ATTRS[i.name]
    op = at.op
    vt = s.get_vtype()
    rm = s.get_frm()
    sew = 8 << (vt >> 3 & 7)
    vlmul = vt & 7
    lmul = vlmul - 8 if vlmul > 4 else vlmul
    if vt >> 63 or rm > 4 or not _wide_legal(op, i, lmul, sew):
        return False
    if op in ("wusum", "wosum") and s.get_vstart():
        return False
    n, wd = sew // 8, sew // 4
    src = s.get_vregs()
    regs = bytearray(src)

    def get(reg: int, k: int, w: int) -> int:
        off = reg * VLENB + k * w
        return int.from_bytes(src[off : off + w], "little")

    f = sf.unbox(s.get_f(i.rs1)) if at.scalar else 0
    vl, vstart = s.get_vl(), s.get_vstart()
    flags = 0
    if vstart < vl:
        if op in ("wusum", "wosum"):
            acc = get(i.rs1, 0, wd)
            for k in range(vstart, vl):
                if i.vm == 1 or src[k >> 3] >> (k & 7) & 1:
                    x, fl = sf.convert(get(i.rs2, k, n), sf.S, sf.D, rm)
                    acc, fl2 = sf.add(acc, x, sf.D, rm)
                    flags |= fl | fl2
            regs[i.rd * VLENB : i.rd * VLENB + 8] = acc.to_bytes(8, "little")
        else:
            a_w = wd if op.endswith("_w") or op.startswith("ncvt") else n
            d_w = n if op.startswith("ncvt") else wd
            for k in range(vstart, vl):
                if not (i.vm == 1 or src[k >> 3] >> (k & 7) & 1):
                    continue
                b = f if at.scalar else get(i.rs1, k, n)
                d = get(i.rd, k, d_w)
                r, fl = _wide_element(op, get(i.rs2, k, a_w), b, d, sew, rm)
                off = i.rd * VLENB + k * d_w
                regs[off : off + d_w] = r.to_bytes(d_w, "little")
                flags |= fl
        s.set_vregs(bytes(regs))
    if flags:
        s.set_fflags(s.get_fflags() | flags)
    s.set_vstart(0)
    return True


emulates(*_WNAMES)(_emulate_wide)


# the ones with a Wasm fast path (`_arith`) when frm = RNE
_ARITH = [f"vf{op}.vv" for op in ("add", "sub", "mul", "div", *_FMA)]
_ARITH += [f"vf{op}.vf" for op in ("add", "sub", "rsub", "mul", "div", "rdiv", *_FMA)]
_ARITH += ["vfsqrt.v"]


@trans(*[n for n in NAMES if n not in _ARITH], *_WNAMES)
def _vfp(c: Ctx, i: Insn) -> None:
    """The host runs it (`_emulate`); the block ends here."""
    c.emulate()


@trans(*_ARITH)
def _arith(c: Ctx, i: Insn) -> None:
    """vfadd .. vfrdiv, vfsqrt and the fused multiply-adds, in both tiers (in tier 0 too: a loop
    would take ~10 s of host calls before it gets hot): an element loop in Wasm (one width
    where the TB fixes vtype) when frm = RNE
    (else the host), each element with the scalar F/D fast path's exact arithmetic
    (`emit_fp.add_d` ..: native RNE arithmetic, NX worked out exactly); an element that path
    cannot do exactly (NaN, infinity, overflow, underflow, ...) sets vstart to its index and
    leaves to the host, which finishes the elements from there (those before are done, their
    flags accrued: what a trap at that element would leave)."""
    f = c.f
    at = ATTRS[i.name]
    op = at.op
    sew, lmul = _fp_config(c)
    _check_vm_vd(c, i)
    _check_group(c, i.rd, lmul)
    _check_group(c, i.rs2, lmul)
    vector = not at.scalar and op != "sqrt"
    if vector:
        _check_group(c, i.rs1, lmul)
    c.push_frm()
    f.if_()
    c.exit_slow(ExitReason.EMULATE, c.pc)
    f.end()

    def by_width(width: int) -> None:
        if width < 4:
            return
        single = width == 4
        scalar = c.tmp(I64)
        if at.scalar:
            _scalar_f(c, i.rs1, width, scalar)
        sign = 1 << 31 if single else -(1 << 63)  # the sign bit, as an i64 constant

        def slow(k: int) -> None:
            f.i32_const(0)
            f.local_get(k)
            f.i32_store(abi.CPU_VSTART)
            c.exit_slow(ExitReason.EMULATE, c.pc)

        def load(push: Callable[[], None], neg: bool) -> tuple[int, int]:
            """(bits local: i32 for a single, i64 for a double; f64 local)."""
            bits, val = c.tmp(I32 if single else I64), c.tmp(F64)
            push()
            if neg:
                f.i64_const(sign)
                f.i64_xor()
            if single:
                f.i32_wrap_i64()
                f.local_tee(bits)
                f.f32_reinterpret_i32()
                f.f64_promote_f32()
            else:
                f.local_tee(bits)
                f.f64_reinterpret_i64()
            f.local_set(val)
            return bits, val

        def body(k: int) -> None:
            def vs2() -> None:
                _get(c, i.rs2, k, width)

            def vs1() -> None:
                if vector:
                    _get(c, i.rs1, k, width)
                else:
                    f.local_get(scalar)

            def vd() -> None:
                _get(c, i.rd, k, width)

            def out() -> None:
                slow(k)

            r: int
            if op == "sqrt":
                ab, a = load(vs2, False)
                r = efp.sqrt_s(c, ab, a, out) if single else efp.sqrt_d(c, a, out)
            elif op in _FMA:
                # _fma: macc/msac: +-(b * a) +- d; madd/msub: +-(b * d) +- a
                neg_p = op.startswith("n")
                base = op.lstrip("n")
                neg_c = (base in ("msac", "msub")) != neg_p
                _, b = load(vs1, neg_p)
                if base in ("macc", "msac"):
                    _, x = load(vs2, False)
                    _, y = load(vd, neg_c)
                else:
                    _, x = load(vd, False)
                    _, y = load(vs2, neg_c)
                r = (efp.fma_s if single else efp.fma_d)(c, b, x, y, out)
            else:
                first, second = (vs1, vs2) if op.startswith("r") else (vs2, vs1)
                ab, a = load(first, False)
                bb, b = load(second, op.endswith("sub"))
                if op.endswith("add") or op.endswith("sub"):
                    r = (efp.add_s if single else efp.add_d)(c, a, b, out)
                elif single:
                    r = efp.muldiv_s(c, op == "mul", ab, a, bb, b, out)
                else:
                    r = efp.muldiv_d(c, op == "mul", a, b, out)
            _velem(c, i.rd, k, width)
            f.local_get(r)
            if single:
                f.i32_reinterpret_f32()
                f.i64_extend_i32_u()
            else:
                f.i64_reinterpret_f64()
            getattr(f, _STORE[width])(abi.CPU_V)

        _elements(c, i.vm, body)

    _by_sew(c, sew, by_width)


# --- sign injection and moves, in Wasm -----------------------------------------------------------
def _fp_config(c: Ctx) -> tuple[int, int]:
    """`_config`, and illegal unless SEW is 32 or 64 and frm is a valid rounding mode (qemu 10
    checks frm for every vector floating-point instruction)."""
    f = c.f
    sew, lmul = _config(c)
    f.local_get(sew)
    f.i32_const(2)
    f.i32_lt_u()
    c.push_frm()
    f.i32_const(4)
    f.i32_gt_u()
    f.i32_or()
    _illegal_if(c)
    return sew, lmul


def _scalar_f(c: Ctx, rs1: int, width: int, scalar: int) -> None:
    """The i64 local `scalar` = f[rs1] at SEW (a single NaN-unboxed: the canonical NaN when it
    is not properly boxed)."""
    if width == 4:
        c.get_f32_bits(rs1)
        c.f.i64_extend_i32_u()
    else:
        c.get_f(rs1)
    c.f.local_set(scalar)


@trans(*_MOVES)
def _moves(c: Ctx, i: Insn) -> None:
    """vfsgnj/vfsgnjn/vfsgnjx: vd[k] = the magnitude of vs2[k] with the sign of (vs1[k] | f),
    its inverse, or the XOR of both signs; vfmerge.vfm: vd[k] = bit k of v0 ? f : vs2[k] for
    every k < vl; vfmv.v.f: vd[k] = f; vfmv.s.f: vd[0] = f when vstart < vl; vfmv.f.s: f[rd] =
    vs2[0] (a single NaN-boxed), whatever vl is. f = f[rs1] at SEW. No rounding, no flags."""
    f = c.f
    at = ATTRS[i.name]
    sew, lmul = _fp_config(c)
    scalar, x = c.tmp(I64), c.tmp(I64)
    if i.name == "vfmv.f.s":

        def to_f(width: int) -> None:
            if width < 4:
                return
            c.push_i32(i.rs2)
            f.i32_const(4)
            f.i32_shl()
            getattr(f, _LOAD[width])(abi.CPU_V)
            f.local_set(x)

        _by_sew(c, sew, to_f)
        f.local_get(x)
        f.i64_const(-(1 << 32))  # SEW 32: NaN-box
        f.i64_const(0)
        f.local_get(sew)
        f.i32_const(2)
        f.i32_eq()
        f.select()
        f.i64_or()
        c.set_f(i.rd)
        _vstart_zero(c)
        return
    if i.name == "vfmv.s.f":

        def to_v0(width: int) -> None:
            if width < 4:
                return
            _scalar_f(c, i.rs1, width, scalar)
            _write_element0(c, i.rd, width, lambda: f.local_get(scalar))

        _by_sew(c, sew, to_v0)
        _vstart_zero(c)
        return
    _check_group(c, i.rd, lmul)
    if at.op != "mv":
        _check_vm_vd(c, i)
        _check_group(c, i.rs2, lmul)
    vector = not at.scalar
    if vector:
        _check_group(c, i.rs1, lmul)

    def by_width(width: int) -> None:
        if width < 4:
            return
        sign = 1 << (8 * width - 1)
        if not vector:
            _scalar_f(c, i.rs1, width, scalar)

        def body(k: int) -> None:
            _velem(c, i.rd, k, width)
            if at.op == "mv":
                f.local_get(scalar)
            elif at.op == "merge":
                f.local_get(scalar)
                _get(c, i.rs2, k, width)
                _mask_bit(c, 0, k)
                f.select()
            else:  # (vs2 & ~sign) | (sign source & sign)
                _get(c, i.rs2, k, width)
                f.local_tee(x)
                f.i64_const(sign - 1)
                f.i64_and()
                if vector:
                    _get(c, i.rs1, k, width)
                else:
                    f.local_get(scalar)
                if at.op == "sgnjn":
                    f.i64_const(-1)
                    f.i64_xor()
                elif at.op == "sgnjx":
                    f.local_get(x)
                    f.i64_xor()
                f.i64_const(sign - (1 << 64) if sign >> 63 else sign)
                f.i64_and()
                f.i64_or()
            getattr(f, _STORE[width])(abi.CPU_V)

        _elements(c, i.vm if at.op not in ("mv", "merge") else 1, body)

    _by_sew(c, sew, by_width)


_FCMP = {"feq": "eq", "fne": "ne", "flt": "lt", "fle": "le", "fgt": "gt", "fge": "ge"}


@trans(*_COMPARES)
def _fcompare(c: Ctx, i: Insn) -> None:
    """Bit k of the mask vd = vs2[k] op (vs1[k] | f) for the active elements k < vl (inactive
    and tail bits stay). vmfeq/vmfne are quiet (NV only for a signaling NaN; a NaN is unequal),
    the others signaling (NV for any NaN, the bit 0). Exact: no rounding."""
    f = c.f
    at = ATTRS[i.name]
    sew, lmul = _fp_config(c)
    _check_group(c, i.rs2, lmul)
    _check_mask_dest(c, i.rd, i.rs2, lmul)
    vector = not at.scalar
    if vector:
        _check_group(c, i.rs1, lmul)
        _check_mask_dest(c, i.rd, i.rs1, lmul)
    scalar = c.tmp(I64)

    def by_width(width: int) -> None:
        if width < 4:
            return
        t = "s" if width == 4 else "d"
        ib, fl = (I32, F32) if width == 4 else (I64, F64)
        ab, bb, a, b = c.tmp(ib), c.tmp(ib), c.tmp(fl), c.tmp(fl)
        if not vector:
            _scalar_f(c, i.rs1, width, scalar)

        def load(bits: int, val: int, reg: int | None, k: int) -> None:
            if reg is None:
                f.local_get(scalar)
            else:
                _get(c, reg, k, width)
            if width == 4:
                f.i32_wrap_i64()
                f.local_tee(bits)
                f.f32_reinterpret_i32()
            else:
                f.local_tee(bits)
                f.f64_reinterpret_i64()
            f.local_set(val)

        def body(k: int) -> None:
            load(ab, a, i.rs2, k)
            load(bb, b, i.rs1 if vector else None, k)
            f.local_get(a)
            f.local_get(b)
            getattr(f, f"f{8 * width}_{_FCMP[at.op]}")()
            _set_mask_bit(c, i.rd, k)
            if at.op in ("feq", "fne"):
                _is_snan(c, t, ab)
                _is_snan(c, t, bb)
                f.i32_or()
            else:
                _either_nan(c, t, a, b)
            _accrue_if(c, NV)

        _elements(c, i.vm, body)

    _by_sew(c, sew, by_width)


@trans(*_MINMAX_SLIDE)
def _minmax_slide(c: Ctx, i: Insn) -> None:
    """For the active elements k < vl: vfmin/vfmax: vd[k] = the smaller / larger of vs2[k] and
    (vs1[k] | f), -0 below +0; a NaN operand gives the other one, two give the canonical NaN,
    a signaling NaN raises NV. vfslide1up: vd[k] = k = 0 ? f : vs2[k - 1] (vd may not be vs2);
    vfslide1down: vd[k] = k = vl - 1 ? f : vs2[k + 1]. Exact: no rounding."""
    f = c.f
    at = ATTRS[i.name]
    sew, lmul = _fp_config(c)
    _check_vm_vd(c, i)
    _check_group(c, i.rd, lmul)
    _check_group(c, i.rs2, lmul)
    vector = not at.scalar
    if vector:
        _check_group(c, i.rs1, lmul)
    if at.op == "slide1up":
        c.push_i32(i.rd)
        c.push_i32(i.rs2)
        f.i32_eq()
        _illegal_if(c)
    scalar = c.tmp(I64)

    def by_width(width: int) -> None:
        if width < 4:
            return
        if not vector:
            _scalar_f(c, i.rs1, width, scalar)
        if at.op.startswith("slide"):
            _slide1(c, i, width, scalar)
            return
        t = "s" if width == 4 else "d"
        ib, fl = (I32, F32) if width == 4 else (I64, F64)
        ab, bb, a, b = c.tmp(ib), c.tmp(ib), c.tmp(fl), c.tmp(fl)
        ty = f"f{8 * width}"
        r = c.tmp(I64)

        def load(bits: int, val: int, reg: int | None, k: int) -> None:
            if reg is None:
                f.local_get(scalar)
            else:
                _get(c, reg, k, width)
            if width == 4:
                f.i32_wrap_i64()
            f.local_tee(bits)
            getattr(f, f"{ty}_reinterpret_i{8 * width}")()
            f.local_set(val)

        def is_nan(x: int) -> None:
            f.local_get(x)
            f.local_get(x)
            getattr(f, f"{ty}_ne")()

        def bits64(x: int) -> None:  # push the bits local x as an i64
            f.local_get(x)
            if width == 4:
                f.i64_extend_i32_u()

        def body(k: int) -> None:
            load(ab, a, i.rs2, k)
            load(bb, b, i.rs1 if vector else None, k)
            _velem(c, i.rd, k, width)
            bits64(bb)  # a NaN: b
            f.local_get(a)
            f.local_get(b)
            getattr(f, f"{ty}_{at.op}")()
            getattr(f, f"i{8 * width}_reinterpret_{ty}")()
            if width == 4:
                f.i64_extend_i32_u()
            is_nan(a)
            f.select()
            f.local_set(r)
            bits64(ab)  # b a NaN: a
            f.local_get(r)
            is_nan(b)
            f.select()
            f.local_set(r)
            f.i64_const(CANONICAL_NAN32 if width == 4 else CANONICAL_NAN64)  # both NaNs
            f.local_get(r)
            is_nan(a)
            is_nan(b)
            f.i32_and()
            f.select()
            getattr(f, _STORE[width])(abi.CPU_V)
            _is_snan(c, t, ab)
            _is_snan(c, t, bb)
            f.i32_or()
            _accrue_if(c, NV)

        _elements(c, i.vm, body)

    _by_sew(c, sew, by_width)


def _slide1(c: Ctx, i: Insn, width: int, scalar: int) -> None:
    """vfslide1up / vfslide1down's element loop (`_minmax_slide`)."""
    f = c.f
    up = ATTRS[i.name].op == "slide1up"
    kk = c.tmp(I32)

    def body(k: int) -> None:
        _velem(c, i.rd, k, width)
        f.local_get(k)
        if up:
            f.i32_eqz()
        else:
            f.i32_const(0)
            f.i64_load(abi.CPU_VL)
            f.i32_wrap_i64()
            f.i32_const(1)
            f.i32_sub()
            f.i32_eq()
        f.if_(I64)
        f.local_get(scalar)
        f.else_()
        f.local_get(k)
        f.i32_const(1)
        if up:
            f.i32_sub()
        else:
            f.i32_add()
        f.local_set(kk)
        _get(c, i.rs2, kk, width)
        f.end()
        getattr(f, _STORE[width])(abi.CPU_V)

    _elements(c, i.vm, body)
