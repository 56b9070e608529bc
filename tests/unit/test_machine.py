"""The TB cache of a Machine: limits, flushes and the table reset a JS host acts on."""

from __future__ import annotations

from pathlib import Path

import pytest
from doubles import NoInput, Sink

from py_backend.exits import Action
from py_backend.host.native import NativeHost
from py_backend.machine import Machine

HELLO = Path(__file__).resolve().parents[2] / "guests" / "bin" / "hello.elf"


def run_hello(**kw: object) -> tuple[Action, Machine, bytes, list[Action]]:
    host = NativeHost()
    out = Sink()
    m = Machine(
        host.raw,
        HELLO.read_bytes(),
        ["hello"],
        [],
        stdin=NoInput(),
        stdout=out,
        stderr=Sink(),
        **kw,  # type: ignore[arg-type]
    )
    seen: list[Action] = []
    start, service = m.start, m.service

    def spy_start() -> Action:
        seen.append(start())
        return seen[-1]

    def spy_service(reason: int) -> Action:
        seen.append(service(reason))
        return seen[-1]

    m.start, m.service = spy_start, spy_service  # type: ignore[method-assign]
    action = host.run(m)
    return action, m, bytes(out.data), seen


@pytest.mark.slow
@pytest.mark.parametrize("tier", ["jit", "tiered"])
def test_small_tb_cache_flushes_and_asks_for_a_fresh_table(tier: str) -> None:
    # tiered with threshold 1 compiles every block on its first entry; a reset table gets
    # tier 0 installed again (it comes with the modules of the reset)
    action, m, out, seen = run_hello(max_tbs=64, tier=tier, hot_threshold=1)
    assert action.kind == "exit" and action.status == 0
    assert out == b"Hello from RISC-V!\n"
    flushes = m.stats()["code_flushes"]
    assert flushes > 0
    resets = [a for a in seen if a.reset_table]
    assert len(resets) == flushes
    # every reset comes with freshly compiled modules, and TB ids never pass the limit
    assert all(a.modules for a in resets)
    assert max(a.table_size for a in seen if a.kind == "run") <= 64


def test_default_cache_never_flushes_for_a_small_program() -> None:
    action, m, out, seen = run_hello()
    assert action.status == 0 and out == b"Hello from RISC-V!\n"
    assert m.stats()["code_flushes"] == 0
    assert not any(a.reset_table for a in seen)


def test_a_full_store_moves_the_guest_to_a_fresh_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """The native host moves a guest whose wasmtime store holds MAX_INSTANCES instances into a
    fresh store (host/native.py `_recycle`: state and mapped pages copied): the run goes on to
    the same output.  Every block compiled (jit) and a limit of 3 make it happen many times."""
    host = NativeHost()
    monkeypatch.setattr(NativeHost, "MAX_INSTANCES", 3)
    out = Sink()
    m = Machine(
        host.raw, HELLO.read_bytes(), ["hello"], [], stdin=NoInput(), stdout=out, stderr=Sink(),
        tier="jit", batch=1,
    )  # fmt: skip
    action = host.run(m)
    assert action.kind == "exit" and action.status == 0, action
    assert host.recycles > 3
    assert bytes(out.data) == run_hello(tier="jit")[2]
    assert b"hello" in bytes(out.data).lower()
