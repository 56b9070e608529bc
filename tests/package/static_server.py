"""`python3 -m http.server` on a free loopback port: the stand-in for a static host that sends no
special headers (a module of its own, so test files and conftest.py can both use it)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def http_server(directory: Path) -> Iterator[str]:
    """Serve `directory`; yields its base URL (http://127.0.0.1:PORT/)."""
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1"],
        cwd=directory,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # "Serving HTTP on 127.0.0.1 port 41234 (http://...) ..."
        m = re.search(r"port (\d+)", line)
        if not m:
            pytest.fail(f"http.server said {line!r}")
        yield f"http://127.0.0.1:{m.group(1)}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
