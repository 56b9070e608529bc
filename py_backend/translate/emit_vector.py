"""Semantics of the vector extension (RVV 1.0, VLEN = 128, ELEN = 64), in progress: vsetvli,
vsetivli, vsetvl; unit-stride, whole-register and mask loads and stores; vadd, vsub, vrsub,
vand, vor, vxor (.vv/.vx/.vi), vmv.v.*, vmv.x.s, vmv.s.x and vmv<n>r.v; vid.v, vadc, vsbc,
vmadc, vmsbc, vmerge; the integer compares (vmseq .. vmsgt); vmin[u], vmax[u], vsll, vsrl,
vsra. Written against the same `Ctx` emitter API as `emit_int`, so tier 0 runs them too (the
vector CSRs are in `emit_int._csr`).

The design is in docs/architecture.md, "Vector (RVV 1.0, VLEN = 128): in progress". In short:
the registers live in the CPU state (abi.CPU_V, a group of LMUL registers is one run of bytes);
every instruction reads vtype and vl at run time (a ``br_table`` over SEW chooses code with
the element width fixed: Wasm SIMD128 a register at a time when an arithmetic instruction
covers its whole group, else a loop over the elements); tail and inactive elements are left
undisturbed, which is what qemu does by default for the agnostic policies too; vstart is where a
loop starts, it is set to the faulting element when an access faults and to 0 when an
instruction completes.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import abi
from ..abi import ExitReason, PageFlags
from ..isa.insn import Insn
from ..isa.table import ATTRS
from .codegen import I32, I64, Ctx, trans
from .operand import Value, known

_READ, _WRITE, _CODE = int(PageFlags.READ), int(PageFlags.WRITE), int(PageFlags.CODE)
_LOG2 = {1: 0, 2: 1, 4: 2, 8: 3}
# element loads (zero-extending to i64) and stores by width in bytes
_LOAD = {1: "i64_load8_u", 2: "i64_load16_u", 4: "i64_load32_u", 8: "i64_load"}
_LOAD_S = {1: "i64_load8_s", 2: "i64_load16_s", 4: "i64_load32_s", 8: "i64_load"}
_STORE = {1: "i64_store8", 2: "i64_store16", 4: "i64_store32", 8: "i64_store"}

Body = Callable[[int], None]  # emits the work for element index k (an i32 local)


# --- vtype, register groups, illegal cases -------------------------------------------------------
def _illegal_if(c: Ctx) -> None:
    """Pop an i32: when non-zero, the instruction is illegal (SIGILL at its pc)."""
    c.f.if_()
    c.exit_slow(ExitReason.ILLEGAL, c.pc)
    c.f.end()


def _vtype_fields(c: Ctx, vt: int, sew: int, vlmul: int) -> None:
    """sew = vtype.vsew (0..7: log2 of SEW in bytes when <= 3), vlmul = vtype.vlmul (0..7),
    from the i64 local `vt` into i32 locals."""
    f = c.f
    for local, shift in ((sew, 3), (vlmul, 0)):
        f.local_get(vt)
        f.i32_wrap_i64()
        if shift:
            f.i32_const(shift)
            f.i32_shr_u()
        f.i32_const(7)
        f.i32_and()
        f.local_set(local)


def _lmul_log(c: Ctx) -> None:
    """Pop an i32 vlmul (0..7), push LMUL as a log2: 0..3 -> 0..3, 5..7 -> -3..-1 (4 is
    reserved)."""
    c.f.i32_const(29)
    c.f.i32_shl()
    c.f.i32_const(29)
    c.f.i32_shr_s()


def _config(c: Ctx) -> tuple[int, int]:
    """Fault (illegal) when vill is set; return i32 locals (SEW as log2 of its bytes: 0..3,
    LMUL as log2: -3..3) of the current vtype. Where the TB fixes vtype (``c.vtype``: a
    vsetvli/vsetivli with a constant vtype came before in this TB), no check and constant
    locals (the engine folds them; `_by_sew` emits the one width)."""
    f = c.f
    sew, lmul = c.tmp(I32), c.tmp(I32)
    if c.vtype is not None:
        if c.vtype & abi.VTYPE_VILL:
            c.exit_slow(ExitReason.ILLEGAL, c.pc)
            return sew, lmul
        f.i32_const(c.vtype >> 3 & 7)
        f.local_set(sew)
        f.i32_const(((c.vtype & 7) ^ 4) - 4)  # vlmul 0..3, 5..7 -> 0..3, -3..-1
        f.local_set(lmul)
        return sew, lmul
    vt = c.tmp(I64)
    f.i32_const(0)
    f.i64_load(abi.CPU_VTYPE)
    f.local_tee(vt)
    f.i64_const(0)
    f.i64_lt_s()  # vill is bit 63
    _illegal_if(c)
    _vtype_fields(c, vt, sew, lmul)
    f.local_get(lmul)
    _lmul_log(c)
    f.local_set(lmul)
    return sew, lmul


def vtype_supported(vt: int) -> bool:
    """Whether vsetvl* accepts vtype `vt` (else it sets vill), as qemu 10 decides: no bit above
    7, SEW <= ELEN, LMUL not reserved, and a fractional LMUL only when SEW <= LMUL * ELEN."""
    sew, vlmul = vt >> 3 & 7, vt & 7
    if vt >> 8 or sew > 3 or vlmul == 4:
        return False
    return vlmul < 4 or abi.ELEN >> (8 - vlmul) >= 8 << sew


def _check_group(c: Ctx, reg: Value, emul: int) -> None:
    """Illegal unless register `reg` is aligned to the group size 2**emul (emul: an i32 local
    holding log2 of the group's registers, <= 0 for one register)."""
    f = c.f
    c.push_i32(reg)
    _group_size(c, emul)
    f.i32_const(1)
    f.i32_sub()
    f.i32_and()
    _illegal_if(c)


def _group_size(c: Ctx, emul: int) -> None:
    """Push how many registers a group of the i32 local `emul` (log2, <= 0: one) holds."""
    f = c.f
    f.i32_const(1)
    f.local_get(emul)
    f.i32_const(0)
    f.local_get(emul)
    f.i32_const(0)
    f.i32_gt_s()
    f.select()
    f.i32_shl()


def _emul(c: Ctx, sew: int, lmul: int, width: int, into: int | None = None) -> int:
    """An i32 local (`into`, else a new one) = log2 of the EMUL of an operand of EEW `width`
    bytes: EEW / SEW * LMUL; illegal outside 1/8 .. 8."""
    f = c.f
    emul = c.tmp(I32) if into is None else into
    f.local_get(lmul)
    f.i32_const(_LOG2[width])
    f.i32_add()
    f.local_get(sew)
    f.i32_sub()
    f.local_tee(emul)
    f.i32_const(3)
    f.i32_add()
    f.i32_const(6)
    f.i32_gt_u()  # outside -3..3
    _illegal_if(c)
    return emul


def _simd_or_elements(
    c: Ctx, i: Insn, sew: int, lmul: int, width: int, scalar: int, body: Body
) -> None:
    """The whole group a v128 at a time (`_simd_group`) when the instruction covers it
    (`_whole_group_test`; with vtype known, `_full_test`: any LMUL), else the element loop."""
    f = c.f
    if c.vtype is not None:
        _full_test(c, i.vm, _vlmax(c, width))
    else:
        _whole_group_test(c, i.vm, sew, lmul)
    f.if_()
    _simd_group(c, i, width, lmul, scalar)
    f.else_()
    _elements(c, i.vm, body)
    f.end()


def _write_element0(c: Ctx, rd: Value, width: int, value: Callable[[], None]) -> None:
    """Element 0 of vd = the value `value` pushes (an i64), when vstart < vl (vmv.s.x,
    vfmv.s.f)."""
    f = c.f
    f.i32_const(0)
    f.i32_load(abi.CPU_VSTART)
    f.i64_extend_i32_u()
    f.i32_const(0)
    f.i64_load(abi.CPU_VL)
    f.i64_lt_u()
    f.if_()
    c.push_i32(rd)
    f.i32_const(4)
    f.i32_shl()
    value()
    getattr(f, _STORE[width])(abi.CPU_V)
    f.end()


def _check_mask_dest(c: Ctx, vd: Value, vs: Value, lmul: int) -> None:
    """A mask destination (one register) may be the first register of a source group, never
    another one of it (qemu's require_noover)."""
    f = c.f
    c.push_i32(vd)
    c.push_i32(vs)
    f.i32_sub()
    f.i32_const(1)
    f.i32_sub()
    _group_size(c, lmul)
    f.i32_const(1)
    f.i32_sub()
    f.i32_lt_u()
    _illegal_if(c)


def _check_static_group(c: Ctx, reg: Value, count: int) -> None:
    """Illegal unless `reg` is a multiple of `count` (whole-register instructions)."""
    if count == 1:
        return
    c.push_i32(reg)
    c.f.i32_const(count - 1)
    c.f.i32_and()
    _illegal_if(c)


def _check_vm_vd(c: Ctx, i: Insn) -> None:
    """A masked instruction whose destination group overlaps v0 (vd = 0) is reserved."""
    vm, rd = known(i.vm), known(i.rd)
    if vm == 1 or (vm is None and rd is not None and rd != 0):
        return
    if vm == 0 and rd == 0:
        c.exit_slow(ExitReason.ILLEGAL, c.pc)
        return
    c.push_i32(i.vm)
    c.push_i32(i.rd)
    c.f.i32_or()
    c.f.i32_eqz()
    _illegal_if(c)


def _check_src_v0(c: Ctx, vm: Value, reg: Value) -> None:
    """A masked instruction may not read v0 as a source of SEW-wide (or wider) elements
    (qemu 10's vext_check_input_eew): illegal when vm = 0 and reg = 0."""
    m, r = known(vm), known(reg)
    if m == 1 or (r is not None and r != 0):
        return
    if m == 0 and r == 0:
        c.f.i32_const(1)
        _illegal_if(c)
        return
    c.push_i32(vm)
    c.push_i32(reg)
    c.f.i32_or()
    c.f.i32_eqz()
    _illegal_if(c)


# --- element loops -------------------------------------------------------------------------------
def _elements(c: Ctx, vm: Value, body: Body, count: int | None = None) -> None:
    """``for k in vstart .. n-1: if active(k): body(k)``, n = vl (or the constant `count`),
    active = unmasked or bit k of v0; then vstart = 0."""
    f = c.f
    k, n = c.tmp(I32), c.tmp(I32)
    f.i32_const(0)
    f.i32_load(abi.CPU_VSTART)
    f.local_set(k)
    if count is None:
        f.i32_const(0)
        f.i64_load(abi.CPU_VL)
        f.i32_wrap_i64()
    else:
        f.i32_const(count)
    f.local_set(n)
    done = f.block()
    top = f.loop()
    f.local_get(k)
    f.local_get(n)
    f.i32_ge_u()
    f.br_if(done)
    if known(vm) == 1:
        body(k)
    else:
        if known(vm) is None:
            c.push_i32(vm)
        _mask_bit(c, 0, k)
        if known(vm) is None:
            f.i32_or()
        f.if_()
        body(k)
        f.end()
    f.local_get(k)
    f.i32_const(1)
    f.i32_add()
    f.local_set(k)
    f.br(top)
    f.end()
    f.end()
    _vstart_zero(c)


def _mask_bit(c: Ctx, reg: Value, k: int) -> None:
    """Push bit k (an i32 local) of mask register v`reg` as an i32 0/1."""
    f = c.f
    _mask_byte(c, reg, k)
    f.i32_load8_u(abi.CPU_V)
    f.local_get(k)
    f.i32_const(7)
    f.i32_and()
    f.i32_shr_u()
    f.i32_const(1)
    f.i32_and()


def _mask_byte(c: Ctx, reg: Value, k: int) -> None:
    """Push the i32 address (use offset abi.CPU_V) of the byte holding bit k (an i32 local) of
    mask register v`reg`."""
    f = c.f
    f.local_get(k)
    f.i32_const(3)
    f.i32_shr_u()
    if known(reg) != 0:
        c.push_i32(reg)
        f.i32_const(4)
        f.i32_shl()
        f.i32_add()


def _set_mask_bit(c: Ctx, reg: Value, k: int) -> None:
    """Pop an i32 0/1 into bit k (an i32 local) of mask register v`reg`; its other bits stay."""
    f = c.f
    bit, a = c.tmp(I32), c.tmp(I32)
    f.local_get(k)
    f.i32_const(7)
    f.i32_and()
    f.i32_shl()
    f.local_set(bit)
    _mask_byte(c, reg, k)
    f.local_tee(a)
    f.local_get(a)
    f.i32_load8_u(abi.CPU_V)
    f.i32_const(1)
    f.local_get(k)
    f.i32_const(7)
    f.i32_and()
    f.i32_shl()
    f.i32_const(-1)
    f.i32_xor()
    f.i32_and()
    f.local_get(bit)
    f.i32_or()
    f.i32_store8(abi.CPU_V)


def _vstart_zero(c: Ctx) -> None:
    c.f.i32_const(0)
    c.f.i32_const(0)
    c.f.i32_store(abi.CPU_VSTART)


def _by_sew(c: Ctx, sew: int, body: Callable[[int], None]) -> None:
    """A br_table on the i32 local `sew` (0..3) to body(element width in bytes); only the one
    body where the TB fixes vtype (`_config`)."""
    f = c.f
    if c.vtype is not None:
        if not c.vtype & abi.VTYPE_VILL:
            body(1 << (c.vtype >> 3 & 7))
        return
    done = f.block()
    cases = [f.block() for _ in range(4)]
    f.local_get(sew)
    f.br_table(cases[::-1], cases[0])  # (vill excludes SEW > 64)
    for log in range(4):
        f.end()
        body(1 << log)
        if log < 3:
            f.br(done)
    f.end()


def _velem(c: Ctx, reg: Value, k: int, width: int) -> None:
    """Push the i32 address (use offset abi.CPU_V) of element k (local) of width `width` of the
    register group starting at v`reg`."""
    f = c.f
    c.push_i32(reg)
    f.i32_const(4)
    f.i32_shl()
    f.local_get(k)
    if width > 1:
        f.i32_const(_LOG2[width])
        f.i32_shl()
    f.i32_add()


def _guest_elem(c: Ctx, base: int, k: int, width: int, a: int) -> None:
    """a = base + k * width (i64 locals; k an i32 local)."""
    f = c.f
    f.local_get(base)
    f.local_get(k)
    f.i64_extend_i32_u()
    if width > 1:
        f.i64_const(_LOG2[width])
        f.i64_shl()
    f.i64_add()
    f.local_set(a)


def _fault_if(c: Ctx, k: int, a: int) -> None:
    """Pop an i32: when non-zero, vstart = k and SIGSEGV at guest address a."""
    f = c.f
    f.if_()
    f.i32_const(0)
    f.local_get(k)
    f.i32_store(abi.CPU_VSTART)
    c.exit_slow(ExitReason.SEGV, c.pc, a)
    f.end()


Addr = Callable[[int, int], None]  # addr(k, a): i64 local a = the guest address of element k


def _field_addr(c: Ctx, i: Insn, k: int, width: int, j: int, field: int | None) -> None:
    """Push the i32 address (offset abi.CPU_V) of element k of field j of a segment access:
    element k of the group v(rd + j * field) (field: an i32 local, the registers per field)."""
    f = c.f
    _velem(c, i.rd, k, width)
    if j:
        assert field is not None
        f.local_get(field)
        f.i32_const(16 * j)
        f.i32_mul()
        f.i32_add()


def _unit_fast(c: Ctx, vm: Value, base: int, width: int, count: int | None, store: bool) -> int:
    """For a unit-stride access of n elements (n = vl, or the constant `count`) of `width` bytes
    at the i64 guest address local `base`: open an ``if`` (the caller emits the slow path in its
    ``else`` and closes it) whose body copies the n * width bytes between guest memory and the
    register group in one ``memory.copy`` (the caller pushes the addresses: returns the i32 size
    local). Taken when unmasked (`vm` may be a run-time value), vstart = 0 and the pages of the
    first and the last byte (the same, or two: a group is at most 128 bytes) are readable, for
    a store writable and without translated code (the slow path does the SMC exit). A zero n
    or an address past the guest space fails the page test: the slow path does it."""
    f = c.f
    size, fl = c.tmp(I32), c.tmp(I32)
    pg, last = c.tmp(I64), c.tmp(I64)
    if count is None:
        f.i32_const(0)
        f.i64_load(abi.CPU_VL)
        f.i32_wrap_i64()
        if width > 1:
            f.i32_const(_LOG2[width])
            f.i32_shl()
    else:
        f.i32_const(count * width)
    f.local_set(size)
    f.local_get(base)
    f.local_get(size)
    f.i64_extend_i32_u()
    f.i64_add()
    f.i64_const(1)
    f.i64_sub()
    f.i64_const(abi.PAGE_SHIFT)
    f.i64_shr_u()
    f.local_set(last)
    f.local_get(base)
    f.i64_const(abi.PAGE_SHIFT)
    f.i64_shr_u()
    f.local_set(pg)
    c._page_entry(pg)
    c._page_entry(last)
    f.i32_and()
    f.local_set(fl)
    f.local_get(fl)
    if store:
        f.i32_const(_WRITE | _CODE)
        f.i32_and()
        f.i32_const(_WRITE)
        f.i32_eq()
    else:
        f.i32_const(_READ)
        f.i32_and()
        f.i32_const(0)
        f.i32_ne()
    f.i32_const(0)
    f.i32_load(abi.CPU_VSTART)
    f.i32_eqz()
    f.i32_and()
    if known(vm) is None:
        c.push_i32(vm)
        f.i32_and()
    f.if_()
    return size


# the loads and stores that move k bytes in one access (k < 16), by k
_MOVE = {1: ("i32_load8_u", "i32_store8"), 2: ("i32_load16_u", "i32_store16"),
         4: ("i32_load", "i32_store"), 8: ("i64_load", "i64_store")}  # fmt: skip


def _copy(
    c: Ctx, dst: Callable[[], None], src: Callable[[], None], size: int, full: int | None
) -> None:
    """Copy `size` (an i32 local) bytes from the Wasm address `src` pushes to the one `dst`
    pushes. `full`: the size of a whole group where the TB knows vtype (vl = VLMAX, the common
    case of a strip-mined loop): that size is moved by fixed-width loads and stores (a
    v128 at a time) instead of ``memory.copy``, which the engine makes a call."""
    f = c.f
    if full is not None:
        f.local_get(size)
        f.i32_const(full)
        f.i32_eq()
        f.if_()
        step = min(full, 16)
        for off in range(0, full, step):
            dst()
            src()
            if step == 16:
                f.v128_load(off)
                f.v128_store(off)
            else:
                load, store = _MOVE[step]
                getattr(f, load)(off)
                getattr(f, store)(off)
        f.else_()
    dst()
    src()
    f.local_get(size)
    f.memory_copy()
    if full is not None:
        f.end()


def _full(c: Ctx, width: int, count: int | None) -> int | None:
    """The bytes a unit-stride access of `width`-byte elements moves when it covers the whole
    group: `count` elements, else VLMAX where the TB knows vtype (None: not known)."""
    if count is not None:
        return count * width
    if c.vtype is None or c.vtype & abi.VTYPE_VILL:
        return None
    return _vlmax(c, 1 << (c.vtype >> 3 & 7)) * width


def _reg_addr(c: Ctx, reg: Value) -> None:
    """Push the absolute i32 Wasm address of register v`reg`."""
    c.push_i32(reg)
    c.f.i32_const(4)
    c.f.i32_shl()
    c.f.i32_const(abi.CPU_V)
    c.f.i32_add()


def _guest_addr(c: Ctx, a: int) -> None:
    """Push the absolute i32 Wasm address of the guest address local `a`."""
    c.wasm_addr(a)
    c.f.i32_const(abi.GUEST_BASE)
    c.f.i32_add()


def _same_page(c: Ctx, a: int, width: int, okpg: int) -> None:
    """Open an ``if`` taken unless the `width` bytes at guest address local `a` lie in page
    number `okpg` (an i64 local: a page already checked by this instruction, or -1); the caller
    checks the page in it and closes it with `_page_ok` (loads) or its own ``end``."""
    f = c.f
    f.local_get(a)
    f.i64_const(abi.PAGE_SHIFT)
    f.i64_shr_u()
    f.local_get(okpg)
    f.i64_ne()
    if width > 1:
        c.crosses_page(a, width)
        f.i32_or()
    f.if_()


def _page_ok(c: Ctx, a: int, okpg: int) -> None:
    """okpg = the page number of guest address local `a`; close `_same_page`'s ``if``."""
    f = c.f
    f.local_get(a)
    f.i64_const(abi.PAGE_SHIFT)
    f.i64_shr_u()
    f.local_set(okpg)
    f.end()


def _field_flags(
    c: Ctx, k: int, j: int, width: int, a: int, base: int, addr: Addr | None, okpg: int | None
) -> None:
    """a = the guest address of field j of element k (field 0: base + k * width, or addr(k, a);
    the next fields follow it), then push its page flags (`_page_flags`); with `okpg`, through
    the last-page cache (`_same_page`)."""
    f = c.f
    if j == 0:
        if addr is None:
            _guest_elem(c, base, k, width, a)
        else:
            addr(k, a)
    else:
        f.local_get(a)
        f.i64_const(width)
        f.i64_add()
        f.local_set(a)
    if okpg is not None:
        _same_page(c, a, width, okpg)
    c._page_flags(a, width)


def _load_elements(
    c: Ctx,
    i: Insn,
    width: int,
    count: int | None,
    addr: Addr | None = None,
    nf: int = 1,
    field: int | None = None,
    cache: bool = False,
) -> None:
    """vd[k] = mem[x[rs1] + k * width] for the active elements; or at addr(k, a) when given.
    With nf > 1 (a segment), field j of element k is at that address + j * width and goes to
    element k of the group v(rd + j * field) (field: an i32 local). With `cache` (strided and
    segment accesses: elements often share a page), a page's flags are read only when an
    element leaves the last page checked (indexed ones rarely stay: not worth the test)."""
    f = c.f
    base, a, okpg = c.tmp(I64), c.tmp(I64), c.tmp(I64)
    c.get_x(i.rs1)
    f.local_set(base)
    f.i64_const(-1)
    f.local_set(okpg)

    def body(k: int) -> None:
        for j in range(nf):
            _field_flags(c, k, j, width, a, base, addr, okpg if cache else None)
            f.i32_const(_READ)
            f.i32_and()
            f.i32_eqz()
            _fault_if(c, k, a)
            if cache:
                _page_ok(c, a, okpg)
            _field_addr(c, i, k, width, j, field)
            c.wasm_addr(a)
            getattr(f, _LOAD[width])(abi.GUEST_BASE)
            getattr(f, _STORE[width])(abi.CPU_V)

    if addr is not None or nf > 1 or known(i.vm) == 0:
        _elements(c, i.vm, body, count)
        return
    size = _unit_fast(c, i.vm, base, width, count, False)
    _copy(c, lambda: _reg_addr(c, i.rd), lambda: _guest_addr(c, base), size, _full(c, width, count))
    f.else_()
    _elements(c, i.vm, body, count)
    f.end()


def _store_elements(
    c: Ctx,
    i: Insn,
    width: int,
    count: int | None,
    addr: Addr | None = None,
    nf: int = 1,
    field: int | None = None,
    cache: bool = False,
) -> None:
    """mem[x[rs1] + k * width] = vs3[k] for the active elements; or at addr(k, a), and nf
    fields, as `_load_elements`. A store to a page holding translated code is done, and the
    instruction then ends with an SMC exit (at its last such address) so the host invalidates
    that page before anything runs again. `cache`: as `_load_elements` (a page of code is not
    kept: each store to it updates the SMC address)."""
    f = c.f
    base, a, smc, okpg = c.tmp(I64), c.tmp(I64), c.tmp(I64), c.tmp(I64)
    fl = c.tmp(I32)
    c.get_x(i.rs1)
    f.local_set(base)
    f.i64_const(-1)
    f.local_set(okpg)
    f.i64_const(-1)
    f.local_set(smc)

    def body(k: int) -> None:
        for j in range(nf):
            _field_flags(c, k, j, width, a, base, addr, okpg if cache else None)
            f.local_tee(fl)
            f.i32_const(_WRITE)
            f.i32_and()
            f.i32_eqz()
            _fault_if(c, k, a)
            f.local_get(a)
            f.local_get(smc)
            f.local_get(fl)
            f.i32_const(_CODE)
            f.i32_and()
            f.select()
            f.local_set(smc)
            if cache:  # a page of code is checked again (smc)
                f.local_get(fl)
                f.i32_const(_CODE)
                f.i32_and()
                f.i32_eqz()
                f.if_()
                _page_ok(c, a, okpg)  # (closes this if)
                f.end()
            c.wasm_addr(a)
            _field_addr(c, i, k, width, j, field)
            getattr(f, _LOAD[width])(abi.CPU_V)
            getattr(f, _STORE[width])(abi.GUEST_BASE)

    if addr is not None or nf > 1 or known(i.vm) == 0:
        _elements(c, i.vm, body, count)
    else:
        size = _unit_fast(c, i.vm, base, width, count, True)
        full = _full(c, width, count)
        _copy(c, lambda: _guest_addr(c, base), lambda: _reg_addr(c, i.rd), size, full)
        f.else_()
        _elements(c, i.vm, body, count)
        f.end()
    f.local_get(smc)
    f.i64_const(-1)
    f.i64_ne()
    f.if_()
    c.exit_slow(ExitReason.SMC, c.next_pc, smc)
    f.end()


# --- configuration -------------------------------------------------------------------------------
@trans("vsetvli", "vsetivli", "vsetvl")
def _vset(c: Ctx, i: Insn) -> None:
    """vl = min(AVL, VLMAX) for a supported vtype, else vill (vtype = VTYPE_VILL, vl = 0), as
    qemu 10 decides: a fractional LMUL is supported when SEW <= LMUL * ELEN, and the AVL of
    ``vsetvl[i] x0, x0`` is the current vl."""
    f = c.f
    vt, avl, vlmax = c.tmp(I64), c.tmp(I64), c.tmp(I64)
    sew, lmul, ok = c.tmp(I32), c.tmp(I32), c.tmp(I32)
    vt_imm = known(i.imm) if i.name != "vsetvl" else None
    if vt_imm is not None:  # (JIT) supported or not, and VLMAX, known now
        supported = vtype_supported(vt_imm)
        f.i64_const(vt_imm)
        f.local_set(vt)
        f.i32_const(int(supported))
        f.local_set(ok)
        f.i64_const(_vlmax_of(vt_imm) if supported else 0)
        f.local_set(vlmax)
    else:
        if i.name == "vsetvl":
            c.get_x(i.rs2)
        else:
            c.push_i64(i.imm)
        f.local_set(vt)
        _vtype_fields(c, vt, sew, lmul)
        # supported: no bit above 7 (vill, reserved), SEW <= ELEN, LMUL not reserved, and for a
        # fractional LMUL (5..7 = 1/8..1/2) ELEN >> (8 - vlmul) >= SEW in bits
        f.local_get(vt)
        f.i64_const(8)
        f.i64_shr_u()
        f.i64_eqz()
        f.local_get(sew)
        f.i32_const(3)
        f.i32_le_u()
        f.i32_and()
        f.local_get(lmul)
        f.i32_const(4)
        f.i32_ne()
        f.i32_and()
        f.local_get(lmul)
        f.i32_const(4)
        f.i32_lt_u()
        f.i32_const(abi.ELEN)
        f.i32_const(8)
        f.local_get(lmul)
        f.i32_sub()
        f.i32_shr_u()
        f.i32_const(8)
        f.local_get(sew)
        f.i32_shl()
        f.i32_ge_u()
        f.i32_or()
        f.i32_and()
        f.local_set(ok)
        # VLMAX = VLEN * LMUL / SEW (LMUL as a shift: 0..3, or 5..7 meaning -3..-1)
        f.i32_const(abi.VLEN)
        f.local_get(lmul)
        _lmul_log(c)
        f.local_tee(lmul)
        f.i32_shl()
        f.i32_const(abi.VLEN)
        f.i32_const(0)
        f.local_get(lmul)
        f.i32_sub()
        f.i32_shr_u()
        f.local_get(lmul)
        f.i32_const(0)
        f.i32_ge_s()
        f.select()
        f.local_get(sew)
        f.i32_const(3)
        f.i32_add()
        f.i32_shr_u()
        f.i64_extend_i32_u()
        f.local_set(vlmax)
    # AVL: the uimm; or x[rs1]; with rs1 = x0, VLMAX (all ones) when rd != x0, else the old vl
    if i.name == "vsetivli":
        c.push_i64(i.rs1)
    else:
        c.get_x(i.rs1)
        f.i64_const(-1)
        f.i32_const(0)
        f.i64_load(abi.CPU_VL)
        c.push_i32(i.rd)
        f.select()
        c.push_i32(i.rs1)
        f.select()
    f.local_set(avl)
    # vl = ok ? min(AVL, VLMAX) : 0; vtype = ok ? vtype : vill
    f.i32_const(0)
    f.local_get(avl)
    f.local_get(vlmax)
    f.local_get(avl)
    f.local_get(vlmax)
    f.i64_lt_u()
    f.select()
    f.i64_const(0)
    f.local_get(ok)
    f.select()
    f.local_tee(avl)
    f.i64_store(abi.CPU_VL)
    f.i32_const(0)
    f.local_get(vt)
    f.i64_const(abi.VTYPE_VILL - (1 << 64))
    f.local_get(ok)
    f.select()
    f.i64_store(abi.CPU_VTYPE)
    _vstart_zero(c)
    f.local_get(avl)
    c.set_x(i.rd)
    # the rest of this TB runs under this vtype (tier 0 decodes at run time: imm unknown)
    if vt_imm is None:
        c.vtype = None
    else:
        c.vtype = vt_imm if vtype_supported(vt_imm) else abi.VTYPE_VILL


# --- loads and stores ----------------------------------------------------------------------------
@trans("vle8.v", "vle16.v", "vle32.v", "vle64.v", "vse8.v", "vse16.v", "vse32.v", "vse64.v")
def _unit_stride(c: Ctx, i: Insn) -> None:
    """EEW = the encoding's width, EMUL = EEW / SEW * LMUL (1/8 .. 8, else illegal), vl
    elements; a masked load may not write v0."""
    width = ATTRS[i.name].width
    load = i.name.startswith("vle")
    sew, emul = _config(c)
    _emul(c, sew, emul, width, emul)
    _check_group(c, i.rd, emul)
    if load:
        _check_vm_vd(c, i)
        _load_elements(c, i, width, None)
    else:
        _store_elements(c, i, width, None)


_WHOLE_LOADS = [f"vl{n}re{8 * w}.v" for n in (1, 2, 4, 8) for w in (1, 2, 4, 8)]


@trans(*_WHOLE_LOADS, "vs1r.v", "vs2r.v", "vs4r.v", "vs8r.v")
def _whole(c: Ctx, i: Insn) -> None:
    """count registers, whatever vtype and vl are (even with vill set): count * VLENB / EEW
    elements from vstart."""
    at = ATTRS[i.name]
    _check_static_group(c, i.rd, at.count)
    n = at.count * abi.VLENB // at.width
    if i.name.startswith("vl"):
        _load_elements(c, i, at.width, n)
    else:
        _store_elements(c, i, at.width, n)


@trans("vlm.v", "vsm.v")
def _mask_mem(c: Ctx, i: Insn) -> None:
    """ceil(vl / 8) bytes of a mask register (needs a valid vtype)."""
    f = c.f
    _config(c)
    n = c.tmp(I32)
    f.i32_const(0)
    f.i64_load(abi.CPU_VL)
    f.i32_wrap_i64()
    f.i32_const(7)
    f.i32_add()
    f.i32_const(3)
    f.i32_shr_u()
    f.local_set(n)
    # the element loops run to vl: run them with vl = ceil(vl / 8) and put vl back after
    vl = c.tmp(I64)
    f.i32_const(0)
    f.i64_load(abi.CPU_VL)
    f.local_set(vl)
    f.i32_const(0)
    f.local_get(n)
    f.i64_extend_i32_u()
    f.i64_store(abi.CPU_VL)
    if i.name == "vlm.v":
        _load_elements(c, i, 1, None)
    else:
        _store_elements(c, i, 1, None)
    f.i32_const(0)
    f.local_get(vl)
    f.i64_store(abi.CPU_VL)


# --- integer arithmetic and moves ----------------------------------------------------------------
_OPS: dict[str, Callable[[Ctx], None]] = {
    "add": lambda c: c.f.i64_add(),
    "sub": lambda c: c.f.i64_sub(),
    "and": lambda c: c.f.i64_and(),
    "or": lambda c: c.f.i64_or(),
    "xor": lambda c: c.f.i64_xor(),
}

_ARITH = [f"v{op}.{k}" for op in ("add", "sub", "and", "or", "xor") for k in ("vv", "vx")]
_ARITH += ["vadd.vi", "vand.vi", "vor.vi", "vxor.vi", "vrsub.vx", "vrsub.vi"]
_MINMAX = {"minu": "i64_lt_u", "min": "i64_lt_s", "maxu": "i64_gt_u", "max": "i64_gt_s"}
_SHIFTS = {"sll": "i64_shl", "srl": "i64_shr_u", "sra": "i64_shr_s"}
_SIMD_SHIFTS = {"sll": "shl", "srl": "shr_u", "sra": "shr_s"}
_ARITH += [f"v{op}.{k}" for op in _MINMAX for k in ("vv", "vx")]
_ARITH += [f"v{op}.{k}" for op in _SHIFTS for k in ("vv", "vx", "vi")]


@trans(*_ARITH, "vmv.v.v", "vmv.v.x", "vmv.v.i")
def _arith(c: Ctx, i: Insn) -> None:
    """vd[k] = vs2[k] op (vs1[k] | x[rs1] | simm5) for the active elements k < vl, at SEW
    (computed in i64: the store keeps the low SEW bits). vrsub swaps the operands; vmv.v.*
    copy the second operand. vmin/vmax compare the elements sign-extended (zero-extended: the
    u forms), the scalar at SEW likewise; the shifts take the low log2(SEW) bits of the amount
    (vsra shifts the sign-extended element). These run an element at a time."""
    f = c.f
    at = ATTRS[i.name]
    signed = at.op in ("min", "max", "sra")
    load = _LOAD_S if signed else _LOAD
    simd = at.op not in _MINMAX and at.op not in _SHIFTS
    sew, lmul = _config(c)
    _check_vm_vd(c, i)
    _check_group(c, i.rd, lmul)
    if at.op != "mv":
        _check_src_v0(c, i.vm, i.rs2)
        _check_group(c, i.rs2, lmul)
    vector, scalar = _operand1(c, i, lmul)
    if vector:
        _check_src_v0(c, i.vm, i.rs1)
    x, y = c.tmp(I64), c.tmp(I64)

    def by_width(width: int) -> None:
        if at.op in _MINMAX and not vector:
            _scalar_at_sew(c, scalar, width, signed)

        def body(k: int) -> None:
            _velem(c, i.rd, k, width)
            if at.op != "mv":
                _get(c, i.rs2, k, width, load)
            _get1(c, i, k, width, None if vector else scalar, load)
            if at.op in _MINMAX:  # select(x, y, x op y)
                f.local_set(y)
                f.local_tee(x)
                f.local_get(y)
                f.local_get(x)
                f.local_get(y)
                getattr(f, _MINMAX[at.op])()
                f.select()
            elif at.op in _SHIFTS:
                f.i64_const(8 * width - 1)
                f.i64_and()
                getattr(f, _SHIFTS[at.op])()
            elif at.op == "rsub":
                f.i64_sub()
                f.i64_const(-1)
                f.i64_mul()
            elif at.op != "mv":
                _OPS[at.op](c)
            getattr(f, _STORE[width])(abi.CPU_V)

        if c.vtype is not None and not simd and (width < 8 if at.op in _MINMAX else not vector):
            simd_ok = True  # (JIT: min/max at SEW < 64, shifts by a scalar)
        else:
            simd_ok = simd
        if known(i.vm) == 0 or not simd_ok:
            _elements(c, i.vm, body)
            return
        _simd_or_elements(c, i, sew, lmul, width, scalar, body)

    _by_sew(c, sew, by_width)


def _operand1(c: Ctx, i: Insn, lmul: int) -> tuple[bool, int]:
    """The operand in bits 19..15: (True, -) for a vector group vs1 (checked aligned), else
    (False, an i64 local holding x[rs1] or simm5)."""
    at = ATTRS[i.name]
    scalar = c.tmp(I64)
    if not (at.scalar or at.imm):
        _check_group(c, i.rs1, lmul)
        return True, scalar
    if at.scalar:
        c.get_x(i.rs1)
    else:
        c.push_i64(i.imm)
    c.f.local_set(scalar)
    return False, scalar


def _get(c: Ctx, reg: Value, k: int, width: int, load: dict[int, str] = _LOAD) -> None:
    """Push element k (an i32 local) of the group at v`reg` as an i64 (zero- or, with
    load = _LOAD_S, sign-extended)."""
    _velem(c, reg, k, width)
    getattr(c.f, load[width])(abi.CPU_V)


def _get1(
    c: Ctx, i: Insn, k: int, width: int, scalar: int | None, load: dict[int, str] = _LOAD
) -> None:
    """Push the operand in bits 19..15 for element k: vs1[k] (scalar None) or the local."""
    if scalar is None:
        _get(c, i.rs1, k, width, load)
    else:
        c.f.local_get(scalar)


def _scalar_at_sew(c: Ctx, scalar: int, width: int, signed: bool) -> None:
    """The i64 local `scalar` = its low SEW bits, sign- or zero-extended like the elements."""
    if width == 8:
        return
    f = c.f
    shift = 64 - 8 * width
    f.local_get(scalar)
    f.i64_const(shift)
    f.i64_shl()
    f.i64_const(shift)
    if signed:
        f.i64_shr_s()
    else:
        f.i64_shr_u()
    f.local_set(scalar)


def _whole_group_test(c: Ctx, vm: Value, sew: int, lmul: int) -> None:
    """Push whether an instruction covers its whole register group: unmasked, vstart = 0,
    LMUL >= 1 and vl = VLMAX (= VLENB << LMUL >> SEW). Then whole v128 operations do it."""
    f = c.f
    f.i32_const(0)
    f.i32_load(abi.CPU_VSTART)
    f.i32_eqz()
    f.local_get(lmul)
    f.i32_const(0)
    f.i32_ge_s()
    f.i32_and()
    f.i32_const(0)
    f.i64_load(abi.CPU_VL)
    f.i32_const(abi.VLENB)
    f.local_get(lmul)
    f.i32_shl()
    f.local_get(sew)
    f.i32_shr_u()
    f.i64_extend_i32_u()
    f.i64_eq()
    f.i32_and()
    if known(vm) is None:
        c.push_i32(vm)
        f.i32_and()


def _vlmax_at(vlmul: int, width: int) -> int:
    """VLMAX = VLEN * LMUL / SEW for the vtype field vlmul (0..3, 5..7) and SEW = width bytes."""
    return abi.VLENB // width << vlmul if vlmul < 4 else abi.VLENB // width >> 8 - vlmul


def _vlmax(c: Ctx, width: int) -> int:
    """VLMAX at SEW = width bytes of the known vtype's LMUL (JIT: `c.vtype` not None)."""
    assert c.vtype is not None
    return _vlmax_at(c.vtype & 7, width)


def _vlmax_of(vt: int) -> int:
    """VLMAX of the supported vtype `vt`."""
    return _vlmax_at(vt & 7, 1 << (vt >> 3 & 7))


def _full_test(c: Ctx, vm: Value, vlmax: int) -> None:
    """Push (JIT, vtype known: VLMAX = `vlmax`) whether vstart = 0, vl = VLMAX and the
    instruction is unmasked: then a fast path covers every element (and no tail)."""
    f = c.f
    f.i32_const(0)
    f.i32_load(abi.CPU_VSTART)
    f.i32_eqz()
    f.i32_const(0)
    f.i64_load(abi.CPU_VL)
    f.i64_const(vlmax)
    f.i64_eq()
    f.i32_and()
    if known(vm) is None:
        c.push_i32(vm)
        f.i32_and()


def _group_bytes(c: Ctx) -> int:
    """Bytes of a register that a group at the known LMUL (JIT: `c.vtype` not None) holds:
    16, or 8, 4, 2 at LMUL = 1/2, 1/4, 1/8 (the rest of the register is its tail)."""
    assert c.vtype is not None
    vlmul = c.vtype & 7
    return abi.VLENB if vlmul < 4 else abi.VLENB >> 8 - vlmul


def _vload(c: Ctx, nbytes: int, offset: int = abi.CPU_V) -> None:
    """Pop an i32 address, push a v128 whose low `nbytes` (16, 8, 4 or 2) are the bytes at
    address + offset (the other lanes: 0 or anything). A fractional group is read alone, from
    its first byte, so that a store before of just it, or of the whole register (the unit-stride
    copy, the strided and indexed loads' unrolled path: `_write_group`), forwards to this load
    (a read that starts inside an earlier store does not forward: it stalls)."""
    f = c.f
    if nbytes == 16:
        f.v128_load(offset)
    elif nbytes == 8:
        f.v128_load64_zero(offset)
    elif nbytes == 4:
        f.v128_load32_zero(offset)
    else:
        f.i32_load16_u(offset)
        f.i16x8_splat()


def _vstore(c: Ctx, nbytes: int, offset: int = abi.CPU_V) -> None:
    """Pop an i32 address and a v128, store its low `nbytes` (16, 8, 4 or 2) at address +
    offset (the bytes after stay: a fractional group's tail)."""
    f = c.f
    if nbytes == 16:
        f.v128_store(offset)
    else:
        {8: f.v128_store64_lane, 4: f.v128_store32_lane, 2: f.v128_store16_lane}[nbytes](offset)


def _simd_group(c: Ctx, i: Insn, width: int, lmul: int, scalar: int) -> None:
    """vd = vs2 op (vs1 | splat(scalar)) for each of the group's 2**lmul registers, a v128 at a
    time (the .vx/.vi operand is splat to SEW-wide lanes); then vstart = 0 (it is already). At
    a fractional LMUL (JIT), the group's bytes of one register (its tail stays)."""
    f = c.f
    at = ATTRS[i.name]
    shape = f"i{8 * width}x{16 // width}"
    frac = c.vtype is not None and c.vtype & 7 > 4
    nbytes = _group_bytes(c) if frac else abi.VLENB
    r, n = c.tmp(I32), c.tmp(I32)
    if not frac:
        f.i32_const(1)
        f.local_get(lmul)
        f.i32_shl()
        f.local_set(n)
        f.i32_const(0)
        f.local_set(r)
        top = f.loop()

    def reg(v: Value) -> None:  # push the i32 offset of register v + r
        c.push_i32(v)
        if not frac:
            f.local_get(r)
            f.i32_add()
        f.i32_const(4)
        f.i32_shl()

    def second() -> None:
        if at.op in _SHIFTS:  # (Wasm takes the amount modulo the lane width as RVV does)
            f.local_get(scalar)
            f.i32_wrap_i64()
        elif at.scalar or at.imm:
            f.local_get(scalar)
            if width < 8:
                f.i32_wrap_i64()
            f.emit(f"{shape}.splat")
        else:
            reg(i.rs1)
            _vload(c, nbytes)

    reg(i.rd)
    if at.op == "rsub":
        second()
    if at.op != "mv":
        reg(i.rs2)
        _vload(c, nbytes)
    if at.op != "rsub":
        second()
    if at.op in ("add", "sub", "rsub", "mul"):  # (no i8x16.mul: not at SEW = 8)
        f.emit(f"{shape}.{'sub' if at.op == 'rsub' else at.op}")
    elif at.op in _MINMAX:
        f.emit(f"{shape}.{at.op[:3]}_{'u' if at.op.endswith('u') else 's'}")
    elif at.op in _SHIFTS:
        f.emit(f"{shape}.{_SIMD_SHIFTS[at.op]}")
    elif at.op != "mv":
        f.emit(f"v128.{at.op}")
    _vstore(c, nbytes)
    if frac:
        return
    f.local_get(r)
    f.i32_const(1)
    f.i32_add()
    f.local_tee(r)
    f.local_get(n)
    f.i32_lt_u()
    f.br_if(top)
    f.end()


@trans("vmv.x.s")
def _vmv_x_s(c: Ctx, i: Insn) -> None:
    """x[rd] = element 0 of vs2, sign-extended from SEW (whatever vl and vstart are)."""
    f = c.f
    sew, _ = _config(c)
    val = c.tmp(I64)

    def by_width(width: int) -> None:
        c.push_i32(i.rs2)
        f.i32_const(4)
        f.i32_shl()
        getattr(f, _LOAD_S[width])(abi.CPU_V)
        f.local_set(val)

    _by_sew(c, sew, by_width)
    _vstart_zero(c)
    f.local_get(val)
    c.set_x(i.rd)


@trans("vmv.s.x")
def _vmv_s_x(c: Ctx, i: Insn) -> None:
    """Element 0 of vd = x[rs1] (its low SEW bits), when vstart < vl."""
    sew, _ = _config(c)
    _by_sew(c, sew, lambda width: _write_element0(c, i.rd, width, lambda: c.get_x(i.rs1)))
    _vstart_zero(c)


@trans("vmv1r.v", "vmv2r.v", "vmv4r.v", "vmv8r.v")
def _vmv_whole(c: Ctx, i: Insn) -> None:
    """Copy count registers, whatever LMUL and vl are, but illegal with vill set, as in
    qemu 10: the elements of SEW bits from vstart (count * VLENB / SEW of them)."""
    f = c.f
    count = ATTRS[i.name].count
    sew, _ = _config(c)
    _check_static_group(c, i.rd, count)
    _check_static_group(c, i.rs2, count)
    f.i32_const(0)
    f.i32_load(abi.CPU_VSTART)
    f.i32_eqz()
    f.if_()
    for off in range(0, count * abi.VLENB, 8):
        c.push_i32(i.rd)
        f.i32_const(4)
        f.i32_shl()
        c.push_i32(i.rs2)
        f.i32_const(4)
        f.i32_shl()
        f.i64_load(abi.CPU_V + off)
        f.i64_store(abi.CPU_V + off)
    f.else_()
    # a byte at a time from byte vstart * SEW / 8 (vstart < VLEN, so no overflow)
    k = c.tmp(I32)
    f.i32_const(0)
    f.i32_load(abi.CPU_VSTART)
    f.local_get(sew)
    f.i32_shl()
    f.local_set(k)
    done = f.block()
    top = f.loop()
    f.local_get(k)
    f.i32_const(count * abi.VLENB)
    f.i32_ge_u()
    f.br_if(done)
    c.push_i32(i.rd)
    f.i32_const(4)
    f.i32_shl()
    f.local_get(k)
    f.i32_add()
    c.push_i32(i.rs2)
    f.i32_const(4)
    f.i32_shl()
    f.local_get(k)
    f.i32_add()
    f.i32_load8_u(abi.CPU_V)
    f.i32_store8(abi.CPU_V)
    f.local_get(k)
    f.i32_const(1)
    f.i32_add()
    f.local_set(k)
    f.br(top)
    f.end()
    f.end()
    f.end()
    _vstart_zero(c)


@trans("vid.v")
def _vid(c: Ctx, i: Insn) -> None:
    """vd[k] = k for the active elements k < vl."""
    f = c.f
    sew, lmul = _config(c)
    _check_vm_vd(c, i)
    _check_group(c, i.rd, lmul)

    def by_width(width: int) -> None:
        def body(k: int) -> None:
            _velem(c, i.rd, k, width)
            f.local_get(k)
            f.i64_extend_i32_u()
            getattr(f, _STORE[width])(abi.CPU_V)

        _elements(c, i.vm, body)

    _by_sew(c, sew, by_width)


_CARRY = ["vadc.vvm", "vadc.vxm", "vadc.vim", "vsbc.vvm", "vsbc.vxm", "vmerge.vvm", "vmerge.vxm"]
_CARRY += ["vmerge.vim", "vmadc.vvm", "vmadc.vxm", "vmadc.vim", "vmadc.vv", "vmadc.vx"]
_CARRY += ["vmadc.vi", "vmsbc.vvm", "vmsbc.vxm", "vmsbc.vv", "vmsbc.vx"]


@trans(*_CARRY)
def _carry(c: Ctx, i: Insn) -> None:
    """Every element k < vl (v0 is an operand, not a mask), a = vs2[k], b = vs1[k] | x[rs1] |
    simm5 (at SEW), cin = bit k of v0 (vm = 0) or 0 (vmadc/vmsbc with vm = 1):
    vadc: a + b + cin, vsbc: a - b - cin, vmerge: cin ? b : a; vmadc / vmsbc set bit k of the
    mask vd to the carry out of a + b + cin / the borrow of a - b - cin."""
    f = c.f
    at = ATTRS[i.name]
    sew, lmul = _config(c)
    vector = not (at.scalar or at.imm)
    mask_out = at.op in ("madc", "msbc")
    carry_in = i.name.endswith("m")  # (vm = 0; tier 0 reads vm at run time)
    if mask_out:
        _check_mask_dest(c, i.rd, i.rs2, lmul)
        if vector:
            _check_mask_dest(c, i.rd, i.rs1, lmul)
    else:
        _check_vm_vd(c, i)
        _check_group(c, i.rd, lmul)
    if at.op == "merge":  # (qemu 10: v0, the selector, is no vmerge source; vadc may read it)
        _check_src_v0(c, i.vm, i.rs2)
        if vector:
            _check_src_v0(c, i.vm, i.rs1)
    _check_group(c, i.rs2, lmul)
    a, b, cin, s = c.tmp(I64), c.tmp(I64), c.tmp(I64), c.tmp(I64)
    _, scalar = _operand1(c, i, lmul)

    def by_width(width: int) -> None:
        bits = 8 * width
        if not vector:  # b at SEW, zero-extended like the elements
            _scalar_at_sew(c, scalar, width, False)

        def body(k: int) -> None:
            _get(c, i.rs2, k, width)
            f.local_set(a)
            _get1(c, i, k, width, None if vector else scalar)
            f.local_set(b)
            if carry_in:
                _mask_bit(c, 0, k)
                f.i64_extend_i32_u()
            else:
                f.i64_const(0)
            f.local_set(cin)
            if mask_out:
                if at.op == "msbc":  # a < b + cin, as numbers
                    f.local_get(a)
                    f.local_get(b)
                    f.i64_lt_u()
                    f.local_get(a)
                    f.local_get(b)
                    f.i64_eq()
                    f.local_get(cin)
                    f.i32_wrap_i64()
                    f.i32_and()
                    f.i32_or()
                elif width == 8:  # a + b wraps, or it is all ones and cin carries
                    f.local_get(a)
                    f.local_get(b)
                    f.i64_add()
                    f.local_tee(s)
                    f.local_get(a)
                    f.i64_lt_u()
                    f.local_get(s)
                    f.i64_const(-1)
                    f.i64_eq()
                    f.local_get(cin)
                    f.i32_wrap_i64()
                    f.i32_and()
                    f.i32_or()
                else:
                    f.local_get(a)
                    f.local_get(b)
                    f.i64_add()
                    f.local_get(cin)
                    f.i64_add()
                    f.i64_const(bits)
                    f.i64_shr_u()
                    f.i32_wrap_i64()
                _set_mask_bit(c, i.rd, k)
                return
            _velem(c, i.rd, k, width)
            if at.op == "merge":
                f.local_get(b)
                f.local_get(a)
                f.local_get(cin)
                f.i32_wrap_i64()
                f.select()
            else:
                f.local_get(a)
                f.local_get(b)
                if at.op == "adc":
                    f.i64_add()
                    f.local_get(cin)
                    f.i64_add()
                else:
                    f.i64_sub()
                    f.local_get(cin)
                    f.i64_sub()
            getattr(f, _STORE[width])(abi.CPU_V)

        _elements(c, 1, body)

    _by_sew(c, sew, by_width)


_COMPARES = [f"vms{op}.vv" for op in ("eq", "ne", "ltu", "lt", "leu", "le")]
_COMPARES += [f"vms{op}.vx" for op in ("eq", "ne", "ltu", "lt", "leu", "le", "gtu", "gt")]
_COMPARES += [f"vms{op}.vi" for op in ("eq", "ne", "leu", "le", "gtu", "gt")]


@trans(*_COMPARES)
def _compare(c: Ctx, i: Insn) -> None:
    """Bit k of the mask vd = vs2[k] op (vs1[k] | x[rs1] | simm5, at SEW) for the active
    elements k < vl; the signed ops compare sign-extended elements. Inactive and tail bits
    stay."""
    f = c.f
    at = ATTRS[i.name]
    signed = at.op.endswith("_s")
    load = _LOAD_S if signed else _LOAD
    sew, lmul = _config(c)
    _check_group(c, i.rs2, lmul)
    _check_mask_dest(c, i.rd, i.rs2, lmul)
    vector, scalar = _operand1(c, i, lmul)
    if vector:
        _check_mask_dest(c, i.rd, i.rs1, lmul)

    def by_width(width: int) -> None:
        if not vector:
            _scalar_at_sew(c, scalar, width, signed)

        def body(k: int) -> None:
            _get(c, i.rs2, k, width, load)
            _get1(c, i, k, width, None if vector else scalar, load)
            getattr(f, f"i64_{at.op}")()
            _set_mask_bit(c, i.rd, k)

        if not _compare_simd_ok(c, i, width):
            _elements(c, i.vm, body)
            return
        _full_test(c, i.vm, _vlmax(c, width))
        f.if_()
        _compare_simd(c, i, width, scalar)
        f.else_()
        _elements(c, i.vm, body)
        f.end()

    _by_sew(c, sew, by_width)


def _compare_simd_ok(c: Ctx, i: Insn, width: int) -> bool:
    """Whether the JIT (vtype known) emits `_compare_simd` for compare `i` at SEW = width:
    possibly unmasked, VLMAX <= 32, not an unsigned compare at SEW = 64."""
    if c.vtype is None or known(i.vm) == 0:
        return False
    return _vlmax(c, width) <= 32 and not (width == 8 and ATTRS[i.name].op.endswith("_u"))


def _compare_simd(c: Ctx, i: Insn, width: int, scalar: int) -> None:
    """The compare `i` over its whole group (vstart = 0, vl = VLMAX <= 32, unmasked): each
    register's lanes compared in SIMD, their bitmasks gathered in an i32 (every source read
    before vd is written), then the low VLMAX bits of vd replaced (its tail bits stay). At a
    fractional LMUL, the group's bytes of one register, the low VLMAX bits of its bitmask."""
    f = c.f
    at = ATTRS[i.name]
    shape = f"i{8 * width}x{16 // width}"
    lanes, vlmax = 16 // width, _vlmax(c, width)
    nbytes = _group_bytes(c)
    bits = c.tmp(I32)

    def addr(reg: Value) -> None:
        c.push_i32(reg)
        f.i32_const(4)
        f.i32_shl()

    for r in range(max(vlmax // lanes, 1)):
        addr(i.rs2)
        _vload(c, nbytes, abi.CPU_V + 16 * r)
        if ATTRS[i.name].scalar or ATTRS[i.name].imm:
            f.local_get(scalar)
            if width < 8:
                f.i32_wrap_i64()
            f.emit(f"{shape}.splat")
        else:
            addr(i.rs1)
            _vload(c, nbytes, abi.CPU_V + 16 * r)
        f.emit(f"{shape}.{at.op}")
        f.emit(f"{shape}.bitmask")
        if vlmax < lanes:
            f.i32_const((1 << vlmax) - 1)
            f.i32_and()
        if r:
            f.i32_const(r * lanes)
            f.i32_shl()
            f.local_get(bits)
            f.i32_or()
        f.local_set(bits)
    addr(i.rd)
    if vlmax < 8:
        addr(i.rd)
        f.i32_load8_u(abi.CPU_V)
        f.i32_const(0xFF ^ ((1 << vlmax) - 1))
        f.i32_and()
        f.local_get(bits)
        f.i32_or()
        f.i32_store8(abi.CPU_V)
    else:
        f.local_get(bits)
        {8: f.i32_store8, 16: f.i32_store16, 32: f.i32_store}[vlmax](abi.CPU_V)
    _vstart_zero(c)
