"""The process table: pids, parents and children, process groups and sessions, exit statuses.

Every guest process is one `Machine` (its own Wasm memory, CPU state, TB cache and `Linux`);
this module knows them only as `ProcessEntry` records (one per process: the process table's
entry), so the Linux layer stays below the machine.  It decides who may wait for whom, turns
exits and deaths into wait statuses and SIGCHLD, and routes ``kill`` to a process, a process
group or everyone.  Scheduling (which process runs
next) is the machine's `System`; a process that cannot run is one whose threads all wait.

Linux behaviour followed: pids are allocated increasingly from the first process's pid; an
orphan is re-parented to the first process (our init: its exit ends the whole run, as the
container's init would); a zombie keeps its status until its parent waits for it (or ignores
SIGCHLD, or sets SA_NOCLDWAIT, in which case it is reaped at once); process groups and sessions
as setpgid(2)/setsid(2) define them, with EPERM/ESRCH/EINVAL as the kernel answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import errors as E
from .errors import SyscallError

MAX_PROCS = 64  # live + zombie processes; fork beyond it is EAGAIN (RLIMIT_NPROC-like)

# wait4 / waitid options
WNOHANG = 1
WUNTRACED = 2  # = WSTOPPED
WEXITED = 4
WCONTINUED = 8
WNOWAIT = 0x01000000
P_ALL, P_PID, P_PGID = 0, 1, 2

# si_code of SIGCHLD
CLD_EXITED, CLD_KILLED, CLD_DUMPED, CLD_TRAPPED, CLD_STOPPED, CLD_CONTINUED = 1, 2, 3, 4, 5, 6


@dataclass(eq=False)
class ProcessEntry:
    pid: int
    ppid: int
    pgid: int
    sid: int
    owner: Any = None  # the Machine running it (None once it is a zombie)
    zombie: bool = False
    status: int = 0  # wait status: exit code << 8, or the signal (| 0x80 for a core dump)
    stopped: int = 0  # the signal that stopped it (SIGTSTP...), 0 = running
    stop_reported: bool = True
    continued: bool = False  # SIGCONT since the parent last waited (WCONTINUED)
    children: list[ProcessEntry] = field(default_factory=list)
    exec_done: bool = False  # since fork: ends a vfork parent's wait
    vfork_parent: ProcessEntry | None = None
    name: str = ""


class ProcessHooks(Protocol):
    """What the process calls need of the machine: a new address space for a child."""

    def fork(self, flags: int, newsp: int, ptid: int, tls: int, ctid: int) -> int: ...


class ProcessTable:
    """Every process of one run.  ``send(proc, sig, sender_pid)`` is how a signal reaches a
    process (set by the System); ``reap_hook(proc)`` frees what a dead process held."""

    def __init__(self, first_pid: int, max_procs: int = MAX_PROCS) -> None:
        self.by_pid: dict[int, ProcessEntry] = {}
        self.next_pid = first_pid
        self.max_procs = max_procs
        self.init: ProcessEntry | None = None
        self.send: Callable[[ProcessEntry, int, int], None] = lambda p, s, f: None
        self.changed = 0  # bumped whenever a child changes state (wakes waiters)
        self.forks = 0
        # the host never blocks: every wait blocks the guest thread (System.async_waits)
        self.async_waits = False

    # --- creation -------------------------------------------------------------------------------

    def add_first(self, owner: Any, name: str = "") -> ProcessEntry:
        p = ProcessEntry(self.next_pid, 0, self.next_pid, self.next_pid, owner, name=name)
        self.next_pid += 1
        self.by_pid[p.pid] = p
        self.init = p
        return p

    def fork(self, parent: ProcessEntry, owner: Any = None) -> ProcessEntry:
        if len(self.by_pid) >= self.max_procs:
            raise SyscallError(E.EAGAIN)
        while self.next_pid in self.by_pid:
            self.next_pid += 1
        child = ProcessEntry(
            self.next_pid, parent.pid, parent.pgid, parent.sid, owner, name=parent.name
        )
        self.next_pid += 1
        self.by_pid[child.pid] = child
        parent.children.append(child)
        self.forks += 1
        return child

    @property
    def live(self) -> list[ProcessEntry]:
        return [p for p in self.by_pid.values() if not p.zombie]

    def get(self, pid: int) -> ProcessEntry | None:
        return self.by_pid.get(pid)

    # --- ending ---------------------------------------------------------------------------------

    def exited(self, p: ProcessEntry, status: int, *, ignore_chld: bool = False) -> None:
        """``p`` ended with wait status ``status``: it becomes a zombie for its parent (or is
        reaped at once if the parent ignores SIGCHLD), its children go to init."""
        p.zombie = True
        p.status = status
        p.owner = None
        p.stopped = 0
        self.changed += 1
        init = self.init
        for c in p.children:
            c.ppid = init.pid if init is not None and init is not p else 0
            if init is not None and init is not p:
                init.children.append(c)
        p.children = []
        if ignore_chld:
            self.reap(p)

    def reap(self, p: ProcessEntry) -> None:
        self.by_pid.pop(p.pid, None)
        parent = self.by_pid.get(p.ppid)
        if parent is not None and p in parent.children:
            parent.children.remove(p)

    # --- groups and sessions -----------------------------------------------------------------

    def setpgid(self, caller: ProcessEntry, pid: int, pgid: int) -> int:
        if pgid < 0:
            raise SyscallError(E.EINVAL)
        target = caller if pid == 0 else self.by_pid.get(pid)
        if target is None or (target is not caller and target not in caller.children):
            raise SyscallError(E.ESRCH)
        if target is not caller and target.exec_done:
            raise SyscallError(E.EACCES)  # a child that has exec'd
        if target.sid != caller.sid:
            raise SyscallError(E.EPERM)
        if target.pid == target.sid:
            raise SyscallError(E.EPERM)  # a session leader
        pgid = pgid or target.pid
        if pgid != target.pid and not any(
            q.pgid == pgid and q.sid == caller.sid for q in self.by_pid.values() if not q.zombie
        ):
            raise SyscallError(E.EPERM)
        target.pgid = pgid
        return 0

    def getpgid(self, caller: ProcessEntry, pid: int) -> int:
        p = caller if pid == 0 else self.by_pid.get(pid)
        if p is None:
            raise SyscallError(E.ESRCH)
        return p.pgid

    def getsid(self, caller: ProcessEntry, pid: int) -> int:
        p = caller if pid == 0 else self.by_pid.get(pid)
        if p is None:
            raise SyscallError(E.ESRCH)
        return p.sid

    def setsid(self, caller: ProcessEntry) -> int:
        if caller.pgid == caller.pid or any(q.pgid == caller.pid for q in self.by_pid.values()):
            raise SyscallError(E.EPERM)
        caller.sid = caller.pgid = caller.pid
        return caller.pid

    def orphaned(self, pgid: int) -> bool:
        """POSIX's orphaned process group: no member has a parent in another group of the
        same session (the first process, whose parent is outside, counts as having none)."""
        for p in self.group(pgid):
            parent = self.by_pid.get(p.ppid)
            if parent is not None and parent.pgid != pgid and parent.sid == p.sid:
                return False
        return True

    def group(self, pgid: int) -> list[ProcessEntry]:
        return [p for p in self.by_pid.values() if p.pgid == pgid and not p.zombie]

    # --- kill -----------------------------------------------------------------------------------

    def kill(self, caller: ProcessEntry, pid: int, sig: int) -> int:
        """kill(2) from ``caller``: pid > 0 one process, 0 the caller's group, -1 every process
        but init and the caller, < -1 the group -pid."""
        if not 0 <= sig <= 64:
            raise SyscallError(E.EINVAL)
        if pid > 0:
            targets = [p for p in (self.by_pid.get(pid),) if p is not None]
        elif pid == 0:
            targets = self.group(caller.pgid)
        elif pid == -1:
            targets = [
                p for p in self.by_pid.values()
                if p is not caller and p is not self.init and not p.zombie
            ]  # fmt: skip
            if not targets:
                return 0 if sig == 0 else -E.ESRCH
        else:
            targets = self.group(-pid)
        if not targets:
            raise SyscallError(E.ESRCH)
        for p in targets:
            if sig and not p.zombie:
                self.send(p, sig, caller.pid)
        return 0

    # --- wait -----------------------------------------------------------------------------------

    def find_waitable(
        self, caller: ProcessEntry, idtype: int, ident: int, options: int
    ) -> tuple[ProcessEntry | None, bool]:
        """The child a wait would report now, and whether any child matches at all."""
        matches = []
        for c in caller.children:
            if idtype == P_PID and c.pid != ident:
                continue
            if idtype == P_PGID and c.pgid != ident:
                continue
            matches.append(c)
        for c in matches:
            if c.zombie and options & WEXITED:
                return c, True
            if c.stopped and not c.stop_reported and options & WUNTRACED:
                return c, True
            if c.continued and options & WCONTINUED:
                return c, True
        return None, bool(matches)

    def collect(self, c: ProcessEntry, options: int) -> tuple[int, int]:
        """Report ``c`` to its waiting parent: (wait status, si_code); reaps a zombie unless
        WNOWAIT."""
        if c.zombie:
            code = CLD_EXITED
            if c.status & 0x7F:
                code = CLD_DUMPED if c.status & 0x80 else CLD_KILLED
            if not options & WNOWAIT:
                self.reap(c)
            return c.status, code
        if c.stopped and not c.stop_reported:
            if not options & WNOWAIT:
                c.stop_reported = True
            return (c.stopped << 8) | 0x7F, CLD_STOPPED
        if not options & WNOWAIT:
            c.continued = False
        return 0xFFFF, CLD_CONTINUED


def exit_status(code: int) -> int:
    return (code & 0xFF) << 8


def signal_status(sig: int) -> int:
    """A death by ``sig``; RLIMIT_CORE is 0, so never with the core-dump bit (as under qemu with
    Linux's usual ulimit -c 0)."""
    return sig & 0x7F
