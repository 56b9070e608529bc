"""Every instruction that writes both memory and an integer register (sc.*, amo*.*), checked
where its store leaves the block: on a page holding translated code (the store is followed by an
SMC exit, and the register write must not be lost; sc.* once lost it, so an lr/sc retry loop
whose data shared a page with code spun forever) and on a read-only page (the store faults, and
the register must keep its old value so that a handler which makes the page writable can restart
the instruction).

The rows come from the instruction table, so a new instruction of that kind is checked too.
Each case runs in every tier."""

from __future__ import annotations

from pathlib import Path

import pytest
from cpu_harness import CODE_BASE, DATA_BASE, State, assemble, run_snippet
from doubles import NoInput, Sink

from py_backend.host.native import NativeHost
from py_backend.isa.table import ROWS32, Row
from py_backend.machine import Machine

# The tiers are this test's own parameters (or it has none): `make tiers` deselects it.
pytestmark = pytest.mark.all_tiers

# (a vector store's rd field is vs3, a source: it writes no x register)
STORE_AND_RD = [
    r
    for r in ROWS32
    if "store" in r.flags and "vector" not in r.flags and "rd" in {f.attr for f in r.fmt.fields}
]
TIERS = ("interp", "jit", "tiered")
A0, A1, A2, A3, A4 = 10, 11, 12, 13, 14
SENTINEL = 0x5A5A_1234_0000_0077
OLD = 0x8000_0000_FFFF_FFF3  # in memory before the instruction (a negative word)
SRC = 0x0000_0001_8000_0005  # rs2
TARGET = 0x800  # offset of the data word in the data page
Prog = list[int | tuple[str, dict[str, int]]]


def test_the_table_has_the_instructions_this_file_checks() -> None:
    names = {r.mnemonic for r in STORE_AND_RD}
    assert {"sc.w", "sc.d", "amoswap.w", "amoadd.d", "amomaxu.d"} <= names
    assert len(STORE_AND_RD) == 20


def _body(row: Row, rd: int) -> Prog:
    pre: Prog = []
    if row.mnemonic.startswith("sc."):  # take the reservation first
        pre = [("lr." + row.mnemonic[-1], {"rd": A4, "rs1": A0})]
    return [*pre, (row.mnemonic, {"rd": rd, "rs1": A0, "rs2": A2})]


def _run(row: Row, rd: int, tier: str, on_code_page: bool) -> State:
    """The body runs inline (its data page holds no code) or, `on_code_page`, from the data
    page itself, next to the data word (so that page holds translated code)."""
    regs = {rd: SENTINEL, A0: DATA_BASE + TARGET, A1: DATA_BASE, A2: SRC}  # rd may be rs1
    if on_code_page:
        code = assemble([*_body(row, rd), ("jalr", {"rd": 0, "rs1": 1})])
        data = code + bytes(TARGET - len(code)) + OLD.to_bytes(8, "little")
        return run_snippet(
            [("jalr", {"rd": 1, "rs1": A1})], regs, data=data, data_exec=True, tier=tier
        )
    data = bytes(TARGET) + OLD.to_bytes(8, "little")
    return run_snippet(_body(row, rd), regs, data=data, tier=tier)


def _signed(v: int, bits: int) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def _expected(row: Row) -> tuple[int, bytes]:
    """(rd, the data word after) by the A extension's definitions."""
    op, width = row.mnemonic.split(".")
    bits = 32 if width == "w" else 64
    mask = (1 << bits) - 1
    old, src = OLD & mask, SRC & mask
    if op == "sc":
        new, rd = src, 0
    else:
        new = {
            "amoswap": src,
            "amoadd": old + src,
            "amoxor": old ^ src,
            "amoand": old & src,
            "amoor": old | src,
            "amomin": min(old, src, key=lambda v: _signed(v, bits)),
            "amomax": max(old, src, key=lambda v: _signed(v, bits)),
            "amominu": min(old, src),
            "amomaxu": max(old, src),
        }[op] & mask
        rd = _signed(old, bits) & (2**64 - 1)
    word = (OLD & ~mask) | new
    return rd, word.to_bytes(8, "little")


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("row", STORE_AND_RD, ids=lambda r: r.mnemonic)
@pytest.mark.parametrize("rd", [A3, A0], ids=["rd", "rd=rs1"])
def test_register_write_survives_a_store_to_a_code_page(row: Row, rd: int, tier: str) -> None:
    plain = _run(row, rd, tier, on_code_page=False)
    smc = _run(row, rd, tier, on_code_page=True)
    assert plain.action.status == smc.action.status == 133  # the final ebreak
    assert (plain.x[rd], plain.data(TARGET, 8)) == _expected(row)
    assert (smc.x[rd], smc.data(TARGET, 8)) == _expected(row)


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("row", STORE_AND_RD, ids=lambda r: r.mnemonic)
def test_register_is_unchanged_when_the_store_faults(row: Row, tier: str) -> None:
    # The snippet's own code page is readable but not writable: the store raises SIGSEGV.
    body = [
        ("lr." + row.mnemonic[-1], {"rd": A4, "rs1": A0}) if row.mnemonic.startswith("sc.") else 0,
        (row.mnemonic, {"rd": A0, "rs1": A0, "rs2": A2}),
    ]
    s = run_snippet([b for b in body if b != 0], {A0: CODE_BASE, A2: SRC}, tier=tier)
    assert s.action.status == 139
    assert f"addr 0x{CODE_BASE:x}" in s.action.message
    assert s.x[A0] == CODE_BASE


@pytest.mark.parametrize("tier", TIERS)
def test_lr_sc_loop_with_its_data_on_the_code_page(tier: str) -> None:
    """guests/src/sc_codepage.S: 100 lr/sc increments (word and doubleword) and AMOs on words
    in the same RWX page as the loop. The output is qemu-riscv64's (the guests suite compares
    it to qemu directly); before the fix --tier jit never finished."""
    elf = Path(__file__).resolve().parents[2] / "guests" / "bin" / "sc_codepage.elf"
    host, out = NativeHost(), Sink()
    m = Machine(
        host.raw,
        elf.read_bytes(),
        ["sc_codepage"],
        [],
        stdin=NoInput(),
        stdout=out,
        stderr=Sink(),
        tier=tier,
        hot_threshold=2,
        budget=5_000_000,
    )
    action = host.run(m)
    assert action.status == 0, action.message
    assert out.data == b"00000000000001a9\n000000001b10ab32\n000000001b10ab34\n"
