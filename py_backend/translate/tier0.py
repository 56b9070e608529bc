"""Tier 0: one WebAssembly function that interprets RV64GC guest code straight from guest memory.

Cold code must not pay for Python translation and a Wasm compile before it runs once (QEMU's TCI
tier does the same job for its Wasm backend).  This module builds, once, a Wasm module holding
one function of the TB type ``() -> i32`` that the hosts install at table index
``abi.INTERP_TB``.  It runs on the shared memory, CPU state, page table and exit protocol of the
compiled tier, so the two hand over to each other by tail calls:

    $entry  (pc is a block entry: after a jump or branch, or where tier 0 was entered)
        jump-cache hit at pc -> write back, return_call_indirect the compiled TB
        hot counter[pc] += 1 (LOOP_WEIGHT after a backward jump); reaching ctx.hot_threshold
        -> exit HOT (the host compiles pc)
    $step   (one instruction)
        budget exhausted -> exit BUDGET
        fetch 16/32 bits at pc (EXEC checked once per page) -> FETCH fault
        decode: a decision tree of br_tables and compares derived from isa.table (the same tree
                the Python decoder walks), filling the field locals rd, rs1, ..., imm
        br to the handler of the row's semantics (a variant per static rounding mode or CSR)
    handler: the instruction's semantics from emit_int / emit_fp, run against InterpCtx, where
             every field is a run-time operand (operand.Dyn); then pc = npc; br $step, or, for
             jumps and branches, pc = target; br $entry

The semantics are the JIT's own functions: nothing is written twice.  Where a semantics function
folds a field at translation time (the rounding mode chooses the Wasm rounding instruction, the
CSR number chooses which state to touch), tier 0 makes one handler per value and selects it at
run time (``_VARIANTS``).  Guest registers stay in memory (CPU state); a write to x0 goes to a
sink slot, so x0 reads as zero without a check.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Sequence
from pathlib import Path

from .. import abi
from ..abi import ExitReason
from ..isa import table
from ..isa.decode import _Split, row_tree
from ..isa.fields import Field
from ..isa.insn import Insn
from ..isa.table import FLAGS, Row
from ..wasm.builder import FunctionBuilder, Label, ModuleBuilder
from . import emit_fp, emit_int  # noqa: F401  (registers the semantics)
from .codegen import I32, I64, SEMANTICS, Ctx, emit_jmp_cache_probe, vector_off_check
from .operand import Dyn, Value

_FIELDS_I32 = ("rd", "rs1", "rs2", "rs3", "csr", "rm", "aq", "rl", "vm")

# CSR numbers the semantics treat one by one (emit_int._csr); anything else is "other".
_CSRS = (0x001, 0x002, 0x003, 0xC00, 0xC01, 0xC02, 0x008, 0x009, 0x00A, 0x00F, 0xC20, 0xC21, 0xC22)
_OTHER = None  # a variant case that stands for every value not listed
_RUNTIME = object()  # a field no variant fixes


def _variant_dims(row: Row) -> list[tuple[str, tuple[int | None, ...]]]:
    """Fields whose value a row's semantics fold at translation time, with the cases that give
    distinct code.  Each combination becomes one handler."""
    attrs = {f.attr for f in row.fmt.fields}
    if "rm" in attrs:
        # 5 and 6 are reserved (the decoder rejects them): every valid mode has its own code.
        return [("rm", (0, 1, 2, 3, 4, 7))]
    if "csr" in row.flags:
        # csrrs/csrrc with rs1 = x0 (uimm = 0) do not write: rs1 is zero or not.
        return [("csr", (*_CSRS, _OTHER)), ("rs1", (0, _OTHER))]
    return []


class InterpCtx(Ctx):
    """The emitter API over run-time fields: registers are read and written in the CPU state
    by index, pc/next pc are locals, and control transfers go back to the dispatch loop."""

    def __init__(self, fb: FunctionBuilder, type_idx: int) -> None:
        super().__init__(fb, type_idx)
        self.pc_local = fb.add_local(I64)
        self.npc_local = fb.add_local(I64)
        self.w = fb.add_local(I32)
        self.budget0 = fb.add_local(I64)
        self.field: dict[str, int] = {a: fb.add_local(I32) for a in _FIELDS_I32}
        self.field["imm"] = fb.add_local(I64)
        self.entry_label: Label | None = None  # block entry (after a control transfer)
        self.step_label: Label | None = None  # next instruction
        self._vtmp = fb.add_local(I64)
        self.weight = fb.add_local(I32)  # what this block entry adds to its hot counter

    # --- registers: in memory, indexed by the run-time register number --------------------------
    def _reg_addr(self, r: Value, sink: bool) -> None:
        f = self.f
        if isinstance(r, int):
            f.i32_const(8 * r if r or not sink else abi.CPU_X0_SINK - abi.CPU_X)
            return
        assert isinstance(r, Dyn) and not r.wide
        f.local_get(r.local)
        f.i32_const(3)
        f.i32_shl()
        if sink:
            f.i32_const(abi.CPU_X0_SINK - abi.CPU_X)
            f.local_get(r.local)
            f.select()

    def get_x(self, r: Value) -> None:  # type: ignore[override]
        if isinstance(r, int) and r == 0:
            self.f.i64_const(0)
            return
        self._reg_addr(r, sink=False)
        self.f.i64_load(abi.CPU_X)

    def _store_reg(self, r: Value, base: int, sink: bool) -> None:
        """Pop an i64 into the register file at `base` (x or f) at run-time index r."""
        f = self.f
        f.local_set(self._vtmp)
        self._reg_addr(r, sink)
        f.local_get(self._vtmp)
        f.i64_store(base)

    def set_x(self, r: Value) -> None:  # type: ignore[override]
        self._store_reg(r, abi.CPU_X, sink=True)

    def set_x_i32s(self, r: Value) -> None:  # type: ignore[override]
        self.f.i64_extend_i32_s()
        self.set_x(r)

    def get_f(self, r: Value) -> None:  # type: ignore[override]
        self._reg_addr(r, sink=False)
        self.f.i64_load(abi.CPU_F)

    def set_f(self, r: Value) -> None:  # type: ignore[override]
        self._store_reg(r, abi.CPU_F, sink=False)

    # --- control ---------------------------------------------------------------------------------
    def _writeback(self) -> None:
        """Registers are in memory already: only the budget and the instruction count."""
        f = self.f
        f.i32_const(0)
        f.local_get(self.budget)
        f.i64_store(abi.CTX_BUDGET)
        f.i32_const(0)
        f.i32_const(0)
        f.i64_load(abi.CTX_INTERP_INSNS)
        f.local_get(self.budget0)
        f.local_get(self.budget)
        f.i64_sub()
        f.i64_add()
        f.i64_store(abi.CTX_INTERP_INSNS)

    def goto_tb(self, slot: int, target: Value) -> None:
        """A direct jump: a backward one (a loop) counts LOOP_WEIGHT entries towards hotness,
        so loops are compiled sooner than code that is merely called often."""
        f = self.f
        f.i32_const(abi.LOOP_WEIGHT)
        f.i32_const(1)
        self.push_i64(target)
        f.local_tee(self._vtmp)
        f.local_get(self.pc_local)
        f.i64_le_u()
        f.select()
        f.local_set(self.weight)
        f.local_get(self._vtmp)
        f.local_set(self.pc_local)
        assert self.entry_label is not None
        f.br(self.entry_label)

    def goto_ptr(self, target_local: int) -> None:
        """An indirect jump: recorded in the jump's profile entry (abi.ind_profile_entry), where
        region selection finds the targets to keep in the region (tbcache.select_region)."""
        f = self.f
        e, n = self.tmp(I32), self.tmp(I32)
        f.local_get(self.pc_local)
        f.i32_wrap_i64()
        f.local_tee(n)
        f.i32_const(1)
        f.i32_shr_u()
        f.i32_const(abi.IND_PROFILE_ENTRIES - 1)
        f.i32_and()
        f.i32_const(abi.IND_PROFILE_ENTRY_SHIFT)
        f.i32_shl()
        f.local_tee(e)
        f.i32_load(abi.IND_PROFILE)
        f.local_get(n)
        f.i32_ne()
        f.if_()  # another jump had the entry: it is this one's now, with no targets yet
        f.local_get(e)
        f.local_get(n)
        f.i32_store(abi.IND_PROFILE)
        f.local_get(e)
        f.i32_const(0)
        f.i32_store(abi.IND_PROFILE + abi.IND_PROFILE_COUNT)
        f.end()
        f.local_get(e)  # count += 1; targets[count % IND_PROFILE_TARGETS] = target
        f.local_get(e)
        f.i32_load(abi.IND_PROFILE + abi.IND_PROFILE_COUNT)
        f.local_tee(n)
        f.i32_const(1)
        f.i32_add()
        f.i32_store(abi.IND_PROFILE + abi.IND_PROFILE_COUNT)
        f.local_get(e)
        f.local_get(n)
        f.i32_const(abi.IND_PROFILE_TARGETS - 1)
        f.i32_and()
        f.i32_const(2)
        f.i32_shl()
        f.i32_add()
        f.local_get(target_local)
        f.i32_wrap_i64()
        f.i32_store(abi.IND_PROFILE + abi.IND_PROFILE_RING)
        self.f.i32_const(1)
        self.f.local_set(self.weight)
        self.f.local_get(target_local)
        self.f.local_set(self.pc_local)
        assert self.entry_label is not None
        self.f.br(self.entry_label)

    def insn_for(self, key: tuple) -> Insn:
        """The instruction a handler's semantics see: run-time fields, but those its variant
        key fixes (``(name, (attr, value), ...)``; ``_OTHER``: a CSR number the semantics do not
        know, or a register other than x0)."""
        name, variant = key[0], dict(key[1:])
        vals: dict[str, Value] = {}
        for attr in (*_FIELDS_I32, "imm"):
            v = variant.get(attr, _RUNTIME)
            if isinstance(v, int):
                vals[attr] = v
            elif attr == "csr" and v is _OTHER:
                vals[attr] = -1
            else:
                vals[attr] = Dyn(self.field[attr], attr == "imm", attr, nonzero=v is _OTHER)
        size, raw = Dyn(self.w, False, "size"), Dyn(self.w, False, "raw")
        return Insn(name, name, size, raw, **vals)  # type: ignore[arg-type]


# --- decoding: fields and the decision tree ---------------------------------------------------


def _emit_field(f: FunctionBuilder, w: int, fld: Field, wide: bool) -> None:
    """Push field `fld` of the i32 word in local `w` (as i64 when `wide`)."""
    first = True
    for hi, lo, to in fld.segments:
        bits = ((1 << (hi - lo + 1)) - 1) << to
        f.local_get(w)
        shift = lo - to
        if shift > 0:
            f.i32_const(shift)
            f.i32_shr_u()
        elif shift < 0:
            f.i32_const(-shift)
            f.i32_shl()
        f.i32_const(bits if bits < 1 << 31 else bits - (1 << 32))
        f.i32_and()
        if not first:
            f.i32_or()
        first = False
    if fld.signed and fld.width < 32:
        f.i32_const(32 - fld.width)
        f.i32_shl()
        f.i32_const(32 - fld.width)
        f.i32_shr_s()
    if fld.offset:
        f.i32_const(fld.offset)
        f.i32_add()
    if wide:
        if fld.signed:
            f.i64_extend_i32_s()
        else:
            f.i64_extend_i32_u()


def _runs(mask: int) -> list[tuple[int, int]]:
    """Contiguous runs (lo, length) of set bits in mask, lowest first."""
    out = []
    b = 0
    while mask >> b:
        if mask >> b & 1:
            lo = b
            while mask >> b & 1:
                b += 1
            out.append((lo, b - lo))
        else:
            b += 1
    return out


def _emit_compact_key(f: FunctionBuilder, w: int, mask: int) -> int:
    """Push the bits of `mask` in the word, packed together (lowest run lowest); returns the
    number of key bits."""
    pos = 0
    for k, (lo, n) in enumerate(_runs(mask)):
        f.local_get(w)
        if lo - pos > 0:
            f.i32_const(lo - pos)
            f.i32_shr_u()
        f.i32_const(((1 << n) - 1) << pos)
        f.i32_and()
        if k:
            f.i32_or()
        pos += n
    return pos


def _compact(value: int, mask: int) -> int:
    key = 0
    pos = 0
    for lo, n in _runs(mask):
        key |= ((value >> lo) & ((1 << n) - 1)) << pos
        pos += n
    return key


class _Builder:
    def __init__(self) -> None:
        mb = self.mb = ModuleBuilder()
        self.tb_type = mb.func_type((), (I32,))
        mb.import_memory(abi.IMPORT_MODULE, abi.IMPORT_MEMORY, 1)
        mb.import_table(abi.IMPORT_MODULE, abi.IMPORT_TABLE, abi.INTERP_TB + 1)
        self.fb = mb.function(self.tb_type)
        self.c = InterpCtx(self.fb, self.tb_type)
        # one handler per key (name, (attr, value), ...), in order; labels filled while emitting
        self.handlers: dict[tuple, None] = {}
        self.labels: dict[tuple, Label] = {}
        self.name_attrs: dict[str, set[str]] = {}
        for row in table.ROWS:
            keys: list[tuple] = [(row.name,)]
            for attr, cases in _variant_dims(row):
                keys = [(*k, (attr, v)) for k in keys for v in cases]
            self.handlers.update(dict.fromkeys(keys))
            self.name_attrs.setdefault(row.name, set()).update(_defined(row))

    # --- decode ---------------------------------------------------------------------------------
    def _emit_select(self, row: Row, dims: Sequence, prefix: tuple, illegal: Label) -> None:
        """Branch to the handler of the variant the run-time field values select."""
        f = self.fb
        if not dims:
            f.br(self.labels[prefix])
            return
        (attr, cases), rest = dims[0], dims[1:]
        loc = self.c.field[attr]
        for v in cases:
            if v is _OTHER:
                continue
            f.local_get(loc)
            f.i32_const(v)
            f.i32_eq()
            f.if_()
            self._emit_select(row, rest, (*prefix, (attr, v)), illegal)
            f.end()
        if _OTHER in cases:
            self._emit_select(row, rest, (*prefix, (attr, _OTHER)), illegal)
        else:
            f.br(illegal)

    def _emit_row(self, row: Row, illegal: Label) -> None:
        """Fill the field locals for `row` from the word and branch to its handler."""
        f = self.fb
        c = self.c
        for fld in row.fmt.fields:
            _emit_field(f, c.w, fld, fld.attr == "imm")
            f.local_set(c.field[fld.attr])
        for attr, const in row.fmt.implied:
            if attr == "imm":
                f.i64_const(const)
            else:
                f.i32_const(const)
            f.local_set(c.field[attr])
        for dst, src in row.fmt.copies:
            f.local_get(c.field[src])
            f.local_set(c.field[dst])
        # A field another encoding of the same instruction has and this one lacks is 0, as in
        # a decoded Insn (c.jr is jalr with imm = 0); the local may hold an older value.
        for attr in sorted(self.name_attrs[row.name] - _defined(row)):
            if attr == "imm":
                f.i64_const(0)
            else:
                f.i32_const(0)
            f.local_set(c.field[attr])
        f.local_get(c.pc_local)
        f.i64_const(row.size)
        f.i64_add()
        f.local_set(c.npc_local)
        self._emit_select(row, _variant_dims(row), (row.name,), illegal)

    def _emit_leaf(self, leaf: tuple, illegal: Label) -> None:
        f = self.fb
        w = self.c.w
        for mask, match, reserved, row in leaf:
            f.local_get(w)
            f.i32_const(_s32(mask))
            f.i32_and()
            f.i32_const(_s32(match))
            f.i32_eq()
            this = f.if_()
            for rmask, rmatch in reserved:
                # a reserved sub-pattern of this row: try the next one (as isa.decode does)
                f.local_get(w)
                f.i32_const(_s32(rmask))
                f.i32_and()
                f.i32_const(_s32(rmatch))
                f.i32_eq()
                f.br_if(this)
            self._emit_row(row, illegal)
            f.end()
        f.br(illegal)

    def _emit_tree(self, node: object, illegal: Label) -> None:
        f = self.fb
        w = self.c.w
        if not isinstance(node, _Split):
            self._emit_leaf(node, illegal)  # type: ignore[arg-type]
            return
        children = list(node.children.items())
        nbits = sum(n for _, n in _runs(node.mask))
        if len(children) >= 4 and nbits <= 10:
            # br_table over the packed key: block k holds child k's code after it closes
            labels = [f.block() for _ in children]
            index = {}
            for k, (value, _) in enumerate(children):
                index[_compact(value, node.mask)] = labels[len(children) - 1 - k]
            _emit_compact_key(f, w, node.mask)
            # default: illegal (every key not in the tree)
            f.br_table([index.get(k, illegal) for k in range(1 << nbits)], illegal)
            for k in range(len(children) - 1, -1, -1):
                f.end()
                self._emit_tree(children[len(children) - 1 - k][1], illegal)
            return
        for value, child in children:
            f.local_get(w)
            f.i32_const(_s32(node.mask))
            f.i32_and()
            f.i32_const(_s32(value))
            f.i32_eq()
            f.if_()
            self._emit_tree(child, illegal)
            f.end()
        f.br(illegal)

    # --- the function ----------------------------------------------------------------------------
    def build(self) -> bytes:
        f = self.fb
        c = self.c
        pc = c.pc_local
        c.pc = Dyn(pc, True, "pc")
        c.next_pc = Dyn(c.npc_local, True, "npc")
        e = c.tmp(I32)
        t = c.tmp(I32)
        page = f.add_local(I64)
        cur_page = f.add_local(I64)
        c._busy.clear()  # these two stay reserved for the dispatch code

        f.i32_const(0)
        f.i64_load(abi.CPU_PC)
        f.local_set(pc)
        f.i32_const(0)
        f.i64_load(abi.CTX_BUDGET)
        f.local_tee(c.budget)
        f.local_set(c.budget0)
        f.i64_const(-1)
        f.local_set(cur_page)
        f.i32_const(1)
        f.local_set(c.weight)

        c.exit_label = f.block()
        c.entry_label = f.loop()
        # -- block entry: compiled code for pc? else count it, and leave when it turns hot
        emit_jmp_cache_probe(f, pc, e, t)
        c._writeback()
        f.i32_const(0)
        f.local_get(pc)
        f.i64_store(abi.CPU_PC)
        f.local_get(t)
        f.return_call_indirect(self.tb_type)
        f.end()
        f.end()
        f.local_get(e)
        f.i32_const(abi.HOT_COUNTER_SHIFT)
        f.i32_shr_u()
        f.local_tee(e)
        f.local_get(e)
        f.i32_load(abi.HOT_COUNTERS)
        f.local_get(c.weight)
        f.i32_add()
        f.local_tee(t)
        f.i32_store(abi.HOT_COUNTERS)
        f.local_get(t)
        f.i32_const(0)
        f.i32_load(abi.CTX_HOT_THRESHOLD)
        f.i32_ge_u()
        f.if_()
        c.exit_slow(ExitReason.HOT, c.pc)
        f.end()

        c.step_label = f.loop()
        # -- one instruction: budget
        f.local_get(c.budget)
        f.i64_const(0)
        f.i64_le_s()
        f.if_()
        c.exit_slow(ExitReason.BUDGET, c.pc)
        f.end()
        f.local_get(c.budget)
        f.i64_const(1)
        f.i64_sub()
        f.local_set(c.budget)
        # -- fetch: the page must be executable (checked when pc enters a new page)
        f.local_get(pc)
        f.i64_const(abi.PAGE_SHIFT)
        f.i64_shr_u()
        f.local_tee(page)
        f.local_get(cur_page)
        f.i64_ne()
        f.if_()
        self._exec_check(page)
        f.local_get(page)
        f.local_set(cur_page)
        f.end()
        f.local_get(pc)
        f.i32_wrap_i64()
        f.i32_load16_u(abi.GUEST_BASE)
        f.local_tee(c.w)
        f.i32_const(3)
        f.i32_and()
        f.i32_const(3)
        f.i32_eq()
        f.if_()
        # a 32-bit instruction whose second half is on the next page needs that page too
        f.local_get(pc)
        f.i64_const(abi.PAGE_SIZE - 1)
        f.i64_and()
        f.i64_const(abi.PAGE_SIZE - 2)
        f.i64_eq()
        f.if_()
        f.local_get(page)
        f.i64_const(1)
        f.i64_add()
        f.local_set(page)
        self._exec_check(page)
        f.end()
        f.local_get(c.w)
        f.local_get(pc)
        f.i32_wrap_i64()
        f.i32_load16_u(abi.GUEST_BASE + 2)
        f.i32_const(16)
        f.i32_shl()
        f.i32_or()
        f.local_set(c.w)
        f.end()

        # -- decode into handler blocks: the innermost block is $illegal
        keys = list(self.handlers)
        for k in reversed(keys):
            self.labels[k] = f.block()
        illegal = f.block()
        f.local_get(c.w)
        f.i32_const(3)
        f.i32_and()
        f.i32_const(3)
        f.i32_eq()
        f.if_()
        self._emit_tree(row_tree(table.ROWS32, 4), illegal)
        f.end()
        self._emit_tree(row_tree(table.ROWS16, 2), illegal)
        f.end()  # $illegal
        c.illegal()
        for k in keys:
            f.end()
            self._emit_handler(k)

        f.end()  # $step
        f.unreachable()
        f.end()  # $entry
        f.unreachable()
        f.end()  # $exit
        c._emit_slow_exit()
        self.mb.elem_active(0, abi.INTERP_TB, [f.index])
        self.mb.export_func(str(abi.INTERP_TB), f.index)
        return self.mb.to_bytes()

    def _exec_check(self, page: int) -> None:
        """FETCH fault at pc unless guest page `page` (an i64 local) is executable."""
        f = self.fb
        c = self.c
        c._page_entry(page)  # (pages past the guest space read the always-zero sentinel)
        f.i32_const(int(abi.PageFlags.EXEC))
        f.i32_and()
        f.i32_eqz()
        f.if_()
        c.exit_slow(ExitReason.FETCH, c.pc)
        f.end()

    def _emit_handler(self, key: tuple) -> None:
        c = self.c
        c.ended = False
        sem = SEMANTICS.get(key[0])
        if sem is None:
            c.illegal()
            return
        if "vector" in FLAGS[key[0]]:
            vector_off_check(c)
        sem(c, c.insn_for(key))
        c._release_temps()
        if not c.ended:
            c.f.local_get(c.npc_local)
            c.f.local_set(c.pc_local)
            assert c.step_label is not None
            c.f.br(c.step_label)


def _defined(row: Row) -> set[str]:
    """The Insn attributes a row's format sets (fields, implied values, copies)."""
    fmt = row.fmt
    return {f.attr for f in fmt.fields} | {a for a, _ in fmt.implied} | {a for a, _ in fmt.copies}


def _s32(v: int) -> int:
    return v - (1 << 32) if v >= 1 << 31 else v


# The module depends only on these sources; a build is cached next to this file under their
# digest (setup writes it before the wheel is built, so Pyodide loads it instead of spending a
# few hundred milliseconds of the page's startup on building it).
_PACKAGE = Path(__file__).resolve().parent.parent
_INPUTS = ("abi.py", "isa", "translate", "wasm")
CACHE_FILE = Path(__file__).with_name("tier0.wasm")


def source_digest() -> bytes:
    h = hashlib.sha256()
    for name in _INPUTS:
        p = _PACKAGE / name
        for f in sorted(p.glob("*.py")) if p.is_dir() else [p]:
            h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.digest()


@functools.cache
def interpreter_module() -> bytes:
    """The tier-0 module: built once per process, or read from the cache file when that was
    built from the same sources (deterministic, so hosts also cache it by content)."""
    digest = source_digest()
    try:
        cached = CACHE_FILE.read_bytes()
        if cached[:32] == digest:
            return cached[32:]
    except OSError:
        pass
    module = _Builder().build()
    with contextlib.suppress(OSError):  # a read-only install just builds it each time
        CACHE_FILE.write_bytes(digest + module)
    return module
