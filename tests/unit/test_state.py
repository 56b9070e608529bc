"""Save and restore a running system (py_backend/state.py), in-process with the native host.

A guest is stopped at a clean point (before an exit is serviced), saved, restored into a fresh
host and run on: its output and exit status must equal an uninterrupted run's.  `make tiers`
runs these in every tier.  Bad files -- corrupt, truncated, foreign, another version or build --
give one `STATE:` line and no system."""

from __future__ import annotations

import hashlib
import struct
import time
from pathlib import Path

import pytest
from doubles import NoInput, Sink
from helpers import guest_path

from py_backend import state
from py_backend.host.native import NativeHost
from py_backend.machine import Machine
from py_backend.state import StateError
from py_backend.system import System

BUSYBOX = guest_path("busybox")
STATECHECK = guest_path("statecheck")


def _machine(host: NativeHost, program: Path, argv: list[str], out: Sink, inp: NoInput) -> Machine:
    return Machine(
        host.raw, program.read_bytes(), argv, stdin=inp, stdout=out, stderr=out, budget=20000
    )


def _uninterrupted(program: Path, argv: list[str]) -> tuple[int, bytes]:
    out = Sink()
    host = NativeHost()
    action = host.run(_machine(host, program, argv, out, NoInput()))
    return action.status, bytes(out.data)


def _stop_after(exits: int):  # type: ignore[no-untyped-def]
    n = [0]

    def on_budget() -> bool:
        n[0] += 1
        return n[0] < exits

    return on_budget


def _save_restore_run(
    program: Path, argv: list[str], stops: list[int]
) -> tuple[int, bytes, list[int]]:
    """Run, stopping and saving after each count of host checks in ``stops`` and going on in a
    fresh host from the saved bytes each time; the final status, all output, state sizes."""
    out, inp = Sink(), NoInput()
    ext = {"out": out, "in": inp}
    host = NativeHost()
    m = _machine(host, program, argv, out, inp)
    system = m.system
    sizes = []
    for stop in stops:
        action = host.run(system.init, _stop_after(stop))
        assert action.status == 130, (action, bytes(out.data)[-200:])
        blob = state.save(system, ext)
        sizes.append(len(blob))
        host = NativeHost()
        system = state.restore(blob, (0, host.raw), host, ext)
    action = host.run(system.init)
    return action.status, bytes(out.data), sizes


def test_round_trip_of_a_guest_with_a_child_pipes_a_file_signals_and_a_thread() -> None:
    argv = [str(STATECHECK), "6"]
    want = _uninterrupted(STATECHECK, argv)
    assert want[0] == 3 and b"child: " in want[1]
    status, out, sizes = _save_restore_run(STATECHECK, argv, [30, 60])
    assert (status, out) == want
    assert all(s < 4 << 20 for s in sizes), sizes


def test_saved_early_before_the_child_exists() -> None:
    argv = [str(STATECHECK), "3"]
    want = _uninterrupted(STATECHECK, argv)
    status, out, _ = _save_restore_run(STATECHECK, argv, [2])
    assert (status, out) == want


def test_round_trip_of_a_shell_pipeline_writing_a_file() -> None:
    script = (
        'cd /tmp; i=0; while [ $i -lt 200 ]; do i=$((i+1)); echo "n $i"; done |'
        ' (while read a b; do echo "got $b"; done; echo end) > f.txt;'
        " tail -n 2 f.txt; pwd; echo done"
    )
    argv = ["/bin/busybox", "sh", "-c", script]
    want = _uninterrupted(BUSYBOX, argv)
    assert want == (0, b"got 200\nend\n/tmp\ndone\n")
    status, out, _ = _save_restore_run(BUSYBOX, argv, [10, 10])
    assert (status, out) == want


def test_restored_memory_has_no_translated_code() -> None:
    from py_backend import abi

    out, inp = Sink(), NoInput()
    host = NativeHost()
    m = _machine(host, STATECHECK, [str(STATECHECK), "4"], out, inp)
    host.run(m, _stop_after(20))
    blob = state.save(m.system, {"out": out, "in": inp})
    host2 = NativeHost()
    system = state.restore(blob, (0, host2.raw), host2, {"out": out, "in": inp})
    for r in system.machines.values():
        assert not r.tb_cache.tbs and not r.tb_cache.by_id and not r.tb_cache.page_tbs
        table = r.mem.read(abi.PAGE_TABLE, abi.GUEST_PAGES)
        assert not any(b & abi.PageFlags.CODE for b in table)
        assert table == bytes(r.aspace.prot)
        assert r.mem.read(abi.LINK_SLOTS, 4096) == bytes(4096)


# --- bad input -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def good_state() -> bytes:
    out, inp = Sink(), NoInput()
    host = NativeHost()
    m = _machine(host, STATECHECK, [str(STATECHECK), "3"], out, inp)
    host.run(m, _stop_after(5))
    return state.save(m.system, {"out": out, "in": inp})


def _restore(data: bytes) -> System:
    host = NativeHost()
    return state.restore(data, (0, host.raw), host, {"out": Sink(), "in": NoInput()})


def _one_line(excinfo: pytest.ExceptionInfo[StateError]) -> str:
    msg = str(excinfo.value)
    assert msg.startswith("STATE: ") and "\n" not in msg
    return msg


def test_truncated(good_state: bytes) -> None:
    for n in (0, 5, 20, len(good_state) // 2, len(good_state) - 1):
        with pytest.raises(StateError) as e:
            _restore(good_state[:n])
        msg = _one_line(e)
        assert "truncated" in msg or "not a tbwasm state" in msg, msg


def test_corrupt(good_state: bytes) -> None:
    bad = bytearray(good_state)
    bad[len(bad) // 2] ^= 0x40
    with pytest.raises(StateError) as e:
        _restore(bytes(bad))
    assert "checksum" in _one_line(e)


def test_foreign(good_state: bytes) -> None:
    for data in (b"\x7fELF" + bytes(100), b"hello world\n" * 10, STATECHECK.read_bytes()):
        with pytest.raises(StateError) as e:
            _restore(data)
        assert "not a tbwasm state file" in _one_line(e)


def test_other_format_version(good_state: bytes) -> None:
    bad = bytearray(good_state)
    struct.pack_into("<I", bad, 8, state.FORMAT_VERSION + 1)
    with pytest.raises(StateError) as e:
        _restore(bytes(bad))
    assert "format version" in _one_line(e)


def test_other_build(good_state: bytes) -> None:
    tag = state.build_tag().encode()
    other = tag[:-4] + b"beef"
    bad = good_state.replace(tag, other, 1)
    with pytest.raises(StateError) as e:
        _restore(bad)
    assert "another build" in _one_line(e)


def _reseal(payload: bytes) -> bytes:
    """A container with a valid checksum around ``payload`` (a compressed pickle)."""
    tag = state.build_tag().encode()
    head = struct.pack("<8sII", state.MAGIC, state.FORMAT_VERSION, len(tag)) + tag
    return head + struct.pack("<32sQ", hashlib.sha256(payload).digest(), len(payload)) + payload


# hand-made pickles (protocol 5 opcodes): GLOBAL, BINUNICODE, TUPLE1, REDUCE, BININT1, BUILD
SLEEP_CALL = b"\x80\x05cpy_backend.state\n_clock\nX\x05\x00\x00\x00sleep\x85RK\x1e\x85R."
PATCH_CLASS = b"\x80\x05cpy_backend.system\nSystem\nN}X\x05\x00\x00\x00startK\x01s\x86b."


def test_valid_checksum_but_a_forbidden_global() -> None:
    import pickle
    import zlib

    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            import os

            return (os.system, ("echo owned",))

    ctx = bytes(state._CTX_SPAN)
    body = {"meta": {}, "clock": 0, "cpu_clock": 0, "init": 1, "memories": {1: (ctx, [])}}
    for payload in (
        zlib.compress(pickle.dumps(Evil())),
        zlib.compress(pickle.dumps({**body, "system": pickle.dumps(Evil())})),
        zlib.compress(pickle.dumps({**body, "system": pickle.dumps(print)})),
        zlib.compress(pickle.dumps({**body, "system": pickle.dumps([1, 2])})),
        # a call of something a rebuilder returned: time.sleep(30)
        zlib.compress(pickle.dumps({**body, "system": SLEEP_CALL})),
        # a class patched by BUILD (System.start = 1)
        zlib.compress(pickle.dumps({**body, "system": PATCH_CLASS})),
        zlib.compress(pickle.dumps({**body, "system": b"", "memories": {1: (b"", [])}})),
        zlib.compress(b"not a pickle"),
        b"not zlib",
    ):
        t0 = time.monotonic()
        with pytest.raises(StateError) as e:
            _restore(_reseal(payload))
        assert "corrupt" in _one_line(e)
        assert time.monotonic() - t0 < 20  # (time.sleep(30) was not called)
    assert callable(System.start)


def test_a_failed_restore_leaves_a_reused_memory_knowing_what_it_wrote() -> None:
    import pickle
    import zlib

    from py_backend import abi

    host = NativeHost()
    _machine(host, STATECHECK, [str(STATECHECK)], Sink(), NoInput())  # (the memory is used)
    dirty = host.raw.guest_dirty  # type: ignore[attr-defined]
    page = 0x30000
    assert not dirty[page]
    ctx = bytes(state._CTX_SPAN)
    body = {
        "meta": {}, "clock": 0, "cpu_clock": 0, "init": 1,
        "memories": {1: (ctx, [(page, b"\xaa" * abi.PAGE_SIZE)])}, "system": b"garbage",
    }  # fmt: skip
    with pytest.raises(StateError):
        state.restore(_reseal(zlib.compress(pickle.dumps(body))), (0, host.raw), host, {})
    assert dirty[page]  # the next guest on this memory gets zeros there


def test_a_host_socket_comes_back_closed() -> None:
    """(A guest socket layer holding host sockets: a connection does not survive a restore.)"""
    import io
    import socket

    sock = socket.socket()
    buf = io.BytesIO()
    state._Pickler(buf, {}).dump([sock])
    sock.close()
    (back,) = state._Unpickler(buf.getvalue(), {}).load()
    assert isinstance(back, socket.socket) and back.fileno() == -1
    with pytest.raises(OSError):
        back.send(b"x")
