"""Guest processes on the Node host (`node web/node/cli.mjs`): busybox sh scripts that fork, pipe,
wait and exec give the same stdout, stderr and status as on the native CLI
(`python -m py_backend.cli run`), both with busybox's applet links in a ``--mount``-ed /bin; a
process tree at the process table limit ends cleanly on both.  Then one JS Runtime run after
run (tests/node/processes.mjs): process memories do not pile up, and Stop ends a run whose
processes all sleep."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import helpers
import pytest
from tier_env import node_env

from py_backend.abi import STOPPED_MESSAGE, HostStatus

pytestmark = pytest.mark.node

REPO = helpers.REPO_ROOT
CLI = REPO / "web" / "node" / "cli.mjs"
APPLETS = "cat sort head tail wc tr seq sleep echo sh ls grep yes true false env kill".split()
TIMEOUT = 180.0

SCRIPTS = {
    "subst": 'x=$(echo hi; echo there); echo "[$x]"; echo $(( $(echo 6) * 7 )); '
    "echo $( (echo deep; exit 2) ; echo after=$? )",
    "subshells": "(exit 3); echo st=$?; ( (exit 4) ); echo st=$?; "
    'f() { echo in-f $1; return 6; }; f 1 | { read l; echo got "$l"; }; f 2; echo $?',
    "pipelines": "seq 1 12 | sort -n -r | head -3 | tr '\\n' ,; echo; echo a | cat; "
    "yes abc | head -2; ls /bin | grep -c busybox",
    "files": "echo one > /tmp/f; echo two >> /tmp/f; cat < /tmp/f | wc -l; "
    "cat /nonexistent 2>/dev/null || echo failed=$?",
    "jobs": "sleep 0.2 & p=$!; echo started; wait $p; echo waited=$?; "
    "(sleep 0.1; echo bg) & wait; echo done",
    "statuses": "sh -c 'kill -TERM $$'; echo st=$?; nosuch 2>/dev/null; echo st=$?; "
    "false | true; echo st=$?; exit 5",
    "fork_loop": "i=0; while [ $i -lt 30 ]; do x=$(echo $i); i=$((i+1)); done; echo $x",
    # 80 background sleeps: fork fails with EAGAIN at the process table limit (64), and a
    # non-interactive sh gives up with status 2; every process is gone when the run ends
    "table_limit": "i=0; while [ $i -lt 80 ]; do sleep 10 & i=$((i+1)); done; echo never",
    # a fork bomb; the first shell ends after a second and takes the others with it
    "fork_bomb": "f(){ f|f& }; f; sleep 1; echo done",
}
# stderr differs by design where the bomb's timing decides how many forks fail
SAME_STDERR = set(SCRIPTS) - {"fork_bomb"}


@pytest.fixture(scope="module")
def bindir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = helpers.busybox_bindir(tmp_path_factory.mktemp("bin"), APPLETS)
    return d


def _run(cmd: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            cmd, capture_output=True, env=env, cwd=str(REPO), timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(cmd, -1, e.stdout or b"", b"timed out\n")


def _opts(bindir: Path) -> list[str]:
    return ["--mount", f"/bin={bindir}", "--env", "PATH=/bin"]


@pytest.fixture(scope="module")
def results(web_assets: Path, bindir: Path) -> dict[str, tuple[Any, Any]]:
    """(native, node) results of every script; two at a time (Pyodide starts in each)."""

    def one(name: str) -> tuple[str, tuple[Any, Any]]:
        args = [str(bindir / "busybox"), "sh", "-c", SCRIPTS[name]]
        native = _run(
            [sys.executable, "-m", "py_backend.cli", "run", *_opts(bindir), *args],
            helpers.host_env(),
        )
        node = _run(["node", str(CLI), *_opts(bindir), *args], node_env())
        return name, (native, node)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(one, SCRIPTS))


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_script_matches_the_native_cli(results: dict[str, tuple[Any, Any]], name: str) -> None:
    native, node = results[name]
    assert node.returncode == native.returncode, node.stderr.decode(errors="replace")[-2000:]
    assert node.stdout == native.stdout
    if name in SAME_STDERR:
        assert node.stderr == native.stderr


def test_expected_outcomes(results: dict[str, tuple[Any, Any]]) -> None:
    """What Linux gives for a few of them (so both hosts are not wrong the same way)."""
    _, node = results["pipelines"]
    assert node.stdout == b"12,11,10,\na\nabc\nabc\n1\n"
    _, node = results["table_limit"]
    assert node.returncode == 2
    assert node.stdout == b""
    assert node.stderr == b"sh: can't fork: Resource temporarily unavailable\n"
    _, node = results["fork_bomb"]
    assert (node.returncode, node.stdout) == (0, b"done\n")


def runtime_runs(
    runs: int,
    script: str,
    stop_ms: int = 0,
    then: Path | None = None,
    env: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    cmd = ["node", str(REPO / "tests" / "node" / "processes.mjs"), str(runs), script]
    r = subprocess.run(
        [*cmd, *([str(stop_ms)] if stop_ms else [])],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env=node_env({**({"TBW_THEN": str(then)} if then else {}), **(env or {})}),
    )
    assert r.returncode == 0, r.stderr[-2000:]
    return [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]


def test_process_memories_do_not_pile_up_over_runs(web_assets: Path) -> None:
    # up to 20 processes at once, then forks one at a time
    script = (
        "i=0; while [ $i -lt 20 ]; do sleep 5 & i=$((i+1)); done; kill $(jobs -p); wait; "
        "i=0; while [ $i -lt 10 ]; do x=$(echo $i); i=$((i+1)); done; echo $x"
    )
    runs = runtime_runs(4, script)
    assert [(r["status"], r["out"]) for r in runs] == [(0, "9\n")] * 4
    assert len({r["processes"] for r in runs}) == 1
    for r in runs:
        # the first process's memory and the ones kept between runs: the others were let go
        assert r["spare"] == 2
        assert r["memories"] == 1 + 2
    # later runs fork into kept memories first: fewer new memories than processes
    assert runs[3]["made"] - runs[2]["made"] <= 20


def test_stop_ends_a_run_whose_processes_sleep(web_assets: Path) -> None:
    runs = runtime_runs(2, "sleep 30 & sleep 30 & echo started; wait; echo never", stop_ms=500)
    for r in runs:
        assert r["out"] == "started\n"
        assert (r["stopped"], r["status"], r["message"]) == (
            True,
            HostStatus.STOPPED,
            STOPPED_MESSAGE,
        )
        assert r["stop_ms"] < helpers.LIVENESS_S * 1000  # from the Stop to the end of the run
        assert r["memories"] == 1 + r["spare"]


def test_kept_memories_are_clean_for_another_program(web_assets: Path, qemu_run) -> None:
    """Processes of one program leave their memories to the runtime; the forks of another
    program (procs.elf: fork, vfork, pipes, waits, signals) then run in them as in new ones.
    Every block is compiled (tier jit), so the kept memories hold link slots and jump-cache
    entries naming TBs of the first program."""
    procs = helpers.GUEST_BIN_DIR / "procs.elf"
    script = "i=0; while [ $i -lt 3 ]; do sleep 0.01 & i=$((i+1)); done; wait; echo $(echo x)"
    first, then = runtime_runs(1, script, then=procs, env={"TBWASM_TIER": "jit"})
    assert (first["status"], first["out"]) == (0, "x\n")
    assert first["spare"] == 2  # kept between runs, for procs.elf's first forks
    ref = qemu_run(procs, cwd=helpers.GUEST_BIN_DIR)
    assert then["status"] == ref.returncode
    assert then["out"] == ref.stdout.decode()
