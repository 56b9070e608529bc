"""`Machine`: one process's CPU, memory and caches, composed from the pieces.

A machine is one guest process image: its memory (a host *space*), address space and CPU state,
its Linux layer (threads, signals, files), its translated code (`tbcache.TbCache`) and its
counters.  Exits from its code are dispatched by `exits`; all the processes of a run, and which
one runs, are the `system.System` each machine belongs to.

Hosts drive a machine with the loop in docs/architecture.md: ``start()`` and ``service(reason)``
return an `exits.Action` telling the host which modules to instantiate and which TB to call next,
or that the guest has ended.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from typing import Any, Protocol

from . import abi, exits
from .abi import ActionKind
from .cpu import CpuState, clone_state
from .exits import Action
from .linux.errors import ElfError, ExecImage, GuestSignal, SyscallError
from .linux.loader import NAMELESS_EXE, install_program, read_interpreter
from .linux.mm import AddressSpace
from .linux.process import LoadedProgram, load_program
from .linux.procs import ProcessEntry
from .linux.rootfs import Rootfs
from .linux.signals import Signal
from .linux.syscalls import Linux
from .linux.tty import Tty
from .linux.ttyfile import Terminal
from .linux.vfs import Vfs
from .memory import Discardable, RawMemory
from .options import MachineOptions
from .system import System
from .tbcache import TbCache

DEFAULT_ENV = ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/root", "TERM=xterm", "LANG=C"]
_I64 = struct.Struct("<q")


class Reader(Protocol):
    def read(self, n: int) -> bytes: ...


class Writer(Protocol):
    def write(self, data: bytes) -> object: ...


class Machine:
    """One process image: CPU, memory, Linux layer and TB cache (see the module docstring)."""

    system: System  # every process of the run (this one included)
    proc: ProcessEntry  # this process's entry in the process table
    space: int  # the host memory it runs in (Action.space)
    loaded: LoadedProgram  # what the ELF loader made of its program (entry, initial sp, ...)

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
        options: MachineOptions | None = None,
        trace: Callable[[str], None] | None = None,
        strace: Callable[[str], None] | None = None,
        host_dirs: dict[str, str] | None = None,
        sleep: Callable[[float], object] | None = None,
        sysroot: str | None = None,
        terminal: tuple[int, int] | None = None,
        rootfs: Rootfs | None = None,
        cwd: str | None = None,
        **option_values: Any,
    ) -> None:
        """``options``: see py_backend/options.py.  Without it, the options are
        ``MachineOptions.from_env(**option_values)``: the keywords given (tier="jit",
        budget=..., any field of MachineOptions), the rest from the environment variables
        TBWASM_TIER and TBWASM_HOT_THRESHOLD (how the test suites run every host in every tier),
        else the defaults.

        ``rootfs``: a root filesystem image (linux/rootfs.py) used as the guest's /; a host
        that passes the same one to every machine keeps the files guests write between runs.

        ``sysroot``: a host directory overlaid read-only on the guest's absolute paths (qemu's
        ``-L``): a dynamically linked program's interpreter and the libraries it opens are
        found there (see linux/vfs.py).  ``host_dirs``: guest dir -> host dir, read/write.

        ``trace``/``strace``: where the TB and system-call trace lines go (None: nowhere)."""
        if options is None:
            options = MachineOptions.from_env(**option_values)
        elif option_values:
            raise TypeError("give either options or option keywords, not both")
        self._configure(mem, options, trace, strace)
        self.aspace = AddressSpace(mem, on_code_write=self._code_written)
        self.tb_cache.aspace = self.aspace
        env = DEFAULT_ENV if env is None else env
        exe = argv[0] if argv and argv[0].startswith("/") else NAMELESS_EXE
        if sysroot and not os.path.isdir(sysroot):
            raise ElfError(f"sysroot {sysroot} is not a directory")
        vfs = Vfs(exe, sysroot=sysroot or None, root=rootfs.root if rootfs is not None else None)
        for guest_dir, host_dir in (host_dirs or {}).items():
            vfs.mount_host(guest_dir, host_dir)
        install_program(vfs, exe, program)
        self.loaded = load_program(
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
        self.cpu.set_x(2, self.loaded.sp)
        self.cpu.set_pc(self.loaded.entry)
        self.cpu.reset_vector()
        self.system = System(self)

    def _configure(
        self,
        mem: RawMemory,
        options: MachineOptions,
        trace: Callable[[str], None] | None,
        strace: Callable[[str], None] | None,
        fresh: bool = False,
    ) -> None:
        """What every process of a run shares (the options, the trace outputs) and starts empty
        (TB cache, statistics)."""
        self.options = options
        self.tier = options.tier
        self.hot_threshold = options.hot_threshold
        self.mem = mem
        self.cpu = CpuState(mem, self.instret)
        self.space = 0
        self.slice = options.budget
        self.base_slice = options.budget
        self._budget_set: int | None = None  # CTX_BUDGET holds this slice, not yet run
        self.trace = trace
        self.strace = self._strace_line if strace is not None else None
        self._strace_out = strace
        if not fresh:  # (a fresh memory from the host is all zeros)
            zero = mem.discard if isinstance(mem, Discardable) else mem.fill
            zero(abi.CTX, abi.STATE_END - abi.CTX)
        self.tb_cache = TbCache(
            mem,
            tier=options.tier,
            batch=options.batch,
            max_block_insns=options.max_block_insns,
            count_tbs=options.count_tbs,
            max_tbs=options.max_tbs,
            trace=trace,
        )
        # statistics
        self.guest_insns = 0
        self.host_calls = 0
        self.hot_exits = 0

    @classmethod
    def forked(cls, parent: Machine, space: int, mem: RawMemory, pid: int, newsp: int) -> Machine:
        """The child of ``parent`` (fork, clone of a process) in host memory ``space``: a copy
        of its memory, CPU state (stack pointer ``newsp``, if any), Linux layer and code."""
        child = cls.__new__(cls)
        child._configure(mem, parent.options, parent.trace, parent._strace_out, fresh=True)
        child.space = space
        child.aspace = parent.aspace.fork(mem, child._code_written)
        child.tb_cache.aspace = child.aspace
        child.cpu.restore(clone_state(parent.cpu.snapshot(), newsp))
        child.loaded = parent.loaded
        child.linux = parent.linux.fork(child.aspace, pid)
        child._attach_linux()
        child._setup_tiers()
        child.tb_cache.inherit(parent.tb_cache)
        return child

    @classmethod
    def exec_image(cls, old: Machine, image: ExecImage) -> Machine:
        """execve: a new machine for the same process in the same memory (old image gone).
        A program that cannot be loaded past the point of no return kills the process."""
        new = cls.__new__(cls)
        vctrl = old.cpu.get_vctrl()  # (the vector control outlives the image: reset_vector)
        new._configure(old.mem, old.options, old.trace, old._strace_out)
        new.space = old.space
        new.tb_cache.table_reset = True  # the old image's TBs: a host may drop its table
        new.aspace = AddressSpace(old.mem, on_code_write=new._code_written)
        new.tb_cache.aspace = new.aspace
        vfs = old.linux.vfs
        try:
            new.loaded = load_program(
                image.program,
                image.argv,
                image.env,
                new.aspace,
                open_interp=lambda p: read_interpreter(vfs, p),
                execfn=image.path,
            )
        except ElfError as e:
            # past the point of no return: the process dies (Linux sends SIGSEGV)
            old.linux._stderr.write(f"tbwasm: {image.path}: {e}\n".encode())
            raise GuestSignal(Signal.SIGSEGV) from None
        new.linux = old.linux.exec_into(new.aspace, image.argv, image.env, image.exe)
        new._attach_linux()
        new._setup_tiers()
        new.cpu.set_x(2, new.loaded.sp)
        new.cpu.set_pc(new.loaded.entry)
        new.cpu.set_vctrl(vctrl)
        new.cpu.reset_vector()
        return new

    def _attach_linux(self) -> None:
        self.threads = self.linux.threads
        self.linux.signals.trace = self.strace
        self.threads.trace = self.strace

    def _setup_tiers(self) -> None:
        """Tier 0 goes into the table; its threshold and the miss target of compiled code go
        into the context."""
        self.tb_cache.setup_tiers()
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

    def _code_written(self, addr: int, length: int) -> None:
        self.tb_cache.invalidate(addr, length)

    def flush_code(self) -> None:
        """Forget every TB (a host that reuses this machine's memory for a fresh store)."""
        self.tb_cache.flush()

    # --- the WasmContext in memory ----------------------------------------------------------------
    def u64(self, off: int) -> int:
        return int.from_bytes(self.mem.read(off, 8), "little")

    def _w64(self, off: int, v: int) -> None:
        self.mem.write(off, (v & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "little"))

    def _w32(self, off: int, v: int) -> None:
        self.mem.write(off, (v & 0xFFFFFFFF).to_bytes(4, "little"))

    def instret(self) -> int:
        return self.guest_insns + self.slice - _I64.unpack(self.mem.read(abi.CTX_BUDGET, 8))[0]

    # --- what runs next ------------------------------------------------------------------------
    def run(self, pc: int, link: tuple[int, int] | None = None, cache: bool = False) -> Action:
        """Run the code at pc: its TB (translated now with --tier jit), else tier 0.  ``link``:
        the goto_tb exit that missed, chained to it; ``cache``: enter it in the jump cache."""
        code = self.tb_cache
        tb = code.tbs.get(pc)
        if tb is None and self.tier != "jit":
            return self._action(abi.INTERP_TB)  # cold code: tier 0
        if tb is None:
            tb, flushed = code.translate_or_flush(pc)
            if flushed:
                link = None
        if link is not None:
            code.link(link[0], link[1], tb.id)
        if cache:
            code.enter(tb)
        return self._action(tb.id)

    def _action(self, tb_id: int) -> Action:
        mods, reset = self.tb_cache.take_modules()
        if self._budget_set != self.slice:  # (account set it already on most exits)
            self._w64(abi.CTX_BUDGET, self.slice)
        self._budget_set = None  # the TB about to run uses it up
        return Action(ActionKind.RUN, tb_id, mods, self.tb_cache.next_id, reset_table=reset)

    def hot(self, pc: int) -> Action:
        """Tier 0 found the block at pc hot: compile its region (or re-enter a TB that lost its
        jump-cache entry to another pc) and run it."""
        self.hot_exits += 1
        self._w32(abi.hot_counter_addr(pc), 0)
        if self.tier == "interp":
            return self._action(abi.INTERP_TB)
        code = self.tb_cache
        tb = code.tbs.get(pc)
        if tb is None:
            tb = code.reuse(pc)
        if tb is None:
            tb, _ = code.translate_or_flush(pc)
        else:
            code.enter(tb)
        return self._action(tb.id)

    def account(self, left: int | None = None) -> None:
        """Count the instructions the last slice ran (``left``: its budget left, if read
        already) and give the next one a full slice."""
        if left is None:
            left = _I64.unpack(self.mem.read(abi.CTX_BUDGET, 8))[0]
        self.guest_insns += self.slice - left
        self._w64(abi.CTX_BUDGET, self.slice)
        self._budget_set = self.slice

    # --- the host protocol ---------------------------------------------------------------------
    def start(self) -> Action:
        """The host protocol (see the module docstring): the first Action of the run."""
        return self.system.start()

    def service(self, reason: int) -> Action:
        """The host protocol: what to do after the running TB returned ``reason``."""
        return self.system.service(reason)

    def restart(self) -> Action:
        """Run from the current pc with an empty TB cache (a host that moved this machine to a
        fresh store; see host/native.py)."""
        self.flush_code()
        return exits.guarded(self, lambda: self.run(self.cpu.get_pc()))

    def _start(self) -> Action:
        self._tier_context()
        return exits.guarded(self, lambda: self.run(self.cpu.get_pc()))

    def _continue(self) -> Action:
        """Run this process again after others ran (or after it waited): its threads are
        rescheduled (a woken system call gets its result) and pending signals delivered.  (Its
        memory is its own: the context tier 0 reads is as _start left it.)"""
        t = self.threads
        t.need_switch = t.current.wait is not None or t.current.exited

        def go() -> Action:
            t.schedule()
            cur = t.current
            if cur.restart and cur.wait is None and exits.at_ecall(self):
                # its blocked system call can go on: run it again here rather than returning
                # to Wasm only to trap on the same ecall (one host round trip less per wait)
                cur.restart = False
                handler = self.linux.signals.deliver_pending()
                if handler is not None:
                    return self.run(handler)
                return exits.syscall(self, self.cpu.get_pc())
            return exits.resume(self, self.cpu.get_pc())

        return exits.guarded(self, go)

    def fork(self, flags: int, newsp: int, ptid: int, tls: int, ctid: int) -> int:
        """The process hook of sys_clone (linux/sys_proc.py): a child process."""
        return self.system.fork(self, flags, newsp, ptid, ctid)

    def stats(self) -> dict[str, float]:
        """This process image's counters, and the run's (System.stats: ``all_*``)."""
        return {**self._own_stats(), **self.system.stats()}

    def _own_stats(self) -> dict[str, float]:
        tb_entries = self.u64(abi.CTX_TB_COUNT)
        code = self.tb_cache
        return {
            "guest_insns": self.guest_insns,
            "tbs_translated": code.tbs_translated,
            "modules_compiled": code.modules_compiled,
            "tb_entries": tb_entries,
            "host_calls": self.host_calls,
            "chain_hits": max(0, tb_entries - self.host_calls),
            "translate_seconds": code.translate_seconds,
            "code_flushes": code.flushes,
            "tier": self.tier,  # type: ignore[dict-item]
            "interp_insns": self.u64(abi.CTX_INTERP_INSNS),
            "hot_exits": self.hot_exits,
            "reused_modules": code.reused_modules,
            "unsupported_syscalls": self.linux.unsupported_calls,  # ENOSYS for an unknown nr
            **self.threads.stats(),
        }


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


__all__ = ["DEFAULT_ENV", "Action", "Machine", "Reader", "Writer"]  # (Action: from exits)
