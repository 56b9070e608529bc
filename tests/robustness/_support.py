"""Shared helpers for the robustness tests: one NativeHost reused across many guests, a snippet
machine that can be re-entered at any pc, and subprocess runners for the CLI."""

from __future__ import annotations

import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "unit"))
sys.path.insert(0, str(HERE.parent))

from cpu_harness import CODE_BASE, DATA_BASE, EBREAK, assemble, make_elf  # noqa: E402
from doubles import NoInput, Sink, Source  # noqa: E402
from helpers import REPO_ROOT, SYSROOT, guest_path, host_env  # noqa: E402

from py_backend.exits import Action  # noqa: E402
from py_backend.host.native import NativeHost  # noqa: E402
from py_backend.machine import Machine  # noqa: E402

__all__ = [
    "CODE_BASE",
    "DATA_BASE",
    "EBREAK",
    "REPO_ROOT",
    "SYSROOT",
    "SnippetMachine",
    "assemble",
    "cli",
    "guest_path",
    "make_elf",
    "run_elf",
    "shared_host",
]  # fmt: skip

M64 = (1 << 64) - 1


_HOST: NativeHost | None = None


def shared_host() -> NativeHost:
    """One NativeHost for the whole session: every guest (including the faulting ones) runs on
    the same engine, store, memory and table, so a fault that damaged any of them shows up in
    the next guest."""
    global _HOST
    if _HOST is None:
        _HOST = NativeHost()
    return _HOST


@dataclass
class RunResult:
    action: Action
    stdout: bytes
    stderr: bytes
    machine: Machine


def run_elf(program: bytes, argv: list[str] | None = None, stdin: bytes = b"") -> RunResult:
    """Run an ELF image on the shared host; returns the exit action and the captured output."""
    host = shared_host()
    out, err = Sink(), Sink()
    argv = argv or ["prog"]
    m = Machine(host.raw, program, argv, [], stdin=Source(stdin), stdout=out, stderr=err)
    action = host.run(m)
    return RunResult(action, bytes(out.data), bytes(err.data), m)


class SnippetMachine:
    """A snippet ELF loaded once on the shared host; `enter(pc, regs)` runs from any pc of it
    with the given registers until the guest exits (fault or ebreak), keeping its TB cache."""

    def __init__(self, code: bytes, data: bytes = b"", hot_threshold: int | None = None) -> None:
        self.host = shared_host()
        self.machine = Machine(
            self.host.raw, make_elf(code, data), ["snippet"], [],
            stdin=NoInput(), stdout=Sink(), stderr=Sink(), hot_threshold=hot_threshold,
        )  # fmt: skip

    def set_x(self, r: int, v: int) -> None:
        self.machine.cpu.set_x(r, v)

    def x(self, r: int) -> int:
        return self.machine.cpu.get_x(r)

    def set_f(self, r: int, v: int) -> None:
        self.machine.cpu.set_f(r, v)

    def f(self, r: int) -> int:
        return self.machine.cpu.get_f(r)

    def u64(self, off: int) -> int:
        return int(struct.unpack("<Q", self.host.raw.read(off, 8))[0])

    def u32(self, off: int) -> int:
        return int(struct.unpack("<I", self.host.raw.read(off, 4))[0])

    def enter(self, pc: int) -> Action:
        self.machine.cpu.set_pc(pc)
        return self.host.run(self.machine)


def cli(
    *args: str, timeout: float = 60.0, stdin: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    """`python -m py_backend.cli ARGS` in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "py_backend.cli", *args],
        input=stdin,
        capture_output=True,
        env=host_env(),
        cwd=str(REPO_ROOT),
        timeout=timeout,
        check=False,
    )


def assert_one_line_error(r: subprocess.CompletedProcess[bytes]) -> str:
    """Status 2 and exactly one line on stderr starting with `tbwasm:` (no traceback)."""
    err = r.stderr.decode(errors="replace")
    assert r.returncode == 2, (r.returncode, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("tbwasm:"), err
    assert "Traceback" not in err
    return lines[0]
