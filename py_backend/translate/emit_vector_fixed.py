"""Semantics of the vector fixed-point instructions and the integer reductions (RVV 1.0):
vsaddu, vsadd, vssubu, vssub, vaaddu, vaadd, vasubu, vasub, vsmul, vssrl, vssra, vnclipu,
vnclip; vredsum, vredand, vredor, vredxor, vredminu, vredmin, vredmaxu, vredmax, vwredsumu,
vwredsum.

Rounding follows vxrm (0 rnu: add the bit below the result, 1 rne: round half to even, 2 rdn:
truncate, 3 rod: jam the dropped bits into the result's lowest bit); a saturation sets vxsat
(sticky). Everything runs an element at a time, in i64 (elements zero- or sign-extended), as
written in emit_vector's helpers; tail and inactive elements stay.
"""

from __future__ import annotations

from .. import abi
from ..isa.insn import Insn
from ..isa.table import ATTRS
from .codegen import I32, I64, Ctx, trans
from .emit_int import _mulhu, _sub_if_negative
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
    _get,
    _get1,
    _group_size,
    _illegal_if,
    _operand1,
    _scalar_at_sew,
    _velem,
)
from .operand import Value

_SIGNED = {"sadd", "ssub", "aadd", "asub", "smul", "ssra", "nclip"}
_SIGNED |= {"redmin", "redmax", "wredsum"}


def _round(c: Ctx, v: int, sh: int, rm: int) -> None:
    """Push (i64) the rounding increment of shifting the i64 local `v` right by the i64 local
    `sh` (0..63) under the rounding mode in the i32 local `rm` (vxrm): with d = bit sh of v,
    d1 = bit sh-1, rest = bits sh-2..0 != 0: rnu d1, rne d1 & (rest | d), rdn 0,
    rod !d & (d1 | rest); 0 when sh = 0."""
    f = c.f
    d, d1, rest = c.tmp(I32), c.tmp(I32), c.tmp(I32)
    f.local_get(v)
    f.local_get(sh)
    f.i64_shr_u()
    f.i32_wrap_i64()
    f.i32_const(1)
    f.i32_and()
    f.local_set(d)
    f.local_get(v)
    f.local_get(sh)
    f.i64_const(1)
    f.i64_sub()
    f.i64_shr_u()
    f.i32_wrap_i64()
    f.i32_const(1)
    f.i32_and()
    f.local_set(d1)
    f.local_get(v)
    f.i64_const(1)
    f.local_get(sh)
    f.i64_const(1)
    f.i64_sub()
    f.i64_shl()
    f.i64_const(1)
    f.i64_sub()
    f.i64_and()
    f.i64_const(0)
    f.i64_ne()
    f.local_set(rest)
    # rm == 0 ? d1 : rm == 1 ? d1 & (rest | d) : rm == 3 ? !d & (d1 | rest) : 0
    f.local_get(d1)
    f.local_get(d1)
    f.local_get(rest)
    f.local_get(d)
    f.i32_or()
    f.i32_and()
    f.local_get(d)
    f.i32_eqz()
    f.local_get(d1)
    f.local_get(rest)
    f.i32_or()
    f.i32_and()
    f.i32_const(0)
    f.local_get(rm)
    f.i32_const(3)
    f.i32_eq()
    f.select()
    f.local_get(rm)
    f.i32_const(1)
    f.i32_eq()
    f.select()
    f.local_get(rm)
    f.i32_eqz()
    f.select()
    f.local_get(sh)
    f.i64_const(0)
    f.i64_ne()
    f.i32_and()
    f.i64_extend_i32_u()


def _set_vxsat(c: Ctx) -> None:
    """vxsat = 1."""
    c.f.i32_const(0)
    c.f.i32_const(1)
    c.f.i32_store(abi.CPU_VXSAT)


def _clamp(c: Ctx, r: int, lo: int | None, hi: int) -> None:
    """The i64 local r = min(max(r, lo), hi) (signed compares; lo None: unsigned, only the
    upper bound), setting vxsat when it changes."""
    f = c.f
    f.local_get(r)
    f.i64_const(hi)
    if lo is None:
        f.i64_gt_u()
    else:
        f.i64_gt_s()
    f.if_()
    f.i64_const(hi)
    f.local_set(r)
    _set_vxsat(c)
    f.end()
    if lo is None:
        return
    f.local_get(r)
    f.i64_const(lo)
    f.i64_lt_s()
    f.if_()
    f.i64_const(lo)
    f.local_set(r)
    _set_vxsat(c)
    f.end()


def _sat_if(c: Ctx, r: int, value: int) -> None:
    """Pop an i32: when non-zero, the i64 local r = value and vxsat = 1."""
    f = c.f
    f.if_()
    f.i64_const(value)
    f.local_set(r)
    _set_vxsat(c)
    f.end()


_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1

_FIXED = [f"v{op}.{k}" for op in ("saddu", "sadd", "ssubu", "ssub") for k in ("vv", "vx")]
_FIXED += ["vsaddu.vi", "vsadd.vi"]
_FIXED += [f"v{op}.{k}" for op in ("aaddu", "aadd", "asubu", "asub", "smul") for k in ("vv", "vx")]
_FIXED += [f"v{op}.{k}" for op in ("ssrl", "ssra") for k in ("vv", "vx", "vi")]


@trans(*_FIXED)
def _fixed(c: Ctx, i: Insn) -> None:
    """vd[k] = vs2[k] op (vs1[k] | x[rs1] | imm, at SEW) for the active elements k < vl, a = vs2[k]
    and b zero-extended (the u forms, vssrl) or sign-extended: vsaddu/vsadd/vssubu/vssub
    a +- b saturated to SEW (vxsat = 1 when it saturates); vaaddu/vaadd/vasubu/vasub
    (a +- b) >> 1 rounded, computed without overflow; vsmul (a * b) >> (SEW - 1) rounded and
    saturated (only -2^(SEW-1) squared saturates); vssrl/vssra a >> (b mod SEW) rounded
    (logical / arithmetic). The .vi immediate is simm5 (vsaddu/vsadd) or uimm5 (vssrl/vssra)."""
    f = c.f
    op = ATTRS[i.name].op
    signed = op in _SIGNED
    load = _LOAD_S if signed else _LOAD
    sew, lmul = _config(c)
    _check_vm_vd(c, i)
    _check_group(c, i.rd, lmul)
    _check_src_v0(c, i.vm, i.rs2)
    _check_group(c, i.rs2, lmul)
    vector, scalar = _operand1(c, i, lmul)
    if vector:
        _check_src_v0(c, i.vm, i.rs1)
    a, b, r, sh, t = c.tmp(I64), c.tmp(I64), c.tmp(I64), c.tmp(I64), c.tmp(I64)
    rm = c.tmp(I32)
    f.i32_const(0)
    f.i32_load(abi.CPU_VXRM)
    f.local_set(rm)

    def by_width(width: int) -> None:
        bits = 8 * width
        if not vector:
            _scalar_at_sew(c, scalar, width, signed)

        def body(k: int) -> None:
            _get(c, i.rs2, k, width, load)
            f.local_set(a)
            _get1(c, i, k, width, None if vector else scalar, load)
            f.local_set(b)
            if op in ("saddu", "sadd", "ssubu", "ssub"):
                _saturating(c, op, width, a, b, r)
            elif op in ("aaddu", "aadd", "asubu", "asub"):
                _averaging(c, op, width, a, b, r, sh, rm)
            elif op == "smul":
                _smul(c, width, a, b, r, sh, t, rm)
            else:  # vssrl, vssra
                f.local_get(b)
                f.i64_const(bits - 1)
                f.i64_and()
                f.local_set(sh)
                f.local_get(a)
                f.local_get(sh)
                f.i64_shr_s() if signed else f.i64_shr_u()
                _round(c, a, sh, rm)
                f.i64_add()
                f.local_set(r)
            _velem(c, i.rd, k, width)
            f.local_get(r)
            getattr(f, _STORE[width])(abi.CPU_V)

        _elements(c, i.vm, body)

    _by_sew(c, sew, by_width)


def _saturating(c: Ctx, op: str, width: int, a: int, b: int, r: int) -> None:
    """r = a + b or a - b saturated at SEW (a, b extended like the elements)."""
    f = c.f
    bits = 8 * width
    f.local_get(a)
    f.local_get(b)
    f.i64_add() if op in ("saddu", "sadd") else f.i64_sub()
    f.local_set(r)
    if op == "ssubu":  # a < b: 0
        f.local_get(a)
        f.local_get(b)
        f.i64_lt_u()
        _sat_if(c, r, 0)
    elif width < 8:
        if op == "saddu":
            _clamp(c, r, None, (1 << bits) - 1)
        else:
            _clamp(c, r, -(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    elif op == "saddu":  # the sum wrapped: all ones
        f.local_get(r)
        f.local_get(a)
        f.i64_lt_u()
        _sat_if(c, r, -1)
    else:  # signed overflow: the bound on a's side
        f.local_get(r)
        f.local_get(a)
        f.i64_xor()
        f.local_get(r if op == "sadd" else a)
        f.local_get(b)
        f.i64_xor()
        f.i64_and()
        f.i64_const(0)
        f.i64_lt_s()
        f.if_()
        f.local_get(a)
        f.i64_const(63)
        f.i64_shr_s()
        f.i64_const(_INT64_MAX)
        f.i64_xor()
        f.local_set(r)
        _set_vxsat(c)
        f.end()


def _averaging(c: Ctx, op: str, width: int, a: int, b: int, r: int, sh: int, rm: int) -> None:
    """r = (a +- b) >> 1 plus the rounding of the dropped bit, from the exact SEW+1-bit sum
    (at SEW = 64 its bit 64 is the carry, the borrow or the true sign)."""
    f = c.f
    add = op in ("aaddu", "aadd")
    f.local_get(a)
    f.local_get(b)
    f.i64_add() if add else f.i64_sub()
    f.local_set(r)
    f.i64_const(1)
    f.local_set(sh)
    if width < 8:
        f.local_get(r)
        f.i64_const(1)
        f.i64_shr_s()
    else:
        f.local_get(r)
        f.i64_const(1)
        f.i64_shr_u()
        if op == "aaddu":  # carry
            f.local_get(r)
            f.local_get(a)
            f.i64_lt_u()
        elif op == "asubu":  # borrow
            f.local_get(r)
            f.local_get(a)
            f.i64_gt_u()
        else:  # the true sign: r's sign flipped on overflow
            f.local_get(r)
            f.i64_const(0)
            f.i64_lt_s()
            f.local_get(r)
            f.local_get(a)
            f.i64_xor()
            f.local_get(r if add else a)
            f.local_get(b)
            f.i64_xor()
            f.i64_and()
            f.i64_const(0)
            f.i64_lt_s()
            f.i32_xor()
        f.i64_extend_i32_u()
        f.i64_const(63)
        f.i64_shl()
        f.i64_or()
    _round(c, r, sh, rm)
    f.i64_add()
    f.local_set(r)


def _smul(c: Ctx, width: int, a: int, b: int, r: int, sh: int, t: int, rm: int) -> None:
    """r = (a * b) >> (SEW - 1) rounded, saturated to SEW (a, b sign-extended); at SEW = 64
    from the 128-bit product."""
    f = c.f
    bits = 8 * width
    if width < 8:  # the product fits in an i64
        f.local_get(a)
        f.local_get(b)
        f.i64_mul()
        f.local_set(t)
        f.i64_const(bits - 1)
        f.local_set(sh)
        f.local_get(t)
        f.i64_const(bits - 1)
        f.i64_shr_s()
        _round(c, t, sh, rm)
        f.i64_add()
        f.local_set(r)
        _clamp(c, r, -(1 << (bits - 1)), (1 << (bits - 1)) - 1)
        return
    # r = hi << 1 | lo >> 63; the rounding from lo's bits 62..0; min * min saturates
    f.local_get(a)
    f.local_get(b)
    f.i64_mul()
    f.local_set(t)
    _mulhu(c, a, b)
    _sub_if_negative(c, a, b)
    _sub_if_negative(c, b, a)
    f.i64_const(1)
    f.i64_shl()
    f.local_get(t)
    f.i64_const(63)
    f.i64_shr_u()
    f.i64_or()
    f.local_set(r)
    f.i64_const(63)
    f.local_set(sh)
    _round(c, t, sh, rm)
    f.i32_wrap_i64()
    f.if_()
    f.local_get(r)
    f.i64_const(_INT64_MAX)
    f.i64_eq()
    f.if_()
    _set_vxsat(c)
    f.else_()
    f.local_get(r)
    f.i64_const(1)
    f.i64_add()
    f.local_set(r)
    f.end()
    f.end()
    f.local_get(a)
    f.i64_const(_INT64_MIN)
    f.i64_eq()
    f.local_get(b)
    f.i64_const(_INT64_MIN)
    f.i64_eq()
    f.i32_and()
    _sat_if(c, r, _INT64_MAX)


def _overlap(c: Ctx, x: Value, xsize: int, y: Value, ysize: int) -> None:
    """Push whether register groups [x, x + xsize) and [y, y + ysize) overlap (sizes: i32
    locals)."""
    f = c.f
    c.push_i32(x)
    c.push_i32(y)
    f.local_get(ysize)
    f.i32_add()
    f.i32_lt_s()
    c.push_i32(y)
    c.push_i32(x)
    f.local_get(xsize)
    f.i32_add()
    f.i32_lt_s()
    f.i32_and()


_NCLIP = [f"v{op}.{k}" for op in ("nclipu", "nclip") for k in ("wv", "wx", "wi")]


@trans(*_NCLIP)
def _nclip(c: Ctx, i: Insn) -> None:
    """vd[k] = clip(vs2[k] >> (b mod 2*SEW)), rounded, for the active elements k < vl: vs2 is a
    2*SEW group (2*LMUL registers, zero-extended for vnclipu, sign-extended for vnclip), b =
    vs1[k] | x[rs1] | uimm5; the result saturates to SEW (unsigned / signed), setting vxsat.
    Illegal at SEW = 64 or LMUL = 8, for a misaligned group, for vd inside vs2 other than at
    its first register."""
    f = c.f
    signed = ATTRS[i.name].op == "nclip"
    sew, lmul = _config(c)
    wide, dsize, wsize = c.tmp(I32), c.tmp(I32), c.tmp(I32)
    f.local_get(sew)
    f.i32_const(3)
    f.i32_eq()
    f.local_get(lmul)
    f.i32_const(3)
    f.i32_eq()
    f.i32_or()
    _illegal_if(c)
    f.local_get(lmul)
    f.i32_const(1)
    f.i32_add()
    f.local_set(wide)
    _check_group(c, i.rs2, wide)
    _check_group(c, i.rd, lmul)
    _check_vm_vd(c, i)
    _check_src_v0(c, i.vm, i.rs2)
    _group_size(c, lmul)
    f.local_set(dsize)
    _group_size(c, wide)
    f.local_set(wsize)
    c.push_i32(i.rd)
    c.push_i32(i.rs2)
    f.i32_ne()
    _overlap(c, i.rd, dsize, i.rs2, wsize)
    f.i32_and()
    _illegal_if(c)
    vector, scalar = _operand1(c, i, lmul)
    if vector:
        _check_src_v0(c, i.vm, i.rs1)
    a, r, sh = c.tmp(I64), c.tmp(I64), c.tmp(I64)
    rm = c.tmp(I32)
    f.i32_const(0)
    f.i32_load(abi.CPU_VXRM)
    f.local_set(rm)

    def by_width(width: int) -> None:
        if width == 8:
            return  # (illegal above)
        bits = 8 * width

        def body(k: int) -> None:
            _get(c, i.rs2, k, 2 * width, _LOAD_S if signed else _LOAD)
            f.local_set(a)
            _get1(c, i, k, width, None if vector else scalar)
            f.i64_const(2 * bits - 1)
            f.i64_and()
            f.local_set(sh)
            f.local_get(a)
            f.local_get(sh)
            f.i64_shr_s() if signed else f.i64_shr_u()
            _round(c, a, sh, rm)
            f.i64_add()
            f.local_set(r)
            if signed:
                _clamp(c, r, -(1 << (bits - 1)), (1 << (bits - 1)) - 1)
            else:
                _clamp(c, r, None, (1 << bits) - 1)
            _velem(c, i.rd, k, width)
            f.local_get(r)
            getattr(f, _STORE[width])(abi.CPU_V)

        _elements(c, i.vm, body)

    _by_sew(c, sew, by_width)


_REDUCE = {"redsum": "i64_add", "redand": "i64_and", "redor": "i64_or", "redxor": "i64_xor"}
_REDUCE_SELECT = {"redminu": "i64_lt_u", "redmin": "i64_lt_s"}
_REDUCE_SELECT |= {"redmaxu": "i64_gt_u", "redmax": "i64_gt_s"}
_REDUCTIONS = [f"v{op}.vs" for op in (*_REDUCE, *_REDUCE_SELECT, "wredsumu", "wredsum")]


@trans(*_REDUCTIONS)
def _reduction(c: Ctx, i: Insn) -> None:
    """vd[0] = op(vs1[0], the active elements vs2[k], k < vl), when vl > 0 (vd's other
    elements are its tail); vd and vs1 are single registers. vwredsumu / vwredsum sum the
    elements zero- / sign-extended into a 2*SEW vs1[0] and vd[0] (illegal at SEW = 64). Illegal
    when vstart != 0 (as in qemu)."""
    f = c.f
    op = ATTRS[i.name].op
    widen = op.startswith("w")
    signed = op in _SIGNED
    load = _LOAD_S if signed else _LOAD
    sew, lmul = _config(c)
    _check_group(c, i.rs2, lmul)
    f.i32_const(0)
    f.i32_load(abi.CPU_VSTART)
    if widen:
        f.local_get(sew)
        f.i32_const(3)
        f.i32_eq()
        f.i32_or()
    _illegal_if(c)
    acc, x = c.tmp(I64), c.tmp(I64)

    def by_width(width: int) -> None:
        if widen and width == 8:
            return  # (illegal above)
        dw = 2 * width if widen else width
        zero = c.tmp(I32)
        f.i32_const(0)
        f.local_set(zero)
        _get(c, i.rs1, zero, dw, load)
        f.local_set(acc)

        def body(k: int) -> None:
            _get(c, i.rs2, k, width, load)
            if op in _REDUCE_SELECT:  # select(x, acc, x op acc)
                f.local_tee(x)
                f.local_get(acc)
                f.local_get(x)
                f.local_get(acc)
                getattr(f, _REDUCE_SELECT[op])()
                f.select()
            else:
                f.local_get(acc)
                getattr(f, _REDUCE.get(op, "i64_add"))()
            f.local_set(acc)

        _elements(c, i.vm, body)
        f.i32_const(0)
        f.i64_load(abi.CPU_VL)
        f.i64_const(0)
        f.i64_ne()
        f.if_()
        _velem(c, i.rd, zero, dw)
        f.local_get(acc)
        getattr(f, _STORE[dw])(abi.CPU_V)
        f.end()

    _by_sew(c, sew, by_width)
