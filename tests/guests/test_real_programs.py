"""Real programs: Debian trixie's riscv64 builds (scripts/fetch-real-programs.sh -> the sysroot
bench/out/sysroot, or $TBWASM_REAL_SYSROOT) under qemu-riscv64 -L and tbwasm -L, with small
workloads of our own that reach what such programs do at start-up and on errors (libsigsegv's
mincore probe in gawk, stdin from a pipe, messages on stderr, exit statuses). stdout, stderr and
the exit status must be equal: before the silent ENOSYS and the system calls of
linux/sys_extra.py, tbwasm's stderr differed for most of them."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import helpers
import pytest

# Dynamically linked Debian programs: with every block compiled before it runs (the jit tier)
# they take minutes; `make tiers` runs them in the interp tier, not in jit.
pytestmark = pytest.mark.jit_slow

SYSROOT = Path(
    os.environ.get("TBWASM_REAL_SYSROOT") or helpers.REPO_ROOT / "bench" / "out" / "sysroot"
)


# ~90 KB of text for the compressors and filters
TEXT = "".join(f"{i} alpha{i % 7} beta{i % 13} gamma\n" for i in range(4000)).encode()


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple[str, ...]  # argv[0]: the program's path inside the sysroot
    stdin: bytes = b""


CASES = [
    Case("lua", ("/usr/bin/lua5.4", "-e", "print(string.format('%.5f', math.pi), #arg, 2^53)")),
    Case("lua-error", ("/usr/bin/lua5.4", "-e", "error('boom')")),
    Case("lua-stdin", ("/usr/bin/lua5.4", "-", "a1"), b"print(('x'):rep(3), ..., #arg)\n"),
    Case(
        "sqlite3",
        (
            "/usr/bin/sqlite3",
            ":memory:",
            "create table t(a, b); insert into t values (1, 'x'), (2, 'y'), (3, null);"
            " select sum(a), group_concat(b, '+'), typeof(b) from t group by typeof(b);",
        ),
    ),
    Case("sqlite3-error", ("/usr/bin/sqlite3", ":memory:", "select * from missing;")),
    Case("bc", ("/usr/bin/bc", "-lq"), b"scale=40; 4*a(1)\n2^100\nsqrt(2)\nquit\n"),
    Case(
        "gawk",
        (
            "/usr/bin/gawk",
            'BEGIN { for (i = 1; i <= 10; i++) s += i * i; printf "%d %x\\n", s, 255 }',
        ),
    ),
    Case("gawk-stdin", ("/usr/bin/gawk", "{ n += NF } END { print NR, n }"), b"a b c\nd e\n\nf\n"),
    Case("gawk-missing-file", ("/usr/bin/gawk", "{ print }", "/no/such/file")),
    Case("jq", ("/usr/bin/jq", "-c", ".a | map(. * 2) | add"), b'{"a": [1, 2, 3.5]}\n'),
    Case("jq-error", ("/usr/bin/jq", ".a"), b"not json\n"),
    # xz with two threads (blocks of 16 KiB: both compress), its output byte for byte
    Case("xz-T2", ("/usr/bin/xz", "-T2", "--block-size=16384", "-3", "-c"), TEXT),
    Case("zstd-T2", ("/usr/bin/zstd", "-q", "-T2", "-5", "-c"), TEXT),
    Case("grep", ("/usr/bin/grep", "-c", "-E", "alpha3 beta(1|2)"), TEXT),
    Case("grep-missing-file", ("/usr/bin/grep", "x", "/no/such/file")),
    Case("sed", ("/usr/bin/sed", "-e", "s/alpha/A/g; /beta1[0-2]/d; 3q"), TEXT),
    Case("sha256sum", ("/usr/bin/sha256sum", "-"), TEXT),
    Case("ls", ("/usr/bin/ls", "/usr/lib/riscv64-linux-gnu")),
]


@pytest.fixture(scope="module")
def sysroot() -> Path:
    if not (SYSROOT / "usr" / "bin" / "lua5.4").exists():
        pytest.fail(f"{SYSROOT} missing (run scripts/fetch-real-programs.sh)")
    if not helpers.have_qemu():
        pytest.fail("qemu-riscv64 not installed (scripts/setup.sh)")
    return SYSROOT


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_real_program_matches_qemu(case: Case, sysroot: Path) -> None:
    prog, *args = case.argv
    prog = str(sysroot) + prog  # the host path (as argv[0] too, for both)
    q = helpers.qemu_run(prog, args, stdin=case.stdin, sysroot=str(sysroot), timeout=120)
    t = helpers.tbwasm_run(prog, args, stdin=case.stdin, sysroot=str(sysroot), timeout=300)
    assert (t.stdout, t.stderr, t.returncode) == (q.stdout, q.stderr, q.returncode)
    assert q.stdout or q.stderr  # the workload did something


def test_the_workloads_exercise_errors_and_successes(sysroot: Path) -> None:
    statuses = set()
    for case in CASES:
        prog, *args = case.argv
        r = subprocess.run(
            [helpers.QEMU, "-L", str(sysroot), str(sysroot) + prog, *args],
            input=case.stdin,
            capture_output=True,
            env=helpers.guest_env(),
            timeout=120,
            check=False,
        )
        statuses.add(r.returncode == 0)
    assert statuses == {True, False}


NODE_CASES = ["lua", "sqlite3-error", "gawk-missing-file", "jq"]


@pytest.mark.parametrize("case_id", NODE_CASES)
def test_real_program_through_node_matches_qemu(case_id: str, sysroot: Path) -> None:
    """The same through `node web/node/cli.mjs -L` (Pyodide and V8; the sysroot mounted into it)."""
    if not (helpers.REPO_ROOT / "static" / "pyodide").is_dir():
        pytest.fail("web assets missing (scripts/setup-web.sh)")
    case = next(c for c in CASES if c.id == case_id)
    prog, *args = case.argv
    prog = str(sysroot) + prog
    q = helpers.qemu_run(prog, args, stdin=case.stdin, sysroot=str(sysroot), timeout=120)
    opts = [f"--env={k}={v}" for k, v in helpers.guest_env().items()]
    cli = str(helpers.REPO_ROOT / "web" / "node" / "cli.mjs")
    t = subprocess.run(
        ["node", cli, "-L", str(sysroot), *opts, prog, *args],
        input=case.stdin,
        capture_output=True,
        env=helpers.host_env(),
        cwd=str(helpers.REPO_ROOT),
        timeout=300,
        check=False,
    )
    assert (t.stdout, t.stderr, t.returncode) == (q.stdout, q.stderr, q.returncode)
