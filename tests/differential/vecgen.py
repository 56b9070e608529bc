"""The harness of the vector tests (tests/differential/test_vector*.py), against qemu 10.

Each test file generates one guest program: each case sets up v8..v15 from a pattern, runs
an instruction and records what it produced (the eight registers v8..v15, a memory area, an
x register) as 8-byte records. The program runs under qemu 10 (`rvrun.QEMU10_VECTOR_CPU`) and
tbwasm in every tier and in the Node host; the outputs must be the same bytes. Each file also
exports COVERED, the table rows it runs (test_vector.py checks that together they are the
table's V rows)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import helpers
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rvrun

TIERS = ["interp", "jit", "tiered", "node"]
MARCH = "rv64gcv"
VCPU = rvrun.QEMU10_VECTOR_CPU
RECORD = 8  # output is a sequence of 8-byte records

SEWS = (8, 16, 32, 64)
LMULS = ("mf8", "mf4", "mf2", "m1", "m2", "m4", "m8")
LMUL_VALUE = {"mf8": 1 / 8, "mf4": 1 / 4, "mf2": 1 / 2, "m1": 1, "m2": 2, "m4": 4, "m8": 8}
SCALAR = 0x8123_4567_89AB_CDEF
IMMS = (-16, -1, 0, 5, 15)


def legal(sew: int, lmul: str) -> bool:
    """qemu 10 accepts a fractional LMUL when SEW <= LMUL * ELEN (ELEN = 64)."""
    return 64 * LMUL_VALUE[lmul] >= sew


def vlmax(sew: int, lmul: str) -> int:
    return int(128 * LMUL_VALUE[lmul]) // sew


def vls(sew: int, lmul: str) -> list[int]:
    """AVLs giving vl = 0, 1, a partial vl and VLMAX (an AVL above VLMAX)."""
    m = vlmax(sew, lmul)
    return sorted({0, 1, max(1, m - 1), m + 3})


def configs() -> list[tuple[int, str]]:
    """Every (SEW, LMUL) qemu 10 accepts."""
    return [(sew, lmul) for sew in SEWS for lmul in LMULS if legal(sew, lmul)]


@dataclass
class Gen:
    """A program being generated: its lines, and what each output record is."""

    text: list[str] = field(default_factory=list)
    what: list[str] = field(default_factory=list)

    def emit(self, *lines: str) -> None:
        self.text += lines

    def record(self, reg: str, name: str) -> None:
        """Store x register `reg` as the next record."""
        self.emit(f"sd {reg}, 0(s2)", "addi s2, s2, 8")
        self.what.append(name)

    def group(self, name: str) -> None:
        """v8..v15 as the next 16 records."""
        self.emit("vs8r.v v8, (s2)", "addi s2, s2, 128")
        self.what += [f"{name}: v{8 + k // 2} bytes {8 * (k % 2)}.." for k in range(16)]

    def memory(self, name: str) -> None:
        """The 256-byte store area (label `area`) as the next 32 records; then refill it with
        the pattern (through v8..v15, which every case loads again)."""
        self.emit("lla t1, area")
        for half in (0, 128):
            self.emit(f"addi t2, t1, {half}", "vl8re8.v v8, (t2)", "vs8r.v v8, (s2)")
            self.emit("addi s2, s2, 128", f"addi t2, s4, {half}", "vl8re8.v v8, (t2)")
            self.emit(f"addi t2, t1, {half}", "vs8r.v v8, (t2)")
        self.what += [f"{name}: area bytes {8 * k}.." for k in range(32)]

    def setup(self, sew: int, lmul: str, avl: int, tail: str, mask: str = "mu") -> None:
        """v8..v15 = the pattern again, then vsetvli for this case."""
        self.emit("vl8re8.v v8, (s4)", f"li a0, {avl}")
        self.emit(f"vsetvli t0, a0, e{sew}, {lmul}, {tail}, {mask}")

    def load_all(self) -> None:
        """v0..v31 from the pattern (v0 is the mask of every masked case)."""
        for r in (0, 8, 16, 24):
            self.emit(f"vl8re8.v v{r}, (s5)", "addi s5, s5, 128")
        self.emit("lla s5, pattern")

    def source(self) -> str:
        """The whole program: s2 = the next record, s4 = s5 = `pattern` (576 bytes), `area` (256
        bytes of the pattern); it writes the records to stdout and exits 0."""
        body = "\n".join(f"    {ln}" for ln in self.text)
        return f""".option norvc
.text
.globl _start
_start:
    lla s2, results
    mv s3, s2
    lla s5, pattern
    lla s4, pattern
{body}
    li a0, 1
    mv a1, s3
    sub a2, s2, s3
    li a7, 64
    ecall
    li a0, 0
    li a7, 94
    ecall
.data
.balign 16
pattern:
{pattern_bytes(512 + 64)}
area:
{pattern_bytes(256)}
.bss
results:
    .zero {RECORD * len(self.what)}
"""


def pattern_bytes(n: int) -> str:
    """Bytes that differ from their neighbours and from zero, as .byte lines."""
    data = [(k * 73 + 41) & 0xFF or 0x5A for k in range(n)]
    return "\n".join(
        "    .byte " + ", ".join(str(b) for b in data[k : k + 16]) for k in range(0, n, 16)
    )


def need_qemu10() -> None:
    if helpers.qemu10() is None:
        pytest.fail(f"{helpers.QEMU10} missing (run scripts/fetch-qemu.sh)")


def reference(g: Gen, elf: Path) -> bytes:
    """Build the program into `elf`; qemu 10's output."""
    need_qemu10()
    return rvrun.qemu10_reference(g.source(), elf, MARCH, RECORD, len(g.what), cpu=VCPU)


def run(elf: Path, tier: str) -> subprocess.CompletedProcess[bytes]:
    """tbwasm in `tier` (interp, jit, tiered) or the Node host (node)."""
    cmd = [*helpers.tbwasm_command(elf)[:4], "--tier", tier, str(elf)]
    if tier == "node":
        if not (helpers.REPO_ROOT / "static" / "pyodide").is_dir():
            pytest.fail("web assets missing (scripts/setup-web.sh)")
        cmd = ["node", str(helpers.REPO_ROOT / "web" / "node" / "cli.mjs"), str(elf)]
    return subprocess.run(cmd, capture_output=True, env=helpers.host_env(), timeout=600)


def check(elf: Path, what: list[str], ref: bytes, tier: str) -> None:
    """tbwasm in `tier` prints what qemu 10 printed (the differing records named otherwise)."""
    got = run(elf, tier)
    assert got.returncode == 0, got.stderr.decode()[-2000:]
    bad = rvrun.record_diffs(what, ref, got.stdout, RECORD, lambda rec: rec[::-1].hex())
    assert bad == [], "\n".join(bad[:40])
    assert len(got.stdout) == len(ref)


def exiting(lines: list[str]) -> str:
    """A program of `lines` that then exits 0."""
    body = "\n".join(f"    {ln}" for ln in lines)
    return f""".text
.globl _start
_start:
{body}
    li a0, 0
    li a7, 94
    ecall
"""


def check_sigill(lines: list[str], tier: str, tmp_path: Path) -> None:
    """The program of `lines` dies with SIGILL (132) at its last line under qemu 10 and tbwasm
    in `tier`; without that line, it runs to its end under both."""
    need_qemu10()
    src = exiting(lines)
    elf = tmp_path / "ill.elf"
    rvrun.build(src, elf, MARCH)
    ref = rvrun.run_qemu(elf, ext=True, cpu=VCPU)
    assert ref.status == 132, ref.message
    got = run(elf, tier)
    assert got.returncode == 132, got.stderr.decode()[-2000:]
    rvrun.build(src.replace(lines[-1], "nop"), elf, MARCH)
    assert rvrun.run_qemu(elf, ext=True, cpu=VCPU).status == 0
    assert run(elf, tier).returncode == 0


# mmap 8 KiB and unmap its second page: s1 = the mapping, a0 = 8 bytes before the unmapped page
NEAR_UNMAPPED_PAGE = [
    "li a0, 0", "li a1, 8192", "li a2, 3", "li a3, 0x22", "li a4, -1", "li a5, 0", "li a7, 222",
    "ecall", "mv s1, a0", "li t0, 4096", "add a0, a0, t0", "li a1, 4096", "li a7, 215", "ecall",
    "li t0, 4088", "add a0, s1, t0",
]  # fmt: skip


def check_status(lines: list[str], want: int, tier: str, tmp_path: Path) -> None:
    """The program of `lines` (then exit 0) ends with status `want` under qemu 10 and tbwasm in
    `tier`."""
    need_qemu10()
    elf = tmp_path / "status.elf"
    rvrun.build(exiting(lines), elf, MARCH)
    ref = rvrun.run_qemu(elf, ext=True, cpu=VCPU)
    assert ref.status == want, ref.message
    got = run(elf, tier)
    assert got.returncode == want, got.stderr.decode()[-2000:]
