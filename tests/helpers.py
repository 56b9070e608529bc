"""Helpers to run riscv64 guest programs under qemu-riscv64 (the reference) and under tbwasm.

Both runners give the guest the same argv (argv[0] is the program path exactly as passed), the
same working directory and exactly the same environment: `BASE_GUEST_ENV` plus the `env`
argument. qemu-riscv64 hands its own environment to the guest, so it is started with that
environment and nothing else; tbwasm gets it as repeated `--env NAME=VALUE` options.

Exit statuses are shell-style: the guest's exit code, or 128 + signal number when the guest died
from a signal. qemu-riscv64 kills itself with the guest's signal (Python sees a negative
return code); `qemu_run` converts that to 128 + signal. `tbwasm run` is expected to exit with
128 + signal itself, so its return code is left as it is (a negative one means the Python
process itself was killed).

Dynamically linked guests (guests/bin/dyn/) run with `sysroot=SYSROOT`: both runners get
`-L SYSROOT`, qemu-riscv64's option, which tbwasm spells the same way.

Harness sanity mode: with `TBWASM_TEST_SELF_CHECK=1` in the environment, `tbwasm_run` runs
qemu-riscv64 instead of tbwasm, so every differential test must pass; use it to check the tests
themselves (`TBWASM_TEST_SELF_CHECK=1 pytest tests/guests`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
GUEST_BIN_DIR = REPO_ROOT / "guests" / "bin"
QEMU = "qemu-riscv64"
# Debian trixie's qemu 10 (scripts/fetch-qemu.sh): the reference for the extensions qemu 7.2 lacks
QEMU10 = GUEST_BIN_DIR / "qemu10" / "qemu-riscv64"

# The environment every guest sees (plus what a test adds). Keep it small and free of QEMU_*.
BASE_GUEST_ENV: dict[str, str] = {"PATH": "/bin:/usr/bin", "HOME": "/tmp", "LANG": "C"}

DEFAULT_TIMEOUT = 60.0

# The one bound of every test that waits on time for something to happen (Stop stops, the page
# answers, a file is stored): a liveness bound, generous enough to hold on a loaded 2-core
# machine. How fast it happens is a figure for bench/ (bench/latency.py), not an assertion.
LIVENESS_S = 30.0

# Debian's libc6-riscv64-cross (brought by gcc-riscv64-linux-gnu): the dynamic linker and libc
SYSROOT = "/usr/riscv64-linux-gnu"

Result = subprocess.CompletedProcess[bytes]


def self_check() -> bool:
    """True when `tbwasm_run` should run qemu-riscv64 instead (harness sanity mode)."""
    return os.environ.get("TBWASM_TEST_SELF_CHECK", "") not in ("", "0")


def have_qemu() -> bool:
    return shutil.which(QEMU) is not None


def qemu10() -> Path | None:
    """The newer reference qemu-riscv64 (qemu 10, fetched by scripts/fetch-qemu.sh), or None.
    `$TBWASM_QEMU10` names another one."""
    p = Path(os.environ.get("TBWASM_QEMU10", "") or QEMU10)
    return p if p.is_file() and os.access(p, os.X_OK) else None


def guest_path(name: str) -> Path:
    """`guests/bin/NAME.elf`, or `guests/bin/NAME` (e.g. busybox). May not exist."""
    elf = GUEST_BIN_DIR / f"{name}.elf"
    return elf if elf.exists() else GUEST_BIN_DIR / name


def guest_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The full guest environment: BASE_GUEST_ENV updated with `env`."""
    out = dict(BASE_GUEST_ENV)
    if env:
        out.update(env)
    return out


def _status(rc: int) -> int:
    return 128 - rc if rc < 0 else rc


def _run(
    cmd: list[str], stdin: bytes, env: dict[str, str], timeout: float, cwd: Path | str | None
) -> Result:
    return subprocess.run(
        cmd,
        input=stdin,
        capture_output=True,
        env=env,
        timeout=timeout,
        cwd=str(cwd if cwd is not None else REPO_ROOT),
        check=False,
    )


def qemu_run(
    path: Path | str,
    args: Sequence[str] = (),
    stdin: bytes = b"",
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    cwd: Path | str | None = None,
    sysroot: str | None = None,
    qemu: Path | str = QEMU,
    qemu_args: Sequence[str] = (),
) -> Result:
    """Run a guest under qemu-riscv64 (or `qemu`, e.g. `qemu10()`, with `qemu_args` such as
    `-cpu max`). `returncode` is shell-style (128 + signal)."""
    cmd = [str(qemu), *qemu_args, *(["-L", sysroot] if sysroot else []), str(path), *args]
    r = _run(cmd, stdin, guest_env(env), timeout, cwd)
    return subprocess.CompletedProcess(cmd, _status(r.returncode), r.stdout, r.stderr)


def tbwasm_command(
    path: Path | str,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    sysroot: str | None = None,
) -> list[str]:
    """`python -m py_backend.cli run [-L SYSROOT] [--env N=V]... PATH ARGS...`"""
    opts: list[str] = ["-L", sysroot] if sysroot else []
    for k, v in guest_env(env).items():
        opts += ["--env", f"{k}={v}"]
    return [sys.executable, "-m", "py_backend.cli", "run", *opts, str(path), *args]


def host_env() -> dict[str, str]:
    """Environment of the tbwasm (host Python) process itself, not the guest's."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(REPO_ROOT),
    }
    # the tier the suite runs in (make test runs the suites once per tier)
    for k in ("VIRTUAL_ENV", "TMPDIR", "TBWASM_TIER", "TBWASM_HOT_THRESHOLD"):
        if k in os.environ:
            env[k] = os.environ[k]
    return env


def tbwasm_run(
    path: Path | str,
    args: Sequence[str] = (),
    stdin: bytes = b"",
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    cwd: Path | str | None = None,
    sysroot: str | None = None,
) -> Result:
    """Run a guest under `tbwasm run` (or qemu-riscv64 in self-check mode)."""
    if self_check():
        return qemu_run(path, args, stdin=stdin, env=env, timeout=timeout, cwd=cwd, sysroot=sysroot)
    cmd = tbwasm_command(path, args, env, sysroot)
    return _run(cmd, stdin, host_env(), timeout, cwd)


def busybox_bindir(d: Path, applets: Sequence[str]) -> Path:
    """A directory `d` holding guests/bin/busybox and a link to it per applet (a PATH for a
    guest shell); fails the test when busybox has not been fetched."""
    import pytest

    busybox = GUEST_BIN_DIR / "busybox"
    if not busybox.exists():
        pytest.fail("guests/bin/busybox missing: run scripts/fetch-busybox.sh")
    (d / "busybox").write_bytes(busybox.read_bytes())
    (d / "busybox").chmod(0o755)
    for a in applets:
        (d / a).symlink_to("busybox")
    return d
