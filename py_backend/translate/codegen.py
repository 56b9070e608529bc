"""Translation of a batch of TBs into one Wasm module, and ``Ctx``, the emitter API that the
instruction semantics (``emit_int.py``, ``emit_fp.py``) are written against.

A module (``ModuleWriter``, ``translate_module``) holds one *region* function
``(case: i32) -> i32`` with every TB of the batch as one case of a dispatch loop (its shape is in
``translate_region``'s docstring), and one entry stub ``() -> i32`` per TB that calls the region
with its case; an active element segment puts each stub into the shared table at the TB's id.
Each TB's code (``_emit_tb``)::

    budget -= n; if budget < 0: exit BUDGET (pc = TB start)
    tb_count += 1                     ;; only with count_tbs
    ... one sequence per guest instruction (its semantics) ...
    ... the TB's ending: goto_tb (a branch to the dispatch loop inside the region, else the
        chain exit), goto_ptr (the jump cache) or exit_tb (the slow exit)

Guest registers, the budget and the TB counter live in Wasm locals while control stays in the
region; the prologue loads every register any TB of the region uses, and every exit (the three
shared tails: slow exit, goto_ptr, goto_tb out) writes back each register some TB writes. A
register not yet written on the path taken still holds its prologue value, so the write-back is
exact at every exit.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import abi
from ..abi import ExitReason, PageFlags
from ..block import Block, indirect_site, is_return, return_point
from ..isa.insn import Insn
from ..isa.table import FLAGS
from ..wasm.builder import FunctionBuilder, Label, ModuleBuilder, ValType
from .operand import Dyn, Value, known

I32 = ValType.I32
I64 = ValType.I64
F32 = ValType.F32
F64 = ValType.F64

MASK64 = (1 << 64) - 1
BOX_HIGH = 0xFFFFFFFF00000000  # NaN-boxing: a single float in a 64-bit f register
CANONICAL_NAN32 = 0x7FC00000
CANONICAL_NAN64 = 0x7FF8000000000000
# Plain ints: IntFlag arithmetic is slow on the translation path.
_READ, _WRITE, _CODE = int(PageFlags.READ), int(PageFlags.WRITE), int(PageFlags.CODE)
# A `ret` compares its target with at most this many return points of its region.
MAX_RETURN_CASES = 8


Semantics = Callable[["Ctx", Insn], None]
SEMANTICS: dict[str, Semantics] = {}


def trans(*names: str) -> Callable[[Semantics], Semantics]:
    """Register a semantics function for one or more instruction names."""

    def register(fn: Semantics) -> Semantics:
        for n in names:
            if n in SEMANTICS:
                raise ValueError(f"two semantics for {n}")
            SEMANTICS[n] = fn
        return fn

    return register


def vector_off_check(c: Ctx) -> None:
    """Illegal when the thread's vector unit is off (abi.CPU_VCTRL's current setting is
    VCTRL_OFF: prctl PR_RISCV_V_SET_CONTROL, Linux's status.VS kept off): emitted before every
    vector instruction and vector CSR access."""
    f = c.f
    f.i32_const(0)
    f.i32_load(abi.CPU_VCTRL)
    f.i32_const(3)
    f.i32_and()
    f.i32_const(abi.VCTRL_OFF)
    f.i32_eq()
    f.if_()
    c.exit_slow(ExitReason.ILLEGAL, c.pc)
    f.end()


def emit_jmp_cache_offset(f: FunctionBuilder, pc_local: int) -> None:
    """Push the i32 byte offset in JMP_CACHE of the entry for the i64 guest pc in `pc_local`:
    ``abi.jmp_cache_entry(pc) - JMP_CACHE`` (the hot counter's offset in HOT_COUNTERS is this
    >> HOT_COUNTER_SHIFT)."""
    f.local_get(pc_local)
    f.local_get(pc_local)
    f.i64_const(abi.JMP_CACHE_FOLD)
    f.i64_shr_u()
    f.i64_xor()
    f.i32_wrap_i64()
    f.i32_const(1)
    f.i32_shr_u()
    f.i32_const(abi.JMP_CACHE_ENTRIES - 1)
    f.i32_and()
    f.i32_const(abi.JMP_CACHE_ENTRY_SHIFT)
    f.i32_shl()


def emit_jmp_cache_probe(f: FunctionBuilder, pc_local: int, e: int, t: int) -> None:
    """Open two ``if``s (the caller closes both) that are entered when the jump cache holds a TB
    for the guest pc in `pc_local`: e = the entry's offset (emit_jmp_cache_offset), t = TB id."""
    emit_jmp_cache_offset(f, pc_local)
    f.local_tee(e)
    f.i64_load(abi.JMP_CACHE)
    f.local_get(pc_local)
    f.i64_eq()
    f.if_()
    f.local_get(e)
    f.i32_load(abi.JMP_CACHE + abi.JMP_CACHE_TB)
    f.local_tee(t)
    f.if_()


class Ctx:
    """The emitter API that instruction semantics are written against."""

    def __init__(
        self,
        fb: FunctionBuilder,
        type_idx: int,
        local_targets: dict[int, int] | None = None,
    ) -> None:
        self.f = fb
        self.type_idx = type_idx  # type of TB entry points: () -> i32
        self.local_targets = local_targets or {}  # guest pc -> case index in this region
        # return points (pc after a call) in this region -> case: where a `ret` may stay
        self.return_cases: dict[int, int] = {}
        # indirect jumps (pc) -> their profiled targets in this region -> case
        self.indirect_cases: dict[int, dict[int, int]] = {}
        self.entry = 0  # param: which TB of the region to run
        self._x: dict[int, int] = {}
        self._fr: dict[int, int] = {}
        self.dirty_x: set[int] = set()
        self.dirty_f: set[int] = set()
        self._free: dict[ValType, list[int]] = {I32: [], I64: [], F32: [], F64: []}
        self._busy: list[tuple[ValType, int]] = []
        self.xpc = fb.add_local(I64)
        self.xreason = fb.add_local(I32)
        self.xarg = fb.add_local(I64)
        self.xslot = fb.add_local(I32)  # link slot address of a goto_tb leaving the region
        self.budget = fb.add_local(I64)  # ctx.budget, written back at every exit
        self.tb_count = fb.add_local(I64)  # ctx.tb_count, likewise (only with count_tbs)
        self.count_tbs = False
        self.exit_label: Label | None = None  # slow exits: faults, ecall, budget, ...
        self.ptr_label: Label | None = None  # goto_ptr: target pc in xpc
        self.chain_label: Label | None = None  # goto_tb out of the region: xpc, xslot
        self.dispatch_label: Label | None = None  # goto_tb inside the region: entry = case
        self.begin_tb(0, Block(0, [], 0))

    def begin_tb(self, tb_id: int, block: Block) -> None:
        """Start emitting the code of one TB of the region."""
        self.tb_id = tb_id
        self.block = block
        self.pc: Value = block.pc
        self.next_pc: Value = block.pc
        self.insn: Insn | None = None
        self.ended = False  # the TB's ending has been emitted
        self.successors: list[int] = []
        self.slot_targets: list[int | None] = [None, None]
        # vtype where this TB's code fixes it (after a vsetvli/vsetivli with a constant vtype),
        # else None: vector semantics then read it at run time (emit_vector._config)
        self.vtype: int | None = None
        self.vector_checked = False  # vector_off_check emitted in this TB

    # --- registers ---------------------------------------------------------------------------
    def _xl(self, r: int) -> int:
        loc = self._x.get(r)
        if loc is None:
            loc = self._x[r] = self.f.add_local(I64)
        return loc

    def _fl(self, r: int) -> int:
        loc = self._fr.get(r)
        if loc is None:
            loc = self._fr[r] = self.f.add_local(I64)
        return loc

    def get_x(self, r: int) -> None:
        """Push x[r] (i64)."""
        if r == 0:
            self.f.i64_const(0)
        else:
            self.f.local_get(self._xl(r))

    def set_x(self, r: int) -> None:
        """Pop an i64 into x[r]; writes to x0 are discarded."""
        if r == 0:
            self.f.drop()
        else:
            self.f.local_set(self._xl(r))
            self.dirty_x.add(r)

    def set_x_i32s(self, r: int) -> None:
        """Pop an i32 and sign-extend it into x[r] (the W-instruction rule)."""
        if r == 0:
            self.f.drop()
        else:
            self.f.i64_extend_i32_s()
            self.set_x(r)

    def get_f(self, r: int) -> None:
        """Push the raw 64 bits of f[r]."""
        self.f.local_get(self._fl(r))

    def set_f(self, r: int) -> None:
        """Pop raw 64 bits into f[r]."""
        self.f.local_set(self._fl(r))
        self.dirty_f.add(r)

    def get_f64(self, r: int) -> None:
        self.get_f(r)
        self.f.f64_reinterpret_i64()

    def set_f64(self, r: int) -> None:
        self.f.i64_reinterpret_f64()
        self.set_f(r)

    def get_f32_bits(self, r: int) -> None:
        """Push f[r] as an i32 single, unboxing: a value not properly NaN-boxed reads as the
        canonical NaN ("the value is treated as if it were the canonical NaN")."""
        f = self.f
        self.get_f(r)
        f.i32_wrap_i64()
        f.i32_const(CANONICAL_NAN32)
        self.get_f(r)
        f.i64_const(BOX_HIGH)
        f.i64_and()
        f.i64_const(BOX_HIGH)
        f.i64_eq()
        f.select()

    def get_f32(self, r: int) -> None:
        self.get_f32_bits(r)
        self.f.f32_reinterpret_i32()

    def set_f32_bits(self, r: int) -> None:
        """Pop an i32 single and store it NaN-boxed."""
        self.f.i64_extend_i32_u()
        self.f.i64_const(BOX_HIGH)
        self.f.i64_or()
        self.set_f(r)

    def set_f32(self, r: int) -> None:
        self.f.i32_reinterpret_f32()
        self.set_f32_bits(r)

    # --- operands that may be run-time values (see operand.py) --------------------------------
    def push_i64(self, v: Value) -> None:
        """Push an i64 operand: a constant for the JIT, a local (or sum of locals) in tier 0."""
        f = self.f
        if isinstance(v, int):
            f.i64_const(v)
        elif isinstance(v, Dyn):
            f.local_get(v.local)
            if not v.wide:
                f.i64_extend_i32_u()
        else:
            first = True
            for t in v.terms:
                self.push_i64(t)
                if not first:
                    f.i64_add()
                first = False
            if v.const or first:
                f.i64_const(v.const)
                if not first:
                    f.i64_add()

    def push_i32(self, v: Value) -> None:
        """Push an operand as an i32 (its low 32 bits)."""
        if isinstance(v, int):
            self.f.i32_const(v)
        elif isinstance(v, Dyn) and not v.wide:
            self.f.local_get(v.local)
        else:
            self.push_i64(v)
            self.f.i32_wrap_i64()

    # --- temporaries -------------------------------------------------------------------------
    def tmp(self, t: ValType) -> int:
        """A scratch local, free again after the current instruction."""
        pool = self._free[t]
        loc = pool.pop() if pool else self.f.add_local(t)
        self._busy.append((t, loc))
        return loc

    def _release_temps(self) -> None:
        for t, loc in self._busy:
            self._free[t].append(loc)
        self._busy.clear()

    # --- exits -------------------------------------------------------------------------------
    def exit_slow(self, reason: int, pc: Value, arg_local: int | None = None) -> None:
        """Leave through the shared exit: write back, pc = `pc`, return `reason`."""
        f = self.f
        self.push_i64(pc)
        f.local_set(self.xpc)
        f.i32_const(reason)
        f.local_set(self.xreason)
        if arg_local is None:
            f.i64_const(0)
        else:
            f.local_get(arg_local)
        f.local_set(self.xarg)
        assert self.exit_label is not None
        f.br(self.exit_label)

    def exit_tb(self, reason: ExitReason, pc: Value) -> None:
        """End the TB with an exit to the host."""
        self.exit_slow(reason, pc)
        self.ended = True

    def illegal(self) -> None:
        self.exit_tb(ExitReason.ILLEGAL, self.pc)

    def emulate(self) -> None:
        """Let the host interpret this instruction; the TB ends here."""
        self.exit_tb(ExitReason.EMULATE, self.pc)

    def _writeback(self) -> None:
        f = self.f
        f.i32_const(0)
        f.local_get(self.budget)
        f.i64_store(abi.CTX_BUDGET)
        if self.count_tbs:
            f.i32_const(0)
            f.local_get(self.tb_count)
            f.i64_store(abi.CTX_TB_COUNT)
        for r in sorted(self.dirty_x):
            f.i32_const(0)
            f.local_get(self._x[r])
            f.i64_store(abi.x_addr(r))
        for r in sorted(self.dirty_f):
            f.i32_const(0)
            f.local_get(self._fr[r])
            f.i64_store(abi.f_addr(r))

    def _return_to_host(self, reason: int) -> None:
        """return reason (the registers are already stored)."""
        self.f.i32_const(reason)
        self.f.return_()

    def goto_tb(self, slot: int, target: Value) -> None:
        """Direct jump to a static target: a branch to the dispatch loop when the target is in
        this region (the TB itself included), else a linked tail call or a CHAIN exit."""
        f = self.f
        assert isinstance(target, int)
        target &= MASK64
        self.successors.append(target)
        case = self.local_targets.get(target)
        if case is not None:
            f.i32_const(case)
            f.local_set(self.entry)
            assert self.dispatch_label is not None
            f.br(self.dispatch_label)
            return
        self.slot_targets[slot] = target
        f.i64_const(target)
        f.local_set(self.xpc)
        f.i32_const(abi.link_slot_addr(self.tb_id, slot))
        f.local_set(self.xslot)
        assert self.chain_label is not None
        f.br(self.chain_label)

    def goto_ptr(self, target_local: int) -> None:
        """Indirect jump to the i64 guest pc in `target_local`: a `ret` to one of the region's
        return points, or another indirect jump to one of the targets tier 0 saw it take that
        are in the region (Block.indirect_targets), branches to its case; anything else goes
        through the jump cache."""
        f = self.f
        cases: dict[int, int] = {}
        if self.return_cases and self.insn is not None and is_return(self.insn):
            cases = self.return_cases
        elif isinstance(self.pc, int):
            cases = self.indirect_cases.get(self.pc, {})
        if cases:
            assert self.dispatch_label is not None
            for pc, case in cases.items():
                f.local_get(target_local)
                f.i64_const(pc)
                f.i64_eq()
                f.if_()
                f.i32_const(case)
                f.local_set(self.entry)
                f.br(self.dispatch_label)
                f.end()
        self.f.local_get(target_local)
        self.f.local_set(self.xpc)
        assert self.ptr_label is not None
        self.f.br(self.ptr_label)

    def _emit_chain_exit(self) -> None:
        """goto_tb leaving the region: tail-call the linked TB, or ask the host (CHAIN)."""
        f = self.f
        t = self.tmp(I32)
        self._writeback()
        self._store_pc()  # the slot may hold tier 0 (INTERP_TB), which starts at CPU pc
        f.local_get(self.xslot)
        f.i32_load(0)
        f.local_tee(t)
        f.if_()
        f.local_get(t)
        f.return_call_indirect(self.type_idx)
        f.end()
        # slot address -> (TB id, slot) for the host: abi.link_slot_of
        for shift, mask, ctx_field in (
            (abi.LINK_TB_SHIFT, None, abi.CTX_LINK_FROM),
            (abi.LINK_SLOT_SHIFT, abi.LINK_SLOTS_PER_TB - 1, abi.CTX_LINK_SLOT),
        ):
            f.i32_const(0)
            f.local_get(self.xslot)
            f.i32_const(abi.LINK_SLOTS)
            f.i32_sub()
            f.i32_const(shift)
            f.i32_shr_u()
            if mask is not None:
                f.i32_const(mask)
                f.i32_and()
            f.i32_store(ctx_field)
        self._return_to_host(ExitReason.CHAIN)

    def _emit_ptr_exit(self) -> None:
        """goto_ptr: the jump cache maps the pc in xpc to a TB id; on a miss, tail-call
        ctx.miss_tb (tier 0) when set, else return LOOKUP."""
        f = self.f
        e = self.tmp(I32)
        t = self.tmp(I32)
        self._writeback()
        self._store_pc()
        emit_jmp_cache_probe(f, self.xpc, e, t)
        f.local_get(t)
        f.return_call_indirect(self.type_idx)
        f.end()
        f.end()
        f.i32_const(0)
        f.i32_load(abi.CTX_MISS_TB)
        f.local_tee(t)
        f.if_()
        f.local_get(t)
        f.return_call_indirect(self.type_idx)
        f.end()
        self._return_to_host(ExitReason.LOOKUP)

    def _store_pc(self) -> None:
        """CPU pc = the exit's target (local xpc)."""
        f = self.f
        f.i32_const(0)
        f.local_get(self.xpc)
        f.i64_store(abi.CPU_PC)

    def _emit_slow_exit(self) -> None:
        f = self.f
        self._writeback()
        self._store_pc()
        f.i32_const(0)
        f.local_get(self.xarg)
        f.i64_store(abi.CTX_EXIT_ARG)
        f.local_get(self.xreason)
        f.return_()

    # --- guest memory ------------------------------------------------------------------------
    def _page_flags(self, a: int, width: int) -> None:
        """Push the page-table flags that hold for every byte of the `width`-byte access at the
        i64 guest address in local `a`: the entry of its first byte's page, ANDed with the next
        page's entry only when the access crosses into it (rare: the check stays off the common
        path).  Pages past the guest space (and addresses that wrap) read the always-zero
        sentinel entry at index GUEST_PAGES."""
        f = self.f
        pg = self.tmp(I64)
        f.local_get(a)
        f.i64_const(abi.PAGE_SHIFT)
        f.i64_shr_u()
        f.local_set(pg)
        self._page_entry(pg)
        if width == 1:
            return
        fl = self.tmp(I32)
        f.local_set(fl)
        self.crosses_page(a, width)
        f.if_()
        # a >> PAGE_SHIFT < 2**52, so the next page's number cannot wrap
        f.local_get(pg)
        f.i64_const(1)
        f.i64_add()
        f.local_set(pg)
        f.local_get(fl)
        self._page_entry(pg)
        f.i32_and()
        f.local_set(fl)
        f.end()
        f.local_get(fl)

    def crosses_page(self, a: int, width: int) -> None:
        """Push whether the `width`-byte access at the i64 guest address local `a` crosses into
        the next page."""
        f = self.f
        f.local_get(a)
        f.i32_wrap_i64()
        f.i32_const(abi.PAGE_SIZE - 1)
        f.i32_and()
        f.i32_const(abi.PAGE_SIZE - width)
        f.i32_gt_u()

    def _page_entry(self, pg: int) -> None:
        """Push the page-table byte of guest page number `pg` (an i64 local); numbers past the
        guest space read the sentinel entry."""
        f = self.f
        f.local_get(pg)
        f.i64_const(abi.GUEST_PAGES)
        f.local_get(pg)
        f.i64_const(abi.GUEST_PAGES)
        f.i64_lt_u()
        f.select()
        f.i32_wrap_i64()
        f.i32_load8_u(abi.PAGE_TABLE)

    def addr(self, rs1: int, imm: Value) -> int:
        """Compute rs1 + imm into a fresh i64 local and return it."""
        f = self.f
        a = self.tmp(I64)
        self.get_x(rs1)
        if known(imm) != 0:
            self.push_i64(imm)
            f.i64_add()
        f.local_set(a)
        return a

    def check_read(self, a: int, width: int) -> None:
        """Fault with SIGSEGV unless `width` bytes at the guest address in local `a` are
        readable."""
        f = self.f
        self._page_flags(a, width)
        f.i32_const(_READ)
        f.i32_and()
        f.i32_eqz()
        f.if_()
        self.exit_slow(ExitReason.SEGV, self.pc, a)
        f.end()

    def wasm_addr(self, a: int) -> None:
        """Push the i32 Wasm address base of guest address local `a` (use offset GUEST_BASE)."""
        self.f.local_get(a)
        self.f.i32_wrap_i64()

    def store(
        self,
        a: int,
        width: int,
        emit_store: Callable[[], None],
        after: Callable[[], None] | None = None,
    ) -> None:
        """Checked store to guest address local `a`.  `emit_store` pushes the value and emits
        the store instruction (with offset GUEST_BASE) after the i32 address is pushed.

        A page holding translated code takes the slow path: the store happens, then the TB
        exits with SMC so the host invalidates that page's TBs before anything runs again.
        `after` (an instruction's register write, e.g. the old value of an AMO) is emitted after
        the store on both paths, so it is done before an SMC exit and not done when the store
        faults (the instruction restarts with its registers unchanged)."""
        f = self.f
        fl = self.tmp(I32)
        self._page_flags(a, width)
        f.local_tee(fl)
        f.i32_const(_WRITE | _CODE)
        f.i32_and()
        f.i32_const(_WRITE)
        f.i32_ne()
        f.if_()
        f.local_get(fl)
        f.i32_const(_WRITE)
        f.i32_and()
        f.i32_eqz()
        f.if_()
        self.exit_slow(ExitReason.SEGV, self.pc, a)
        f.end()
        self.wasm_addr(a)
        emit_store()
        if after is not None:
            after()
        self.exit_slow(ExitReason.SMC, self.next_pc, a)
        f.end()
        self.wasm_addr(a)
        emit_store()
        if after is not None:
            after()

    # --- floating-point state ----------------------------------------------------------------
    def or_fflags(self) -> None:
        """Pop an i32 of exception flags and OR it into fflags."""
        f = self.f
        t = self.tmp(I32)
        f.local_set(t)
        f.i32_const(0)
        f.i32_const(0)
        f.i32_load(abi.CPU_FFLAGS)
        f.local_get(t)
        f.i32_or()
        f.i32_store(abi.CPU_FFLAGS)

    def push_frm(self) -> None:
        """Push the dynamic rounding mode (frm) as an i32."""
        self.f.i32_const(0)
        self.f.i32_load(abi.CPU_FRM)


# vsetvli/vsetivli: with a constant vtype, they fix it for the rest of the TB (emit_vector)
_VSET_CONST = frozenset({"vsetvli", "vsetivli"})


def reads_vtype_first(block: Block) -> bool:
    """Whether a vector instruction of `block` runs under the vtype the TB is entered with:
    one comes before any vsetvli/vsetivli (vsetvl's vtype is a register: what follows it is
    not known either way)."""
    for _, insn in block.insns:
        if insn is None or insn.name in _VSET_CONST or insn.name == "vsetvl":
            return False
        if "vector" in FLAGS[insn.name]:
            return True
    return False


def _emit_tb(
    c: Ctx,
    tb_id: int,
    block: Block,
    count_tbs: bool,
    vtype: int | None = None,
    generic_case: int | None = None,
) -> None:
    """The code of one TB, as one case of its region's dispatch loop.  With `vtype`, the code
    is specialized on that vtype until the TB's first vsetvli (`c.vtype`: one element width,
    no vill check, the SIMD paths); a guard in front sends any entry under another vtype to
    case `generic_case`, the same TB translated without the assumption."""
    f = c.f
    c.begin_tb(tb_id, block)
    if generic_case is not None:
        assert vtype is not None and c.dispatch_label is not None
        f.i32_const(0)
        f.i64_load(abi.CPU_VTYPE)
        f.i64_const(vtype)
        f.i64_ne()
        f.if_()
        f.i32_const(generic_case)
        f.local_set(c.entry)
        f.br(c.dispatch_label)
        f.end()
        c.vtype = vtype
    n = max(1, len(block.insns))
    # The budget (and the TB counter) live in locals while the region runs, like registers.
    budget = c.tmp(I64)
    f.local_get(c.budget)
    f.i64_const(n)
    f.i64_sub()
    f.local_tee(budget)
    f.i64_const(0)
    f.i64_lt_s()
    f.if_()
    c.exit_slow(ExitReason.BUDGET, block.pc)
    f.end()
    f.local_get(budget)
    f.local_set(c.budget)
    if count_tbs:
        f.local_get(c.tb_count)
        f.i64_const(1)
        f.i64_add()
        f.local_set(c.tb_count)
    c._release_temps()
    if block.fetch_fault:
        c.exit_tb(ExitReason.FETCH, block.pc)
    for pc, insn in block.insns:
        if c.ended:
            break
        c.pc = pc
        c.insn = insn
        if insn is None:
            c.illegal()
            break
        c.next_pc = pc + insn.size
        sem = SEMANTICS.get(insn.name)
        if sem is None:
            c.illegal()
            break
        if "vector" in FLAGS[insn.name] and not c.vector_checked:
            vector_off_check(c)  # (once per TB: only a system call changes the setting)
            c.vector_checked = True
        sem(c, insn)
        c._release_temps()
    if not c.ended:
        # Size limit or page boundary: fall through to the next TB.
        c.pc = block.end_pc
        c.goto_tb(0, block.end_pc)
        c._release_temps()
    block.successors = c.successors
    block.successors_by_slot = c.slot_targets


def translate_region(
    mb: ModuleBuilder,
    tb_type: int,
    blocks: list[tuple[int, Block]],
    *,
    count_tbs: bool = False,
    vtype: int | None = None,
) -> FunctionBuilder:
    """All TBs of a module as one function `(case: i32) -> i32`::

        prologue: load every guest register any TB of the region uses
        block $chain  block $ptr  block $exit
          loop $dispatch
            block ... block
              br_table on case           ;; goto_tb inside the region: case = k; br $dispatch
            end  <TB 0>
            ...
            end  <TB k-1>
          end
          unreachable
        end  <slow exit: write back, pc = xpc, return xreason>
        end  <goto_ptr: write back, jump cache -> return_call_indirect | LOOKUP>
        end  <goto_tb out: write back, link slot -> return_call_indirect | CHAIN>

    Registers stay in locals while control moves between TBs of the region, and are written
    back only when it leaves.  Every exit writes back each register some TB of the region
    writes: one not yet written on the path taken still holds its prologue value.

    `vtype` (the vtype the guest ran under when the region was chosen, as QEMU keys TBs on
    it): each TB whose vector code runs under its entry vtype is specialized on it, behind a
    guard, and also translated without it as an extra case after the others, taken when the
    guard fails (the specialized code is never run under another vtype)."""
    fb = mb.function(mb.func_type((I32,), (I32,)))
    local = {block.pc: k for k, (_, block) in enumerate(blocks)}
    c = Ctx(fb, tb_type, local)
    c.count_tbs = count_tbs
    for _, block in blocks:
        rp = return_point(block)
        if rp is not None and rp in local and len(c.return_cases) < MAX_RETURN_CASES:
            c.return_cases[rp] = local[rp]
        site = indirect_site(block)
        if site is not None and block.indirect_targets:
            c.indirect_cases[site] = {t: local[t] for t in block.indirect_targets if t in local}
    f = fb
    c.chain_label = f.block()
    c.ptr_label = f.block()
    c.exit_label = f.block()
    c.dispatch_label = f.loop()
    specialize = vtype is not None and not vtype & abi.VTYPE_VILL
    generic = [k for k, (_, b) in enumerate(blocks) if specialize and reads_vtype_first(b)]
    generic_case = {k: len(blocks) + j for j, k in enumerate(generic)}
    cases = [f.block() for _ in range(len(blocks) + len(generic))]
    # Case k branches out of the (k+1)-th innermost block, right before TB k's code.
    f.local_get(c.entry)
    f.br_table(cases[::-1], cases[0])
    for k, (tb_id, block) in enumerate(blocks):
        f.end()
        _emit_tb(c, tb_id, block, count_tbs, vtype, generic_case.get(k))
    for k in generic:
        f.end()
        _emit_tb(c, *blocks[k], count_tbs)
    f.end()  # loop
    f.unreachable()
    f.end()  # $exit
    c._emit_slow_exit()
    f.end()  # $ptr
    c._emit_ptr_exit()
    f.end()  # $chain
    c._emit_chain_exit()
    f.unreachable()

    # Prologue: load every register the region touches.  Emitted last (only now is the set
    # known) and spliced in front; it is straight-line code, so block depths are unaffected.
    pro = FunctionBuilder()
    pro.i32_const(0)
    pro.i64_load(abi.CTX_BUDGET)
    pro.local_set(c.budget)
    if count_tbs:
        pro.i32_const(0)
        pro.i64_load(abi.CTX_TB_COUNT)
        pro.local_set(c.tb_count)
    for r, loc in sorted(c._x.items()):
        pro.i32_const(0)
        pro.i64_load(abi.x_addr(r))
        pro.local_set(loc)
    for r, loc in sorted(c._fr.items()):
        pro.i32_const(0)
        pro.i64_load(abi.f_addr(r))
        pro.local_set(loc)
    fb.prepend(pro)
    return fb


class ModuleWriter:
    """Translates a batch of TBs into one Wasm module: one region function holding them all,
    and for each TB an entry stub `() -> i32` (= region(k)) that an active element segment
    installs into the shared table at index = the TB's id, also exported as str(TB id)."""

    def __init__(
        self, blocks: list[tuple[int, Block]], *, count_tbs: bool = False, vtype: int | None = None
    ) -> None:
        mb = self.mb = ModuleBuilder()
        self.type_idx = mb.func_type((), (I32,))
        mb.import_memory(abi.IMPORT_MODULE, abi.IMPORT_MEMORY, 1)
        mb.import_table(abi.IMPORT_MODULE, abi.IMPORT_TABLE, 1)
        self.blocks = blocks
        region = translate_region(mb, self.type_idx, blocks, count_tbs=count_tbs, vtype=vtype)
        for k, (tb_id, _) in enumerate(blocks):
            stub = mb.function(self.type_idx)
            stub.i32_const(k)
            stub.return_call(region.index)
            mb.elem_active(0, tb_id, [stub.index])
            # Exported under its TB id, so a host that reuses an instance across runs can
            # put the entry back into the table (the element segment applies only once).
            mb.export_func(str(tb_id), stub.index)

    def __len__(self) -> int:
        return len(self.blocks)

    def to_bytes(self) -> bytes:
        return self.mb.to_bytes()


def translate_module(blocks: list[tuple[int, Block]], vtype: int | None = None) -> bytes:
    """One Wasm module holding the TBs `blocks` = [(tb_id, block)] (`vtype`: as in
    `translate_region`)."""
    return ModuleWriter(blocks, vtype=vtype).to_bytes()
