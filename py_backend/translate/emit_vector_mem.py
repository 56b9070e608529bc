"""Semantics of the rest of RVV 1.0's loads and stores (VLEN = 128): strided (vlse/vsse),
indexed (vlux/vlox/vsux/vsoxei), segment (vlseg/vsseg, vlsseg/vssseg, vlux/vlox/vsux/vsoxseg,
nf = 2..8) and fault-only-first (vle<eew>ff.v, vlseg<nf>e<eew>ff.v) loads and stores.

They reuse `emit_vector`'s element loops (`_load_elements` / `_store_elements` with an address
function per element and nf fields per element): a fault on an element is a SIGSEGV with vstart
set to that element, a store to a page of translated code ends with an SMC exit. The ordered
and unordered indexed forms do the same (in element order). Illegal, as under qemu 10: vill, an
EMUL of the EEW-wide operand outside 1/8..8, a misaligned register group, nf * EMUL > 8 or a
segment past v31, a masked load into v0, a masked indexed access with its indices in v0, and
for indexed loads a destination overlapping the index group where the spec reserves it.
"""

from __future__ import annotations

from .. import abi
from ..isa.insn import Insn
from ..isa.table import ATTRS, FLAGS, ROWS
from .codegen import I32, I64, Ctx, trans
from .emit_vector import (
    _CODE,
    _LOAD,
    _LOG2,
    _READ,
    _STORE,
    _WRITE,
    Addr,
    _by_sew,
    _check_group,
    _check_vm_vd,
    _config,
    _emul,
    _fault_if,
    _full_test,
    _get,
    _group_size,
    _illegal_if,
    _load_elements,
    _mask_bit,
    _store_elements,
    _vlmax,
)
from .operand import known

_KINDS = ("unit", "ff", "strided", "indexed")
_NAMES = [r.mnemonic for r in ROWS if r.ext == "V" and r.attrs.op in _KINDS and "vector" in r.flags]


@trans(*_NAMES)
def _vmem(c: Ctx, i: Insn) -> None:
    """Segments of nf fields (1 when not a segment instruction) of EEW-wide elements: field j
    of element k (k from vstart to vl - 1, the active ones) is at addr(k) + j * EEW and is
    element k of the register group vd + j * EMUL (a group being at least one register).
    addr(k) = x[rs1] + k * nf * EEW (unit-stride and fault-only-first), x[rs1] + k * x[rs2]
    (strided: any stride, 0 and negative too), x[rs1] + vs2[k] (indexed: the index is the
    encoding's EEW wide, zero-extended, and the data's EEW is SEW, EMUL = LMUL).
    Fault-only-first: every active element is checked first; a fault on element 0 is a SIGSEGV,
    one on element k > 0 sets vl = k and only the elements below it are loaded."""
    f = c.f
    at = ATTRS[i.name]
    nf = at.nf or 1
    load = "load" in FLAGS[i.name]
    indexed = at.op == "indexed"
    sew, lmul = _config(c)
    # EMUL (log2) of the operand whose EEW is the encoding's width
    emul = _emul(c, sew, lmul, at.width)
    data_emul = lmul if indexed else emul
    if indexed:
        _check_group(c, i.rs2, emul)
        _check_masked_index(c, i)
    _check_group(c, i.rd, data_emul)
    field = c.tmp(I32)  # registers per field
    _group_size(c, data_emul)
    f.local_set(field)
    if nf > 1:  # nf * EMUL <= 8 and the last field's group ends at v31 at most
        f.local_get(field)
        f.i32_const(nf)
        f.i32_mul()
        f.i32_const(8)
        f.i32_gt_u()
        c.push_i32(i.rd)
        f.local_get(field)
        f.i32_const(nf)
        f.i32_mul()
        f.i32_add()
        f.i32_const(32)
        f.i32_gt_u()
        f.i32_or()
        _illegal_if(c)
    if load:
        _check_vm_vd(c, i)
    if load and indexed:
        _check_index_overlap(c, i, sew, field, emul, nf)

    base, stride = c.tmp(I64), c.tmp(I64)
    c.get_x(i.rs1)
    f.local_set(base)
    if at.op == "strided":
        c.get_x(i.rs2)
        f.local_set(stride)

    def access(width: int, addr: Addr | None) -> None:
        if at.op == "ff":
            assert addr is not None
            _ff_trim(c, i, addr, nf * width)
        cache = not indexed or nf > 1
        fast = at.op in ("strided", "indexed") and nf == 1 and _unrolled(c, i, width, base, stride)
        if load:
            _load_elements(c, i, width, None, addr, nf, field, cache)
        else:
            _store_elements(c, i, width, None, addr, nf, field, cache)
        if fast:
            f.end()

    if not indexed:
        width = at.width

        def addr(k: int, a: int) -> None:
            f.local_get(base)
            f.local_get(k)
            f.i64_extend_i32_u()
            if at.op == "strided":
                f.local_get(stride)
                f.i64_mul()
            elif nf * width > 1:
                f.i64_const(nf * width)
                f.i64_mul()
            f.i64_add()
            f.local_set(a)

        access(width, addr if at.op != "unit" or nf > 1 else None)
        return

    def index_addr(k: int, a: int) -> None:
        f.local_get(base)
        _get(c, i.rs2, k, at.width)  # zero-extended
        f.i64_add()
        f.local_set(a)

    _by_sew(c, sew, lambda width: access(width, index_addr))


# the most elements the JIT's unrolled strided or indexed access moves
_UNROLL = 16


def _unrolled(c: Ctx, i: Insn, width: int, base: int, stride: int) -> bool:
    """The JIT's fast path of a strided or indexed access (nf = 1) of `width`-byte elements
    where the TB knows vtype, unmasked, with VLMAX = n <= _UNROLL: when vstart = 0 and vl = n,
    the n element addresses (base + k * stride: i64 locals; indexed: base + vs2[k]) are
    computed, then the page of each is checked (readable; for a store writable and without
    translated code; not crossing into the next page) without a branch, and when all pass the
    elements are moved with plain loads and stores, unrolled. Else (or when any check fails,
    before anything was moved) the exact path does it (faults with vstart, SMC exits): this
    opens an ``if`` whose ``else`` the caller fills with it and closes. Returns False (nothing
    emitted) where the fast path does not apply."""
    if c.vtype is None or c.vtype & abi.VTYPE_VILL or known(i.vm) != 1:
        return False
    n = _vlmax(c, 1 << (c.vtype >> 3 & 7))
    rd, rs2 = known(i.rd), known(i.rs2)
    if n > _UNROLL or rd is None or rs2 is None:
        return False
    f = c.f
    at = ATTRS[i.name]
    load = "load" in FLAGS[i.name]
    mask, want = (_READ, _READ) if load else (_WRITE | _CODE, _WRITE)
    addrs = [c.tmp(I64) for _ in range(n)]
    bad, neg, pg = c.tmp(I32), c.tmp(I32), c.tmp(I64)
    f.i32_const(1)
    f.local_set(bad)
    _full_test(c, i.vm, n)
    f.if_()
    f.i32_const(0)
    f.local_set(bad)
    for k, a in enumerate(addrs):
        if at.op == "strided":
            f.local_get(base if k == 0 else addrs[k - 1])
            if k:
                f.local_get(stride)
                f.i64_add()
        else:
            f.local_get(base)
            f.i32_const(0)
            getattr(f, _LOAD[at.width])(abi.CPU_V + rs2 * 16 + k * at.width)
            f.i64_add()
        f.local_set(a)

    def page(a: int, cross: bool) -> None:  # bad |= the page of `a` fails (or `a` crosses)
        f.local_get(a)
        f.i64_const(abi.PAGE_SHIFT)
        f.i64_shr_u()
        f.local_set(pg)
        c._page_entry(pg)
        f.i32_const(mask)
        f.i32_and()
        f.i32_const(want)
        f.i32_xor()
        f.local_get(bad)
        f.i32_or()
        if cross:  # an element crossing into the next page: the exact path
            c.crosses_page(a, width)
            f.i32_or()
        f.local_set(bad)

    # a small stride (|stride| * (n - 1) + width <= PAGE_SIZE): the lowest and the highest
    # byte's pages (the same or two adjacent ones) instead of every element's
    span = (abi.PAGE_SIZE - width) // (n - 1) if n > 2 and at.op == "strided" else 0
    if span:
        lo, hi = c.tmp(I64), c.tmp(I64)
        f.local_get(stride)
        f.i64_const(span)
        f.i64_add()
        f.i64_const(2 * span)
        f.i64_le_u()
        f.if_()
        f.local_get(addrs[0])
        f.local_get(addrs[-1])
        f.local_get(stride)
        f.i64_const(0)
        f.i64_lt_s()
        f.local_tee(neg)
        f.select()  # the lowest element (a wrapped one reads the sentinel page)
        f.local_set(lo)
        f.local_get(addrs[-1])
        f.local_get(addrs[0])
        f.local_get(neg)
        f.select()
        f.i64_const(width - 1)
        f.i64_add()
        f.local_set(hi)
        page(lo, False)
        page(hi, False)
        f.else_()
    for a in addrs:
        page(a, width > 1)
    if span:
        f.end()
    f.end()
    f.local_get(bad)
    f.i32_eqz()
    f.if_()
    if load:
        _write_group(c, abi.CPU_V + rd * 16, width, [(a, abi.GUEST_BASE) for a in addrs])
    else:
        for k, a in enumerate(addrs):
            c.wasm_addr(a)
            f.i32_const(0)
            getattr(f, _LOAD[width])(abi.CPU_V + rd * 16 + k * width)
            getattr(f, _STORE[width])(abi.GUEST_BASE)
    f.else_()
    return True


def _write_group(c: Ctx, reg: int, width: int, elems: list[tuple[int, int]]) -> None:
    """Elements 0.. of `width` bytes of the register group at Wasm address `reg` (the CPU
    state) = the values at Wasm addresses elems[k] (an i64 local, wrapped, + a constant): a
    register at a time (v128: the two i64 halves built from their elements, and the tail kept
    when only 8 bytes are written) so that its readers' v128 loads take the stored value
    straight from the store (a load spanning several smaller stores waits for them all)."""
    f = c.f
    total = len(elems) * width

    def half(off: int, size: int) -> None:  # push the i64 of bytes off .. off + size - 1
        for j in range(size // width):
            a, disp = elems[off // width + j]
            c.wasm_addr(a)
            getattr(f, _LOAD[width])(disp)
            if j:
                f.i64_const(8 * width * j)
                f.i64_shl()
                f.i64_or()

    if total < 8:
        f.i32_const(0)
        half(0, total)
        getattr(f, _STORE[total])(reg)
        return
    for off in range(0, total, 16):
        f.i32_const(0)
        half(off, 8)
        f.i64x2_splat()
        if total - off >= 16:
            half(off + 8, 8)
            f.i64x2_splat()
        else:  # the register's high half as it is (tail)
            f.i32_const(0)
            f.v128_load(reg + off)
        f.i64_const(0xFFFFFFFF)  # the mask: i64 lanes -1, 0 (the low half from the first)
        f.i64x2_splat()
        f.i64x2_extend_low_i32x4_s()
        f.v128_bitselect()
        f.v128_store(reg + off)


def _ff_trim(c: Ctx, i: Insn, addr: Addr, size: int) -> None:
    """Fault-only-first: for the active elements k from vstart to vl - 1, in order, whether the
    `size` bytes at addr(k) can be read: when not, SIGSEGV (vstart = 0) if k = 0, else vl = k
    and stop (no trap)."""
    f = c.f
    k, n, a = c.tmp(I32), c.tmp(I32), c.tmp(I64)
    f.i32_const(0)
    f.i32_load(abi.CPU_VSTART)
    f.local_set(k)
    f.i32_const(0)
    f.i64_load(abi.CPU_VL)
    f.i32_wrap_i64()
    f.local_set(n)
    done = f.block()
    top = f.loop()
    f.local_get(k)
    f.local_get(n)
    f.i32_ge_u()
    f.br_if(done)
    if known(i.vm) != 1:
        if known(i.vm) is None:
            c.push_i32(i.vm)
        _mask_bit(c, 0, k)
        if known(i.vm) is None:
            f.i32_or()
        f.if_()
    addr(k, a)
    c._page_flags(a, size)
    f.i32_const(_READ)
    f.i32_and()
    f.i32_eqz()
    f.if_()
    f.local_get(k)
    f.i32_eqz()
    _fault_if(c, k, a)
    f.i32_const(0)
    f.local_get(k)
    f.i64_extend_i32_u()
    f.i64_store(abi.CPU_VL)
    f.br(done)
    f.end()
    if known(i.vm) != 1:
        f.end()
    f.local_get(k)
    f.i32_const(1)
    f.i32_add()
    f.local_set(k)
    f.br(top)
    f.end()
    f.end()


def _check_masked_index(c: Ctx, i: Insn) -> None:
    """A masked indexed access whose index group is v0 (an EEW other than the mask's 1) is
    illegal (qemu 10's vext_check_input_eew)."""
    vm, rs2 = known(i.vm), known(i.rs2)
    if vm == 1 or (rs2 is not None and rs2 != 0):
        return
    c.push_i32(i.vm)
    c.push_i32(i.rs2)
    c.f.i32_or()
    c.f.i32_eqz()
    _illegal_if(c)


def _check_index_overlap(c: Ctx, i: Insn, sew: int, dsz: int, emul: int, nf: int) -> None:
    """An indexed load's destination groups (nf of dsz registers from vd, an i32 local) against
    its index group vs2 (EMUL = 2**emul, log2 in an i32 local), as qemu 10 checks them: when
    the index EEW is above SEW, a field's group may only overlap vs2 by starting at it; below
    SEW, only in the highest-numbered part of the field's group when the index EMUL >= 1; a
    segment (nf > 1) may not overlap vs2 at all."""
    f = c.f
    eew_log = _LOG2[ATTRS[i.name].width]
    seg, ssz, vs2, hi = c.tmp(I32), c.tmp(I32), c.tmp(I32), c.tmp(I32)
    wider, narrower, bad = c.tmp(I32), c.tmp(I32), c.tmp(I32)
    _group_size(c, emul)
    f.local_set(ssz)
    c.push_i32(i.rs2)
    f.local_set(vs2)
    f.local_get(vs2)
    f.local_get(ssz)
    f.i32_add()
    f.local_set(hi)
    f.i32_const(eew_log)
    f.local_get(sew)
    f.i32_gt_s()
    f.local_set(wider)
    f.i32_const(eew_log)
    f.local_get(sew)
    f.i32_lt_s()
    f.local_set(narrower)
    f.i32_const(0)
    f.local_set(bad)

    def overlap(a: int, asz: int, b: int, bsz: int) -> None:  # [a, a+asz) meets [b, b+bsz)
        f.local_get(a)
        f.local_get(b)
        f.local_get(bsz)
        f.i32_add()
        f.i32_lt_s()
        f.local_get(b)
        f.local_get(a)
        f.local_get(asz)
        f.i32_add()
        f.i32_lt_s()
        f.i32_and()

    for j in range(nf):
        c.push_i32(i.rd)
        f.local_get(dsz)
        f.i32_const(j)
        f.i32_mul()
        f.i32_add()
        f.local_set(seg)
        # qemu's require_noover(seg, LMUL, vs2, EMUL) failing: they overlap, and not (dsz >
        # ssz, seg < vs2, EMUL >= 1 and the group after vs2's is clear of seg's)
        overlap(seg, dsz, vs2, ssz)
        f.local_get(dsz)
        f.local_get(ssz)
        f.i32_gt_s()
        f.local_get(seg)
        f.local_get(vs2)
        f.i32_lt_s()
        f.i32_and()
        f.local_get(emul)
        f.i32_const(0)
        f.i32_ge_s()
        f.i32_and()
        overlap(seg, dsz, hi, ssz)
        f.i32_eqz()
        f.i32_and()
        f.i32_eqz()
        f.i32_and()
        # ... counts when wider and seg != vs2, or when narrower
        f.local_get(wider)
        f.local_get(seg)
        f.local_get(vs2)
        f.i32_ne()
        f.i32_and()
        f.local_get(narrower)
        f.i32_or()
        f.i32_and()
        if nf > 1:
            overlap(seg, dsz, vs2, ssz)
            f.i32_or()
        f.local_get(bad)
        f.i32_or()
        f.local_set(bad)
    f.local_get(bad)
    _illegal_if(c)
