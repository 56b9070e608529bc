"""web/abi.json, which the JavaScript hosts read, is what `python -m py_backend.abi` writes
(``to_json()``) from py_backend/abi.py: after a change to abi.py, run that command and commit the
file."""

from __future__ import annotations

from pathlib import Path

from py_backend import abi

# The checkout's file (inside Pyodide the package comes from a wheel, the checkout is mounted).
ABI_JSON = Path(__file__).resolve().parents[2] / "web" / "abi.json"


def test_abi_json_is_current() -> None:
    assert ABI_JSON.read_text() == abi.to_json(), (
        "web/abi.json is stale: run `python -m py_backend.abi` and commit web/abi.json"
    )
