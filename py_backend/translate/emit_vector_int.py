"""Semantics of RVV 1.0's integer multiply, divide, multiply-add, widening, narrowing and
extension instructions (VLEN = 128, ELEN = 64): vmul, vmulh, vmulhu, vmulhsu, vdiv[u], vrem[u]
(.vv/.vx); vmacc, vnmsac, vmadd, vnmsub (.vv/.vx); vwaddu, vwadd, vwsubu, vwsub (.vv/.vx/.wv/.wx),
vwmulu, vwmul, vwmulsu, vwmaccu, vwmacc, vwmaccsu (.vv/.vx), vwmaccus.vx; vnsrl, vnsra
(.wv/.wx/.wi); vzext/vsext.vf2/vf4/vf8.

Each runs an element at a time (`emit_vector._elements`, vstart .. vl-1 under the v0 mask) with
the element widths fixed by a ``br_table`` over SEW: an operand of EEW = SEW * 2**k is read
sign- or zero-extended to i64, the result computed in i64 and its low EEW bits stored; vmul at
SEW >= 16 covering its whole register group uses Wasm SIMD (i16x8/i32x4/i64x2.mul). The
illegal cases are qemu 10's (trans_rvv.c.inc's checks, including its rules for source groups of
different EEWs): see `_check_widen`, `_check_narrow` and `_ext`.
"""

from __future__ import annotations

from .. import abi
from ..isa.insn import Insn
from ..isa.table import ATTRS
from .codegen import I32, I64, Ctx, trans
from .emit_int import _mulhu, _sub_if_negative, divrem_values
from .emit_vector import (
    _LOAD,
    _LOAD_S,
    _STORE,
    _by_sew,
    _check_group,
    _check_src_v0,
    _check_vm_vd,
    _config,
    _elements,
    _full_test,
    _group_bytes,
    _group_size,
    _illegal_if,
    _operand1,
    _scalar_at_sew,
    _simd_or_elements,
    _velem,
    _vlmax,
    _vload,
    _vstart_zero,
    _vstore,
)
from .operand import Value, known

# op -> (vs2 signed, vs1 / x[rs1] signed): how the operands are extended to i64
_SIGNS: dict[str, tuple[bool, bool]] = {
    "mul": (False, False),
    "mulh": (True, True),
    "mulhu": (False, False),
    "mulhsu": (True, False),
    "div": (True, True),
    "divu": (False, False),
    "rem": (True, True),
    "remu": (False, False),
    "macc": (False, False),
    "nmsac": (False, False),
    "madd": (False, False),
    "nmsub": (False, False),
    "waddu": (False, False),
    "wadd": (True, True),
    "wsubu": (False, False),
    "wsub": (True, True),
    "wmulu": (False, False),
    "wmul": (True, True),
    "wmulsu": (True, False),
    "wmaccu": (False, False),
    "wmacc": (True, True),
    "wmaccsu": (False, True),
    "wmaccus": (True, False),
    "nsrl": (False, False),
    "nsra": (True, False),
}
_ACCUMULATE = ("macc", "nmsac", "madd", "nmsub", "wmaccu", "wmacc", "wmaccsu", "wmaccus")

_SINGLE = [
    f"v{op}.{k}"
    for op in ("mul", "mulh", "mulhu", "mulhsu", "div", "divu", "rem", "remu")
    for k in ("vv", "vx")
]
_SINGLE += [f"v{op}.{k}" for op in ("macc", "nmsac", "madd", "nmsub") for k in ("vv", "vx")]
_WIDEN = [
    f"v{op}.{k}" for op in ("waddu", "wadd", "wsubu", "wsub") for k in ("vv", "vx", "wv", "wx")
]
_WIDEN += [
    f"v{op}.{k}"
    for op in ("wmulu", "wmul", "wmulsu", "wmaccu", "wmacc", "wmaccsu")
    for k in ("vv", "vx")
]
_WIDEN += ["vwmaccus.vx"]
_NARROW = [f"v{op}.{k}" for op in ("nsrl", "nsra") for k in ("wv", "wx", "wi")]
_EXT = [f"v{s}ext.vf{n}" for s in "zs" for n in (2, 4, 8)]


# --- illegal cases -------------------------------------------------------------------------------
def _log_plus(c: Ctx, log: int, delta: int) -> int:
    """A new i32 local = the i32 local `log` + delta (an EMUL as a log2)."""
    t = c.tmp(I32)
    c.f.local_get(log)
    c.f.i32_const(delta)
    c.f.i32_add()
    c.f.local_set(t)
    return t


def _overlap(c: Ctx, a: Value, alog: int, b: Value, blog: int) -> None:
    """Push whether the register groups at v`a` (2**alog registers, one when alog <= 0) and
    v`b` (2**blog) share a register (i32 locals alog and blog)."""
    f = c.f
    c.push_i32(a)
    c.push_i32(b)
    _group_size(c, blog)
    f.i32_add()
    f.i32_lt_s()
    c.push_i32(b)
    c.push_i32(a)
    _group_size(c, alog)
    f.i32_add()
    f.i32_lt_s()
    f.i32_and()


def _check_apart(c: Ctx, a: Value, alog: int, b: Value, blog: int) -> None:
    """Illegal when the groups overlap."""
    _overlap(c, a, alog, b, blog)
    _illegal_if(c)


def _check_noover(c: Ctx, dst: Value, dlog: int, src: Value, slog: int) -> None:
    """qemu's require_noover for a destination group wider than (or as wide as) a source group
    of another EEW, both aligned: they may overlap only when the destination has more registers,
    the source EMUL is at least 1 and the source is the destination's highest-numbered part."""
    f = c.f
    _overlap(c, dst, dlog, src, slog)
    f.local_get(slog)
    f.i32_const(0)
    f.i32_ge_s()
    f.local_get(dlog)
    f.local_get(slog)
    f.i32_gt_s()
    f.i32_and()
    c.push_i32(src)
    c.push_i32(dst)
    _group_size(c, dlog)
    f.i32_add()
    _group_size(c, slog)
    f.i32_sub()
    f.i32_eq()
    f.i32_and()
    f.i32_eqz()
    f.i32_and()
    _illegal_if(c)


def _check_wide_config(c: Ctx, sew: int, lmul: int) -> None:
    """A 2*SEW operand needs SEW < 64 and LMUL <= 4 (EMUL <= 8)."""
    f = c.f
    f.local_get(sew)
    f.i32_const(3)
    f.i32_ge_u()
    f.local_get(lmul)
    f.i32_const(2)
    f.i32_gt_s()
    f.i32_or()
    _illegal_if(c)


def _check_widen(c: Ctx, i: Insn, sew: int, lmul: int) -> None:
    """vd (2*SEW, EMUL = 2*LMUL) aligned and not v0 when masked; vs2 aligned to its EMUL
    (2*LMUL for .wv/.wx), vs1 to LMUL; a SEW-wide source may overlap vd only as qemu's
    require_noover allows (for the multiply-adds, whose vd is a source too, not at all); the
    2*SEW vs2 of .wv may not overlap vs1; a masked instruction reads no source from v0."""
    at = ATTRS[i.name]
    wide2 = i.name.endswith((".wv", ".wx"))
    vector1 = not at.scalar
    wide = _log_plus(c, lmul, 1)
    _check_wide_config(c, sew, lmul)
    _check_group(c, i.rd, wide)
    _check_vm_vd(c, i)
    accumulate = at.op in _ACCUMULATE
    if vector1:
        _check_src_v0(c, i.vm, i.rs1)
        _check_group(c, i.rs1, lmul)
        if accumulate:
            _check_apart(c, i.rd, wide, i.rs1, lmul)
        else:
            _check_noover(c, i.rd, wide, i.rs1, lmul)
    _check_src_v0(c, i.vm, i.rs2)
    if wide2:
        _check_group(c, i.rs2, wide)
        if vector1:
            _check_apart(c, i.rs1, lmul, i.rs2, wide)
    else:
        _check_group(c, i.rs2, lmul)
        if accumulate:
            _check_apart(c, i.rd, wide, i.rs2, lmul)
        else:
            _check_noover(c, i.rd, wide, i.rs2, lmul)


def _check_narrow(c: Ctx, i: Insn, sew: int, lmul: int) -> None:
    """vs2 (2*SEW, EMUL = 2*LMUL) and vd, vs1 (LMUL) aligned; vd not v0 when masked, nor any
    source; vd may overlap vs2 only as its first register (vd = vs2); vs1 and vs2 apart."""
    at = ATTRS[i.name]
    wide = _log_plus(c, lmul, 1)
    _check_wide_config(c, sew, lmul)
    _check_group(c, i.rs2, wide)
    _check_group(c, i.rd, lmul)
    _check_vm_vd(c, i)
    _check_src_v0(c, i.vm, i.rs2)
    # vd != vs2 and the groups overlap
    f = c.f
    _overlap(c, i.rd, lmul, i.rs2, wide)
    c.push_i32(i.rd)
    c.push_i32(i.rs2)
    f.i32_ne()
    f.i32_and()
    _illegal_if(c)
    if not (at.scalar or at.imm):
        _check_src_v0(c, i.vm, i.rs1)
        _check_apart(c, i.rs1, lmul, i.rs2, wide)


# --- the operations ------------------------------------------------------------------------------
def _compute(c: Ctx, op: str, width: int, a: int, b: int, d: int) -> None:
    """Push the i64 result of `op` at SEW = width bytes: a = vs2[k], b = vs1[k] or the scalar
    (both extended as _SIGNS says), d = vd[k] (the multiply-adds)."""
    f = c.f
    if op in ("mul", "wmulu", "wmul", "wmulsu"):
        f.local_get(a)
        f.local_get(b)
        f.i64_mul()
    elif op in ("mulh", "mulhu", "mulhsu"):
        if width < 8:  # the whole product fits in i64
            f.local_get(a)
            f.local_get(b)
            f.i64_mul()
            f.i64_const(8 * width)
            f.i64_shr_u()
        else:  # the high half of the 128-bit product, as the scalar mulh* compute it
            _mulhu(c, a, b)
            if op in ("mulh", "mulhsu"):
                _sub_if_negative(c, a, b)
            if op == "mulh":
                _sub_if_negative(c, b, a)
    elif op in ("div", "divu", "rem", "remu"):
        divrem_values(c, op.rstrip("u"), op in ("div", "rem"), True, a, b)
    elif op in ("waddu", "wadd"):
        f.local_get(a)
        f.local_get(b)
        f.i64_add()
    elif op in ("wsubu", "wsub"):
        f.local_get(a)
        f.local_get(b)
        f.i64_sub()
    elif op in ("macc", "nmsac", "wmaccu", "wmacc", "wmaccsu", "wmaccus"):
        f.local_get(d)
        f.local_get(a)
        f.local_get(b)
        f.i64_mul()
        if op == "nmsac":
            f.i64_sub()
        else:
            f.i64_add()
    elif op in ("madd", "nmsub"):
        f.local_get(a)
        f.local_get(b)
        f.local_get(d)
        f.i64_mul()
        if op == "nmsub":
            f.i64_sub()
        else:
            f.i64_add()
    elif op in ("nsrl", "nsra"):  # a is 2*SEW wide: shift by the low log2(2*SEW) bits of b
        f.local_get(a)
        f.local_get(b)
        f.i64_const(16 * width - 1)
        f.i64_and()
        if op == "nsra":
            f.i64_shr_s()
        else:
            f.i64_shr_u()
    else:
        raise AssertionError(op)


@trans(*_SINGLE, *_WIDEN, *_NARROW)
def _vint(c: Ctx, i: Insn) -> None:
    """vd[k] = vs2[k] op (vs1[k] | x[rs1] | uimm5) for the active elements k < vl:

    - vmul: the low SEW bits of the product; vmulh / vmulhu / vmulhsu: its high SEW bits, of
      signed * signed / unsigned * unsigned / signed vs2 * unsigned vs1;
    - vdiv[u] / vrem[u]: the quotient rounded towards zero / the remainder (sign of the
      dividend); x / 0 = all ones, x % 0 = x, INT_MIN / -1 = INT_MIN, INT_MIN % -1 = 0;
    - vmacc: vd + vs1 * vs2, vnmsac: vd - vs1 * vs2, vmadd: vs1 * vd + vs2,
      vnmsub: vs2 - vs1 * vd (low SEW bits);
    - vw*: vd has 2*SEW bits: vwadd[u] / vwsub[u] of vs2 (SEW, or 2*SEW for .wv/.wx) and vs1
      (SEW), sign- (zero-, the u forms) extended; vwmul[u|su] the whole product; vwmacc[u]:
      vd + vs1 * vs2, vwmaccsu: vd + signed vs1 * unsigned vs2, vwmaccus: vd + unsigned x[rs1]
      * signed vs2;
    - vnsrl / vnsra: vs2 (2*SEW) shifted right logically / arithmetically by the low
      log2(2*SEW) bits of the operand, the low SEW bits into vd.

    A .vx scalar takes part as its low SEW bits, extended like the vs1 elements."""
    f = c.f
    at = ATTRS[i.name]
    op = at.op
    sign2, sign1 = _SIGNS[op]
    sew, lmul = _config(c)
    if i.name in _SINGLE:
        dlog, log2 = 0, 0  # (vd, vs2 EEW as a log2 of SEW multiples)
        _check_vm_vd(c, i)
        _check_group(c, i.rd, lmul)
        _check_group(c, i.rs2, lmul)
        _check_src_v0(c, i.vm, i.rs2)
        if not at.scalar:
            _check_src_v0(c, i.vm, i.rs1)
    elif i.name in _NARROW:
        dlog, log2 = 0, 1
        _check_narrow(c, i, sew, lmul)
    else:
        dlog, log2 = 1, 1 if i.name.endswith((".wv", ".wx")) else 0
        _check_widen(c, i, sew, lmul)
    vector, scalar = _operand1(c, i, lmul)
    a, b, d = c.tmp(I64), c.tmp(I64), c.tmp(I64)

    def by_width(width: int) -> None:
        wd, w2 = width << dlog, width << log2
        if max(wd, w2) > 8:
            return  # (illegal: SEW = 64 with a 2*SEW operand)
        if not vector:
            _scalar_at_sew(c, scalar, width, sign1)

        def body(k: int) -> None:
            _velem(c, i.rs2, k, w2)
            getattr(f, (_LOAD_S if sign2 else _LOAD)[w2])(abi.CPU_V)
            f.local_set(a)
            if vector:
                _velem(c, i.rs1, k, width)
                getattr(f, (_LOAD_S if sign1 else _LOAD)[width])(abi.CPU_V)
            else:
                f.local_get(scalar)
            f.local_set(b)
            if op in _ACCUMULATE:
                _velem(c, i.rd, k, wd)
                getattr(f, _LOAD[wd])(abi.CPU_V)
                f.local_set(d)
            _velem(c, i.rd, k, wd)
            _compute(c, op, width, a, b, d)
            getattr(f, _STORE[wd])(abi.CPU_V)

        if dlog and _widen_simd_ok(c, i, width):
            _full_test(c, i.vm, _vlmax(c, width))
            f.if_()
            _widen_simd(c, i, width, scalar)
            f.else_()
            _elements(c, i.vm, body)
            f.end()
            return
        if op != "mul" or width == 1 or known(i.vm) == 0:
            _elements(c, i.vm, body)
            return
        # vmul at SEW 16..64 over its whole group: iNxM.mul a register at a time
        _simd_or_elements(c, i, sew, lmul, width, scalar, body)

    _by_sew(c, sew, by_width)


# ops of the widening whole-group path: op -> (Wasm operation, signedness suffix)
_WIDE_SIMD = {
    "wmul": ("extmul", "s"),
    "wmulu": ("extmul", "u"),
    "wmacc": ("extmul", "s"),
    "wmaccu": ("extmul", "u"),
    "wadd": ("add", "s"),
    "waddu": ("add", "u"),
    "wsub": ("sub", "s"),
    "wsubu": ("sub", "u"),
}


def _widen_simd_ok(c: Ctx, i: Insn, width: int) -> bool:
    """Whether the JIT (vtype known) emits `_widen_simd` for widening `i` at SEW = width:
    LMUL 1/8 .. 4, a signed/unsigned op of `_WIDE_SIMD`, possibly unmasked."""
    if c.vtype is None or known(i.vm) == 0 or ATTRS[i.name].op not in _WIDE_SIMD:
        return False
    return c.vtype & 7 != 3 and width <= 4


def _widen_simd(c: Ctx, i: Insn, width: int, scalar: int) -> None:
    """The widening op `i` over its whole group (vstart = 0, vl = VLMAX, unmasked), a 2*SEW
    destination register d at a time from half (low for even d) of the SEW-wide source
    register d >> 1; vd overlaps a source only as its last part, read before written (as the
    element loop). At LMUL < 1, one destination register (or its low 2 * LMUL part: the rest is
    tail) from the sources' group bytes (LMUL of a register, read alone: see `_vload`)."""
    f = c.f
    at = ATTRS[i.name]
    kind, sign = _WIDE_SIMD[at.op]
    assert c.vtype is not None
    vlmul = c.vtype & 7
    nd = 1 if vlmul > 4 else 2 << vlmul
    narrow, wide = f"i{8 * width}x{16 // width}", f"i{16 * width}x{8 // width}"
    wide2 = i.name.endswith((".wv", ".wx"))
    nbytes = _group_bytes(c)  # of a narrow source register
    dbytes = min(2 * nbytes, 16)  # of a destination (and wide source) register

    def load(reg: Value, k: int, size: int) -> None:
        c.push_i32(reg)
        f.i32_const(4)
        f.i32_shl()
        _vload(c, size, abi.CPU_V + 16 * k)

    for d in range(nd):
        half = "high" if d & 1 else "low"

        def narrow_op(reg: Value | None, extend: bool, d: int = d, half: str = half) -> None:
            if reg is None:
                f.local_get(scalar)
                f.i32_wrap_i64()
                f.emit(f"{narrow}.splat")
            else:
                load(reg, d >> 1, nbytes)
            if extend:
                f.emit(f"{wide}.extend_{half}_{narrow}_{sign}")

        c.push_i32(i.rd)
        f.i32_const(4)
        f.i32_shl()
        if at.op in ("wmacc", "wmaccu"):
            load(i.rd, d, dbytes)
        if wide2:
            load(i.rs2, d, dbytes)
        else:
            narrow_op(i.rs2, kind != "extmul")
        narrow_op(None if at.scalar else i.rs1, kind != "extmul")
        if kind == "extmul":
            f.emit(f"{wide}.extmul_{half}_{narrow}_{sign}")
            if at.op in ("wmacc", "wmaccu"):
                f.emit(f"{wide}.add")
        else:
            f.emit(f"{wide}.{kind}")
        _vstore(c, dbytes, abi.CPU_V + 16 * d)
    _vstart_zero(c)


@trans(*_EXT)
def _ext(c: Ctx, i: Insn) -> None:
    """vzext.vfN / vsext.vfN: vd[k] (SEW) = vs2[k] (SEW / N bits) zero- / sign-extended, for
    the active elements k < vl. Illegal (as qemu 10 decides) when SEW / N < 8, vd = vs2, vd or
    vs2 (EMUL = LMUL / N) is misaligned, vd or vs2 is v0 in a masked instruction, or the groups
    overlap other than vs2 being the highest-numbered part of vd with EMUL >= 1."""
    f = c.f
    op = ATTRS[i.name].op
    n = int(op[-1])
    shift = {2: 1, 4: 2, 8: 3}[n]
    load = _LOAD_S if op.startswith("s") else _LOAD
    sew, lmul = _config(c)
    narrow = _log_plus(c, lmul, -shift)
    f.local_get(sew)
    f.i32_const(shift)
    f.i32_lt_u()  # SEW / N < 8
    c.push_i32(i.rd)
    c.push_i32(i.rs2)
    f.i32_eq()
    f.i32_or()
    _illegal_if(c)
    _check_group(c, i.rd, lmul)
    _check_group(c, i.rs2, narrow)
    _check_vm_vd(c, i)
    _check_src_v0(c, i.vm, i.rs2)
    _check_noover(c, i.rd, lmul, i.rs2, narrow)

    def by_width(width: int) -> None:
        if width < n:
            return  # (illegal)

        def body(k: int) -> None:
            _velem(c, i.rd, k, width)
            _velem(c, i.rs2, k, width // n)
            getattr(f, load[width // n])(abi.CPU_V)
            getattr(f, _STORE[width])(abi.CPU_V)

        if n != 2 or c.vtype is None or known(i.vm) == 0:
            _elements(c, i.vm, body)
            return
        # JIT, vf2 over the whole group: destination register d from half (low for even d) of
        # source register d >> 1 (vs2 overlaps vd only as its last part); at LMUL <= 1, the
        # group's bytes of vd from the source's (half as many, read alone: see `_vload`)
        _full_test(c, i.vm, _vlmax(c, width))
        f.if_()
        narrow, wide = f"i{4 * width}x{32 // width}", f"i{8 * width}x{16 // width}"
        vlmul, dbytes = c.vtype & 7, _group_bytes(c)
        for d in range(1 << vlmul if vlmul < 4 else 1):
            c.push_i32(i.rd)
            f.i32_const(4)
            f.i32_shl()
            c.push_i32(i.rs2)
            f.i32_const(4)
            f.i32_shl()
            nbytes = 16 if vlmul and vlmul < 4 else dbytes // 2
            _vload(c, nbytes, abi.CPU_V + 16 * (d >> 1))
            half = "high" if d & 1 else "low"
            f.emit(f"{wide}.extend_{half}_{narrow}_{'s' if op.startswith('s') else 'u'}")
            _vstore(c, dbytes, abi.CPU_V + 16 * d)
        _vstart_zero(c)
        f.else_()
        _elements(c, i.vm, body)
        f.end()

    _by_sew(c, sew, by_width)
