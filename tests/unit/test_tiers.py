"""Tiers: tier 0 (the Wasm interpreter) runs cold code, hot blocks are compiled, and the two
hand over to each other.  Every other suite runs once per tier (make test); these tests check
what only the tiers themselves do."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from cpu_harness import CODE_BASE, DATA_BASE, assemble, run_snippet
from doubles import NoInput, Sink

from py_backend import abi
from py_backend.host.native import NativeHost
from py_backend.isa.encode import encode
from py_backend.machine import Machine
from py_backend.translate import tier0

BIN = Path(__file__).resolve().parents[2] / "guests" / "bin"


def run(name: str, args: list[str], **kw: object) -> tuple[int, bytes, Machine]:
    host = NativeHost()
    out = Sink()
    m = Machine(
        host.raw,
        (BIN / name).read_bytes(),
        [name, *args],
        [],
        stdin=NoInput(),
        stdout=out,
        stderr=Sink(),
        **kw,  # type: ignore[arg-type]
    )
    action = host.run(m)
    return action.status, bytes(out.data), m


def test_the_interpreter_module_is_built_once_and_deterministic() -> None:
    a = tier0.interpreter_module()
    assert a is tier0.interpreter_module()
    assert tier0._Builder().build() == a
    assert a[:4] == b"\0asm"


def test_interp_tier_never_translates() -> None:
    status, out, m = run("hello.elf", [], tier="interp")
    assert (status, out) == (0, b"Hello from RISC-V!\n")
    s = m.stats()
    assert s["tbs_translated"] == 0 and s["modules_compiled"] == 0
    assert s["interp_insns"] == s["guest_insns"] > 1000


@pytest.mark.slow
def test_jit_tier_never_interprets() -> None:
    status, out, m = run("hello.elf", [], tier="jit")
    assert (status, out) == (0, b"Hello from RISC-V!\n")
    assert m.stats()["interp_insns"] == 0


@pytest.mark.slow
def test_cold_code_is_interpreted_and_hot_loops_are_compiled() -> None:
    status, out, m = run("bench.elf", ["2"], tier="tiered")
    _, ref, _ = run("bench.elf", ["2"], tier="interp")
    assert status == 0 and out == ref
    s = m.stats()
    assert s["hot_exits"] > 0 and s["tbs_translated"] > 0
    # most instructions run compiled, yet far fewer blocks are compiled than under --tier jit
    assert s["interp_insns"] < s["guest_insns"] / 4
    _, _, j = run("bench.elf", ["2"], tier="jit")
    assert s["tbs_translated"] < j.stats()["tbs_translated"] / 2


def test_a_region_holds_only_blocks_that_ran() -> None:
    """The loop below has a branch that is never taken: its target is never compiled."""
    code = [
        ("addi", {"rd": 5, "rs1": 0, "imm": 300}),  # t0 = 300
        # loop: a0 += 1; if a0 == 1000000 goto far (never); t0 -= 1; if t0 != 0 goto loop
        ("addi", {"rd": 10, "rs1": 10, "imm": 1}),
        ("beq", {"rs1": 10, "rs2": 11, "imm": 16}),
        ("addi", {"rd": 5, "rs1": 5, "imm": -1}),
        ("bne", {"rs1": 5, "rs2": 0, "imm": -12}),
        ("jal", {"rd": 0, "imm": 8}),
        ("addi", {"rd": 10, "rs1": 0, "imm": 7}),  # far: never runs
    ]
    s = run_snippet(code, {11: 1_000_000}, tier="tiered", hot_threshold=50)
    assert s.x[10] == 300
    m = s.machine
    st = m.stats()
    assert st["hot_exits"] >= 1
    far = 0x10000 + 4 * 6
    assert far not in m.tb_cache.tbs  # never ran: never translated
    assert any(tb.pc == 0x10000 + 4 for tb in m.tb_cache.tbs.values())  # the loop head did


def test_compiled_code_continues_in_tier0_without_the_host() -> None:
    """A compiled loop whose exit goes to cold code: the exit tail-calls tier 0 (link slot =
    INTERP_TB), so the run needs no CHAIN or LOOKUP exits."""
    seen: list[int] = []
    code = [
        ("addi", {"rd": 5, "rs1": 0, "imm": 1000}),
        ("addi", {"rd": 10, "rs1": 10, "imm": 3}),
        ("addi", {"rd": 5, "rs1": 5, "imm": -1}),
        ("bne", {"rs1": 5, "rs2": 0, "imm": -8}),
        ("addi", {"rd": 11, "rs1": 10, "imm": 1}),  # cold: once, after the loop
    ]
    s = run_snippet(code, tier="tiered", hot_threshold=10, on_exit=seen.append)
    assert s.x[10] == 3000 and s.x[11] == 3001
    assert abi.ExitReason.CHAIN not in seen and abi.ExitReason.LOOKUP not in seen
    assert seen.count(abi.ExitReason.HOT) >= 1


@pytest.mark.parametrize("tier", ["interp", "tiered"])
def test_tier0_exits_at_the_exact_budget(tier: str) -> None:
    """Tier 0 counts every instruction: an endless loop stops at each budget exit with
    exactly `budget` more instructions retired."""
    code = [("addi", {"rd": 10, "rs1": 10, "imm": 1}), ("jal", {"rd": 0, "imm": -4})]
    seen: list[int] = []
    s = run_snippet(
        code, tier=tier, budget=1000, end_with_ebreak=False, on_exit=seen.append, max_exits=5
    )
    assert seen.count(abi.ExitReason.BUDGET) == 5
    if tier == "interp":
        assert s.x[10] == 5 * 1000 // 2


def test_tier0_illegal_and_reserved_encodings_raise_sigill() -> None:
    for word in (
        0x00000000,
        0xFFFFFFFF,
        encode("fadd.s", rd=1, rs1=2, rs2=3, rm=7) & ~(7 << 12) | (5 << 12),
    ):
        s = run_snippet([word], tier="interp")
        assert s.action.status == 128 + 4, hex(word)


def test_tier0_memory_checks_fault_like_the_jit() -> None:
    for tier in ("interp", "jit"):
        s = run_snippet([("ld", {"rd": 5, "rs1": 6, "imm": 0})], {6: 0x7000_0000}, tier=tier)
        assert s.action.status == 128 + 11, tier
        s = run_snippet([("sd", {"rs1": 6, "rs2": 5, "imm": 0})], {6: 0x10000}, tier=tier)
        assert s.action.status == 128 + 11, tier  # the code page is not writable
        s = run_snippet([("sd", {"rs1": 6, "rs2": 5, "imm": 8})], {5: 7, 6: DATA_BASE}, tier=tier)
        assert s.action.status == 128 + 5  # the ebreak that ends a snippet
        assert struct.unpack("<Q", s.data(8, 8))[0] == 7


def _reserved_words(per_pattern: int = 2) -> list[int]:
    """Words that match a table row and one of its reserved sub-patterns (c.lui with rd = 2 is
    c.addi16sp, c.add with rs2 = 0 is c.jalr or c.ebreak, c.lui with imm = 0 is c.mop, ...):
    where the decoders must go on to the next row rather than give up."""
    import random

    from py_backend.isa import table

    rng = random.Random(5)
    words = set()
    for row in table.ROWS:
        full = (1 << (row.size * 8)) - 1
        for rmask, rmatch in row.reserved:
            free = full & ~(row.mask | rmask)
            for _ in range(per_pattern):
                w = row.match | rmatch | (rng.getrandbits(row.size * 8) & free)
                if w & row.mask == row.match and w & rmask == rmatch:
                    words.add(w)
    return sorted(words)


def test_tier0_decodes_reserved_sub_patterns_as_the_python_decoder() -> None:
    """isa.decode tries the next row of a leaf when a word hits a row's reserved sub-pattern;
    tier 0's Wasm decoder must do the same (it used to call every such word illegal)."""
    from cpu_harness import CODE_BASE

    from py_backend.isa.decode import decode

    words = _reserved_words()
    assert len(words) > 40
    legal = 0
    for w in words:
        s = run_snippet([w], {r: DATA_BASE for r in range(1, 32)}, tier="interp")
        sigill_here = s.action.status == 128 + 4 and f"pc=0x{CODE_BASE:x}" in s.action.message
        assert sigill_here == (decode(w) is None), (hex(w), decode(w), s.action)
        legal += decode(w) is not None
    assert legal >= 5  # some of them are other instructions, not just illegal


# --- one word at two pcs, and code rewritten while tier 0 runs it ------------------------------


def _li32(rd: int, value: int) -> list[int | tuple[str, dict[str, int]]]:
    """lui + addiw: rd = the 32-bit `value`, sign-extended."""
    lo = ((value & 0xFFF) ^ 0x800) - 0x800
    hi = ((value - lo) & 0xFFFF_FFFF) ^ 0x8000_0000
    return [
        ("lui", {"rd": rd, "imm": hi - 0x8000_0000}),
        ("addiw", {"rd": rd, "rs1": rd, "imm": lo}),
    ]


@pytest.mark.parametrize("tier", ["interp", "tiered"])
def test_tier0_runs_one_word_at_two_pcs(tier: str) -> None:
    """Two copies of each word: pc-relative results and the next pc come from the pc, and a
    CSR handler selected by its rs1 (csrrs with rs1 != x0) reads the register of its own word."""
    code = [
        ("auipc", {"rd": 11, "imm": 0}),  # 0x10000: a1 = pc
        ("jal", {"rd": 0, "imm": 8}),  # -> 0x1000c
        ("addi", {"rd": 10, "rs1": 10, "imm": 1000}),  # never
        ("auipc", {"rd": 12, "imm": 0}),  # 0x1000c: a2 = pc (the same word)
        ("jal", {"rd": 0, "imm": 8}),  # -> 0x10018 (the same word)
        ("addi", {"rd": 10, "rs1": 10, "imm": 1000}),  # never
        ("c.addi", {"rd": 10, "imm": 1}),  # 0x10018
        ("c.addi", {"rd": 10, "imm": 1}),  # 0x1001a
        ("addi", {"rd": 13, "rs1": 0, "imm": 5}),
        ("addi", {"rd": 13, "rs1": 0, "imm": 5}),
        ("addi", {"rd": 6, "rs1": 0, "imm": 1}),
        ("csrrs", {"rd": 0, "rs1": 6, "csr": 0x001}),  # fflags |= NX
        ("csrrw", {"rd": 7, "rs1": 0, "csr": 0x001}),  # t2 = fflags; fflags = 0
        ("csrrs", {"rd": 0, "rs1": 6, "csr": 0x001}),  # fflags |= NX again
    ]
    s = run_snippet(code, tier=tier)
    assert s.action.status == 128 + 5 and s.pc == CODE_BASE + len(assemble(code))
    assert (s.x[10], s.x[11], s.x[12], s.x[13]) == (2, CODE_BASE, CODE_BASE + 0xC, 5)
    assert (s.x[7], s.fflags) == (1, 1)


@pytest.mark.parametrize("tier", ["interp", "tiered"])
def test_tier0_runs_a_rewritten_instruction_as_its_new_word(tier: str) -> None:
    """Self-modifying code: a routine on the RWX data page runs, its first instruction is
    overwritten (a 32-bit word, then a compressed one), and each new word runs as itself."""
    routine = assemble([("addi", {"rd": 10, "rs1": 10, "imm": 1}), ("jalr", {"rd": 0, "rs1": 1})])
    new32 = encode("addi", rd=10, rs1=10, imm=100)
    new16 = encode("c.addi", rd=10, imm=7) | 0x0001 << 16  # c.addi a0, 7; c.nop
    code = [
        ("lui", {"rd": 5, "imm": DATA_BASE}),
        ("jalr", {"rd": 1, "rs1": 5}),  # a0 = 1
        *_li32(6, new32),
        ("sw", {"rs1": 5, "rs2": 6, "imm": 0}),
        ("fence.i", {}),
        ("jalr", {"rd": 1, "rs1": 5}),  # a0 = 101
        *_li32(6, new16),
        ("sw", {"rs1": 5, "rs2": 6, "imm": 0}),
        ("fence.i", {}),
        ("jalr", {"rd": 1, "rs1": 5}),  # a0 = 108
    ]
    s = run_snippet(code, data=routine, data_exec=True, tier=tier)
    assert s.action.status == 128 + 5, s.action
    assert s.x[10] == 108


def _profiled_jump(mem_read, site: int) -> tuple[int, list[int]]:
    """(count, ring) of the profile entry of the indirect jump at ``site``."""
    raw = mem_read(abi.ind_profile_entry(site), abi.IND_PROFILE_RING + 4 * abi.IND_PROFILE_TARGETS)
    words = struct.unpack(f"<{2 + abi.IND_PROFILE_TARGETS}I", raw)
    assert words[0] == site
    return words[1], list(words[2 : 2 + min(words[1], abi.IND_PROFILE_TARGETS)])


def test_an_interpreter_loop_compiles_into_one_region() -> None:
    """dispatch.elf's loop goes through its bytecode switch's jump table (one `jr`) for every
    bytecode: eight distinct ones.  Tier 0 records where that jump went (abi.ind_profile_entry,
    the Wasm and the Python side of the index must agree); the hot region that holds the jump
    holds its targets too, so the loop stays in one module instead of leaving it through the
    jump cache at every bytecode."""
    status, out, m = run("dispatch.elf", ["100000"], tier="tiered")
    _, ref, mi = run("dispatch.elf", ["100000"], tier="interp")
    assert status == 0 and out == ref
    # the jump: the one `jr` (jalr x0, not a return) of a translated TB, in both machines
    sites = [
        (tb, block_site)
        for tb in m.tb_cache.tbs.values()
        if (block_site := _last_jalr(m, tb)) is not None
    ]
    assert len(sites) == 1, sites
    tb, site = sites[0]
    count, ring = _profiled_jump(mi.mem.read, site)
    assert count >= 8 * 100000  # every bytecode of the interp run went through it
    assert len(set(ring)) == 9  # the loop's eight bytecodes and the final HALT
    # the tiered run compiled the loop once it was hot (compiled code records nothing: the
    # profile is as the region saw it), with the jump's targets in the jump's module
    by_pc = {t.pc: t for t in m.tb_cache.tbs.values()}
    _, ring_t = _profiled_jump(m.mem.read, site)
    assert len(set(ring_t)) == 8 and set(ring_t) <= set(by_pc)
    assert {by_pc[t].module for t in set(ring_t)} == {tb.module}


def _last_jalr(m: Machine, tb) -> int | None:
    """The pc of the jalr x0 through a non-link register that ends ``tb``, if it does."""
    from py_backend.block import find_block, indirect_site

    return indirect_site(find_block(m.tb_cache._fetch16, tb.pc))


def test_a_region_keeps_the_targets_of_a_jump_with_few() -> None:
    """select_region follows an indirect jump's profiled targets that tier 0 ran, unless the
    jump has more than a region keeps (then it would compare and still leave); a `ret` keeps
    using the return points only."""
    from py_backend.tbcache import MAX_INDIRECT_TARGETS, select_region

    # dispatch: jalr x0, 0(a5); then handlers, each `jal x0, dispatch`
    handlers = MAX_INDIRECT_TARGETS + 1
    code = assemble(
        [("jalr", {"rd": 0, "rs1": 15, "imm": 0})]
        + [("jal", {"rd": 0, "imm": -4 * (k + 1)}) for k in range(handlers)]
        + [("jalr", {"rd": 0, "rs1": 1, "imm": 0})]  # ret
    )

    def fetch16(pc: int) -> int | None:
        off = pc - CODE_BASE
        return struct.unpack_from("<H", code, off)[0] if 0 <= off < len(code) else None

    targets = [CODE_BASE + 4 * (k + 1) for k in range(handlers)]
    ret_pc = CODE_BASE + 4 * (handlers + 1)

    def region(seen: list[int], at: int = CODE_BASE) -> list[int]:
        asked: list[int] = []

        def indirect(site: int) -> list[int]:
            asked.append(site)
            return seen

        ids = iter(range(abi.FIRST_TB, abi.MAX_TBS))
        blocks = select_region(fetch16, at, 32, ids.__next__, ran=lambda pc: True,
                               indirect=indirect)  # fmt: skip
        assert asked == ([at] if at == CODE_BASE else [])
        return [b.pc for _, b in blocks]

    few = targets[:3]
    assert region(few) == [CODE_BASE, *few]
    assert region(targets[:MAX_INDIRECT_TARGETS]) == [CODE_BASE, *targets[:MAX_INDIRECT_TARGETS]]
    assert region(targets) == [CODE_BASE]  # one target too many
    assert region(few, at=ret_pc) == [ret_pc]  # a return asks no profile
