"""The native host: runs TB modules with wasmtime, from Python.

wasmtime-py's call costs ~11 us and Cranelift ~0.6 ms per tiny module (docs/FACTS), so TBs
chain inside Wasm by tail calls and the machine batches several TBs into one module; this loop
only sees exits."""

from __future__ import annotations

import ctypes
import sys
import time
from collections.abc import Callable

import wasmtime

from .. import abi
from ..machine import Action, Machine
from ..memory import BufferMemory
from ..translate.tier0 import interpreter_module
from ..wasm.builder import ModuleBuilder, ValType

_TABLE_CHUNK = 4096


def _entry_module() -> bytes:
    """A trampoline `run(tb) -> i32` that call_indirects into the shared table: one wasmtime
    call per host round trip, whatever the TB."""
    mb = ModuleBuilder()
    tb_type = mb.func_type((), (ValType.I32,))
    run_type = mb.func_type((ValType.I32,), (ValType.I32,))
    mb.import_table(abi.IMPORT_MODULE, abi.IMPORT_TABLE, 1)
    fb = mb.function(run_type)
    fb.local_get(0)
    fb.call_indirect(tb_type)
    mb.export_func("run", fb.index)
    return mb.to_bytes()


_ENGINES: dict[bool, tuple[wasmtime.Engine, wasmtime.Module]] = {}
_INTERP: dict[int, wasmtime.Module] = {}


def _engine(code_cache: bool) -> tuple[wasmtime.Engine, wasmtime.Module]:
    """One engine per configuration and process (hosts share compiled modules through it)."""
    if code_cache not in _ENGINES:
        cfg = wasmtime.Config()
        if code_cache:
            # wasmtime's own on-disk cache of compiled modules, keyed by the module bytes: a
            # program run again skips Cranelift for every TB it translated before.
            cfg.cache = True
        cfg.wasm_tail_call = True
        cfg.cranelift_opt_level = "speed"
        cfg.parallel_compilation = False
        engine = wasmtime.Engine(cfg)
        _ENGINES[code_cache] = (engine, wasmtime.Module(engine, _entry_module()))
    return _ENGINES[code_cache]


def _interp_module(engine: wasmtime.Engine) -> wasmtime.Module:
    m = _INTERP.get(id(engine))
    if m is None:
        m = _INTERP[id(engine)] = wasmtime.Module(engine, interpreter_module())
    return m


class _Space:
    """One guest memory (a process) with its own store, funcref table and entry trampoline."""

    def __init__(self, engine: wasmtime.Engine, entry_module: wasmtime.Module, raw: BufferMemory):
        self.store = wasmtime.Store(engine)
        self.store.set_limits(instances=NativeHost.MAX_INSTANCES + 100)
        self.memory = wasmtime.Memory(
            self.store, wasmtime.MemoryType(wasmtime.Limits(abi.MEMORY_PAGES, abi.MEMORY_PAGES))
        )
        self.table = wasmtime.Table(
            self.store,
            wasmtime.TableType(wasmtime.ValType.funcref(), wasmtime.Limits(_TABLE_CHUNK, None)),
            None,
        )
        ptr = self.memory.data_ptr(self.store)
        size = self.memory.data_len(self.store)
        buf = (ctypes.c_ubyte * size).from_address(ctypes.addressof(ptr.contents))
        # Retarget the RawMemory object the machine holds.  The view points into memory the
        # store owns: keep the store alive as long as the view.
        self.raw = raw
        raw.view = memoryview(buf).cast("B")
        raw.address = ctypes.addressof(buf)
        raw.keepalive = (self.store, self.memory)  # type: ignore[attr-defined]
        self.imports: list[wasmtime.Memory | wasmtime.Table] = [self.memory, self.table]
        entry = wasmtime.Instance(self.store, entry_module, [self.table])
        run = entry.exports(self.store)["run"]
        assert isinstance(run, wasmtime.Func)
        self.run = run
        self.instances = 1


class NativeHost:
    """Runs a machine (and the processes it forks: one `_Space` each) with wasmtime."""

    # wasmtime never frees an instance before its store: past this many, the host moves the
    # guest into a fresh store (copying only mapped pages) and the machine retranslates.
    MAX_INSTANCES = 8000
    COMPILED_CACHE = 2048

    def __init__(self, code_cache: bool = False) -> None:
        self.engine, self.entry_module = _engine(code_cache)
        self.raw = BufferMemory(bytearray(0))
        self.compile_seconds = 0.0  # Cranelift (or the code cache) on TB modules
        self.recycles = 0
        self.spaces: dict[int, _Space] = {0: _Space(self.engine, self.entry_module, self.raw)}
        # compiled modules by their bytes: a forked process instantiates its parent's modules
        # again in its own space without compiling them again
        self._compiled: dict[bytes, wasmtime.Module] = {}
        self.next_space = 1
        self.spaces_made = 1

    # the first process's space (what single-process tools drive directly)
    @property
    def store(self) -> wasmtime.Store:
        return self.spaces[0].store

    @property
    def memory(self) -> wasmtime.Memory:
        return self.spaces[0].memory

    @property
    def table(self) -> wasmtime.Table:
        return self.spaces[0].table

    @property
    def _run(self) -> wasmtime.Func:
        return self.spaces[0].run

    def _install_first(self, action: Action) -> None:
        self._install(self.spaces[0], action)

    # --- Spaces (machine.Spaces): memories for forked processes -------------------------------

    def new_space(self) -> tuple[int, BufferMemory]:
        sid = self.next_space
        self.next_space += 1
        self.spaces[sid] = _Space(self.engine, self.entry_module, BufferMemory(bytearray(0)))
        self.spaces_made += 1
        return sid, self.spaces[sid].raw

    def free_space(self, space: int) -> None:
        sp = self.spaces.pop(space, None)
        if sp is not None:
            sp.raw.view = memoryview(bytearray(0))
            sp.raw.keepalive = None  # type: ignore[attr-defined]

    def _recycle(self, sid: int, machine: Machine) -> Action:
        """Move a guest into a fresh store: host state and mapped guest pages are copied."""
        old_space = self.spaces[sid]
        old = old_space.raw.view
        keep = old_space.raw.keepalive  # type: ignore[attr-defined]
        sp = self.spaces[sid] = _Space(self.engine, self.entry_module, old_space.raw)
        new = sp.raw.view
        new[abi.CTX : abi.STATE_END] = old[abi.CTX : abi.STATE_END]
        pt_end = abi.PAGE_TABLE + abi.GUEST_PAGES
        new[abi.PAGE_TABLE : pt_end] = old[abi.PAGE_TABLE : pt_end]
        mapped = machine.aspace.mapped
        page = 0
        n = len(mapped)
        while page < n:
            page = mapped.find(1, page)
            if page < 0:
                break
            end = mapped.find(0, page)
            end = n if end < 0 else end
            a = abi.GUEST_BASE + (page << abi.PAGE_SHIFT)
            b = abi.GUEST_BASE + (end << abi.PAGE_SHIFT)
            new[a:b] = old[a:b]
            page = end
        del old, keep
        self.recycles += 1
        machine.flush_code()
        action = machine._guarded(lambda: machine._run(machine.cpu.get_pc()))
        action.space = sid
        return action

    def _install(self, sp: _Space, action: Action) -> None:
        size = sp.table.size(sp.store)
        if action.table_size > size:
            grow = max(action.table_size - size, _TABLE_CHUNK)
            sp.table.grow(sp.store, grow, None)
        for m in action.modules:
            if m is interpreter_module():
                # tier 0: compiled once per engine, instantiated again after a table reset
                module = _interp_module(self.engine)
            else:
                # (taken out and put back: the least recently used come first)
                cached = self._compiled.pop(m) if m in self._compiled else None
                if cached is None:
                    t0 = time.perf_counter()
                    cached = wasmtime.Module(self.engine, m)
                    self.compile_seconds += time.perf_counter() - t0
                module = cached
                self._compiled[m] = module
                if len(self._compiled) > self.COMPILED_CACHE:
                    del self._compiled[next(iter(self._compiled))]
            wasmtime.Instance(sp.store, module, sp.imports)
        sp.instances += len(action.modules)

    def run(self, machine: Machine, on_budget: Callable[[], bool] | None = None) -> Action:
        """Drive `machine` (and every process it forks) to its end; returns the final exit
        Action.  `on_budget` is called at every budget exit and may return False to stop."""
        machine.system.spaces = self
        action = machine.start()
        budget_reason = abi.ExitReason.BUDGET
        while action.kind in ("run", "idle"):
            if action.kind == "idle":
                action = machine.service(abi.ExitReason.IDLE)
                continue
            sp = self.spaces[action.space]
            if sp.instances + len(action.modules) > self.MAX_INSTANCES:
                action = self._recycle(action.space, machine.system.current)
                sp = self.spaces[action.space]
            self._install(sp, action)
            try:
                reason = sp.run(sp.store, action.tb)
            except wasmtime.Trap as e:
                first = str(e).splitlines()[0] if str(e) else "trap"
                return Action(
                    "exit",
                    status=abi.HostStatus.INTERNAL,
                    message=f"tbwasm: internal error: wasm {first}",
                )
            if reason == budget_reason and on_budget is not None and not on_budget():
                return Action("exit", status=abi.HostStatus.STOPPED, message=abi.STOPPED_MESSAGE)
            action = machine.service(reason)
        return action


def run_program(
    program: bytes,
    argv: list[str],
    env: list[str] | None = None,
    **machine_options: object,
) -> tuple[Action, Machine]:
    host = NativeHost()
    machine = Machine(
        host.raw,
        program,
        argv,
        env,
        stdin=machine_options.pop("stdin", sys.stdin.buffer),  # type: ignore[arg-type]
        stdout=machine_options.pop("stdout", sys.stdout.buffer),  # type: ignore[arg-type]
        stderr=machine_options.pop("stderr", sys.stderr.buffer),  # type: ignore[arg-type]
        **machine_options,  # type: ignore[arg-type]
    )
    return host.run(machine), machine
