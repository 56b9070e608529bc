"""The exit dispatcher: what a machine does when a TB returns to the host, and the `Action` it
answers with.

`dispatch` reads the exit (one memory read: the context and the registers up to pc) and sends
it on: a system call (`syscall`, with the Linux layer's blocking and execve), a chain or lookup
miss, a budget exit, self-modifying code, a hot block, an instruction the host emulates
(`translate/hostemu.py`), or a fault (`fault`: the guest's handler, or death by the signal).
`guarded` turns what the guest's run raises (exit, signal, blocked process, execve, a bug in the
emulator) into an `Action`.
"""

from __future__ import annotations

import os
import struct
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import abi
from .abi import ActionKind, ExitReason
from .cpu import ARGS
from .isa.decode import decode
from .linux.errors import (
    EmulatorError,
    ExecImage,
    GuestExit,
    GuestSignal,
    ProcessBlocked,
    SyscallError,
    WouldBlock,
    strace_result,
)
from .linux.signals import SIGNAL_NAMES, Signal
from .linux.sysnr import Nr
from .linux.threads import Wait
from .translate.hostemu import emulate as host_emulate

if TYPE_CHECKING:
    from .machine import Machine

_ECALL = (0x73).to_bytes(4, "little")
_I64 = struct.Struct("<q")
_U64 = struct.Struct("<Q")
_U32 = struct.Struct("<I")
_EXIT_SPAN = abi.CPU_PC + 8 - abi.CTX  # the context and the CPU state up to pc: read at an exit
THREAD_SLICE = 200_000  # at most this many guest instructions per slice while threads share
_NR_CLONE = int(Nr.clone)  # (a plain int: compared on every system call)


@dataclass
class Action:
    """What a host does next.  ``kind`` is an `ActionKind` (a str enum: its wire values are
    abi.json's ``action.kinds``); the internal kinds BLOCK and REPLACED never leave `System`."""

    kind: ActionKind
    tb: int = 0
    modules: list[bytes] = field(default_factory=list)
    table_size: int = 0
    status: int = 0
    message: str = ""
    reset_table: bool = False  # every TB was dropped: a host may start a fresh funcref table
    space: int = 0  # the host memory (process) the modules go into and the TB runs in
    signal: int = 0  # EXIT: the process died of this signal (status = 128 + signal)
    replacement: Any = None  # REPLACED (inside the System only): the machine after execve
    # IDLE: seconds until the earliest guest deadline (a sleep, a timeout, a timer); None: only
    # input or the host can wake the system.  A host may wait that long before service(IDLE).
    timeout: float | None = None


class Replaced(Exception):
    """execve succeeded: ``machine`` runs the process from now on."""

    def __init__(self, machine: Machine) -> None:
        super().__init__("exec")
        self.machine = machine


def guarded(m: Machine, fn: Callable[[], Action]) -> Action:
    """``fn()``, with what the guest's run raises turned into an Action."""
    try:
        return fn()
    except ProcessBlocked:
        return Action(ActionKind.BLOCK)
    except Replaced as r:
        return Action(ActionKind.REPLACED, replacement=r.machine)
    except GuestExit as e:
        return Action(ActionKind.EXIT, status=e.status & 0xFF)
    except GuestSignal as e:
        return signal_exit(e.signo, m.cpu.get_pc())
    except EmulatorError as e:
        return Action(
            ActionKind.EXIT,
            status=abi.HostStatus.INTERNAL,
            message=f"tbwasm: internal error: {e}",
        )
    except Exception as e:  # a bug in the emulator: one line, never a traceback
        if m.options.debug:
            raise
        where = traceback.extract_tb(e.__traceback__)[-1]
        return Action(
            ActionKind.EXIT,
            status=abi.HostStatus.INTERNAL,
            message=f"tbwasm: internal error: {type(e).__name__}: {e} "
            f"({os.path.basename(where.filename)}:{where.lineno}; TBWASM_DEBUG=1 for details)",
        )


def signal_exit(signo: int, pc: int, addr: int | None = None) -> Action:
    """The process dies of ``signo`` at pc."""
    name = SIGNAL_NAMES.get(signo, f"signal {signo}")
    msg = f"tbwasm: guest {name} at pc=0x{pc:x}"
    if addr is not None:
        msg += f" (addr 0x{addr:x})"
    return Action(ActionKind.EXIT, status=128 + signo, message=msg, signal=signo)


def dispatch(m: Machine, reason: int) -> Action:
    """What to do after the running TB returned ``reason`` (an ExitReason)."""
    m.host_calls += 1
    # The context and the registers in one read (a JS host pays per memory call, and a
    # system call needed five of them): what this exit reads before anything is written.
    state = m.mem.read(abi.CTX, _EXIT_SPAN)
    m.account(_I64.unpack_from(state, abi.CTX_BUDGET - abi.CTX)[0])
    pc = _U64.unpack_from(state, abi.CPU_PC - abi.CTX)[0]
    if reason == ExitReason.ECALL:
        return syscall(m, pc, ARGS.unpack_from(state, abi.x_addr(10) - abi.CTX))
    if reason == ExitReason.CHAIN:
        link = (
            _U32.unpack_from(state, abi.CTX_LINK_FROM - abi.CTX)[0],
            _U32.unpack_from(state, abi.CTX_LINK_SLOT - abi.CTX)[0],
        )
        return m.run(pc, link=link)
    if reason == ExitReason.LOOKUP:
        return m.run(pc, cache=True)
    if reason == ExitReason.BUDGET:
        if m.threads.alive > 1 or m.threads.waiting:
            m.threads.schedule(preempt=True)  # the time slice is over
            pc = m.cpu.get_pc()
        return resume(m, pc)
    if reason == ExitReason.SMC:
        addr = m.u64(abi.CTX_EXIT_ARG)
        m.tb_cache.invalidate(addr, 8)
        return m.run(pc)
    if reason == ExitReason.FENCE_I:
        # Every store to a page holding translated code already invalidated its TBs (SMC
        # exit), and so did every syscall write, so the TB cache is coherent here: fence.i
        # only has to end the TB, which it did.
        return m.run(pc)
    if reason == ExitReason.HOT:
        return m.hot(pc)
    if reason == ExitReason.EMULATE:
        return emulate(m, pc)
    if reason == ExitReason.SEGV:
        return fault(m, Signal.SIGSEGV, pc, m.u64(abi.CTX_EXIT_ARG))
    if reason == ExitReason.BUS:
        return fault(m, Signal.SIGBUS, pc, m.u64(abi.CTX_EXIT_ARG))
    if reason == ExitReason.FETCH:
        return fault(m, Signal.SIGSEGV, pc, pc)
    if reason == ExitReason.ILLEGAL:
        return fault(m, Signal.SIGILL, pc)
    if reason == ExitReason.EBREAK:
        return fault(m, Signal.SIGTRAP, pc)
    raise EmulatorError(f"unknown exit reason {reason} at pc=0x{pc:x}")


def fault(m: Machine, signo: int, pc: int, addr: int | None = None) -> Action:
    """A synchronous fault at pc: run the guest's handler for it, or die of it."""
    handler = m.linux.signals.fault(signo, pc, addr)
    if handler is None:
        return signal_exit(signo, pc, addr)
    return m.run(handler)


def resume(m: Machine, pc: int) -> Action:
    """Go on at pc (after a syscall, at a budget exit), running the handlers of pending
    signals first; a signal whose default action is fatal ends the guest here."""
    handler = m.linux.signals.deliver_pending()
    return m.run(pc if handler is None else handler)


def at_ecall(m: Machine) -> bool:
    pc = m.cpu.get_pc()
    return 0 <= pc < abi.GUEST_SIZE - 4 and m.mem.read(abi.GUEST_BASE + pc, 4) == _ECALL


def syscall(m: Machine, pc: int, a: tuple[int, ...] | None = None) -> Action:
    """The system call at pc; ``a``: a0..a7, if read already."""
    threads = m.threads
    threads.current.restart = False
    if a is None:
        a = m.cpu.args()
    nr, args = a[7], a[:6]
    m.cpu.set_pc(pc + 4)
    if m.strace is not None:
        call = f"{m.linux.syscall_name(nr)}({', '.join(hex(a) for a in args)})"
        try:
            ret = _call(m, nr, args, pc)
        except (GuestExit, GuestSignal) as e:
            m.strace(f"{call} = {e!r}")
            raise
        cur = threads.current
        if ret is None:
            m.strace(f"{call} = ? <waiting>")
        elif cur.exited:
            m.strace(f"{call} = ?")
        elif cur.wait is not None:
            m.strace(f"{call} = ? <unfinished ...>")
            cur.call = m.linux.syscall_name(nr)
        else:
            m.strace(f"{call} = {strace_result(ret)}")
    else:
        ret = _call(m, nr, args, pc)
    if ret is None:  # blocked: the call runs again when ready (pc is back at the ecall)
        threads.schedule()
        return resume(m, m.cpu.get_pc())
    m.cpu.set_x(10, ret)
    if threads.need_switch:
        threads.schedule()  # the thread blocked, exited or yielded
        m.slice = m.base_slice if threads.alive == 1 else min(THREAD_SLICE, m.base_slice)
    elif nr == _NR_CLONE:
        m.slice = min(THREAD_SLICE, m.base_slice)
    return resume(m, m.cpu.get_pc())  # rt_sigreturn moved pc


def _call(m: Machine, nr: int, args: tuple[int, ...], pc: int) -> int | None:
    """One system call; None when it blocked (WouldBlock: the thread waits with pc at the
    ecall, so that the call runs again once it can go on)."""
    try:
        return m.linux.syscall(nr, args)
    except WouldBlock as w:
        m.cpu.set_pc(pc)
        m.threads.current.restart = True
        m.threads.block(
            Wait(
                "io",
                ready=w.ready,
                deadline=w.deadline,
                timeout_result=w.timeout_result,
                on_interrupt=w.on_interrupt,
            )
        )
        m.threads.current.call = w.what
        return None
    except ExecImage as image:
        try:
            new = m.system.exec(m, image)
        except SyscallError as e:
            return -e.errno
        raise Replaced(new) from None


def emulate(m: Machine, pc: int) -> Action:
    """The instruction at pc, which compiled code and tier 0 leave to the host."""
    word = int.from_bytes(m.mem.read(abi.GUEST_BASE + pc, 4), "little")
    insn = decode(word if word & 3 == 3 else word & 0xFFFF)
    if insn is None or not host_emulate(m.cpu, insn):
        return fault(m, Signal.SIGILL, pc)
    m.cpu.set_pc(pc + insn.size)
    return m.run(pc + insn.size)
