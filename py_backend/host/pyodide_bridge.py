"""The Pyodide side of the browser and Node hosts: the only Python module that imports ``js``.

``web/runtime/runtime.mjs`` owns the WebAssembly engine (V8) and the dispatch loop; this module
adapts a ``WebAssembly.Memory`` and JavaScript I/O callbacks to what
:class:`py_backend.machine.Machine` expects, and turns its actions into JavaScript values.

Contract with ``web/runtime/runtime.mjs`` (both sides are in this repository and change together):

``create_machine(port, options)`` returns a :class:`Session`.  ``Session.start()`` and
``Session.service(reason)`` return either

- a JavaScript number ``n >= 0``: "run TB id ``n`` next, in the same space as the last one,
  nothing to compile" (the hot path: chaining misses, jump-cache misses and budget exits mostly
  end like this, and a number costs no allocation), or ``n < 0``: the same in another space,
  ``abi.encode_other_space_tb(space, tb)`` (abi.json's ``action.other_space``: a switch between
  processes, as often as a pipe fills), or
- a JavaScript object ``{kind, tb, modules, table_size, status, message, reset_table, space}``
  where ``kind`` is an ``abi.ActionKind`` that reaches hosts (abi.json's ``action.kinds``):
  ``"run"``, ``"exit"``, ``"idle"`` or ``"error"`` (the program could not be loaded:
  ``message`` is the one-line ``ElfError`` text), ``modules`` is an Array of ``Uint8Array`` and
  ``space`` the process memory (and table) they go into and the TB runs in (0: the run's first).

Processes: the runtime passes ``newSpace() -> {id, port}`` and ``freeSpace(id)`` to
``create_machine``; :class:`JsSpaces` makes them the machine's ``Spaces`` (fork asks for a fresh
memory, a process that ends gives it back).  The runtime keeps freed memories for later forks
and calls :func:`forget_memory` for one it lets go.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import JsProxy, to_js  # type: ignore[import-not-found]

from .. import abi
from ..linux.errors import ElfError
from ..memory import GuestDirtyMap, page_runs

try:  # Pyodide >= 0.28 turns JS null into this singleton rather than None
    from pyodide.ffi import jsnull as _jsnull  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    _jsnull = None


def _nullish(value: Any) -> bool:
    return value is None or value is _jsnull


__all__ = [
    "JsMemory",
    "JsNetBackend",
    "JsReader",
    "JsSpaces",
    "JsWriter",
    "Session",
    "check_import",
    "create_machine",
    "forget_memory",
    "home_changes",
    "home_commit",
    "home_export",
    "home_generation",
    "home_import",
    "home_open",
    "home_reset",
    "open_rootfs",
    "prepare_snapshot",
    "rootfs_read",
    "rootfs_write",
]


SCRATCH = 1 << 16  # bytes moved per call between guest memory and Python
IDLE_SLICE = 0.1  # s: a guest waiting for the terminal gives the JS event loop a turn this often


class JsMemory:
    """RawMemory over a ``WebAssembly.Memory``, through the memory port of web/runtime/runtime.mjs.

    Going through Pyodide's FFI the obvious way (``js.Uint8Array.new(memory.buffer, off, n)``)
    creates three or four JsProxies per access, several KiB of short-lived JavaScript objects
    each: ~68 MiB per run of bench.elf 100, enough for V8 to keep growing the worker's young
    generation (the browser soak saw the page's memory climb by ~60 MiB in steps).  The port
    instead copies between the guest memory and one Python-owned scratch buffer, which it sees as
    a view into the Pyodide heap; a call passes and returns plain numbers, so it creates no
    proxy at all.
    """

    def __init__(self, port: JsProxy) -> None:
        from pyodide.ffi import create_proxy  # type: ignore[import-not-found]

        self.port = port
        self.scratch = bytearray(SCRATCH)
        self._view = memoryview(self.scratch)  # slices of it copy once, into the bytes returned
        self._scratch_proxy = create_proxy(self.scratch)  # kept: the port holds a view of it
        port.bind(self._scratch_proxy)
        self._read = port.read  # (offset, n): guest -> scratch[0:n]
        self._write = port.write  # (offset, n): scratch[0:n] -> guest
        self._fill = port.fill  # (offset, n, value)
        self._copy_to = port.copyTo  # (other port, offset, n): guest -> the other's guest

    def copy_to(self, dst: object, offset: int, size: int) -> bool:
        """Copy [offset, offset + size) into the same place of ``dst`` (fork, linux.mm
        ``copy_memory``) inside JavaScript, when ``dst`` is a memory of the runtime too."""
        if not isinstance(dst, JsMemory):
            return False
        return bool(self._copy_to(dst.port, offset, size))

    def zero_pages(self, offset: int, size: int) -> None:
        """Zero a page-aligned range, writing only the pages that are not all zeros already."""
        self.port.zeroPages(offset, size)

    def close(self) -> None:
        """The runtime lets go of this memory: drop the proxy its port holds."""
        self.port.bind(None)
        self._scratch_proxy.destroy()

    def read(self, offset: int, size: int) -> bytes:
        if size <= 0:
            return b""
        if size <= SCRATCH:
            self._read(offset, size)
            return bytes(self._view[:size])
        out = bytearray()
        while size > 0:
            n = min(size, SCRATCH)
            self._read(offset, n)
            out += self._view[:n]
            offset += n
            size -= n
        return bytes(out)

    def write(self, offset: int, data: bytes | bytearray | memoryview) -> None:
        n = len(data)
        if n <= SCRATCH and type(data) in (bytes, bytearray):
            # the common case, most often a register or a word (8 bytes)
            if n:
                self._view[:n] = data
                self._write(offset, n)
            return
        view = memoryview(data).cast("B")
        pos = 0
        while pos < len(view):
            n = min(len(view) - pos, SCRATCH)
            self._view[:n] = view[pos : pos + n]
            self._write(offset + pos, n)
            pos += n

    def fill(self, offset: int, size: int, value: int = 0) -> None:
        if size > 0:
            self._fill(offset, size, value)


_MEMORIES: dict[int, JsMemory] = {}
_next_key = 1


def memory_for(port: JsProxy) -> JsMemory:
    """The one JsMemory of a memory port (one per ``WebAssembly.Memory``), so that a host running
    guest after guest on the same memory keeps its bookkeeping (which pages an earlier guest left
    data in, see linux.mm) and every guest starts from zeros."""
    global _next_key
    key: Any = getattr(port, "tbwasmKey", None)
    if _nullish(key) or int(key) not in _MEMORIES:
        key = _next_key
        _next_key += 1
        port.tbwasmKey = key
        _MEMORIES[key] = JsMemory(port)
    return _MEMORIES[int(key)]


def forget_memory(port: JsProxy) -> None:
    """The runtime drops this memory (a process memory it does not keep): forget its JsMemory,
    which would otherwise keep the ``WebAssembly.Memory`` alive."""
    key: Any = getattr(port, "tbwasmKey", None)
    if not _nullish(key):
        mem = _MEMORIES.pop(int(key), None)
        if mem is not None:
            mem.close()
        port.tbwasmKey = None


def _clean(mem: JsMemory) -> None:
    """Make a memory the runtime kept (an ended process's) as fresh as a new one, as
    ``Spaces.new_space`` promises (a forked machine skips zeroing its state, and a forked
    address space marks only its parent's pages dirty): zero the machine state, the page table
    and every guest page an earlier process left data in (linux.mm's ``guest_dirty``).  Only
    pages that are not zero already are written (JsMemory.fill and zero_pages scan first)."""
    if not isinstance(mem, GuestDirtyMap):
        return  # never used by a machine: a new WebAssembly.Memory
    dirty = mem.guest_dirty
    mem.fill(abi.CTX, abi.STATE_END - abi.CTX)
    mem.fill(abi.PAGE_TABLE, abi.GUEST_PAGES)
    for page, count in page_runs(dirty):
        mem.zero_pages(abi.GUEST_BASE + (page << abi.PAGE_SHIFT), count << abi.PAGE_SHIFT)
    dirty[:] = bytes(len(dirty))


class JsSpaces:
    """``system.Spaces`` over the runtime's process memories: ``new_space() -> {id, port}``
    (a fresh or a kept ``WebAssembly.Memory`` with an empty or reusable table) and
    ``free_space(id)``, both JavaScript functions of ``web/runtime/runtime.mjs``."""

    def __init__(self, new_space: Any, free_space: Any) -> None:
        self._new = new_space
        self._free = free_space

    def new_space(self) -> tuple[int, JsMemory]:
        got = self._new()
        mem = memory_for(got.port)
        sid = int(got.id)
        _clean(mem)
        return sid, mem

    def free_space(self, space: int) -> None:
        self._free(space)


class JsReader:
    """Reader over a JS function ``(n) -> Uint8Array | null``; null or an empty array is EOF.

    The function may block (``Atomics.wait`` in a worker, ``fs.readSync`` in Node).  With
    ``poll_fn`` (``(n, timeoutMs) -> Uint8Array | null | undefined``, undefined when nothing came
    in time; timeoutMs -1 = no limit) it is also the terminal's host input
    (linux/ttyfile.HostInput): a run on a terminal polls it while its processes wait.
    """

    def __init__(self, fn: Any, poll_fn: Any = None) -> None:
        self.fn = fn
        self.poll_fn = None if _nullish(poll_fn) else poll_fn

    def poll(self, timeout: float | None) -> bytes | None:
        if self.poll_fn is None:
            return self.read(4096)
        ms = -1 if timeout is None else max(0.0, timeout * 1000)
        chunk = self.poll_fn(4096, ms)
        if chunk is None:  # JS undefined: the time ran out
            return None
        if chunk is _jsnull:
            return b""
        if isinstance(chunk, str):
            return chunk.encode()
        return bytes(chunk.to_bytes())

    def read(self, n: int) -> bytes:
        if _nullish(self.fn) or n <= 0:
            return b""
        chunk = self.fn(n)
        if _nullish(chunk):
            return b""
        if isinstance(chunk, str):
            return chunk.encode()
        return bytes(chunk.to_bytes())[:n]


class JsWriter:
    """Writer over a JS function ``(Uint8Array) -> void``."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn

    def write(self, data: bytes) -> None:
        if not _nullish(self.fn) and data:
            self.fn(to_js(bytes(data)))


class JsNetBackend:
    """The guest's outside TCP connections (``linux/net.py``'s ``NetBackend``) over a
    ``WispNet`` of ``web/runtime/net.mjs``: streams of a Wisp relay's WebSocket, whose data arrives
    into JS buffers between slices and during the worker's idle waits.  Every call answers at
    once; ``wait`` does not block (the JS event loop must run for anything to arrive: a JS host
    with a network runs with ``asyncWaits``, and its idle wait wakes on the relay's events)."""

    def __init__(self, net: Any) -> None:
        self.net = net

    def connect(self, host: str, port: int) -> int:
        from ..linux import errors as E
        from ..linux.errors import SyscallError

        got = self.net.connect(str(host), int(port))
        if isinstance(got, str):  # an errno name at once: EMFILE, ENETUNREACH
            raise SyscallError(int(getattr(E, got, 101)))  # 101: ENETUNREACH
        return int(got)

    def state(self, h: int) -> str:
        return str(self.net.state(h))

    def recv(self, h: int, n: int) -> bytes:
        got = self.net.recv(h, n)
        return bytes(got.to_bytes()) if got.length else b""

    def send(self, h: int, data: bytes) -> int:
        from ..linux import errors as E
        from ..linux.errors import SyscallError

        n = int(self.net.send(h, to_js(bytes(data))))
        if n < 0:  # the stream ended (Wisp has no half-open streams)
            raise SyscallError(E.EPIPE)
        return n

    def writable(self, h: int) -> bool:
        return bool(self.net.writable(h))

    def shutdown_write(self, h: int) -> None:
        self.net.shutdownWrite(h)

    def close(self, h: int) -> None:
        self.net.close(h)

    def resolve(self, name: str) -> list[str] | None:
        return None  # the relay connects by name

    def wait(self, timeout: float) -> None:
        return None


def _js_action(action: Any) -> Any:
    mods = js.Array.new()
    for m in action.modules or ():
        mods.push(to_js(bytes(m)))
    obj = js.Object.new()
    obj.kind = str(action.kind)  # (an ActionKind is a str enum: its value)
    obj.tb = action.tb
    obj.modules = mods
    obj.table_size = action.table_size
    obj.status = None if action.status is None else int(action.status)  # an IntEnum is no JS number
    obj.message = action.message
    obj.reset_table = action.reset_table
    obj.timeout = getattr(action, "timeout", None)  # "idle": seconds to the earliest deadline
    obj.space = getattr(action, "space", 0)  # a machine without processes: 0
    return obj


def _js_error(message: str, status: int) -> Any:
    obj = js.Object.new()
    obj.kind = str(abi.ActionKind.ERROR)
    obj.tb = 0
    obj.modules = js.Array.new()
    obj.table_size = 0
    obj.status = status
    obj.message = message
    obj.space = 0
    return obj


class Session:
    """One guest run, driven by the JS loop."""

    def __init__(self, machine: Any = None, error: str | None = None, rootfs: Any = None) -> None:
        self.machine = machine
        self.error = error
        self.rootfs = rootfs  # its fetch counters join the statistics
        self.space = -1  # of the last "run" the JS loop was given
        self.host_objects: dict[str, Any] = {}  # (state.save: kept by name, not saved)

    def save_state(self) -> Any:
        """The whole running system as bytes (a Uint8Array; py_backend/state.py), or a one-line
        error.  Only between two host calls (the JS loop awaits there: a clean point)."""
        from py_backend.state import StateError, save

        if self.machine is None:
            return "tbwasm: STATE: nothing runs"
        try:
            return to_js(save(self.machine.system, self.host_objects))
        except StateError as e:
            return f"tbwasm: {e}"

    def _action(self, action: Any) -> Any:
        if action.kind == abi.ActionKind.RUN:
            space = getattr(action, "space", 0)
            if not action.modules and not action.reset_table:
                if space == self.space:
                    return action.tb
                self.space = space
                return abi.encode_other_space_tb(space, action.tb)
            self.space = space
        return _js_action(action)

    def resize(self, rows: int, cols: int) -> None:
        """The page's terminal changed size: the guest's terminal follows (SIGWINCH)."""
        term = getattr(self.machine, "system", None) and self.machine.system.terminal
        if term is not None:
            term.tty.resize(int(rows), int(cols))

    def start(self) -> Any:
        if self.machine is None:
            error = self.error or "tbwasm: cannot load the program"
            return _js_error(error, int(abi.HostStatus.USAGE))
        return self._action(self.machine.start())

    def service(self, reason: int) -> Any:
        return self._action(self.machine.service(reason))

    def stats(self) -> Any:
        if self.machine is None:
            return js.Object.new()
        # the first process as it is now (an execve replaces its Machine)
        system = getattr(self.machine, "system", None)
        machine = getattr(system, "init", None) or self.machine
        s = dict(machine.stats())
        if self.rootfs is not None:
            s.update(self.rootfs.stats())
        return to_js(s, dict_converter=js.Object.fromEntries)


def collect() -> None:
    """Called by the JS host after each run.  A finished machine is a cycle of Python objects
    (address space <-> machine callbacks) that also holds JS proxies; collecting it now keeps
    the Pyodide heap flat over many runs (measured: 36 MiB steady instead of +0.4 MiB a run)."""
    import gc

    gc.collect()


def check_abi(page_abi: str) -> str:
    """ "" if the host's web/abi.json (``page_abi``, JSON text) is this wheel's ABI, else a
    one-line reason: a page and a wheel of different versions (a stale copy of either) would
    disagree on the memory layout and exit codes."""
    import json

    try:
        theirs = json.loads(str(page_abi))
    except ValueError:
        return "its web/abi.json is not JSON"
    mine = abi.as_dict()
    if theirs == mine:
        return ""
    differ = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
    return f"its web/abi.json differs from the wheel's in {', '.join(differ)}"


def check_import(module: str = "py_backend.machine") -> str:
    """Import the machine module; return "" on success, else a one-line reason."""
    import importlib

    try:
        importlib.import_module(module)
    except Exception as e:  # any failure means the wheel is unusable: report it, don't crash
        return f"{type(e).__name__}: {e}"
    return ""


def _options(options: Any) -> dict[str, Any]:
    """A JS options object as a dict of its set keys (undefined and null left out).  Only the top
    level is converted: functions stay callable JsProxies, arrays and Uint8Arrays stay JsProxies
    (converted where they are used)."""
    if _nullish(options):
        return {}
    raw = options if isinstance(options, dict) else options.to_py(depth=1)
    return {str(k): v for k, v in raw.items() if not _nullish(v)}


def _machine_options(o: dict[str, Any]) -> dict[str, Any]:
    """The MachineOptions a JS options object sets, as Machine keywords (snake_case)."""
    from ..options import OPTION_TYPES

    out: dict[str, Any] = {}
    for js_name, (name, kind) in OPTION_TYPES.items():
        value = o.get(js_name)
        if value:
            out[name] = kind(value)
    return out


def _strings(value: Any) -> list[str]:
    """A JS array (or a Python sequence) of strings."""
    return [str(s) for s in (value.to_py() if hasattr(value, "to_py") else value)]


def create_machine(port: JsProxy, options: Any) -> Session:
    """Build a Machine over JS objects.

    ``port`` is the memory port of the runtime's ``WebAssembly.Memory`` (``memoryPort`` in
    ``web/runtime/runtime.mjs``); ``options`` is one JS object (a dict from Python) with the keys

    - ``program``: the ELF bytes (Uint8Array or bytes); ``argv``: array of strings; ``env``:
      array of ``NAME=value`` strings (absent: the machine's default environment);
    - ``stdin``, ``stdout``, ``stderr``: the callbacks of :class:`JsReader`/:class:`JsWriter`;
      ``stdinPoll`` as in :class:`JsReader` (with ``terminal``);
    - the machine's options (py_backend/options.py), by the ``js`` names of abi.json's
      ``options``: ``tier`` ("tiered", "interp" or "jit"), ``hotThreshold``, ``budget`` (guest
      instructions per slice), ``countTbs``, ``maxTbs``, ...; one given as 0, "" or false is
      left at its default (Pyodide's ``os.environ`` is not the host's, so a JS host reads
      TBWASM_TIER itself);
    - ``machineModule``: the module defining ``Machine`` (default ``py_backend.machine``; tests
      substitute a fake); ``name``: the program's name in the ELF error line (default argv[0]);
      (``countTbs``: the generated code counts TB entries, the "chain hits" statistic;
      ``maxTbs`` caps live TB ids: when they run out the machine flushes its code cache and
      tells the host to start a fresh table, ``reset_table``, so old instances can be
      collected);
    - ``sleep``: (seconds) -> true if cut short, how the guest sleeps (nanosleep, pause with a
      timer, ...): the worker's wakes up when Stop is pressed instead of blocking it;
    - ``trace``, ``strace``: (line) => void, given each TB translated / system call (the
      CLI's ``--trace`` and ``--strace``);
    - ``sysroot``: a directory of Pyodide's filesystem overlaid on the guest's absolute paths
      (``-L``: Node mounts the host's with NODEFS);
    - ``newSpace``/``freeSpace`` (see :class:`JsSpaces`): the guest may fork; without them fork
      and clone of a process answer ENOSYS;
    - ``mounts``: guest directory -> directory of Pyodide's filesystem (the Machine's
      ``host_dirs``, the CLI's ``--mount``);
    - ``rootfs``: a :class:`~py_backend.linux.rootfs.Rootfs` from :func:`open_rootfs`, the
      guest's /;
    - ``terminal`` ({rows, cols}): the run is on a terminal (see linux/ttyfile.py);
    - ``cwd``: the first process's working directory;
    - ``net``: a ``WispNet`` (``web/runtime/net.mjs``): the guest's TCP connections go through that
      Wisp relay (:class:`JsNetBackend`, the Machine's ``net`` backend); absent: no network;
    - ``asyncWaits``: the host never blocks (a worker running several machines): guest waits
      come back as "idle" actions with a ``timeout`` (``System.async_waits``);
    - ``state``: bytes of `Session.save_state` (py_backend/state.py): the run continues that
      saved system instead of starting ``program`` (a bad state: ``kind: "error"``, one line).

    A program the ELF loader rejects gives a Session whose ``start()`` returns ``kind: "error"``,
    status ``HostStatus.USAGE`` and the one-line message ``tbwasm: NAME: reason`` (as the native
    CLI prints it) instead of raising, so the page can show it and keep working.
    """
    import importlib

    o = _options(options)
    mod = importlib.import_module(str(o.get("machineModule", "py_backend.machine")))
    program = o.get("program", b"")
    data = program.to_bytes() if hasattr(program, "to_bytes") else bytes(program)
    args = _strings(o.get("argv", ()))
    envs = _strings(o["env"]) if "env" in o else None
    extra = _machine_options(o)
    extra.setdefault("budget", abi.DEFAULT_BUDGET)
    if "sleep" in o:
        sleep = o["sleep"]
        extra["sleep"] = lambda seconds: bool(sleep(float(seconds)))
    if "sysroot" in o:
        extra["sysroot"] = str(o["sysroot"])
    for log in ("trace", "strace"):  # the CLI's --trace and --strace: (line) => void
        if log in o:
            extra[log] = _line_writer(o[log])
    if "mounts" in o:
        dirs = o["mounts"].to_py() if hasattr(o["mounts"], "to_py") else o["mounts"]
        extra["host_dirs"] = {str(k): str(v) for k, v in dict(dirs).items()}
    if "rootfs" in o:
        extra["rootfs"] = o["rootfs"]
    if "terminal" in o:
        size = o["terminal"].to_py() if hasattr(o["terminal"], "to_py") else o["terminal"]
        extra["terminal"] = (int(size.get("rows", 24)), int(size.get("cols", 80)))
    if o.get("cwd"):
        extra["cwd"] = str(o["cwd"])
    stdin = JsReader(o.get("stdin"), o.get("stdinPoll"))
    stdout, stderr = JsWriter(o.get("stdout")), JsWriter(o.get("stderr"))
    spaces = (
        JsSpaces(o["newSpace"], o["freeSpace"]) if "newSpace" in o and "freeSpace" in o else None
    )
    rootfs = extra.get("rootfs")
    # what a saved state names instead of saving it (state.py): this run's host objects
    host_objects = {
        "stdin": stdin, "stdout": stdout, "stderr": stderr, "sleep": extra.get("sleep"),
        "rootfs_fetch": getattr(rootfs, "fetch", None),
    }  # fmt: skip
    if "state" in o:
        return _restore(port, o, host_objects, spaces)
    try:
        machine = mod.Machine(
            memory_for(port),
            data,
            args,
            envs,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            **extra,
        )
    except ElfError as e:
        # Same line and status as `python -m py_backend.cli run` (HostStatus.USAGE).
        prog = str(o.get("name") or (args[0] if args else "program"))
        if hasattr(e, "for_program"):  # NeedsSysroot: "PROG is dynamically linked ...: use -L"
            return Session(error=f"tbwasm: {e.for_program(prog)}")
        text = str(e).strip().splitlines()[0] if str(e).strip() else "not a valid ELF file"
        return Session(error=f"tbwasm: {prog}: {text}")
    if hasattr(machine, "system"):
        error = _host_options(machine.system, o, "terminal" in extra, spaces)
        if error is not None:
            return Session(error=error)
    session = Session(machine, rootfs=rootfs)
    session.host_objects = host_objects
    return session


def _line_writer(fn: Any) -> Callable[[str], None]:
    """A Machine's ``trace``/``strace`` log: each line to the JS function ``fn``."""
    return lambda line: fn(str(line))


def _host_options(
    system: Any, o: dict[str, Any], terminal: bool, spaces: JsSpaces | None
) -> str | None:
    """The host's settings of a new or restored system; a one-line error, or None."""
    if terminal:
        # a JS host must get control back while the guest waits for keystrokes (page events)
        system.idle_slice = IDLE_SLICE
    if o.get("asyncWaits"):
        # the host runs several machines in one thread: nothing may block it (idle Actions)
        system.async_waits = True
        system.idle_slice = IDLE_SLICE
    if spaces is not None:
        system.spaces = spaces
    if "net" in o:
        stack = getattr(getattr(system.init, "linux", None), "net", None)
        if stack is None:  # a Machine without guest sockets (linux/net.py)
            return "tbwasm: this build has no guest networking (--net)"
        from ..netpolicy import NetPolicy

        # (again after a restore: a saved stack keeps no backend)
        stack.backend = JsNetBackend(o["net"])
        # The relay applies the policy (it alone knows serve.py's --net-allow): the guest's
        # side lets every address through to it, and a refusal there is ECONNREFUSED as well.
        stack.policy = NetPolicy.from_specs(["0.0.0.0/0", "::/0"])
    return None


def _restore(
    port: JsProxy, o: dict[str, Any], host_objects: dict[str, Any], spaces: Any
) -> Session:
    """A Session continuing a saved system (``state``: its bytes, from `Session.save_state`)."""
    from py_backend.state import StateError, restore

    raw = o["state"]
    data = raw.to_bytes() if hasattr(raw, "to_bytes") else bytes(raw)
    try:
        system = restore(data, (0, memory_for(port)), spaces, host_objects)
    except StateError as e:
        return Session(error=f"tbwasm: {e}")
    term = system.terminal
    error = _host_options(system, o, term is not None, spaces)
    if error is not None:
        return Session(error=error)
    if term is not None and "terminal" in o:
        size = o["terminal"].to_py() if hasattr(o["terminal"], "to_py") else o["terminal"]
        term.tty.resize(int(size.get("rows", 24)), int(size.get("cols", 80)))
    # the restored tree is the guest's / from now on (the page's uploads and downloads too)
    root = system.init.linux.vfs.root
    session = Session(system.init, rootfs=getattr(root, "_rootfs", None))
    session.host_objects = host_objects
    return session


# --- the root filesystem (py_backend/linux/rootfs.py) ------------------------------------------


def open_rootfs(index: Any = None, fetch: Any = None) -> Any:
    """A Rootfs for the JS host to keep and pass to every run (``create_machine``'s ``rootfs``).

    ``index``: the image's index as JSON text, or null for an empty root (a page filesystem for
    uploads); ``fetch``: a JS function ``(path) -> Uint8Array`` that may block (a synchronous
    XMLHttpRequest in the worker, ``fs.readFileSync`` in Node) and throws or returns null when
    the file cannot be had (the guest's read then fails with EIO).  A malformed index raises
    RootfsError (its message is one line)."""
    from py_backend.linux.rootfs import Rootfs

    fn = None
    if not _nullish(fetch):

        def fn(path: str) -> bytes:
            data = fetch(path)
            if _nullish(data):
                raise OSError(f"cannot fetch {path}")
            return bytes(data.to_bytes()) if hasattr(data, "to_bytes") else bytes(data)

    return Rootfs(None if _nullish(index) else str(index), fn)


def rootfs_write(rootfs: Any, path: Any, data: Any, mode: Any = None) -> str:
    """Put a file into the guest's filesystem (an upload); "" or a one-line error."""
    from py_backend.linux.errors import SyscallError
    from py_backend.linux.rootfs import strerror

    raw = data.to_bytes() if hasattr(data, "to_bytes") else bytes(data)
    try:
        rootfs.write_file(str(path), raw, 0o644 if _nullish(mode) else int(mode) & 0o7777)
    except SyscallError as e:
        return f"tbwasm: cannot write {path}: {strerror(e.errno)}"
    return ""


def rootfs_read(rootfs: Any, path: Any) -> Any:
    """The bytes (Uint8Array) of a regular file of the guest's filesystem (a download), or a
    one-line error string."""
    from py_backend.linux.errors import SyscallError
    from py_backend.linux.rootfs import strerror

    try:
        return to_js(rootfs.read_file(str(path)))
    except SyscallError as e:
        return f"tbwasm: cannot read {path}: {strerror(e.errno)}"


# --- the kept files (py_backend/linux/homestore.py; web/runtime/store.mjs) ---------------------


def home_open(rootfs: Any, records: Any = None) -> Any:
    """A HomeStore over the rootfs's tree, with the store's records (a JS array of plain
    objects, see ``homestore.dict_of``) applied.  A malformed store raises HomeStoreError (one
    line) before anything changes."""
    from py_backend.linux import homestore

    items = [] if _nullish(records) else records.to_py()
    image_node = getattr(rootfs, "image_node", None)
    store = homestore.HomeStore(rootfs.root, image_node=image_node)
    store.apply(homestore.records_of(_plain(it) for it in items))
    return store


def _plain(item: Any) -> dict:
    d = dict(item) if isinstance(item, dict) else {}
    data = d.get("data")
    if data is not None and not isinstance(data, bytes | bytearray):
        d["data"] = data.to_bytes() if hasattr(data, "to_bytes") else bytes(data)
    return d


def home_generation() -> int:
    """The tree's change counter (``vfs.generation``): cheap enough for a timer."""
    from py_backend.linux.vfs import generation

    return generation()


def home_changes(store: Any) -> Any:
    """null when nothing changed since the last commit, else a JS object ``{puts: [record],
    deletes: [path], bytes, token}``; pass ``token`` to :func:`home_commit` once the store
    holds them."""
    from py_backend.linux import homestore

    if not store.dirty:
        return None
    ch = store.changes()
    if not ch:
        store.commit(ch)
        return None
    store.pending = ch
    out = {
        "puts": [homestore.dict_of(r) for r in ch.puts],
        "deletes": list(ch.deletes),
        "bytes": ch.bytes,
        "token": ch.generation,
    }
    return to_js(out, dict_converter=js.Object.fromEntries)


def home_commit(store: Any, token: Any) -> None:
    ch = store.pending
    if ch is not None and ch.generation == int(token):
        store.commit(ch)
        store.pending = None


def home_reset(store: Any) -> None:
    """The kept directories as the image has them (the host empties its store)."""
    store.reset()
    store.pending = None


def home_export(rootfs: Any, path: Any) -> Any:
    """The directory ``path`` as .tar.gz bytes (Uint8Array), or a one-line error string."""
    from py_backend.linux import homestore

    try:
        return to_js(homestore.export_tar(rootfs.root, str(path)))
    except homestore.HomeStoreError as e:
        return f"tbwasm: export: {e}"


def home_import(rootfs: Any, path: Any, data: Any) -> str:
    """Extract .tar.gz bytes into the directory ``path``: "" or a one-line error (then nothing
    was changed)."""
    from py_backend.linux import homestore

    raw = data.to_bytes() if hasattr(data, "to_bytes") else bytes(data)
    try:
        homestore.import_tar(rootfs.root, str(path), raw)
    except homestore.HomeStoreError as e:
        return f"tbwasm: import: {e}"
    return ""


# --- the memory snapshot (web/build/snapshot.mjs) ---------------------------------------------


class _SparseMemory:
    """RawMemory of 64 KiB pages made on first write: enough for a machine to load a program
    without the 1 GiB guest memory (which only a JS host has)."""

    def __init__(self) -> None:
        self.pages: dict[int, bytearray] = {}

    def read(self, offset: int, size: int) -> bytes:
        out = bytearray()
        while size > 0:
            page, at = offset >> 16, offset & 0xFFFF
            n = min(size, 0x10000 - at)
            data = self.pages.get(page)
            out += data[at : at + n] if data is not None else bytes(n)
            offset += n
            size -= n
        return bytes(out)

    def write(self, offset: int, data: bytes | bytearray | memoryview) -> None:
        view = memoryview(data).cast("B")
        pos = 0
        while pos < len(view):
            page, at = offset >> 16, offset & 0xFFFF
            n = min(len(view) - pos, 0x10000 - at)
            self.pages.setdefault(page, bytearray(0x10000))[at : at + n] = view[pos : pos + n]
            offset += n
            pos += n

    def fill(self, offset: int, size: int, value: int = 0) -> None:
        while size > 0:
            page, at = offset >> 16, offset & 0xFFFF
            n = min(size, 0x10000 - at)
            if value or page in self.pages:
                self.pages.setdefault(page, bytearray(0x10000))[at : at + n] = bytes([value]) * n
            offset += n
            size -= n


class _NoIO:
    def read(self, n: int) -> bytes:
        return b""

    def write(self, data: bytes) -> None:
        pass


def prepare_snapshot(program: Any = None) -> str:
    """Bring this Python to the state web/build/snapshot.mjs saves; returns what it skipped.

    A snapshot holds the heap, not the filesystem, so every module a host may import later is
    imported now (all of py_backend but the native host, and pyelftools).  The tier-0
    interpreter is built (it is cached per process), and if ``program`` (ELF bytes) is given a
    machine loads and starts it on a scratch memory, so that first-use work (decode tables, enum
    caches, ...) is not done again by every page.  Then ``gc.freeze()``: the objects so far live
    as long as the process, and the collection after each run (:func:`collect`) skips them.
    """
    import gc
    import importlib
    import pkgutil

    import py_backend
    from py_backend.isa.decode import prepare as prepare_decoder
    from py_backend.translate.tier0 import interpreter_module

    skipped = []
    for info in pkgutil.walk_packages(py_backend.__path__, "py_backend."):
        if info.name == "py_backend.cli" or info.name.startswith(
            ("py_backend.host.native", "py_backend.testing")
        ):
            continue  # the native host (wasmtime), its command line, the pytest plugin
        try:
            importlib.import_module(info.name)
        except ImportError as e:  # native-only modules
            skipped.append(f"{info.name} ({e})")
    for name in ("elftools.elf.elffile", "elftools.elf.constants", "elftools.elf.sections"):
        importlib.import_module(name)
    problem = check_import("py_backend.machine")
    if problem:
        raise RuntimeError(f"py_backend.machine does not import: {problem}")
    interpreter_module()
    prepare_decoder()  # (built on the first decode otherwise: the first compile in every page)
    if not _nullish(program) and program is not None:
        data = program.to_bytes() if hasattr(program, "to_bytes") else bytes(program)
        machine_module = importlib.import_module("py_backend.machine")
        try:
            machine = machine_module.Machine(
                _SparseMemory(),
                data,
                ["/program"],
                None,
                stdin=_NoIO(),
                stdout=_NoIO(),
                stderr=_NoIO(),
            )
            machine.start()
            del machine
        except Exception as e:  # a warm-up only: the snapshot is good without it
            skipped.append(f"warm-up ({type(e).__name__}: {e})")
    gc.collect()
    gc.freeze()
    return "; ".join(skipped)
