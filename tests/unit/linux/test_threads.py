"""Threads, futexes and the scheduler (py_backend/linux/threads.py) at the Linux-layer level.

`Guest` drives the Linux layer as the machine does: a system call's result goes to a0 in the CPU
state area, then, if the call blocked, ended or yielded the thread, `Threads.schedule()` switches
the CPU state area to the next thread.  Time is a fake clock that `sleep` advances.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from doubles import NoInput, Sink

from py_backend import abi
from py_backend.linux import errors as E
from py_backend.linux import signals as S
from py_backend.linux import threads as T
from py_backend.linux.errors import EmulatorError, GuestExit, GuestSignal
from py_backend.linux.mm import STACK_TOP, AddressSpace
from py_backend.linux.syscalls import Linux
from py_backend.memory import anonymous_memory

M64 = (1 << 64) - 1
PID = 1000
BUF = 0x200000
STACK = STACK_TOP - 0x10000
NS = 1_000_000_000
REALTIME_OFFSET = 1_700_000_000 * NS
GLIBC_FLAGS = 0x3D0F00  # VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID
F1, F2, CT = BUF + 0x100, BUF + 0x200, BUF + 0x300
WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAKE_OP = 0x80, 0x81, 0x83, 0x84, 0x85  # _PRIVATE
WAIT_BITSET, WAKE_BITSET = 0x89, 0x8A
CLOCK_RT = 0x100
SYS_EXIT, SYS_EXIT_GROUP, SYS_FUTEX, SYS_YIELD, SYS_CLONE, SYS_GETTID = 93, 94, 98, 124, 220, 178
USR1, USR2 = 10, 12
HANDLER = 0x12340
HELLO_THREADS = Path(__file__).resolve().parents[3] / "guests" / "bin" / "threads.elf"


class Clock:
    def __init__(self) -> None:
        self.now = 1000 * NS
        self.slept: list[float] = []
        self.cut_short = False

    def __call__(self) -> int:
        return self.now

    def sleep(self, seconds: float) -> bool:
        self.slept.append(seconds)
        if self.cut_short:
            return True
        self.now += round(seconds * NS)
        return False


class Guest:
    def __init__(self) -> None:
        self.mem = anonymous_memory()
        self.a = AddressSpace(self.mem)
        self.a.set_brk_start(0x100000)
        self.a.map(BUF, 16 * 4096, 3, fixed=True)
        self.a.map(STACK, 0x10000, 3, fixed=True)
        self.clock = Clock()
        self.unknown: list[int] = []
        self.k = Linux(
            self.a,
            ["p"],
            [],
            None,
            Sink(),
            Sink(),
            pid=PID,
            sleep=self.clock.sleep,
            on_unknown_syscall=self.unknown.append,
        )
        self.k.signals = S.Signals(
            self.a, pid=PID, uid=0, sleep=self.clock.sleep, clock=self.clock, cpu_clock=self.clock
        )
        self.t = self.k.threads
        self.t.realtime = lambda: self.clock.now + REALTIME_OFFSET
        for r in range(1, 32):
            self.set_x(r, 0x1111_0000_0000_0000 + r)
        self.set_x(2, STACK_TOP - 0x1000)
        self.set_pc(0x10000)

    def __call__(self, nr: int, *args: int) -> int:
        """One system call as the machine makes it: a0 = result, then the switch point."""
        ret = self.k.syscall(nr, tuple(a & M64 for a in args))
        self.set_x(10, ret)
        if self.t.need_switch:
            self.t.schedule()
        return ret

    def x(self, r: int) -> int:
        return int(struct.unpack("<Q", self.mem.read(abi.x_addr(r), 8))[0])

    def a0(self) -> int:
        v = self.x(10)
        return v - (1 << 64) if v >> 63 else v

    def set_x(self, r: int, v: int) -> None:
        self.mem.write(abi.x_addr(r), struct.pack("<Q", v & M64))

    def pc(self) -> int:
        return int(struct.unpack("<Q", self.mem.read(abi.CPU_PC, 8))[0])

    def set_pc(self, v: int) -> None:
        self.mem.write(abi.CPU_PC, struct.pack("<Q", v))

    def spawn(self, n: int = 1, flags: int = GLIBC_FLAGS) -> list[int]:
        tids = []
        for k in range(n):
            sp = STACK + 0x1000 * (k + 1)
            tids.append(self(SYS_CLONE, flags, sp, F1 + 0x400 + 8 * k, 0x7000 + k, CT + 8 * k))
        return tids

    def ts(self, at: int, ns: int) -> int:
        self.a.write(at, struct.pack("<qq", ns // NS, ns % NS))
        return at


def bit(sig: int) -> int:
    return 1 << (sig - 1)


# --- clone -------------------------------------------------------------------------------------


def test_clone_copies_registers_with_sp_tp_a0_and_writes_the_tids() -> None:
    g = Guest()
    regs = g.mem.read(abi.CPU_X, 256)
    g.mem.write(abi.CPU_RES_VALID, struct.pack("<I", 1))
    tid = g(SYS_CLONE, GLIBC_FLAGS, STACK + 0x800, BUF + 0x40, 0xABC0, BUF + 0x48)
    assert tid == PID + 1 and g.t.alive == 2 and g.t.tid == PID
    assert g.a.read_u32(BUF + 0x40) == tid  # CLONE_PARENT_SETTID
    assert g.a.read_u32(BUF + 0x48) == 0  # CHILD_SETTID not asked for
    assert g.t.by_tid[tid].clear_child_tid == BUF + 0x48
    assert g.x(10) == tid and g.pc() == 0x10000  # the parent goes on (pc advanced by the caller)
    assert g(SYS_YIELD) == 0 and g.t.tid == tid  # the child runs next
    child = g.mem.read(abi.CPU_X, 256)
    for r in range(32):
        want = {2: STACK + 0x800, 4: 0xABC0, 10: 0}.get(r, regs[8 * r : 8 * r + 8])
        got = child[8 * r : 8 * r + 8]
        assert got == (want if isinstance(want, bytes) else struct.pack("<Q", want)), r
    assert g.pc() == 0x10000 and g.mem.read(abi.CPU_RES_VALID, 4) == bytes(4)
    assert g(SYS_GETTID) == tid and g(172) == PID  # gettid / getpid
    assert g(96, BUF + 0x50) == tid  # set_tid_address is per thread
    assert g.t.current.clear_child_tid == BUF + 0x50
    g.set_x(5, 0x5555)
    assert g(SYS_YIELD) == 0 and g.t.tid == PID  # back: the parent's registers, a0 = 0 (yield)
    assert g.x(5) == 0x1111_0000_0000_0005 and g.x(2) == STACK_TOP - 0x1000 and g.a0() == 0
    assert g(SYS_GETTID) == PID and g.t.current.clear_child_tid == 0


def test_clone_flag_checks_fork_and_clone3() -> None:
    g = Guest()
    assert g(SYS_CLONE, 17, 0, 0, 0, 0) == -E.ENOSYS  # fork: not supported, as before
    assert g.unknown == [SYS_CLONE]
    assert g(SYS_CLONE, 0x4000 | 0x100 | 17, 0, 0, 0, 0) == -E.ENOSYS  # vfork
    assert g(SYS_CLONE, T.CLONE_VM | T.CLONE_THREAD, 0, 0, 0, 0) == -E.EINVAL  # no SIGHAND
    assert g(SYS_CLONE, T.CLONE_SIGHAND, 0, 0, 0, 0) == -E.EINVAL  # SIGHAND without VM
    assert g(SYS_CLONE, GLIBC_FLAGS | 0x20000, STACK, 0, 0, 0) == -E.EINVAL  # CLONE_NEWNS
    assert g(435, BUF, 88) == -E.ENOSYS and g.unknown == [SYS_CLONE]  # clone3: quietly
    assert g.t.alive == 1
    flags = GLIBC_FLAGS | T.CLONE_CHILD_SETTID
    tid = g(SYS_CLONE, flags, STACK + 0x100, 0, 0, BUF + 0x60)  # NULL parent_tid: no write
    assert tid == PID + 1 and g.a.read_u32(BUF + 0x60) == tid


def test_round_robin_in_creation_order_and_preemption() -> None:
    g = Guest()
    kids = g.spawn(3)
    seen = []
    for _ in range(8):
        g(SYS_YIELD)
        seen.append(g.t.tid)
    assert seen == [*kids, PID, *kids, PID][:8]
    g.t.schedule(preempt=True)  # a budget exit with others runnable: the next one
    assert g.t.tid == kids[0]
    assert g.t.switches == 9


# --- futex ---------------------------------------------------------------------------------------


def block_all(g: Guest, kids: list[int], uaddr: int, op: int = WAIT, val3: int = 0) -> None:
    """Each child in turn waits on uaddr (value 0); the parent runs again at the end."""
    g.a.write_u32(uaddr, 0)
    g(SYS_YIELD)
    for k in kids:
        assert g.t.tid == k
        bits = val3 if op == WAIT else val3 or 0xFFFFFFFF
        assert g(SYS_FUTEX, uaddr, op, 0, 0, 0, bits) == 0  # blocked
        assert g.t.by_tid[k].wait is not None
    assert g.t.tid == PID


def test_futex_wait_wake_counts_and_results() -> None:
    g = Guest()
    kids = g.spawn(3)
    g.a.write_u32(F1, 7)
    assert g(SYS_FUTEX, F1, WAIT, 6, 0) == -E.EAGAIN  # value changed: no wait
    assert g(SYS_FUTEX, F1 + 2, WAIT, 7, 0) == -E.EINVAL  # misaligned
    assert g(SYS_FUTEX, 0x1000, WAIT, 7, 0) == -E.EFAULT
    block_all(g, kids, F1)
    assert g.t.waiting == 3 and len(g.t.queues[F1]) == 3
    assert g(SYS_FUTEX, F2, WAKE, 10) == 0  # nobody there
    assert g(SYS_FUTEX, F1, WAKE, 2) == 2  # FIFO: the first two
    assert [g.t.by_tid[k].wait is None for k in kids] == [True, True, False]
    assert g(SYS_YIELD) == 0 and g.t.tid == kids[0] and g.a0() == 0  # woken: futex returns 0
    assert g(SYS_YIELD) == 0 and g.t.tid == kids[1] and g.a0() == 0
    assert g(SYS_YIELD) == 0 and g.t.tid == PID  # kids[2] still waits
    assert g(SYS_FUTEX, F1, WAKE | 0x100, 1) == -E.ENOSYS  # CLOCK_REALTIME only with waits
    assert g(SYS_FUTEX, F1, 1, 0x7FFFFFFF) == 1 and g(SYS_FUTEX, F1, WAKE, 5) == 0
    assert g.t.waiting == 0 and F1 not in g.t.queues


def test_futex_bitsets() -> None:
    g = Guest()
    kids = g.spawn(2)
    g.a.write_u32(F1, 0)
    g(SYS_YIELD)
    assert g(SYS_FUTEX, F1, WAIT_BITSET, 0, 0, 0, 0b01) == 0
    assert g(SYS_FUTEX, F1, WAIT_BITSET, 0, 0, 0, 0b10) == 0
    assert g.t.tid == PID
    assert g(SYS_FUTEX, F1, WAIT_BITSET, 0, 0, 0, 0) == -E.EINVAL  # an empty bitset
    assert g(SYS_FUTEX, F1, WAKE_BITSET, 5, 0, 0, 0) == -E.EINVAL
    assert g(SYS_FUTEX, F1, WAKE_BITSET, 5, 0, 0, 0b100) == 0
    assert g(SYS_FUTEX, F1, WAKE_BITSET, 5, 0, 0, 0b10) == 1
    assert g.t.by_tid[kids[0]].wait is not None and g.t.by_tid[kids[1]].wait is None
    assert g(SYS_FUTEX, F1, WAKE, 5) == 1  # plain wake: every bitset


def test_futex_requeue_and_cmp_requeue() -> None:
    g = Guest()
    kids = g.spawn(4)
    block_all(g, kids, F1)
    g.a.write_u32(F1, 3)
    assert g(SYS_FUTEX, F1, CMP_REQUEUE, 1, 2, F2, 4) == -E.EAGAIN  # *uaddr != val3
    assert g(SYS_FUTEX, F1, CMP_REQUEUE, 1, -1, F2, 3) == -E.EINVAL
    assert g(SYS_FUTEX, F1, CMP_REQUEUE, 1, 2, F2, 3) == 3  # 1 woken + 2 moved
    assert [t.tid for t in g.t.queues[F2]] == kids[1:3] and [t.tid for t in g.t.queues[F1]] == [
        kids[3]
    ]
    assert g(SYS_FUTEX, F1, REQUEUE, 0, 5, F2) == 1  # the last one moves too
    assert g(SYS_FUTEX, F1, WAKE, 9) == 0 and g(SYS_FUTEX, F2, WAKE, 9) == 3


def test_futex_wake_op() -> None:
    g = Guest()
    kids = g.spawn(2)
    g.a.write_u32(F1, 0)
    g.a.write_u32(F2, 0)
    g(SYS_YIELD)
    g(SYS_FUTEX, F1, WAIT, 0, 0)
    g(SYS_FUTEX, F2, WAIT, 0, 0)
    assert g.t.tid == PID
    g.a.write_u32(F2, 5)
    add1_if_gt0 = 1 << 28 | 4 << 24 | 1 << 12 | 0  # FUTEX_OP(ADD, 1, CMP_GT, 0)
    assert g(SYS_FUTEX, F1, WAKE_OP, 1, 1, F2, add1_if_gt0) == 2
    assert g.a.read_u32(F2) == 6 and g.t.waiting == 0
    g.spawn(1)
    set9_if_eq0 = 0 << 28 | 0 << 24 | 9 << 12 | 0  # old 6 != 0: only uaddr's waiters
    assert g(SYS_FUTEX, F1, WAKE_OP, 1, 1, F2, set9_if_eq0) == 0 and g.a.read_u32(F2) == 9
    assert kids


def test_futex_timeouts_relative_absolute_and_realtime() -> None:
    g = Guest()
    g.a.write_u32(F1, 0)
    # one thread, relative timeout: the scheduler sleeps until it ends, then -ETIMEDOUT
    assert g(SYS_FUTEX, F1, WAIT, 0, g.ts(BUF, 5_000_000)) == 0
    assert g.a0() == -E.ETIMEDOUT and g.clock.slept == [0.005] and g.t.waiting == 0
    # absolute on CLOCK_MONOTONIC (WAIT_BITSET): in the past -> at once; else until then
    assert g(SYS_FUTEX, F1, WAIT_BITSET, 0, g.ts(BUF, g.clock.now - 1), 0, ~0) == -E.ETIMEDOUT
    g(SYS_FUTEX, F1, WAIT_BITSET, 0, g.ts(BUF, g.clock.now + 2_000_000), 0, ~0)
    assert g.a0() == -E.ETIMEDOUT and g.clock.slept[-1] == 0.002
    # absolute on CLOCK_REALTIME
    at = g.clock.now + REALTIME_OFFSET + 3_000_000
    g(SYS_FUTEX, F1, WAIT_BITSET | CLOCK_RT, 0, g.ts(BUF, at), 0, ~0)
    assert g.a0() == -E.ETIMEDOUT and g.clock.slept[-1] == 0.003
    g.a.write(BUF, struct.pack("<qq", 0, NS))
    assert g(SYS_FUTEX, F1, WAIT, 0, BUF) == -E.EINVAL  # tv_nsec out of range
    assert g(SYS_FUTEX, F1, WAIT, 0, 0x1000) == -E.EFAULT


def test_a_wake_before_the_timeout_returns_zero_and_the_earliest_timeout_goes_first() -> None:
    g = Guest()
    kids = g.spawn(2)
    g.a.write_u32(F1, 0)
    g(SYS_YIELD)
    g(SYS_FUTEX, F1, WAIT, 0, g.ts(BUF, 50_000_000))  # kids[0]: 50 ms
    g(SYS_FUTEX, F1, WAIT, 0, g.ts(BUF, 20_000_000))  # kids[1]: 20 ms
    assert g.t.tid == PID
    g(SYS_FUTEX, F2, WAIT, 0, 0)  # the parent waits with no timeout: everybody is blocked
    assert g.t.tid == kids[1] and g.a0() == -E.ETIMEDOUT and g.clock.slept == [0.02]
    assert g(SYS_FUTEX, F2, WAKE, 1) == 1
    g(SYS_EXIT, 0)
    assert g.t.tid == PID and g.a0() == 0 and g.t.alive == 2  # woken by the wake: 0


def test_deadlock_is_reported_not_hung() -> None:
    g = Guest()
    g.spawn(1)
    g.a.write_u32(F1, 0)
    g(SYS_FUTEX, F1, WAIT, 0, 0)  # the parent waits; the child runs
    with pytest.raises(EmulatorError, match=r"deadlock: all 2 guest thread\(s\) are blocked"):
        g(SYS_FUTEX, F1, WAIT, 0, 0)


def test_sleep_cut_short_by_the_host_interrupts_the_earliest_waiter() -> None:
    g = Guest()
    g.a.write_u32(F1, 0)
    g.clock.cut_short = True
    g(SYS_FUTEX, F1, WAIT, 0, g.ts(BUF, 9 * NS))
    assert g.a0() == -E.EINTR and g.t.waiting == 0


# --- exit ---------------------------------------------------------------------------------------


def test_exit_clears_child_tid_wakes_the_joiner_and_the_last_exit_ends_the_process() -> None:
    g = Guest()
    (kid,) = g.spawn(1)
    assert g.a.read_u32(CT) == 0
    g.a.write_u32(CT, kid)  # glibc: pd->tid, written by CLONE_PARENT_SETTID at the same place
    g(SYS_FUTEX, CT, 0, kid, 0)  # pthread_join: wait while tid != 0 (shared futex)
    assert g.t.tid == kid
    assert g(SYS_EXIT, 5) == 0  # a thread's exit: no process exit
    assert g.a.read_u32(CT) == 0 and g.t.tid == PID and g.a0() == 0 and g.t.alive == 1
    assert kid not in g.t.by_tid
    with pytest.raises(GuestExit) as e:
        g(SYS_EXIT, 3)
    assert e.value.status == 3


def test_main_thread_may_exit_first_and_exit_group_ends_all() -> None:
    g = Guest()
    kids = g.spawn(2)
    g(SYS_EXIT, 0)
    assert g.t.tid == kids[0] and g.t.alive == 2
    assert g(SYS_GETTID) == kids[0] and g(172) == PID
    with pytest.raises(GuestExit) as e:
        g(SYS_EXIT_GROUP, 9)
    assert e.value.status == 9


def test_robust_list_owner_died_on_exit() -> None:
    g = Guest()
    (kid,) = g.spawn(1)
    g(SYS_YIELD)
    head, entry, off = BUF + 0x800, BUF + 0x840, 0x20
    g.a.write(head, struct.pack("<QqQ", entry, off, 0))
    g.a.write_u64(entry, head)  # one entry, its futex word at entry + off
    g.a.write_u32(entry + off, kid | T.FUTEX_WAITERS)
    assert g(99, head, 24) == 0 and g(99, head, 16) == -E.EINVAL
    g(SYS_EXIT, 0)
    assert g.a.read_u32(entry + off) == T.FUTEX_WAITERS | T.FUTEX_OWNER_DIED


def test_pi_futex_hands_the_lock_to_the_first_waiter() -> None:
    g = Guest()
    (kid,) = g.spawn(1)
    lock_pi, unlock_pi, trylock_pi = 0x86, 0x87, 0x88
    g.a.write_u32(F1, 0)
    assert g(SYS_FUTEX, F1, lock_pi, 0, 0) == 0 and g.a.read_u32(F1) == PID
    assert g(SYS_FUTEX, F1, lock_pi, 0, 0) == -E.EDEADLK
    g(SYS_YIELD)
    assert g(SYS_FUTEX, F1, trylock_pi, 0, 0) == -E.EAGAIN
    assert g(SYS_FUTEX, F1, unlock_pi, 0, 0) == -E.EPERM
    g(SYS_FUTEX, F1, lock_pi, 0, 0)  # blocks
    assert g.t.tid == PID and g.a.read_u32(F1) == PID | T.FUTEX_WAITERS
    assert g(SYS_FUTEX, F1, unlock_pi, 0, 0) == 0 and g.a.read_u32(F1) == kid
    g(SYS_YIELD)
    assert g.t.tid == kid and g.a0() == 0
    assert g(SYS_FUTEX, F1, unlock_pi, 0, 0) == 0 and g.a.read_u32(F1) == 0


# --- sleeping and signals -----------------------------------------------------------------------


def test_nanosleep_blocks_only_the_calling_thread() -> None:
    g = Guest()
    (kid,) = g.spawn(1)
    g(SYS_YIELD)
    assert g(101, g.ts(BUF, 10_000_000), 0) == 0  # the child sleeps 10 ms...
    assert g.t.tid == PID and g.clock.slept == []  # ...and the parent runs meanwhile
    g.a.write_u32(F1, 0)
    g(SYS_FUTEX, F1, WAIT, 0, g.ts(BUF, NS))  # now nobody can run: sleep until the earliest
    assert g.clock.slept == [0.01] and g.t.tid == kid and g.a0() == 0


def test_per_thread_masks_and_tgkill_to_a_waiting_thread() -> None:
    g = Guest()
    g.a.write(BUF, struct.pack("<QQQ", HANDLER, S.SA_SIGINFO, 0))
    assert g(134, USR1, BUF, 0, 8) == 0
    g.a.write_u64(BUF + 64, bit(USR2))
    assert g(135, S.SIG_BLOCK, BUF + 64, 0, 8) == 0
    (kid,) = g.spawn(1)
    g(SYS_YIELD)
    assert g.k.signals.blocked == bit(USR2)  # inherited
    g.a.write_u64(BUF + 72, bit(USR1))
    assert g(135, S.SIG_SETMASK, BUF + 72, 0, 8) == 0
    g.a.write_u32(F1, 0)
    g(SYS_FUTEX, F1, WAIT, 0, 0)  # the child waits with USR1 blocked
    assert g.t.tid == PID and g.k.signals.blocked == bit(USR2)  # the parent's own mask
    assert g(131, PID, kid, USR1) == 0  # tgkill: blocked there -> pending, still waiting
    assert g.t.by_tid[kid].wait is not None and USR1 in g.t.by_tid[kid].sig.pending
    assert g.k.signals.deliver_pending() is None  # not the parent's
    assert g(131, PID, kid + 7, USR1) == -E.ESRCH and g(131, PID + 1, kid, USR1) == -E.ESRCH
    g(SYS_FUTEX, F2, WAIT, 0, g.ts(BUF, NS))  # the parent waits 1 s: nothing interrupts the child
    assert g.t.tid == PID and g.a0() == -E.ETIMEDOUT and g.t.by_tid[kid].wait is not None


def test_tkill_wakes_a_waiting_thread_with_eintr_and_the_handler_runs_there() -> None:
    g = Guest()
    g.a.write(BUF, struct.pack("<QQQ", HANDLER, S.SA_SIGINFO, 0))
    assert g(134, USR1, BUF, 0, 8) == 0
    (kid,) = g.spawn(1)
    g(SYS_YIELD)
    g.a.write_u32(F1, 0)
    g(SYS_FUTEX, F1, WAIT, 0, 0)
    assert g.t.tid == PID
    assert g(130, kid, USR1) == 0 and g.t.by_tid[kid].wait is None
    g(SYS_YIELD)
    assert g.t.tid == kid and g.a0() == -E.EINTR
    assert g.k.signals.deliver_pending() == HANDLER  # in the child's frame
    assert g.x(10) == USR1
    with pytest.raises(GuestSignal):  # default action, unblocked in the target: all die
        g(130, PID, USR2)


def test_process_signal_wakes_a_thread_that_does_not_block_it() -> None:
    g = Guest()
    g.a.write(BUF, struct.pack("<QQQ", HANDLER, S.SA_SIGINFO, 0))
    assert g(134, USR1, BUF, 0, 8) == 0
    g.a.write_u64(BUF + 64, bit(USR1))
    assert g(135, S.SIG_BLOCK, BUF + 64, 0, 8) == 0  # the parent blocks USR1
    (kid,) = g.spawn(1)
    g(SYS_YIELD)
    assert g(135, S.SIG_UNBLOCK, BUF + 64, 0, 8) == 0  # the child does not
    g.a.write_u32(F1, 0)
    g(SYS_FUTEX, F1, WAIT, 0, 0)
    assert g(129, PID, USR1) == 0 and g.k.signals.deliver_pending() is None  # parent blocks it
    g(SYS_FUTEX, F2, WAIT, 0, 0)  # the parent waits: the child is interrupted and takes it
    assert g.t.tid == kid and g.a0() == -E.EINTR
    assert g.k.signals.deliver_pending() == HANDLER


def test_sigsuspend_in_a_thread_waits_for_a_signal() -> None:
    g = Guest()
    g.a.write(BUF, struct.pack("<QQQ", HANDLER, S.SA_SIGINFO, 0))
    assert g(134, USR1, BUF, 0, 8) == 0
    (kid,) = g.spawn(1)
    g(SYS_YIELD)
    g.a.write_u64(BUF + 64, bit(USR2))
    assert g(133, BUF + 64, 8) == 0 and g.t.tid == PID  # the child is suspended
    assert g(131, PID, kid, USR1) == 0
    g(SYS_YIELD)
    assert g.t.tid == kid and g.a0() == -E.EINTR and g.k.signals.blocked == bit(USR2)
    assert g.k.signals.deliver_pending() == HANDLER
    assert g.k.signals.blocked == bit(USR1) | bit(USR2)  # the handler's mask over the temporary


# --- the machine ------------------------------------------------------------------------------


def test_machine_runs_threads_and_prefixes_strace_with_the_tid() -> None:
    from py_backend.host.native import NativeHost
    from py_backend.machine import Machine

    lines: list[str] = []
    out = Sink()
    host = NativeHost()
    m = Machine(
        host.raw,
        HELLO_THREADS.read_bytes(),
        ["threads", "exit"],
        [],
        stdin=NoInput(),
        stdout=out,
        stderr=Sink(),
        strace=lines.append,
    )
    action = host.run(m)
    assert action.kind == "exit" and action.status == 3
    assert bytes(out.data) == b"main: starting\nexiter: calling exit(3)\n"
    assert any(line.startswith("[tid 1001] ") for line in lines)
    assert any(
        line.startswith("[tid 1000] futex(") and "<unfinished ...>" in line for line in lines
    )
    assert not lines[0].startswith("[tid")  # one thread: no prefix
    st = m.stats()
    assert st["threads_created"] == 3 and st["thread_switches"] > 0
