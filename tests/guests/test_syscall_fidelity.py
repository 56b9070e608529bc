"""System calls as Linux answers them: guests/src/sysfid.c under qemu-riscv64 and tbwasm.

qemu-riscv64 hands the calls to the host kernel, so its answers are Linux's. The guest prints only
what a real kernel and the emulators must agree on (errno names, byte counts, file contents). A
host directory is seen by qemu at its host path and by tbwasm through `--mount`; stdin redirected
from a regular file must be described by fstat(0) as that file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import helpers
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "differential"))

Run = subprocess.CompletedProcess[bytes]


@pytest.fixture(scope="module")
def sysfid() -> Path:
    p = helpers.guest_path("sysfid")
    if not p.exists():
        pytest.fail(f"{p} missing (guests/build.sh sysfid)")
    if not helpers.have_qemu():
        pytest.fail("qemu-riscv64 not installed (scripts/setup.sh)")
    return p


def _tbwasm(args: list[str], mounts: dict[str, Path], stdin: object = None) -> Run:
    cmd = helpers.tbwasm_command(args[0], args[1:])
    opts = [f"--mount={g}={h}" for g, h in mounts.items()]
    cmd[4:4] = opts  # after `python -m py_backend.cli run`
    return subprocess.run(
        cmd,
        stdin=stdin,  # type: ignore[arg-type]
        capture_output=True,
        env=helpers.host_env(),
        timeout=120,
        cwd=helpers.REPO_ROOT,
        check=False,
    )


def _qemu(args: list[str], stdin: object = None) -> Run:
    return subprocess.run(
        [helpers.QEMU, *args],
        stdin=stdin,  # type: ignore[arg-type]
        capture_output=True,
        env=helpers.guest_env(),
        timeout=120,
        cwd=helpers.REPO_ROOT,
        check=False,
    )


def test_calls_real_programs_make(sysfid: Path, tmp_path: Path) -> None:
    q = _qemu([str(sysfid), "calls", str(tmp_path)])
    t = _tbwasm([str(sysfid), "calls", "/scratch"], {"/scratch": tmp_path})
    assert q.returncode == 0, q.stderr
    assert (t.returncode, t.stderr) == (0, b"")  # an unknown call (500) prints nothing
    assert t.stdout.decode().splitlines() == q.stdout.decode().splitlines()
    out = t.stdout.decode()
    for line in (
        "mincore unmapped = -1 ENOMEM",
        "fadvise pipe = -1 ESPIPE",
        "connect missing = -1 ENOENT",
        "connect abstract = -1 ECONNREFUSED",
        "landlock_create_ruleset = -1 ENOSYS",
        "got pong!",
        "read 1 at eof = 0",
        "write to closed peer = -1 EPIPE",
        "b: 456789ababcdef",
        "unknown syscall 500 = -1 ENOSYS",
    ):
        assert line in out


def test_mounted_files_and_dirs_report_the_hosts_metadata(sysfid: Path, tmp_path: Path) -> None:
    d = tmp_path / "m"
    (d / "sub1").mkdir(parents=True)
    (d / "sub2").mkdir()
    (d / "f").write_bytes(os.urandom(5000))
    os.link(d / "f", d / "f2")
    os.utime(d / "f", ns=(1_500_000_000_123_456_789, 1_577_934_245_123_456_789))
    q = _qemu([str(sysfid), "stat", str(d), str(d / "f"), str(d / "sub1")])
    t = _tbwasm([str(sysfid), "stat", "/m", "/m/f", "/m/sub1"], {"/m": d})
    assert q.returncode == t.returncode == 0, (q.stderr, t.stderr)
    assert t.stdout == q.stdout
    lines = t.stdout.decode().splitlines()
    assert "links 4" in lines[1] and "dir" in lines[1]  # ., .., sub1/.., sub2/..
    assert "size 5000 links 2" in lines[3] and "mtime 1577934245.123456789" in lines[3]


def test_fstat_of_stdin_redirected_from_a_file(sysfid: Path, tmp_path: Path) -> None:
    f = tmp_path / "in"
    f.write_bytes(b"x" * 3000)
    os.utime(f, ns=(1_600_000_000_000_000_000, 1_600_000_000_987_654_321))
    with open(f, "rb") as a, open(f, "rb") as b:
        q = _qemu([str(sysfid), "stdin"], stdin=a)
        t = _tbwasm([str(sysfid), "stdin"], {}, stdin=b)
    assert q.returncode == t.returncode == 0, (q.stderr, t.stderr)
    assert t.stdout == q.stdout
    assert b"type file size 3000 links 1" in t.stdout and b"1600000000.987654321" in t.stdout


def _hwprobe(out: bytes) -> dict[int, tuple[int, int]]:
    pairs = {}
    for line in out.decode().splitlines():
        if line.startswith("key "):
            _, k, _, key, value = line.split()
            pairs[int(k)] = (int(key), int(value, 16))
    return pairs


CRYPTO_EXTS = ("Zbkb", "Zbkc", "Zbkx", "Zknd", "Zkne", "Zknh", "Zksed", "Zksh", "Zkt")


def test_riscv_hwprobe_reports_what_is_implemented(sysfid: Path) -> None:
    """Linux's answers for this machine: the base keys as qemu 10 gives them (for the same
    extensions), IMA_EXT_0 with a bit for each extension the table implements."""
    from py_backend.linux.sys_extra import HWPROBE_EXT_BITS, implemented_extensions

    q10 = helpers.qemu10()
    if q10 is None:
        pytest.fail(f"{helpers.QEMU10} missing (run scripts/fetch-qemu.sh)")
    import rvrun  # tests/differential: the qemu 10 CPU with exactly tbwasm's extensions

    q = subprocess.run(
        [str(q10), "-cpu", rvrun.QEMU10_CPU, str(sysfid), "hwprobe"],
        capture_output=True,
        env=helpers.guest_env(),
        timeout=60,
        check=False,
    )
    t = _tbwasm([str(sysfid), "hwprobe"], {})
    assert q.returncode == t.returncode == 0, (q.stderr, t.stderr)
    theirs, ours = _hwprobe(q.stdout), _hwprobe(t.stdout)
    assert b"riscv_hwprobe bad flags = -1 EINVAL" in t.stdout
    for key in (0, 1, 2, 3, 5, 6):  # vendor ids, base behaviour, misaligned perf, block size
        assert ours[key] == theirs[key], key
    exts = implemented_extensions()
    want = sum(1 << HWPROBE_EXT_BITS[e] for e in exts if e in HWPROBE_EXT_BITS)
    assert ours[4] == (4, want)
    # every bit qemu 10 reports for an extension tbwasm implements is ours too
    assert theirs[4][1] & want == theirs[4][1] & ours[4][1]
    for bit in ("Zba", "Zbb", "Zbs", "Zbc", "Zicboz", "Zicond", "FD", "C", *CRYPTO_EXTS):
        assert ours[4][1] >> HWPROBE_EXT_BITS[bit] & 1, bit
    assert ours[7] == (7, 0x3FFF_FFFF) and ours[8] == (8, 10_000_000)
    assert ours[10] == (-1, 0)  # an unknown key: -1
