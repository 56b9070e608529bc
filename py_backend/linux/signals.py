"""Signals of the guest process and its threads, and the Linux riscv64 signal frame.

`Signals` owns the per-signal actions, the process-wide pending set (``shared``) and the interval
timers, and — for the thread that is running — its blocked mask, its own pending set (``pending``,
signals sent to it by tkill/tgkill) and its alternate signal stack; `threads.Threads` swaps that
per-thread part (`ThreadSignalState`) on a thread switch.  One instance per signal number is kept
pending: no real-time queueing.  A process-directed signal is taken by whichever thread runs next
and does not block it.  The syscall
layer (`syscalls.Linux`) forwards rt_sigaction, rt_sigprocmask, rt_sigpending, rt_sigsuspend,
rt_sigtimedwait, sigaltstack, kill/tkill/tgkill, rt_sigreturn, setitimer/getitimer here, and the
machine calls two hooks:

- ``deliver_pending()`` on every return to guest code after a syscall and at budget exits: it
  fires expired timers and sets up a frame for each pending unblocked signal that has a handler
  (returns the handler's pc), drops ignored ones, and raises ``GuestSignal`` for a fatal default
  action;
- ``fault(signo, pc, addr)`` for a synchronous fault of generated code (SIGSEGV, SIGBUS, SIGILL,
  SIGTRAP): the handler's pc, or None when the guest must die as before (no handler, SIG_DFL,
  SIG_IGN or the signal blocked: Linux forces the default action).

The frame is the kernel's ``struct rt_sigframe`` (arch/riscv/kernel/signal.c)::

    +0     siginfo_t        128 bytes
    +128   struct ucontext  uc_flags, uc_link, uc_stack (stack_t, 24 bytes),
                            uc_sigmask (8 bytes, padded to 128), then at +176 (16-aligned)
                            uc_mcontext = struct sigcontext {
                                gregs[32]   pc in slot 0, x1..x31 in slots 1..31
                                fpregs      union __riscv_fp_state: the D state
                                            (f[32] as u64, fcsr u32) inside the Q-sized
                                            union (528 bytes, 16-aligned); over its end, the
                                            extension records (__riscv_extra_ext_header:
                                            reserved u32 at +516, first header at +520) }
    = 1088 bytes, placed 16-byte aligned below sp (or at the top of the alternate stack);
    1664 with the vector record (a thread that has used V): the header at frame +1080,
    __riscv_v_ext_state at +1088, v0..v31 at +1136 (datap), the END header at +1656

The handler runs with a0 = signo, a1 = &siginfo, a2 = &ucontext, sp = the frame and ra = the
sigreturn trampoline (``li a7, 139; ecall``), which the kernel keeps in the vDSO: here a read+exec
page mapped at `SIGTRAMP_ADDR` (riscv has no SA_RESTORER / sa_restorer).
"""

from __future__ import annotations

import copy
import enum
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import abi
from ..cpu import CpuState
from . import errors as E
from .dispatch import s32 as _s32
from .errors import EmulatorError, GuestFault, GuestSignal, SyscallError
from .mm import PAGE, SIGTRAMP_ADDR, AddressSpace
from .sysnr import Nr

MASK64 = (1 << 64) - 1
NSIG = 64


class Signal(enum.IntEnum):
    """The Linux signal numbers (asm-generic/signal.h, which riscv64 uses)."""

    SIGHUP = 1
    SIGINT = 2
    SIGQUIT = 3
    SIGILL = 4
    SIGTRAP = 5
    SIGABRT = 6
    SIGBUS = 7
    SIGFPE = 8
    SIGKILL = 9
    SIGUSR1 = 10
    SIGSEGV = 11
    SIGUSR2 = 12
    SIGPIPE = 13
    SIGALRM = 14
    SIGTERM = 15
    SIGSTKFLT = 16
    SIGCHLD = 17
    SIGCONT = 18
    SIGSTOP = 19
    SIGTSTP = 20
    SIGTTIN = 21
    SIGTTOU = 22
    SIGURG = 23
    SIGXCPU = 24
    SIGXFSZ = 25
    SIGVTALRM = 26
    SIGPROF = 27
    SIGWINCH = 28
    SIGIO = 29
    SIGPWR = 30
    SIGSYS = 31


SIGNAL_NAMES = {s.value: s.name for s in Signal}
IGNORED_BY_DEFAULT = frozenset({Signal.SIGCHLD, Signal.SIGCONT, Signal.SIGURG, Signal.SIGWINCH})
UNBLOCKABLE = (1 << (Signal.SIGKILL - 1)) | (1 << (Signal.SIGSTOP - 1))
# the signals whose default action stops the process
STOP_SIGNALS = frozenset({Signal.SIGSTOP, Signal.SIGTSTP, Signal.SIGTTIN, Signal.SIGTTOU})

SIG_DFL, SIG_IGN = 0, 1
SA_SIGINFO = 0x4
SA_ONSTACK = 0x08000000
SA_RESTART = 0x10000000
SA_NODEFER = 0x40000000
SA_RESETHAND = 0x80000000
SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK = 0, 1, 2
SS_ONSTACK, SS_DISABLE, SS_AUTODISARM = 1, 2, 1 << 31
MINSIGSTKSZ = 2048

# si_code values
SI_USER, SI_KERNEL, SI_QUEUE, SI_TKILL = 0, 0x80, -1, -6
SEGV_MAPERR, SEGV_ACCERR = 1, 2
BUS_ADRALN = 1
ILL_ILLOPC = 1
TRAP_BRKPT = 1
SI_CODE_NAMES = {SI_USER: "SI_USER", SI_KERNEL: "SI_KERNEL", SI_QUEUE: "SI_QUEUE",
                 SI_TKILL: "SI_TKILL"}  # fmt: skip
FAULT_CODE_NAMES = {(Signal.SIGSEGV, 1): "SEGV_MAPERR", (Signal.SIGSEGV, 2): "SEGV_ACCERR",
                    (Signal.SIGBUS, 1): "BUS_ADRALN", (Signal.SIGILL, 1): "ILL_ILLOPC",
                    (Signal.SIGTRAP, 1): "TRAP_BRKPT"}  # fmt: skip

# --- struct rt_sigframe (riscv64) ------------------------------------------------------------
SIGINFO_SIZE = 128
FRAME_UC = SIGINFO_SIZE  # offset of the ucontext in the frame
UC_FLAGS = 0
UC_LINK = 8
UC_STACK = 16  # stack_t {void *ss_sp; int ss_flags; size_t ss_size}
UC_SIGMASK = 40  # kernel sigset_t (8 bytes), then padding up to 128 bytes of sigset
UC_MCONTEXT = 176  # struct sigcontext is 16-byte aligned
MC_GREGS = 0  # 32 x u64: pc, x1..x31
MC_FPREGS = 256  # __riscv_d_ext_state: f[32] u64, then fcsr u32
MC_FCSR = MC_FPREGS + 256
FP_STATE_SIZE = 528  # sizeof(union __riscv_fp_state): the Q state, 16-aligned
MCONTEXT_SIZE = MC_FPREGS + FP_STATE_SIZE
UCONTEXT_SIZE = UC_MCONTEXT + MCONTEXT_SIZE
FRAME_SIZE = FRAME_UC + UCONTEXT_SIZE
FRAME_GREGS = FRAME_UC + UC_MCONTEXT + MC_GREGS
FRAME_FPREGS = FRAME_UC + UC_MCONTEXT + MC_FPREGS
FRAME_FCSR = FRAME_UC + UC_MCONTEXT + MC_FCSR
FRAME_SIGMASK = FRAME_UC + UC_SIGMASK
FRAME_STACK = FRAME_UC + UC_STACK
# The extension area (struct __riscv_extra_ext_header, over the fp union): a reserved u32 that
# must be zero, then a chain of struct __riscv_ctx_hdr {u32 magic, size} records ending with the
# END header (magic 0, size 0).  The vector state is one record: the header, struct
# __riscv_v_ext_state {vstart, vl, vtype, vcsr, vlenb, datap} (6 x u64, 16-aligned) and the 32
# registers (32 * vlenb bytes) right after it, datap pointing at them; its size is
# ALIGN(8 + 48 + 32 * vlenb, 16) (riscv_v_sc_size), and the frame grows by that much.
FRAME_EXT_RESERVED = FRAME_FPREGS + 516
FRAME_EXT = FRAME_FPREGS + 520  # the first header (8 mod 16, so datap is 16-aligned)
RISCV_V_MAGIC = 0x53465457
END_MAGIC = 0
V_STATE = struct.Struct("<6Q")
V_REGS_SIZE = 32 * abi.VLENB
V_SC_SIZE = (8 + V_STATE.size + V_REGS_SIZE + 15) & ~15
FRAME_SIZE_V = FRAME_SIZE + V_SC_SIZE
STACK_T = struct.Struct("<QiiQ")  # ss_sp, ss_flags, (pad), ss_size

# li a7, __NR_rt_sigreturn (addi x17, x0, 139); ecall
SIGTRAMP_CODE = struct.pack("<II", (Nr.rt_sigreturn << 20) | (17 << 7) | 0x13, 0x00000073)

ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF = 0, 1, 2
TIMER_SIGNALS = {
    ITIMER_REAL: Signal.SIGALRM,
    ITIMER_VIRTUAL: Signal.SIGVTALRM,
    ITIMER_PROF: Signal.SIGPROF,
}
NS = 1_000_000_000


def bit(sig: int) -> int:
    return 1 << (sig - 1)


def signal_name(sig: int) -> str:
    if sig in SIGNAL_NAMES:
        return SIGNAL_NAMES[sig]
    return f"SIGRT_{sig - 32}" if 32 <= sig <= NSIG else f"signal {sig}"


def siginfo(signo: int, code: int, *, addr: int | None = None, pid: int = 0, uid: int = 0) -> bytes:
    """A 128-byte siginfo_t: the fault layout (si_addr) or the kill layout (si_pid, si_uid)."""
    b = bytearray(SIGINFO_SIZE)
    struct.pack_into("<iii", b, 0, signo, 0, code)
    if addr is not None:
        struct.pack_into("<Q", b, 16, addr & MASK64)
    else:
        struct.pack_into("<iI", b, 16, pid, uid)
    return bytes(b)


def describe(info: bytes) -> str:
    """strace's rendering of a delivered signal: ``--- SIGSEGV {si_signo=..., ...} ---``."""
    signo, _errno, code = struct.unpack_from("<iii", info, 0)
    name = signal_name(signo)
    fault = FAULT_CODE_NAMES.get((signo, code))
    if fault is not None:
        addr = struct.unpack_from("<Q", info, 16)[0]
        return f"--- {name} {{si_signo={name}, si_code={fault}, si_addr={addr:#x}}} ---"
    pid, uid = struct.unpack_from("<iI", info, 16)
    cname = SI_CODE_NAMES.get(code, str(code))
    return f"--- {name} {{si_signo={name}, si_code={cname}, si_pid={pid}, si_uid={uid}}} ---"


@dataclass(slots=True)
class SigAction:
    """The kernel's riscv64 struct sigaction: {handler, flags, mask} (no sa_restorer)."""

    handler: int = SIG_DFL
    flags: int = 0
    mask: int = 0

    LAYOUT = struct.Struct("<QQQ")

    def pack(self) -> bytes:
        return self.LAYOUT.pack(self.handler, self.flags, self.mask)

    @classmethod
    def unpack(cls, raw: bytes) -> SigAction:
        handler, flags, mask = cls.LAYOUT.unpack(raw)
        return cls(handler, flags, mask)


@dataclass(slots=True)
class ThreadSignalState:
    """The per-thread part of the signal state, kept here while the thread is not running."""

    blocked: int = 0
    saved_mask: int | None = None
    ss_sp: int = 0
    ss_size: int = 0
    ss_flags: int = 0
    pending: dict[int, bytes] = field(default_factory=dict)


@dataclass(slots=True)
class Timer:
    clock: Callable[[], int]
    deadline: int = 0  # on `clock`, in ns; 0 = disarmed
    interval: int = 0


class Signals:
    """Signal state of the guest; the running thread's registers are read and written through
    ``cpu`` (a `CpuState` over the memory behind ``aspace``)."""

    def __init__(
        self,
        aspace: AddressSpace,
        *,
        pid: int,
        uid: int,
        sleep: Callable[[float], object] = time.sleep,
        clock: Callable[[], int] = time.monotonic_ns,
        cpu_clock: Callable[[], int] = time.process_time_ns,
    ) -> None:
        self.aspace = aspace
        self.cpu = CpuState(aspace.mem)  # the running thread's registers
        self.pid, self.uid = pid, uid
        self.sleep = sleep
        self.clock = clock
        self.actions: dict[int, SigAction] = {}
        self.blocked = 0
        self.pending: dict[int, bytes] = {}  # this thread's: signo -> siginfo (one per signal)
        self.shared: dict[int, bytes] = {}  # the process's (kill, timers): taken by any thread
        self.saved_mask: int | None = None  # mask to restore after rt_sigsuspend / ppoll
        self.ss_sp = 0
        self.ss_size = 0
        self.ss_flags = 0  # only SS_AUTODISARM is kept; the rest is computed (sas_ss_flags)
        self.timers = {
            ITIMER_REAL: Timer(clock),
            ITIMER_VIRTUAL: Timer(cpu_clock),
            ITIMER_PROF: Timer(cpu_clock),
        }
        self.armed = 0  # number of armed timers (fast path of deliver_pending)
        self.trace: Callable[[str], None] | None = None
        self.delivered = 0
        # A stop signal's default action: the process layer stops the process (job control);
        # without one, stop signals are ignored (a lone process has nobody to continue it).
        self.on_stop: Callable[[int], None] | None = None
        self.tramp = self._map_trampoline()

    def fork(self, aspace: AddressSpace, pid: int) -> Signals:
        """The child's signal state (fork): the same actions, mask and alternate stack, nothing
        pending, no timers (setitimer's are not inherited); the trampoline page is already in
        the copied address space."""
        child = copy.copy(self)
        child.aspace, child.cpu, child.pid = aspace, CpuState(aspace.mem), pid
        child.actions = dict(self.actions)
        child.pending, child.shared = {}, {}
        child.timers = {k: Timer(t.clock) for k, t in self.timers.items()}
        child.armed = 0
        child.delivered = 0
        child.on_stop = None
        return child

    def exec_reset(self, aspace: AddressSpace) -> Signals:
        """The signal state after execve: handled signals go back to SIG_DFL, ignored ones stay
        ignored, the mask and pending signals are kept, the alternate stack is dropped."""
        new = Signals(aspace, pid=self.pid, uid=self.uid, sleep=self.sleep, clock=self.clock)
        new.actions = {
            sig: SigAction(handler=SIG_IGN) for sig, a in self.actions.items()
            if a.handler == SIG_IGN
        }  # fmt: skip
        new.blocked = self.blocked
        new.pending, new.shared = dict(self.pending), dict(self.shared)
        new.timers = self.timers
        new.armed = self.armed
        return new

    def _map_trampoline(self) -> int:
        # Non-fixed with SIGTRAMP_ADDR as the hint: an ELF segment already there keeps its page.
        try:
            addr = self.aspace.map(SIGTRAMP_ADDR, PAGE, 1 | 4, fixed=False, name="[vdso]")
        except SyscallError:
            return 0
        self.aspace.load_write(addr, SIGTRAMP_CODE)
        return addr

    # --- actions and mask -----------------------------------------------------------------------

    def action(self, sig: int) -> SigAction:
        return self.actions.get(sig) or SigAction()

    def _ignored(self, sig: int) -> bool:
        h = self.action(sig).handler
        return h == SIG_IGN or (h == SIG_DFL and sig in IGNORED_BY_DEFAULT)

    def sigaction(self, sig: int, act: int, oact: int, size: int) -> int:
        if size != 8:
            return -E.EINVAL
        if not 1 <= sig <= NSIG or (act and sig in (Signal.SIGKILL, Signal.SIGSTOP)):
            return -E.EINVAL
        new = SigAction.unpack(self.aspace.read(act, 24)) if act else None
        old = self.action(sig)
        if new is not None:
            new.mask &= ~UNBLOCKABLE
            self.actions[sig] = new
            if self._ignored(sig):  # POSIX: setting an ignoring action discards the pending one
                self.pending.pop(sig, None)
                self.shared.pop(sig, None)
        if oact:
            self.aspace.write(oact, old.pack())
        return 0

    def sigprocmask(self, how: int, nset: int, oset: int, size: int) -> int:
        if size != 8:
            return -E.EINVAL
        old = self.blocked
        if nset:
            new = self.aspace.read_u64(nset) & ~UNBLOCKABLE
            if how == SIG_BLOCK:
                self.blocked |= new
            elif how == SIG_UNBLOCK:
                self.blocked &= ~new
            elif how == SIG_SETMASK:
                self.blocked = new
            else:
                return -E.EINVAL
        if oset:
            self.aspace.write_u64(oset, old)
        return 0

    def pending_mask(self) -> int:
        m = 0
        for sig in self.pending:
            m |= bit(sig)
        for sig in self.shared:
            m |= bit(sig)
        return m

    def sigpending(self, uset: int, size: int) -> int:
        if size > 8:
            return -E.EINVAL
        self.aspace.write(uset, (self.pending_mask() & self.blocked).to_bytes(8, "little")[:size])
        return 0

    # --- alternate stack ------------------------------------------------------------------------

    def on_sig_stack(self, sp: int) -> bool:
        if self.ss_flags & SS_AUTODISARM:
            return False
        return self.ss_sp < sp and sp - self.ss_sp <= self.ss_size

    def sas_ss_flags(self, sp: int) -> int:
        if not self.ss_size:
            return SS_DISABLE
        return SS_ONSTACK if self.on_sig_stack(sp) else 0

    def _set_altstack(self, raw: bytes, sp: int) -> int:
        ss_sp, flags, _pad, size = STACK_T.unpack(raw)
        if self.on_sig_stack(sp):
            return -E.EPERM
        mode = flags & ~SS_AUTODISARM & 0xFFFFFFFF
        if mode not in (0, SS_ONSTACK, SS_DISABLE):
            return -E.EINVAL
        if mode == SS_DISABLE:
            ss_sp, size = 0, 0
        elif size < MINSIGSTKSZ:
            return -E.ENOMEM
        self.ss_sp, self.ss_size, self.ss_flags = ss_sp, size, flags & SS_AUTODISARM
        return 0

    def _stack_t(self, sp: int) -> bytes:
        flags = self.sas_ss_flags(sp) | self.ss_flags
        return STACK_T.pack(self.ss_sp, _s32(flags), 0, self.ss_size)

    def sigaltstack(self, ss: int, old: int) -> int:
        sp = self.cpu.get_x(2)
        prev = self._stack_t(sp)
        if ss:
            r = self._set_altstack(self.aspace.read(ss, STACK_T.size), sp)
            if r:
                return r
        if old:
            self.aspace.write(old, prev)
        return 0

    # --- sending --------------------------------------------------------------------------------

    def send(
        self,
        sig: int,
        code: int = SI_USER,
        info: bytes | None = None,
        *,
        thread: bool = False,
        to: ThreadSignalState | None = None,
    ) -> int:
        """A signal the guest sends to itself (kill, rt_sigqueueinfo: the process; tkill,
        tgkill: ``thread`` = the running thread, or ``to`` = another thread's saved state).

        Unblocked with the default fatal action, the guest dies here (``GuestSignal``); with a
        handler, or blocked, it is left pending for `deliver_pending`."""
        if sig == 0:
            return 0
        blocked = self.blocked if to is None else to.blocked
        if self._ignored(sig) and not blocked & bit(sig):
            return 0  # a blocked signal is never ignored: its action may change before unblocking
        if info is None:
            info = siginfo(sig, code, pid=self.pid, uid=self.uid)
        if (
            not blocked & bit(sig)
            and self.action(sig).handler == SIG_DFL
            and sig not in STOP_SIGNALS
        ):
            raise GuestSignal(sig)
        if to is not None:
            to.pending.setdefault(sig, info)
        elif thread:
            self.pending.setdefault(sig, info)
        else:
            self.shared.setdefault(sig, info)
        return 0

    def post(self, sig: int, info: bytes) -> None:
        """A signal from the "kernel" (timers): pending for the process; its action is taken
        when delivered."""
        if not self._ignored(sig) or self.blocked & bit(sig):
            self.shared.setdefault(sig, info)

    # --- threads --------------------------------------------------------------------------------

    def save_thread(self) -> ThreadSignalState:
        """Take the running thread's part of the state out (a thread switch)."""
        return ThreadSignalState(
            self.blocked, self.saved_mask, self.ss_sp, self.ss_size, self.ss_flags, self.pending
        )

    def load_thread(self, st: ThreadSignalState) -> None:
        self.blocked, self.saved_mask = st.blocked, st.saved_mask
        self.ss_sp, self.ss_size, self.ss_flags = st.ss_sp, st.ss_size, st.ss_flags
        self.pending = st.pending

    def new_thread(self) -> ThreadSignalState:
        """A thread created by the running one: the same mask, nothing pending, no alternate
        stack (clone with CLONE_VM resets it)."""
        return ThreadSignalState(blocked=self.blocked)

    def interrupts(self, st: ThreadSignalState | None) -> bool:
        """A pending signal would run a handler or kill in this thread (None: the running one),
        waking it from a wait.  Ignored signals are dropped on the way."""
        if st is None:
            return self._interrupting()
        if not st.pending and not self.shared:
            return False
        return self._deliverable(st.blocked, st.pending)

    def poll_timers(self) -> None:
        if self.armed:
            self._poll_timers()

    def real_deadline(self) -> int | None:
        """When ITIMER_REAL next fires, on `clock` (None: not armed)."""
        return self.timers[ITIMER_REAL].deadline or None

    # --- timers ---------------------------------------------------------------------------------

    def _poll_timers(self) -> None:
        for which, t in self.timers.items():
            if not t.deadline:
                continue
            now = t.clock()
            if now < t.deadline:
                continue
            self.post(TIMER_SIGNALS[which], siginfo(TIMER_SIGNALS[which], SI_KERNEL))
            if t.interval:
                late = (now - t.deadline) % t.interval
                t.deadline = now + t.interval - late
            else:
                t.deadline = 0
                self.armed -= 1

    def _timer_value(self, t: Timer) -> bytes:
        left = max(1000, t.deadline - t.clock()) if t.deadline else 0
        return struct.pack(
            "<qqqq", t.interval // NS, t.interval % NS // 1000, left // NS, left % NS // 1000
        )

    def getitimer(self, which: int, cur: int) -> int:
        if which not in self.timers:
            return -E.EINVAL
        self.aspace.write(cur, self._timer_value(self.timers[which]))
        return 0

    def setitimer(self, which: int, new: int, old: int) -> int:
        if which not in self.timers:
            return -E.EINVAL
        t = self.timers[which]
        isec = iusec = vsec = vusec = 0  # a NULL new value disarms (as Linux still allows)
        if new:
            isec, iusec, vsec, vusec = struct.unpack("<qqqq", self.aspace.read(new, 32))
        if min(isec, vsec) < 0 or not (0 <= iusec < 1_000_000 and 0 <= vusec < 1_000_000):
            return -E.EINVAL
        prev = self._timer_value(t)
        if t.deadline:
            self.armed -= 1
        first = vsec * NS + vusec * 1000
        t.interval = isec * NS + iusec * 1000
        t.deadline = t.clock() + first if first else 0
        if t.deadline:
            self.armed += 1
        if old:
            self.aspace.write(old, prev)
        return 0

    # --- waiting --------------------------------------------------------------------------------

    def _interrupting(self) -> bool:
        """A pending unblocked signal will run a handler or kill (ignored ones are dropped)."""
        return self._deliverable(self.blocked, self.pending)

    def _deliverable(self, blocked: int, pending: dict[int, bytes]) -> bool:
        for where in (pending, self.shared):
            for sig in sorted(where):
                if blocked & bit(sig):
                    continue
                if self._ignored(sig):
                    del where[sig]
                    continue
                return True
        return False

    def wait(self, timeout_ns: int | None, until: Callable[[], bool] | None = None) -> bool:
        """Sleep until a signal interrupts (True), `until()` holds (True) or the timeout ends
        (False).  With no timeout and no armed real-time timer nothing can ever arrive: that is
        a deadlock, reported as an emulator error rather than hanging."""
        end = None if timeout_ns is None else self.clock() + max(0, timeout_ns)
        while True:
            self._poll_timers()
            if self._interrupting() or (until is not None and until()):
                return True
            real = self.timers[ITIMER_REAL].deadline or None
            now = self.clock()
            if end is not None and (real is None or end <= real):
                # a host's sleep returns true when cut short (Stop in the page): EINTR, so the
                # guest gets back to an exit where the host can stop it
                return bool(end > now and self.sleep((end - now) / NS))
            if real is None:
                raise EmulatorError("deadlock: the guest waits for a signal that nothing sends")
            if real > now and self.sleep((real - now) / NS):
                return True

    def suspend(self, mask_ptr: int, size: int) -> int:
        """rt_sigsuspend: wait with a temporary mask; the old one comes back through the frame
        of the handler that ends the wait (or at once if no handler runs)."""
        if size != 8:
            return -E.EINVAL
        mask = self.aspace.read_u64(mask_ptr) & ~UNBLOCKABLE
        self.saved_mask, self.blocked = self.blocked, mask
        self.wait(None)
        return -E.EINTR

    def wait_with_mask(self, mask_ptr: int, size: int, timeout_ns: int | None) -> int:
        """ppoll/pselect with no descriptors: a sleep, optionally under a temporary mask."""
        if mask_ptr:
            if size != 8:
                return -E.EINVAL
            mask = self.aspace.read_u64(mask_ptr) & ~UNBLOCKABLE
            self.saved_mask, self.blocked = self.blocked, mask
        if self.wait(timeout_ns):
            return -E.EINTR
        if self.saved_mask is not None:
            self.blocked, self.saved_mask = self.saved_mask, None
        return 0

    def timedwait(self, uset: int, uinfo: int, timeout_ns: int | None, size: int) -> int:
        """rt_sigtimedwait: take a pending signal of the set without running its handler."""
        if size != 8:
            return -E.EINVAL
        want = self.aspace.read_u64(uset) & ~UNBLOCKABLE

        def ready() -> bool:
            return any(bit(s) & want for s in self.pending) or any(
                bit(s) & want for s in self.shared
            )

        interrupted = ready() or self.wait(timeout_ns, ready)
        if not ready():
            return -E.EINTR if interrupted else -E.EAGAIN
        sig = min(s for s in (*self.pending, *self.shared) if bit(s) & want)
        info = self.pending.pop(sig) if sig in self.pending else self.shared.pop(sig)
        if uinfo:
            self.aspace.write(uinfo, info)
        return sig

    # --- delivery -------------------------------------------------------------------------------

    def deliver_pending(self) -> int | None:
        """At a return to guest code: fire due timers, then set up a frame for every pending
        unblocked signal with a handler (the last one set up runs first, as on Linux).  Returns
        the pc to run (a handler) or None; raises GuestSignal for a fatal default action."""
        if not self.pending and not self.shared and not self.armed and self.saved_mask is None:
            return None
        if self.armed:
            self._poll_timers()
        pc: int | None = None
        while True:
            ready = [s for s in sorted({*self.pending, *self.shared}) if not self.blocked & bit(s)]
            if not ready:
                break
            sig = ready[0]
            # the thread's own instance first, then the process's
            info = self.pending.pop(sig) if sig in self.pending else self.shared.pop(sig)
            if self._ignored(sig):
                continue
            act = self.action(sig)
            if act.handler == SIG_DFL and sig in STOP_SIGNALS:
                if self.on_stop is not None:
                    self.on_stop(sig)  # raises: the process stops here
                continue
            if act.handler == SIG_DFL:
                raise GuestSignal(sig)
            pc = self._setup_frame(sig, info, act)
        if self.saved_mask is not None:
            self.blocked, self.saved_mask = self.saved_mask, None
        return pc

    def fault(self, signo: int, pc: int, addr: int | None = None) -> int | None:
        """A synchronous fault at pc: the handler's pc, or None when the guest dies of it."""
        act = self.action(signo)
        if self.blocked & bit(signo) or act.handler in (SIG_DFL, SIG_IGN):
            return None  # force_sig_fault: a blocked or ignored fault takes the default action
        if signo == Signal.SIGSEGV:
            a = pc if addr is None else addr
            mapped = self.aspace.is_mapped(a)
            info = siginfo(signo, SEGV_ACCERR if mapped else SEGV_MAPERR, addr=a)
        elif signo == Signal.SIGBUS:
            info = siginfo(signo, BUS_ADRALN, addr=pc if addr is None else addr)
        elif signo == Signal.SIGILL:
            info = siginfo(signo, ILL_ILLOPC, addr=pc)
        elif signo == Signal.SIGTRAP:
            info = siginfo(signo, TRAP_BRKPT, addr=pc)
        else:
            info = siginfo(signo, SI_KERNEL, addr=pc)
        self.cpu.set_pc(pc)
        return self._setup_frame(signo, info, act)

    def _setup_frame(self, sig: int, info: bytes, act: SigAction) -> int:
        cpu = self.cpu
        regs = cpu.get_xregs()
        pc = cpu.get_pc()
        sp = int.from_bytes(regs[16:24], "little")
        # Linux saves the vector state once the thread has used V (status.VS not off): here,
        # once its vector state differs from the one it started with
        vector = not cpu.vector_initial()
        size = FRAME_SIZE_V if vector else FRAME_SIZE
        if self.on_sig_stack(sp) and not self.on_sig_stack(sp - size):
            self._bad_frame(sig)  # the alternate stack would overflow
        top = sp
        if act.flags & SA_ONSTACK and self.sas_ss_flags(sp) == 0:
            top = self.ss_sp + self.ss_size
        frame = ((top - size) & ~15) & MASK64
        mask = self.saved_mask if self.saved_mask is not None else self.blocked
        self.saved_mask = None
        f = bytearray(size)
        f[0:SIGINFO_SIZE] = info
        f[FRAME_STACK : FRAME_STACK + STACK_T.size] = self._stack_t(sp)
        struct.pack_into("<Q", f, FRAME_SIGMASK, mask)
        struct.pack_into("<Q", f, FRAME_GREGS, pc)
        f[FRAME_GREGS + 8 : FRAME_GREGS + 256] = regs[8:256]
        f[FRAME_FPREGS : FRAME_FPREGS + 256] = cpu.get_fregs()
        struct.pack_into("<I", f, FRAME_FCSR, cpu.get_fcsr())
        end = FRAME_EXT  # the END header (zeros) follows the records
        if vector:
            datap = FRAME_EXT + 8 + V_STATE.size
            struct.pack_into("<II", f, FRAME_EXT, RISCV_V_MAGIC, V_SC_SIZE)
            V_STATE.pack_into(f, FRAME_EXT + 8, *cpu.get_vcsrs(), abi.VLENB, frame + datap)
            f[datap : datap + V_REGS_SIZE] = cpu.get_vregs()
            end += V_SC_SIZE
        assert end + 8 <= size
        try:
            self.aspace.write(frame, f)
        except GuestFault:
            self._bad_frame(sig)
        if self.ss_flags & SS_AUTODISARM:
            self.ss_sp, self.ss_size, self.ss_flags = 0, 0, 0
        self.cpu.set_x(1, self.tramp)
        self.cpu.set_x(2, frame)
        self.cpu.set_x(10, sig)
        self.cpu.set_x(11, frame)
        self.cpu.set_x(12, frame + FRAME_UC)
        self.cpu.set_pc(act.handler)
        self.cpu.clear_reservation()
        self.blocked |= act.mask
        if not act.flags & SA_NODEFER:
            self.blocked |= bit(sig)
        self.blocked &= ~UNBLOCKABLE
        if act.flags & SA_RESETHAND:
            self.actions[sig] = SigAction(SIG_DFL, act.flags, act.mask)  # only the handler
        self.delivered += 1
        if self.trace is not None:
            self.trace(describe(info))
        return act.handler

    def _bad_frame(self, sig: int) -> None:
        # force_sigsegv: the frame cannot be written (no stack left): the guest dies of SIGSEGV
        if sig == Signal.SIGSEGV:
            self.actions[sig] = SigAction()
        raise GuestSignal(Signal.SIGSEGV)

    def sigreturn(self) -> int:
        """rt_sigreturn: restore registers, pc, fcsr, the mask and the alternate stack from the
        frame at sp.  Returns the restored a0 (the machine writes it back to a0)."""
        frame = self.cpu.get_x(2)
        try:
            f = self.aspace.read(frame, FRAME_SIZE)
        except GuestFault:
            raise GuestSignal(Signal.SIGSEGV) from None
        self.blocked = struct.unpack_from("<Q", f, FRAME_SIGMASK)[0] & ~UNBLOCKABLE
        pc = struct.unpack_from("<Q", f, FRAME_GREGS)[0]
        self.cpu.set_xregs(f[FRAME_GREGS : FRAME_GREGS + 256])  # (its x0 slot holds pc)
        self.cpu.set_fregs(f[FRAME_FPREGS : FRAME_FPREGS + 256])
        self.cpu.set_fcsr(struct.unpack_from("<I", f, FRAME_FCSR)[0])
        self.cpu.set_pc(pc)
        if not self._restore_extensions(frame, f):
            raise GuestSignal(Signal.SIGSEGV)  # restore_sigcontext's -EINVAL: a bad frame
        self.cpu.clear_reservation()
        # restore_altstack: errors other than a fault are ignored (e.g. EPERM while on it)
        self._set_altstack(f[FRAME_STACK : FRAME_STACK + STACK_T.size], self.cpu.get_x(2))
        return self.cpu.get_x(10)

    def _restore_extensions(self, frame: int, f: bytes) -> bool:
        """Walk the extension records after the fp state as Linux's restore_sigcontext does:
        the reserved word must be 0, a vector record must have the size Linux gives it and
        loads the vector state (the CSRs as ``vsetvl x0, vl, vtype`` then ``csrw vstart,
        vcsr`` leave them; the registers from where its datap points), the END header must
        have size 0 and any other magic is invalid.  False for an invalid chain."""
        if struct.unpack_from("<I", f, FRAME_EXT_RESERVED)[0]:
            return False
        at = frame + FRAME_EXT
        try:
            while True:
                magic, size = struct.unpack("<II", self.aspace.read(at, 8))
                if magic == END_MAGIC:
                    return size == 0
                if magic != RISCV_V_MAGIC or size != V_SC_SIZE:
                    return False
                vstart, vl, vtype, vcsr, _vlenb, datap = V_STATE.unpack(
                    self.aspace.read(at + 8, V_STATE.size)
                )
                regs = self.aspace.read(datap, V_REGS_SIZE)
                vtype, vl = vsetvl(vtype, vl)
                self.cpu.set_vcsrs(vstart & (abi.VLEN - 1), vl, vtype, vcsr & 7)
                self.cpu.set_vregs(regs)
                at += size
        except GuestFault:
            return False


def vsetvl(vtype: int, avl: int) -> tuple[int, int]:
    """(vtype, vl) after ``vsetvl`` with this vtype and AVL, as translate/emit_vector.py's
    vsetvl decides: vl = min(AVL, VLMAX) for a supported vtype, else (VTYPE_VILL, 0)."""
    sew, vlmul = vtype >> 3 & 7, vtype & 7
    ok = vtype >> 8 == 0 and sew <= 3 and vlmul != 4
    if vlmul > 4:  # fractional: 1/8..1/2
        ok = ok and abi.ELEN >> (8 - vlmul) >= 8 << sew
        vlmax = (abi.VLEN >> (8 - vlmul)) >> (sew + 3)
    else:
        vlmax = (abi.VLEN << vlmul) >> (sew + 3)
    return (vtype, min(avl, vlmax)) if ok else (abi.VTYPE_VILL, 0)


__all__ = ["FRAME_SIZE", "SIGNAL_NAMES", "SigAction", "Signals", "ThreadSignalState", "siginfo"]
