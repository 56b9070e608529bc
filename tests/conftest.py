"""Shared fixtures, the `--accept` option of the expect tests, and which suites are `slow`. The run
helpers live in tests/helpers.py (importable as `helpers`)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import helpers

# Whole suites that are slow by nature: guest programs and random programs against qemu, and
# anything that loads Pyodide (Node) or a browser.  Single long tests elsewhere carry
# @pytest.mark.slow themselves.  `pytest -m "not slow"` is the quick loop.
_SLOW_DIRS = ("guests", "differential", "node", "browser")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.parent.name in _SLOW_DIRS or item.get_closest_marker("node"):
            item.add_marker(pytest.mark.slow)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--accept",
        action="store_true",
        help="expect tests (tests/expect): write the translator's output as the new expected text",
    )


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return helpers.REPO_ROOT


@pytest.fixture(scope="session")
def guest_bin() -> Callable[[str], Path]:
    """guest_bin(name) -> Path of guests/bin/NAME.elf (or guests/bin/NAME); skips if missing."""

    def get(name: str) -> Path:
        p = helpers.guest_path(name)
        if not p.exists():
            hint = " (run scripts/fetch-busybox.sh)" if name == "busybox" else ""
            pytest.fail(f"guest binary {p} missing{hint}")
        return p

    return get


@pytest.fixture(scope="session")
def qemu_run() -> Callable[..., helpers.Result]:
    """qemu_run(path, args=(), stdin=b"", env=None, timeout=60, cwd=None); skips without qemu."""
    if not helpers.have_qemu():
        pytest.fail("qemu-riscv64 not installed (scripts/setup.sh)")
    return helpers.qemu_run


@pytest.fixture(scope="session")
def tbwasm_run() -> Callable[..., helpers.Result]:
    """tbwasm_run(path, args=(), stdin=b"", env=None, timeout=60, cwd=None)."""
    if helpers.self_check() and not helpers.have_qemu():
        pytest.skip("TBWASM_TEST_SELF_CHECK needs qemu-riscv64")
    return helpers.tbwasm_run


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI (CI=true, as .ci/run is started) every tool is installed by setup, so a skipped
    test means a missing install, not a passing test: fail the run."""
    if not os.environ.get("CI") or exitstatus != 0:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped:
        for rep in skipped:
            print(f"\nCI: skipped test {rep.nodeid}: {rep.longrepr}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def qemu10() -> Path:
    """Debian trixie's qemu-riscv64 (qemu 10), the reference for the newer extensions; skips
    when scripts/fetch-qemu.sh has not run."""
    p = helpers.qemu10()
    if p is None:
        pytest.fail(f"{helpers.QEMU10} missing (run scripts/fetch-qemu.sh)")
    return p


CHROMIUM = os.environ.get("TBWASM_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium through Python Playwright, one per session: the browser suites and the
    package suite share it (a second sync_playwright() in the same thread would fail)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright import sync_api  # scripts/setup.sh installs it

    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM)
        yield b
        b.close()
