"""Shared by bench/footprint.py and bench/real.py: running one command, parsing --stats."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_NUM = r"([0-9][0-9.]*)"
_STATS = {
    "guest_insns": rf"guest instructions {_NUM}|; {_NUM} insns in",
    "tbs": rf"TBs translated {_NUM}|{_NUM} TBs,",
    "modules": rf"modules compiled {_NUM}|{_NUM} modules",
    "translate_ms": rf"translation {_NUM} ms",
    "translate_s": rf"translate {_NUM} s",
    "interpreted": rf"interpreted {_NUM} instructions",
    "compiled": rf"compiled {_NUM}, hot exits",
    "hot_exits": rf"hot exits {_NUM}",
    "engine_ms": rf"engine compile {_NUM} ms",  # the CLI: Cranelift on TB modules
    "pyodide_s": rf"pyodide {_NUM} s",
    "host_calls": rf"host calls {_NUM}",
    "code_flushes": rf"code flushes {_NUM}",
    "run_ms": rf"wall {_NUM} ms",  # the CLI: machine set-up + run, after Python's imports
    "run_s": rf"insns in {_NUM} s",  # Node: the run, after Pyodide and the wheels are loaded
}


def parse_stats(stderr: str) -> dict[str, float]:
    """The numbers of the `tbwasm:` / `tbwasm-node:` --stats lines (either host's format)."""
    lines = "\n".join(ln for ln in stderr.splitlines() if ln.startswith("tbwasm"))
    out: dict[str, float] = {}
    for key, pat in _STATS.items():
        m = re.search(pat, lines)
        if m:
            out[key] = float(next(g for g in m.groups() if g is not None))
    if "translate_s" in out:
        out["translate_ms"] = out.pop("translate_s") * 1000.0
    if "run_s" in out:
        out["run_ms"] = out.pop("run_s") * 1000.0
    return out


@dataclass
class Outcome:
    wall_s: float
    cpu_s: float  # user + system time of the child (all its threads)
    rss_mib: float  # peak resident set size of the child
    status: int | None  # exit status; None: killed at the timeout
    stdout: bytes
    stderr: str


def run_one(cmd: list[str], timeout: float) -> Outcome:
    """Run one command (stdin /dev/null, PYTHONPATH=ROOT, cwd ROOT), killed after `timeout` s.

    Wall time, CPU time and peak RSS come from os.wait4 of exactly this child."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("QEMU_LD_PREFIX", None)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        _, wstatus, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(wstatus)
        out.seek(0)
        err.seek(0)
        return Outcome(
            wall_s=wall,
            cpu_s=ru.ru_utime + ru.ru_stime,
            rss_mib=ru.ru_maxrss / 1024.0,
            status=None if timed_out.is_set() else p.returncode,
            stdout=out.read(),
            stderr=err.read().decode(errors="replace"),
        )


def node_knows_tier() -> bool:
    """Whether web/node/cli.mjs takes --tier (its usage line names it)."""
    p = subprocess.run(
        ["node", str(ROOT / "web" / "node" / "cli.mjs"), "--help"], capture_output=True, text=True
    )
    return "--tier" in p.stdout + p.stderr


def fmt(v: float | None, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def stat_cells(stats: dict[str, float], *keys: str) -> str:
    """Table cells of the whole-number --stats counters named by keys ("-" where one is absent)."""
    return " | ".join(fmt(stats.get(k), ".0f") for k in keys)
