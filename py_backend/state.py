"""Save and restore a whole running system (every process of a run) at a clean point.

A clean point is where the host is serviced: between two Wasm calls of the host loop (a budget
exit, an idle action).  What is kept: for every process its guest memory (the mapped pages
only, found in the address space's ``mapped`` map), the WasmContext and CPU state, and the
Python objects of the Linux layer: threads, signals and timers, descriptors with their files
and pipes (buffered data included), the terminal (termios, line buffer, size), the working
directory and the writable in-memory filesystem (a root filesystem image's tree: files the
guests fetched but never changed are left out and fetched again on use).  What is not kept:
translated code.  TB caches, link slots, the jump cache and tier 0's hot counters start empty
after a restore and no page carries the CODE flag: code is retranslated on demand.

Encoding: a restricted pickle.  Functions (the lambdas and closures the Linux layer keeps as
callbacks) are saved as a reference to their code object inside ``py_backend`` plus their
closure's values; bound methods as (object, name); a few clock functions of ``time`` by name.
The unpickler only finds classes of ``py_backend`` and a short list of builtin containers, and
this module's rebuilders -- never an arbitrary global.  Host objects (memories, the host's
stdin/stdout, the page's fetcher) are *external*: saved by a name the host gives, reattached
from what the restoring host passes.

Container: ``MAGIC``, the format version, the length of the build tag, the build tag (tbwasm
version + a digest of py_backend's sources: the pickled code references are only valid for the
same code), the sha256 of the payload, the payload's length, then the payload: zlib-compressed.
Anything else -- another file, a truncated or corrupt one, another version or build -- raises
`StateError` with one line (``STATE: ...``); nothing is half restored.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import socket
import struct
import sys
import time
import types
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from . import __version__, abi
from .memory import GuestDirtyMap, page_runs
from .tbcache import CODE_FIELDS

if TYPE_CHECKING:
    from .machine import Machine
    from .memory import RawMemory
    from .system import Spaces, System
    from .tbcache import TbCache

MAGIC = b"TBWSTATE"
# 2: linux classes renamed (LoadedProgram, ProcessEntry); 3: the TB cache is its own object
# (tbcache.TbCache), System in system.py; 4: the CPU state holds the vector registers
FORMAT_VERSION = 4
_HEAD = struct.Struct("<8sII")  # magic, format version, build tag length
_TAIL = struct.Struct("<32sQ")  # sha256 of the payload, payload length
_CTX_SPAN = abi.CPU + abi.CPU_SIZE - abi.CTX  # WasmContext and CPU state, saved as they are
_MAX_TAG = 256
_DEPTH = 20000  # pickle recursion: the object graph is deep (a directory tree, closures)


class StateError(Exception):
    """A state that cannot be saved or restored; str() is one line starting with ``STATE:``."""

    def __init__(self, msg: str) -> None:
        super().__init__(f"STATE: {msg}")


# --- the build tag ---------------------------------------------------------------------------

_build_tag: str | None = None


def build_tag() -> str:
    """tbwasm's version and a digest of py_backend's Python sources (and abi.json's values):
    a state is only restored by the build that saved it."""
    global _build_tag
    if _build_tag is None:
        h = hashlib.sha256()
        root = Path(__file__).resolve().parent
        for p in sorted(root.rglob("*.py")):
            h.update(str(p.relative_to(root)).encode() + b"\0")
            h.update(p.read_bytes())
        h.update(repr(sorted(abi.as_dict().items())).encode())
        _build_tag = f"tbwasm {__version__} {h.hexdigest()[:16]}"
    return _build_tag


# --- functions and methods ------------------------------------------------------------------

_codes: dict[tuple[str, str, int], types.CodeType] | None = None


def _code_index() -> dict[tuple[str, str, int], types.CodeType]:
    """Every code object of the loaded py_backend modules by (module, qualname, first line):
    the live ones (nested functions' code is a constant of the enclosing code)."""
    global _codes
    if _codes is None:
        import sys

        found: dict[tuple[str, str, int], types.CodeType] = {}
        seen: set[int] = set()

        def walk_code(mod: str, code: types.CodeType) -> None:
            found.setdefault((mod, code.co_qualname, code.co_firstlineno), code)
            for c in code.co_consts:
                if isinstance(c, types.CodeType):
                    walk_code(mod, c)

        def walk(mod: str, obj: object) -> None:
            if id(obj) in seen:
                return
            seen.add(id(obj))
            if isinstance(obj, staticmethod | classmethod):
                obj = obj.__func__
            if isinstance(obj, property):
                for f in (obj.fget, obj.fset, obj.fdel):
                    if f is not None:
                        walk(mod, f)
                return
            if isinstance(obj, types.FunctionType):
                code = getattr(obj, "__wrapped__", obj).__code__
                if obj.__module__ == mod:
                    walk_code(mod, code)
                return
            if isinstance(obj, type) and obj.__module__ == mod:
                for v in list(vars(obj).values()):
                    walk(mod, v)

        for name, module in list(sys.modules.items()):
            if module is None or not (name == "py_backend" or name.startswith("py_backend.")):
                continue
            for v in list(vars(module).values()):
                walk(name, v)
        _codes = found
    return _codes


def _function_key(fn: types.FunctionType) -> tuple[str, str, int]:
    return (fn.__module__, fn.__code__.co_qualname, fn.__code__.co_firstlineno)


def _function(module: str, qualname: str, line: int, ncells: int) -> types.FunctionType:
    """Rebuild a py_backend function (its closure cells are filled by `_set_function`)."""
    import importlib

    if not (module == "py_backend" or module.startswith("py_backend.")):
        raise pickle.UnpicklingError(f"function of {module!r}")
    try:
        mod = importlib.import_module(module)  # (a module the saving process had imported)
    except ImportError:
        raise pickle.UnpicklingError(f"no module {module}") from None
    live = _live_code(module, qualname, line)
    if live is None or len(live.co_freevars) != ncells:
        raise pickle.UnpicklingError(f"no function {module}.{qualname}")
    cells = tuple(types.CellType() for _ in range(ncells)) or None
    return types.FunctionType(live, mod.__dict__, qualname.rsplit(".", 1)[-1], None, cells)


_live: dict[tuple[str, str, int], types.CodeType] = {}


def _live_code(module: str, qualname: str, line: int) -> types.CodeType | None:
    """The code object the running interpreter uses for that function: found through a
    module-level object when possible (so identity checks on code keep working), else a fresh
    compile of the module's source (same code, another object)."""
    global _codes
    key = (module, qualname, line)
    code = _live.get(key)
    if code is None:
        code = _code_index().get(key)
        if code is None:  # (the module may have been imported since the index was made)
            _codes = None
            code = _code_index().get(key)
        if code is not None:
            _live[key] = code
    return code


def _set_function(fn: types.FunctionType, state: tuple[Any, ...]) -> None:
    cells, defaults, kwdefaults = state
    for cell, value in zip(fn.__closure__ or (), cells, strict=True):
        if value is not _EMPTY:
            cell.cell_contents = value
    fn.__defaults__ = defaults
    fn.__kwdefaults__ = kwdefaults


class _Empty:
    """An empty closure cell."""

    def __reduce__(self) -> str:
        return "_EMPTY"


_EMPTY = _Empty()


def _method(obj: object, name: str) -> object:
    if name.startswith("__") or not name.isidentifier():
        raise pickle.UnpicklingError(f"method {name!r}")
    return getattr(obj, name)


_CLOCKS: dict[str, Callable[..., Any]] = {
    "monotonic": time.monotonic,
    "monotonic_ns": time.monotonic_ns,
    "perf_counter": time.perf_counter,
    "perf_counter_ns": time.perf_counter_ns,
    "process_time_ns": time.process_time_ns,
    "time": time.time,
    "time_ns": time.time_ns,
    "sleep": time.sleep,
}


def _clock(name: str) -> Callable[..., Any]:
    try:
        return _CLOCKS[name]
    except KeyError:
        raise pickle.UnpicklingError(f"function time.{name}") from None


def _closed_socket() -> socket.socket:
    s = socket.socket()
    s.close()
    return s


def _blank(cls: type) -> object:
    return object.__new__(cls)


def _lazy_file(state: dict[str, Any]) -> object:
    from .linux.rootfs import LazyFile

    f = object.__new__(LazyFile)
    f.__dict__.update(state)
    return f


# --- pickling ------------------------------------------------------------------------------------


class _Pickler(pickle.Pickler):
    def __init__(self, out: io.BytesIO, externals: dict[int, str]) -> None:
        super().__init__(out, protocol=5)
        self.externals = externals

    def persistent_id(self, obj: Any) -> str | None:
        return self.externals.get(id(obj))

    def reducer_override(self, obj: Any) -> Any:
        from .linux.rootfs import LazyFile
        from .linux.vfs import ExeLink
        from .system import System
        from .tbcache import TbCache

        t = type(obj)
        if t is types.FunctionType:
            if obj.__module__ == __name__ and obj.__name__ in _HELPERS:
                return NotImplemented  # by name (find_class allows them)
            if (obj.__module__, obj.__qualname__) in _SAFE_BUILTINS:
                return NotImplemented  # (re.compile's pickling names re._compile)
            if not obj.__module__.startswith("py_backend"):
                raise StateError(f"cannot save the function {obj.__module__}.{obj.__qualname__}")
            cells = tuple(_cell_value(c) for c in obj.__closure__ or ())
            return (
                _function,
                (*_function_key(obj), len(cells)),
                (cells, obj.__defaults__, obj.__kwdefaults__),
                None,
                None,
                _set_function,
            )
        if t is types.MethodType:
            return (_method, (obj.__self__, obj.__func__.__name__))
        if t is types.BuiltinFunctionType:
            owner = obj.__self__
            if isinstance(owner, types.ModuleType):
                if owner.__name__ == "time" and obj.__name__ in _CLOCKS:
                    return (_clock, (obj.__name__,))
                raise StateError(f"cannot save the function {owner.__name__}.{obj.__name__}")
            return (_method, (owner, obj.__name__))
        if t is TbCache:  # (its code is not saved: retranslated after a restore)
            return (_blank, (TbCache,), _code_state(obj))
        if t is System:  # (its host, which makes spaces, is the restoring host's)
            return (_blank, (System,), {**obj.__dict__, "spaces": None})
        if t is LazyFile:
            return (_lazy_file, (_lazy_state(obj),))
        if isinstance(obj, socket.socket):
            # a connection to the outside does not survive: it comes back closed (EBADF on
            # use), which a guest socket layer reports as a reset connection
            return (_closed_socket, ())
        if t is ExeLink:  # (shared by every system on the tree: points at whichever runs)
            return (_blank, (ExeLink,), {**obj.__dict__, "current": None})
        return NotImplemented


def _where(root: object, external: dict[int, str], error: str) -> str:
    """' (at PATH)': where the first object that pickle cannot take is in the graph (a host
    object the host did not name), for the error line; "" if not found."""
    seen = set(external)
    queue: list[tuple[object, str]] = [(root, "system")]
    for obj, path in queue:
        if len(queue) > 2_000_000:
            break
        t = type(obj)
        if t.__name__ in error and not t.__module__.startswith(("builtins", "py_backend")):
            return f" (at {path})"
        items: list[tuple[str, object]] = []
        if isinstance(obj, dict):
            items = [(f"[{k!r}]", v) for k, v in obj.items()]
        elif isinstance(obj, list | tuple | set | frozenset):
            items = [(f"[{i}]", v) for i, v in enumerate(obj)]
        elif isinstance(obj, types.FunctionType):
            items = [(f".<{obj.__qualname__}>", _cell_value(c)) for c in obj.__closure__ or ()]
        elif isinstance(obj, types.MethodType):
            items = [(f".<{obj.__func__.__name__}>", obj.__self__)]
        elif not isinstance(obj, str | bytes | bytearray | int | float | type | types.ModuleType):
            d = getattr(obj, "__dict__", None)
            if isinstance(d, dict):
                items = [(f".{k}", v) for k, v in d.items() if (t.__name__, k) not in _NOT_SAVED]
            for k in getattr(t, "__slots__", ()):
                if hasattr(obj, k):
                    items.append((f".{k}", getattr(obj, k)))
        for name, v in items:
            if id(v) not in seen:
                seen.add(id(v))
                queue.append((v, path + name))
    return ""


_NOT_SAVED = {("System", "spaces"), ("ExeLink", "current")} | {("TbCache", k) for k in CODE_FIELDS}


def _cell_value(cell: types.CellType) -> object:
    try:
        return cell.cell_contents
    except ValueError:
        return _EMPTY


def _code_state(c: TbCache) -> dict[str, Any]:
    """A TB cache's attributes without its translated code (retranslated after a restore)."""
    return {k: v for k, v in c.__dict__.items() if k not in CODE_FIELDS}


def _lazy_state(f: Any) -> dict[str, Any]:
    """A root filesystem file fetched but never changed is saved unfetched (its bytes come from
    the image again): unchanged means its size and times are still the image's."""
    st = dict(f.__dict__)
    data = st.get("_data")
    if data is not None and len(data) == f._size and f.ctime == f.mtime == st.get("_image_mtime"):
        st["_data"] = None
    return st


_SAFE_BUILTINS = {
    ("builtins", n)
    for n in ("set", "frozenset", "bytearray", "bytes", "list", "dict", "tuple", "int", "str",
              "float", "bool", "complex", "range", "slice", "object")
} | {("collections", n) for n in ("deque", "OrderedDict", "defaultdict")}  # fmt: skip
_SAFE_BUILTINS.add(("re", "_compile"))  # (how a compiled pattern pickles)
_HELPERS = {
    "_function", "_set_function", "_method", "_clock", "_blank", "_lazy_file", "_EMPTY",
    "_closed_socket",
}  # fmt: skip


class _Unpickler(pickle._Unpickler):  # type: ignore[name-defined,misc]
    """The pure-Python unpickler (about twice as slow as the C one, ~0.1 s more for a python3
    REPL's state), because its opcodes can be checked: REDUCE calls only this module's
    rebuilders, a few builtin containers and py_backend's enums, BUILD never patches a class or
    a function, and INST/OBJ (a class called with arguments) are refused.  So loading a state
    runs no code of the file's choosing (it may still hold what the saving run had: --mount'ed
    host directories, for instance; resume states you trust, as you would its command line)."""

    dispatch: ClassVar[dict[int, Callable[[Any], None]]] = dict(pickle._Unpickler.dispatch)  # type: ignore[attr-defined,misc]
    stack: list[Any]

    def __init__(self, data: bytes, externals: dict[str, object]) -> None:
        super().__init__(io.BytesIO(data))
        self.externals = externals

    def load_reduce(self) -> None:
        stack = self.stack
        args = stack.pop()
        func = stack[-1]
        if not _may_call(func):
            raise pickle.UnpicklingError(
                f"calling {type(func).__name__} {func!r:.60} is not allowed"
            )
        stack[-1] = func(*args)

    dispatch[pickle.REDUCE[0]] = load_reduce

    def load_build(self) -> None:
        inst = self.stack[-2]  # (under the state BUILD applies)
        if isinstance(inst, type | types.ModuleType | types.FunctionType | types.MethodType):
            raise pickle.UnpicklingError(f"changing {inst!r:.60} is not allowed")
        pickle._Unpickler.load_build(self)  # type: ignore[attr-defined]

    dispatch[pickle.BUILD[0]] = load_build

    def _refused(self) -> None:
        raise pickle.UnpicklingError("a class called with arguments (INST/OBJ) is not allowed")

    dispatch[pickle.INST[0]] = _refused
    dispatch[pickle.OBJ[0]] = _refused

    def persistent_load(self, pid: Any) -> object:
        try:
            return self.externals[pid]
        except (KeyError, TypeError):
            raise pickle.UnpicklingError(f"no host object {pid!r}") from None

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name in _HELPERS:
            return globals()[name]
        if (module, name) in _SAFE_BUILTINS:
            return super().find_class(module, name)
        if module == "py_backend" or module.startswith("py_backend."):
            obj = super().find_class(module, name)
            if isinstance(obj, type):
                return obj
        raise pickle.UnpicklingError(f"global {module}.{name} is not allowed")


def _may_call(func: object) -> bool:
    """What a state's REDUCE opcodes may call while it loads."""
    import enum

    if isinstance(func, type):
        if issubclass(func, enum.Enum):
            return func.__module__.startswith("py_backend")
        return (func.__module__, func.__qualname__) in _SAFE_BUILTINS
    if isinstance(func, types.FunctionType):
        if func.__module__ == __name__:
            return func.__name__ in _HELPERS
        return (func.__module__, func.__qualname__) in _SAFE_BUILTINS  # (re._compile)
    return False


class _Outer(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"global {module}.{name} is not allowed")


# --- memory --------------------------------------------------------------------------------------


def _dump_memory(m: Machine) -> tuple[bytes, list[tuple[int, bytes]]]:
    ctx = m.mem.read(abi.CTX, _CTX_SPAN)
    pages = [
        (first, m.mem.read(abi.GUEST_BASE + (first << abi.PAGE_SHIFT), n << abi.PAGE_SHIFT))
        for first, n in page_runs(m.aspace.mapped)
    ]
    return ctx, pages


def _load_memory(mem: RawMemory, ctx: bytes, pages: list[tuple[int, bytes]]) -> None:
    if len(ctx) != _CTX_SPAN:
        raise StateError("corrupt (machine state)")
    mem.write(abi.CTX, ctx)
    # pages written here may hold data even if the restore fails later: a memory that keeps
    # linux.mm's map of them (a reused one) must know, so that its next guest gets zeros
    dirty = mem.guest_dirty if isinstance(mem, GuestDirtyMap) else None
    for first, data in pages:
        if first < 0 or (first << abi.PAGE_SHIFT) + len(data) > abi.GUEST_SIZE:
            raise StateError("corrupt (page out of range)")
        if isinstance(dirty, bytearray):
            n = (len(data) + abi.PAGE_SIZE - 1) >> abi.PAGE_SHIFT
            dirty[first : first + n] = b"\x01" * n
        mem.write(abi.GUEST_BASE + (first << abi.PAGE_SHIFT), data)


# --- save / restore ---------------------------------------------------------------------------


def save(
    system: System, externals: dict[str, object] | None = None, meta: dict | None = None
) -> bytes:
    """The state of every process of ``system`` (call at a clean point: between host calls).
    ``externals``: name -> host object kept by reference (the restoring host gives the same
    names); ``meta``: plain values the host wants back (its options)."""
    machines = list(system.machines.values())
    ext: dict[int, str] = {
        id(obj): f"x:{name}" for name, obj in (externals or {}).items() if obj is not None
    }
    for m in machines:
        ext[id(m.mem)] = f"mem:{m.proc.pid}"
    buf = io.BytesIO()
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(limit, _DEPTH))
        _Pickler(buf, ext).dump(system)
    except StateError:
        raise
    except (pickle.PicklingError, TypeError, ValueError, AttributeError, RecursionError) as e:
        raise StateError(f"cannot save: {e}{_where(system, ext, str(e))}") from None
    finally:
        sys.setrecursionlimit(limit)
    body = {
        "meta": dict(meta or {}),
        "clock": time.monotonic_ns(),
        "cpu_clock": time.process_time_ns(),
        "init": system.init.proc.pid,
        "memories": {m.proc.pid: _dump_memory(m) for m in machines},
        "system": buf.getvalue(),
    }
    payload = zlib.compress(pickle.dumps(body, protocol=5), 6)
    tag = build_tag().encode()
    return (
        _HEAD.pack(MAGIC, FORMAT_VERSION, len(tag))
        + tag
        + _TAIL.pack(hashlib.sha256(payload).digest(), len(payload))
        + payload
    )


def read_meta(data: bytes) -> dict[str, Any]:
    """The host's ``meta`` of a state (checks the container, as `restore` does)."""
    return _open(data)["meta"]  # type: ignore[no-any-return]


def _open(data: bytes | bytearray | memoryview) -> dict[str, Any]:
    data = bytes(data)
    if len(data) < _HEAD.size or data[:8] != MAGIC:
        raise StateError("not a tbwasm state file")
    _, version, tag_len = _HEAD.unpack_from(data)
    if version != FORMAT_VERSION:
        raise StateError(f"format version {version}; this tbwasm reads version {FORMAT_VERSION}")
    if tag_len > _MAX_TAG or len(data) < _HEAD.size + tag_len + _TAIL.size:
        raise StateError("truncated file")
    tag = data[_HEAD.size : _HEAD.size + tag_len].decode(errors="replace")
    digest, length = _TAIL.unpack_from(data, _HEAD.size + tag_len)
    start = _HEAD.size + tag_len + _TAIL.size
    if len(data) - start < length:
        raise StateError(f"truncated file ({len(data) - start} of {length} payload bytes)")
    payload = data[start : start + length]
    if len(data) - start > length or hashlib.sha256(payload).digest() != digest:
        raise StateError("checksum mismatch: the file is corrupt")
    if tag != build_tag():
        raise StateError(f"saved by another build ({tag}); this is {build_tag()}")
    try:
        body = _Outer(io.BytesIO(zlib.decompress(payload))).load()
    except Exception as e:
        raise StateError(f"corrupt payload ({type(e).__name__})") from None
    if not isinstance(body, dict) or not {"meta", "memories", "system", "init"} <= body.keys():
        raise StateError("corrupt payload")
    return body


def restore(
    data: bytes | bytearray | memoryview,
    first: tuple[int, RawMemory],
    spaces: Spaces | None,
    externals: dict[str, object] | None = None,
) -> System:
    """The system saved in ``data``, ready for a host loop (``system.init.start()``).
    ``first``: the host space (id, memory) for the first process; ``spaces`` makes the others'.
    ``externals``: the host objects named as at save."""
    body = _open(data)
    memories: dict[int, tuple[bytes, list[tuple[int, bytes]]]] = body["memories"]
    init_pid = body["init"]
    if init_pid not in memories:
        raise StateError("corrupt payload (no first process)")
    made: list[int] = []
    ext: dict[str, object] = {f"x:{k}": v for k, v in (externals or {}).items()}
    space_of: dict[int, int] = {}
    try:
        for pid, (ctx, pages) in memories.items():
            if pid == init_pid:
                sid, mem = first
                mem.fill(abi.CTX, abi.STATE_END - abi.CTX)
            else:
                if spaces is None:
                    raise StateError("this host cannot run more than one process")
                sid, mem = spaces.new_space()
                made.append(sid)
            _load_memory(mem, ctx, pages)
            ext[f"mem:{pid}"] = mem
            space_of[pid] = sid
        limit = sys.getrecursionlimit()
        try:
            sys.setrecursionlimit(max(limit, _DEPTH))
            system = _Unpickler(body["system"], ext).load()
        except RecursionError:
            raise StateError("corrupt payload (too deep)") from None
        except StateError:
            raise
        except Exception as e:
            raise StateError(f"corrupt payload ({type(e).__name__}: {e})") from None
        finally:
            sys.setrecursionlimit(limit)
        from .system import System

        if not isinstance(system, System) or set(system.machines) != set(memories):
            raise StateError("corrupt payload (not a system)")
        _reattach(system, space_of, body["meta"], time.monotonic_ns() - body["clock"],
                  time.process_time_ns() - body["cpu_clock"])  # fmt: skip
    except BaseException:
        if spaces is not None:
            for sid in made:
                spaces.free_space(sid)
        raise
    return system


def _reattach(
    system: System, space_of: dict[int, int], meta: dict[str, Any], shift: int, cpu_shift: int
) -> None:
    """Give each process its new space, an empty TB cache and a page table without CODE
    flags; move every deadline on the monotonic clock by ``shift`` (the new host's clock)."""
    from .linux.signals import ITIMER_REAL

    system.regions.clear()
    system.restored = True
    system.state_meta = meta
    system._exe_link.current = system._exe_current
    for pid, m in system.machines.items():
        m.space = space_of[pid]
        m.tb_cache.clear()
        m.tb_cache.pending = []
        m.tb_cache.table_reset = True
        m._budget_set = None
        asp = m.aspace
        asp.code[:] = bytes(len(asp.code))
        # pages that may hold nonzero bytes: the saved ones, and whatever an earlier guest
        # left in a reused memory (linux.mm keeps that map on the memory object)
        old = m.mem.guest_dirty if isinstance(m.mem, GuestDirtyMap) else None
        dirty = int.from_bytes(asp.mapped, "little")
        if isinstance(old, bytearray) and len(old) == len(asp.mapped):
            dirty |= int.from_bytes(old, "little")
        asp.dirty = bytearray(dirty.to_bytes(len(asp.mapped), "little"))
        try:
            m.mem.guest_dirty = asp.dirty  # type: ignore[attr-defined]
        except AttributeError:
            pass
        m.mem.write(abi.PAGE_TABLE, bytes(asp.prot))
        m._setup_tiers()
        lx = m.linux
        lx.start_ns += shift
        for t in m.threads.order:
            if t.wait is not None and t.wait.deadline is not None:
                t.wait.deadline += shift
        for which, timer in lx.signals.timers.items():
            if timer.deadline:
                timer.deadline += shift if which == ITIMER_REAL else cpu_shift
    term = system.terminal
    if term is not None and term.tty._deadline is not None:
        term.tty._deadline += shift
