"""One process's translated code: the TB cache.

What it keeps: the TBs by guest pc and by id, which pages hold their code (a write there drops
them: SMC), the link slots between TBs (goto_tb chaining), the pc -> TB jump cache that tier 0
and goto_ptr look in, and the modules the host has still to instantiate (``pending``).  What it
does: select a region (`select_region`), translate it into one module, install the module's
TBs, link them, invalidate them when their code changes, and flush everything.

`RegionCache` keeps hot regions across process images (a shell runs the same programs again and
again): a later image at the same code reuses the module instead of translating it.
"""

from __future__ import annotations

import struct
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from . import abi
from .abi import PageFlags
from .block import (
    MAX_BLOCK_INSNS,
    Block,
    falls_through,
    find_block,
    indirect_site,
    return_point,
)
from .linux.mm import AddressSpace, copy_memory
from .memory import RawMemory
from .translate import emit_fp, emit_int  # noqa: F401  (registers semantics)
from .translate.codegen import ModuleWriter
from .translate.tier0 import interpreter_module

_EXEC = int(PageFlags.EXEC)
_JMP_ENTRY = struct.Struct("<QI4x")  # a jump-cache entry: {pc, TB id at abi.JMP_CACHE_TB}
assert _JMP_ENTRY.size == abi.JMP_CACHE_ENTRY_SIZE and abi.JMP_CACHE_TB == 8
_LINE = 256  # bytes of code read at once by the translator; divides the page size
_LINE_SHIFT = _LINE.bit_length() - 1
REGION_BLOCKS = 32  # at most this many TBs in one hot region (one module)
MAX_INDIRECT_TARGETS = 8  # profiled targets of one indirect jump a region may keep
CODE_CACHE_BYTES = 32 << 20  # module bytes a RegionCache keeps for later process images
# What a saved state keeps of a TbCache: everything but the code (retranslated after a restore).
CODE_FIELDS = (
    "tbs", "by_id", "page_tbs", "free_ids", "pending", "waiting", "module_tbs", "module_bytes",
    "smc_pages", "_code_lines",
)  # fmt: skip


class CacheFull(Exception):
    """Every TB id is taken: the caller flushes the cache and translates again."""


@dataclass(slots=True, eq=False)
class TB:
    id: int
    pc: int
    end_pc: int
    pages: range
    module: int  # TBs of one module call each other directly: they are dropped together
    links_in: set[tuple[int, int]] = field(default_factory=set)  # (from tb id, slot)
    links_out: dict[int, int] = field(default_factory=dict)  # slot -> target tb id
    targets: tuple[int | None, ...] = ()  # slot -> guest pc its goto_tb goes to


def select_region(
    fetch16: Callable[[int], int | None],
    pc: int,
    limit: int,
    alloc: Callable[[], int],
    *,
    max_insns: int = MAX_BLOCK_INSNS,
    ran: Callable[[int], bool] | None = None,
    known: Callable[[int], bool] = lambda pc: False,
    indirect: Callable[[int], list[int]] | None = None,
) -> list[tuple[int, Block]]:
    """The TBs (id, block) of one module when the TB at pc is translated: breadth-first over
    static successors, at most ``limit``, never a fault TB after the first.  ``alloc()`` gives a
    TB id (CacheFull ends the region, or is raised when it is empty).  ``ran``: tiered, only
    successors tier 0 has run (``ran(pc)``) or that a TB falls through to at a page or size
    limit; None (--tier jit): any static successor (speculation).  ``known(pc)``: a TB exists
    there already (not translated again).  ``indirect(site)``: tiered, where the indirect jump
    at pc ``site`` went in tier 0 (the profile), most frequent first."""
    blocks: list[tuple[int, Block]] = []
    work = deque([pc])
    seen = {pc}
    while work and len(blocks) < limit:
        p = work.popleft()
        block = find_block(fetch16, p, max_insns)
        if blocks and (block.fetch_fault or not block.insns):
            continue  # speculation never creates fault TBs
        try:
            tb_id = alloc()
        except CacheFull:
            if blocks:
                break
            raise
        blocks.append((tb_id, block))
        # Tiered, a call's return point joins the region when tier 0 has run it: the callee's
        # `ret` then stays in the region (codegen compares its target with the region's return
        # points) instead of leaving through the jump cache.
        rp = return_point(block) if ran is not None else None
        succ = block.successors if rp is None else [*block.successors, rp]
        # The same for the targets of an indirect jump that is not a return (an interpreter's
        # dispatch, a call through a pointer or the PLT): codegen compares the target with them.
        site = indirect_site(block) if ran is not None and indirect is not None else None
        if site is not None:
            assert ran is not None and indirect is not None
            targets = indirect(site)
            # a jump with more targets than a region keeps (megamorphic: Python's computed
            # gotos) would pay the compares and still leave the region on most jumps
            if len(targets) <= MAX_INDIRECT_TARGETS:
                block.indirect_targets = tuple(t for t in targets if ran(t))
                succ = [*succ, *block.indirect_targets]
        for s in succ:
            if ran is not None and not (s == block.end_pc and falls_through(block)) and not ran(s):
                continue
            if s not in seen and not known(s):
                seen.add(s)
                work.append(s)
    return blocks


@dataclass(slots=True, eq=False)
class _Region:
    """A hot region as translated: its TBs (ids included, as its module has them built in),
    the guest code each covered, and the module."""

    blocks: list[tuple[int, Block]]
    code: list[bytes]
    module: bytes
    count_tbs: bool

    @property
    def size(self) -> int:
        return len(self.module) + sum(len(c) for c in self.code)


class RegionCache:
    """Hot regions by their first pc, kept for later process images of a run (`System`)."""

    def __init__(self) -> None:
        self.regions: dict[int, _Region] = {}
        self.size = 0

    def clear(self) -> None:
        self.regions = {}
        self.size = 0

    def get(self, pc: int) -> _Region | None:
        return self.regions.get(pc)

    def remember(self, mem: RawMemory, blocks: list[tuple[int, Block]], module: bytes,
                 count_tbs: bool) -> None:  # fmt: skip
        """Keep a hot region's module: `TbCache.reuse` takes it when the code and TB ids fit."""
        if any(b.fetch_fault or not b.insns for _, b in blocks):
            return
        code = [mem.read(abi.GUEST_BASE + b.pc, b.end_pc - b.pc) for _, b in blocks]
        pc = blocks[0][1].pc
        old = self.regions.pop(pc, None)
        if old is not None:
            self.size -= old.size
        entry = _Region(blocks, code, module, count_tbs)
        self.regions[pc] = entry
        self.size += entry.size
        while self.size > CODE_CACHE_BYTES and self.regions:
            gone = self.regions.pop(next(iter(self.regions)))
            self.size -= gone.size


class TbCache:
    """The translated code of one process image (see the module docstring).  ``aspace`` is set
    by the machine once its address space exists; ``regions`` by the System it joins."""

    aspace: AddressSpace
    regions: RegionCache

    def __init__(
        self,
        mem: RawMemory,
        *,
        tier: str,
        batch: int,
        max_block_insns: int,
        count_tbs: bool,
        max_tbs: int,
        trace: Callable[[str], None] | None,
    ) -> None:
        self.mem = mem
        self.tiered = tier != "jit"
        self.batch = batch
        self.max_block_insns = max_block_insns
        self.count_tbs = count_tbs
        self.max_tbs = max(abi.FIRST_TB + 1, min(max_tbs, abi.MAX_TBS))
        self.trace = trace
        self.regions = RegionCache()
        self.pending: list[bytes] = []  # modules the host has still to instantiate
        # tiered: until a goto_tb's target is compiled its link slot holds INTERP_TB (tier 0)
        self._unlinked = abi.INTERP_TB if self.tiered else 0
        self.module_serial = 0
        self.table_reset = False  # every TB was dropped: a host may start a fresh funcref table
        self.clear()
        # statistics
        self.tbs_translated = 0
        self.modules_compiled = 0
        self.translate_seconds = 0.0
        self.flushes = 0
        self.reused_modules = 0  # hot regions taken from an earlier process image (exec)

    def clear(self) -> None:
        """No TB at all (a new cache, or one restored from a saved state)."""
        self.tbs: dict[int, TB] = {}  # guest pc -> TB
        self.by_id: dict[int, TB] = {}
        self.page_tbs: dict[int, set[int]] = {}  # guest page -> TB ids
        self.free_ids: list[int] = []
        self.next_id = abi.FIRST_TB
        # tiered: (tb id, slot) of goto_tb exits waiting for a TB at a guest pc
        self.waiting: dict[int, set[tuple[int, int]]] = {}
        self.module_tbs: dict[int, list[int]] = {}  # module serial -> its TB ids
        self.module_bytes: dict[int, bytes] = {}  # module serial -> its code (forks inherit it)
        self.smc_pages: dict[int, int] = {}  # guest page -> times its TBs were invalidated
        self._code_lines: dict[int, bytes] = {}  # see _fetch16

    def setup_tiers(self) -> None:
        """Tier 0 goes into the table (again after a flush)."""
        if self.tiered:
            self.pending.append(interpreter_module())

    def take_modules(self) -> tuple[list[bytes], bool]:
        """The modules for the host to instantiate, and whether it may reset its table first."""
        mods, self.pending = self.pending, []
        reset, self.table_reset = self.table_reset, False
        return mods, reset

    def _u32(self, off: int) -> int:
        return int.from_bytes(self.mem.read(off, 4), "little")

    def _w32(self, off: int, v: int) -> None:
        self.mem.write(off, (v & 0xFFFFFFFF).to_bytes(4, "little"))

    def inherit(self, parent: TbCache) -> None:
        """A forked child runs the same code at the same addresses: it starts with the parent's
        translated code (its modules instantiated again in the child's space, which a host
        compiles once) instead of an empty TB cache.  Call after ``aspace`` is set."""
        copies = {
            tb.id: TB(
                tb.id,
                tb.pc,
                tb.end_pc,
                tb.pages,
                tb.module,
                set(tb.links_in),
                dict(tb.links_out),
                tb.targets,
            )
            for tb in parent.by_id.values()
        }
        self.by_id = copies
        self.tbs = {tb.pc: tb for tb in copies.values()}
        self.page_tbs = {p: set(ids) for p, ids in parent.page_tbs.items()}
        self.free_ids = list(parent.free_ids)
        self.next_id = parent.next_id
        self.waiting = {pc: set(w) for pc, w in parent.waiting.items()}
        self.module_tbs = {m: list(ids) for m, ids in parent.module_tbs.items()}
        self.module_bytes = dict(parent.module_bytes)
        self.module_serial = parent.module_serial
        self.smc_pages = dict(parent.smc_pages)
        # link slots, the pc -> TB cache and tier 0's counters, as the parent has them (the
        # child's memory is fresh: zero blocks need no copy, and most of these 2.9 MB are)
        copy_memory(parent.mem, self.mem, abi.LINK_SLOTS, abi.STATE_END - abi.LINK_SLOTS)
        for page in self.page_tbs:
            self.aspace.set_code(page, True)
        self.pending.extend(self.module_bytes[m] for m in sorted(self.module_bytes))

    # --- translation ---------------------------------------------------------------------------
    def _fetch16(self, addr: int) -> int | None:
        if not 0 <= addr < abi.GUEST_SIZE - 1:
            return None
        if not self.aspace.prot[addr >> abi.PAGE_SHIFT] & _EXEC:
            return None
        # Code is read a line at a time and kept for one translate call (code cannot change
        # while it runs): a JS host pays per memory call, and halfword reads were most of them.
        line = self._code_lines.get(addr >> _LINE_SHIFT)
        if line is None:
            line = self.mem.read(abi.GUEST_BASE + (addr & ~(_LINE - 1)), _LINE)
            self._code_lines[addr >> _LINE_SHIFT] = line
        off = addr & (_LINE - 1)
        if off == _LINE - 1:  # odd pc: pc is always even on RISC-V, but stay exact
            return int.from_bytes(self.mem.read(abi.GUEST_BASE + addr, 2), "little")
        return line[off] | line[off + 1] << 8

    def _alloc_id(self) -> int:
        if self.free_ids:
            return self.free_ids.pop()
        if self.next_id >= self.max_tbs:
            raise CacheFull
        self.next_id += 1
        return self.next_id - 1

    def _indirect(self, site: int) -> list[int]:
        """The targets tier 0 recorded for the indirect jump at ``site``, most frequent first
        (abi.ind_profile_entry: a ring of the latest ones)."""
        e = abi.ind_profile_entry(site)
        raw = self.mem.read(e, abi.IND_PROFILE_RING + 4 * abi.IND_PROFILE_TARGETS)
        words = struct.unpack_from(f"<{2 + abi.IND_PROFILE_TARGETS}I", raw)
        if words[0] != site:
            return []
        ring = words[2 : 2 + min(words[1], abi.IND_PROFILE_TARGETS)]
        return [t for t, _ in Counter(ring).most_common()]

    def _ran(self, pc: int) -> bool:
        """Tier 0 entered a block at pc (or one that shares its counter)."""
        return self._u32(abi.hot_counter_addr(pc)) > 0

    def translate(self, pc: int) -> TB:
        """Translate the TB at pc, and a batch of its static successors into the same module
        (one module compile serves several TBs): `select_region`.  Tiered, the batch is the hot
        region; with --tier jit, any static successor.  CacheFull when no TB id is free."""
        t0 = time.perf_counter()
        self._code_lines.clear()
        # Code that keeps being rewritten (JITs, self-modifying loops) gets no speculation: each
        # rewrite would throw the whole batch away.
        limit = REGION_BLOCKS if self.tiered else self.batch
        if self.smc_pages.get(pc >> abi.PAGE_SHIFT, 0) >= 2:
            limit = 1
        blocks = select_region(
            self._fetch16,
            pc,
            limit,
            self._alloc_id,
            max_insns=self.max_block_insns,
            ran=self._ran if self.tiered else None,
            known=self.tbs.__contains__,
            indirect=self._indirect if self.tiered else None,
        )
        if self.trace:
            for tb_id, block in blocks:
                self.trace(
                    f"TB {tb_id} pc=0x{block.pc:x}-0x{block.end_pc:x} insns={len(block.insns)}"
                )
        # the vector code is specialized on the vtype the guest runs under now (behind a guard)
        vtype = int.from_bytes(self.mem.read(abi.CPU_VTYPE, 8), "little")
        code = ModuleWriter(blocks, count_tbs=self.count_tbs, vtype=vtype).to_bytes()
        if self.tiered:
            self.regions.remember(self.mem, blocks, code, self.count_tbs)
        tbs = self._install_module(blocks, code)
        self.modules_compiled += 1
        self.tbs_translated += len(blocks)
        self.translate_seconds += time.perf_counter() - t0
        return tbs[0]

    def translate_or_flush(self, pc: int) -> tuple[TB, bool]:
        """`translate`, flushing the cache first if it is full; (TB, whether it flushed)."""
        try:
            return self.translate(pc), False
        except CacheFull:
            self.flush()
            return self.translate(pc), True

    def reuse(self, pc: int) -> TB | None:
        """The hot region at pc as an earlier process image translated it (`RegionCache`), if
        this process has the same code there and its TB ids are free here: its module is used
        as it is (no translation; the host compiled it before).  None otherwise."""
        entry = self.regions.get(pc)
        if entry is None or entry.count_tbs != self.count_tbs:
            return None
        for (tb_id, block), code in zip(entry.blocks, entry.code, strict=True):
            if tb_id in self.by_id or tb_id >= self.max_tbs or block.pc in self.tbs:
                return None
            if not self._holds(block.pc, code):
                return None
        for tb_id, _ in entry.blocks:
            self._take_id(tb_id)
        self.reused_modules += 1
        return self._install_module(entry.blocks, entry.module)[0]

    def _holds(self, pc: int, code: bytes) -> bool:
        """Guest memory at pc holds ``code``, on executable pages."""
        end = pc + len(code)
        if not 0 <= pc < end <= abi.GUEST_SIZE:
            return False
        for page in range(pc >> abi.PAGE_SHIFT, ((end - 1) >> abi.PAGE_SHIFT) + 1):
            if not self.aspace.prot[page] & _EXEC:
                return False
        return self.mem.read(abi.GUEST_BASE + pc, len(code)) == code

    def _take_id(self, tb_id: int) -> None:
        """Allocate exactly this TB id (a reused module has its ids built in)."""
        if tb_id in self.free_ids:
            self.free_ids.remove(tb_id)
        elif tb_id >= self.next_id:
            self.free_ids.extend(range(self.next_id, tb_id))
            self.next_id = tb_id + 1

    # --- installation and links ----------------------------------------------------------------
    def _install_module(self, blocks: list[tuple[int, Block]], code: bytes) -> list[TB]:
        """Register a module's TBs, link them, enter them in the caches; the host gets code."""
        tiered = self.tiered
        self.module_serial += 1
        module = self.module_serial
        self.module_tbs[module] = [tb_id for tb_id, _ in blocks]
        tbs = [self._register(tb_id, block, module) for tb_id, block in blocks]
        # Link goto_tb exits that leave the module to TBs that already exist.
        for tb_id, block in blocks:
            for slot, target in enumerate(block.successors_by_slot):
                if target is None:
                    continue
                if target in self.tbs:
                    self.link(tb_id, slot, self.tbs[target].id)
                elif tiered:
                    self._w32(abi.link_slot_addr(tb_id, slot), abi.INTERP_TB)
                    self.waiting.setdefault(target, set()).add((tb_id, slot))
        if tiered:
            # Exits of older TBs that were waiting for these, and tier 0's way in.
            for tb in tbs:
                for from_id, slot in self.waiting.pop(tb.pc, ()):
                    src = self.by_id.get(from_id)
                    if src is not None and slot not in src.links_out and src.targets[slot] == tb.pc:
                        self.link(from_id, slot, tb.id)
                self.enter(tb)
        self.module_bytes[module] = code
        self.pending.append(code)
        return tbs

    def _register(self, tb_id: int, block: Block, module: int) -> TB:
        last = max(block.pc, block.end_pc - 1)
        pages = range(block.pc >> abi.PAGE_SHIFT, (last >> abi.PAGE_SHIFT) + 1)
        tb = TB(
            tb_id, block.pc, block.end_pc, pages, module, targets=tuple(block.successors_by_slot)
        )
        self.tbs[block.pc] = tb
        self.by_id[tb_id] = tb
        for p in pages:
            s = self.page_tbs.get(p)
            if s is None:
                s = self.page_tbs[p] = set()
                self.aspace.set_code(p, True)
            s.add(tb_id)
        return tb

    def link(self, from_id: int, slot: int, to_id: int) -> None:
        """Chain goto_tb exit ``slot`` of TB ``from_id`` to TB ``to_id``."""
        src = self.by_id.get(from_id)
        dst = self.by_id.get(to_id)
        if src is None or dst is None:
            return
        old = src.links_out.get(slot)
        if old is not None and old in self.by_id:
            self.by_id[old].links_in.discard((from_id, slot))
        src.links_out[slot] = to_id
        dst.links_in.add((from_id, slot))
        self._w32(abi.link_slot_addr(from_id, slot), to_id)

    def enter(self, tb: TB) -> None:
        """Enter tb in the pc -> TB jump cache (tier 0 and goto_ptr look there)."""
        self.mem.write(abi.jmp_cache_entry(tb.pc), _JMP_ENTRY.pack(tb.pc, tb.id))

    # --- invalidation --------------------------------------------------------------------------
    def _drop(self, tb: TB) -> None:
        del self.tbs[tb.pc]
        del self.by_id[tb.id]
        for from_id, slot in tb.links_in:
            self._w32(abi.link_slot_addr(from_id, slot), self._unlinked)
            src = self.by_id.get(from_id)
            if src is not None:
                src.links_out.pop(slot, None)
                if self._unlinked:
                    self.waiting.setdefault(tb.pc, set()).add((from_id, slot))
        for slot, target in enumerate(tb.targets):
            w = self.waiting.get(target) if target is not None else None
            if w is not None:
                w.discard((tb.id, slot))
        for slot, to_id in tb.links_out.items():
            dst = self.by_id.get(to_id)
            if dst is not None:
                dst.links_in.discard((tb.id, slot))
            self._w32(abi.link_slot_addr(tb.id, slot), 0)
        e = abi.jmp_cache_entry(tb.pc)
        if self._u32(e + abi.JMP_CACHE_TB) == tb.id:
            self.mem.write(e, bytes(abi.JMP_CACHE_ENTRY_SIZE))
        for p in tb.pages:
            s = self.page_tbs.get(p)
            if s is not None:
                s.discard(tb.id)
                if not s:
                    del self.page_tbs[p]
                    self.aspace.set_code(p, False)
        self.free_ids.append(tb.id)

    def invalidate(self, addr: int, length: int) -> None:
        """Drop every TB with code in [addr, addr + length)."""
        if length <= 0:
            return
        first = addr >> abi.PAGE_SHIFT
        last = (addr + length - 1) >> abi.PAGE_SHIFT
        for p in range(first, last + 1):
            ids = self.page_tbs.get(p)
            if ids:
                self.smc_pages[p] = self.smc_pages.get(p, 0) + 1
                for tb_id in list(ids):
                    tb = self.by_id.get(tb_id)
                    if tb is not None:
                        self.module_bytes.pop(tb.module, None)
                        for other in self.module_tbs.pop(tb.module, ()):
                            dead = self.by_id.get(other)
                            if dead is not None and dead.module == tb.module:
                                self._drop(dead)

    def flush(self) -> None:
        """Forget every TB (fence.i, riscv_flush_icache, a full TB cache)."""
        self.flushes += 1
        self.table_reset = True
        for p in list(self.page_tbs):
            self.aspace.set_code(p, False)
        self.tbs.clear()
        self.by_id.clear()
        self.module_tbs.clear()
        self.module_bytes.clear()
        self.page_tbs.clear()
        self.free_ids.clear()
        self.waiting.clear()
        self.next_id = abi.FIRST_TB
        self.mem.fill(abi.LINK_SLOTS, abi.LINK_SLOTS_END - abi.LINK_SLOTS, 0)
        self.mem.fill(abi.JMP_CACHE, abi.STATE_END - abi.JMP_CACHE, 0)
        self.setup_tiers()
