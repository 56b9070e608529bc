"""Fixtures for the Node host tests: node itself and the web assets (scripts/setup-web.sh)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SETUP_TIMEOUT = 600


@pytest.fixture(scope="session")
def web_assets() -> Path:
    """Run scripts/setup-web.sh once (idempotent; rebuilds the wheel if py_backend changed)."""
    if shutil.which("node") is None:
        pytest.fail("node not installed (scripts/setup.sh)")
    r = subprocess.run(
        ["bash", str(REPO / "scripts" / "setup-web.sh")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=SETUP_TIMEOUT,
        check=False,
    )
    if r.returncode != 0:
        sys.stderr.write(r.stdout + r.stderr)
        pytest.fail(f"scripts/setup-web.sh failed with status {r.returncode}")
    return REPO / "static" / "wheels"
