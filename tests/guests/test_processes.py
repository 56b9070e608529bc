"""Processes under busybox sh: pipelines, command substitution, redirections, background jobs,
exit statuses, exec, and the ways process trees end (a fork bomb, a pipe whose reader died).

Scripts that only fork (subshells, ``$(...)`` of builtins) are compared with qemu-riscv64, which
runs each guest fork as a host fork.  Scripts that exec other programs cannot run under
qemu-riscv64 without binfmt_misc (it execs the host's files: "Exec format error"), so those are
checked against the output Linux gives, written out here.  Applets are reached through a
``--mount`` of a directory holding busybox and its applet links, as a root filesystem would.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import helpers
import pytest

BUSYBOX = helpers.GUEST_BIN_DIR / "busybox"
APPLETS = (
    "cat cut sort head tail wc tr seq sleep echo sh ls grep yes true false test kill vi".split()
)


@pytest.fixture(scope="module")
def bindir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = helpers.busybox_bindir(tmp_path_factory.mktemp("bin"), APPLETS)
    script = d / "greet"
    script.write_text('#!/bin/sh\necho "hello from $0 with $#: $*"\nexit 9\n')
    script.chmod(0o755)
    return d


def sh(bindir: Path, script: str, timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    cmd = [
        sys.executable, "-m", "py_backend.cli", "run", "--mount", f"/bin={bindir}",
        "--env", "PATH=/bin", str(bindir / "busybox"), "sh", "-c", script,
    ]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, timeout=timeout, env=helpers.host_env())


FORK_ONLY = [
    'x=$(echo hi; echo there); echo "[$x]"',
    "(exit 3); echo st=$?; ( (exit 4) ); echo st=$?",
    "echo a && false || echo b; true && echo c",
    'f() { echo in-f $1; return 6; }; f 1 | { read l; echo got "$l"; }; f 2; echo $?',
    "for i in 1 2 3; do (echo sub $i) ; done; echo $(( $(echo 6) * 7 ))",
    "echo $( (echo deep; exit 2) ; echo after=$? )",
    "exec 3>&1; echo to-three >&3; exec 3>&-; echo closed",
]


@pytest.mark.parametrize("script", FORK_ONLY)
def test_fork_only_scripts_match_qemu(bindir: Path, script: str) -> None:
    ours = helpers.tbwasm_run(BUSYBOX, ["sh", "-c", script])
    if not helpers.have_qemu():
        pytest.fail("qemu-riscv64 is needed for the differential tests")
    ref = helpers.qemu_run(BUSYBOX, ["sh", "-c", script])
    assert (ours.returncode, ours.stdout, ours.stderr) == (ref.returncode, ref.stdout, ref.stderr)


EXEC_SCRIPTS = [
    ("echo a | cat", "a\n", 0),
    ("seq 1 12 | sort -n -r | head -3 | tr '\\n' ,", "12,11,10,", 0),
    ("yes abc | head -2", "abc\nabc\n", 0),
    ("echo one > /tmp/f; echo two >> /tmp/f; cat < /tmp/f | wc -l", "2\n", 0),
    ("ls /bin | grep -c busybox", "1\n", 0),
    ("greet x 'y z'; echo st=$?", "hello from /bin/greet with 2: x y z\nst=9\n", 0),
    ("sleep 0.2 & p=$!; echo started; wait $p; echo waited=$?", "started\nwaited=0\n", 0),
    ("sh -c 'kill -TERM $$'; echo st=$?", "st=143\n", 0),
    ("nosuch; echo st=$?", "st=127\n", 0),
    ("/tmp; echo st=$?", "st=126\n", 0),
    ("cat /nonexistent 2>/dev/null || echo failed=$?", "failed=1\n", 0),
    ("exec seq 3", "1\n2\n3\n", 0),
    ("false | true; echo $?; true | false; echo $?", "0\n1\n", 0),
    ("sh -c 'exit 5'", "", 5),
    # cat copies with sendfile: a full pipe must block it before it reads, not lose data
    ("cat /bin/busybox /bin/busybox | wc -c", "{2 * size}\n", 0),
    # /proc/self/exe is each process's own program, canonical (busybox re-execs through it)
    (
        "/bin/ls -l /proc/self/exe | tr -s ' ' | cut -d' ' -f9-",
        "/proc/self/exe -> /bin/busybox\n",
        0,
    ),
    ("cat /proc/self/exe | wc -c", "{size}\n", 0),
]


@pytest.mark.parametrize(("script", "out", "status"), EXEC_SCRIPTS)
def test_scripts_that_exec(bindir: Path, script: str, out: str, status: int) -> None:
    r = sh(bindir, script)
    if "{" in out:  # sizes of the busybox binary
        out = out.replace("{2 * size}", str(2 * BUSYBOX.stat().st_size))
        out = out.replace("{size}", str(BUSYBOX.stat().st_size))
    assert r.stdout.decode() == out, r.stderr.decode()
    assert r.returncode == status, r.stderr.decode()


def test_pipe_whose_reader_died_ends(bindir: Path) -> None:
    """`yes` keeps writing after `head` exits: EPIPE/SIGPIPE must end it, not fill memory."""
    t0 = time.monotonic()
    r = sh(bindir, "yes | head -c 5; echo; echo status=$?", timeout=60)
    assert r.stdout == b"y\ny\ny\nstatus=0\n"
    assert time.monotonic() - t0 < 60


def test_fork_bomb_ends_cleanly(bindir: Path) -> None:
    """A fork bomb meets the process table limit (fork: EAGAIN) and the run still ends."""
    script = "b() { b & b & wait; }; b 2>/dev/null; echo survived"
    r = sh(bindir, f"sh -c '{script}' & sleep 3; kill -9 -1 2>/dev/null; echo done", 120)
    assert b"done" in r.stdout
    assert b"Traceback" not in r.stderr and b"internal error" not in r.stderr


def test_exec_errors(bindir: Path) -> None:
    """execve's errors as the shell reports them: ENOENT 127, EACCES 126, ENOEXEC runs as sh."""
    r = sh(bindir, "echo 'echo from-text' > /tmp/t; chmod +x /tmp/t; /tmp/t; echo $?; "
           "echo x > /tmp/n; /tmp/n; echo $?")  # fmt: skip
    assert r.stdout == b"from-text\n0\n126\n"


def test_interactive_shell_on_a_pseudo_terminal(bindir: Path) -> None:
    """`tbwasm run busybox sh` on a terminal: the host tty goes raw, the emulated one edits
    lines, ^C reaches the foreground job (a sleep, a pipeline), vi edits and saves a file,
    background jobs and `wait` work, exit's status comes back."""
    import pty
    import select

    pid, fd = pty.fork()
    if pid == 0:  # the child: tbwasm on the pty
        env = {**helpers.host_env(), "TERM": "xterm"}
        os.execvpe(
            sys.executable,
            [sys.executable, "-m", "py_backend.cli", "run", "--mount", f"/bin={bindir}",
             "--env", "PATH=/bin", "--env", "PS1=$ ", str(bindir / "busybox"), "sh"],
            env,
        )  # fmt: skip
    out = b""

    def expect(pattern: bytes, timeout: float = 60) -> None:
        nonlocal out
        end = time.monotonic() + timeout
        while pattern not in out:
            ready, _, _ = select.select([fd], [], [], max(0.0, end - time.monotonic()))
            assert ready, f"waited for {pattern!r}; the screen ends {out[-400:]!r}"
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                raise AssertionError(f"EOF before {pattern!r}: {out[-400:]!r}") from None
            for _ in range(chunk.count(b"\x1b[6n")):
                os.write(fd, b"\x1b[24;80R")  # a terminal answers cursor position queries
            out += chunk

    try:
        expect(b"$ ")
        os.write(fd, b"echo hi | cat\r")
        expect(b"hi\r\n")
        os.write(fd, b"sleep 30\r")
        time.sleep(1)
        t0 = time.monotonic()
        os.write(fd, b"\x03")  # ^C: SIGINT to the foreground job, not the shell
        os.write(fd, b"echo after=$?\r")
        expect(b"after=130")
        assert time.monotonic() - t0 < 20
        os.write(fd, b"seq 3 | wc -l\r")
        expect(b"3\r\n")
        # vi: insert a line, leave insert mode, write and quit
        os.write(fd, b"vi /tmp/note.txt\r")
        expect(b"/tmp/note.txt 1/1")
        os.write(fd, b"ihello from vi\x1b")
        expect(b"[Modified]")
        os.write(fd, b":wq\r")
        expect(b"$ ")
        os.write(fd, b"cat /tmp/note.txt\r")
        expect(b"hello from vi\r\n")
        # a background job, jobs, wait
        os.write(fd, b"sleep 2 &\r")
        expect(b"$ ")
        os.write(fd, b"jobs\r")
        expect(b"sleep 2")
        os.write(fd, b"wait; echo waited\r")
        expect(b"waited")
        # ^C stops a whole running pipeline
        os.write(fd, b"yes | cat | cat > /dev/null\r")
        time.sleep(1)
        os.write(fd, b"\x03")
        os.write(fd, b"echo pipeline=$?\r")
        expect(b"pipeline=130")
        os.write(fd, b"exit 4\r")
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 4
    finally:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        os.close(fd)


def test_forked_children_run_their_parents_translated_code() -> None:
    """hotfork.c makes work() hot in the parent, then three children run it: they run it
    compiled from their first instruction of it (the parent's modules, instantiated in each
    child's space), and translate nothing of their own."""
    elf = helpers.guest_path("hotfork")
    cmd = [sys.executable, "-m", "py_backend.cli", "run", "--tier", "tiered", "--stats", str(elf)]
    r = subprocess.run(cmd, capture_output=True, timeout=120, env=helpers.host_env())
    assert r.returncode == 0, r.stderr.decode()
    if helpers.have_qemu():
        assert r.stdout == helpers.qemu_run(elf).stdout
    err = r.stderr.decode()
    own = re.search(r"TBs translated (\d+), modules compiled (\d+)", err)
    every = re.search(
        r"processes (\d+), execs 0; all of them: guest instructions (\d+) \(interpreted (\d+)\), "
        r"TBs translated (\d+), modules compiled (\d+)",
        err,
    )
    assert own and every, err
    assert int(every.group(1)) == 4
    assert every.group(4) == own.group(1) and every.group(5) == own.group(2)
    # the children's 6 M iterations ran compiled: under 1% of all instructions interpreted
    assert int(every.group(3)) < int(every.group(2)) // 100


def test_a_program_run_again_reuses_its_hot_regions(bindir: Path) -> None:
    """A shell runs bench.elf three times: the first image translates its hot regions, the
    later ones (new images of the same file, after execve) take the same modules (System's code
    cache: same code at the same addresses, ids free) and translate nothing; the output is
    qemu's."""
    bench = helpers.guest_path("bench")
    (bindir / "bench").write_bytes(bench.read_bytes())
    (bindir / "bench").chmod(0o755)
    cmd = [
        sys.executable, "-m", "py_backend.cli", "run", "--tier", "tiered", "--stats",
        "--mount", f"/bin={bindir}", "--env", "PATH=/bin", str(bindir / "busybox"), "sh", "-c",
    ]  # fmt: skip
    once = subprocess.run(
        [*cmd, "bench 2"], capture_output=True, timeout=300, env=helpers.host_env()
    )
    thrice = subprocess.run(
        [*cmd, "bench 2; bench 2; bench 2"],
        capture_output=True,
        timeout=300,
        env=helpers.host_env(),
    )
    assert once.returncode == thrice.returncode == 0, thrice.stderr.decode()
    assert thrice.stdout == once.stdout * 3
    if helpers.have_qemu():
        assert once.stdout == helpers.qemu_run(bench, ["2"]).stdout
    pat = r"TBs translated (\d+), modules compiled (\d+), hot regions reused (\d+)"
    m1 = re.search(pat, once.stderr.decode())
    m3 = re.search(pat, thrice.stderr.decode())
    assert m1 and m3, thrice.stderr.decode()
    modules = int(m1.group(2))
    assert modules > 0 and int(m1.group(3)) == 0
    assert m3.group(1) == m1.group(1) and m3.group(2) == m1.group(2)  # nothing translated again
    assert int(m3.group(3)) == 2 * modules
