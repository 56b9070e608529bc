"""The JS runtime's own failures get one line and leave it usable (tests/node/hostile_host.mjs):
a page and wheel of different versions, an engine that cannot make another guest memory (too
many machines), and two machines at once in one runtime (the page's worker) where a sleeping
guest must not hold up the other."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import helpers
import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.node


def hostile(case: str) -> dict[str, Any]:
    r = subprocess.run(
        ["node", str(REPO / "tests" / "node" / "hostile_host.mjs"), case],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    result: dict[str, Any] = json.loads(r.stdout.strip().splitlines()[-1])
    return result


def hello() -> str:
    return helpers.qemu_run(helpers.guest_path("hello")).stdout.decode()


def test_stale_page_or_wheel_is_one_line(web_assets: Path) -> None:
    err = hostile("stale")["error"]
    assert err and "\n" not in err
    assert err.startswith("tbwasm: the page and its wheel") and "exit, layout" in err, err


def test_no_memory_for_another_machine(web_assets: Path) -> None:
    r = hostile("oom")
    failed = r["failed"]
    assert failed["status"] == 70 and failed["error"].startswith("tbwasm: out of memory"), failed
    assert failed["stderr"].count("\n") == 1, failed
    assert (r["after"]["status"], r["after"]["stdout"]) == (0, hello())


def test_two_machines_at_once(web_assets: Path) -> None:
    r = hostile("together")
    assert (r["fast"]["status"], r["fast"]["stdout"]) == (0, hello())
    assert (r["slow"]["status"], r["slow"]["stdout"]) == (0, "slept\n")
    assert r["fast"]["ms"] < r["slow"]["ms"], r  # not behind the sleep
    assert r["slow"]["ms"] >= 2000
