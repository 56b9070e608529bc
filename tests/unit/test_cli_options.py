"""The CLI option table (py_backend/cli_options.py) and what is made from it: the native CLI's
parser, web/node/cli_options.json (the Node CLI's) and docs/cli.md are current and agree."""

from __future__ import annotations

import json

import pytest

from py_backend import cli_options
from py_backend.cli import build_parser


def test_generated_files_are_current() -> None:
    hint = "run `python -m py_backend.cli_options` and commit the files it writes"
    assert cli_options.JSON_PATH.read_text() == cli_options.to_json(), hint
    assert cli_options.DOC_PATH.read_text() == cli_options.to_markdown(), hint


def test_node_table_lists_the_node_options() -> None:
    rows = json.loads(cli_options.JSON_PATH.read_text())["options"]
    names = [r["name"] for r in rows]
    for name in ("timeout", "strace", "trace", "tty", "tier", "hot-threshold", "net"):
        assert name in names
    assert "code-cache" not in names  # wasmtime's cache: native only


@pytest.mark.parametrize("command", ["run", "resume"])
def test_native_parser_has_every_option_of_its_command(command: str) -> None:
    sub = build_parser()._subparsers._group_actions[0].choices[command]  # type: ignore[union-attr]
    flags = {f for a in sub._actions for f in a.option_strings}
    for o in cli_options.OPTIONS:
        if command in o.commands and "native" in o.hosts:
            assert set(o.flags) <= flags, o.flags
    args = sub.parse_args(["x"] if command == "resume" else ["prog"])
    assert args.timeout == 0 and args.stats is False and args.code_cache is True
