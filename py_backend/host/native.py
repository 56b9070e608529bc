"""The native host: runs TB modules with wasmtime, from Python.

A host call costs microseconds and Cranelift ~0.6 ms per tiny module (`--stats`: engine
compile), so TBs chain inside Wasm by tail calls and the machine batches several TBs into one
module; this loop only sees exits, and makes each one through `_EntryCall` (wasmtime's C API
with buffers made once: wasmtime-py's ``Func.__call__`` looks up the function's type and
converts every value on each call, ~55 us against ~5 us, which was most of a system call's
cost)."""

from __future__ import annotations

import ctypes
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import wasmtime

from .. import abi
from ..abi import ActionKind
from ..exits import Action
from ..machine import Machine
from ..memory import BufferMemory, page_runs
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
    probe = mb.function(run_type)  # x + 1: checks _EntryCall's direct calls
    probe.local_get(0)
    probe.i32_const(1)
    probe.i32_add()
    mb.export_func("probe", probe.index)
    return mb.to_bytes()


# The code cache's settings. wasmtime keeps every module in one directory, and its cache worker
# thread lists that directory on each cache event and on each cleanup: a directory of 10^5..10^6
# files (wasmtime's defaults: 65536 files, 5 GiB, cleaned hourly) cost whole CPU seconds
# while the guest waited. Ours stays small and is cleaned often (least recently used first),
# and modules are not recompressed in the background (zstd level 20 on frequently used ones).
CACHE_SETTINGS = {
    "cleanup-interval": "10m",
    "file-count-soft-limit": "8K",
    "files-total-size-soft-limit": "512Mi",
    "optimized-compression-usage-counter-threshold": "1P",
}


def _cache_config() -> Path | None:
    """tbwasm's wasmtime cache configuration file (written when missing or different), for its
    own cache directory: $XDG_CACHE_HOME/tbwasm (default ~/.cache/tbwasm). None when it cannot
    be written: no code cache then."""
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tbwasm"
    lines = ["[cache]", f"directory = {json.dumps(str(home / 'wasmtime'))}"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in CACHE_SETTINGS.items()]
    text = "\n".join(lines) + "\n"
    path = home / "wasmtime-cache.toml"
    try:
        if not path.exists() or path.read_text() != text:
            home.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}")
            tmp.write_text(text)
            tmp.replace(path)
    except OSError:
        return None
    return path


_ENGINES: dict[bool, tuple[wasmtime.Engine, wasmtime.Module]] = {}
_INTERP: dict[int, wasmtime.Module] = {}


def _engine(code_cache: bool) -> tuple[wasmtime.Engine, wasmtime.Module]:
    """One engine per configuration and process (hosts share compiled modules through it)."""
    if code_cache not in _ENGINES:
        cfg = wasmtime.Config()
        if code_cache:
            # wasmtime's own on-disk cache of compiled modules, keyed by the module bytes: a
            # program run again skips Cranelift for every TB it translated before.
            conf = _cache_config()
            if conf is not None:
                cfg.cache = str(conf)
        cfg.wasm_tail_call = True
        cfg.cranelift_opt_level = "speed"
        cfg.parallel_compilation = False
        if os.environ.get("TBWASM_PERFMAP"):
            # /tmp/perf-PID.map names the JIT code for `perf report` (docs/benchmarks.md)
            cfg.profiler = os.environ["TBWASM_PERFMAP"]
        engine = wasmtime.Engine(cfg)
        _ENGINES[code_cache] = (engine, wasmtime.Module(engine, _entry_module()))
    return _ENGINES[code_cache]


def _interp_module(engine: wasmtime.Engine) -> wasmtime.Module:
    m = _INTERP.get(id(engine))
    if m is None:
        m = _INTERP[id(engine)] = wasmtime.Module(engine, interpreter_module())
    return m


class _EntryCall:
    """``f(i32) -> i32`` of a space's entry module (``run``), called as one C function with
    argument and result buffers made once.  That uses wasmtime-py's ctypes bindings
    (``wasmtime._ffi``), which are not public API: they are checked on the entry's ``probe``
    export first, and where they are not as expected the Func is called the public way."""

    def __init__(self, store: wasmtime.Store, func: wasmtime.Func, probe: wasmtime.Func) -> None:
        self.store, self.func = store, func
        self.call: Callable[[int], int] = self._public
        try:
            self._bind(store, probe)
            direct = all(self._direct(v) == v + 1 for v in (0, 41, -2, (1 << 31) - 2))
        except (ImportError, AttributeError, TypeError, ctypes.ArgumentError, wasmtime.Trap):
            direct = False
        if direct:
            self._target = ctypes.byref(func._func)  # type: ignore[attr-defined]
            self.call = self._direct

    def _public(self, arg: int) -> int:
        return int(self.func(self.store, arg))

    def _bind(self, store: wasmtime.Store, probe: wasmtime.Func) -> None:
        from wasmtime import _ffi as ffi  # type: ignore[attr-defined]

        self._c_call = ffi.wasmtime_func_call
        self._ctx = store._context()  # type: ignore[attr-defined]
        self._params = (ffi.wasmtime_val_t * 1)()
        self._params[0].kind = ffi.WASMTIME_I32
        self._results = (ffi.wasmtime_val_t * 1)()
        self._trap = ctypes.POINTER(ffi.wasm_trap_t)()
        self._error = wasmtime.WasmtimeError._from_ptr  # type: ignore[attr-defined]
        self._trap_of = wasmtime.Trap._from_ptr  # type: ignore[attr-defined]
        self._target = ctypes.byref(probe._func)  # type: ignore[attr-defined]

    def _direct(self, arg: int) -> int:
        self._params[0].of.i32 = arg
        trap = self._trap
        error = self._c_call(
            self._ctx, self._target, self._params, 1, self._results, 1, ctypes.byref(trap)
        )
        if error:
            raise self._error(error)
        if trap:
            self._trap = type(trap)()  # the Trap owns that one; a null pointer for the next call
            raise self._trap_of(trap)
        return int(self._results[0].of.i32)


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
        exports = entry.exports(self.store)
        run, probe = exports["run"], exports["probe"]
        assert isinstance(run, wasmtime.Func) and isinstance(probe, wasmtime.Func)
        self.run = run
        self.call = _EntryCall(self.store, run, probe).call  # run(tb), the fast way
        self.table_size = _TABLE_CHUNK
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
        # set (by a guest sleep the host cut short, say) to have run() ask on_budget at the next
        # exit rather than at the next budget exit
        self.check_soon = False
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

    # --- Spaces (system.Spaces): memories for forked processes -------------------------------

    def new_space(self) -> tuple[int, BufferMemory]:
        sid = self.next_space
        self.next_space += 1
        self.spaces[sid] = _Space(self.engine, self.entry_module, BufferMemory(bytearray(0)))
        self.spaces_made += 1
        return sid, self.spaces[sid].raw

    def free_space(self, space: int) -> None:
        gone = self.spaces.pop(space, None)
        if gone is not None:
            gone.raw.view = memoryview(bytearray(0))
            gone.raw.keepalive = None  # type: ignore[attr-defined]

    def _recycle(self, sid: int, machine: Machine) -> Action:
        """Move a guest into a fresh store: host state and mapped guest pages are copied."""
        old_space = self.spaces[sid]
        old = old_space.raw.view
        keep = old_space.raw.keepalive  # type: ignore[attr-defined]
        space = self.spaces[sid] = _Space(self.engine, self.entry_module, old_space.raw)
        new = space.raw.view
        new[abi.CTX : abi.STATE_END] = old[abi.CTX : abi.STATE_END]
        pt_end = abi.PAGE_TABLE + abi.GUEST_PAGES
        new[abi.PAGE_TABLE : pt_end] = old[abi.PAGE_TABLE : pt_end]
        for page, count in page_runs(machine.aspace.mapped):
            a = abi.GUEST_BASE + (page << abi.PAGE_SHIFT)
            b = a + (count << abi.PAGE_SHIFT)
            new[a:b] = old[a:b]
        del old, keep
        self.recycles += 1
        action = machine.restart()
        action.space = sid
        return action

    def _install(self, space: _Space, action: Action) -> None:
        if action.table_size > space.table_size:
            grow = max(action.table_size - space.table_size, _TABLE_CHUNK)
            space.table.grow(space.store, grow, None)
            space.table_size += grow
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
            wasmtime.Instance(space.store, module, space.imports)
        space.instances += len(action.modules)

    def run(self, machine: Machine, on_budget: Callable[[], bool] | None = None) -> Action:
        """Drive `machine` (and every process it forks) to its end; returns the final exit
        Action.  `on_budget` is called at every budget exit (and every 64th other exit, so a
        guest making system calls all the time sees it too, and the first exit after
        ``check_soon`` is set) and may return False to stop.
        It runs before the exit is serviced: a clean point (state.save)."""
        machine.system.spaces = self
        self.check_soon = False
        action = machine.start()
        budget_reason = abi.ExitReason.BUDGET
        exits = 0
        while action.kind in (ActionKind.RUN, ActionKind.IDLE):
            if action.kind == ActionKind.IDLE:
                if on_budget is not None and not on_budget():  # (a clean point too)
                    return Action(
                        ActionKind.EXIT, status=abi.HostStatus.STOPPED, message=abi.STOPPED_MESSAGE
                    )
                # (a system with async_waits: wait for the earliest deadline here, in slices)
                if action.timeout:
                    time.sleep(min(action.timeout, 0.05))
                if on_budget is not None and not on_budget():  # (--timeout during a wait)
                    return Action(
                        ActionKind.EXIT, status=abi.HostStatus.STOPPED, message=abi.STOPPED_MESSAGE
                    )
                action = machine.service(abi.ExitReason.IDLE)
                continue
            space = self.spaces[action.space]
            if space.instances + len(action.modules) > self.MAX_INSTANCES:
                action = self._recycle(action.space, machine.system.current)
                space = self.spaces[action.space]
            self._install(space, action)
            try:
                reason = space.call(action.tb)
            except wasmtime.Trap as e:
                # the cause ("wasm trap: integer divide by zero") is the last line of its text
                lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
                cause = lines[-1] if lines else "wasm trap"
                return Action(
                    ActionKind.EXIT,
                    status=abi.HostStatus.INTERNAL,
                    message=f"tbwasm: internal error: {cause}",
                )
            exits += 1
            if (
                on_budget is not None
                and (reason == budget_reason or not exits & 63 or self.check_soon)
                and not on_budget()
            ):
                return Action(
                    ActionKind.EXIT, status=abi.HostStatus.STOPPED, message=abi.STOPPED_MESSAGE
                )
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
