"""The instruction table against the translator: every semantic name has exactly one translator,
and every row's encodings translate to a valid module with the attributes the row declares.
These are the checks that make a half-added instruction fail (docs/architecture.md, "Adding an
instruction")."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping

import pytest
import wasmtime

from py_backend.abi import ExitReason
from py_backend.block import BRANCHES, ENDS_BLOCK, JUMPS, Block, static_successors
from py_backend.isa.decode import decode_uncached
from py_backend.isa.insn import Insn
from py_backend.isa.table import ATTRS, ROWS, SEMANTIC_NAMES, Attrs, Row
from py_backend.translate import emit_fp, emit_int  # noqa: F401  (registers the semantics)
from py_backend.translate.codegen import (
    SEMANTICS,
    Ctx,
    Semantics,
    trans,
    translate_module,
)
from py_backend.translate.hostemu import EMULATORS

# The tiers are this test's own parameters (or it has none): `make tiers` deselects it.
pytestmark = pytest.mark.all_tiers


def translator_problems(rows: Iterable[Row], semantics: Mapping[str, Semantics]) -> list[str]:
    """What is wrong between a table and a translator registry: rows whose semantic name has no
    translator, and translators for names no row has."""
    names = {r.name for r in rows}
    problems = [
        f"{r.mnemonic}: no translator for {r.name!r}" for r in rows if r.name not in semantics
    ]
    problems += [f"translator for {n!r}, which no row has" for n in sorted(set(semantics) - names)]
    return problems


def test_every_semantic_name_has_a_translator() -> None:
    assert translator_problems(ROWS, SEMANTICS) == []
    assert set(SEMANTICS) == set(SEMANTIC_NAMES)


def test_a_row_without_translator_is_reported() -> None:
    bare = Row(
        "frob", "0000000 ..... ..... 000 ..... 1111111", ROWS[0].fmt, "X", "frob", frozenset()
    )
    assert translator_problems([*ROWS, bare], SEMANTICS) == ["frob: no translator for 'frob'"]
    extra = {**SEMANTICS, "frob": SEMANTICS["add"]}
    assert translator_problems(ROWS, extra) == ["translator for 'frob', which no row has"]


def test_a_second_translator_for_a_name_is_refused() -> None:
    with pytest.raises(ValueError, match="two semantics for add"):
        trans("add")(lambda c, i: None)
    assert SEMANTICS["add"] is emit_int._alu


def test_attributes_are_per_name() -> None:
    for row in ROWS:
        assert row.attrs == ATTRS[row.name], row.mnemonic
    assert ATTRS["lbu"] == Attrs(width=1)
    assert ATTRS["sraiw"] == Attrs(op="sra", width=4, imm=True)
    assert ATTRS["fcvt.wu.d"] == Attrs(width=4, fwidth=8)
    assert ATTRS["amomin.w"] == Attrs(op="min", width=4, signed=True)


def test_attribute_parsing() -> None:
    assert Attrs.parse(["op=lt", "signed", "imm", "width=4", "fwidth=8"]) == Attrs(
        op="lt", width=4, signed=True, imm=True, fwidth=8
    )
    for bad in (["width=3"], ["sign"], ["op="], ["imm=1"]):
        with pytest.raises(ValueError, match="unknown row attribute"):
            Attrs.parse(bad)


def test_control_flow_sets_follow_the_flags() -> None:
    assert BRANCHES == {"beq", "bne", "blt", "bge", "bltu", "bgeu"}
    assert JUMPS == {"jal"}
    assert ENDS_BLOCK == BRANCHES | JUMPS | {"jalr", "ecall", "ebreak", "fence.i"}


def _sample(row: Row, rng: random.Random) -> Insn:
    """A decodable encoding of `row` with random field values."""
    for _ in range(1000):
        insn = decode_uncached(row.match | rng.getrandbits(row.size * 8) & ~row.mask)
        if insn is not None and insn.mnemonic == row.mnemonic:
            return insn
    raise AssertionError(f"{row.mnemonic}: no decodable encoding found")


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.mnemonic)
def test_every_row_translates(row: Row, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each encoding's semantics run with its declared attributes (a missing attribute is a
    KeyError here), the module is valid Wasm, the code continues only where the table's
    control-flow flags say a TB can (a branch or jump without its flag fails here), and an
    instruction that can hand itself to the host (EMULATE) has a host emulator."""
    engine = wasmtime.Engine()
    rng = random.Random(row.mnemonic)
    emulated: set[str] = set()
    exit_slow = Ctx.exit_slow

    def watch_exit(c: Ctx, reason: int, *args: object) -> None:
        if reason == ExitReason.EMULATE and c.insn is not None:
            emulated.add(c.insn.name)
        exit_slow(c, reason, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Ctx, "exit_slow", watch_exit)
    for _ in range(8):
        insn = _sample(row, rng)
        pc = 0x10000
        block = Block(pc, [(pc, insn)], pc + insn.size)
        static = static_successors(block)
        code = translate_module([(1, block)])
        wasmtime.Module.validate(engine, code)
        # The emitted goto_tb targets (an instruction may also trap instead: a subset).
        assert set(block.successors) <= set(static), insn
    assert emulated <= set(EMULATORS), f"{row.name}: EMULATE exit without a host emulator"
