"""Per-instruction tests of RV64 I, M, A and Zicsr: exact register state before and after,
run through the real translator and wasmtime."""

from __future__ import annotations

import pytest
from cpu_harness import DATA_BASE, run_snippet

M64 = 2**64 - 1
MIN64 = 1 << 63
MIN32 = 0xFFFFFFFF80000000  # INT32_MIN sign-extended


def sx32(v: int) -> int:
    v &= 0xFFFFFFFF
    return (v | ~0xFFFFFFFF) & M64 if v & 0x80000000 else v


def r(name: str, a: int, b: int) -> int:
    """Run `name a0, a1, a2` with a1 = a, a2 = b; return a0."""
    s = run_snippet([(name, {"rd": 10, "rs1": 11, "rs2": 12})], {11: a, 12: b})
    assert s.action.status == 133, s.action  # the final ebreak
    return s.x[10]


DIV_CASES = [
    # name, a, b, expected -- the division-by-zero and overflow rules of the M extension
    ("div", 7, 0, M64),
    ("divu", 7, 0, M64),
    ("rem", 7, 0, 7),
    ("remu", 7, 0, 7),
    ("div", MIN64, M64, MIN64),
    ("rem", MIN64, M64, 0),
    ("div", -7 & M64, 2, -3 & M64),
    ("rem", -7 & M64, 2, -1 & M64),
    ("divu", M64, 2, M64 >> 1),
    ("remu", M64, 10, M64 % 10),
    ("divw", 7, 0, M64),
    ("divuw", 7, 0, M64),
    ("remw", 0xFFFFFFFF00000007, 0, 7),
    ("remuw", 0x80000007, 0, sx32(0x80000007)),
    ("divw", 0x80000000, 0xFFFFFFFF, MIN32),
    ("remw", 0x80000000, 0xFFFFFFFF, 0),
    ("divuw", 0x80000000, 2, 0x40000000),
    ("divw", 0x1_0000_000A, 0x1_FFFF_FFFE, -5 & M64),
]


@pytest.mark.parametrize(("name", "a", "b", "want"), DIV_CASES)
def test_div_rem(name: str, a: int, b: int, want: int) -> None:
    assert r(name, a, b) == want


def _mulh_ref(a: int, b: int, sa: bool, sb: bool) -> int:
    if sa and a & MIN64:
        a -= 1 << 64
    if sb and b & MIN64:
        b -= 1 << 64
    return ((a * b) >> 64) & M64


MUL_VALUES = [0, 1, 2, M64, MIN64, MIN64 - 1, 0x1234_5678_9ABC_DEF0, 0xFFFF_FFFF, 1 << 32, 3]


@pytest.mark.parametrize("a", MUL_VALUES)
def test_mul_high(a: int) -> None:
    for b in MUL_VALUES:
        assert r("mulh", a, b) == _mulh_ref(a, b, True, True), (hex(a), hex(b))
        assert r("mulhu", a, b) == _mulh_ref(a, b, False, False), (hex(a), hex(b))
        assert r("mulhsu", a, b) == _mulh_ref(a, b, True, False), (hex(a), hex(b))
        assert r("mul", a, b) == (a * b) & M64
        assert r("mulw", a, b) == sx32(a * b)


W_CASES = [
    ("addw", 0x7FFFFFFF, 1, MIN32),
    ("subw", 0, 1, M64),
    ("sllw", 1, 31, MIN32),
    ("sllw", 1, 32 + 3, 8),  # only rs2[4:0]
    ("srlw", 0xFFFFFFFF_80000000, 4, 0x08000000),
    ("sraw", 0x80000000, 4, 0xFFFFFFFFF8000000),
    ("sll", 1, 64 + 5, 32),  # only rs2[5:0]
    ("srl", MIN64, 63, 1),
    ("sra", MIN64, 63, M64),
    ("slt", M64, 0, 1),
    ("sltu", M64, 0, 0),
    ("sub", 0, 1, M64),
    ("xor", 0xF0, 0xFF, 0x0F),
]


@pytest.mark.parametrize(("name", "a", "b", "want"), W_CASES)
def test_alu(name: str, a: int, b: int, want: int) -> None:
    assert r(name, a, b) == want


def test_immediates_and_x0() -> None:
    s = run_snippet(
        [
            ("addi", {"rd": 5, "rs1": 0, "imm": -1}),
            ("sltiu", {"rd": 6, "rs1": 0, "imm": -1}),  # 0 < 0xffff...ffff unsigned
            ("addiw", {"rd": 7, "rs1": 5, "imm": 0}),  # sext.w
            ("slli", {"rd": 8, "rs1": 5, "imm": 63}),
            ("srai", {"rd": 9, "rs1": 8, "imm": 63}),
            ("lui", {"rd": 10, "imm": -4096}),
            ("auipc", {"rd": 11, "imm": 4096}),
            ("addi", {"rd": 0, "rs1": 5, "imm": 5}),  # writes to x0 vanish
            ("c.li", {"rd": 12, "imm": -3}),
            ("srliw", {"rd": 13, "rs1": 5, "imm": 1}),
        ]
    )
    assert s.x[0] == 0
    assert s.x[5] == M64 and s.x[6] == 1 and s.x[7] == M64
    assert s.x[8] == MIN64 and s.x[9] == M64
    assert s.x[10] == (-4096 & M64)
    assert s.x[11] == 0x10000 + 6 * 4 + 4096
    assert s.x[12] == (-3 & M64)
    assert s.x[13] == 0x7FFFFFFF


def test_auipc_is_pc_relative() -> None:
    s = run_snippet([("addi", {"rd": 0, "rs1": 0}), ("auipc", {"rd": 11, "imm": 4096})])
    assert s.x[11] == 0x10000 + 4 + 4096


def test_loads_stores_sign_and_zero_extension() -> None:
    data = bytes([0x80, 0xFF, 0x7F, 0x80, 0x01, 0x02, 0x03, 0x84])
    s = run_snippet(
        [
            ("lb", {"rd": 5, "rs1": 10, "imm": 0}),
            ("lbu", {"rd": 6, "rs1": 10, "imm": 0}),
            ("lh", {"rd": 7, "rs1": 10, "imm": 0}),
            ("lhu", {"rd": 8, "rs1": 10, "imm": 0}),
            ("lw", {"rd": 9, "rs1": 10, "imm": 4}),
            ("lwu", {"rd": 11, "rs1": 10, "imm": 4}),
            ("ld", {"rd": 12, "rs1": 10, "imm": 0}),
            ("sd", {"rs1": 10, "rs2": 12, "imm": 16}),
            ("sw", {"rs1": 10, "rs2": 12, "imm": 24}),
            ("sh", {"rs1": 10, "rs2": 12, "imm": 30}),
            ("sb", {"rs1": 10, "rs2": 12, "imm": 33}),  # misaligned is fine in user mode
            ("ld", {"rd": 13, "rs1": 10, "imm": 1}),
        ],
        {10: DATA_BASE},
        data=data,
    )
    assert s.x[5] == (-128 & M64) and s.x[6] == 0x80
    assert s.x[7] == (0xFF80 | ~0xFFFF) & M64 and s.x[8] == 0xFF80
    assert s.x[9] == sx32(0x84030201) and s.x[11] == 0x84030201
    assert s.x[12] == int.from_bytes(data, "little")
    assert s.data(16, 8) == data
    assert s.data(24, 4) == data[:4] and s.data(30, 2) == data[:2] and s.data(33, 1) == data[:1]
    assert s.x[13] == int.from_bytes(data[1:] + b"\0", "little")


def test_branches_and_loop_back_to_own_tb() -> None:
    # a0 = sum of 1..100 with a backward branch to the TB's own start
    s = run_snippet(
        [
            ("addi", {"rd": 10, "rs1": 0, "imm": 0}),
            ("addi", {"rd": 11, "rs1": 0, "imm": 100}),
            # loop:
            ("add", {"rd": 10, "rs1": 10, "rs2": 11}),
            ("addi", {"rd": 11, "rs1": 11, "imm": -1}),
            ("bne", {"rs1": 11, "rs2": 0, "imm": -8}),
        ]
    )
    assert s.x[10] == 5050
    st = s.machine.stats()
    assert st["guest_insns"] == 2 + 3 * 100 + 1
    assert st["host_calls"] <= 4  # chaining and the self-loop stay inside Wasm


def test_jal_jalr_link_and_lsb_clear() -> None:
    s = run_snippet(
        [
            ("jal", {"rd": 1, "imm": 8}),  # skip the next instruction
            ("addi", {"rd": 5, "rs1": 0, "imm": 1}),
            ("auipc", {"rd": 6, "imm": 0}),
            ("jalr", {"rd": 7, "rs1": 6, "imm": 13}),  # target 0x10008 + 13 -> lsb cleared
            ("addi", {"rd": 8, "rs1": 0, "imm": 1}),
            ("addi", {"rd": 9, "rs1": 0, "imm": 2}),  # at 0x10014 = 0x10008 + 12
        ]
    )
    assert s.x[1] == 0x10004 and s.x[5] == 0
    assert s.x[7] == 0x10010 and s.x[8] == 0 and s.x[9] == 2


def test_lr_sc_and_amos() -> None:
    s = run_snippet(
        [
            ("lr.d", {"rd": 5, "rs1": 10}),
            ("addi", {"rd": 5, "rs1": 5, "imm": 1}),
            ("sc.d", {"rd": 6, "rs1": 10, "rs2": 5}),  # succeeds: 0
            ("sc.d", {"rd": 7, "rs1": 10, "rs2": 5}),  # no reservation: 1
            ("addi", {"rd": 12, "rs1": 0, "imm": -5}),
            ("amoadd.w", {"rd": 13, "rs1": 11, "rs2": 12}),
            ("amomin.w", {"rd": 14, "rs1": 11, "rs2": 12}),
            ("amomaxu.d", {"rd": 15, "rs1": 10, "rs2": 12}),
            ("amoswap.w", {"rd": 16, "rs1": 11, "rs2": 0}),
        ],
        {10: DATA_BASE, 11: DATA_BASE + 8},
        data=(41).to_bytes(8, "little") + (3).to_bytes(4, "little"),
    )
    assert s.x[5] == 42 and s.x[6] == 0 and s.x[7] == 1
    assert s.x[13] == 3  # old value
    assert s.x[14] == (-2 & M64)  # old value -2 (3 + -5), then min(-2, -5) = -5 stored
    assert s.x[15] == 42 and s.data(0, 8) == (-5 & M64).to_bytes(8, "little")
    assert s.x[16] == (-5 & M64) and s.data(8, 4) == bytes(4)


def test_fcsr_fields() -> None:
    s = run_snippet(
        [
            ("csrrwi", {"rd": 5, "csr": 2, "rs1": 3}),  # frm = RUP, old frm -> t0
            ("csrrsi", {"rd": 6, "csr": 1, "rs1": 0x1F}),  # set all flags
            ("csrrw", {"rd": 7, "csr": 3, "rs1": 10}),  # fcsr = 0x1ff & a0
            ("csrrs", {"rd": 8, "csr": 3, "rs1": 0}),  # read only
        ],
        {10: 0xFFFF_FF41},
        frm=1,
        fflags=2,
    )
    assert s.x[5] == 1 and s.x[6] == 2
    assert s.x[7] == (3 << 5) | 0x1F
    assert s.x[8] == 0x41 and s.frm == 2 and s.fflags == 1


def test_counters_are_monotonic() -> None:
    s = run_snippet(
        [
            ("csrrs", {"rd": 5, "csr": 0xC02, "rs1": 0}),
            ("addi", {"rd": 0, "rs1": 0}),
            ("csrrs", {"rd": 6, "csr": 0xC02, "rs1": 0}),
            ("csrrs", {"rd": 7, "csr": 0xC01, "rs1": 0}),
        ]
    )
    assert 0 < s.x[5] < s.x[6]


def test_illegal_and_unknown_csr_give_sigill_at_pc() -> None:
    s = run_snippet([("addi", {"rd": 5, "rs1": 0, "imm": 1}), 0x00000000])
    assert s.action.status == 132 and "pc=0x10004" in s.action.message
    s = run_snippet([("csrrs", {"rd": 5, "csr": 0x300, "rs1": 0})])  # mstatus: not in U-mode
    assert s.action.status == 132 and "pc=0x10000" in s.action.message
    s = run_snippet([("csrrw", {"rd": 5, "csr": 0xC00, "rs1": 1})])  # cycle is read-only
    assert s.action.status == 132


def test_wild_pointers_fault_with_address() -> None:
    for addr in (0, 0x1000, DATA_BASE + 0x1000, 1 << 30, (1 << 30) - 4, 1 << 63, M64):
        s = run_snippet([("ld", {"rd": 5, "rs1": 10})], {10: addr})
        assert s.action.status == 139, hex(addr)
        assert s.action.message == f"tbwasm: guest SIGSEGV at pc=0x10000 (addr 0x{addr:x})"
    # stores to the read-only code segment fault too
    s = run_snippet([("sd", {"rs1": 10, "rs2": 0})], {10: 0x10000})
    assert s.action.status == 139


def test_budget_exit_resumes_exactly() -> None:
    s = run_snippet(
        [
            ("addi", {"rd": 11, "rs1": 0, "imm": 1000}),
            ("addi", {"rd": 10, "rs1": 10, "imm": 3}),
            ("addi", {"rd": 11, "rs1": 11, "imm": -1}),
            ("bne", {"rs1": 11, "rs2": 0, "imm": -8}),
        ],
        budget=7,
    )
    assert s.x[10] == 3000
    assert s.machine.stats()["host_calls"] > 100


def test_jump_to_non_executable_page_is_a_fetch_fault() -> None:
    s = run_snippet([("jalr", {"rd": 0, "rs1": 10})], {10: DATA_BASE})
    assert s.action.status == 139 and f"addr 0x{DATA_BASE:x}" in s.action.message


def test_self_modifying_store_invalidates_translated_code() -> None:
    from cpu_harness import assemble

    body = assemble([("addi", {"rd": 10, "rs1": 10, "imm": 1}), ("jalr", {"rd": 0, "rs1": 1})])
    new = assemble([("addi", {"rd": 10, "rs1": 10, "imm": 100})])
    s = run_snippet(
        [
            ("jalr", {"rd": 1, "rs1": 11}),  # call the code in the data page: a0 += 1
            ("sw", {"rs1": 11, "rs2": 12}),  # rewrite its first instruction
            ("jalr", {"rd": 1, "rs1": 11}),  # call again: a0 += 100
        ],
        {11: DATA_BASE, 12: int.from_bytes(new, "little")},
        data=body,
        data_exec=True,
    )
    assert s.x[10] == 101
    if s.machine.tier == "jit":  # the rewritten code was translated again
        assert s.machine.stats()["tbs_translated"] >= 4


def test_fsgnj_single_and_double_with_nan_boxing() -> None:
    box = 0xFFFFFFFF00000000
    one_s, neg2_s = box | 0x3F800000, box | 0xC0000000
    one_d, neg2_d = 0x3FF0000000000000, 0xC000000000000000
    unboxed = 0x0000000040400000  # not NaN-boxed: reads as the canonical NaN
    s = run_snippet(
        [
            ("fsgnj.s", {"rd": 1, "rs1": 10, "rs2": 11}),  # |1| with sign of -2 -> -1
            ("fsgnjn.s", {"rd": 2, "rs1": 11, "rs2": 11}),  # -2 with inverted own sign -> 2
            ("fsgnjx.s", {"rd": 3, "rs1": 11, "rs2": 11}),  # sign xor sign = + -> 2
            ("fsgnj.s", {"rd": 4, "rs1": 12, "rs2": 10}),  # unboxed rs1 -> canonical NaN
            ("fsgnj.d", {"rd": 5, "rs1": 13, "rs2": 14}),
            ("fsgnjn.d", {"rd": 6, "rs1": 14, "rs2": 14}),
            ("fsgnjx.d", {"rd": 7, "rs1": 14, "rs2": 13}),
        ],
        f={10: one_s, 11: neg2_s, 12: unboxed, 13: one_d, 14: neg2_d},
    )
    assert s.f[1] == box | 0xBF800000
    assert s.f[2] == box | 0x40000000 and s.f[3] == box | 0x40000000
    assert s.f[4] == box | 0x7FC00000
    assert s.f[5] == 0xBFF0000000000000
    assert s.f[6] == 0x4000000000000000 and s.f[7] == neg2_d
    assert s.fflags == 0  # sign injection never raises flags
