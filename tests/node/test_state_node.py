"""`node web/node/cli.mjs --save-state FILE` and `--resume FILE`: SIGUSR2 saves while the run goes
on, SIGINT saves and stops (status 130); the resumed run's output continues the first one's
exactly and ends with the guest's status.  A bad file is one `STATE:` line, status 2."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import helpers
import pytest
from tier_env import node_env

pytestmark = pytest.mark.node

CLI = helpers.REPO_ROOT / "web" / "node" / "cli.mjs"
STATECHECK = helpers.guest_path("statecheck")
ROUNDS = "3000"


def _node(*args: str) -> list[str]:
    return ["node", str(CLI), *args]


def test_save_on_signals_then_resume(tmp_path: Path) -> None:
    state = tmp_path / "n.state"
    out_path = tmp_path / "out"
    with out_path.open("wb") as out:
        p = subprocess.Popen(
            _node("--save-state", str(state), str(STATECHECK), ROUNDS),
            stdout=out,
            stderr=subprocess.PIPE,
            env=node_env(),
            cwd=helpers.REPO_ROOT,
        )
        try:
            t0 = time.monotonic()
            while b"round 5 " not in out_path.read_bytes():
                assert p.poll() is None and time.monotonic() - t0 < 240, "no output"
                time.sleep(0.1)
            p.send_signal(signal.SIGUSR2)
            while not state.exists():
                assert p.poll() is None and time.monotonic() - t0 < 240, "no state"
                time.sleep(0.1)
            p.send_signal(signal.SIGINT)
            _, err = p.communicate(timeout=240)
        finally:
            p.kill()
    assert p.returncode == 130, err
    first = out_path.read_bytes()
    r = subprocess.run(
        _node("--resume", str(state)),
        capture_output=True,
        env=node_env(),
        cwd=helpers.REPO_ROOT,
        timeout=600,
    )
    assert r.returncode == 3, r.stderr
    want = helpers.tbwasm_run(STATECHECK, [ROUNDS], timeout=600)
    assert first + r.stdout == want.stdout


def test_bad_state_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.state"
    bad.write_bytes(b"TBWSTATE" + bytes(10))
    r = subprocess.run(
        _node("--resume", str(bad)), capture_output=True, env=node_env(), timeout=240
    )
    assert r.returncode == 2, r.stderr
    err = r.stderr.decode()
    assert err.count("\n") == 1 and err.startswith("tbwasm: STATE: "), err
