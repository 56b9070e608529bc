"""Zfa, instruction by instruction, against qemu 10: results and fflags over the differential
generator's special values (zeros, infinities, NaNs quiet and signaling, subnormals, halfway
cases, the edges of int32), in every static rounding mode and the dynamic one, in every tier.

GNU as 2.40 does not know Zfa: each instruction is written as `.insn r` from the spec's
encodings (OP-FP 1010011; funct7, rs2 and funct3 as the Zfa chapter lists them)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import helpers
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rvgen
import rvrun

from py_backend.isa.table import ROWS
from py_backend.translate import zfa

# The tiers are this test's own parameters (or it has none): `make tiers` deselects it.
pytestmark = pytest.mark.all_tiers

# name -> (funct7, funct3 or None for the rounding mode, rs2 or None for a register, x dest)
ENC: dict[str, tuple[int, int | None, int | None, bool]] = {
    "fminm.s": (0x14, 2, None, False),
    "fmaxm.s": (0x14, 3, None, False),
    "fminm.d": (0x15, 2, None, False),
    "fmaxm.d": (0x15, 3, None, False),
    "fround.s": (0x20, None, 4, False),
    "froundnx.s": (0x20, None, 5, False),
    "fround.d": (0x21, None, 4, False),
    "froundnx.d": (0x21, None, 5, False),
    "fcvtmod.w.d": (0x61, 1, 8, True),
    "fleq.s": (0x50, 4, None, True),
    "fltq.s": (0x50, 5, None, True),
    "fleq.d": (0x51, 4, None, True),
    "fltq.d": (0x51, 5, None, True),
}
FLI = {"fli.s": 0x78, "fli.d": 0x79}  # funct3 000, rs2 00001, rs1 = the table index
BOX = 0xFFFF_FFFF_0000_0000
D_VALUES = rvgen.D_SPECIAL + [rvgen.f64_bits(v) for v in (0.5000001, -2.5, 1e300, -7.5, 2.0**52)]
S_VALUES = [BOX | v for v in rvgen.S_SPECIAL] + [0x3F80_0000]  # the last one: not NaN-boxed


def _program() -> tuple[str, list[str], list[int]]:
    """(assembly, what each 16-byte record is, the operand table)"""
    table: list[int] = []
    text: list[str] = []
    what: list[str] = []

    def operand(v: int) -> int:  # its offset in the (deduplicated) operand table
        if v not in table:
            table.append(v)
        return 8 * table.index(v)

    def record(line: str, name: str, x_dest: bool) -> None:
        text.append("csrw fflags, zero")
        text.append(line)
        text.append("sd a0, 0(s2)" if x_dest else "fsd fa0, 0(s2)")
        text.extend(["csrr t0, fflags", "sd t0, 8(s2)", "addi s2, s2, 16"])
        what.append(name)

    for name, f7 in FLI.items():
        for k in range(32):
            record(f".insn r 0x53, 0, {f7:#x}, fa0, x{k}, x1", f"{name} {k}", False)
    for name, (f7, f3, rs2, x_dest) in ENC.items():
        values = S_VALUES if name.endswith(".s") else D_VALUES
        if rs2 is None:  # two operands: every pair of a thinned grid
            grid = values[::3]
            for a in grid:
                for b in grid:
                    text += [f"fld fa1, {operand(a)}(s1)", f"fld fa2, {operand(b)}(s1)"]
                    record(
                        f".insn r 0x53, {f3}, {f7:#x}, a0, fa1, fa2".replace(
                            "a0", "a0" if x_dest else "fa0"
                        ),
                        f"{name} {a:#x} {b:#x}",
                        x_dest,
                    )
            continue
        for a in values:
            for rm in [f3] if f3 is not None else [0, 1, 2, 3, 4, 7]:
                text.append(f"fld fa1, {operand(a)}(s1)")
                if rm == 7:
                    text.append(f"fsrmi {a % 5}")  # dynamic: frm varies with the operand
                dest = "a0" if x_dest else "fa0"
                line = f".insn r 0x53, {rm}, {f7:#x}, {dest}, fa1, x{rs2}"
                record(line, f"{name} {a:#x} rm={rm if rm != 7 else f'dyn({a % 5})'}", x_dest)
    body = "\n".join(f"    {ln}" for ln in text)
    src = (
        f""".option norvc
.text
.globl _start
_start:
    lla s1, operands
    lla s2, results
    mv s3, s2
{body}
    li a0, 1
    mv a1, s3
    li a2, {16 * len(what)}
    li a7, 64
    ecall
    li a0, 0
    li a7, 94
    ecall
.data
.balign 8
operands:
"""
        + "\n".join(f"    .dword {v:#x}" for v in table)
        + f"""
.bss
.balign 8
results:
    .zero {16 * len(what)}
"""
    )
    return src, what, table


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], bytes]:
    if helpers.qemu10() is None:
        pytest.fail(f"{helpers.QEMU10} missing (run scripts/fetch-qemu.sh)")
    src, what, _ = _program()
    elf = tmp_path_factory.mktemp("zfa") / "zfa.elf"
    return elf, what, rvrun.qemu10_reference(src, elf, "rv64gc", 16, len(what))


def test_every_zfa_row_is_covered() -> None:
    """(the half-precision forms are in test_zfh.py)"""
    single_double = {r.mnemonic for r in ROWS if r.ext == "Zfa" and not r.mnemonic.endswith(".h")}
    assert single_double == set(ENC) | set(FLI) == {n for n in zfa.NAMES if not n.endswith(".h")}


@pytest.mark.parametrize("tier", ["interp", "jit", "tiered"])
def test_zfa_matches_qemu10(program: tuple[Path, list[str], bytes], tier: str) -> None:
    elf, what, ref = program
    cmd = [*helpers.tbwasm_command(elf)[:4], "--tier", tier, str(elf)]
    got = subprocess.run(cmd, capture_output=True, env=helpers.host_env(), timeout=600)
    assert got.returncode == 0, got.stderr.decode()[-2000:]
    out = got.stdout
    bad = rvrun.record_diffs(what, ref, out, 16, rvrun.value_and_flags)
    assert len(out) == len(ref)
    assert bad == [], f"{len(bad)} differ:\n" + "\n".join(bad[:40])
