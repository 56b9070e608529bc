"""Stress guests under the CLI with peak host RSS measured in a subprocess.  CI runs reduced
sizes; bench/soak.py runs the full ones (1M TBs, 10,000 code rewrites)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from _support import REPO_ROOT, guest_path, host_env

pytestmark = pytest.mark.slow  # each runs a large guest workload

RSS = str(REPO_ROOT / "tests" / "robustness" / "_rss.py")


def measure(prog: str, *args: str, timeout: float = 240) -> dict[str, object]:
    cmd = [sys.executable, RSS, sys.executable, "-m", "py_backend.cli", "run",
           str(guest_path(prog)), *args]  # fmt: skip
    r = subprocess.run(
        cmd, capture_output=True, env=host_env(), cwd=str(REPO_ROOT), timeout=timeout, check=True
    )
    out: dict[str, object] = json.loads(r.stdout)
    print(prog, args, {k: out[k] for k in ("status", "peak_rss_mb", "seconds")})
    return out


def test_many_distinct_tbs() -> None:
    r = measure("stress_tbs", "20000")
    assert r["status"] == 0 and r["stdout"] == "blocks 20000 sum 20010001 ok\n", r
    assert float(r["peak_rss_mb"]) < 400  # type: ignore[arg-type]


def test_code_rewritten_in_a_loop() -> None:
    r = measure("stress_smc", "1000")
    assert r["status"] == 0 and r["stdout"] == "rounds 1000 acc -1347492 bad 0\n", r
    assert float(r["peak_rss_mb"]) < 400  # type: ignore[arg-type]


def test_allocate_until_failure() -> None:
    r = measure("stress_alloc")
    assert r["status"] == 7, r
    out = str(r["stdout"]).splitlines()
    assert out[0].endswith("MiB, then ENOMEM") and out[2] == "small malloc after exhaustion ok"
    assert r["stderr"] == ""
    assert float(r["peak_rss_mb"]) < 1600  # type: ignore[arg-type]
