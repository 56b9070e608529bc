"""Testing helpers for tbwasm users: a pytest plugin (``tbwasm_page``) that opens a tbwasm site in
a browser through Playwright and runs guests and shell commands in it. See docs/testing.md.

The plugin is registered under the ``pytest11`` entry point ``tbwasm`` (py_backend.testing.
pytest_plugin); nothing here imports Playwright until a fixture is used."""

from __future__ import annotations

from py_backend.testing.page import RunResult, ShellOutput, TbwasmError, TbwasmPage

__all__ = ["RunResult", "ShellOutput", "TbwasmError", "TbwasmPage"]
