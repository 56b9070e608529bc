"""Zfhmin and Zfh (and Zfa's half-precision forms), instruction by instruction, against qemu 10:
results and fflags over binary16 special values (zeros, infinities, quiet and signaling NaNs,
subnormals, the largest finite, halfway cases, a value that is not NaN-boxed), in every rounding
mode, in every tier. Zfh is written with GNU as 2.40's mnemonics (-march=..._zfh), Zfa's .h
forms as `.insn r` from the spec's encodings."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import helpers
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rvgen
import rvrun

from py_backend.isa.table import ROWS

# The tiers are this test's own parameters (or it has none): `make tiers` deselects it.
pytestmark = pytest.mark.all_tiers

BOX = 0xFFFF_FFFF_FFFF_0000
H_SPECIAL = [
    0x0000, 0x8000, 0x7C00, 0xFC00, 0x7E00, 0xFE01, 0x7C01, 0x7D00, 0x0001, 0x03FF, 0x8001,
    0x0400, 0x7BFF, 0xFBFF, 0x3C00, 0xBC00, 0x3800, 0x3E00, 0x4100, 0xC100, 0x3555, 0x3C01,
    0x7800, 0x5640, 0x6BFF, 0x0200,
]  # fmt: skip
H_VALUES = [BOX | v for v in H_SPECIAL] + [0x3C00]  # the last one is not NaN-boxed
RMS = ["rne", "rtz", "rdn", "rup", "rmm"]
BIN_RM = ["fadd.h", "fsub.h", "fmul.h", "fdiv.h"]
BIN = ["fsgnj.h", "fsgnjn.h", "fsgnjx.h", "fmin.h", "fmax.h"]
CMP = ["feq.h", "flt.h", "fle.h"]
UN_RM = ["fsqrt.h", "fcvt.s.h", "fcvt.d.h"]  # f -> f
TO_INT = ["fcvt.w.h", "fcvt.wu.h", "fcvt.l.h", "fcvt.lu.h"]
FROM_INT = ["fcvt.h.w", "fcvt.h.wu", "fcvt.h.l", "fcvt.h.lu"]
R4 = ["fmadd.h", "fmsub.h", "fnmsub.h", "fnmadd.h"]
# Zfa .h: (funct7, funct3 or None = rm, rs2 or None = register, x destination)
ZFA_H = {
    "fminm.h": (0x16, 2, None, False),
    "fmaxm.h": (0x16, 3, None, False),
    "fround.h": (0x22, None, 4, False),
    "froundnx.h": (0x22, None, 5, False),
    "fleq.h": (0x52, 4, None, True),
    "fltq.h": (0x52, 5, None, True),
}
COVERED = {*BIN_RM, *BIN, *CMP, *UN_RM, *TO_INT, *FROM_INT, *R4, *ZFA_H}
COVERED |= {"fcvt.h.s", "fcvt.h.d", "fclass.h", "fmv.x.h", "fmv.h.x", "flh", "fsh", "fli.h"}


def _program() -> tuple[str, list[str]]:
    table: list[int] = []
    text: list[str] = []
    what: list[str] = []

    def operand(v: int) -> int:
        if v not in table:
            table.append(v)
        return 8 * table.index(v)

    def record(
        line: str, name: str, x_dest: bool, load: tuple[str, ...] = (), post: str = ""
    ) -> None:
        text.extend(load)
        text.append("csrw fflags, zero")
        text.append(line)
        text.extend([post] if post else [])
        text.append("sd a0, 0(s2)" if x_dest else "fsd fa0, 0(s2)")
        text.extend(["csrr t0, fflags", "sd t0, 8(s2)", "addi s2, s2, 16"])
        what.append(name)

    def f(reg: str, v: int) -> str:
        return f"fld {reg}, {operand(v)}(s1)"

    def x(reg: str, v: int) -> str:
        return f"ld {reg}, {operand(v)}(s1)"

    grid = H_VALUES[::2]
    for k, op in enumerate(BIN_RM):
        for j, (a, b) in enumerate((a, b) for a in grid for b in grid):
            rm = RMS[(j + k) % 5]
            record(f"{op} fa0, fa1, fa2, {rm}", f"{op} {a:#x} {b:#x} {rm}", False,
                   (f("fa1", a), f("fa2", b),))  # fmt: skip
    for op in BIN + CMP:
        for a in grid:
            for b in grid:
                dest = "a0" if op in CMP else "fa0"
                record(f"{op} {dest}, fa1, fa2", f"{op} {a:#x} {b:#x}", op in CMP,
                       (f("fa1", a), f("fa2", b),))  # fmt: skip
    for op in UN_RM + TO_INT:
        for a in H_VALUES:
            for rm in RMS:
                dest = "a0" if op in TO_INT else "fa0"
                text_rm = "" if op in ("fcvt.s.h", "fcvt.d.h") else f", {rm}"
                record(f"{op} {dest}, fa1{text_rm}", f"{op} {a:#x} {rm}", op in TO_INT,
                       (f("fa1", a),))  # fmt: skip
    for op, src in (("fcvt.h.s", rvgen.S_SPECIAL), ("fcvt.h.d", rvgen.D_SPECIAL)):
        for a in src[::2]:
            v = 0xFFFF_FFFF_0000_0000 | a if op == "fcvt.h.s" else a
            for rm in RMS:
                record(f"{op} fa0, fa1, {rm}", f"{op} {v:#x} {rm}", False, (f("fa1", v),))
    for op in FROM_INT:
        for a in [*rvgen.INT_SPECIAL, 65504, 65520, 2049, -2049 & rvgen.M64, 100000]:
            for rm in RMS:
                record(f"{op} fa0, a1, {rm}", f"{op} {a:#x} {rm}", False, (x("a1", a),))
    for a in H_VALUES:
        record("fclass.h a0, fa1", f"fclass.h {a:#x}", True, (f("fa1", a),))
        record("fmv.x.h a0, fa1", f"fmv.x.h {a:#x}", True, (f("fa1", a),))
    for a in rvgen.INT_SPECIAL:
        record("fmv.h.x fa0, a1", f"fmv.h.x {a:#x}", False, (x("a1", a),))
    rng = random.Random(16)
    for op in R4:
        for _ in range(120):
            a, b, c = (rng.choice(H_VALUES) for _ in range(3))
            rm = rng.choice(RMS)
            record(f"{op} fa0, fa1, fa2, fa3, {rm}", f"{op} {a:#x} {b:#x} {c:#x} {rm}", False,
                   (f("fa1", a), f("fa2", b), f("fa3", c),))  # fmt: skip
    for a in [*H_VALUES, 0x1234_5678_9ABC_DEF0]:  # fsh stores the low 16 bits, boxed or not
        record(
            "fsh fa1, 2(s3)", f"fsh {a:#x}", True, (f("fa1", a), "sd zero, 0(s3)"), "ld a0, 0(s3)"
        )
    for off in (0, 2, 6):  # flh boxes what it loads
        record(f"flh fa0, {off}(s4)", f"flh {off}", False)
    for k in range(32):
        record(f".insn r 0x53, 0, 0x7a, fa0, x{k}, x1", f"fli.h {k}", False)
    for op, (f7, f3, rs2, x_dest) in ZFA_H.items():
        dest = "a0" if x_dest else "fa0"
        if rs2 is None:
            for a in grid:
                for b in grid:
                    record(f".insn r 0x53, {f3}, {f7:#x}, {dest}, fa1, fa2", f"{op} {a:#x} {b:#x}",
                           x_dest, (f("fa1", a), f("fa2", b),))  # fmt: skip
        else:
            for a in H_VALUES:
                for rm in (0, 1, 2, 3, 4):
                    record(f".insn r 0x53, {rm}, {f7:#x}, {dest}, fa1, x{rs2}", f"{op} {a:#x} {rm}",
                           x_dest, (f("fa1", a),))  # fmt: skip
    body = "\n".join(f"    {ln}" for ln in text)
    src = (
        f""".option norvc
.text
.globl _start
_start:
    lla s1, operands
    lla s2, results
    lla s3, scratch
    lla s4, halves
    mv s5, s2
{body}
    li a0, 1
    mv a1, s5
    li a2, {16 * len(what)}
    li a7, 64
    ecall
    li a0, 0
    li a7, 94
    ecall
.data
.balign 8
halves:
    .half 0x3c00, 0x7c01, 0xfc00, 0x8001
operands:
"""
        + "\n".join(f"    .dword {v:#x}" for v in table)
        + f"""
.bss
.balign 8
scratch:
    .zero 8
results:
    .zero {16 * len(what)}
"""
    )
    return src, what


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], bytes]:
    if helpers.qemu10() is None:
        pytest.fail(f"{helpers.QEMU10} missing (run scripts/fetch-qemu.sh)")
    src, what = _program()
    elf = tmp_path_factory.mktemp("zfh") / "zfh.elf"
    return elf, what, rvrun.qemu10_reference(src, elf, "rv64gc_zfh", 16, len(what))


def test_every_half_precision_row_is_covered() -> None:
    rows = {r.mnemonic for r in ROWS if r.ext in ("Zfh", "Zfhmin")}
    rows |= {r.mnemonic for r in ROWS if r.ext == "Zfa" and r.mnemonic.endswith(".h")}
    assert rows == COVERED


@pytest.mark.parametrize("tier", ["interp", "jit", "tiered"])
def test_zfh_matches_qemu10(program: tuple[Path, list[str], bytes], tier: str) -> None:
    elf, what, ref = program
    cmd = [*helpers.tbwasm_command(elf)[:4], "--tier", tier, str(elf)]
    got = subprocess.run(cmd, capture_output=True, env=helpers.host_env(), timeout=900)
    assert got.returncode == 0, got.stderr.decode()[-2000:]
    out = got.stdout
    bad = rvrun.record_diffs(what, ref, out, 16, rvrun.value_and_flags)
    assert len(out) == len(ref)
    assert bad == [], f"{len(bad)} differ:\n" + "\n".join(bad[:40])
