"""Session fixtures for the browser tests: serve.py on a free port, Debian's chromium through
Python Playwright, and one page with Pyodide loaded that most tests share.

The page runs guests in the tier of TBWASM_TIER (tiered, interp or jit) and TBWASM_HOT_THRESHOLD
when they are set: every page is opened with ``?tier=...&hot-threshold=...`` (web/page/client.mjs
takes them as the default of every run), as the other suites take them from the environment."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from browser_support import LOAD_TIMEOUT_MS

REPO = Path(__file__).resolve().parents[2]
SERVER_START_TIMEOUT = 600  # the first start may run scripts/setup-web.sh (npm ci, pip downloads)


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """Base URL of `python serve.py --port 0`, e.g. http://127.0.0.1:41234/."""
    log = open(REPO / ".pytest_cache_serve.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "serve.py"), "--port", "0", "--quiet"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=log,
    )
    lines: queue.Queue[bytes] = queue.Queue()
    threading.Thread(target=lambda: lines.put(proc.stdout.readline()), daemon=True).start()
    try:
        first = lines.get(timeout=SERVER_START_TIMEOUT).decode().strip()
    except queue.Empty:
        proc.kill()
        pytest.fail("serve.py did not print its URL in time")
    if not first.startswith("Serving http://"):
        proc.kill()
        pytest.fail(f"serve.py said {first!r}; see .pytest_cache_serve.log")
    yield first.split(" ", 1)[1]
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
    (REPO / ".pytest_cache_serve.log").unlink(missing_ok=True)


def with_tier(url: str) -> str:
    """url with the tier parameters of TBWASM_TIER / TBWASM_HOT_THRESHOLD added (if set and
    the url names none itself)."""
    extra = {
        name: os.environ[var]
        for name, var in (("tier", "TBWASM_TIER"), ("hot-threshold", "TBWASM_HOT_THRESHOLD"))
        if os.environ.get(var)
    }
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    extra = {k: v for k, v in extra.items() if k not in dict(query)}
    if not extra:
        return url
    return urlunsplit(parts._replace(query=urlencode(query + list(extra.items()))))


class PageErrors(list):
    pass


@pytest.fixture(scope="session")
def open_page(browser):
    """open_page(url): a new page (its own worker and Pyodide) with page.errors collected."""
    return lambda url: _open_page(browser, url)


def _open_page(browser, url: str):
    """A new page at url, collecting page errors and console errors in page.errors."""
    page = browser.new_page(viewport={"width": 1100, "height": 760})
    page.errors = PageErrors()
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.set_default_timeout(LOAD_TIMEOUT_MS)
    page.goto(with_tier(url))
    return page


@pytest.fixture(scope="session")
def app_page(browser, server):
    """The single-program page (?shell=0), opened once: Pyodide loads and the default program
    (hello.elf) runs.  (Without ?shell=0 the page opens on a shell: tests/browser/test_shell.py.)"""
    page = _open_page(browser, server + "?shell=0")
    page.wait_for_function(
        "() => window.tbwasmApp && window.tbwasmApp.lastResult", timeout=LOAD_TIMEOUT_MS
    )
    yield page
    page.close()
