"""Translation of one TB into one Wasm function, and of a batch of TBs into one module.

Shape of every TB function (type ``() -> i32``)::

    prologue: load the guest registers the TB uses into locals
    block $exit
      loop $top                       ;; goto_tb to the TB itself branches here
        budget -= n; if budget < 0: exit BUDGET (pc = TB start)
        tb_count += 1
        ... one sequence per guest instruction ...
        ... the TB's ending: goto_tb / goto_ptr / exit_tb, all of which return or tail-call
      end
      unreachable
    end
    ;; shared slow exit (faults, ecall, budget, ...): $xpc, $xreason, $xarg say what happened
    write back dirty registers; pc = $xpc; ctx.exit_arg = $xarg; ctx.tb_ptr = 0; return $xreason

Guest registers live in Wasm locals inside the TB.  Every exit writes back each register the TB
writes anywhere: a register not yet written at that point still holds the value loaded in the
prologue, so the write-back is exact at every exit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .. import abi
from ..abi import ExitReason, PageFlags
from ..isa.insn import Insn
from ..wasm.builder import FunctionBuilder, Label, ModuleBuilder, ValType

I32 = ValType.I32
I64 = ValType.I64
F32 = ValType.F32
F64 = ValType.F64

MASK64 = (1 << 64) - 1
BOX_HIGH = 0xFFFFFFFF00000000  # NaN-boxing: a single float in a 64-bit f register
CANONICAL_NAN32 = 0x7FC00000
CANONICAL_NAN64 = 0x7FF8000000000000


class Unsupported(Exception):
    """Raised by a semantics function for an encoding it treats as illegal."""


@dataclass(slots=True)
class Block:
    """A decoded translation block: what the translator found by walking guest code."""

    pc: int
    insns: list[tuple[int, Insn | None]]  # (pc, insn); None = illegal at that pc (ends the TB)
    end_pc: int  # first byte after the last instruction
    fetch_fault: bool = False  # the first instruction could not be fetched
    successors: list[int] = field(default_factory=list)  # static targets of goto_tb
    successors_by_slot: list[int | None] = field(default_factory=lambda: [None, None])


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


class Ctx:
    """The emitter API that instruction semantics are written against."""

    def __init__(
        self,
        fb: FunctionBuilder,
        tb_id: int,
        block: Block,
        type_idx: int,
        local_targets: dict[int, int] | None = None,
    ) -> None:
        self.f = fb
        self.local_targets = local_targets or {}
        self.tb_id = tb_id
        self.block = block
        self.type_idx = type_idx
        self.pc = block.pc
        self.next_pc = block.pc
        self.insn: Insn | None = None
        self._x: dict[int, int] = {}
        self._fr: dict[int, int] = {}
        self.dirty_x: set[int] = set()
        self.dirty_f: set[int] = set()
        self._free: dict[ValType, list[int]] = {I32: [], I64: [], F32: [], F64: []}
        self._busy: list[tuple[ValType, int]] = []
        self.xpc = fb.add_local(I64)
        self.xreason = fb.add_local(I32)
        self.xarg = fb.add_local(I64)
        self.exit_label: Label | None = None
        self.top_label: Label | None = None
        self.ended = False  # the TB's ending has been emitted
        self.successors: list[int] = []
        self.slot_targets: list[int | None] = [None, None]

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
    def exit_slow(self, reason: int, pc: int, arg_local: int | None = None) -> None:
        """Leave through the shared exit: write back, pc = `pc`, return `reason`."""
        f = self.f
        f.i64_const(pc)
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

    def exit_tb(self, reason: ExitReason, pc: int) -> None:
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
        for r in sorted(self.dirty_x):
            f.i32_const(0)
            f.local_get(self._x[r])
            f.i64_store(abi.x_addr(r))
        for r in sorted(self.dirty_f):
            f.i32_const(0)
            f.local_get(self._fr[r])
            f.i64_store(abi.f_addr(r))

    def _return_to_host(self, reason: int) -> None:
        """ctx.tb_ptr = 0; ctx.exit_reason = reason; return reason.  Registers already stored."""
        f = self.f
        f.i32_const(0)
        f.i32_const(0)
        f.i32_store(abi.CTX_TB_PTR)
        f.i32_const(0)
        f.i32_const(reason)
        f.i32_store(abi.CTX_EXIT_REASON)
        f.i32_const(reason)
        f.return_()

    def _store_pc_const(self, pc: int) -> None:
        self.f.i32_const(0)
        self.f.i64_const(pc)
        self.f.i64_store(abi.CPU_PC)

    def goto_tb(self, slot: int, target: int) -> None:
        """Direct jump to a static target: self-loop, linked tail call, or CHAIN exit."""
        f = self.f
        target &= MASK64
        self.successors.append(target)
        self.slot_targets[slot] = target
        if target == self.block.pc:
            assert self.top_label is not None
            f.br(self.top_label)
            return
        self._writeback()
        func = self.local_targets.get(target)
        if func is not None:
            # The target is in this module: a direct tail call.  (The module is invalidated as
            # a whole, so this edge never outlives its target.)
            self.slot_targets[slot] = None
            f.return_call(func)
            return
        t = self.tmp(I32)
        f.i32_const(0)
        f.i32_load(abi.link_slot_addr(self.tb_id, slot))
        f.local_tee(t)
        f.if_()
        f.local_get(t)
        f.return_call_indirect(self.type_idx)
        f.end()
        self._store_pc_const(target)
        f.i32_const(0)
        f.i32_const(self.tb_id)
        f.i32_store(abi.CTX_LINK_FROM)
        f.i32_const(0)
        f.i32_const(slot)
        f.i32_store(abi.CTX_LINK_SLOT)
        self._return_to_host(ExitReason.CHAIN)

    def goto_ptr(self, target_local: int) -> None:
        """Indirect jump to the i64 guest pc in `target_local`, through the jump cache."""
        f = self.f
        self._writeback()
        e = self.tmp(I32)
        t = self.tmp(I32)
        f.local_get(target_local)
        f.i32_wrap_i64()
        f.i32_const(1)
        f.i32_shr_u()
        f.i32_const(abi.JMP_CACHE_ENTRIES - 1)
        f.i32_and()
        f.i32_const(4)
        f.i32_shl()
        f.local_tee(e)
        f.i64_load(abi.JMP_CACHE)
        f.local_get(target_local)
        f.i64_eq()
        f.if_()
        f.local_get(e)
        f.i32_load(abi.JMP_CACHE + 8)
        f.local_tee(t)
        f.if_()
        f.local_get(t)
        f.return_call_indirect(self.type_idx)
        f.end()
        f.end()
        f.i32_const(0)
        f.local_get(target_local)
        f.i64_store(abi.CPU_PC)
        self._return_to_host(ExitReason.LOOKUP)

    # --- guest memory ------------------------------------------------------------------------
    def _page_flags(self, a: int) -> None:
        """Push the page-table byte for the i64 guest address in local `a`; addresses past the
        guest space read the always-zero sentinel entry at index GUEST_PAGES."""
        f = self.f
        pg = self.tmp(I64)
        f.local_get(a)
        f.i64_const(abi.PAGE_SHIFT)
        f.i64_shr_u()
        f.local_tee(pg)
        f.i64_const(abi.GUEST_PAGES)
        f.local_get(pg)
        f.i64_const(abi.GUEST_PAGES)
        f.i64_lt_u()
        f.select()
        f.i32_wrap_i64()
        f.i32_load8_u(abi.PAGE_TABLE)

    def addr(self, rs1: int, imm: int) -> int:
        """Compute rs1 + imm into a fresh i64 local and return it."""
        f = self.f
        a = self.tmp(I64)
        self.get_x(rs1)
        if imm:
            f.i64_const(imm)
            f.i64_add()
        f.local_set(a)
        return a

    def check_read(self, a: int) -> None:
        """Fault with SIGSEGV unless the guest address in local `a` is readable."""
        f = self.f
        self._page_flags(a)
        f.i32_const(PageFlags.READ)
        f.i32_and()
        f.i32_eqz()
        f.if_()
        self.exit_slow(ExitReason.SEGV, self.pc, a)
        f.end()

    def wasm_addr(self, a: int) -> None:
        """Push the i32 Wasm address base of guest address local `a` (use offset GUEST_BASE)."""
        self.f.local_get(a)
        self.f.i32_wrap_i64()

    def store(self, a: int, emit_store: Callable[[], None]) -> None:
        """Checked store to guest address local `a`.  `emit_store` pushes the value and emits
        the store instruction (with offset GUEST_BASE) after the i32 address is pushed.

        A page holding translated code takes the slow path: the store happens, then the TB
        exits with SMC so the host invalidates that page's TBs before anything runs again."""
        f = self.f
        fl = self.tmp(I32)
        self._page_flags(a)
        f.local_tee(fl)
        f.i32_const(PageFlags.WRITE | PageFlags.CODE)
        f.i32_and()
        f.i32_const(PageFlags.WRITE)
        f.i32_ne()
        f.if_()
        f.local_get(fl)
        f.i32_const(PageFlags.WRITE)
        f.i32_and()
        f.i32_eqz()
        f.if_()
        self.exit_slow(ExitReason.SEGV, self.pc, a)
        f.end()
        self.wasm_addr(a)
        emit_store()
        self.exit_slow(ExitReason.SMC, self.next_pc, a)
        f.end()
        self.wasm_addr(a)
        emit_store()

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


def translate_block(
    mb: ModuleBuilder,
    type_idx: int,
    tb_id: int,
    block: Block,
    *,
    local_targets: dict[int, int] | None = None,
    count_tbs: bool = False,
) -> FunctionBuilder:
    """Emit one TB as a function of `mb`.  `local_targets` maps guest pcs of TBs in the same
    module to their function indices (goto_tb to them is a direct tail call); `count_tbs`
    counts TB entries in ctx.tb_count (for statistics; it costs a memory update per TB)."""
    fb = mb.function(type_idx)
    c = Ctx(fb, tb_id, block, type_idx, local_targets)
    f = fb
    c.exit_label = f.block()
    c.top_label = f.loop()
    n = max(1, len(block.insns))
    budget = c.tmp(I64)
    f.i32_const(0)
    f.i64_load(abi.CTX_BUDGET)
    f.i64_const(n)
    f.i64_sub()
    f.local_tee(budget)
    f.i64_const(0)
    f.i64_lt_s()
    f.if_()
    c.exit_slow(ExitReason.BUDGET, block.pc)
    f.end()
    f.i32_const(0)
    f.local_get(budget)
    f.i64_store(abi.CTX_BUDGET)
    if count_tbs:
        f.i32_const(0)
        f.i32_const(0)
        f.i64_load(abi.CTX_TB_COUNT)
        f.i64_const(1)
        f.i64_add()
        f.i64_store(abi.CTX_TB_COUNT)
    c._release_temps()

    if block.fetch_fault:
        c.exit_tb(ExitReason.FETCH, block.pc)
    for pc, insn in block.insns:
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
        sem(c, insn)
        c._release_temps()
        if c.ended:
            break
    if not c.ended:
        # Size limit or page boundary: fall through to the next TB.
        c.pc = block.end_pc
        c.goto_tb(0, block.end_pc)
        c._release_temps()
    f.end()  # loop
    f.unreachable()
    f.end()  # block $exit
    c._writeback()
    f.i32_const(0)
    f.local_get(c.xpc)
    f.i64_store(abi.CPU_PC)
    f.i32_const(0)
    f.local_get(c.xarg)
    f.i64_store(abi.CTX_EXIT_ARG)
    f.i32_const(0)
    f.i32_const(0)
    f.i32_store(abi.CTX_TB_PTR)
    f.i32_const(0)
    f.local_get(c.xreason)
    f.i32_store(abi.CTX_EXIT_REASON)
    f.local_get(c.xreason)

    # Prologue: load every register the TB touches.  Emitted last (only now is the set known)
    # and spliced in front; it is straight-line code, so block depths are unaffected.
    pro = FunctionBuilder()
    for r, loc in sorted(c._x.items()):
        pro.i32_const(0)
        pro.i64_load(abi.x_addr(r))
        pro.local_set(loc)
    for r, loc in sorted(c._fr.items()):
        pro.i32_const(0)
        pro.i64_load(abi.f_addr(r))
        pro.local_set(loc)
    fb.prepend(pro)
    block.successors = c.successors
    block.successors_by_slot = c.slot_targets
    return fb


class ModuleWriter:
    """Translates a batch of TBs into one Wasm module.  Function k of the module is the k-th TB;
    an active element segment installs it into the shared table at index = its TB id, and
    goto_tb between TBs of the same module is a direct `return_call`."""

    def __init__(self, blocks: list[tuple[int, Block]], *, count_tbs: bool = False) -> None:
        mb = self.mb = ModuleBuilder()
        self.type_idx = mb.func_type((), (I32,))
        mb.import_memory(abi.IMPORT_MODULE, abi.IMPORT_MEMORY, 1)
        mb.import_table(abi.IMPORT_MODULE, abi.IMPORT_TABLE, 1)
        self.blocks = blocks
        local = {block.pc: k for k, (_, block) in enumerate(blocks)}
        for tb_id, block in blocks:
            fb = translate_block(
                mb, self.type_idx, tb_id, block, local_targets=local, count_tbs=count_tbs
            )
            mb.elem_active(0, tb_id, [fb.index])

    def __len__(self) -> int:
        return len(self.blocks)

    def to_bytes(self) -> bytes:
        return self.mb.to_bytes()


def translate_module(blocks: list[tuple[int, Block]]) -> bytes:
    """One Wasm module holding the TBs `blocks` = [(tb_id, block)]."""
    return ModuleWriter(blocks).to_bytes()
