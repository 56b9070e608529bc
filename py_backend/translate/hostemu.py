"""The host emulator (not tier 0, which is Wasm: tier0.py): host-side interpretation of single
instructions that TBs hand back with an EMULATE exit: counter CSRs, and floating-point cases the
Wasm fast path leaves to exact Python arithmetic.

Each emulator gets a `HartState` view and the decoded instruction, and returns False when the
instruction is illegal after all; otherwise the machine then moves pc past it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from ..isa.insn import Insn
from . import softfloat


class HartState(Protocol):
    """What an emulator reads and writes: `py_backend.cpu.CpuState` in every host."""

    def get_x(self, r: int) -> int: ...
    def set_x(self, r: int, v: int) -> None: ...
    def get_f(self, r: int) -> int: ...
    def set_f(self, r: int, v: int) -> None: ...
    def get_fflags(self) -> int: ...
    def set_fflags(self, v: int) -> None: ...
    def get_frm(self) -> int: ...
    def instret(self) -> int: ...


Emulator = Callable[[HartState, Insn], bool]  # returns False for an illegal instruction
EMULATORS: dict[str, Emulator] = {}


def emulates(*names: str) -> Callable[[Emulator], Emulator]:
    def register(fn: Emulator) -> Emulator:
        for n in names:
            EMULATORS[n] = fn
        return fn

    return register


_T0 = time.monotonic_ns()


@emulates("csrrs", "csrrc", "csrrsi", "csrrci", "csrrw", "csrrwi")
def _counter_csr(h: HartState, i: Insn) -> bool:
    if i.csr == 0xC01:  # time: a 10 MHz timebase, like common RISC-V boards
        value = (time.monotonic_ns() - _T0) // 100
    elif i.csr in (0xC00, 0xC02):  # cycle, instret: one cycle per instruction
        value = h.instret()
    else:
        return False
    h.set_x(i.rd, value)
    return True


FpRun = Callable[[str, int, int, int, int], tuple[int, int]]


def fp_emulator(
    run: FpRun,
    has_rm: frozenset[str],
    x_src: frozenset[str] = frozenset(),
    x_dest: frozenset[str] = frozenset(),
    raw_rs1: frozenset[str] = frozenset(),
) -> Emulator:
    """The emulator of floating-point instructions that ``run(name, rs1, rs2, rs3, rm)`` computes
    exactly on raw register values, giving (rd's raw value, fflags to accrue).  ``has_rm``: names
    with a rounding-mode field (dynamic: frm; 5 and 6 are illegal; the others get RNE);
    ``x_src``/``x_dest``: names whose sources / destination are x registers; ``raw_rs1``: names
    whose rs1 field is an operand itself (fli's table index)."""

    def emulate_fp(h: HartState, i: Insn) -> bool:
        rm = i.rm
        if i.name in has_rm:
            if rm == 7:
                rm = h.get_frm()
            if rm > 4:
                return False  # reserved rounding mode: illegal instruction
        else:
            rm = softfloat.RNE
        get = h.get_x if i.name in x_src else h.get_f
        r1 = i.rs1 if i.name in raw_rs1 else get(i.rs1)
        res, flags = run(i.name, r1, get(i.rs2), get(i.rs3), rm)
        if i.name in x_dest:
            h.set_x(i.rd, res)
        else:
            h.set_f(i.rd, res)
        if flags:
            h.set_fflags(h.get_fflags() | flags)
        return True

    return emulate_fp


# Any F/D instruction, exactly (softfloat), in any rounding mode.
emulates(*sorted(softfloat.NAMES))(
    fp_emulator(softfloat.run_insn, softfloat.HAS_RM, softfloat.X_SRC, softfloat.X_DEST)
)


def emulate(h: HartState, insn: Insn) -> bool:
    fn = EMULATORS.get(insn.name)
    return fn is not None and fn(h, insn)
