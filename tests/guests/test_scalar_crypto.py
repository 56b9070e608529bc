"""A C program that does real work with the scalar cryptography instructions
(guests/src/ext/scalar_crypto.c: AES-128 with the aes64* key schedule, encryption and
decryption, SHA-256 with the sha256* functions) prints the FIPS test vectors' answers, under
qemu 10 and in every tier of tbwasm. It is built here, not by guests/build.sh: plain
qemu-riscv64 7.2, the reference for guests/bin, does not run these instructions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import helpers
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "differential"))
import rvrun  # qemu 10 with exactly tbwasm's extensions

pytestmark = pytest.mark.all_tiers  # the tiers are this test's own parameters

SOURCE = helpers.REPO_ROOT / "guests" / "src" / "ext" / "scalar_crypto.c"
CC = "riscv64-linux-gnu-gcc"
MARCH = "rv64gc_zkne_zknd_zknh"
# FIPS-197 appendix C.1 (AES-128: its last round key is appendix A.1's w[40..43]) and FIPS 180-4
# (SHA-256 of "abc").
EXPECTED = b"""aes128 last round key 13111d7fe3944a17f307a78b4d2b30c5
aes128 encrypt 69c4e0d86a7b0430d8cdb78070b4c55a
aes128 decrypt 00112233445566778899aabbccddeeff
sha256 abc ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
"""


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    elf = tmp_path_factory.mktemp("crypto") / "scalar_crypto.elf"
    cmd = [CC, "-static", "-O2", f"-march={MARCH}", "-mabi=lp64d", "-Wall", "-o", str(elf)]
    subprocess.run([*cmd, str(SOURCE)], check=True, capture_output=True)
    return elf


def test_qemu10_prints_the_test_vectors(program: Path) -> None:
    if helpers.qemu10() is None:
        pytest.fail(f"{helpers.QEMU10} missing (run scripts/fetch-qemu.sh)")
    ref = rvrun.run_qemu(program, ext=True)
    assert (ref.status, ref.stdout) == (0, EXPECTED), ref.message


@pytest.mark.parametrize("tier", ["interp", "jit", "tiered"])
def test_tbwasm_prints_the_test_vectors(program: Path, tier: str) -> None:
    cmd = [*helpers.tbwasm_command(program)[:4], "--tier", tier, str(program)]
    got = subprocess.run(cmd, capture_output=True, env=helpers.host_env(), timeout=300)
    assert got.returncode == 0, got.stderr.decode()[-2000:]
    assert got.stdout == EXPECTED
