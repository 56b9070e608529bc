"""tests/arch_test_env/, the target description scripts/arch_test.py builds riscv-arch-test's tests
with, without the suite itself: a program of its own that uses model_test.h as a test does
(RVMODEL_BOOT, a signature region between RVMODEL_DATA_BEGIN and RVMODEL_DATA_END, RVMODEL_HALT)
and the .insn macros of insn_compat.h (czero.eqz, c.zext.b, c.lbu) prints its signature as hex
words, under qemu 10 and in every tier of tbwasm; and the helpers of the script."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import helpers
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "differential"))
import rvrun  # qemu 10 with exactly tbwasm's extensions

pytestmark = pytest.mark.all_tiers  # the tiers are this test's own parameters

ENV = helpers.REPO_ROOT / "tests" / "arch_test_env"
SOURCE = """
#include "model_test.h"
        .section .text.init
        .globl rvtest_entry_point
rvtest_entry_point:
RVMODEL_BOOT
        la      x1, sig
        li      x8, 0x1234
        li      x9, 0
        czero.eqz x10, x8, x9       /* 0 */
        sd      x10, 0(x1)
        li      x9, 7
        czero.eqz x10, x8, x9       /* 0x1234 */
        sd      x10, 8(x1)
        li      x12, -1
        c.zext.b x12                /* 0xff */
        sd      x12, 16(x1)
        la      x13, bytes
        c.lbu   x14, 0x3(x13)       /* 0xa4 */
        sd      x14, 24(x1)
RVMODEL_HALT

        .data
bytes:  .byte 0xa1, 0xa2, 0xa3, 0xa4
RVMODEL_DATA_BEGIN
sig:    .fill 8, 4, 0xdeadbeef
RVMODEL_DATA_END
"""
EXPECTED = b"".join(
    w + b"\n"
    for w in [b"00000000"] * 2
    + [b"00001234", b"00000000", b"000000ff", b"00000000", b"000000a4", b"00000000"]
)


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("archenv")
    (d / "t.S").write_text(SOURCE)
    elf = d / "t.elf"
    cmd = [
        *("riscv64-linux-gnu-gcc", "-march=rv64gc", "-mabi=lp64d", "-static", "-nostdlib"),
        *("-fno-pie", "-mno-relax", "-no-pie", "-Wl,-e,rvtest_entry_point", f"-I{ENV}"),
        *("-o", str(elf)),
    ]
    res = subprocess.run([*cmd, str(d / "t.S")], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return elf


def test_qemu10_prints_the_signature(program: Path) -> None:
    if helpers.qemu10() is None:
        pytest.fail(f"{helpers.QEMU10} missing (run scripts/fetch-qemu.sh)")
    ref = rvrun.run_qemu(program, ext=True)
    assert (ref.status, ref.stdout) == (0, EXPECTED), ref.message


@pytest.mark.parametrize("tier", ["interp", "jit", "tiered"])
def test_tbwasm_prints_the_signature(program: Path, tier: str) -> None:
    cmd = [*helpers.tbwasm_command(program)[:4], "--tier", tier, str(program)]
    got = subprocess.run(cmd, capture_output=True, env=helpers.host_env(), timeout=300)
    assert got.returncode == 0, got.stderr.decode()[-2000:]
    assert got.stdout == EXPECTED


def _script() -> ModuleType:
    path = helpers.REPO_ROOT / "scripts" / "arch_test.py"
    spec = importlib.util.spec_from_file_location("arch_test", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["arch_test"] = mod  # for its dataclasses
    spec.loader.exec_module(mod)
    return mod


def test_script_rejects_trivial_signatures_and_names_the_first_difference() -> None:
    m = _script()
    assert m.trivial([]) == "empty signature"
    assert m.trivial(["deadbeef"] * 4)
    assert m.trivial(["6f5ca309", "deadbeef", "e7d4b281"])  # fill and canaries only
    assert m.trivial(["6f5ca309", "00001234"]) == ""
    assert m.first_difference(["1", "2", "3"], ["1", "2", "3"]) == ""
    assert "word 1 (begin_signature+0x4): qemu 2 tbwasm 5" in m.first_difference(
        ["1", "2", "3"], ["1", "5", "3"]
    )
    assert m.first_difference(["1", "2"], ["1"]) == "1 words, qemu 2"
    assert m.TRAPPING.search("  nop\n    c.ebreak\n")
    assert not m.TRAPPING.search("  add x1, x2, x3\n")
