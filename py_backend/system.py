"""`System`: every process of one run (each a `Machine`), which one runs, and job control.

Hosts drive it through the first process's `Machine.start` / `Machine.service`.  The TB cache
of each process image is its machine's; what outlives an image (hot regions for later images of
the same program: `tbcache.RegionCache`) is the system's.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Protocol

from . import abi, exits
from .abi import ActionKind, ExitReason
from .exits import Action
from .linux import errors as E
from .linux.errors import EmulatorError, ExecImage, ProcessBlocked
from .linux.loader import check_elf_header
from .linux.procs import ProcessEntry, ProcessTable, exit_status, signal_status
from .linux.signals import SI_USER, STOP_SIGNALS, Signal, siginfo
from .linux.threads import (
    CLONE_CHILD_CLEARTID,
    CLONE_CHILD_SETTID,
    CLONE_PARENT_SETTID,
    CLONE_VFORK,
    Wait,
)
from .linux.tty import Caller
from .memory import RawMemory
from .tbcache import RegionCache

if TYPE_CHECKING:
    from .machine import Machine


class Spaces(Protocol):
    """What a host offers for more processes: a fresh, zeroed Wasm memory of the ABI's size with
    an empty funcref table of its own (``Action.space`` names it), and freeing one."""

    def new_space(self) -> tuple[int, RawMemory]: ...

    def free_space(self, space: int) -> None: ...


# a child dying of these says so on stderr
FAULT_SIGNALS = frozenset(
    {Signal.SIGILL, Signal.SIGTRAP, Signal.SIGBUS, Signal.SIGFPE, Signal.SIGSEGV}
)
POLL_INTERVAL = 0.02  # s: how often a running system looks at the terminal's input
NET_SLICE = 0.25  # s: the longest wait for an outside stream before the host gets control


class System:
    """Every process of one run (a `Machine` is one process image) and which one runs: what a
    host drives, through the first process's `Machine.start` / `Machine.service`.

    Each process is a `Machine` with its own memory (a host *space*), so a switch costs nothing
    but a different ``Action.space``.  A process runs until it blocks (every thread waits:
    `ProcessBlocked`), ends, or uses up a time slice while another can run; then the next
    runnable one in pid order continues.  When none can run, the system sleeps until the
    earliest deadline (a sleep, a timeout, a timer); when nothing could ever wake one, that is
    a deadlock, reported instead of hanging.  The run ends when the first process ends (the
    others go with it, as in a container whose init exits).  Without a host that makes spaces
    (``spaces`` None), fork answers ENOSYS; execve works anyway (the image is replaced in the
    same memory).
    """

    def __init__(self, init: Machine) -> None:
        self.procs = ProcessTable(first_pid=init.linux.pid)
        self.procs.send = self._send
        self.init = init
        proc = self.procs.add_first(init, name=init.threads.current.name.decode(errors="replace"))
        self.machines: dict[int, Machine] = {}
        self.current = init
        self.spaces: Spaces | None = None
        self.switches = 0
        self.execs = 0
        self.retired: dict[str, float] = {}
        self._polled = 0.0
        # hot regions by their first pc, for processes that exec the same code later
        self.regions = RegionCache()
        # seconds a wait for the terminal's input may last before the host gets control back
        # (an "idle" Action; service(IDLE) goes on); None: as long as it takes (the CLI)
        self.idle_slice: float | None = None
        self._attach(init, proc)
        # /proc/self/exe is one node of a tree that several systems may share (a page's root
        # filesystem, with a machine per run): whichever system runs says what it names
        self._exe_link = init.linux.vfs.proc_self_exe
        self._exe_current = lambda: self.current.linux.exe_path
        self._exe_link.current = self._exe_current
        self.terminal = init.linux.terminal
        if self.terminal is not None:
            tty = self.terminal.tty
            tty.set_controlling(proc.sid, proc.pgid)
            tty.on_signal = self._tty_signal
            tty.pgrp_session = self._pgrp_session
            self.terminal.caller = self._caller

    @property
    def async_waits(self) -> bool:
        """The host never blocks (a worker that runs several machines): every wait blocks the
        guest thread instead of sleeping the emulator, and when no process can run the system
        returns an "idle" Action with the time to the earliest deadline rather than sleeping."""
        return self.procs.async_waits

    @async_waits.setter
    def async_waits(self, on: bool) -> None:
        self.procs.async_waits = on

    # --- the terminal ---------------------------------------------------------------------------

    def _poll_terminal(self) -> None:
        """Take what the user typed while guests run (at most every POLL_INTERVAL s): ^C must
        reach a pipeline whose processes keep switching without ever idling."""
        if self.terminal is None:
            return
        now = time.monotonic()
        if now - self._polled >= POLL_INTERVAL:
            self._polled = now
            self.terminal.pump(0)

    def _tty_signal(self, pgrp: int, sig: int) -> None:
        for p in self.procs.group(pgrp):
            self._send(p, sig, 0, immediate=False)

    def _pgrp_session(self, pgrp: int) -> int | None:
        members = self.procs.group(pgrp)
        return members[0].sid if members else None

    def _caller(self) -> Caller | None:
        m = self.current
        p = m.proc
        sigs = m.linux.signals
        ignored = frozenset(
            s
            for s in (Signal.SIGTTIN, Signal.SIGTTOU)
            if sigs.blocked & (1 << (s - 1)) or sigs.action(s).handler == 1  # SIG_IGN
        )
        tty = self.terminal.tty if self.terminal is not None else None
        return Caller(
            p.pid,
            p.pgid,
            p.sid,
            has_ctty=tty is not None and tty.session == p.sid,
            sig_ignored=ignored,
            pgrp_orphaned=self.procs.orphaned(p.pgid),
        )

    def _attach(self, m: Machine, proc: ProcessEntry) -> None:
        m.system = self
        m.proc = proc
        m.tb_cache.regions = self.regions
        proc.owner = m
        self.machines[proc.pid] = m
        lx = m.linux
        lx.procs, lx.proc, lx.hooks = self.procs, proc, m
        m.threads.on_idle = _blocked
        lx.signals.on_stop = lambda sig: self._stop(m, sig)

    # --- the host protocol ---------------------------------------------------------------------

    restored = False  # made by state.restore: start() continues where the state was saved
    state_meta: dict[str, Any] | None = None  # (state.restore: what the saving host kept)

    def start(self) -> Action:
        self._exe_link.current = self._exe_current
        if self.restored:
            self.restored = False
            m = self.current
            m._tier_context()
            return self._settle(m, m._continue())
        return self._settle(self.current, self.current._start())

    def service(self, reason: int) -> Action:
        self._exe_link.current = self._exe_current  # (another system may have run meanwhile)
        m = self.current
        if reason == ExitReason.IDLE:  # back from an "idle" Action: still waiting, or not
            nxt = self._next(None)
            return nxt if isinstance(nxt, Action) else self._settle(nxt, nxt._continue())
        if reason == ExitReason.BUDGET:
            self._poll_terminal()  # ^C while the guest computes
        if reason == ExitReason.BUDGET and len(self.machines) > 1 and self._others_runnable(m):
            m.host_calls += 1
            m.account()
            return self._switch(m)
        return self._settle(m, exits.guarded(m, lambda: exits.dispatch(m, reason)))

    def _settle(self, m: Machine, a: Action) -> Action:
        """Follow ``a`` (what process ``m`` wants) until a TB is to run somewhere."""
        while True:
            if a.kind == ActionKind.RUN:
                a.space = m.space
                if m is not self.current:
                    self.switches += 1
                    self._poll_terminal()
                self.current = m
                return a
            if a.kind == ActionKind.REPLACED:
                m = a.replacement
                self.execs += 1
                a = m._start()
                continue
            if a.kind == ActionKind.EXIT:
                end = self._ended(m, a)
                if end is not None:
                    return end
                nxt = self._next(None)
            elif a.kind == ActionKind.BLOCK:
                nxt = self._next(m)
            else:
                raise EmulatorError(f"unknown action {a.kind}")
            if isinstance(nxt, Action):
                return nxt  # stopped by the host, or a deadlock
            m = nxt
            a = m._continue()

    def _switch(self, m: Machine) -> Action:
        nxt = self._next(m, rotate=True)
        if isinstance(nxt, Action):
            return nxt
        return self._settle(nxt, nxt._continue())

    # --- scheduling -----------------------------------------------------------------------------

    def _runnable(self, m: Machine) -> bool:
        return not m.proc.stopped and m.threads.runnable()

    def _others_runnable(self, m: Machine) -> bool:
        return any(o is not m and self._runnable(o) for o in list(self.machines.values()))

    def _next(self, after: Machine | None, rotate: bool = False) -> Machine | Action:
        """The next process that can run after ``after`` in pid order (``after`` itself last);
        sleeps while none can."""
        while True:
            ms = list(self.machines.values())
            if after is not None and after in ms:
                i = ms.index(after)
                ms = ms[i + 1 :] + ms[: i + 1]
            for m in ms:
                if self._runnable(m):
                    return m
            stop = self._idle()
            if stop is not None:
                return stop

    def _idle(self) -> Action | None:
        """No process can run: sleep until the earliest deadline of any of them."""
        deadlines = [d for m in self.machines.values() if (d := m.threads.deadline()) is not None]
        term = self.terminal
        net = self.init.linux.net
        if net.active():
            # an outside stream may bring data: wait in the backend (the native host's select)
            # rather than sleep, no longer than the earliest deadline; the host gets control
            # back (an "idle" Action) at least every NET_SLICE s, for its Stop and --timeout
            now = self.init.threads.now()
            slice_s = net.slice(NET_SLICE)
            net_timeout = max(0.0, (min(deadlines) - now) / 1e9) if deadlines else slice_s
            net_timeout = min(net_timeout, slice_s)
            if term is not None and term.host is not None and not term.tty.hung_up:
                if term.pump(0.0):
                    return None
                net_timeout = min(net_timeout, POLL_INTERVAL)  # keystrokes are looked at often
            if self.async_waits:
                return Action(ActionKind.IDLE, timeout=net_timeout)
            net.wait(net_timeout)
            return Action(ActionKind.IDLE, timeout=0.0)
        if term is not None and term.host is not None and not term.tty.hung_up:
            # wait for the user (no longer than the earliest deadline); a host with an event
            # loop gets control back every idle_slice seconds (an "idle" Action)
            now = self.init.threads.now()
            timeout = max(0.0, (min(deadlines) - now) / 1e9) if deadlines else None
            if self.idle_slice is not None:
                timeout = self.idle_slice if timeout is None else min(timeout, self.idle_slice)
            if not term.pump(0.0 if self.async_waits else timeout) and self.idle_slice is not None:
                return Action(ActionKind.IDLE, timeout=timeout)
            return None
        if not deadlines:
            n = len(self.machines)
            return Action(
                ActionKind.EXIT,
                status=abi.HostStatus.INTERNAL,
                message=f"tbwasm: internal error: deadlock: all {n} guest process(es) wait "
                "and nothing can wake them",
            )
        now = self.init.threads.now()
        end = min(deadlines)
        if self.async_waits:
            return (
                Action(ActionKind.IDLE, timeout=max(0.0, (end - now) / 1e9)) if end > now else None
            )
        if end > now and self.init.linux.sleep((end - now) / 1e9):
            # cut short by the host
            return Action(
                ActionKind.EXIT, status=abi.HostStatus.STOPPED, message=abi.STOPPED_MESSAGE
            )
        return None

    # --- signals between processes ------------------------------------------------------------

    def _send(self, proc: ProcessEntry, sig: int, sender: int, immediate: bool = True) -> None:
        m = proc.owner  # (a Machine, or None once it is a zombie)
        if m is None:
            return
        sigs = m.linux.signals
        if sig == Signal.SIGCONT or sig == Signal.SIGKILL:  # (both continue a stopped process)
            for s in STOP_SIGNALS:
                sigs.shared.pop(s, None)
                sigs.pending.pop(s, None)
            if proc.stopped:
                proc.stopped = 0
                proc.continued = True
                self._notify_parent(proc, 6, Signal.SIGCONT)  # CLD_CONTINUED
        if sig in STOP_SIGNALS:
            sigs.shared.pop(Signal.SIGCONT, None)
        if m is self.current and immediate:
            sigs.send(sig, SI_USER)  # may end the caller here (GuestSignal)
            return
        sigs.post(sig, siginfo(sig, SI_USER, pid=sender, uid=m.linux.uid))

    def _notify_parent(self, proc: ProcessEntry, code: int, status: int) -> None:
        parent = self.procs.get(proc.ppid)
        if parent is None or parent.owner is None:
            return
        self.procs.changed += 1
        psig = parent.owner.linux.signals
        act = psig.action(Signal.SIGCHLD)
        if code in (5, 6) and act.flags & 1:  # CLD_STOPPED, CLD_CONTINUED; SA_NOCLDSTOP
            return
        info = bytearray(siginfo(Signal.SIGCHLD, code, pid=proc.pid, uid=0))
        info[24:28] = status.to_bytes(4, "little", signed=True)  # si_status
        psig.post(Signal.SIGCHLD, bytes(info))

    def _stop(self, m: Machine, sig: int) -> None:
        """The default action of a stop signal (job control): the process stops until SIGCONT."""
        proc = m.proc
        if proc is self.init.proc and len(self.machines) == 1:
            return  # nobody could continue it
        proc.stopped = sig
        proc.stop_reported = False
        self._notify_parent(proc, 5, sig)  # CLD_STOPPED
        raise ProcessBlocked

    # --- lifetimes ------------------------------------------------------------------------------

    def fork(self, parent: Machine, flags: int, newsp: int, ptid: int, ctid: int) -> int:
        if self.spaces is None:
            return -E.ENOSYS  # the host cannot make another memory
        proc = self.procs.fork(parent.proc)
        try:
            space, mem = self.spaces.new_space()
        except Exception:
            self.procs.reap(proc)
            return -E.ENOMEM
        child = type(parent).forked(parent, space, mem, proc.pid, newsp)
        self._attach(child, proc)
        if flags & CLONE_CHILD_SETTID:
            child.threads._try_write_u32(ctid, proc.pid)
        if flags & CLONE_CHILD_CLEARTID:
            child.threads.current.clear_child_tid = ctid
        if flags & CLONE_PARENT_SETTID:
            parent.threads._try_write_u32(ptid, proc.pid)
            child.threads._try_write_u32(ptid, proc.pid)
        if flags & CLONE_VFORK:
            # the parent waits until the child execs or ends (its memory is a copy, not shared)
            parent.threads.block(
                Wait("vfork", ready=lambda: proc.exec_done or proc.zombie, ready_result=proc.pid)
            )
        return proc.pid

    def exec(self, m: Machine, image: ExecImage) -> Machine:
        """execve: a new machine for the same process in the same memory (old image gone)."""
        check_elf_header(image.program)
        new = type(m).exec_image(m, image)
        self._retire(m)
        proc = m.proc
        proc.exec_done = True
        proc.name = new.threads.current.name.decode(errors="replace")
        self._attach(new, proc)
        if m is self.init:
            self.init = new
        return new

    def _ended(self, m: Machine, a: Action) -> Action | None:
        """Process ``m`` ended with ``a``; the final Action if that ends the run."""
        if m is self.init:
            for other in list(self.machines.values()):
                if other is not m:
                    self._bury(other, signal_status(Signal.SIGKILL))
            return a
        if a.message and (not a.signal or a.signal in FAULT_SIGNALS):
            m.linux._stderr.write(a.message.encode() + b"\n")
        self._bury(m, signal_status(a.signal) if a.signal else exit_status(a.status))
        return None

    def _bury(self, m: Machine, status: int) -> None:
        proc = m.proc
        self._retire(m)
        m.linux.close_all()
        self.machines.pop(proc.pid, None)
        parent = self.procs.get(proc.ppid)
        ignore = False
        if parent is not None and parent.owner is not None:
            act = parent.owner.linux.signals.action(Signal.SIGCHLD)
            ignore = act.handler == 1 or bool(act.flags & 2)  # SIG_IGN, SA_NOCLDWAIT
        self.procs.exited(proc, status, ignore_chld=ignore)
        if not ignore:
            code = 1 if status & 0x7F == 0 else 2  # CLD_EXITED, CLD_KILLED
            self._notify_parent(proc, code, status >> 8 if code == 1 else status & 0x7F)
        if self.spaces is not None and m.space != self.init.space:
            self.spaces.free_space(m.space)

    def _retire(self, m: Machine) -> None:
        """Keep the counters of a process image that ended (exit or exec) for `stats`."""
        st = m._own_stats()
        for k in _SUMMED:
            self.retired[k] = self.retired.get(k, 0) + st[k]

    def stats(self) -> dict[str, float]:
        """Counts over the whole run: every process and every image (``all_*``)."""
        out: dict[str, float] = {"processes": self.procs.forks + 1, "execs": self.execs}
        for k in _SUMMED:
            live = sum(m._own_stats()[k] for m in self.machines.values())
            out[f"all_{k}"] = self.retired.get(k, 0) + live
        return out


_SUMMED = (
    "guest_insns", "interp_insns", "tbs_translated", "modules_compiled", "translate_seconds",
    "reused_modules",
)  # fmt: skip


def _blocked() -> None:
    raise ProcessBlocked
