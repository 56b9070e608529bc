"""Linux system calls for one riscv64 guest process (its threads: `threads.py`).

`Linux` is made of one class per subsystem, each a subclass of `base.LinuxBase` (the process's
state, the helpers the calls share and the dispatch) and none importing another:

- `sys_files.FileCalls`: files and descriptors, poll/select, pipes;
- `sys_term.TerminalCalls`: ioctl;
- `sys_mem.MemoryCalls`: the address space;
- `sys_task.TaskCalls`: the calling thread, identity, limits;
- `sys_proc.ProcessCalls`: fork, exec, wait, process groups, kill;
- `sys_signal.SignalCalls`: signals and interval timers;
- `sys_time.TimeCalls`: clocks and sleeps;
- `sys_net.NetSyscalls`: sockets and epoll;
- `sys_extra.ExtraSyscalls`: what real programs call besides (xattrs, statfs, hwprobe...).

Their ``@syscall_nr(Nr.x)`` handlers make the one table (`dispatch.syscall_table`) that
`LinuxBase.syscall` dispatches through.
"""

from __future__ import annotations

from .base import LinuxBase
from .sys_extra import ExtraSyscalls
from .sys_files import FileCalls
from .sys_mem import MemoryCalls
from .sys_net import NetSyscalls
from .sys_proc import ProcessCalls
from .sys_signal import SignalCalls
from .sys_task import TaskCalls
from .sys_term import TerminalCalls
from .sys_time import TimeCalls


class Linux(
    FileCalls,
    TerminalCalls,
    MemoryCalls,
    TaskCalls,
    ProcessCalls,
    SignalCalls,
    TimeCalls,
    NetSyscalls,
    ExtraSyscalls,
    LinuxBase,
):
    """One guest process: its fd table, filesystem, signal state and address space."""


__all__ = ["Linux"]
