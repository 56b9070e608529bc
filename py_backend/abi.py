"""The one place that defines the memory map and exit protocol shared by every host.

Python (the translator, the Linux layer, the native host) imports these constants; the
JavaScript host reads ``web/abi.json``, which ``python -m py_backend.abi`` writes from this module
and a test checks is current.

All addresses below are byte offsets in the single Wasm linear memory (wasm32).  The memory is
laid out as::

    0x0000_0000  NULL_GUARD   never used (a zero pointer in any host structure is a bug)
    CTX          WasmContext  exit argument, instruction budget, TB and tier-0 instruction counts,
                              link request, hot threshold, miss target
    CPU          CPU state    x0..x31, f0..f31 (raw 64-bit), pc, fflags, frm, LR/SC reservation,
                              vl, vtype, vstart, vxrm, vxsat, v0..v31 (16 bytes each)
    LINK_SLOTS   per-TB link slots: MAX_TBS x LINK_SLOTS_PER_TB x i32 (target TB id, 0 = unlinked)
    JMP_CACHE    pc -> TB cache: JMP_CACHE_ENTRIES x {guest pc: i64, tb id: i32, pad}
    HOT_COUNTERS tier-0 block-entry counters: JMP_CACHE_ENTRIES x i32, same index as JMP_CACHE
    IND_PROFILE  tier-0 indirect-jump profile: IND_PROFILE_ENTRIES x {jump pc, count, targets}
    STATE_END    (the machine zeroes CTX .. STATE_END when it starts)
    PAGE_TABLE   one byte of PAGE_* flags per guest page
    GUEST_BASE   guest address g lives at GUEST_BASE + g, for 0 <= g < GUEST_SIZE
    GUEST_END    GUARD_SIZE bytes never mapped, so a misaligned access at the last byte stays inside

A guest address is valid only when ``g >> PAGE_SHIFT < GUEST_PAGES`` and its page-table byte
grants the access, so no guest address can name anything below GUEST_BASE.
"""

from __future__ import annotations

import json
from enum import IntEnum, IntFlag, StrEnum
from pathlib import Path
from typing import Any

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
WASM_PAGE = 65536

# --- WasmContext -----------------------------------------------------------------------------
# What generated code and the host exchange besides the CPU state.  The exit reason is not here:
# every TB function returns it, and tier 0 / compiled code never need to read it back.
CTX = 0x1000
CTX_EXIT_ARG = CTX + 0  # i64: fault address, invalidated address, ...
CTX_BUDGET = CTX + 8  # i64: guest instructions left in this slice (signed)
CTX_TB_COUNT = CTX + 16  # i64: TB entries executed (chain hits = this - host calls)
CTX_INTERP_INSNS = CTX + 24  # i64: guest instructions executed by tier 0
CTX_LINK_FROM = CTX + 32  # i32: TB whose goto_tb found its link slot empty
CTX_LINK_SLOT = CTX + 36  # i32: which of its slots (0 = taken / fallthrough, 1 = other)
CTX_HOT_THRESHOLD = CTX + 40  # u32: tier 0 exits HOT when a block entry's counter reaches it
CTX_MISS_TB = CTX + 44  # i32: table index compiled code tail-calls on a jump-cache miss (0: LOOKUP)
CTX_SIZE = 48

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
# The vector extension (RVV 1.0, VLEN = 128; docs/architecture.md "Vector"): vl and vtype as
# the CSRs read (vtype = VTYPE_VILL alone when vill is set), vstart, vxrm (2 bits), vxsat (1 bit),
# then v0..v31, VLENB bytes each, contiguous, so a register group of LMUL registers starting at
# vN is one run of bytes and element k of it is at v_addr(N) + k * SEW/8.
CPU_VL = CPU + 560  # i64
CPU_VTYPE = CPU + 568  # i64
CPU_VSTART = CPU + 576  # i32
CPU_VXRM = CPU + 580  # i32
CPU_VXSAT = CPU + 584  # i32
# i32: the thread's vector control, Linux's vstate_ctrl (prctl PR_RISCV_V_SET_CONTROL: the
# current setting in bits 1..0, the one execve applies in bits 3..2, the inherit bit 4); every
# vector instruction and vector CSR access is illegal while the current setting is VCTRL_OFF
CPU_VCTRL = CPU + 588
VCTRL_DEFAULT, VCTRL_OFF, VCTRL_ON, VCTRL_INHERIT = 0, 1, 2, 1 << 4
CPU_V = CPU + 592  # 32 x VLENB bytes, 16-byte aligned
VLEN = 128  # bits per vector register
VLENB = VLEN // 8
ELEN = 64
VTYPE_VILL = 1 << 63
CPU_SIZE = 592 + 32 * VLENB


def x_addr(reg: int) -> int:
    return CPU_X + 8 * reg


def f_addr(reg: int) -> int:
    return CPU_F + 8 * reg


def v_addr(reg: int) -> int:
    return CPU_V + VLENB * reg


# --- link slots ------------------------------------------------------------------------------
LINK_SLOTS = 0x20000
LINK_SLOTS_PER_TB = 2
MAX_TBS = 65536  # TB ids are FIRST_TB..MAX_TBS-1; table index == TB id
LINK_SLOTS_END = LINK_SLOTS + MAX_TBS * LINK_SLOTS_PER_TB * 4


LINK_SLOT_SHIFT = 2  # a slot is an i32
LINK_TB_SHIFT = LINK_SLOT_SHIFT + (LINK_SLOTS_PER_TB - 1).bit_length()  # a TB's slots, in bytes


def link_slot_addr(tb: int, slot: int) -> int:
    return LINK_SLOTS + (tb << LINK_TB_SHIFT) + (slot << LINK_SLOT_SHIFT)


def link_slot_of(addr: int) -> tuple[int, int]:
    """The (TB id, slot) whose link slot is at `addr`: link_slot_addr inverted with shifts, as
    codegen's chain exit does in Wasm (LINK_SLOTS_PER_TB is a power of two)."""
    off = addr - LINK_SLOTS
    return off >> LINK_TB_SHIFT, off >> LINK_SLOT_SHIFT & (LINK_SLOTS_PER_TB - 1)


# --- pc -> TB cache (goto_ptr, and tier 0's hand-over to compiled code) and hot counters --------
JMP_CACHE = 0x100000
JMP_CACHE_ENTRIES = 65536  # power of two; index = jmp_cache_index(pc)
JMP_CACHE_ENTRY_SIZE = 16  # {pc: i64 at +0, tb: i32 at +8}; a power of two
JMP_CACHE_ENTRY_SHIFT = JMP_CACHE_ENTRY_SIZE.bit_length() - 1
JMP_CACHE_TB = 8  # offset of the TB id in an entry
JMP_CACHE_FOLD = 16  # the index folds pc >> JMP_CACHE_FOLD into pc
HOT_COUNTER_SIZE = 4  # u32 counters, so a counter's offset is an entry's >> HOT_COUNTER_SHIFT
HOT_COUNTER_SHIFT = JMP_CACHE_ENTRY_SHIFT - 2
HOT_COUNTERS = JMP_CACHE + JMP_CACHE_ENTRIES * JMP_CACHE_ENTRY_SIZE

# --- indirect-jump profile: where tier 0 saw each jalr go (hot regions follow it) -----------------
# Direct-mapped on the jalr's pc (guest pcs fit in 32 bits): {site: u32 at +0, count: u32 at +4
# (jumps recorded since the site took the entry), targets: u32 x IND_PROFILE_TARGETS at +8, a
# ring written at count % IND_PROFILE_TARGETS}.  A hint only: compiled code compares every target.
IND_PROFILE = HOT_COUNTERS + JMP_CACHE_ENTRIES * HOT_COUNTER_SIZE
IND_PROFILE_ENTRIES = 2048  # power of two; index = ind_profile_index(site pc)
IND_PROFILE_ENTRY_SIZE = 128  # a power of two
IND_PROFILE_ENTRY_SHIFT = IND_PROFILE_ENTRY_SIZE.bit_length() - 1
IND_PROFILE_COUNT = 4  # offset of the count in an entry
IND_PROFILE_RING = 8  # offset of the first target
IND_PROFILE_TARGETS = 16  # a power of two
STATE_END = IND_PROFILE + IND_PROFILE_ENTRIES * IND_PROFILE_ENTRY_SIZE


def jmp_cache_index(pc: int) -> int:
    """Direct-mapped, on pc bits 1..16 folded with bits 17..32, so that code 128 KiB apart (a
    program and its shared libraries) does not alias.  codegen.emit_jmp_cache_offset is the
    Wasm side of this function (tests/unit/test_cpu_state.py runs both)."""
    return ((pc ^ (pc >> JMP_CACHE_FOLD)) >> 1) & (JMP_CACHE_ENTRIES - 1)


def jmp_cache_entry(pc: int) -> int:
    return JMP_CACHE + (jmp_cache_index(pc) << JMP_CACHE_ENTRY_SHIFT)


def hot_counter_addr(pc: int) -> int:
    return HOT_COUNTERS + jmp_cache_index(pc) * HOT_COUNTER_SIZE


def ind_profile_entry(site: int) -> int:
    """The profile entry of the indirect jump at pc ``site`` (tier0.py's goto_ptr is the Wasm
    side of this function)."""
    return IND_PROFILE + (((site >> 1) & (IND_PROFILE_ENTRIES - 1)) << IND_PROFILE_ENTRY_SHIFT)


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
    """Value returned by a TB function (and by tier 0) to the host's dispatch loop.

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
    FENCE_I = 9  # fence.i executed; pc = next insn; go on: the TB cache is always coherent
    FETCH = 10  # instruction fetch from a non-executable or unmapped page; pc = fault address
    EMULATE = (
        11  # the host interprets the one instruction at pc (rdtime, rare FP cases), then goes on
    )
    BUS = 12  # misaligned AMO or LR/SC at pc, address in CTX_EXIT_ARG -> SIGBUS (as qemu)
    HOT = 13  # tier 0 reached a block entry whose counter hit the threshold; pc = that block
    # Not returned by guest code: what a host passes to service() after an "idle" Action (every
    # guest process waits for the terminal's input; the host let its event loop run meanwhile).
    IDLE = 14


# --- what hosts report besides the guest's own exit status --------------------------------------
class HostStatus(IntEnum):
    """Exit statuses of a run that are not the guest's (which is its exit code, or 128 + the
    signal that killed it).  Every host (the CLIs, the page, Node) reports these."""

    USAGE = 2  # a bad command line or option, or a program the loader rejects (one line said)
    INTERNAL = 70  # an emulator bug or a trap in generated code (EX_SOFTWARE)
    # The host stopped the guest: the page's Stop, --timeout, a runaway guest.  A shell reports
    # an interrupted job as 128 + SIGINT, and so do we, with STOPPED_MESSAGE on stderr.
    STOPPED = 130


STOPPED_MESSAGE = "tbwasm: stopped"
# Guest instructions a slice runs before a budget exit lets the host look around (Stop, the
# terminal's input, another thread or process).  5,000,000 is ~10 ms of compiled code and
# ~100 ms of tier 0; 1,000,000 cost the CLI 5-7% on bench.elf with no better response.
DEFAULT_BUDGET = 5_000_000

# Signature of every TB function: () -> i32 (an ExitReason).  The shared funcref table is indexed
# by TB id; modules import the memory as env.mem and the table as env.tbl.
IMPORT_MODULE = "env"
IMPORT_MEMORY = "mem"
IMPORT_TABLE = "tbl"

# Cache-block operations (Zicbom, Zicboz) work on blocks of this many bytes: the translator's
# cbo.zero and the Linux layer's hwprobe answer both use it.
CBO_BLOCK = 64


# --- what service() answers: the host's next action --------------------------------------------
class ActionKind(StrEnum):
    """The kind of an Action (py_backend/exits.py).  RUN, EXIT, IDLE and ERROR reach hosts (the
    JavaScript ones read them from abi.json's ``action.kinds``); BLOCK and REPLACED are internal
    to the process system (a process that cannot run, an execve) and never leave it."""

    RUN = "run"  # instantiate ``modules``, then call TB ``tb`` in memory ``space``
    EXIT = "exit"  # the run ended with ``status`` (and ``message`` on stderr)
    IDLE = "idle"  # let the host's event loop run (up to ``timeout`` s), then service(IDLE)
    ERROR = "error"  # (the Pyodide bridge) the program could not be loaded: one line said
    BLOCK = "block"  # internal: every thread of the process waits
    REPLACED = "replaced"  # internal: execve replaced the process image


WIRE_ACTIONS = (ActionKind.RUN, ActionKind.EXIT, ActionKind.IDLE, ActionKind.ERROR)


# A run action whose TB is in another space than the last one, encoded as one negative integer
# (the Pyodide bridge's fast path, decoded by web/runtime/runtime.mjs from abi.json's ``action``).
OTHER_SPACE_FORMULA = "-1 - (space * base + tb)"


def encode_other_space_tb(space: int, tb: int) -> int:
    """``-1 - (space * MAX_TBS + tb)``: run TB ``tb`` in memory ``space`` (a switch)."""
    return -1 - (space * MAX_TBS + tb)


def decode_other_space_tb(v: int) -> tuple[int, int]:
    """(space, tb) of `encode_other_space_tb`'s value."""
    return divmod(-1 - v, MAX_TBS)


def as_dict() -> dict[str, Any]:
    names = [
        "PAGE_SHIFT", "PAGE_SIZE", "WASM_PAGE", "CTX", "CTX_EXIT_ARG", "CTX_BUDGET",
        "CTX_LINK_FROM", "CTX_LINK_SLOT", "CTX_TB_COUNT",
        "CTX_HOT_THRESHOLD", "CTX_MISS_TB", "CTX_INTERP_INSNS", "INTERP_TB", "FIRST_TB",
        "CTX_SIZE", "CPU",
        "CPU_X", "CPU_F", "CPU_PC", "CPU_FFLAGS", "CPU_FRM", "CPU_RES_ADDR", "CPU_RES_VALID",
        "CPU_RES_VALUE", "CPU_X0_SINK", "CPU_VL", "CPU_VTYPE", "CPU_VSTART", "CPU_VXRM",
        "CPU_VXSAT", "CPU_V", "VLENB", "CPU_SIZE", "JMP_CACHE", "JMP_CACHE_ENTRIES",
        "JMP_CACHE_ENTRY_SIZE", "JMP_CACHE_TB", "HOT_COUNTER_SIZE",
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
        "host": {
            "status": {s.name: s.value for s in HostStatus},
            "stopped_message": STOPPED_MESSAGE,
            "default_budget": DEFAULT_BUDGET,
        },
        "action": {
            "kinds": {k.value: k.value for k in WIRE_ACTIONS},
            "other_space": {"base": MAX_TBS, "formula": OTHER_SPACE_FORMULA},
        },
        "options": options_table(),
    }


def options_table() -> list[dict[str, Any]]:
    """abi.json's ``options``: MachineOptions (py_backend/options.py) as JS hosts name them."""
    from .options import options_table as table  # (options.py takes its defaults from here)

    return table()


def to_json() -> str:
    return json.dumps(as_dict(), indent=2, sort_keys=True) + "\n"


ABI_JSON_PATH = Path(__file__).resolve().parent.parent / "web" / "abi.json"


def _check_layout() -> None:
    assert CTX + CTX_SIZE <= CPU
    assert CTX_INTERP_INSNS + 8 <= CTX + CTX_SIZE
    assert CPU + CPU_SIZE <= LINK_SLOTS
    assert CPU_X0_SINK + 8 <= CPU_VL and CPU_VXSAT + 4 <= CPU_V and CPU_V % 16 == 0
    assert CPU_VXSAT + 4 <= CPU_VCTRL and CPU_VCTRL + 4 <= CPU_V
    assert v_addr(32) == CPU + CPU_SIZE
    assert LINK_SLOTS_END <= JMP_CACHE < HOT_COUNTERS < IND_PROFILE < STATE_END <= PAGE_TABLE
    assert IND_PROFILE_RING + 4 * IND_PROFILE_TARGETS <= IND_PROFILE_ENTRY_SIZE
    assert GUEST_SIZE <= 1 << 32  # a guest pc fits the profile's u32 fields
    # codegen and tier 0 index with masks and shifts: these sizes must be powers of two
    for n in (
        JMP_CACHE_ENTRIES,
        JMP_CACHE_ENTRY_SIZE,
        LINK_SLOTS_PER_TB,
        HOT_COUNTER_SIZE,
        IND_PROFILE_ENTRIES,
        IND_PROFILE_ENTRY_SIZE,
        IND_PROFILE_TARGETS,
    ):
        assert n & (n - 1) == 0, n
    assert JMP_CACHE_ENTRY_SIZE == HOT_COUNTER_SIZE << HOT_COUNTER_SHIFT
    assert JMP_CACHE_TB + 4 <= JMP_CACHE_ENTRY_SIZE
    assert all(link_slot_of(link_slot_addr(t, s)) == (t, s) for t in (0, 1, MAX_TBS - 1)
               for s in range(LINK_SLOTS_PER_TB))  # fmt: skip
    assert PAGE_TABLE + GUEST_PAGES <= GUEST_BASE
    assert MEMORY_BYTES % WASM_PAGE == 0 and MEMORY_BYTES < 1 << 32
    assert all(decode_other_space_tb(encode_other_space_tb(s, t)) == (s, t) for s in (0, 1, 7)
               for t in (0, FIRST_TB, MAX_TBS - 1))  # fmt: skip


_check_layout()

if __name__ == "__main__":
    ABI_JSON_PATH.write_text(to_json())
    print(f"wrote {ABI_JSON_PATH}")
