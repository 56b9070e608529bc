"""Machines side by side in one Runtime (as the page's demos share one worker) until the engine
cannot reserve another guest memory: the refused run gets one line and status 70, the machines
already running finish, and the runtime runs the next program (tests/node/many_machines.mjs,
under `ulimit -v`, so the exhaustion is the engine's own)."""

from __future__ import annotations

import json
import subprocess

import helpers
import pytest
from tier_env import node_env

from py_backend.abi import HostStatus

pytestmark = pytest.mark.node

REPO = helpers.REPO_ROOT
SCRIPT = REPO / "tests" / "node" / "many_machines.mjs"
# address-space limits to try, in KiB: a guest memory reserves several GiB of address space in
# V8 (guard regions), and node with Pyodide needs some of its own, so one of these lets the
# first machine start and refuses a later one
LIMITS_KIB = [g * 1024 * 1024 for g in (32, 40, 48, 64, 96, 128)]


def run_limited(limit_kib: int) -> dict | None:
    r = subprocess.run(
        ["bash", "-c", f'ulimit -v {limit_kib} && exec node "$0" 64', str(SCRIPT)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env=node_env(),
    )
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    return json.loads(lines[-1]) if r.returncode == 0 and lines else None


def test_too_many_machines_is_one_line_and_the_runtime_goes_on() -> None:
    tried = []
    for limit in LIMITS_KIB:
        got = run_limited(limit)
        tried.append((limit // (1024 * 1024), got and got["statuses"]))
        if got and got["refused"] and 0 in got["statuses"]:
            break
    else:
        pytest.fail(f"no address-space limit both started a machine and refused one: {tried}")
    ok = [s for s in got["statuses"] if s == 0]
    refused = [s for s in got["statuses"] if s != 0]
    assert refused == [HostStatus.INTERNAL], got
    assert len(ok) == got["started"] - 1, got  # every machine that started finished its sleep
    (message,) = got["refused"]
    assert message.startswith("tbwasm: out of memory for another machine ("), message
    assert message.count("\n") == 1, message
    assert got["after"]["status"] == 0 and got["after"]["out"] == "after\n", got
