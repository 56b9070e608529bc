"""A guest cannot reach anything outside its own mappings.

Every load and store form (integer of all widths, FP, compressed, LR/SC, every AMO) is pointed
at addresses all over the 64-bit space: powers of two and their neighbours (both signs), every
mapping edge (ELF segments, brk heap, mmap'd R / RW / PROT_NONE areas, the stack and its guard
page, the top of the guest space) and addresses whose Wasm offset would alias the WasmContext,
CPU state, jump cache, link slots or page table modulo 2^32.  A forbidden access must end the
guest with SIGSEGV at exactly the instruction's pc and the exact address, leave the destination
register alone and leave the emulator's own structures bit-for-bit unchanged; an allowed one must
run.  The same NativeHost then runs real programs correctly.
"""

from __future__ import annotations

import itertools
import subprocess
from dataclasses import dataclass

import pytest
from _support import (
    CODE_BASE,
    DATA_BASE,
    EBREAK,
    SnippetMachine,
    assemble,
    guest_path,
    run_elf,
)

from py_backend import abi
from py_backend.isa.encode import encode
from py_backend.linux.mm import STACK_BASE, STACK_TOP

M64 = (1 << 64) - 1
R, W = int(abi.PageFlags.READ), int(abi.PageFlags.WRITE)
BASE = 9  # s1: the address register (valid for compressed forms too)
VAL = 10  # a0 / fa0: loaded or stored value
CANARY = 0xA5C35A3C96E1F00D
SENTINEL = 0x0123456789ABCDEF


@dataclass(frozen=True)
class Op:
    name: str
    kind: str  # load, store, lr, sc, amo
    width: int
    fp: bool = False

    def word(self) -> int:
        if self.name.startswith("c."):
            if self.kind == "load":
                return encode(self.name, rd=VAL, rs1=BASE, imm=0)
            return encode(self.name, rs1=BASE, rs2=VAL, imm=0)
        if self.kind == "load":
            return encode(self.name, rd=VAL, rs1=BASE, imm=0)
        if self.kind == "store":
            return encode(self.name, rs1=BASE, rs2=VAL, imm=0)
        if self.kind == "lr":
            return encode(self.name, rd=VAL, rs1=BASE)
        return encode(self.name, rd=VAL, rs1=BASE, rs2=VAL)

    @property
    def need(self) -> int:
        return {"load": R, "lr": R, "store": W}.get(self.kind, R | W)

    @property
    def aligned_only(self) -> bool:
        return self.kind in ("lr", "sc", "amo")


AMO_NAMES = ["swap", "add", "xor", "and", "or", "min", "max", "minu", "maxu"]
OPS: list[Op] = [
    *(Op(n, "load", w) for n, w in [("lb", 1), ("lbu", 1), ("lh", 2), ("lhu", 2), ("lw", 4),
                                    ("lwu", 4), ("ld", 8)]),
    *(Op(n, "store", w) for n, w in [("sb", 1), ("sh", 2), ("sw", 4), ("sd", 8)]),
    Op("flw", "load", 4, True), Op("fld", "load", 8, True),
    Op("fsw", "store", 4, True), Op("fsd", "store", 8, True),
    Op("c.lw", "load", 4), Op("c.ld", "load", 8), Op("c.sw", "store", 4), Op("c.sd", "store", 8),
    Op("c.fld", "load", 8, True), Op("c.fsd", "store", 8, True),
    Op("lr.w", "lr", 4), Op("lr.d", "lr", 8), Op("sc.w", "sc", 4), Op("sc.d", "sc", 8),
    *(Op(f"amo{a}.{s}", "amo", w) for a in AMO_NAMES for s, w in (("w", 4), ("d", 8))),
]  # fmt: skip

# Extra mappings made through the same AddressSpace calls the mmap/mprotect/brk syscalls use.
RO_AREA = 0x0100_0000
RW_AREA = 0x0100_4000
NONE_AREA = 0x0100_8000
INTERNAL = {
    "null": 0,
    "ctx": abi.CTX,
    "exit_arg": abi.CTX_EXIT_ARG,
    "cpu": abi.CPU,
    "pc": abi.CPU_PC,
    "jmp_cache": abi.JMP_CACHE,
    "link_slots": abi.LINK_SLOTS,
    "page_table": abi.PAGE_TABLE,
    "page_table_end": abi.PAGE_TABLE + abi.GUEST_PAGES - 8,
    "below_guest": abi.GUEST_BASE - 8,
}


class Sweep:
    """The snippet: for each op, `op; ebreak` at a known pc."""

    def __init__(self) -> None:
        code: list[int | tuple[str, dict[str, int]]] = []
        self.pc: dict[str, int] = {}
        pc = CODE_BASE
        for op in OPS:
            self.pc[op.name] = pc
            w = op.word()
            code += [w, EBREAK]
            pc += (2 if w & 3 != 3 else 4) + 4
        # Tiered, every block is compiled on its first entry (the warm-up below), so what runs
        # through the sweep is compiled code entered from tier 0, and the snapshot stays final.
        self.sm = SnippetMachine(assemble(code), hot_threshold=1)
        aspace = self.sm.machine.aspace
        aspace.map(RO_AREA, 0x2000, R, fixed=True)
        aspace.map(RW_AREA, 0x2000, R | W, fixed=True)
        aspace.map(NONE_AREA, 0x1000, 0, fixed=True)
        aspace.brk(aspace.brk_start + 3 * abi.PAGE_SIZE + 123)
        self.edges = [(s, e) for s, e, _ in aspace.mappings()]

    def allowed(self, op: Op, a: int) -> bool | None:
        """True/False: the access must succeed/fault.  None: only the first page decides in
        this emulator (an access straddling into a page with other rights; see
        test_straddling_access_checks_every_page)."""
        if op.aligned_only and a % op.width:
            return False
        if not 0 <= a <= abi.GUEST_SIZE - op.width:
            return False
        prot = self.sm.machine.aspace.prot
        pages = {
            prot[p] & op.need == op.need for p in range(a >> 12, ((a + op.width - 1) >> 12) + 1)
        }
        if len(pages) > 1:
            return None
        ok = pages.pop()
        if not ok and op.kind == "sc" and all(prot[p] & R for p in range(a >> 12, (a >> 12) + 1)):
            return None  # SC without a reservation on a read-only page: may fail or fault
        return ok


def addresses(edges: list[tuple[int, int]]) -> list[int]:
    out: set[int] = set()
    near = (-9, -8, -7, -4, -3, -2, -1, 0, 1, 2, 4, 7, 8)
    for k in range(64):
        for d in near:
            out.add(((1 << k) + d) & M64)
            out.add((-(1 << k) + d) & M64)
    for s, e in edges:
        for d in range(-16, 17):
            out.add((s + d) & M64)
            out.add((e + d) & M64)
    for d in range(-16, 17):
        for g in (abi.GUEST_SIZE, STACK_BASE, STACK_TOP, STACK_BASE - abi.PAGE_SIZE):
            out.add((g + d) & M64)
    for off in INTERNAL.values():
        for wrap in (1 << 32, 1 << 33, 1 << 63, 1 << 64, 0):
            for d in (0, 8, 64):
                out.add((wrap - abi.GUEST_BASE + off + d) & M64)
                out.add((wrap + off + d) & M64)
    return sorted(out)


@pytest.fixture(scope="module")
def sweep() -> Sweep:
    return Sweep()


def _internal_snapshot(sm: SnippetMachine) -> bytes:
    """Link slots, the pc -> TB cache, the page table and everything up to the guest: what no
    guest access may change.  Tier 0's hot counters count block entries, so they move."""
    low = sm.host.raw.read(abi.LINK_SLOTS, abi.HOT_COUNTERS - abi.LINK_SLOTS)
    return low + sm.host.raw.read(abi.STATE_END, abi.GUEST_BASE - abi.STATE_END)


@pytest.mark.slow
@pytest.mark.parametrize("op", OPS, ids=lambda o: o.name)
def test_every_address_faults_or_runs(sweep: Sweep, op: Op) -> None:
    sm = sweep.sm
    pc = sweep.pc[op.name]
    size = 2 if op.name.startswith("c.") else 4
    # Warm up: translate the TB with an allowed access, so the snapshot below is final.
    sm.set_x(BASE, RW_AREA)
    assert sm.enter(pc).status == 133
    before = _internal_snapshot(sm)
    regs_before = [sm.x(r) for r in range(32)]
    failures: list[str] = []
    checked = 0
    for a in addresses(sweep.edges):
        want = sweep.allowed(op, a)
        if want is None:
            continue
        checked += 1
        sm.set_x(BASE, a)
        sm.set_x(VAL, SENTINEL if op.kind in ("load", "lr") and not op.fp else CANARY)
        sm.set_f(VAL, SENTINEL if op.kind == "load" else CANARY)
        act = sm.enter(pc)
        if want:
            exp = f"tbwasm: guest SIGTRAP at pc=0x{pc + size:x}"
            ok = act.status == 133 and act.message == exp
        else:
            # a misaligned AMO or LR/SC is SIGBUS wherever it points (alignment is checked
            # first, as in qemu); every other bad access is SIGSEGV
            bus = op.aligned_only and a % op.width
            sig, status = ("SIGBUS", 135) if bus else ("SIGSEGV", 139)
            exp = f"tbwasm: guest {sig} at pc=0x{pc:x} (addr 0x{a:x})"
            ok = act.status == status and act.message == exp
            if op.kind in ("load", "lr"):
                ok = ok and (sm.f(VAL) if op.fp else sm.x(VAL)) == SENTINEL
        if not ok:
            failures.append(f"addr {a:#x}: want {exp!r}, got {act.status} {act.message!r}")
    assert checked > 1000
    assert not failures, f"{len(failures)} wrong outcomes, first: " + "; ".join(failures[:5])
    after = _internal_snapshot(sm)
    if after != before:
        diff = next(i for i in range(len(before)) if before[i] != after[i]) + abi.LINK_SLOTS
        if diff >= abi.HOT_COUNTERS:
            diff += abi.STATE_END - abi.HOT_COUNTERS
        pytest.fail(f"internal state changed at Wasm offset {diff:#x}")
    regs_after = [sm.x(r) for r in range(32)]
    for r in range(32):
        if r not in (BASE, VAL):
            assert regs_after[r] == regs_before[r], f"x{r} changed"


def test_sc_without_reservation_on_readonly_page_does_not_write(sweep: Sweep) -> None:
    sm = sweep.sm
    for name in ("sc.w", "sc.d"):
        sm.set_x(BASE, RO_AREA + 8)
        sm.set_x(VAL, CANARY)
        act = sm.enter(sweep.pc[name])
        assert act.status in (133, 139), act
        assert sm.machine.aspace.read(RO_AREA + 8, 8) == bytes(8)


STRADDLE_CASES = [
    # (op name, address): the access starts on an allowed page and ends on a forbidden one
    # (the page after the ELF's data page is the brk heap here, so use the RW area's end)
    ("ld", RW_AREA + 0x2000 - 4),  # RW area, then unmapped
    ("lw", RW_AREA + 0x2000 - 2),
    ("sh", RW_AREA + 0x2000 - 1),
    ("fld", RW_AREA + 0x2000 - 4),
    ("fsd", RW_AREA + 0x2000 - 4),
    ("sd", RW_AREA + 0x2000 - 4),
    ("sd", RO_AREA + 0x2000 - 4),  # RO area then RW area: the store starts on a RO page
    ("ld", NONE_AREA - 4),  # the page before PROT_NONE is unmapped: first page decides, fine
    ("sd", STACK_TOP - 4),  # top of the stack, then the guard page
    ("ld", STACK_TOP - 4),
]


@pytest.mark.parametrize(
    ("name", "addr"), STRADDLE_CASES, ids=[f"{n}@{a:#x}" for n, a in STRADDLE_CASES]
)
def test_straddling_access_checks_every_page(sweep: Sweep, name: str, addr: int) -> None:
    """A misaligned access whose last bytes lie on a page without the right must fault
    (Linux/qemu: SIGSEGV) and must not write the allowed part either."""
    sm = sweep.sm
    op = next(o for o in OPS if o.name == name)
    sm.set_x(BASE, addr)
    sm.set_x(VAL, CANARY)
    sm.set_f(VAL, CANARY)
    before = sm.host.raw.read(abi.GUEST_BASE + addr, op.width)
    act = sm.enter(sweep.pc[name])
    assert act.status == 139, f"{name} at {addr:#x}: {act.message}"
    assert sm.host.raw.read(abi.GUEST_BASE + addr, op.width) == before


@pytest.mark.parametrize("prog", ["hello", "intops", "atomics", "fpops"])
def test_same_host_runs_programs_after_faults(sweep: Sweep, prog: str) -> None:
    """After thousands of faults on the shared host, real programs still behave."""
    # A machine of its own for the last fault: an earlier program on the shared host has
    # loaded its code over the sweep's (tier 0 reads the code from memory, not from a cache).
    sm = SnippetMachine(assemble([("sd", {"rs1": BASE, "rs2": VAL, "imm": 0}), EBREAK]))
    sm.set_x(BASE, (1 << 32) - abi.GUEST_BASE + abi.CTX)
    sm.set_x(VAL, CANARY)
    assert sm.enter(CODE_BASE).status == 139
    path = guest_path(prog)
    r = run_elf(path.read_bytes(), [str(path)])

    q = subprocess.run(["qemu-riscv64", str(path)], capture_output=True, timeout=60, check=False)
    assert (r.action.status, r.stdout) == (q.returncode, q.stdout)


def test_faulting_guests_in_a_row_then_hello() -> None:
    """Fresh snippet machines faulting in different ways on the shared host, each followed by
    hello.elf."""
    hello = guest_path("hello").read_bytes()
    snippets = [
        [("sd", {"rs1": BASE, "rs2": VAL, "imm": 0})],
        [("amoswap.d", {"rd": VAL, "rs1": BASE, "rs2": VAL})],
        [("fld", {"rd": VAL, "rs1": BASE, "imm": 0})],
        [("jalr", {"rd": 0, "rs1": BASE, "imm": 0})],
    ]
    addrs = itertools.cycle((abi.GUEST_SIZE, (1 << 32) - abi.GUEST_BASE))
    for code, a in zip(snippets, addrs, strict=False):
        sm = SnippetMachine(assemble([*code, EBREAK]))
        sm.set_x(BASE, a)
        act = sm.enter(CODE_BASE)
        assert act.status == 139, act
        r = run_elf(hello, ["hello"])
        assert (r.action.status, r.stdout) == (0, b"Hello from RISC-V!\n")


def test_next_guest_on_same_memory_sees_zeroed_pages() -> None:
    """A guest's data (in .data/.bss, on the stack) is gone when the next guest on the same host
    maps those pages: nothing leaks from one program to the next."""
    store = [
        ("sd", {"rs1": BASE, "rs2": VAL, "imm": 0}),
        ("sd", {"rs1": 2, "rs2": VAL, "imm": -2048}),
    ]
    load = [("ld", {"rd": 11, "rs1": BASE, "imm": 0}), ("ld", {"rd": 12, "rs1": 2, "imm": -2048})]
    a = SnippetMachine(assemble([*store, EBREAK]))
    a.set_x(BASE, DATA_BASE + 0x40)
    a.set_x(VAL, CANARY)
    assert a.enter(CODE_BASE).status == 133
    b = SnippetMachine(assemble([*load, EBREAK]))
    b.set_x(BASE, DATA_BASE + 0x40)
    assert b.enter(CODE_BASE).status == 133
    assert (b.x(11), b.x(12)) == (0, 0)
