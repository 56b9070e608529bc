"""The one place that defines the memory map and exit protocol shared by every host.

Python (the translator, the Linux layer, the native host) imports these constants; the
JavaScript host reads ``web/abi.json``, which ``python -m py_backend.abi`` writes from this module
and a test checks is current.

All addresses below are byte offsets in the single Wasm linear memory (wasm32).  The memory is
laid out as::

    0x0000_0000  NULL_GUARD   never used (a zero pointer in any host structure is a bug)
    CTX          WasmContext  tb_ptr, exit reason, exit argument, instruction budget, link request,
                              hot threshold, miss target, tier-0 instruction count
    CPU          CPU state    x0..x31, f0..f31 (raw 64-bit), pc, fflags, frm, LR/SC reservation
    LINK_SLOTS   per-TB link slots: MAX_TBS x LINK_SLOTS_PER_TB x i32 (target TB id, 0 = unlinked)
    JMP_CACHE    pc -> TB cache: JMP_CACHE_ENTRIES x {guest pc: i64, tb id: i32, pad}
    HOT_COUNTERS tier-0 block-entry counters: JMP_CACHE_ENTRIES x i32, same index as JMP_CACHE
    STATE_END    (the machine zeroes CTX .. STATE_END when it starts)
    PAGE_TABLE   one byte of PAGE_* flags per guest page
    GUEST_BASE   guest address g lives at GUEST_BASE + g, for 0 <= g < GUEST_SIZE
    GUEST_END    GUARD_SIZE bytes never mapped, so a misaligned access at the last byte stays inside

A guest address is valid only when ``g >> PAGE_SHIFT < GUEST_PAGES`` and its page-table byte
grants the access, so no guest address can name anything below GUEST_BASE.
"""

from __future__ import annotations

import json
from enum import IntEnum, IntFlag
from pathlib import Path
from typing import Any

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
WASM_PAGE = 65536

# --- WasmContext -----------------------------------------------------------------------------
CTX = 0x1000
CTX_TB_PTR = CTX + 0  # i32: id of the TB to run next, 0 = none (exit to the host)
CTX_EXIT_REASON = CTX + 4  # i32: an ExitReason
CTX_EXIT_ARG = CTX + 8  # i64: fault address, invalidated address, ...
CTX_BUDGET = CTX + 16  # i64: guest instructions left in this slice (signed)
CTX_LINK_FROM = CTX + 24  # i32: TB whose goto_tb found its link slot empty
CTX_LINK_SLOT = CTX + 28  # i32: which of its slots (0 = taken / fallthrough, 1 = other)
CTX_TB_COUNT = CTX + 32  # i64: TB entries executed (chain hits = this - host calls)
CTX_HOT_THRESHOLD = CTX + 40  # u32: tier 0 exits HOT when a block entry's counter reaches it
CTX_MISS_TB = CTX + 44  # i32: table index compiled code tail-calls on a jump-cache miss (0: LOOKUP)
CTX_INTERP_INSNS = CTX + 48  # i64: guest instructions executed by tier 0
CTX_SIZE = 64

# Execution tiers every host offers (--tier): "tiered" interprets cold code in tier 0 and
# compiles blocks entered HOT_THRESHOLD times; "interp" never compiles; "jit" compiles every
# block before it runs.  QEMU's TCI tier waits ~1,000 runs and rv32emu 4,096, but here a compile
# costs a Python translation (~0.4 ms a TB) and an engine compile (Cranelift: milliseconds a
# region), while tier 0 runs a block in ~0.1 us: measured on Debian's python3, sqlite3, jq, bc
# (bench/real.py), 500 spent more time compiling than it saved; of 500, 4,000, 20,000 and
# 50,000, 50,000 was best (for python3 and sqlite3 tier 0 alone is still faster: see the
# README's Speed section).
TIERS = ("tiered", "interp", "jit")
DEFAULT_TIER = "tiered"
HOT_THRESHOLD = 50000
# A block entered by a backward jump (a loop) adds this much: loops compile after
# HOT_THRESHOLD / LOOP_WEIGHT iterations (rv32emu compiles a loop at its second run).  Higher
# weights compiled more of python3 and sqlite3 and made them slower (bench/real.py).
LOOP_WEIGHT = 4

# Table index of the tier-0 interpreter (type () -> i32 like a TB); TB ids start after it.
INTERP_TB = 1
FIRST_TB = 2

# --- CPU state -------------------------------------------------------------------------------
CPU = 0x1100
CPU_X = CPU + 0  # 32 x i64
CPU_F = CPU + 256  # 32 x i64, raw bits (single floats NaN-boxed)
CPU_PC = CPU + 512  # i64
CPU_FFLAGS = CPU + 520  # i32, low 5 bits: NV DZ OF UF NX
CPU_FRM = CPU + 524  # i32, 0..7
CPU_RES_ADDR = CPU + 528  # i64: LR reservation address
CPU_RES_VALID = CPU + 536  # i32: 1 while a reservation is held
CPU_RES_VALUE = CPU + 544  # i64: value loaded by LR (SC succeeds only if memory still holds it)
CPU_X0_SINK = CPU + 552  # i64: tier 0 stores writes to x0 here (x0 itself stays 0)
CPU_SIZE = 560


def x_addr(reg: int) -> int:
    return CPU_X + 8 * reg


def f_addr(reg: int) -> int:
    return CPU_F + 8 * reg


# --- link slots ------------------------------------------------------------------------------
LINK_SLOTS = 0x20000
LINK_SLOTS_PER_TB = 2
MAX_TBS = 65536  # TB ids are FIRST_TB..MAX_TBS-1; table index == TB id
LINK_SLOTS_END = LINK_SLOTS + MAX_TBS * LINK_SLOTS_PER_TB * 4


def link_slot_addr(tb: int, slot: int) -> int:
    return LINK_SLOTS + (tb * LINK_SLOTS_PER_TB + slot) * 4


# --- pc -> TB cache (goto_ptr, and tier 0's hand-over to compiled code) and hot counters --------
JMP_CACHE = 0x100000
JMP_CACHE_ENTRIES = 65536  # power of two; index = jmp_cache_index(pc)
JMP_CACHE_ENTRY_SIZE = 16  # {pc: i64 at +0, tb: i32 at +8}
HOT_COUNTERS = JMP_CACHE + JMP_CACHE_ENTRIES * JMP_CACHE_ENTRY_SIZE
STATE_END = HOT_COUNTERS + JMP_CACHE_ENTRIES * 4


def jmp_cache_index(pc: int) -> int:
    """Direct-mapped, on pc bits 1..16 folded with bits 17..32, so that code 128 KiB apart (a
    program and its shared libraries) does not alias.  codegen.emit_jmp_cache_offset is the
    Wasm side of this function."""
    return ((pc ^ (pc >> 16)) >> 1) & (JMP_CACHE_ENTRIES - 1)


def jmp_cache_entry(pc: int) -> int:
    return JMP_CACHE + jmp_cache_index(pc) * JMP_CACHE_ENTRY_SIZE


def hot_counter_addr(pc: int) -> int:
    return HOT_COUNTERS + jmp_cache_index(pc) * 4


# --- guest memory and its page table -----------------------------------------------------------
GUEST_SIZE = 1 << 30  # 1 GiB of guest virtual address space: [0, GUEST_SIZE)
GUEST_PAGES = GUEST_SIZE >> PAGE_SHIFT
PAGE_TABLE = 0x300000
GUEST_BASE = 0x1000000
GUARD_SIZE = WASM_PAGE
MEMORY_BYTES = GUEST_BASE + GUEST_SIZE + GUARD_SIZE
MEMORY_PAGES = MEMORY_BYTES // WASM_PAGE


class PageFlags(IntFlag):
    """One byte per guest page in PAGE_TABLE."""

    READ = 1
    WRITE = 2
    EXEC = 4
    CODE = 8  # translated code lives here: a store must invalidate (self-modifying code)


class ExitReason(IntEnum):
    """Value returned by a TB function and stored in CTX_EXIT_REASON; tb_ptr is 0 on every exit.

    pc in the CPU state is the guest pc at which execution resumes (or faulted).
    """

    CHAIN = 1  # goto_tb found its link slot empty: CTX_LINK_FROM/SLOT say which; pc = target
    LOOKUP = 2  # goto_ptr (indirect jump) missed the jump cache; pc = target
    BUDGET = 3  # instruction budget ran out; pc = next TB to run
    ECALL = 4  # system call; pc = the ecall itself (the host advances it)
    EBREAK = 5  # ebreak at pc -> SIGTRAP
    SEGV = 6  # bad memory access at pc, address in CTX_EXIT_ARG -> SIGSEGV
    ILLEGAL = 7  # illegal instruction at pc -> SIGILL
    SMC = 8  # a store hit a page holding translated code: CTX_EXIT_ARG = address; pc = next insn
    FENCE_I = 9  # fence.i executed; pc = next insn; the host flushes the code cache
    FETCH = 10  # instruction fetch from a non-executable or unmapped page; pc = fault address
    EMULATE = (
        11  # the host interprets the one instruction at pc (rdtime, rare FP cases), then goes on
    )
    BUS = 12  # misaligned AMO or LR/SC at pc, address in CTX_EXIT_ARG -> SIGBUS (as qemu)
    HOT = 13  # tier 0 reached a block entry whose counter hit the threshold; pc = that block
    # Not returned by guest code: what a host passes to service() after an "idle" Action (every
    # guest process waits for the terminal's input; the host let its event loop run meanwhile).
    IDLE = 14


# Signals a guest can die from, as Linux numbers them.
SIGNALS = {
    "SIGILL": 4,
    "SIGTRAP": 5,
    "SIGABRT": 6,
    "SIGBUS": 7,
    "SIGFPE": 8,
    "SIGKILL": 9,
    "SIGSEGV": 11,
}

# Signature of every TB function: () -> i32 (an ExitReason).  The shared funcref table is indexed
# by TB id; modules import the memory as env.mem and the table as env.tbl.
IMPORT_MODULE = "env"
IMPORT_MEMORY = "mem"
IMPORT_TABLE = "tbl"


def as_dict() -> dict[str, Any]:
    names = [
        "PAGE_SHIFT", "PAGE_SIZE", "WASM_PAGE", "CTX", "CTX_TB_PTR", "CTX_EXIT_REASON",
        "CTX_EXIT_ARG", "CTX_BUDGET", "CTX_LINK_FROM", "CTX_LINK_SLOT", "CTX_TB_COUNT",
        "CTX_HOT_THRESHOLD", "CTX_MISS_TB", "CTX_INTERP_INSNS", "INTERP_TB", "FIRST_TB",
        "CTX_SIZE", "CPU",
        "CPU_X", "CPU_F", "CPU_PC", "CPU_FFLAGS", "CPU_FRM", "CPU_RES_ADDR", "CPU_RES_VALID",
        "CPU_RES_VALUE", "CPU_X0_SINK", "CPU_SIZE", "JMP_CACHE", "JMP_CACHE_ENTRIES",
        "JMP_CACHE_ENTRY_SIZE",
        "LINK_SLOTS", "LINK_SLOTS_PER_TB", "MAX_TBS", "LINK_SLOTS_END", "HOT_COUNTERS",
        "STATE_END", "GUEST_SIZE",
        "GUEST_PAGES", "PAGE_TABLE", "GUEST_BASE", "GUARD_SIZE", "MEMORY_BYTES", "MEMORY_PAGES",
        "IMPORT_MODULE", "IMPORT_MEMORY", "IMPORT_TABLE",
    ]  # fmt: skip
    g = globals()
    return {
        "layout": {n: g[n] for n in names},
        "exit": {e.name: e.value for e in ExitReason},
        "page": {f.name: f.value for f in PageFlags if f.name},
        "tiers": {
            "names": list(TIERS),
            "default": DEFAULT_TIER,
            "hot_threshold": HOT_THRESHOLD,
            "loop_weight": LOOP_WEIGHT,
        },
        "signals": dict(SIGNALS),
    }


def to_json() -> str:
    return json.dumps(as_dict(), indent=2, sort_keys=True) + "\n"


ABI_JSON_PATH = Path(__file__).resolve().parent.parent / "web" / "abi.json"


def _check_layout() -> None:
    assert CTX + CTX_SIZE <= CPU
    assert CTX_INTERP_INSNS + 8 <= CTX + CTX_SIZE
    assert CPU + CPU_SIZE <= LINK_SLOTS
    assert LINK_SLOTS_END <= JMP_CACHE < HOT_COUNTERS < STATE_END <= PAGE_TABLE
    assert JMP_CACHE_ENTRIES & (JMP_CACHE_ENTRIES - 1) == 0
    assert PAGE_TABLE + GUEST_PAGES <= GUEST_BASE
    assert MEMORY_BYTES % WASM_PAGE == 0 and MEMORY_BYTES < 1 << 32


_check_layout()

if __name__ == "__main__":
    ABI_JSON_PATH.write_text(to_json())
    print(f"wrote {ABI_JSON_PATH}")
