"""Semantics of the vector mask and permutation instructions (RVV 1.0, VLEN = 128): the
mask-register logical instructions (vmand.mm .. vmxnor.mm), vcpop.m, vfirst.m, vmsbf.m,
vmsif.m, vmsof.m, viota.m; the slides (vslideup, vslidedown .vx/.vi, vslide1up.vx,
vslide1down.vx), the register gathers (vrgather .vv/.vx/.vi, vrgatherei16.vv) and vcompress.vm.

Written once against the `Ctx` emitter API with the helpers of `emit_vector` (both tiers run
them). Like the rest of the vector semantics, tail and inactive elements (and the tail bits
of a mask destination, agnostic whatever vta says) are left undisturbed, as qemu 10 does; the
reserved overlaps and the instructions that need vstart = 0 are illegal instructions.
"""

from __future__ import annotations

from .. import abi
from ..isa.insn import Insn
from ..isa.table import ATTRS
from .codegen import I32, I64, Ctx, trans
from .emit_vector import (
    _STORE,
    _by_sew,
    _check_group,
    _check_src_v0,
    _check_vm_vd,
    _config,
    _elements,
    _get,
    _group_size,
    _illegal_if,
    _mask_bit,
    _set_mask_bit,
    _velem,
    _vstart_zero,
)
from .operand import Value, known


# --- checks --------------------------------------------------------------------------------------
def _vstart_nonzero_illegal(c: Ctx) -> None:
    """Illegal when vstart != 0 (vcpop, vfirst, vmsbf/vmsif/vmsof, viota, vcompress)."""
    c.f.i32_const(0)
    c.f.i32_load(abi.CPU_VSTART)
    _illegal_if(c)


def _same_illegal(c: Ctx, a: Value, b: Value) -> None:
    """Illegal when registers a and b are the same."""
    c.push_i32(a)
    c.push_i32(b)
    c.f.i32_eq()
    _illegal_if(c)


def _overlap_illegal(c: Ctx, a: Value, alog: int | None, b: Value, blog: int | None) -> None:
    """Illegal when the group of v`a` (2**alog registers, alog an i32 local; None: one
    register) and that of v`b` share a register: a < b + size(b) and b < a + size(a)."""
    f = c.f
    for x, y, ylog in ((a, b, blog), (b, a, alog)):
        c.push_i32(x)
        c.push_i32(y)
        if ylog is None:
            f.i32_const(1)
        else:
            _group_size(c, ylog)
        f.i32_add()
        f.i32_lt_s()
    f.i32_and()
    _illegal_if(c)


def _vlmax(c: Ctx, sew: int, lmul: int) -> int:
    """An i64 local = VLMAX = VLEN * LMUL / SEW (a power of two) of the current vtype."""
    f = c.f
    out = c.tmp(I64)
    f.i32_const(abi.VLEN)
    f.local_get(lmul)
    f.i32_const(3)
    f.i32_add()
    f.i32_shl()
    f.local_get(sew)
    f.i32_const(6)
    f.i32_add()
    f.i32_shr_u()
    f.i64_extend_i32_u()
    f.local_set(out)
    return out


# --- mask-register logical, population, find-first: 64 bits at a time -------------------------
def _bits_below(c: Ctx, n: int, half: int, s: int) -> None:
    """Push the i64 word `half` (0, 1) of a 128-bit mask with bits 0 .. n - 1 set (n an i64
    local, 0..128; s a scratch i64 local)."""
    f = c.f
    f.local_get(n)
    f.i64_const(64 * half)
    f.i64_sub()
    f.local_tee(s)
    f.i64_const(64)
    f.i64_ge_s()
    f.if_(I64)
    f.i64_const(-1)
    f.else_()
    f.i64_const(1)
    f.local_get(s)
    f.i64_shl()
    f.i64_const(1)
    f.i64_sub()
    f.i64_const(0)
    f.local_get(s)
    f.i64_const(0)
    f.i64_gt_s()
    f.select()
    f.end()


def _body_bits(c: Ctx, half: int, vm: Value) -> int:
    """An i64 local = word `half` of the bits k of the body: vstart <= k < vl, active (vm = 1,
    or bit k of v0 set)."""
    f = c.f
    vl, vstart, s, out = c.tmp(I64), c.tmp(I64), c.tmp(I64), c.tmp(I64)
    f.i32_const(0)
    f.i64_load(abi.CPU_VL)
    f.local_set(vl)
    f.i32_const(0)
    f.i32_load(abi.CPU_VSTART)
    f.i64_extend_i32_u()
    f.local_set(vstart)
    _bits_below(c, vl, half, s)
    _bits_below(c, vstart, half, s)
    f.i64_const(-1)
    f.i64_xor()
    f.i64_and()
    if known(vm) != 1:
        f.i32_const(0)
        f.i64_load(abi.CPU_V + 8 * half)  # v0
        if known(vm) is None:  # | -vm: all ones when unmasked
            f.i64_const(0)
            c.push_i64(vm)
            f.i64_sub()
            f.i64_or()
        f.i64_and()
    f.local_set(out)
    return out


def _mask_word(c: Ctx, reg: Value, half: int) -> None:
    """Push word `half` (bits 64 * half ..) of mask register v`reg` as an i64."""
    c.push_i32(reg)
    c.f.i32_const(4)
    c.f.i32_shl()
    c.f.i64_load(abi.CPU_V + 8 * half)


_MASK_LOGICAL = ["vmand.mm", "vmnand.mm", "vmandn.mm", "vmxor.mm"]
_MASK_LOGICAL += ["vmor.mm", "vmnor.mm", "vmorn.mm", "vmxnor.mm"]
_MASK_BASE = {"and": "and", "nand": "and", "andn": "and", "xor": "xor", "or": "or"}
_MASK_BASE |= {"nor": "or", "orn": "or", "xnor": "xor"}


@trans(*_MASK_LOGICAL)
def _mask_logical(c: Ctx, i: Insn) -> None:
    """Bit k of the mask vd = vs2[k] op vs1[k] for every k from vstart to vl - 1 (vl counts
    elements of the current SEW); andn / orn complement vs1, nand / nor / xnor the result. The
    other bits stay. (vmmv.m, vmnot.m, vmclr.m and vmset.m are these with equal registers.)
    A 64-bit word at a time: vd = vd & ~body | result & body."""
    f = c.f
    op = ATTRS[i.name].op
    _config(c)
    body = [_body_bits(c, half, 1) for half in (0, 1)]
    for half in (0, 1):
        c.push_i32(i.rd)
        f.i32_const(4)
        f.i32_shl()
        _mask_word(c, i.rs2, half)
        _mask_word(c, i.rs1, half)
        if op in ("andn", "orn"):
            f.i64_const(-1)
            f.i64_xor()
        getattr(f, f"i64_{_MASK_BASE[op]}")()
        if op in ("nand", "nor", "xnor"):
            f.i64_const(-1)
            f.i64_xor()
        f.local_get(body[half])
        f.i64_and()
        _mask_word(c, i.rd, half)
        f.local_get(body[half])
        f.i64_const(-1)
        f.i64_xor()
        f.i64_and()
        f.i64_or()
        f.i64_store(abi.CPU_V + 8 * half)
    _vstart_zero(c)


@trans("vcpop.m", "vfirst.m")
def _cpop_first(c: Ctx, i: Insn) -> None:
    """x[rd] = how many active elements k < vl have bit k of vs2 set (vcpop.m), or the index of
    the first such k, -1 when none (vfirst.m). Illegal unless vstart = 0. On the two 64-bit
    words of vs2 & active (i64.popcnt, i64.ctz)."""
    f = c.f
    first = ATTRS[i.name].op == "first"
    _config(c)
    _vstart_nonzero_illegal(c)
    words = []
    for half in (0, 1):
        w = _body_bits(c, half, i.vm)
        _mask_word(c, i.rs2, half)
        f.local_get(w)
        f.i64_and()
        f.local_set(w)
        words.append(w)
    lo, hi = words
    if first:  # lo ? ctz(lo) : hi ? 64 + ctz(hi) : -1
        f.local_get(lo)
        f.i64_ctz()
        f.local_get(hi)
        f.i64_ctz()
        f.i64_const(64)
        f.i64_add()
        f.i64_const(-1)
        f.local_get(hi)
        f.i64_const(0)
        f.i64_ne()
        f.select()
        f.local_get(lo)
        f.i64_const(0)
        f.i64_ne()
        f.select()
    else:
        f.local_get(lo)
        f.i64_popcnt()
        f.local_get(hi)
        f.i64_popcnt()
        f.i64_add()
    _vstart_zero(c)
    c.set_x(i.rd)


@trans("vmsbf.m", "vmsif.m", "vmsof.m")
def _set_first(c: Ctx, i: Insn) -> None:
    """Over the active elements k < vl, in order, with the first one whose bit of vs2 is set:
    bit k of the mask vd = 1 before it (vmsbf), before it and at it (vmsif), only at it
    (vmsof), else 0; inactive and tail bits stay. Illegal when vd = vs2, when masked with
    vd = v0, or when vstart != 0."""
    f = c.f
    op = ATTRS[i.name].op
    _config(c)
    _check_vm_vd(c, i)
    _same_illegal(c, i.rd, i.rs2)
    _vstart_nonzero_illegal(c)
    found, bit = c.tmp(I32), c.tmp(I32)
    f.i32_const(0)
    f.local_set(found)

    def body(k: int) -> None:
        # bit = !found && (s ? op != "sbf" : op != "sof"); found |= s
        _mask_bit(c, i.rs2, k)
        f.local_set(bit)
        f.i32_const(int(op != "sbf"))
        f.i32_const(int(op != "sof"))
        f.local_get(bit)
        f.select()
        f.i32_const(0)
        f.local_get(found)
        f.i32_eqz()
        f.select()
        f.local_get(found)
        f.local_get(bit)
        f.i32_or()
        f.local_set(found)
        _set_mask_bit(c, i.rd, k)

    _elements(c, i.vm, body)


@trans("viota.m")
def _viota(c: Ctx, i: Insn) -> None:
    """vd[k] = how many active elements j < k have bit j of vs2 set, for the active elements
    k < vl (at SEW). Illegal when the destination group holds vs2, when masked with vd = v0,
    when vd is misaligned, or when vstart != 0."""
    f = c.f
    sew, lmul = _config(c)
    _check_vm_vd(c, i)
    _check_group(c, i.rd, lmul)
    _overlap_illegal(c, i.rd, lmul, i.rs2, None)
    _vstart_nonzero_illegal(c)
    total = c.tmp(I64)
    f.i64_const(0)
    f.local_set(total)

    def by_width(width: int) -> None:
        def body(k: int) -> None:
            _velem(c, i.rd, k, width)
            f.local_get(total)
            getattr(f, _STORE[width])(abi.CPU_V)
            _mask_bit(c, i.rs2, k)
            f.i64_extend_i32_u()
            f.local_get(total)
            f.i64_add()
            f.local_set(total)

        _elements(c, i.vm, body)

    _by_sew(c, sew, by_width)


# --- slides --------------------------------------------------------------------------------------
_SLIDES = ["vslideup.vx", "vslideup.vi", "vslidedown.vx", "vslidedown.vi"]
_SLIDES += ["vslide1up.vx", "vslide1down.vx"]


@trans(*_SLIDES)
def _slide(c: Ctx, i: Insn) -> None:
    """OFFSET = x[rs1] (all 64 bits, unsigned) or uimm5; for the active elements k < vl:
    vslideup: vd[k] = vs2[k - OFFSET] when k >= OFFSET (the elements below stay);
    vslidedown: vd[k] = vs2[k + OFFSET] when k + OFFSET < VLMAX, else 0;
    vslide1up: vd[0] = x[rs1], vd[k] = vs2[k - 1]; vslide1down: vd[k] = vs2[k + 1], and
    vd[vl - 1] = x[rs1] (the scalar's low SEW bits). The up slides may not write vs2 (vd = vs2
    is illegal)."""
    f = c.f
    op = ATTRS[i.name].op
    sew, lmul = _config(c)
    _check_vm_vd(c, i)
    _check_group(c, i.rd, lmul)
    _check_src_v0(c, i.vm, i.rs2)
    _check_group(c, i.rs2, lmul)
    if op in ("slideup", "slide1up"):
        _same_illegal(c, i.rd, i.rs2)
    off = c.tmp(I64)
    if ATTRS[i.name].imm:
        c.push_i64(i.imm)
    else:
        c.get_x(i.rs1)
    f.local_set(off)
    vlmax = _vlmax(c, sew, lmul)
    k64, last, src = c.tmp(I64), c.tmp(I32), c.tmp(I32)
    f.i32_const(0)
    f.i64_load(abi.CPU_VL)
    f.i32_wrap_i64()
    f.i32_const(1)
    f.i32_sub()
    f.local_set(last)

    def by_width(width: int) -> None:
        def from_vs2(delta: int) -> None:  # push vs2[(k64 + delta) mod VLMAX]
            f.local_get(k64)
            f.i32_wrap_i64()
            f.i32_const(delta)
            f.i32_add()
            # (vslide1up reads vs2[-1] at k = 0 and vslide1down vs2[VLMAX] at the last element,
            # both discarded: kept inside the group, not below v0 nor past v31)
            f.local_get(vlmax)
            f.i32_wrap_i64()
            f.i32_const(1)
            f.i32_sub()
            f.i32_and()
            f.local_set(src)
            _get(c, i.rs2, src, width)

        def body(k: int) -> None:
            f.local_get(k)
            f.i64_extend_i32_u()
            f.local_set(k64)
            if op == "slideup":  # if k >= off: vd[k] = vs2[k - off]
                f.local_get(k64)
                f.local_get(off)
                f.i64_ge_u()
                f.if_()
                _velem(c, i.rd, k, width)
                f.local_get(k64)
                f.local_get(off)
                f.i64_sub()
                f.local_set(k64)
                from_vs2(0)
                getattr(f, _STORE[width])(abi.CPU_V)
                f.end()
                return
            _velem(c, i.rd, k, width)
            if op == "slidedown":  # in range: off < vlmax and k + off < vlmax
                f.local_get(k64)
                f.local_get(off)
                f.i64_add()
                f.local_tee(k64)
                f.i32_wrap_i64()
                f.local_get(vlmax)
                f.i32_wrap_i64()
                f.i32_const(1)
                f.i32_sub()
                f.i32_and()  # (a power of two: the address stays inside the group)
                f.local_set(src)
                _get(c, i.rs2, src, width)
                f.i64_const(0)
                f.local_get(off)
                f.local_get(vlmax)
                f.i64_lt_u()
                f.local_get(k64)
                f.local_get(vlmax)
                f.i64_lt_u()
                f.i32_and()
                f.select()
            else:  # the scalar at the end, else vs2[k -/+ 1]
                f.local_get(off)
                from_vs2(-1 if op == "slide1up" else 1)
                f.local_get(k)
                if op == "slide1up":
                    f.i32_eqz()
                else:
                    f.local_get(last)
                    f.i32_eq()
                f.select()
            getattr(f, _STORE[width])(abi.CPU_V)

        _elements(c, i.vm, body)

    _by_sew(c, sew, by_width)


# --- register gathers, compress ------------------------------------------------------------------
@trans("vrgather.vv", "vrgather.vx", "vrgather.vi", "vrgatherei16.vv")
def _gather(c: Ctx, i: Insn) -> None:
    """vd[k] = vs2[INDEX] when INDEX < VLMAX, else 0, for the active elements k < vl; INDEX =
    vs1[k] (at SEW; at 16 bits for vrgatherei16, whose vs1 group has EMUL = 16 / SEW * LMUL,
    illegal outside 1/8 .. 8), x[rs1] (all 64 bits, unsigned) or uimm5. Illegal when vd is vs2
    or overlaps vs1."""
    f = c.f
    at = ATTRS[i.name]
    ei16 = at.op == "gatherei16"
    vector = not (at.scalar or at.imm)
    sew, lmul = _config(c)
    _check_vm_vd(c, i)
    _check_group(c, i.rd, lmul)
    _check_src_v0(c, i.vm, i.rs2)
    _check_group(c, i.rs2, lmul)
    _same_illegal(c, i.rd, i.rs2)
    if vector:
        _check_src_v0(c, i.vm, i.rs1)
    if ei16:  # EMUL's log2 = 1 - sew + lmul
        emul = c.tmp(I32)
        f.i32_const(1)
        f.local_get(sew)
        f.i32_sub()
        f.local_get(lmul)
        f.i32_add()
        f.local_tee(emul)
        f.i32_const(3)
        f.i32_add()
        f.i32_const(6)
        f.i32_gt_u()
        _illegal_if(c)
        _check_group(c, i.rs1, emul)
        _overlap_illegal(c, i.rd, lmul, i.rs1, emul)
    elif vector:
        _check_group(c, i.rs1, lmul)
        _same_illegal(c, i.rd, i.rs1)
    vlmax = _vlmax(c, sew, lmul)
    index = c.tmp(I64)
    src = c.tmp(I32)
    if not vector:
        if at.imm:
            c.push_i64(i.imm)
        else:
            c.get_x(i.rs1)
        f.local_set(index)

    def by_width(width: int) -> None:
        def body(k: int) -> None:
            if vector:
                _get(c, i.rs1, k, 2 if ei16 else width)
                f.local_set(index)
            _velem(c, i.rd, k, width)
            f.local_get(index)
            f.i32_wrap_i64()
            f.local_get(vlmax)
            f.i32_wrap_i64()
            f.i32_const(1)
            f.i32_sub()
            f.i32_and()  # (a power of two: the address stays inside the group)
            f.local_set(src)
            _get(c, i.rs2, src, width)
            f.i64_const(0)
            f.local_get(index)
            f.local_get(vlmax)
            f.i64_lt_u()
            f.select()
            getattr(f, _STORE[width])(abi.CPU_V)

        _elements(c, i.vm, body)

    _by_sew(c, sew, by_width)


@trans("vcompress.vm")
def _compress(c: Ctx, i: Insn) -> None:
    """The elements k < vl of vs2 whose bit k of the mask vs1 is set, packed into vd from
    element 0 in order; the elements of vd after them stay. Illegal when vd is vs2, when the
    destination group holds vs1, or when vstart != 0."""
    f = c.f
    sew, lmul = _config(c)
    _check_group(c, i.rd, lmul)
    _check_group(c, i.rs2, lmul)
    _same_illegal(c, i.rd, i.rs2)
    _overlap_illegal(c, i.rd, lmul, i.rs1, None)
    _vstart_nonzero_illegal(c)
    n = c.tmp(I32)
    f.i32_const(0)
    f.local_set(n)

    def by_width(width: int) -> None:
        def body(k: int) -> None:
            _mask_bit(c, i.rs1, k)
            f.if_()
            _velem(c, i.rd, n, width)
            _get(c, i.rs2, k, width)
            getattr(f, _STORE[width])(abi.CPU_V)
            f.local_get(n)
            f.i32_const(1)
            f.i32_add()
            f.local_set(n)
            f.end()

        _elements(c, 1, body)

    _by_sew(c, sew, by_width)
