"""The Linux user ABI of the vector extension, from a guest program (guests/src/ext/
vector_abi.c, built here with -march=rv64gcv): the signal frame's vector record as Linux 6.x
writes it (and rt_sigreturn loading it back, with the handler's changes), the vector state
across fork and thread creation (copied) and execve (reset: vtype = vill, vl = 0).  The program
asserts for itself; every tier of tbwasm must pass each mode.

qemu 10 linux-user differs: its signal frame has no vector record (the END header comes right
after the fp state, and the vector state is neither saved nor restored), which the `signal`
mode detects; fork and threads copy the state as tbwasm does; its execve needs the host's
binfmt_misc to start a riscv64 program, so `exec` is checked under tbwasm only.

The `prctl` mode (PR_RISCV_V_SET/GET_CONTROL) needs V advertised, which it is not while V is in
progress (prctl is then EINVAL, as Linux without V): it runs in this process, in a Machine,
with V taken out of sys_extra.IN_PROGRESS_EXTS."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import helpers
import pytest
from doubles import NoInput, Sink

from py_backend.host.native import NativeHost
from py_backend.linux import sys_extra
from py_backend.machine import Machine

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "differential"))
import rvrun  # qemu 10's cpu string with tbwasm's extensions

pytestmark = pytest.mark.all_tiers  # the tiers are this test's own parameters

SOURCE = helpers.REPO_ROOT / "guests" / "src" / "ext" / "vector_abi.c"
CC = "riscv64-linux-gnu-gcc"
MODES = ["signal", "fork", "thread", "exec"]


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    elf = tmp_path_factory.mktemp("vabi") / "vector_abi.elf"
    cmd = [CC, "-static", "-O2", "-march=rv64gcv", "-mabi=lp64d", "-Wall", "-pthread"]
    subprocess.run([*cmd, "-o", str(elf), str(SOURCE)], check=True, capture_output=True)
    return elf


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("tier", ["interp", "jit", "tiered"])
def test_tbwasm(program: Path, tier: str, mode: str) -> None:
    cmd = [*helpers.tbwasm_command(program)[:4], "--tier", tier, str(program), mode]
    got = subprocess.run(cmd, capture_output=True, env=helpers.host_env(), timeout=300)
    assert (got.returncode, got.stdout) == (0, f"{mode} ok\n".encode()), got.stderr[-2000:]


def _qemu10(program: Path, mode: str) -> subprocess.CompletedProcess[bytes]:
    q10 = helpers.qemu10()
    if q10 is None:
        pytest.fail(f"{helpers.QEMU10} missing (run scripts/fetch-qemu.sh)")
    cmd = [str(q10), "-cpu", rvrun.QEMU10_VECTOR_CPU, str(program), mode]
    return subprocess.run(cmd, capture_output=True, env={}, timeout=120)


def test_qemu10(program: Path) -> None:
    """The program's fork and thread checks pass under qemu 10; its signal frame lacks the
    vector record."""
    for mode in ("fork", "thread"):
        ref = _qemu10(program, mode)
        assert (ref.returncode, ref.stdout) == (0, f"{mode} ok\n".encode()), ref.stderr
    ref = _qemu10(program, "signal")
    assert ref.returncode == 1 and b"hdr[0] == 0x53465457" in ref.stdout


@pytest.mark.parametrize("tier", ["interp", "jit"])
def test_prctl_vector_control(program: Path, tier: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Off: vector instructions and CSRs SIGILL (the program's handler counts them); on again;
    off after use is EPERM; EINVAL for bad values; fork copies the control; the next setting
    (off, not inherited) is the current one after execve."""
    monkeypatch.setattr(sys_extra, "IN_PROGRESS_EXTS", sys_extra.IN_PROGRESS_EXTS - {"V"})
    host, out, err = NativeHost(), Sink(), Sink()
    argv = [str(program), "prctl"]
    m = Machine(host.raw, program.read_bytes(), argv, [], stdin=NoInput(), stdout=out,
                stderr=err, tier=tier)  # fmt: skip
    action = host.run(m)
    assert (action.status, bytes(out.data)) == (0, b"prctl ok\n"), bytes(err.data)
