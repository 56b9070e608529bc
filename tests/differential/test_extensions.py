"""Every instruction of the extensions beyond RV64GC, one by one, against qemu 10.

One guest program runs each instruction over a grid of interesting operands (every pair for two
register operands, several shift amounts for the immediate forms) and writes every result to
stdout; qemu 10 (Debian trixie's, `scripts/fetch-qemu.sh`, with exactly the extensions tbwasm
implements) must print the same bytes as tbwasm in each tier. A difference names the instruction
and its operands. Instructions GNU as 2.40 does not know are written as `.insn` from the
specification's encodings (not from py_backend's table), so the table's patterns are checked too.
The table and this file must cover the same instructions.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import helpers
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rvgen
import rvrun

from py_backend.isa.table import ROWS

# The tiers are this test's own parameters (or it has none): `make tiers` deselects it.
pytestmark = pytest.mark.all_tiers

M64 = (1 << 64) - 1
VALUES = [
    0,
    1,
    2,
    M64,
    0x7FFF_FFFF,
    0x8000_0000,
    0xFFFF_FFFF,
    0xFFFF_FFFF_8000_0000,
    0x7FFF_FFFF_FFFF_FFFF,
    0x8000_0000_0000_0000,
    0x0123_4567_89AB_CDEF,
    0xFEDC_BA98_7654_3210,
    0x0000_0000_0000_FF80,
    0x00FF_0000_0000_8001,
    0x0000_0001_0000_003F,
    0x8000_0000_0000_0040,
]
SHAMTS6 = [0, 1, 7, 31, 32, 33, 63]
LANES = 0x0101_0101_0101_0101
SHAMTS5 = [0, 1, 7, 16, 31]


@dataclass(frozen=True)
class Case:
    mnemonic: str
    # "r" (rd, rs1, rs2), "unary" (rd, rs1), "sh6"/"sh5" (rd, rs1, shamt), "rnum" (aes64ks1i:
    # rd, rs1, every rnum), "bs" (sm4ed, sm4ks: rd, rs1, rs2, every bs)
    kind: str
    insn: str = ""  # `.insn` operands for the assembler's unknown ones: "r OPC, F3, F7"
    sbox: bool = False  # instead of VALUES: rs1 = rs2 = eight copies of each byte value


CASES = [
    *(Case(m, "r") for m in rvgen.EXT_R),
    *(Case(m, "unary") for m in rvgen.EXT_UNARY),
    *(Case(m, "sh5" if bits == 31 else "sh6") for m, bits in rvgen.EXT_SHIFT.items()),
    *(Case(m, "r", "r {:#x}, {}, {}".format(*e)) for m, e in rvgen.EXT_INSN_R.items()),
    *(Case(m, "rnum") for m in rvgen.EXT_RNUM),
    *(Case(m, "bs") for m in rvgen.EXT_BS),
    # the S-boxes over every byte value
    *(Case(m, "r", sbox=True) for m in ["aes64es", "aes64esm", "aes64ds", "aes64dsm"]),
    *(Case(m, "bs", sbox=True) for m in rvgen.EXT_BS),
    *(Case(m, "rnum", sbox=True) for m in rvgen.EXT_RNUM),
]
# Zimop (SYSTEM, funct3 100): mop.r.N = 1 N[4] 00 N[3:2] 0111 N[1:0] rs1 100 rd, that is an R
# type whose rs2 field is 0b111 N[1:0] (x28..x31); mop.rr.N = 1 N[2] 00 N[1:0] 1 rs2 rs1 100 rd.
CASES += [
    Case(f"mop.r.{n}", "mop.r", f"r 0x73, 4, {0x40 | (n >> 4) << 5 | (n >> 2 & 3) << 1}")
    for n in range(32)
]
CASES += [
    Case(f"mop.rr.{n}", "r", f"r 0x73, 4, {0x41 | (n >> 2) << 5 | (n & 3) << 1}") for n in range(8)
]
# Run once each, with their effect (or none) on memory and registers dumped afterwards; c.mop.N
# is C.LUI xN, 0's reserved encoding, 0110 0 N 00000 01.
MISC = {
    "cbo.zero": ["cbo.zero (a1)"],
    "wrs.nto": [".4byte 0x00d00073"],
    "wrs.sto": [".4byte 0x01d00073"],
    **{f"c.mop.{n}": [f".2byte {0x6001 | n << 7:#x}"] for n in range(1, 16, 2)},
}
HINTS = [  # decoded as the base instructions they are; must do nothing
    ".4byte 0x0100000f",  # pause (Zihintpause): fence w, 0
    "add x0, x0, x2",  # ntl.p1 (Zihintntl)
    "add x0, x0, x5",  # ntl.all
    ".2byte 0x900a",  # c.ntl.p1: c.add x0, x2
    ".2byte 0x9016",  # c.ntl.all: c.add x0, x5
    "ori x0, a1, 0x40",  # prefetch.i 64(a1) (Zicbop)
    "ori x0, a1, 0x41",  # prefetch.r 64(a1)
    "ori x0, a1, 0x43",  # prefetch.w 64(a1)
]
# Illegal in user mode (Linux leaves senvcfg.CBCFE/CBIE clear): SIGILL under both.
ILLEGAL = {
    "cbo.clean": "cbo.clean (a1)",
    "cbo.flush": "cbo.flush (a1)",
    "cbo.inval": "cbo.inval (a1)",
}
EXTS = frozenset(
    {"Zba", "Zbb", "Zbc", "Zbs", "Zicond", "Zimop", "Zcmop", "Zicbom", "Zicboz", "Zawrs", "Zcb"}
    | {"Zbkb", "Zbkx", "Zkne", "Zknd", "Zknh", "Zksed", "Zksh"}
)
ZCB = [*rvgen.ZCB_UNARY, "c.mul", *rvgen.ZCB_MEM]
# bytes the Zcb loads read (signs differ byte by byte and halfword by halfword)
LOAD_DATA = bytes([0x80, 0x7F, 0xFF, 0x01, 0x00, 0x81, 0x34, 0x92])


def _zcb(op: str) -> tuple[list[str], list[str]]:
    """(lines, what each stored result is) for one Zcb instruction over the operand grid. s0
    (x8) is the destination, s1 (x9) the second source or the data pointer."""
    w = rvgen.zcb_word
    text: list[str] = []
    what: list[str] = []
    if op in rvgen.ZCB_UNARY:
        for a in VALUES:
            text += [f"li s0, {a}", f".2byte {w(op, 8):#x}", "mv a0, s0"]
            what.append(f"{op} a={a:#x}")
    elif op == "c.mul":
        for a in VALUES:
            for b in VALUES:
                text += [f"li s0, {a}", f"li s1, {b}", f".2byte {w(op, 8, 9):#x}", "mv a0, s0"]
                what.append(f"{op} a={a:#x} b={b:#x}")
    elif op in ("c.lbu", "c.lhu", "c.lh"):
        for base in range(0, 6, 2):
            for uimm in range(4) if op == "c.lbu" else (0, 2):
                text += [f"lla s1, ldata+{base}", f".2byte {w(op, 8, 9, uimm):#x}", "mv a0, s0"]
                what.append(f"{op} {uimm}(ldata+{base})")
    else:
        for a in VALUES[::3]:
            for uimm in range(4) if op == "c.sb" else (0, 2):
                text += ["lla s1, sdata", "sd zero, 0(s1)", f"li s0, {a}"]
                text += [f".2byte {w(op, 8, 9, uimm):#x}", "ld a0, 0(s1)"]
                what.append(f"{op} a={a:#x} at {uimm}")
    return text, what


def _line(c: Case, rd: str, a: str, b: str, sh: int) -> str:
    if c.kind == "mop.r":
        n = int(c.mnemonic.rsplit(".", 1)[1])
        return f".insn {c.insn}, {rd}, {a}, x{28 + (n & 3)}"
    if c.insn:
        return f".insn {c.insn}, {rd}, {a}, {b}"
    if c.kind == "r":
        return f"{c.mnemonic} {rd}, {a}, {b}"
    if c.kind == "unary":
        return f"{c.mnemonic} {rd}, {a}"
    if c.kind == "bs":
        return f"{c.mnemonic} {rd}, {a}, {b}, {sh}"
    return f"{c.mnemonic} {rd}, {a}, {sh}"


def _program() -> tuple[str, list[str]]:
    """(assembly, what each 8-byte result is)"""
    text: list[str] = []
    what: list[str] = []
    for c in CASES:
        if c.sbox:  # the immediate (rnum 0 or 0xA, bs 0..3) varies with v
            imms = [0, 0xA] if c.kind == "rnum" else [0, 1, 2, 3] if c.kind == "bs" else [0]
            grid = [(v * LANES, v * LANES, imms[v % len(imms)]) for v in range(256)]
        elif c.kind == "r":
            grid = [(a, b, 0) for a in VALUES for b in VALUES]
        elif c.kind in ("unary", "mop.r"):
            grid = [(a, 0, 0) for a in VALUES]
        elif c.kind == "rnum":
            grid = [(a, 0, n) for a in VALUES for n in range(rvgen.EXT_RNUM[c.mnemonic] + 1)]
        elif c.kind == "bs":
            grid = [(a, b, bs) for a in VALUES for b in VALUES for bs in range(4)]
        else:
            grid = [(a, 0, s) for a in VALUES for s in (SHAMTS5 if c.kind == "sh5" else SHAMTS6)]
        for a, b, sh in grid:
            text += [f"li a1, {a}", f"li a2, {b}", _line(c, "a0", "a1", "a2", sh)]
            text.append(f"sd a0, {8 * (len(what) % 255)}(s2)")
            what.append(f"{c.mnemonic} a={a:#x} b={b:#x} shamt={sh}")
            if len(what) % 255 == 0:  # keep the store offsets in 12 bits
                text.append("addi s2, s2, 2040")
    for op in ZCB:
        lines, names = _zcb(op)
        per = len(lines) // len(names)
        for k, name in enumerate(names):
            text += lines[per * k : per * (k + 1)]
            text.append(f"sd a0, {8 * (len(what) % 255)}(s2)")
            what.append(name)
            if len(what) % 255 == 0:
                text.append("addi s2, s2, 2040")
    # MISC and HINTS: a 256-byte block of 0xff bytes; cbo.zero at an unaligned address in its
    # second 64-byte block; then every register but the pinned ones is stored.
    text += ["lla a1, block", "li t0, -1"]
    text += [f"sd t0, {k}(a1)" for k in range(0, 256, 8)]
    text += ["addi a1, a1, 64 + 13"]
    for v, r in enumerate(range(1, 16, 2)):  # c.mop.N must not write xN
        text.append(f"li x{r}, {0x1111 * (v + 1)}" if r != 11 else "nop")
    text += [ln for lines in MISC.values() for ln in lines] + HINTS
    regs = [r for r in range(1, 32) if r not in (2, 18, 19)]  # sp, s2, s3
    for r in regs:
        text.append(f"sd x{r}, {8 * (len(what) % 255)}(s2)")
        what.append(f"x{r} after {', '.join(MISC)}")
        if len(what) % 255 == 0:
            text.append("addi s2, s2, 2040")
    n = len(what)
    body = "\n".join(f"    {ln}" for ln in text)
    src = f""".option norvc
.text
.globl _start
_start:
    lla s2, results
    mv s3, s2
{body}
    li a0, 1
    mv a1, s3
    li a2, {8 * n}
    li a7, 64
    ecall
    li a0, 1
    lla a1, block
    li a2, 256
    li a7, 64
    ecall
    li a0, 0
    li a7, 94
    ecall
.data
ldata:
    .byte {", ".join(str(b) for b in LOAD_DATA)}
.bss
.balign 8
sdata:
    .zero 8
.balign 64
block:
    .zero 256
results:
    .zero {8 * n}
"""
    what += [f"block byte {k}" for k in range(0, 256, 8)]  # 8 bytes each
    return src, what


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], bytes]:
    if helpers.qemu10() is None:
        pytest.fail(f"{helpers.QEMU10} missing (run scripts/fetch-qemu.sh)")
    src, what = _program()
    elf = tmp_path_factory.mktemp("ext") / "ext.elf"
    return elf, what, rvrun.qemu10_reference(src, elf, rvgen.EXT_MARCH, 8, len(what))


def test_cases_cover_the_tables_extension_rows() -> None:
    rows = {r.mnemonic for r in ROWS if r.ext in EXTS}
    assert {c.mnemonic for c in CASES} | set(MISC) | set(ILLEGAL) | set(ZCB) == rows


@pytest.mark.parametrize("mnemonic", sorted(ILLEGAL))
def test_cache_management_is_illegal_in_user_mode(mnemonic: str, tmp_path: Path) -> None:
    if helpers.qemu10() is None:
        pytest.fail(f"{helpers.QEMU10} missing (run scripts/fetch-qemu.sh)")
    src = f""".option norvc
.text
.globl _start
_start:
    lla a1, _start
    {ILLEGAL[mnemonic]}
    li a0, 0
    li a7, 94
    ecall
"""
    elf = tmp_path / "ill.elf"
    rvrun.build(src, elf, "rv64gc_zicbom")
    ref = rvrun.run_qemu(elf, ext=True)
    got = rvrun.run_tbwasm(elf.read_bytes())
    assert ref.status == got.status == 132, (ref.message, got.message)


# aes64ks1i with rnum 0xB..0xF (0011000 1 rnum rs1=a1 001 rd=t0 0010011) is reserved: SIGILL
# under both, in every tier.
@pytest.mark.parametrize("tier", ["interp", "jit"])
@pytest.mark.parametrize("rnum", range(0xB, 0x10))
def test_aes64ks1i_reserved_rnum_is_illegal(rnum: int, tier: str, tmp_path: Path) -> None:
    if helpers.qemu10() is None:
        pytest.fail(f"{helpers.QEMU10} missing (run scripts/fetch-qemu.sh)")
    word = 0x31000000 | rnum << 20 | 11 << 15 | 1 << 12 | 5 << 7 | 0x13
    src = f""".option norvc
.text
.globl _start
_start:
    li a0, 0
    li a7, 94
    .4byte {word:#x}
    ecall
"""
    elf = tmp_path / "ks1i.elf"
    rvrun.build(src, elf, "rv64gc")
    ref = rvrun.run_qemu(elf, ext=True)
    cmd = [*helpers.tbwasm_command(elf)[:4], "--tier", tier, str(elf)]
    got = subprocess.run(cmd, capture_output=True, env=helpers.host_env(), timeout=120)
    assert ref.status == 132, ref.message
    assert got.returncode == 132, got.stderr.decode()[-2000:]
    # and the same word with rnum 0xA runs (decodes) and exits 0
    ok = src.replace(f"{word:#x}", f"{word & ~(0xF << 20) | 0xA << 20:#x}")
    rvrun.build(ok, elf, "rv64gc")
    assert rvrun.run_qemu(elf, ext=True).status == 0
    got = subprocess.run(cmd, capture_output=True, env=helpers.host_env(), timeout=120)
    assert got.returncode == 0, got.stderr.decode()[-2000:]


@pytest.mark.parametrize("tier", ["interp", "jit", "tiered", "node"])
def test_each_instruction_matches_qemu10(program: tuple[Path, list[str], bytes], tier: str) -> None:
    """Each tier of the native host, and the Node host (Pyodide and V8)."""
    elf, what, ref = program
    cmd = [*helpers.tbwasm_command(elf)[:4], "--tier", tier, str(elf)]
    if tier == "node":
        if not (helpers.REPO_ROOT / "static" / "pyodide").is_dir():
            pytest.fail("web assets missing (scripts/setup-web.sh)")
        cmd = ["node", str(helpers.REPO_ROOT / "web" / "node" / "cli.mjs"), str(elf)]
    got = subprocess.run(cmd, capture_output=True, env=helpers.host_env(), timeout=300)
    assert got.returncode == 0, got.stderr.decode()[-2000:]
    bad = rvrun.record_diffs(what, ref, got.stdout, 8, lambda rec: rec[::-1].hex())
    assert len(got.stdout) == len(ref)
    assert bad == [], "\n".join(bad[:40])
