"""Semantics of Zvbb, the vector basic bit-manipulation extension (ratified; VLEN = 128,
ELEN = 64): vandn, vror, vrol (.vv/.vx, vror also .vi with a 6-bit amount), the unary vbrev8,
vrev8, vbrev, vclz, vctz, vcpop (.v) and the widening shift vwsll (.vv/.vx/.vi).

Each runs an element at a time over vstart .. vl-1 (`emit_vector._elements`, the v0 mask;
inactive and tail elements are left undisturbed, as qemu 10 does for the agnostic policies
too), with the element width fixed by a ``br_table`` over SEW. Elements are read zero-extended
into an i64 and stored back at their width, which drops the bits above SEW. The legality checks
are qemu 10's (target/riscv/insn_trans/trans_rvvk.c.inc): vill, aligned register groups, a
masked vd = v0; vwsll also SEW <= 32, LMUL <= 4 and the widening overlap rule.
"""

from __future__ import annotations

from .. import abi
from ..isa.insn import Insn
from ..isa.table import ATTRS
from .codegen import I32, I64, Ctx, trans
from .emit_vector import (
    _LOAD,
    _STORE,
    _by_sew,
    _check_group,
    _check_vm_vd,
    _config,
    _elements,
    _get,
    _get1,
    _group_size,
    _illegal_if,
    _operand1,
    _velem,
)
from .operand import Value

_M1 = 0x5555_5555_5555_5555
_M2 = 0x3333_3333_3333_3333
_M4 = 0x0F0F_0F0F_0F0F_0F0F
_B8 = 0x00FF_00FF_00FF_00FF
_B16 = 0x0000_FFFF_0000_FFFF


def _s64(v: int) -> int:
    return v - (1 << 64) if v >> 63 else v


def _swap(c: Ctx, x: int, shift: int, mask: int) -> None:
    """x = ((x >> shift) & mask) | ((x & mask) << shift) (the i64 local x)."""
    f = c.f
    f.local_get(x)
    f.i64_const(shift)
    f.i64_shr_u()
    f.i64_const(_s64(mask))
    f.i64_and()
    f.local_get(x)
    f.i64_const(_s64(mask))
    f.i64_and()
    f.i64_const(shift)
    f.i64_shl()
    f.i64_or()
    f.local_set(x)


def _brev8(c: Ctx, x: int) -> None:
    """Reverse the bits of each byte of the i64 local x."""
    _swap(c, x, 1, _M1)
    _swap(c, x, 2, _M2)
    _swap(c, x, 4, _M4)


def _rev8(c: Ctx, x: int, width: int) -> None:
    """Reverse the order of the low `width` bytes of the i64 local x (its other bytes are 0)."""
    f = c.f
    _swap(c, x, 8, _B8)
    _swap(c, x, 16, _B16)
    f.local_get(x)
    f.i64_const(32)
    f.i64_rotl()
    if width < 8:
        f.i64_const(64 - 8 * width)
        f.i64_shr_u()
    f.local_set(x)


_BINARY = ["vandn.vv", "vandn.vx", "vror.vv", "vror.vx", "vror.vi", "vrol.vv", "vrol.vx"]


@trans(*_BINARY)
def _binary(c: Ctx, i: Insn) -> None:
    """vd[k] = vs2[k] op (vs1[k] | x[rs1] | uimm6) for the active elements k < vl, at SEW:
    vandn: vs2 & ~op; vror / vrol: vs2 rotated right / left by the low log2(SEW) bits of op."""
    f = c.f
    op = ATTRS[i.name].op
    sew, lmul = _config(c)
    _check_vm_vd(c, i)
    _check_group(c, i.rd, lmul)
    _check_group(c, i.rs2, lmul)
    vector, scalar = _operand1(c, i, lmul)
    x, y = c.tmp(I64), c.tmp(I64)

    def by_width(width: int) -> None:
        bits = 8 * width

        def body(k: int) -> None:
            _velem(c, i.rd, k, width)
            _get(c, i.rs2, k, width)
            f.local_set(x)
            _get1(c, i, k, width, None if vector else scalar)
            f.local_set(y)
            if op == "andn":
                f.local_get(x)
                f.local_get(y)
                f.i64_const(-1)
                f.i64_xor()
                f.i64_and()
            elif bits == 64:
                f.local_get(x)
                f.local_get(y)
                if op == "ror":
                    f.i64_rotr()
                else:
                    f.i64_rotl()
            else:  # (x >> n) | (x << (SEW - n)) for ror; the store keeps SEW bits
                f.local_get(y)
                f.i64_const(bits - 1)
                f.i64_and()
                f.local_set(y)
                first, second = (
                    (f.i64_shr_u, f.i64_shl) if op == "ror" else (f.i64_shl, f.i64_shr_u)
                )
                f.local_get(x)
                f.local_get(y)
                first()
                f.local_get(x)
                f.i64_const(bits)
                f.local_get(y)
                f.i64_sub()
                second()
                f.i64_or()
            getattr(f, _STORE[width])(abi.CPU_V)

        _elements(c, i.vm, body)

    _by_sew(c, sew, by_width)


@trans("vbrev8.v", "vrev8.v", "vbrev.v", "vclz.v", "vctz.v", "vcpop.v")
def _unary(c: Ctx, i: Insn) -> None:
    """vd[k] = op(vs2[k]) at SEW for the active elements k < vl: vbrev8 reverses the bits of
    each byte, vrev8 the bytes of the element, vbrev all its bits; vclz / vctz count its
    leading / trailing zero bits (SEW for 0), vcpop its set bits."""
    f = c.f
    op = ATTRS[i.name].op
    sew, lmul = _config(c)
    _check_vm_vd(c, i)
    _check_group(c, i.rd, lmul)
    _check_group(c, i.rs2, lmul)
    x = c.tmp(I64)

    def by_width(width: int) -> None:
        bits = 8 * width

        def body(k: int) -> None:
            _velem(c, i.rd, k, width)
            _get(c, i.rs2, k, width)
            f.local_set(x)
            if op in ("brev8", "brev"):
                _brev8(c, x)
            if op in ("rev8", "brev"):
                _rev8(c, x, width)
            f.local_get(x)
            if op == "clz":
                f.i64_clz()
                f.i64_const(64 - bits)
                f.i64_sub()
            elif op == "ctz":
                if bits < 64:
                    f.i64_const(1 << bits)
                    f.i64_or()
                f.i64_ctz()
            elif op == "cpop":
                f.i64_popcnt()
            getattr(f, _STORE[width])(abi.CPU_V)

        _elements(c, i.vm, body)

    _by_sew(c, sew, by_width)


def _overlapped(c: Ctx, a: int, asize: int, b: int, bsize: int) -> None:
    """Push whether registers a .. a+asize-1 and b .. b+bsize-1 share one (i32 locals):
    max(a + asize, b + bsize) - min(a, b) < asize + bsize."""
    f = c.f
    f.local_get(a)
    f.local_get(asize)
    f.i32_add()
    f.local_get(b)
    f.local_get(bsize)
    f.i32_add()
    f.local_get(a)
    f.local_get(asize)
    f.i32_add()
    f.local_get(b)
    f.local_get(bsize)
    f.i32_add()
    f.i32_gt_s()
    f.select()
    f.local_get(a)
    f.local_get(b)
    f.local_get(a)
    f.local_get(b)
    f.i32_lt_s()
    f.select()
    f.i32_sub()
    f.local_get(asize)
    f.local_get(bsize)
    f.i32_add()
    f.i32_lt_s()


def _check_widening_overlap(c: Ctx, vd: Value, dl: int, vs: Value, lmul: int) -> None:
    """qemu's require_noover(vd, LMUL * 2, vs, LMUL): the destination group may not overlap
    the source group, except (LMUL >= 1) when the source is the destination's upper half."""
    f = c.f
    d, s, dsize, ssize = c.tmp(I32), c.tmp(I32), c.tmp(I32), c.tmp(I32)
    c.push_i32(vd)
    f.local_set(d)
    c.push_i32(vs)
    f.local_set(s)
    _group_size(c, dl)
    f.local_set(dsize)
    _group_size(c, lmul)
    f.local_set(ssize)
    _overlapped(c, d, dsize, s, ssize)
    # the exception: dsize > ssize, d < s, LMUL >= 1 and no overlap with s + ssize .. (which
    # holds when s is the upper half of the aligned destination)
    f.local_get(dsize)
    f.local_get(ssize)
    f.i32_gt_s()
    f.local_get(d)
    f.local_get(s)
    f.i32_lt_s()
    f.i32_and()
    f.local_get(lmul)
    f.i32_const(0)
    f.i32_ge_s()
    f.i32_and()
    f.local_get(s)
    f.local_get(ssize)
    f.i32_add()
    f.local_set(s)
    _overlapped(c, d, dsize, s, ssize)
    f.i32_eqz()
    f.i32_and()
    f.i32_eqz()
    f.i32_and()
    _illegal_if(c)


@trans("vwsll.vv", "vwsll.vx", "vwsll.vi")
def _vwsll(c: Ctx, i: Insn) -> None:
    """vd[k] (2 * SEW wide) = zext(vs2[k]) << (the low log2(2 * SEW) bits of vs1[k] | x[rs1] |
    uimm5) for the active elements k < vl. vd is a group of 2 * LMUL registers: SEW <= 32 and
    LMUL <= 4, else illegal, as are the overlaps of vd with a source that widening forbids."""
    f = c.f
    sew, lmul = _config(c)
    f.local_get(sew)
    f.i32_const(3)
    f.i32_eq()
    f.local_get(lmul)
    f.i32_const(3)
    f.i32_eq()
    f.i32_or()
    _illegal_if(c)
    dl = c.tmp(I32)
    f.local_get(lmul)
    f.i32_const(1)
    f.i32_add()
    f.local_set(dl)
    _check_group(c, i.rd, dl)
    _check_vm_vd(c, i)
    _check_group(c, i.rs2, lmul)
    _check_widening_overlap(c, i.rd, dl, i.rs2, lmul)
    vector, scalar = _operand1(c, i, lmul)
    if vector:
        _check_widening_overlap(c, i.rd, dl, i.rs1, lmul)

    def by_width(width: int) -> None:
        if width == 8:
            return  # (excluded above)

        def body(k: int) -> None:
            _velem(c, i.rd, k, 2 * width)
            _get(c, i.rs2, k, width)
            _get1(c, i, k, width, None if vector else scalar, _LOAD)
            f.i64_const(16 * width - 1)
            f.i64_and()
            f.i64_shl()
            getattr(f, _STORE[2 * width])(abi.CPU_V)

        _elements(c, i.vm, body)

    _by_sew(c, sew, by_width)
