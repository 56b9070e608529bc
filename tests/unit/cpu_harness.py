"""Run a snippet of guest instructions through the real translator and wasmtime.

`run_snippet` wraps the words in a minimal static ELF (code at CODE_BASE, a data page at
DATA_BASE), sets registers, runs until the snippet's final `ebreak`, and returns the state."""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

from doubles import NoInput, Sink

from py_backend import abi
from py_backend.exits import Action
from py_backend.host.native import NativeHost
from py_backend.isa.encode import encode
from py_backend.machine import Machine

CODE_BASE = 0x10000
DATA_BASE = 0x20000
DATA_SIZE = 0x1000
EBREAK = 0x00100073


def make_elf(
    code: bytes, data: bytes = b"", entry: int = CODE_BASE, data_exec: bool = False
) -> bytes:
    """A static ET_EXEC riscv64 ELF: one RX segment at CODE_BASE, one RW at DATA_BASE."""
    ehsize, phentsize = 64, 56
    phnum = 2
    code_off = 0x1000
    data_off = code_off + ((len(code) + 0xFFF) & ~0xFFF)
    eh = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    eh += struct.pack(
        "<HHIQQQIHHHHHH", 2, 243, 1, entry, ehsize, 0, 0x5, ehsize, phentsize, phnum, 64, 0, 0
    )
    ph = struct.pack(
        "<IIQQQQQQ", 1, 5, code_off, CODE_BASE, CODE_BASE, len(code), len(code), 0x1000
    )
    ph += struct.pack(
        "<IIQQQQQQ",
        1,
        7 if data_exec else 6,
        data_off,
        DATA_BASE,
        DATA_BASE,
        len(data),
        DATA_SIZE,
        0x1000,
    )
    out = bytearray(eh + ph)
    out += bytes(code_off - len(out)) + code
    out += bytes(data_off - len(out)) + data
    return bytes(out)


def assemble(insns: list[int | tuple[str, dict[str, int]]]) -> bytes:
    """Words (ints; < 0x10000 and not ending in 0b11 are halfwords) or (name, fields)."""
    out = bytearray()
    for it in insns:
        w = encode(it[0], **it[1]) if isinstance(it, tuple) else it
        out += struct.pack("<H" if w & 3 != 3 else "<I", w)
    return bytes(out)


@dataclass
class State:
    x: list[int]
    f: list[int]
    fflags: int
    frm: int
    pc: int
    action: Action
    machine: Machine

    def data(self, off: int, n: int) -> bytes:
        return self.machine.aspace.read(DATA_BASE + off, n)


_HOST: NativeHost | None = None


def run_snippet(
    insns: list[int | tuple[str, dict[str, int]]],
    x: dict[int, int] | None = None,
    f: dict[int, int] | None = None,
    *,
    frm: int = 0,
    fflags: int = 0,
    data: bytes = b"",
    end_with_ebreak: bool = True,
    data_exec: bool = False,
    budget: int = 1_000_000,
    tier: str | None = None,
    hot_threshold: int | None = None,
    on_exit: Callable[[int], object] | None = None,
    max_exits: int | None = None,
) -> State:
    """`tier`/`hot_threshold` as Machine takes them (default: $TBWASM_TIER, the suite's tier).
    `on_exit(reason)` sees every exit to the host; `max_exits` stops the guest after that many
    BUDGET exits."""
    code = assemble(list(insns) + ([EBREAK] if end_with_ebreak else []))
    host = NativeHost()
    m = Machine(
        host.raw,
        make_elf(code, data, data_exec=data_exec),
        ["snippet"],
        [],
        stdin=NoInput(),
        stdout=Sink(),
        stderr=Sink(),
        budget=budget,
        tier=tier,
        hot_threshold=hot_threshold,
    )
    mem = host.raw
    for r, v in (x or {}).items():
        mem.write(abi.x_addr(r), struct.pack("<Q", v & (2**64 - 1)))
    for r, v in (f or {}).items():
        mem.write(abi.f_addr(r), struct.pack("<Q", v & (2**64 - 1)))
    mem.write(abi.CPU_FRM, struct.pack("<I", frm))
    mem.write(abi.CPU_FFLAGS, struct.pack("<I", fflags))
    if on_exit is None and max_exits is None:
        action = host.run(m)
    else:
        action = m.start()
        budgets = 0
        while action.kind == "run":
            host._install_first(action)
            reason = host._run(host.store, action.tb)
            if on_exit is not None:
                on_exit(reason)
            budgets += reason == abi.ExitReason.BUDGET
            if max_exits is not None and budgets >= max_exits:
                break
            action = m.service(reason)
    regs = [0] + [struct.unpack("<Q", mem.read(abi.x_addr(r), 8))[0] for r in range(1, 32)]
    fregs = [struct.unpack("<Q", mem.read(abi.f_addr(r), 8))[0] for r in range(32)]
    return State(
        regs,
        fregs,
        struct.unpack("<I", mem.read(abi.CPU_FFLAGS, 4))[0],
        struct.unpack("<I", mem.read(abi.CPU_FRM, 4))[0],
        m.cpu.get_pc(),
        action,
        m,
    )
