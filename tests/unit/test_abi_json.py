"""web/abi.json, which the JavaScript hosts read, is what `python -m py_backend.abi` writes
(``to_json()`` to ``ABI_JSON_PATH``) from py_backend/abi.py: after a change to abi.py, run that
command and commit the file."""

from __future__ import annotations

from py_backend import abi


def test_abi_json_is_current() -> None:
    assert abi.ABI_JSON_PATH.read_text() == abi.to_json(), (
        "web/abi.json is stale: run `python -m py_backend.abi` and commit web/abi.json"
    )
