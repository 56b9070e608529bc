"""`tbwasm run --save-state FILE` and `tbwasm resume FILE` as a user runs them: the state is
saved on SIGUSR2 (the run goes on), on --timeout and on ^C (saved, then stopped); a resumed run
goes on with the same output and the guest's exit status.  A bad file is one line, status 2."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import REPO_ROOT, guest_path, host_env, tbwasm_command, tbwasm_run

STATECHECK = guest_path("statecheck")
ROUNDS = "600"  # seconds of guest work in every tier: stops land mid-run


def _resume(path: Path, *extra: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "py_backend.cli", "resume", *extra, str(path)],
        capture_output=True,
        env=host_env(),
        cwd=REPO_ROOT,
        timeout=600,
    )


@pytest.fixture(scope="module")
def want() -> bytes:
    """The uninterrupted run's output."""
    r = tbwasm_run(STATECHECK, [ROUNDS], timeout=600)
    assert r.returncode == 3, r.stderr
    return r.stdout


def _start(state: Path, *opts: str) -> subprocess.Popen[bytes]:
    cmd = tbwasm_command(STATECHECK, [ROUNDS])
    run = cmd.index("run")
    cmd[run + 1 : run + 1] = ["--save-state", str(state), *opts]
    return subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=host_env(), cwd=REPO_ROOT
    )


def _read_until(p: subprocess.Popen[bytes], marker: bytes) -> bytes:
    assert p.stdout is not None
    got = b""
    while marker not in got:
        line = p.stdout.readline()
        assert line, (got, p.stderr.read() if p.stderr else b"")
        got += line
    return got


def test_sigusr2_saves_and_the_run_goes_on_then_resume_continues(
    tmp_path: Path, want: bytes
) -> None:
    state = tmp_path / "run.state"
    p = _start(state)
    try:
        before = _read_until(p, b"round 3 ")
        p.send_signal(signal.SIGUSR2)
        t0 = time.monotonic()
        while not state.exists():
            assert time.monotonic() - t0 < 120 and p.poll() is None, "no state file"
            time.sleep(0.05)
        p.kill()  # (the run would have gone on: the state is all the resume needs)
    finally:
        p.kill()
        p.communicate()
    assert want.startswith(before)
    r = _resume(state)
    assert r.returncode == 3, r.stderr
    assert r.stdout and want.endswith(r.stdout), (r.stdout, r.stderr)
    # saved after round 3 was printed: the resumed run starts at a later round
    assert r.stdout.startswith(b"round ") and len(r.stdout) < len(want) - len(before) + 200
    assert b"child: " in r.stdout and b"pipe: 18 'buffered in a pipe'" in r.stdout


def test_timeout_saves_then_stops_and_resume_gives_the_rest(tmp_path: Path, want: bytes) -> None:
    state = tmp_path / "t.state"
    p = _start(state, "--timeout", "0.5")
    out, err = p.communicate(timeout=600)
    assert p.returncode == 130, err
    assert b"tbwasm: stopped after --timeout" in err
    r = _resume(state)
    assert r.returncode == 3, r.stderr
    assert out + r.stdout == want


def test_interrupt_saves_then_stops(tmp_path: Path, want: bytes) -> None:
    state = tmp_path / "c.state"
    p = _start(state)
    try:
        first = _read_until(p, b"round 2 ")
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=600)
    finally:
        p.kill()
    assert p.returncode == 130, err
    r = _resume(state)
    assert r.returncode == 3, r.stderr
    assert first + out + r.stdout == want


def test_bad_state_files_are_one_line(tmp_path: Path) -> None:
    state = tmp_path / "t.state"
    p = _start(state, "--timeout", "0.5")
    p.communicate(timeout=600)
    data = state.read_bytes()
    cases = {
        "truncated": data[: len(data) // 3],
        "corrupt": data[:-10] + bytes(10),
        "foreign": STATECHECK.read_bytes(),
        "format version": data[:8] + b"\x63\x00\x00\x00" + data[12:],
    }
    for what, bad in cases.items():
        f = tmp_path / "bad.state"
        f.write_bytes(bad)
        r = _resume(f)
        err = r.stderr.decode()
        assert r.returncode == 2, (what, err)
        assert err.count("\n") == 1 and err.startswith(f"tbwasm: {f}: STATE: "), (what, err)
        assert b"Traceback" not in r.stderr
    r = _resume(tmp_path / "missing.state")
    assert r.returncode == 2 and r.stderr.decode().count("\n") == 1


def _on_pty(argv: list[str]):  # type: ignore[no-untyped-def]
    """tbwasm on a pseudo-terminal: (pid, fd, expect(pattern) reading the screen)."""
    import os
    import pty
    import select

    pid, fd = pty.fork()
    if pid == 0:  # the child: tbwasm on the pty
        os.chdir(REPO_ROOT)
        os.execvpe(sys.executable, [sys.executable, "-m", "py_backend.cli", *argv],
                   {**host_env(), "TERM": "xterm"})  # fmt: skip
    screen = bytearray()

    def expect(pattern: bytes, timeout: float = 120) -> None:
        end = time.monotonic() + timeout
        while pattern not in screen:
            ready, _, _ = select.select([fd], [], [], max(0.0, end - time.monotonic()))
            assert ready, f"waited for {pattern!r}; the screen ends {bytes(screen[-300:])!r}"
            try:
                screen.extend(os.read(fd, 4096))
            except OSError:
                raise AssertionError(f"EOF before {pattern!r}: {bytes(screen[-300:])!r}") from None

    return pid, fd, expect


def test_a_shell_on_a_terminal_resumes_with_its_variables_and_directory(tmp_path: Path) -> None:
    import os
    import termios

    state = tmp_path / "sh.state"
    busybox = str(guest_path("busybox"))
    pid, fd, expect = _on_pty(["run", "--save-state", str(state), "--env", "PS1=$ ", busybox, "sh"])
    try:
        expect(b"$ ")
        os.write(fd, b"X=kept; cd /tmp; echo ready\r")
        expect(b"ready\r\n")
        expect(b"$ ")
        os.kill(pid, signal.SIGUSR2)  # the shell waits for input: saved within ~0.25 s
        t0 = time.monotonic()
        while not state.exists():
            assert time.monotonic() - t0 < 60, "no state file"
            time.sleep(0.05)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
    pid, fd, expect = _on_pty(["resume", str(state)])
    try:
        # typed once the host terminal is raw (tcsetattr flushes what came before, as a shell's
        # own line editor does)
        t0 = time.monotonic()
        while termios.tcgetattr(fd)[3] & termios.ICANON:
            assert time.monotonic() - t0 < 60, "the resumed run never took the terminal"
            time.sleep(0.05)
        os.write(fd, b"echo $X in $PWD\r")
        expect(b"kept in /tmp\r\n")
        os.write(fd, b"exit 7\r")
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    assert os.WEXITSTATUS(status) == 7
