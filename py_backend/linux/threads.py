"""Threads of the one guest process: cooperative, scheduled round-robin by the machine.

`Threads` owns the thread table, the futex wait queues and the scheduler.  Only one thread runs
at a time; its registers live in the CPU state area of Wasm memory (a `CpuState`: x and f registers,
pc, fflags, frm and the LR reservation), and its part of the signal state
(mask, alternate stack, thread-directed pending signals) in `Signals`.  A switch saves both into
the outgoing `Thread` and loads the incoming one's; the LR reservation is dropped, as the
kernel's trap return does.

The machine calls `schedule` at its switch points: after a system call that blocked, ended or
yielded the calling thread (`need_switch`), and at budget exits (``preempt``: the time slice is
over and another thread can run).  When no thread can run, `schedule` sleeps (the Linux layer's
``sleep``, which a host may cut short) until the earliest futex or sleep timeout or ITIMER_REAL
expiry; with no such deadline nothing can ever wake a thread, and that is reported as a
deadlock (an `EmulatorError`, status 70) instead of hanging.

A blocked thread's system call returns when it is woken: `Thread.result` is written to its a0
when it is switched in (0 for a futex wake, -ETIMEDOUT, -EINTR when a signal it does not block
arrives, ...).
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..cpu import CpuState, clone_state
from . import errors as E
from .dispatch import s32 as _s32
from .errors import EmulatorError, GuestExit, GuestFault, SyscallError
from .mm import AddressSpace
from .signals import SI_TKILL, Signals, ThreadSignalState, siginfo

NS = 1_000_000_000
MAX_THREADS = 4096

# clone flags
CSIGNAL = 0xFF
CLONE_VM = 0x100
CLONE_FS = 0x200
CLONE_FILES = 0x400
CLONE_SIGHAND = 0x800
CLONE_PIDFD = 0x1000
CLONE_PTRACE = 0x2000
CLONE_VFORK = 0x4000
CLONE_PARENT = 0x8000
CLONE_THREAD = 0x10000
CLONE_SYSVSEM = 0x40000
CLONE_SETTLS = 0x80000
CLONE_PARENT_SETTID = 0x100000
CLONE_CHILD_CLEARTID = 0x200000
CLONE_DETACHED = 0x400000
CLONE_UNTRACED = 0x800000
CLONE_CHILD_SETTID = 0x1000000
CLONE_IO = 0x80000000
THREAD_FLAGS = (
    CSIGNAL | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_PTRACE | CLONE_PARENT
    | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID
    | CLONE_DETACHED | CLONE_UNTRACED | CLONE_CHILD_SETTID | CLONE_IO
)  # fmt: skip

# futex operations
FUTEX_WAIT = 0
FUTEX_WAKE = 1
FUTEX_FD = 2
FUTEX_REQUEUE = 3
FUTEX_CMP_REQUEUE = 4
FUTEX_WAKE_OP = 5
FUTEX_LOCK_PI = 6
FUTEX_UNLOCK_PI = 7
FUTEX_TRYLOCK_PI = 8
FUTEX_WAIT_BITSET = 9
FUTEX_WAKE_BITSET = 10
FUTEX_WAIT_REQUEUE_PI = 11
FUTEX_CMP_REQUEUE_PI = 12
FUTEX_LOCK_PI2 = 13
FUTEX_PRIVATE_FLAG = 128
FUTEX_CLOCK_REALTIME = 256
FUTEX_CMD_MASK = ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)
FUTEX_BITSET_MATCH_ANY = 0xFFFFFFFF
FUTEX_WAITERS = 0x80000000
FUTEX_OWNER_DIED = 0x40000000
FUTEX_TID_MASK = 0x3FFFFFFF
ROBUST_LIST_LIMIT = 2048

FUTEX_NAMES = {
    FUTEX_WAIT: "FUTEX_WAIT", FUTEX_WAKE: "FUTEX_WAKE", FUTEX_REQUEUE: "FUTEX_REQUEUE",
    FUTEX_CMP_REQUEUE: "FUTEX_CMP_REQUEUE", FUTEX_WAKE_OP: "FUTEX_WAKE_OP",
    FUTEX_LOCK_PI: "FUTEX_LOCK_PI", FUTEX_UNLOCK_PI: "FUTEX_UNLOCK_PI",
    FUTEX_TRYLOCK_PI: "FUTEX_TRYLOCK_PI", FUTEX_WAIT_BITSET: "FUTEX_WAIT_BITSET",
    FUTEX_WAKE_BITSET: "FUTEX_WAKE_BITSET", FUTEX_LOCK_PI2: "FUTEX_LOCK_PI2",
}  # fmt: skip


@dataclass(slots=True, eq=False)
class Wait:
    """Why a thread is blocked, and how its system call ends."""

    kind: str  # "futex", "pi" (FUTEX_LOCK_PI), "sleep" (nanosleep), "signal" (sigsuspend, pause)
    futex: int = 0  # the futex word's guest address
    bitset: int = FUTEX_BITSET_MATCH_ANY
    deadline: int | None = None  # on the signals clock (monotonic ns); None: no timeout
    timeout_result: int = -E.ETIMEDOUT
    rem: int = 0  # nanosleep: where to write the time left when a signal cuts it short
    restore_mask: bool = False  # ppoll: a timeout ends the temporary signal mask
    ready: Callable[[], bool] | None = None  # the wait is over ("io": the call runs again)
    ready_result: int | None = None  # a0 when ready (None: "io", the call runs again)
    on_interrupt: Callable[[], None] | None = None  # "io": a signal ended the wait


@dataclass(slots=True, eq=False)
class Thread:
    tid: int
    name: bytes
    cpu: bytes = b""  # the CPU state area while the thread is not running
    sig: ThreadSignalState = field(default_factory=ThreadSignalState)  # idem, signal part
    clear_child_tid: int = 0
    robust_list: int = 0
    wait: Wait | None = None
    result: int | None = None  # a0 for the system call it is blocked in, once woken
    call: str = ""  # that system call's name (strace's "<... futex resumed>")
    exited: bool = False
    # an "io" wait left pc at its ecall so that the call runs again once ready; a result from a
    # timeout or a signal instead ends the call: pc moves past the ecall
    advance: bool = False
    restart: bool = False  # blocked in a call that runs again when ready (pc at its ecall)


class Threads:
    """The thread table, futex queues and round-robin scheduler of one guest process."""

    def __init__(
        self,
        aspace: AddressSpace,
        signals: Signals,
        *,
        pid: int,
        name: bytes,
        sleep: Callable[[float], object] = time.sleep,
        realtime: Callable[[], int] = time.time_ns,
    ) -> None:
        self.aspace = aspace
        self.cpu = CpuState(aspace.mem)  # the running thread's registers
        self.signals = signals
        self.pid = pid
        self.sleep = sleep
        self.realtime = realtime
        main = Thread(pid, name)
        self.by_tid: dict[int, Thread] = {pid: main}
        self.order: list[Thread] = [main]  # creation order: the round-robin order
        self.current = main
        self.next_tid = pid + 1
        self.need_switch = False  # the running thread blocked, exited or yielded
        self.waiting = 0  # threads blocked in a Wait
        self.queues: dict[int, list[Thread]] = {}  # futex address -> waiters, FIFO
        self.trace: Callable[[str], None] | None = None
        self.created = 0
        self.switches = 0
        # Called when no thread of this process can run; a System with other processes raises
        # ProcessBlocked from it.  Without one, the process sleeps until a deadline (_idle).
        self.on_idle: Callable[[], None] | None = None

    # --- queries --------------------------------------------------------------------------------

    @property
    def tid(self) -> int:
        return self.current.tid

    @property
    def alive(self) -> int:
        return len(self.order)

    def now(self) -> int:
        """Monotonic ns on the signals clock (deadlines of waits)."""
        return self.signals.clock()

    # --- registers of the running thread ----------------------------------------------------------

    def _set_a0(self, v: int) -> None:
        self.cpu.set_x(10, v)

    # --- clone and exit ---------------------------------------------------------------------------

    def clone(self, flags: int, newsp: int, ptid: int, tls: int, ctid: int) -> int:
        """A new thread of this process (flags include CLONE_VM|CLONE_SIGHAND|CLONE_THREAD; the
        caller handles process creation).  Registers are the caller's with a0 = 0, sp = newsp
        (if given), tp = tls (CLONE_SETTLS); it runs from the instruction after the ecall."""
        if flags & ~THREAD_FLAGS:
            return -E.EINVAL
        if len(self.order) >= MAX_THREADS:
            return -E.EAGAIN
        tid = self.next_tid
        self.next_tid += 1
        cpu = clone_state(self.cpu.snapshot(), newsp, tls if flags & CLONE_SETTLS else None)
        child = Thread(tid, self.current.name, cpu, self.signals.new_thread())
        if flags & CLONE_CHILD_CLEARTID:
            child.clear_child_tid = ctid
        # put_user in copy_process: a bad address is not an error
        if flags & CLONE_PARENT_SETTID:
            self._try_write_u32(ptid, tid)
        if flags & CLONE_CHILD_SETTID:
            self._try_write_u32(ctid, tid)
        self.by_tid[tid] = child
        self.order.append(child)
        self.created += 1
        return tid

    def _try_write_u32(self, addr: int, v: int) -> bool:
        try:
            self.aspace.write_u32(addr, v)
        except GuestFault:
            return False
        return True

    def exit_thread(self, status: int) -> int:
        """exit(2): the calling thread ends; the last one ends the process (GuestExit)."""
        t = self.current
        if len(self.order) == 1:
            raise GuestExit(status & 0xFF)
        self._exit_robust_list(t)
        if t.clear_child_tid and self._try_write_u32(t.clear_child_tid, 0):
            self._wake(t.clear_child_tid, 1, FUTEX_BITSET_MATCH_ANY)  # how pthread_join wakes
        t.exited = True
        self.need_switch = True
        return 0

    def _exit_robust_list(self, t: Thread) -> None:
        """exit_robust_list: mark the robust mutexes the thread still holds FUTEX_OWNER_DIED and
        wake one waiter of each."""
        head = t.robust_list
        if not head:
            return
        try:
            entry = self.aspace.read_u64(head)
            offset = struct.unpack("<q", self.aspace.read(head + 8, 8))[0]
            pending = self.aspace.read_u64(head + 16)
            seen = 0
            while entry != head and entry and seen < ROBUST_LIST_LIMIT:
                nxt = self.aspace.read_u64(entry)
                if entry != pending:
                    self._owner_died(t, entry + offset)
                entry = nxt
                seen += 1
            if pending:
                self._owner_died(t, pending + offset)
        except GuestFault:
            return

    def _owner_died(self, t: Thread, uaddr: int) -> None:
        uaddr &= 0xFFFFFFFFFFFFFFFF
        if uaddr & 3:
            return
        word = self.aspace.read_u32(uaddr)
        if word & FUTEX_TID_MASK != t.tid:
            return
        self.aspace.write_u32(uaddr, (word & FUTEX_WAITERS) | FUTEX_OWNER_DIED)
        if word & FUTEX_WAITERS:
            self._wake(uaddr, 1, FUTEX_BITSET_MATCH_ANY)

    # --- blocking and waking ----------------------------------------------------------------------

    def block(self, wait: Wait) -> int:
        """Block the running thread; the machine switches away after the system call.  The
        value returned is a placeholder: the real result comes when it is woken."""
        t = self.current
        t.wait = wait
        self.waiting += 1
        if wait.kind in ("futex", "pi"):
            self.queues.setdefault(wait.futex, []).append(t)
        self.need_switch = True
        return 0

    def _unblock(self, t: Thread, result: int | None) -> None:
        w = t.wait
        if w is None:
            return
        if w.kind in ("futex", "pi"):
            q = self.queues.get(w.futex)
            if q is not None:
                q.remove(t)
                if not q:
                    del self.queues[w.futex]
        t.wait = None
        t.result = result
        self.waiting -= 1

    def _timed_out(self, t: Thread) -> None:
        w = t.wait
        assert w is not None
        t.advance = w.kind == "io"
        if w.restore_mask:
            st = self._sigstate(t)
            if st is None:
                if self.signals.saved_mask is not None:
                    self.signals.blocked, self.signals.saved_mask = self.signals.saved_mask, None
            elif st.saved_mask is not None:
                st.blocked, st.saved_mask = st.saved_mask, None
        self._unblock(t, w.timeout_result)

    def _interrupted(self, t: Thread) -> None:
        w = t.wait
        assert w is not None
        t.advance = w.kind == "io"
        if w.on_interrupt is not None:
            w.on_interrupt()
        if w.rem and w.deadline is not None:
            left = max(0, w.deadline - self.now())
            try:
                self.aspace.write(w.rem, struct.pack("<qq", left // NS, left % NS))
            except GuestFault:
                pass
        self._unblock(t, -E.EINTR)

    def _sigstate(self, t: Thread) -> ThreadSignalState | None:
        """A thread's saved signal state; None for the running thread (its state is live)."""
        return None if t is self.current else t.sig

    def _wake(self, uaddr: int, n: int, bitset: int) -> int:
        q = self.queues.get(uaddr)
        if not q or n <= 0:
            return 0
        woken = 0
        for t in list(q):
            if woken >= n:
                break
            w = t.wait
            if w is not None and w.kind == "futex" and w.bitset & bitset:
                self._unblock(t, 0)
                woken += 1
        return woken

    def _check_waiters(self) -> None:
        """Wake blocked threads whose timeout passed or that a signal interrupts."""
        if not self.waiting:
            return
        self.signals.poll_timers()
        now = self.now()
        for t in self.order:
            w = t.wait
            if w is None:
                continue
            if w.ready is not None and w.ready():
                self._unblock(t, w.ready_result)  # None: runs its system call again
            elif w.deadline is not None and w.deadline <= now:
                self._timed_out(t)
            elif w.kind != "pi" and self.signals.interrupts(self._sigstate(t)):
                self._interrupted(t)

    # --- scheduling -----------------------------------------------------------------------------

    def schedule(self, preempt: bool = False) -> None:
        """A switch point.  Switches when the running thread blocked, exited or yielded, or (at a
        budget exit, ``preempt``) when another thread can run; sleeps while none can."""
        if not self.need_switch and len(self.order) == 1 and not self.waiting:
            self._resume_self(self.current)  # a wait that ended outside (System) sets a0 here
            return
        self._check_waiters()
        cur = self.current
        if not self.need_switch and not preempt:
            self._resume_self(cur)
            return
        self.need_switch = False
        nxt = self._pick(cur)
        while nxt is None:
            self._idle()
            nxt = self._pick(cur)
        if cur.exited:
            self.order.remove(cur)
            del self.by_tid[cur.tid]
        if nxt is cur:
            self._resume_self(cur)
            return
        if not cur.exited:
            cur.cpu = self.cpu.snapshot()
            cur.sig = self.signals.save_thread()
        else:
            self.signals.save_thread()
        self.cpu.restore(nxt.cpu)  # without the reservation: this thread's sc must fail
        nxt.cpu = b""
        self.signals.load_thread(nxt.sig)
        self.current = nxt
        self.switches += 1
        self._resume_self(nxt)

    def _resume_self(self, t: Thread) -> None:
        if t.result is None:
            return
        t.restart = False  # it ends with this result instead
        if t.advance:
            self.cpu.set_pc(self.cpu.get_pc() + 4)
            t.advance = False
        self._set_a0(t.result)
        if self.trace is not None and t.call:
            self.trace(f"<... {t.call} resumed> = {E.strace_result(t.result)}")
        t.result = None
        t.call = ""

    def _pick(self, cur: Thread) -> Thread | None:
        """The next runnable thread after `cur` in creation order, `cur` itself last."""
        order = self.order
        n = len(order)
        i = order.index(cur)
        for k in range(1, n + 1):
            t = order[(i + k) % n]
            if t.wait is None and not t.exited:
                return t
        return None

    def runnable(self) -> bool:
        """Some thread can run now (a waiter whose wait is over counts: it is woken)."""
        self._check_waiters()
        return any(t.wait is None and not t.exited for t in self.order)

    def deadline(self) -> int | None:
        """The earliest time a waiting thread times out or a real-time timer fires."""
        ds = [t.wait.deadline for t in self.order if t.wait and t.wait.deadline is not None]
        real = self.signals.real_deadline()
        if real is not None:
            ds.append(real)
        return min(ds) if ds else None

    def _idle(self) -> None:
        """No thread can run: sleep until the earliest timeout or real-time timer expiry."""
        if self.on_idle is not None:
            self.on_idle()
        deadlines = [t.wait.deadline for t in self.order if t.wait and t.wait.deadline is not None]
        real = self.signals.real_deadline()
        if real is not None:
            deadlines.append(real)
        blocked = [t for t in self.order if t.wait is not None]
        if not deadlines:
            kinds = ", ".join(sorted({t.wait.kind for t in blocked if t.wait is not None}))
            raise EmulatorError(
                f"deadlock: all {len(blocked)} guest thread(s) are blocked ({kinds}) "
                "and nothing can wake them"
            )
        now = self.now()
        end = min(deadlines)
        if end > now and self.sleep((end - now) / NS):
            # cut short by the host (Stop in the page): the waiter with the earliest timeout
            # returns EINTR, so the guest gets back to an exit where the host can stop it
            def key(t: Thread) -> int:
                d = t.wait.deadline if t.wait is not None else None
                return d if d is not None else 1 << 62

            self._interrupted(min(blocked, key=key))
            return
        self._check_waiters()

    def yield_now(self) -> int:
        """sched_yield: let the next runnable thread run."""
        if len(self.order) > 1:
            self.need_switch = True
        return 0

    # --- futex --------------------------------------------------------------------------------

    def _timeout(self, ptr: int, absolute: bool, realtime: bool) -> int | None:
        """A futex timeout as a deadline on the signals clock; None: wait forever."""
        if not ptr:
            return None
        sec, nsec = struct.unpack("<qq", self.aspace.read(ptr, 16))
        if not 0 <= nsec < NS or sec < 0:
            raise SyscallError(E.EINVAL)
        ns = sec * NS + nsec
        now = self.now()
        if not absolute:
            return now + ns
        base = self.realtime() if realtime else now
        return now + (ns - base)

    def futex(self, uaddr: int, op: int, val: int, timeout: int, uaddr2: int, val3: int) -> int:
        cmd = op & FUTEX_CMD_MASK
        realtime = bool(op & FUTEX_CLOCK_REALTIME)
        if realtime and cmd not in (FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_LOCK_PI2):
            return -E.ENOSYS
        if uaddr & 3:
            return -E.EINVAL
        if cmd in (FUTEX_WAIT, FUTEX_WAIT_BITSET):
            bitset = FUTEX_BITSET_MATCH_ANY if cmd == FUTEX_WAIT else val3 & 0xFFFFFFFF
            if not bitset:
                return -E.EINVAL
            deadline = self._timeout(timeout, cmd == FUTEX_WAIT_BITSET, realtime)
            if self.aspace.read_u32(uaddr) != val & 0xFFFFFFFF:
                return -E.EAGAIN
            if deadline is not None and deadline <= self.now():
                return -E.ETIMEDOUT
            return self.block(Wait("futex", uaddr, bitset, deadline))
        if cmd in (FUTEX_WAKE, FUTEX_WAKE_BITSET):
            bitset = FUTEX_BITSET_MATCH_ANY if cmd == FUTEX_WAKE else val3 & 0xFFFFFFFF
            if not bitset:
                return -E.EINVAL
            return self._wake(uaddr, _s32(val), bitset)
        if cmd in (FUTEX_REQUEUE, FUTEX_CMP_REQUEUE):
            return self._requeue(uaddr, _s32(val), _s32(timeout), uaddr2, cmd, val3)
        if cmd == FUTEX_WAKE_OP:
            return self._wake_op(uaddr, _s32(val), _s32(timeout), uaddr2, val3)
        if cmd in (FUTEX_LOCK_PI, FUTEX_LOCK_PI2, FUTEX_TRYLOCK_PI):
            return self._lock_pi(uaddr, cmd, timeout, realtime or cmd == FUTEX_LOCK_PI)
        if cmd == FUTEX_UNLOCK_PI:
            return self._unlock_pi(uaddr)
        return -E.ENOSYS

    def _requeue(
        self, uaddr: int, nwake: int, nrequeue: int, uaddr2: int, cmd: int, val3: int
    ) -> int:
        if nwake < 0 or nrequeue < 0:
            return -E.EINVAL
        if uaddr2 & 3:
            return -E.EINVAL
        if cmd == FUTEX_CMP_REQUEUE and self.aspace.read_u32(uaddr) != val3 & 0xFFFFFFFF:
            return -E.EAGAIN
        woken = self._wake(uaddr, nwake, FUTEX_BITSET_MATCH_ANY)
        moved = 0
        if uaddr2 != uaddr:
            for t in list(self.queues.get(uaddr, ())):
                if moved >= nrequeue:
                    break
                w = t.wait
                if w is None or w.kind != "futex":
                    continue
                self.queues[uaddr].remove(t)
                if not self.queues[uaddr]:
                    del self.queues[uaddr]
                w.futex = uaddr2
                self.queues.setdefault(uaddr2, []).append(t)
                moved += 1
        return woken + moved

    def _wake_op(self, uaddr: int, n1: int, n2: int, uaddr2: int, encoded: int) -> int:
        if uaddr2 & 3:
            return -E.EINVAL
        opk = encoded >> 28 & 7
        shift = encoded >> 28 & 8
        cmp = encoded >> 24 & 15
        oparg = (encoded >> 12 & 0xFFF) ^ 0x800
        oparg -= 0x800
        cmparg = (encoded & 0xFFF) ^ 0x800
        cmparg -= 0x800
        if shift:
            oparg = 1 << (oparg & 31) if 0 <= oparg <= 31 else 0
        if opk > 4 or cmp > 5:
            return -E.ENOSYS
        if not self.aspace.writable(uaddr2, 4):
            return -E.EFAULT
        old = self.aspace.read_u32(uaddr2)
        new = [oparg, old + oparg, old | oparg, old & ~oparg, old ^ oparg][opk]
        self.aspace.write_u32(uaddr2, new & 0xFFFFFFFF)
        o = _s32(old)
        hit = [o == cmparg, o != cmparg, o < cmparg, o <= cmparg, o > cmparg, o >= cmparg][cmp]
        woken = self._wake(uaddr, n1, FUTEX_BITSET_MATCH_ANY)
        if hit:
            woken += self._wake(uaddr2, n2, FUTEX_BITSET_MATCH_ANY)
        return woken

    def _lock_pi(self, uaddr: int, cmd: int, timeout: int, realtime: bool) -> int:
        """Priority-inheritance futexes, without the priorities: the kernel-side owner handoff
        glibc's PTHREAD_PRIO_INHERIT mutexes rely on."""
        tid = self.current.tid
        word = self.aspace.read_u32(uaddr)
        owner = word & FUTEX_TID_MASK
        if owner == tid:
            return -E.EDEADLK
        if not owner:
            self.aspace.write_u32(uaddr, tid | (word & FUTEX_OWNER_DIED))
            return 0
        if cmd == FUTEX_TRYLOCK_PI:
            return -E.EAGAIN
        if owner not in self.by_tid:
            return -E.ESRCH  # a dead owner of a non-robust PI futex
        deadline = self._timeout(timeout, True, realtime)
        if deadline is not None and deadline <= self.now():
            return -E.ETIMEDOUT
        self.aspace.write_u32(uaddr, word | FUTEX_WAITERS)
        return self.block(Wait("pi", uaddr, deadline=deadline))

    def _unlock_pi(self, uaddr: int) -> int:
        word = self.aspace.read_u32(uaddr)
        if word & FUTEX_TID_MASK != self.current.tid:
            return -E.EPERM
        waiters = [t for t in self.queues.get(uaddr, ()) if t.wait and t.wait.kind == "pi"]
        if not waiters:
            self.aspace.write_u32(uaddr, 0)
            return 0
        heir = waiters[0]
        self.aspace.write_u32(uaddr, heir.tid | (FUTEX_WAITERS if len(waiters) > 1 else 0))
        self._unblock(heir, 0)
        return 0

    # --- signals to threads ---------------------------------------------------------------------

    def kill(self, tid: int, sig: int) -> int:
        """tkill/tgkill to a thread of ours: its pending set, waking it from a wait."""
        t = self.by_tid.get(tid)
        if t is None or t.exited:
            return -E.ESRCH
        info = siginfo(sig, SI_TKILL, pid=self.pid, uid=self.signals.uid)
        if t is self.current:
            return self.signals.send(sig, SI_TKILL, info, thread=True)
        r = self.signals.send(sig, SI_TKILL, info, to=t.sig)
        if t.wait is not None and t.wait.kind != "pi" and self.signals.interrupts(t.sig):
            self._interrupted(t)
        return r

    def stats(self) -> dict[str, int]:
        return {"threads_created": self.created, "thread_switches": self.switches}


__all__ = ["Thread", "Threads", "Wait"]
