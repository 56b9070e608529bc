"""The native host's direct entry call (host/native.py `_EntryCall`) against wasmtime-py's
public Func call: the same results, the same traps, and a trap ends a run as an internal error;
and the code cache's wasmtime configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
import wasmtime

from py_backend import abi
from py_backend.exits import Action
from py_backend.host.native import NativeHost, _EntryCall
from py_backend.wasm.builder import ModuleBuilder, ValType

pytestmark = pytest.mark.all_tiers  # no guest code runs


def _put_tbs(host: NativeHost) -> None:
    """Table slot 5: returns 77; slot 6: divides by zero (a trap); slot 7: unreachable."""
    sp = host.spaces[0]
    mb = ModuleBuilder()
    t = mb.func_type((), (ValType.I32,))
    ret = mb.function(t)
    ret.i32_const(77)
    div = mb.function(t)
    div.i32_const(1)
    div.i32_const(0)
    div.i32_div_s()
    unr = mb.function(t)
    unr.unreachable()
    for name, fb in (("ret", ret), ("div", div), ("unr", unr)):
        mb.export_func(name, fb.index)
    ex = wasmtime.Instance(sp.store, wasmtime.Module(host.engine, mb.to_bytes()), []).exports(
        sp.store
    )
    for slot, name in ((5, "ret"), (6, "div"), (7, "unr")):
        sp.table.set(sp.store, slot, ex[name])


def _outcome(call: object, arg: int) -> tuple[str, object]:
    try:
        return "value", call(arg)  # type: ignore[operator]
    except wasmtime.Trap as e:
        return "trap", str(e).splitlines()[0]


def test_direct_call_is_taken_and_agrees_with_the_public_call() -> None:
    host = NativeHost()
    sp = host.spaces[0]
    assert sp.call.__name__ == "_direct"  # the fast path is in use with this wasmtime
    _put_tbs(host)

    def public(tb: int) -> int:
        return int(sp.run(sp.store, tb))

    for tb in (5, 6, 7, 0, 100, 1 << 20, -1):
        got, want = _outcome(sp.call, tb), _outcome(public, tb)
        assert got == want, (tb, got, want)
    assert _outcome(sp.call, 5) == ("value", 77)
    assert _outcome(sp.call, 6)[0] == "trap"
    # after traps, calls go on normally
    assert [sp.call(5) for _ in range(3)] == [77, 77, 77]


def test_without_the_bindings_it_calls_the_public_way(monkeypatch: pytest.MonkeyPatch) -> None:
    host = NativeHost()
    sp = host.spaces[0]
    _put_tbs(host)

    def missing(*_: object) -> None:
        raise AttributeError("wasmtime._ffi changed")

    monkeypatch.setattr(_EntryCall, "_bind", missing)
    slow = _EntryCall(sp.store, sp.run, sp.run)
    assert slow.call.__name__ == "_public"
    assert slow.call(5) == 77


def test_a_trap_in_generated_code_is_an_internal_error() -> None:
    host = NativeHost()
    _put_tbs(host)

    class Stub:
        """Just enough of a Machine for NativeHost.run: start runs slot 6, which traps."""

        class system:
            spaces = None
            current = None

        def start(self) -> Action:
            return Action("run", tb=6)

        def service(self, reason: int) -> Action:  # pragma: no cover - never reached
            raise AssertionError(reason)

    action = host.run(Stub())  # type: ignore[arg-type]
    assert action.kind == "exit" and action.status == abi.HostStatus.INTERNAL
    assert action.message == "tbwasm: internal error: wasm trap: integer divide by zero"


def test_code_cache_config_keeps_wasmtimes_cache_small(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # tbwasm's own cache directory and limits (wasmtime's worker lists the whole directory on
    # each cache event: a directory of 10^5 files cost CPU seconds while a guest slept); an
    # engine accepts the file, and a second call leaves it as it is
    from py_backend.host import native

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    conf = native._cache_config()
    assert conf == tmp_path / "tbwasm" / "wasmtime-cache.toml"
    text = conf.read_text()
    assert f'directory = "{tmp_path}/tbwasm/wasmtime"' in text
    assert 'file-count-soft-limit = "8K"' in text
    cfg = wasmtime.Config()
    cfg.cache = str(conf)
    wasmtime.Engine(cfg)
    mtime = conf.stat().st_mtime_ns
    assert native._cache_config() == conf and conf.stat().st_mtime_ns == mtime
    monkeypatch.setenv("XDG_CACHE_HOME", "/proc/no-such-dir")
    assert native._cache_config() is None  # unwritable: no code cache, no error
