"""Debian's dynamically linked programs from the root filesystem image (static/rootfs,
scripts/fetch-rootfs.sh), read through the lazy tree of py_backend/linux/rootfs.py: `tbwasm run
--rootfs` (native) and `node web/node/cli.mjs --rootfs` against `qemu-riscv64 -L` on the same
directory.  Stdout and the exit status must be equal."""

from __future__ import annotations

import os
import subprocess
import sys

import helpers
import pytest

# Dynamically linked Debian programs: with every block compiled before it runs (the jit tier)
# they take minutes; `make tiers` runs them in the interp tier, not in jit.
pytestmark = pytest.mark.jit_slow

REPO = helpers.REPO_ROOT
ROOTFS = REPO / "static" / "rootfs"
TIMEOUT = 240

if not (ROOTFS / ".tbwasm-index.json").is_file():
    pytest.fail("no root filesystem image (scripts/fetch-rootfs.sh)")

CASES: dict[str, tuple[str, list[str]]] = {
    "python3": (
        "/usr/bin/python3",
        [
            "-c",
            "import json, hashlib, sys; print(json.dumps({'x': [1, 2]}), "
            "hashlib.sha256(b'a').hexdigest()[:12], sum(range(10**5)), sys.version_info[:2])",
        ],
    ),
    # the interactive interpreter, fed by a pipe (prompts go to stderr); readline starts up
    "python3-i": ("/usr/bin/python3", ["-i", "-q"]),
    "lua": (
        "/usr/bin/lua",
        ["-e", "local t = {} for i = 1, 1000 do t[i] = i * i end print(#t, t[1000])"],
    ),
    "sqlite3": (
        "/usr/bin/sqlite3",
        [":memory:", "create table t(x); insert into t values (1), (20); select sum(x) from t"],
    ),
    "busybox": (
        "/bin/sh",
        ["-c", 'while read -r l; do echo "$l"; done < /etc/os-release; echo $((6 * 7))'],
    ),
    # sizes, blocks ("total"), modes and times of files and directories, as Linux lists them
    "ls": ("/bin/busybox", ["ls", "-lR", "/etc", "/usr/share/terminfo"]),
}
STDIN = {"python3-i": b"x = 6 * 7\nx\nimport sys; sys.flags.interactive\n"}
RUNNERS = ["native", pytest.param("node", marks=pytest.mark.node)]


def run(runner: str, prog: str, args: list[str], stdin: bytes) -> subprocess.CompletedProcess:
    if runner == "native":
        cmd = [sys.executable, "-m", "py_backend.cli", "run", "--rootfs", str(ROOTFS)]
    else:
        cmd = ["node", str(REPO / "web" / "node" / "cli.mjs"), "--rootfs", str(ROOTFS)]
    return subprocess.run(
        [*cmd, prog, *args],
        input=stdin,
        capture_output=True,
        cwd=REPO,
        env={**helpers.host_env(), "PYTHONPATH": str(REPO), "PATH": os.environ.get("PATH", "")},
        timeout=TIMEOUT,
        check=False,
    )


@pytest.fixture(scope="module")
def reference() -> dict[str, subprocess.CompletedProcess]:
    if not helpers.have_qemu():
        pytest.fail("qemu-riscv64 not installed (scripts/setup.sh)")
    return {
        name: subprocess.run(
            ["qemu-riscv64", "-L", str(ROOTFS), str(ROOTFS) + prog, *args],
            input=STDIN.get(name, b""),
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
        for name, (prog, args) in CASES.items()
    }


@pytest.mark.parametrize("runner", RUNNERS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_image_program_matches_qemu(reference, runner: str, name: str) -> None:
    prog, args = CASES[name]
    r = run(runner, prog, args, STDIN.get(name, b""))
    ref = reference[name]
    assert ref.returncode == 0 and ref.stdout
    assert (r.stdout, r.returncode) == (ref.stdout, ref.returncode), r.stderr.decode()[-2000:]
