"""web/abi.json, which the JavaScript hosts read, is what `python -m py_backend.abi` writes from
py_backend/abi.py: after a change to abi.py, run that command and commit the file."""

from __future__ import annotations

import json
import subprocess
import sys

from py_backend import abi


def test_abi_json_is_current() -> None:
    assert abi.ABI_JSON_PATH.read_text() == abi.to_json(), (
        "web/abi.json is stale: run `python -m py_backend.abi` and commit web/abi.json"
    )


def test_abi_module_writes_it(tmp_path: object) -> None:
    """The command itself: it writes to_json() to ABI_JSON_PATH (here checked without touching
    the real file: the module is run with the path pointed elsewhere)."""
    out = tmp_path / "abi.json"  # type: ignore[operator]
    code = (
        "import runpy, pathlib, py_backend.abi as a; "
        f"a.ABI_JSON_PATH = pathlib.Path({str(out)!r}); "
        "runpy.run_module('py_backend.abi', run_name='__main__', alter_sys=False)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    assert json.loads(out.read_text()) == abi.as_dict()
