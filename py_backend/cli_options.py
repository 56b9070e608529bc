"""The options of ``tbwasm run`` (and ``resume``), listed once: the native CLI's argparse is built
from this table (py_backend/cli.py), the Node CLI parses with its JSON export
(web/node/cli_options.json) and docs/cli.md is generated from it.

    python -m py_backend.cli_options      # rewrite web/node/cli_options.json and docs/cli.md

``tests/unit/test_cli_options.py`` checks that both files are current.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .abi import DEFAULT_BUDGET, HOT_THRESHOLD, TIERS

Kind = Literal["flag", "value", "append", "switch"]
"""flag: present or not; value: takes one value; append: repeatable value; switch: --X/--no-X."""

Host = Literal["native", "node"]


@dataclass(frozen=True)
class CliOption:
    flags: tuple[str, ...]  # the long name last ("-L", "--sysroot")
    kind: Kind
    help: str  # "" : not shown in --help
    type: Literal["str", "int", "float"] = "str"
    default: Any = None
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    commands: tuple[str, ...] = ("run",)  # the native CLI's subcommands that take it
    hosts: tuple[Host, ...] = ("native", "node")

    @property
    def name(self) -> str:
        """The long flag without its dashes (``hot-threshold``)."""
        return self.flags[-1].lstrip("-")

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")

    def as_json(self) -> dict[str, Any]:
        return {
            "flags": list(self.flags),
            "name": self.name,
            "dest": self.dest,
            "kind": self.kind,
            "type": self.type,
            "default": self.default,
            "metavar": self.metavar,
            "choices": list(self.choices) if self.choices else None,
            "help": self.help,
        }


_NET_HELP = (
    "let the guest's TCP sockets reach the network through the host's sockets (off by default: "
    "only loopback between guest processes); loopback, private, link-local and other special "
    "addresses stay refused unless --net-allow names them.  Node: through a Wisp relay it starts "
    "(--net=ws://HOST:PORT/PATH/: a running one)"
)

OPTIONS: tuple[CliOption, ...] = (
    CliOption(("--env",), "append", "guest environment", metavar="NAME=VALUE"),
    CliOption(("--argv0",), "value", "argv[0] for the guest (default: the program path)"),
    CliOption(("--mount",), "append", "map a host dir", metavar="GUEST=HOST"),
    CliOption(
        ("-L", "--sysroot"),
        "value",
        "look absolute guest paths up under DIR first, read-only, as qemu-user's -L (the dynamic "
        "linker and libraries of a dynamically linked program; default: $QEMU_LD_PREFIX)",
        metavar="DIR",
    ),
    CliOption(
        ("--rootfs",),
        "value",
        "use the root filesystem image DIR (scripts/fetch-rootfs.sh) as the guest's /, writable "
        "in memory; an absolute PROG is then looked up in it",
        metavar="DIR",
    ),
    CliOption(("--net",), "flag", _NET_HELP, commands=("run", "resume")),
    CliOption(
        ("--net-allow",),
        "append",
        "allow connections to HOST (an address, CIDR network or name; [V6]:PORT) at PORT or every "
        "port, even if it is a loopback or private address (repeatable; implies --net)",
        metavar="HOST[:PORT]",
        commands=("run", "resume"),
    ),
    CliOption(
        ("--stats",), "flag", "print statistics to stderr at exit", commands=("run", "resume")
    ),
    CliOption(
        ("--tty",),
        "value",
        "run on an emulated terminal (line editing, ^C, job control); auto: when stdin and stdout "
        "are terminals",
        default="auto",
        choices=("auto", "on", "off"),
    ),
    CliOption(("--trace",), "flag", "log every TB translated"),
    CliOption(("--strace",), "flag", "log every system call"),
    CliOption(
        ("--code-cache",),
        "switch",
        "keep compiled TB modules in wasmtime's on-disk cache across runs, in"
        " ~/.cache/tbwasm/wasmtime ($XDG_CACHE_HOME; about 8,000 files and 512 MiB at most, the"
        " least recently used dropped first; default: on)",
        default=True,
        commands=("run", "resume"),
        hosts=("native",),
    ),
    CliOption(
        ("--timeout",),
        "value",
        "stop the guest after SECONDS (status 130)",
        type="float",
        default=0,
        metavar="SECONDS",
        commands=("run", "resume"),
    ),
    CliOption(
        ("--tier",),
        "value",
        "tiered: interpret cold code, compile hot regions (default); interp: interpret only; "
        "jit: compile every block before it runs (default: $TBWASM_TIER, else tiered)",
        choices=TIERS,
    ),
    CliOption(
        ("--hot-threshold",),
        "value",
        f"block entries before a block is compiled (tiered; default {HOT_THRESHOLD})",
        type="int",
        metavar="N",
    ),
    CliOption(("--budget",), "value", "", type="int", default=DEFAULT_BUDGET),
    CliOption(("--batch",), "value", "", type="int", default=16, hosts=("native",)),
    CliOption(("--max-tbs",), "value", "", type="int", default=0),
    CliOption(
        ("--save-state",),
        "value",
        "write the whole running system to FILE when tbwasm gets SIGUSR2 (the run goes on) and "
        "when the run is stopped (--timeout, ^C); `tbwasm resume FILE` continues it "
        "(Node: --resume FILE)",
        metavar="FILE",
        commands=("run", "resume"),
    ),
)

_TYPES: dict[str, type] = {"str": str, "int": int, "float": float}


def add_options(p: argparse.ArgumentParser, command: str) -> None:
    """The table's options of ``command`` (run, resume) on the native CLI's parser."""
    for o in OPTIONS:
        if command not in o.commands or "native" not in o.hosts:
            continue
        # resume takes the run's options without repeating their help
        shown = o.help if o.help and command == "run" else ("as for run" if o.help else "")
        helptext = shown or argparse.SUPPRESS
        if o.kind == "flag":
            p.add_argument(*o.flags, action="store_true", help=helptext)
        elif o.kind == "switch":
            p.add_argument(
                *o.flags, action=argparse.BooleanOptionalAction, default=o.default, help=helptext
            )
        else:
            p.add_argument(
                *o.flags,
                action="append" if o.kind == "append" else "store",
                type=_TYPES[o.type],
                default=o.default,
                metavar=o.metavar,
                choices=o.choices,
                help=helptext,
            )


def to_json() -> str:
    """The Node CLI's table: the options it takes, in the table's order."""
    rows = [o.as_json() for o in OPTIONS if "node" in o.hosts]
    return json.dumps({"options": rows}, indent=2) + "\n"


def to_markdown() -> str:
    """docs/cli.md: the options of both CLIs."""
    lines = [
        "# Command-line options",
        "",
        "Generated from `py_backend/cli_options.py` by `python -m py_backend.cli_options` (do not",
        "edit): `python -m py_backend.cli run [OPTIONS] PROG [ARGS...]` (the native CLI, wasmtime)",
        "and `npx tbwasm-node [OPTIONS] PROG [ARGS...]` (web/node/cli.mjs: Node, Pyodide) take the",
        "same options, except where the last column says. `tbwasm resume FILE` (Node:",
        "`--resume FILE`) continues a run saved with `--save-state`.",
        "",
        "| option | default | hosts | what |",
        "|--------|---------|-------|------|",
    ]
    for o in OPTIONS:
        if not o.help:
            continue
        arg = f" {o.metavar or o.dest.upper()}" if o.kind in ("value", "append") else ""
        if o.choices:
            arg = " " + "\\|".join(o.choices)
        flags = ", ".join(f"`{f}{arg}`" for f in o.flags)
        if o.kind == "switch":
            flags += f", `--no-{o.name}`"
        default = "on" if o.default is True else "" if o.default in (None, 0) else f"`{o.default}`"
        hosts = "both" if len(o.hosts) == 2 else o.hosts[0]
        text = o.help.replace("|", "\\|") + (
            " (repeatable)" if o.kind == "append" and "repeatable" not in o.help else ""
        )
        lines.append(f"| {flags} | {default} | {hosts} | {text} |")
    return "\n".join(lines) + "\n"


ROOT = Path(__file__).resolve().parent.parent
JSON_PATH = ROOT / "web" / "node" / "cli_options.json"
DOC_PATH = ROOT / "docs" / "cli.md"


if __name__ == "__main__":
    JSON_PATH.write_text(to_json())
    DOC_PATH.write_text(to_markdown())
    print(f"wrote {JSON_PATH.relative_to(ROOT)} and {DOC_PATH.relative_to(ROOT)}")
