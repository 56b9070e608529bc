"""The CI slice of differential programs (seeds ci:0..4) through the browser host: one Chromium
page runs each generated program via window.tbwasm.run (tests/differential/browser_host.py), and
its register/memory dump must equal qemu-riscv64's byte for byte."""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import rvgen  # noqa: E402
import rvrun  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
SEEDS = [f"ci:{i}" for i in range(5)]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not rvrun.have_toolchain(), reason="needs riscv64 gcc and qemu-riscv64"),
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and shutil.which("chromium") is None,
        reason="chromium not installed",
    ),
]


@pytest.fixture(scope="module")
def browser_host() -> Iterator[object]:
    pytest.importorskip("playwright.sync_api")
    import browser_host

    browser_host.session()
    yield browser_host
    browser_host.close()


@pytest.mark.parametrize("seed", SEEDS)
def test_browser_matches_qemu(browser_host, seed: str) -> None:
    prog = rvgen.generate(seed)
    with tempfile.TemporaryDirectory(prefix="tbwasm-diff-browser-") as d:
        o = rvrun.check_program(prog, Path(d), "p", browser_host.browser_runner)  # type: ignore[attr-defined]
    assert o.insns > 0
    assert o.ok, "\n".join(o.mismatch)
