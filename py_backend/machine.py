"""One running guest: its address space, Linux layer, TB cache and exit handling.

Hosts drive a machine with the loop in docs/architecture.md: ``start()`` and ``service(reason)``
return an `Action` telling the host which modules to instantiate and which TB to call next, or
that the guest has ended.
"""

from __future__ import annotations

import os
import struct
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import abi
from .abi import ExitReason, PageFlags
from .cpu import ARGS, CpuState, clone_state
from .isa.decode import decode
from .linux import errors as E
from .linux.errors import (
    ElfError,
    EmulatorError,
    ExecImage,
    GuestExit,
    GuestSignal,
    NeedsSysroot,
    ProcessBlocked,
    SyscallError,
    WouldBlock,
)
from .linux.mm import AddressSpace, copy_memory
from .linux.process import load_process
from .linux.procs import Proc, ProcessTable, exit_status, signal_status
from .linux.rootfs import Rootfs
from .linux.signals import SI_USER, SIGNAL_NAMES, STOP_SIGNALS, siginfo
from .linux.syscalls import Linux
from .linux.threads import (
    CLONE_CHILD_CLEARTID,
    CLONE_CHILD_SETTID,
    CLONE_PARENT_SETTID,
    CLONE_VFORK,
    Wait,
)
from .linux.tty import Caller, Tty
from .linux.ttyfile import Terminal
from .linux.vfs import Dir, File, HostFile, Vfs
from .memory import RawMemory
from .translate import emit_fp, emit_int  # noqa: F401  (registers semantics)
from .translate.block import ENDS_BLOCK, MAX_BLOCK_INSNS, find_block
from .translate.codegen import Block, ModuleWriter
from .translate.interp import emulate
from .translate.tier0 import interpreter_module

DEFAULT_ENV = ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/root", "TERM=xterm", "LANG=C"]
_EXEC = int(PageFlags.EXEC)
_ECALL = (0x73).to_bytes(4, "little")
_I64 = struct.Struct("<q")
_U64 = struct.Struct("<Q")
_U32 = struct.Struct("<I")
_EXIT_SPAN = abi.CPU_PC + 8 - abi.CTX  # the context and the CPU state up to pc: read at an exit
_JMP_ENTRY = struct.Struct("<QI4x")  # a jump-cache entry: {pc, TB id at abi.JMP_CACHE_TB}
assert _JMP_ENTRY.size == abi.JMP_CACHE_ENTRY_SIZE and abi.JMP_CACHE_TB == 8
_LINE = 256  # bytes of code read at once by the translator; divides the page size
_LINE_SHIFT = _LINE.bit_length() - 1
THREAD_SLICE = 200_000  # at most this many guest instructions per slice while threads share
TIERS = abi.TIERS
HOT_THRESHOLD = abi.HOT_THRESHOLD
REGION_BLOCKS = 32  # at most this many TBs in one hot region (one module)


def read_interpreter(vfs: Vfs, path: str) -> bytes:
    """The bytes of a program's interpreter (PT_INTERP), read through the guest's filesystem;
    ElfError (NeedsSysroot without a sysroot) when it is not there."""
    try:
        node = vfs.resolve(vfs.cwd, path)
    except SyscallError as e:
        node = None
        if e.errno not in (2, 20):  # ENOENT, ENOTDIR
            raise ElfError(f"cannot open the interpreter {path}: {os.strerror(e.errno)}") from None
    if node is None:
        if vfs.sysroot is None:
            raise NeedsSysroot(path)
        raise ElfError(f"interpreter {path} not found under the sysroot {vfs.sysroot}")
    if isinstance(node, Dir):
        raise ElfError(f"interpreter {path} is a directory")
    if not isinstance(node, File | HostFile):
        raise ElfError(f"interpreter {path} is not a regular file")
    try:
        size = node.size()
        if size > abi.GUEST_SIZE:
            raise ElfError(f"interpreter {path} is too large ({size} bytes)")
        return node.read_at(0, size)
    except SyscallError as e:
        raise ElfError(f"cannot read the interpreter {path}: {os.strerror(e.errno)}") from None


class Reader(Protocol):
    def read(self, n: int) -> bytes: ...


class Writer(Protocol):
    def write(self, data: bytes) -> object: ...


@dataclass
class Action:
    kind: str  # "run", "exit", or "idle" (let the host's event loop run, then service(IDLE))
    tb: int = 0
    modules: list[bytes] = field(default_factory=list)
    table_size: int = 0
    status: int = 0
    message: str = ""
    reset_table: bool = False  # every TB was dropped: a host may start a fresh funcref table
    space: int = 0  # the host memory (process) the modules go into and the TB runs in
    signal: int = 0  # "exit": the process died of this signal (status = 128 + signal)
    replacement: Any = None  # "replaced" (inside the System only): the machine after execve
    # "idle": seconds until the earliest guest deadline (a sleep, a timeout, a timer); None:
    # only input or the host can wake the system.  A host may wait that long before service(IDLE).
    timeout: float | None = None


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


class Machine:
    system: System  # every process of the run (this one included)
    proc: Proc  # this process's entry in the process table
    space: int  # the host memory it runs in (Action.space)

    def __init__(
        self,
        mem: RawMemory,
        program: bytes,
        argv: list[str],
        env: list[str] | None = None,
        *,
        stdin: Reader,
        stdout: Writer,
        stderr: Writer,
        budget: int = abi.DEFAULT_BUDGET,
        batch: int = 16,
        max_block_insns: int = MAX_BLOCK_INSNS,
        trace: Callable[[str], None] | None = None,
        strace: Callable[[str], None] | None = None,
        count_tbs: bool = False,
        max_tbs: int = abi.MAX_TBS,
        host_dirs: dict[str, str] | None = None,
        sleep: Callable[[float], object] | None = None,
        sysroot: str | None = None,
        tier: str | None = None,
        hot_threshold: int | None = None,
        terminal: tuple[int, int] | None = None,
        rootfs: Rootfs | None = None,
        cwd: str | None = None,
    ) -> None:
        """``rootfs``: a root filesystem image (linux/rootfs.py) used as the guest's /; a host
        that passes the same one to every machine keeps the files guests write between runs.

        ``sysroot``: a host directory overlaid read-only on the guest's absolute paths (qemu's
        ``-L``): a dynamically linked program's interpreter and the libraries it opens are
        found there (see linux/vfs.py).  ``host_dirs``: guest dir -> host dir, read/write.

        ``tier``: "tiered" (tier 0 interprets, blocks entered ``hot_threshold`` times are compiled
        as hot regions), "interp" (tier 0 only) or "jit" (every block is compiled before it
        runs, with speculative batches of ``batch`` TBs).  Left unset, they come from the
        environment variables TBWASM_TIER and TBWASM_HOT_THRESHOLD (how the test suites run every
        host in every tier), else the defaults in abi.py."""
        self._configure(
            mem,
            dict(
                budget=budget, batch=batch, max_block_insns=max_block_insns, trace=trace,
                strace=strace, count_tbs=count_tbs, max_tbs=max_tbs, tier=tier,
                hot_threshold=hot_threshold,
            ),
        )  # fmt: skip
        self.aspace = AddressSpace(mem, on_code_write=self._code_written)
        env = DEFAULT_ENV if env is None else env
        exe = argv[0] if argv and argv[0].startswith("/") else _NAMELESS_EXE
        if sysroot and not os.path.isdir(sysroot):
            raise ElfError(f"sysroot {sysroot} is not a directory")
        vfs = Vfs(exe, sysroot=sysroot or None, root=rootfs.root if rootfs is not None else None)
        for guest_dir, host_dir in (host_dirs or {}).items():
            vfs.mount_host(guest_dir, host_dir)
        _install_program(vfs, exe, program)
        self.process = load_process(
            program, argv, env, self.aspace, open_interp=lambda p: read_interpreter(vfs, p)
        )
        self.linux = Linux(
            self.aspace,
            argv,
            env,
            stdin,
            stdout,
            stderr,
            exe_path=exe,
            vfs=vfs,
            on_flush_icache=None,  # coherent already; see the FENCE_I exit
            terminal=_terminal(terminal, stdin, stdout),
            **({"sleep": sleep} if sleep is not None else {}),  # type: ignore[arg-type]  # a host's own (e.g. stoppable)
        )
        if cwd:
            try:
                vfs.cwd = vfs.lookup_dir(cwd)
            except SyscallError:
                raise ElfError(f"working directory {cwd}: no such directory") from None
        self._attach_linux()
        self._setup_tiers()
        self.cpu.set_x(2, self.process.sp)
        self.cpu.set_pc(self.process.entry)
        self.system = System(self)

    def _configure(self, mem: RawMemory, options: dict[str, Any], fresh: bool = False) -> None:
        """What every process of a run shares (the options) and starts empty (TB cache,
        statistics).  ``options`` are the constructor's keywords, kept for forks and execs."""
        self._options = options
        tier = options["tier"] or os.environ.get("TBWASM_TIER") or abi.DEFAULT_TIER
        hot_threshold = options["hot_threshold"]
        if hot_threshold is None:
            env_threshold = os.environ.get("TBWASM_HOT_THRESHOLD", "")
            hot_threshold = int(env_threshold) if env_threshold.isdigit() else HOT_THRESHOLD
        if tier not in TIERS:
            raise ValueError(f"unknown tier {tier!r} (one of {', '.join(TIERS)})")
        self.tier = tier
        self.hot_threshold = max(1, min(hot_threshold, 0xFFFFFFFF))
        self.mem = mem
        self.cpu = CpuState(mem, self.instret)
        self.space = 0
        self.slice = options["budget"]
        self.base_slice = options["budget"]
        self._budget_set: int | None = None  # CTX_BUDGET holds this slice, not yet run
        self.batch = options["batch"]
        self.max_block_insns = options["max_block_insns"]
        self.trace = options["trace"]
        strace = options["strace"]
        self.strace = self._strace_line if strace is not None else None
        self._strace_out = strace
        if not fresh:  # (a fresh memory from the host is all zeros)
            zero = getattr(mem, "discard", None) or mem.fill
            zero(abi.CTX, abi.STATE_END - abi.CTX)
        self.tbs: dict[int, TB] = {}  # guest pc -> TB
        self.by_id: dict[int, TB] = {}
        self.page_tbs: dict[int, set[int]] = {}  # guest page -> TB ids
        self.free_ids: list[int] = []
        self.next_id = abi.FIRST_TB
        self.pending: list[bytes] = []
        # tiered: (tb id, slot) of goto_tb exits waiting for a TB at a guest pc; until it is
        # compiled their link slot holds INTERP_TB, so they continue in tier 0
        self.waiting: dict[int, set[tuple[int, int]]] = {}
        self._unlinked = 0 if tier == "jit" else abi.INTERP_TB
        self.module_tbs: dict[int, list[int]] = {}  # module serial -> its TB ids
        self.module_bytes: dict[int, bytes] = {}  # module serial -> its code (forks inherit it)
        self.module_serial = 0
        self.smc_pages: dict[int, int] = {}  # guest page -> times its TBs were invalidated
        self._code_lines: dict[int, bytes] = {}  # see _fetch16
        self.count_tbs = options["count_tbs"]
        self.max_tbs = max(abi.FIRST_TB + 1, min(options["max_tbs"], abi.MAX_TBS))
        self._table_reset = False
        # statistics
        self.guest_insns = 0
        self.tbs_translated = 0
        self.modules_compiled = 0
        self.host_calls = 0
        self.translate_seconds = 0.0
        self.flushes = 0
        self.hot_exits = 0
        self.reused_modules = 0  # hot regions taken from an earlier process image (exec)

    def _inherit_code(self, parent: Machine) -> None:
        """A forked child runs the same code at the same addresses: it starts with the parent's
        translated code (its modules instantiated again in the child's space, which a host
        compiles once) instead of an empty TB cache.  Call after the address space exists."""
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

    def _attach_linux(self) -> None:
        self.threads = self.linux.threads
        self.linux.signals.trace = self.strace
        self.threads.trace = self.strace

    def _setup_tiers(self) -> None:
        """Tier 0 goes into the table (again after a table reset); its threshold and the miss
        target of compiled code go into the context."""
        if self.tier == "jit":
            return
        self.pending.append(interpreter_module())
        self._tier_context()

    def _tier_context(self) -> None:
        """The context fields tier 0 and compiled code read (again at every start: a host may
        run other machines on the same memory in between)."""
        if self.tier == "jit":
            self._w32(abi.CTX_MISS_TB, 0)
            return
        self._w32(
            abi.CTX_HOT_THRESHOLD, 0xFFFFFFFF if self.tier == "interp" else self.hot_threshold
        )
        self._w32(abi.CTX_MISS_TB, abi.INTERP_TB)

    def _strace_line(self, line: str) -> None:
        """--strace output; with more than one thread, prefixed with the calling thread's id."""
        assert self._strace_out is not None
        if self.threads.alive > 1 or self.threads.tid != self.linux.pid:
            line = f"[tid {self.threads.tid}] {line}"
        self._strace_out(line)

    # --- the WasmContext in memory ----------------------------------------------------------------
    def _u64(self, off: int) -> int:
        return int.from_bytes(self.mem.read(off, 8), "little")

    def _w64(self, off: int, v: int) -> None:
        self.mem.write(off, (v & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "little"))

    def _u32(self, off: int) -> int:
        return int.from_bytes(self.mem.read(off, 4), "little")

    def _w32(self, off: int, v: int) -> None:
        self.mem.write(off, (v & 0xFFFFFFFF).to_bytes(4, "little"))

    def instret(self) -> int:
        return self.guest_insns + self.slice - _I64.unpack(self.mem.read(abi.CTX_BUDGET, 8))[0]

    # --- TB cache --------------------------------------------------------------------------------
    def _fetch16(self, addr: int) -> int | None:
        if not 0 <= addr < abi.GUEST_SIZE - 1:
            return None
        if not self.aspace.prot[addr >> abi.PAGE_SHIFT] & _EXEC:
            return None
        # Code is read a line at a time and kept for one _translate call (code cannot change
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
            raise _CacheFull
        self.next_id += 1
        return self.next_id - 1

    def _ran(self, pc: int) -> bool:
        """Tier 0 entered a block at pc (or one that shares its counter)."""
        return self._u32(abi.hot_counter_addr(pc)) > 0

    def _translate(self, pc: int) -> TB:
        """Translate the TB at pc, and a batch of its static successors into the same module
        (one module compile serves several TBs).  Tiered, the batch is the hot region: only
        successors tier 0 has run (its counters say so) or that the TB falls through to at a
        page or size limit; with --tier jit, any static successor (speculation)."""
        tiered = self.tier != "jit"
        t0 = time.perf_counter()
        self._code_lines.clear()
        blocks: list[tuple[int, Block]] = []
        work = deque([pc])
        seen = {pc}
        # Code that keeps being rewritten (JITs, self-modifying loops) gets no speculation: each
        # rewrite would throw the whole batch away.
        limit = REGION_BLOCKS if tiered else self.batch
        if self.smc_pages.get(pc >> abi.PAGE_SHIFT, 0) >= 2:
            limit = 1
        while work and len(blocks) < limit:
            p = work.popleft()
            block = find_block(self._fetch16, p, self.max_block_insns)
            if blocks and (block.fetch_fault or not block.insns):
                continue  # speculation never creates fault TBs
            try:
                tb_id = self._alloc_id()
            except _CacheFull:
                if blocks:
                    break
                raise
            blocks.append((tb_id, block))
            for s in block.successors:
                if (
                    tiered
                    and not (s == block.end_pc and _falls_through(block))
                    and not self._ran(s)
                ):
                    continue
                if s not in seen and s not in self.tbs:
                    seen.add(s)
                    work.append(s)
            if self.trace:
                self.trace(f"TB {tb_id} pc=0x{p:x}-0x{block.end_pc:x} insns={len(block.insns)}")
        writer = ModuleWriter(blocks, count_tbs=self.count_tbs)
        code = writer.to_bytes()
        if tiered:
            self.system.remember(self, blocks, code)
        tbs = self._install_module(blocks, code)
        self.modules_compiled += 1
        self.tbs_translated += len(blocks)
        self.translate_seconds += time.perf_counter() - t0
        return tbs[0]

    def _reuse(self, pc: int) -> TB | None:
        """The hot region at pc as an earlier process image translated it (System.remember),
        if this process has the same code there and its TB ids are free here: its module is
        used as it is (no translation; the host compiled it before).  None otherwise."""
        entry = self.system.code_cache.get(pc)
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

    def _install_module(self, blocks: list[tuple[int, Block]], code: bytes) -> list[TB]:
        """Register a module's TBs, link them, enter them in the caches; the host gets code."""
        tiered = self.tier != "jit"
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
                    self._link(tb_id, slot, self.tbs[target].id)
                elif tiered:
                    self._w32(abi.link_slot_addr(tb_id, slot), abi.INTERP_TB)
                    self.waiting.setdefault(target, set()).add((tb_id, slot))
        if tiered:
            # Exits of older TBs that were waiting for these, and tier 0's way in.
            for tb in tbs:
                for from_id, slot in self.waiting.pop(tb.pc, ()):
                    src = self.by_id.get(from_id)
                    if src is not None and slot not in src.links_out and src.targets[slot] == tb.pc:
                        self._link(from_id, slot, tb.id)
                self._cache(tb)
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

    def _link(self, from_id: int, slot: int, to_id: int) -> None:
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

    def _cache(self, tb: TB) -> None:
        """Enter tb in the pc -> TB cache (tier 0 and goto_ptr look there)."""
        self.mem.write(abi.jmp_cache_entry(tb.pc), _JMP_ENTRY.pack(tb.pc, tb.id))

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

    def _code_written(self, addr: int, length: int) -> None:
        self.invalidate(addr, length)

    def flush_code(self) -> None:
        """Forget every TB (fence.i, riscv_flush_icache, a full TB cache)."""
        self.flushes += 1
        self._table_reset = True
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
        self._setup_tiers()

    # --- the host protocol ---------------------------------------------------------------
    def _run(self, pc: int, link: tuple[int, int] | None = None, cache: bool = False) -> Action:
        tb = self.tbs.get(pc)
        if tb is None and self.tier != "jit":
            return self._action(abi.INTERP_TB)  # cold code: tier 0
        if tb is None:
            try:
                tb = self._translate(pc)
            except _CacheFull:
                self.flush_code()
                link = None
                tb = self._translate(pc)
        if link is not None:
            self._link(link[0], link[1], tb.id)
        if cache:
            self._cache(tb)
        return self._action(tb.id)

    def _action(self, tb_id: int) -> Action:
        mods, self.pending = self.pending, []
        if self._budget_set != self.slice:  # (_account set it already on most exits)
            self._w64(abi.CTX_BUDGET, self.slice)
        self._budget_set = None  # the TB about to run uses it up
        reset, self._table_reset = self._table_reset, False
        return Action("run", tb_id, mods, self.next_id, reset_table=reset)

    def _hot(self, pc: int) -> Action:
        """Tier 0 found the block at pc hot: compile its region (or re-enter a TB that lost its
        jump-cache entry to another pc) and run it."""
        self.hot_exits += 1
        self._w32(abi.hot_counter_addr(pc), 0)
        if self.tier == "interp":
            return self._action(abi.INTERP_TB)
        tb = self.tbs.get(pc)
        if tb is None:
            tb = self._reuse(pc)
        if tb is None:
            try:
                tb = self._translate(pc)
            except _CacheFull:
                self.flush_code()
                tb = self._translate(pc)
        else:
            self._cache(tb)
        return self._action(tb.id)

    def _account(self, left: int | None = None) -> None:
        """Count the instructions the last slice ran (``left``: its budget left, if read
        already) and give the next one a full slice."""
        if left is None:
            left = _I64.unpack(self.mem.read(abi.CTX_BUDGET, 8))[0]
        self.guest_insns += self.slice - left
        self._w64(abi.CTX_BUDGET, self.slice)
        self._budget_set = self.slice

    def start(self) -> Action:
        """The host protocol (see the module docstring): the first Action of the run."""
        return self.system.start()

    def service(self, reason: int) -> Action:
        """The host protocol: what to do after the running TB returned ``reason``."""
        return self.system.service(reason)

    def _start(self) -> Action:
        self._tier_context()
        return self._guarded(lambda: self._run(self.cpu.get_pc()))

    def _continue(self) -> Action:
        """Run this process again after others ran (or after it waited): its threads are
        rescheduled (a woken system call gets its result) and pending signals delivered.  (Its
        memory is its own: the context tier 0 reads is as _start left it.)"""
        t = self.threads
        t.need_switch = t.current.wait is not None or t.current.exited

        def go() -> Action:
            t.schedule()
            cur = t.current
            if cur.restart and cur.wait is None and self._at_ecall():
                # its blocked system call can go on: run it again here rather than returning
                # to Wasm only to trap on the same ecall (one host round trip less per wait)
                cur.restart = False
                handler = self.linux.signals.deliver_pending()
                if handler is not None:
                    return self._run(handler)
                return self._syscall(self.cpu.get_pc())
            return self._resume(self.cpu.get_pc())

        return self._guarded(go)

    def _guarded(self, fn: Callable[[], Action]) -> Action:
        try:
            return fn()
        except ProcessBlocked:
            return Action("block")
        except _Replaced as r:
            return Action("replaced", replacement=r.machine)
        except GuestExit as e:
            return Action("exit", status=e.status & 0xFF)
        except GuestSignal as e:
            return self._signal(e.signo, self.cpu.get_pc())
        except EmulatorError as e:
            return Action(
                "exit", status=abi.HostStatus.INTERNAL, message=f"tbwasm: internal error: {e}"
            )
        except Exception as e:  # a bug in the emulator: one line, never a traceback
            if os.environ.get("TBWASM_DEBUG"):
                raise
            where = traceback.extract_tb(e.__traceback__)[-1]
            return Action(
                "exit",
                status=abi.HostStatus.INTERNAL,
                message=f"tbwasm: internal error: {type(e).__name__}: {e} "
                f"({os.path.basename(where.filename)}:{where.lineno}; TBWASM_DEBUG=1 for details)",
            )

    def _signal(self, signo: int, pc: int, addr: int | None = None) -> Action:
        name = SIGNAL_NAMES.get(signo, f"signal {signo}")
        msg = f"tbwasm: guest {name} at pc=0x{pc:x}"
        if addr is not None:
            msg += f" (addr 0x{addr:x})"
        return Action("exit", status=128 + signo, message=msg, signal=signo)

    def _service(self, reason: int) -> Action:
        self.host_calls += 1
        # The context and the registers in one read (a JS host pays per memory call, and a
        # system call needed five of them): what this exit reads before anything is written.
        state = self.mem.read(abi.CTX, _EXIT_SPAN)
        self._account(_I64.unpack_from(state, abi.CTX_BUDGET - abi.CTX)[0])
        pc = _U64.unpack_from(state, abi.CPU_PC - abi.CTX)[0]
        if reason == ExitReason.ECALL:
            return self._syscall(pc, ARGS.unpack_from(state, abi.x_addr(10) - abi.CTX))
        if reason == ExitReason.CHAIN:
            link = (
                _U32.unpack_from(state, abi.CTX_LINK_FROM - abi.CTX)[0],
                _U32.unpack_from(state, abi.CTX_LINK_SLOT - abi.CTX)[0],
            )
            return self._run(pc, link=link)
        if reason == ExitReason.LOOKUP:
            return self._run(pc, cache=True)
        if reason == ExitReason.BUDGET:
            if self.threads.alive > 1 or self.threads.waiting:
                self.threads.schedule(preempt=True)  # the time slice is over
                pc = self.cpu.get_pc()
            return self._resume(pc)
        if reason == ExitReason.SMC:
            addr = self._u64(abi.CTX_EXIT_ARG)
            self.invalidate(addr, 8)
            return self._run(pc)
        if reason == ExitReason.FENCE_I:
            # Every store to a page holding translated code already invalidated its TBs (SMC
            # exit), and so did every syscall write, so the TB cache is coherent here: fence.i
            # only has to end the TB, which it did.
            return self._run(pc)
        if reason == ExitReason.HOT:
            return self._hot(pc)
        if reason == ExitReason.EMULATE:
            return self._emulate(pc)
        if reason == ExitReason.SEGV:
            return self._fault(11, pc, self._u64(abi.CTX_EXIT_ARG))
        if reason == ExitReason.BUS:
            return self._fault(7, pc, self._u64(abi.CTX_EXIT_ARG))
        if reason == ExitReason.FETCH:
            return self._fault(11, pc, pc)
        if reason == ExitReason.ILLEGAL:
            return self._fault(4, pc)
        if reason == ExitReason.EBREAK:
            return self._fault(5, pc)
        raise EmulatorError(f"unknown exit reason {reason} at pc=0x{pc:x}")

    def _fault(self, signo: int, pc: int, addr: int | None = None) -> Action:
        """A synchronous fault at pc: run the guest's handler for it, or die of it."""
        handler = self.linux.signals.fault(signo, pc, addr)
        if handler is None:
            return self._signal(signo, pc, addr)
        return self._run(handler)

    def _resume(self, pc: int) -> Action:
        """Go on at pc (after a syscall, at a budget exit), running the handlers of pending
        signals first; a signal whose default action is fatal ends the guest here."""
        handler = self.linux.signals.deliver_pending()
        return self._run(pc if handler is None else handler)

    def _at_ecall(self) -> bool:
        pc = self.cpu.get_pc()
        return 0 <= pc < abi.GUEST_SIZE - 4 and self.mem.read(abi.GUEST_BASE + pc, 4) == _ECALL

    def _syscall(self, pc: int, a: tuple[int, ...] | None = None) -> Action:
        """The system call at pc; ``a``: a0..a7, if read already."""
        self.threads.current.restart = False
        if a is None:
            a = self.cpu.args()
        nr, args = a[7], a[:6]
        self.cpu.set_pc(pc + 4)
        threads = self.threads
        if self.strace is not None:
            call = f"{self.linux.syscall_name(nr)}({', '.join(hex(a) for a in args)})"
            try:
                ret = self._call(nr, args, pc)
            except (GuestExit, GuestSignal) as e:
                self.strace(f"{call} = {e!r}")
                raise
            cur = threads.current
            if ret is None:
                self.strace(f"{call} = ? <waiting>")
            elif cur.exited:
                self.strace(f"{call} = ?")
            elif cur.wait is not None:
                self.strace(f"{call} = ? <unfinished ...>")
                cur.call = self.linux.syscall_name(nr)
            else:
                self.strace(f"{call} = {ret}")
        else:
            ret = self._call(nr, args, pc)
        if ret is None:  # blocked: the call runs again when ready (pc is back at the ecall)
            threads.schedule()
            return self._resume(self.cpu.get_pc())
        self.cpu.set_x(10, ret)
        if threads.need_switch:
            threads.schedule()  # the thread blocked, exited or yielded
            self.slice = (
                self.base_slice if threads.alive == 1 else min(THREAD_SLICE, self.base_slice)
            )
        elif nr == 220:
            self.slice = min(THREAD_SLICE, self.base_slice)
        return self._resume(self.cpu.get_pc())  # rt_sigreturn moved pc

    def fork(self, flags: int, newsp: int, ptid: int, tls: int, ctid: int) -> int:
        """The process hook of sys_clone (linux/sys_proc.py): a child process."""
        return self.system.fork(self, flags, newsp, ptid, ctid)

    def _call(self, nr: int, args: tuple[int, ...], pc: int) -> int | None:
        """One system call; None when it blocked (WouldBlock: the thread waits with pc at the
        ecall, so that the call runs again once it can go on)."""
        try:
            return self.linux.syscall(nr, args)
        except WouldBlock as w:
            self.cpu.set_pc(pc)
            self.threads.current.restart = True
            self.threads.block(
                Wait(
                    "io",
                    ready=w.ready,
                    deadline=w.deadline,
                    timeout_result=w.timeout_result,
                    on_interrupt=w.on_interrupt,
                )
            )
            self.threads.current.call = w.what
            return None
        except ExecImage as image:
            try:
                new = self.system.exec(self, image)
            except SyscallError as e:
                return -e.errno
            raise _Replaced(new) from None

    def _emulate(self, pc: int) -> Action:
        word = int.from_bytes(self.mem.read(abi.GUEST_BASE + pc, 4), "little")
        insn = decode(word if word & 3 == 3 else word & 0xFFFF)
        if insn is None or not emulate(self.cpu, insn):
            return self._fault(4, pc)
        self.cpu.set_pc(pc + insn.size)
        return self._run(pc + insn.size)

    def stats(self) -> dict[str, float]:
        """This process image's counters, and the run's (System.stats: ``all_*``)."""
        return {**self._own_stats(), **self.system.stats()}

    def _own_stats(self) -> dict[str, float]:
        tb_entries = self._u64(abi.CTX_TB_COUNT)
        return {
            "guest_insns": self.guest_insns,
            "tbs_translated": self.tbs_translated,
            "modules_compiled": self.modules_compiled,
            "tb_entries": tb_entries,
            "host_calls": self.host_calls,
            "chain_hits": max(0, tb_entries - self.host_calls),
            "translate_seconds": self.translate_seconds,
            "code_flushes": self.flushes,
            "tier": self.tier,  # type: ignore[dict-item]
            "interp_insns": self._u64(abi.CTX_INTERP_INSNS),
            "hot_exits": self.hot_exits,
            "reused_modules": self.reused_modules,
            "unsupported_syscalls": self.linux.unsupported_calls,  # ENOSYS for an unknown nr
            **self.threads.stats(),
        }


class Spaces(Protocol):
    """What a host offers for more processes: a fresh, zeroed Wasm memory of the ABI's size with
    an empty funcref table of its own (``Action.space`` names it), and freeing one."""

    def new_space(self) -> tuple[int, RawMemory]: ...

    def free_space(self, space: int) -> None: ...


FAULT_SIGNALS = frozenset({4, 5, 7, 8, 11})  # a child dying of these says so on stderr
POLL_INTERVAL = 0.02  # s: how often a running system looks at the terminal's input
NET_SLICE = 0.25  # s: the longest wait for an outside stream before the host gets control


class System:
    """Every process of one run and which one runs: what a host drives, through the first
    process's `Machine.start` / `Machine.service`.

    Each process is a `Machine` with its own memory (a host *space*), so a switch costs nothing
    but a different ``Action.space``.  A process runs until it blocks (every thread waits:
    `ProcessBlocked`), ends, or uses up a time slice while another can run; then the next
    runnable one in pid order continues.  When none can run, the system sleeps until the
    earliest deadline (a sleep, a timeout, a timer); when nothing could ever wake one, that is
    a deadlock, reported instead of hanging.  The run ends when the first process ends (the
    others go with it, as in a container whose init exits).  Without a host that makes spaces
    (``spaces`` None), fork answers ENOSYS; execve works anyway (the image is replaced in the
    same memory).
    """

    def __init__(self, init: Machine) -> None:
        self.procs = ProcessTable(first_pid=init.linux.pid)
        self.procs.send = self._send
        self.init = init
        proc = self.procs.add_first(init, name=init.threads.current.name.decode(errors="replace"))
        self.machines: dict[int, Machine] = {}
        self.current = init
        self.spaces: Spaces | None = None
        self.switches = 0
        self.execs = 0
        self.retired: dict[str, float] = {}
        self._polled = 0.0
        # hot regions by their first pc, for processes that exec the same code later
        self.code_cache: dict[int, _Region] = {}
        self.code_cache_bytes = 0
        # seconds a wait for the terminal's input may last before the host gets control back
        # (an "idle" Action; service(IDLE) goes on); None: as long as it takes (the CLI)
        self.idle_slice: float | None = None
        self._attach(init, proc)
        # /proc/self/exe is one node of a tree that several systems may share (a page's root
        # filesystem, with a machine per run): whichever system runs says what it names
        self._exe_link = init.linux.vfs.proc_self_exe
        self._exe_current = lambda: self.current.linux.exe_path
        self._exe_link.current = self._exe_current
        self.terminal = init.linux.terminal
        if self.terminal is not None:
            tty = self.terminal.tty
            tty.set_controlling(proc.sid, proc.pgid)
            tty.on_signal = self._tty_signal
            tty.pgrp_session = self._pgrp_session
            self.terminal.caller = self._caller

    @property
    def async_waits(self) -> bool:
        """The host never blocks (a worker that runs several machines): every wait blocks the
        guest thread instead of sleeping the emulator, and when no process can run the system
        returns an "idle" Action with the time to the earliest deadline rather than sleeping."""
        return self.procs.async_waits

    @async_waits.setter
    def async_waits(self, on: bool) -> None:
        self.procs.async_waits = on

    # --- the terminal ---------------------------------------------------------------------------

    def _poll_terminal(self) -> None:
        """Take what the user typed while guests run (at most every POLL_INTERVAL s): ^C must
        reach a pipeline whose processes keep switching without ever idling."""
        if self.terminal is None:
            return
        now = time.monotonic()
        if now - self._polled >= POLL_INTERVAL:
            self._polled = now
            self.terminal.pump(0)

    def _tty_signal(self, pgrp: int, sig: int) -> None:
        for p in self.procs.group(pgrp):
            self._send(p, sig, 0, immediate=False)

    def _pgrp_session(self, pgrp: int) -> int | None:
        members = self.procs.group(pgrp)
        return members[0].sid if members else None

    def _caller(self) -> Caller | None:
        m = self.current
        p = m.proc
        sigs = m.linux.signals
        ignored = frozenset(
            s for s in (21, 22) if sigs.blocked & (1 << (s - 1)) or sigs.action(s).handler == 1
        )
        tty = self.terminal.tty if self.terminal is not None else None
        return Caller(
            p.pid,
            p.pgid,
            p.sid,
            has_ctty=tty is not None and tty.session == p.sid,
            sig_ignored=ignored,
            pgrp_orphaned=self.procs.orphaned(p.pgid),
        )

    def _attach(self, m: Machine, proc: Proc) -> None:
        m.system = self
        m.proc = proc
        proc.owner = m
        self.machines[proc.pid] = m
        lx = m.linux
        lx.procs, lx.proc, lx.hooks = self.procs, proc, m
        m.threads.on_idle = _blocked
        lx.signals.on_stop = lambda sig: self._stop(m, sig)

    # --- the host protocol ---------------------------------------------------------------------

    restored = False  # made by state.restore: start() continues where the state was saved
    state_meta: dict[str, Any] | None = None  # (state.restore: what the saving host kept)

    def start(self) -> Action:
        self._exe_link.current = self._exe_current
        if self.restored:
            self.restored = False
            m = self.current
            m._tier_context()
            return self._settle(m, m._continue())
        return self._settle(self.current, self.current._start())

    def service(self, reason: int) -> Action:
        self._exe_link.current = self._exe_current  # (another system may have run meanwhile)
        m = self.current
        if reason == ExitReason.IDLE:  # back from an "idle" Action: still waiting, or not
            nxt = self._next(None)
            return nxt if isinstance(nxt, Action) else self._settle(nxt, nxt._continue())
        if reason == ExitReason.BUDGET:
            self._poll_terminal()  # ^C while the guest computes
        if reason == ExitReason.BUDGET and len(self.machines) > 1 and self._others_runnable(m):
            m.host_calls += 1
            m._account()
            return self._switch(m)
        return self._settle(m, m._guarded(lambda: m._service(reason)))

    def _settle(self, m: Machine, a: Action) -> Action:
        """Follow ``a`` (what process ``m`` wants) until a TB is to run somewhere."""
        while True:
            if a.kind == "run":
                a.space = m.space
                if m is not self.current:
                    self.switches += 1
                    self._poll_terminal()
                self.current = m
                return a
            if a.kind == "replaced":
                m = a.replacement
                self.execs += 1
                a = m._start()
                continue
            if a.kind == "exit":
                end = self._ended(m, a)
                if end is not None:
                    return end
                nxt = self._next(None)
            elif a.kind == "block":
                nxt = self._next(m)
            else:
                raise EmulatorError(f"unknown action {a.kind}")
            if isinstance(nxt, Action):
                return nxt  # stopped by the host, or a deadlock
            m = nxt
            a = m._continue()

    def _switch(self, m: Machine) -> Action:
        nxt = self._next(m, rotate=True)
        if isinstance(nxt, Action):
            return nxt
        return self._settle(nxt, nxt._continue())

    # --- scheduling -----------------------------------------------------------------------------

    def _runnable(self, m: Machine) -> bool:
        return not m.proc.stopped and m.threads.runnable()

    def _others_runnable(self, m: Machine) -> bool:
        return any(o is not m and self._runnable(o) for o in list(self.machines.values()))

    def _next(self, after: Machine | None, rotate: bool = False) -> Machine | Action:
        """The next process that can run after ``after`` in pid order (``after`` itself last);
        sleeps while none can."""
        while True:
            ms = list(self.machines.values())
            if after is not None and after in ms:
                i = ms.index(after)
                ms = ms[i + 1 :] + ms[: i + 1]
            for m in ms:
                if self._runnable(m):
                    return m
            stop = self._idle()
            if stop is not None:
                return stop

    def _idle(self) -> Action | None:
        """No process can run: sleep until the earliest deadline of any of them."""
        deadlines = [d for m in self.machines.values() if (d := m.threads.deadline()) is not None]
        term = self.terminal
        net = self.init.linux.net
        if net.active():
            # an outside stream may bring data: wait in the backend (the native host's select)
            # rather than sleep, no longer than the earliest deadline; the host gets control
            # back (an "idle" Action) at least every NET_SLICE s, for its Stop and --timeout
            now = self.init.threads.now()
            slice_s = net.slice(NET_SLICE)
            net_timeout = max(0.0, (min(deadlines) - now) / 1e9) if deadlines else slice_s
            net_timeout = min(net_timeout, slice_s)
            if term is not None and term.host is not None and not term.tty.hung_up:
                if term.pump(0.0):
                    return None
                net_timeout = min(net_timeout, POLL_INTERVAL)  # keystrokes are looked at often
            if self.async_waits:
                return Action("idle", timeout=net_timeout)
            net.wait(net_timeout)
            return Action("idle", timeout=0.0)
        if term is not None and term.host is not None and not term.tty.hung_up:
            # wait for the user (no longer than the earliest deadline); a host with an event
            # loop gets control back every idle_slice seconds (an "idle" Action)
            now = self.init.threads.now()
            timeout = max(0.0, (min(deadlines) - now) / 1e9) if deadlines else None
            if self.idle_slice is not None:
                timeout = self.idle_slice if timeout is None else min(timeout, self.idle_slice)
            if not term.pump(0.0 if self.async_waits else timeout) and self.idle_slice is not None:
                return Action("idle", timeout=timeout)
            return None
        if not deadlines:
            n = len(self.machines)
            return Action(
                "exit",
                status=abi.HostStatus.INTERNAL,
                message=f"tbwasm: internal error: deadlock: all {n} guest process(es) wait "
                "and nothing can wake them",
            )
        now = self.init.threads.now()
        end = min(deadlines)
        if self.async_waits:
            return Action("idle", timeout=max(0.0, (end - now) / 1e9)) if end > now else None
        if end > now and self.init.linux.sleep((end - now) / 1e9):
            # cut short by the host
            return Action("exit", status=abi.HostStatus.STOPPED, message=abi.STOPPED_MESSAGE)
        return None

    # --- signals between processes ------------------------------------------------------------

    def _send(self, proc: Proc, sig: int, sender: int, immediate: bool = True) -> None:
        m = proc.owner
        if not isinstance(m, Machine):
            return
        sigs = m.linux.signals
        if sig == 18 or sig == 9:  # SIGCONT (and SIGKILL) continue a stopped process
            for s in STOP_SIGNALS:
                sigs.shared.pop(s, None)
                sigs.pending.pop(s, None)
            if proc.stopped:
                proc.stopped = 0
                proc.continued = True
                self._notify_parent(proc, 6, 18)
        if sig in STOP_SIGNALS:
            sigs.shared.pop(18, None)
        if m is self.current and immediate:
            sigs.send(sig, SI_USER)  # may end the caller here (GuestSignal)
            return
        sigs.post(sig, siginfo(sig, SI_USER, pid=sender, uid=m.linux.uid))

    def _notify_parent(self, proc: Proc, code: int, status: int) -> None:
        parent = self.procs.get(proc.ppid)
        if parent is None or not isinstance(parent.owner, Machine):
            return
        self.procs.changed += 1
        psig = parent.owner.linux.signals
        act = psig.action(17)
        if code in (5, 6) and act.flags & 1:  # SA_NOCLDSTOP
            return
        info = bytearray(siginfo(17, code, pid=proc.pid, uid=0))
        info[24:28] = status.to_bytes(4, "little", signed=True)  # si_status
        psig.post(17, bytes(info))

    def _stop(self, m: Machine, sig: int) -> None:
        """The default action of a stop signal (job control): the process stops until SIGCONT."""
        proc = m.proc
        if proc is self.init.proc and len(self.machines) == 1:
            return  # nobody could continue it
        proc.stopped = sig
        proc.stop_reported = False
        self._notify_parent(proc, 5, sig)
        raise ProcessBlocked

    # --- lifetimes ------------------------------------------------------------------------------

    def fork(self, parent: Machine, flags: int, newsp: int, ptid: int, ctid: int) -> int:
        if self.spaces is None:
            return -E.ENOSYS  # the host cannot make another memory
        proc = self.procs.fork(parent.proc)
        try:
            space, mem = self.spaces.new_space()
        except Exception:
            self.procs.reap(proc)
            return -E.ENOMEM
        child = Machine.__new__(Machine)
        child._configure(mem, parent._options, fresh=True)
        child.space = space
        child.aspace = parent.aspace.fork(mem, child._code_written)
        child.cpu.restore(clone_state(parent.cpu.snapshot(), newsp))
        child.process = parent.process
        child.linux = parent.linux.fork(child.aspace, proc.pid)
        child._attach_linux()
        child._setup_tiers()
        child._inherit_code(parent)
        self._attach(child, proc)
        if flags & CLONE_CHILD_SETTID:
            child.threads._try_write_u32(ctid, proc.pid)
        if flags & CLONE_CHILD_CLEARTID:
            child.threads.current.clear_child_tid = ctid
        if flags & CLONE_PARENT_SETTID:
            parent.threads._try_write_u32(ptid, proc.pid)
            child.threads._try_write_u32(ptid, proc.pid)
        if flags & CLONE_VFORK:
            # the parent waits until the child execs or ends (its memory is a copy, not shared)
            parent.threads.block(
                Wait("vfork", ready=lambda: proc.exec_done or proc.zombie, ready_result=proc.pid)
            )
        return proc.pid

    def exec(self, m: Machine, image: ExecImage) -> Machine:
        """execve: a new machine for the same process in the same memory (old image gone)."""
        _check_elf_header(image.program)
        new = Machine.__new__(Machine)
        new._configure(m.mem, m._options)
        new.space = m.space
        new._table_reset = True  # the old image's TBs: a host may drop its table
        new.aspace = AddressSpace(m.mem, on_code_write=new._code_written)
        vfs = m.linux.vfs
        try:
            new.process = load_process(
                image.program,
                image.argv,
                image.env,
                new.aspace,
                open_interp=lambda p: read_interpreter(vfs, p),
                execfn=image.path,
            )
        except ElfError as e:
            # past the point of no return: the process dies (Linux sends SIGSEGV)
            m.linux._stderr.write(f"tbwasm: {image.path}: {e}\n".encode())
            raise GuestSignal(11) from None
        new.linux = m.linux.exec_into(new.aspace, image.argv, image.env, image.exe)
        new._attach_linux()
        new._setup_tiers()
        new.cpu.set_x(2, new.process.sp)
        new.cpu.set_pc(new.process.entry)
        self._retire(m)
        proc = m.proc
        proc.exec_done = True
        proc.name = new.threads.current.name.decode(errors="replace")
        self._attach(new, proc)
        if m is self.init:
            self.init = new
        return new

    def _ended(self, m: Machine, a: Action) -> Action | None:
        """Process ``m`` ended with ``a``; the final Action if that ends the run."""
        if m is self.init:
            for other in list(self.machines.values()):
                if other is not m:
                    self._bury(other, signal_status(9))
            return a
        if a.message and (not a.signal or a.signal in FAULT_SIGNALS):
            m.linux._stderr.write(a.message.encode() + b"\n")
        self._bury(m, signal_status(a.signal) if a.signal else exit_status(a.status))
        return None

    def _bury(self, m: Machine, status: int) -> None:
        proc = m.proc
        self._retire(m)
        m.linux.close_all()
        self.machines.pop(proc.pid, None)
        parent = self.procs.get(proc.ppid)
        ignore = False
        if parent is not None and isinstance(parent.owner, Machine):
            act = parent.owner.linux.signals.action(17)
            ignore = act.handler == 1 or bool(act.flags & 2)  # SIG_IGN, SA_NOCLDWAIT
        self.procs.exited(proc, status, ignore_chld=ignore)
        if not ignore:
            code = 1 if status & 0x7F == 0 else 2
            self._notify_parent(proc, code, status >> 8 if code == 1 else status & 0x7F)
        if self.spaces is not None and m.space != self.init.space:
            self.spaces.free_space(m.space)

    def remember(self, m: Machine, blocks: list[tuple[int, Block]], module: bytes) -> None:
        """Keep a hot region's module for later process images (a shell runs the same programs
        again and again): `Machine._reuse` takes it when the code and TB ids fit."""
        if any(b.fetch_fault or not b.insns for _, b in blocks):
            return
        code = [m.mem.read(abi.GUEST_BASE + b.pc, b.end_pc - b.pc) for _, b in blocks]
        pc = blocks[0][1].pc
        old = self.code_cache.pop(pc, None)
        if old is not None:
            self.code_cache_bytes -= old.size
        entry = _Region(blocks, code, module, m.count_tbs)
        self.code_cache[pc] = entry
        self.code_cache_bytes += entry.size
        while self.code_cache_bytes > CODE_CACHE_BYTES and self.code_cache:
            gone = self.code_cache.pop(next(iter(self.code_cache)))
            self.code_cache_bytes -= gone.size

    def _retire(self, m: Machine) -> None:
        """Keep the counters of a process image that ended (exit or exec) for `stats`."""
        st = m._own_stats()
        for k in _SUMMED:
            self.retired[k] = self.retired.get(k, 0) + st[k]

    def stats(self) -> dict[str, float]:
        """Counts over the whole run: every process and every image (``all_*``)."""
        out: dict[str, float] = {"processes": self.procs.forks + 1, "execs": self.execs}
        for k in _SUMMED:
            live = sum(m._own_stats()[k] for m in self.machines.values())
            out[f"all_{k}"] = self.retired.get(k, 0) + live
        return out


class _BlockingInput:
    """HostInput over a plain Reader: each poll blocks in read (the timeout is not kept)."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    def poll(self, timeout: float | None) -> bytes | None:
        return self.reader.read(4096)


def _terminal(size: tuple[int, int] | None, stdin: Reader, stdout: Writer) -> Terminal | None:
    """A terminal for a run on one (``size`` = rows, columns): fds 0-2 of the first process."""
    if size is None:
        return None

    def out(data: bytes) -> None:
        stdout.write(data)

    tty = Tty(out, rows=size[0], cols=size[1])
    host = stdin if hasattr(stdin, "poll") else _BlockingInput(stdin)
    return Terminal(tty, host)  # type: ignore[arg-type]


_NAMELESS_EXE = "/bin/program"  # where a program given only as bytes is (/proc/self/exe)


def _install_program(vfs: Vfs, path: str, program: bytes) -> None:
    """The program file at its path in the guest's tree unless something is there already (as
    the host's file is under qemu), so that /proc/self/exe can be opened and executed again
    (busybox runs its applets that way)."""
    try:
        node = vfs.resolve(vfs.root, path)
        if path == _NAMELESS_EXE and isinstance(node, File):
            # a tree kept from run to run (a root filesystem image) has an earlier run's there
            node.data = bytearray(program)
            node.perm = 0o755
        return
    except SyscallError:
        pass
    try:
        vfs.add_file(path, program, 0o755)
    except SyscallError:
        pass  # a parent is not a directory: leave it


_SUMMED = (
    "guest_insns", "interp_insns", "tbs_translated", "modules_compiled", "translate_seconds",
    "reused_modules",
)  # fmt: skip
CODE_CACHE_BYTES = 32 << 20  # module bytes a System keeps for later process images


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


def _blocked() -> None:
    raise ProcessBlocked


def _check_elf_header(data: bytes) -> None:
    """What execve checks before the point of no return: a riscv64 ELF executable."""
    if (
        len(data) < 64
        or data[:4] != b"\x7fELF"
        or data[4] != 2
        or data[5] != 1
        or int.from_bytes(data[16:18], "little") not in (2, 3)
        or int.from_bytes(data[18:20], "little") != 243
    ):
        raise SyscallError(E.ENOEXEC)


def _falls_through(block: Block) -> bool:
    """The TB ended at a page or size limit, not at a control transfer: its end is sure to run."""
    if not block.insns:
        return False
    last = block.insns[-1][1]
    return last is not None and last.name not in ENDS_BLOCK


class _CacheFull(Exception):
    pass


class _Replaced(Exception):
    """execve succeeded: ``machine`` runs the process from now on."""

    def __init__(self, machine: Machine) -> None:
        super().__init__("exec")
        self.machine = machine
