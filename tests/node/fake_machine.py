"""A stand-in for py_backend.machine.Machine that tests the JS hosts' loop and bridge alone.

It emits hand-assembled Wasm modules (one TB function each, returning a constant reason), so it
exercises module compilation, table growth, element segments, BUDGET exits, stdin/stdout/stderr
and exit/fault reporting without the translator.

argv[1] selects a scenario: "segv" ends with a fault message, "loop" never ends (tests Stop),
"crash" raises (an emulator bug), anything else reads one line of stdin, echoes it upper-cased
and exits with status len(argv).
A program not starting with the ELF magic raises ElfError. `Action` and `ElfError` are the real
types, so the bridge sees exactly what a real Machine gives it.
"""

from __future__ import annotations

from py_backend import abi
from py_backend.exits import Action
from py_backend.linux.errors import ElfError


def _leb_u(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _leb_s(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        done = (n == 0 and not b & 0x40) or (n == -1 and b & 0x40)
        out.append(b | (0 if done else 0x80))
        if done:
            return bytes(out)


def _name(s: str) -> bytes:
    return _leb_u(len(s)) + s.encode()


def _section(sid: int, body: bytes) -> bytes:
    return bytes([sid]) + _leb_u(len(body)) + body


def tb_module(tb: int, reason: int) -> bytes:
    """(module (import "env" "mem" (memory 1)) (import "env" "tbl" (table 1 funcref))
    (func (result i32) i32.const reason) (elem (i32.const tb) func 0))"""
    types = _section(1, b"\x01\x60\x00\x01\x7f")
    imports = _section(
        2,
        b"\x02"
        + _name(abi.IMPORT_MODULE) + _name(abi.IMPORT_MEMORY) + b"\x02\x00\x01"
        + _name(abi.IMPORT_MODULE) + _name(abi.IMPORT_TABLE) + b"\x01\x70\x00\x01",
    )  # fmt: skip
    funcs = _section(3, b"\x01\x00")
    elems = _section(9, b"\x01\x00\x41" + _leb_s(tb) + b"\x0b\x01\x00")
    body = b"\x00\x41" + _leb_s(reason) + b"\x0b"
    code = _section(10, b"\x01" + _leb_u(len(body)) + body)
    return b"\x00asm\x01\x00\x00\x00" + types + imports + funcs + elems + code


class Machine:
    def __init__(
        self,
        mem,
        program,
        argv,
        env=None,
        *,
        stdin,
        stdout,
        stderr,
        budget=1_000_000,
        max_tbs=0,
        tier=None,
        hot_threshold=None,
    ):
        if not program.startswith(b"\x7fELF"):
            raise ElfError("not an ELF file (bad magic)")
        self.mem, self.argv, self.env = mem, argv, env
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self.budgets = 0
        self.entries = 0

    def start(self) -> Action:
        self.mem.write(abi.GUEST_BASE, b"fake: hello\n")
        self.mem.fill(abi.GUEST_BASE + 12, 4, ord("!"))
        return Action("run", tb=1, modules=[tb_module(1, abi.ExitReason.BUDGET)], table_size=1500)

    def service(self, reason: int) -> Action:
        self.entries += 1
        if reason == abi.ExitReason.BUDGET:
            self.budgets += 1
            if self.budgets < 3 or self.argv[1:2] == ["loop"]:
                return Action("run", tb=1)
            return Action("run", tb=1400, modules=[tb_module(1400, abi.ExitReason.ECALL)])
        assert reason == abi.ExitReason.ECALL, reason
        if self.argv[1:2] == ["crash"]:
            raise RuntimeError("fake bug")
        self.stdout.write(self.mem.read(abi.GUEST_BASE, 16) + b"\n")
        self.stdout.write(("argv=" + " ".join(self.argv[1:]) + "\n").encode())
        if self.argv[1:2] == ["segv"]:
            msg = "tbwasm: guest SIGSEGV at pc=0x10a4c (addr 0x0)"
            return Action("exit", status=139, message=msg)
        line = self.stdin.read(100)
        self.stdout.write(b"stdin=" + line.upper())
        self.stderr.write(b"to stderr\n")
        return Action("exit", status=len(self.argv))

    def stats(self) -> dict[str, float]:
        return {
            "guest_insns": 1000.0 * self.budgets,
            "tbs_translated": 2,
            "modules_compiled": 2,
            "tb_entries": self.entries + 5,
            "host_calls": self.entries,
            "translate_seconds": 0.001,
        }
