"""System calls about the calling task: thread exit, tid, futexes, robust lists, scheduling,
identity (pid, uid, groups, uname), prctl, resource limits, sysinfo, getrandom."""

from __future__ import annotations

import os
import struct
import time

from .. import abi
from . import errors as E
from .base import (
    MAX_FDS,
    LinuxBase,
)
from .dispatch import s32, syscall_nr
from .errors import (
    GuestExit,
)
from .sysnr import Nr

UTSNAME_FIELD = 65
# prctl: the vector unit's control (Linux's uapi linux/prctl.h)
PR_RISCV_V_SET_CONTROL, PR_RISCV_V_GET_CONTROL = 69, 70
PR_RISCV_V_VSTATE_CTRL_CUR_MASK = 0x3
PR_RISCV_V_VSTATE_CTRL_NEXT_MASK = 0xC
PR_RISCV_V_VSTATE_CTRL_MASK = 0x1F


class TaskCalls(LinuxBase):
    """The task calls."""

    @syscall_nr(Nr.rseq)
    def sys_rseq(self, *_: int) -> int:
        return -E.ENOSYS

    @syscall_nr(Nr.exit)
    def sys_exit(self, status: int, *_: int) -> int:
        return self.threads.exit_thread(status)  # the last thread's exit ends the process

    @syscall_nr(Nr.exit_group)
    def sys_exit_group(self, status: int, *_: int) -> int:
        raise GuestExit(status & 0xFF)

    @syscall_nr(Nr.clone3)
    def sys_clone3(self, *_: int) -> int:
        return -E.ENOSYS  # as qemu-riscv64 7.2: glibc falls back to clone

    @syscall_nr(Nr.set_tid_address)
    def sys_set_tid_address(self, ptr: int, *_: int) -> int:
        self.threads.current.clear_child_tid = ptr
        return self.threads.tid

    @syscall_nr(Nr.set_robust_list)
    def sys_set_robust_list(self, head: int, length: int, *_: int) -> int:
        if length != 24:
            return -E.EINVAL
        self.threads.current.robust_list = head
        return 0

    @syscall_nr(Nr.get_robust_list)
    def sys_get_robust_list(self, tid: int, head_ptr: int, len_ptr: int, *_: int) -> int:
        t = self.threads.by_tid.get(s32(tid)) if s32(tid) else self.threads.current
        if t is None:
            return -E.ESRCH
        self.aspace.write_u64(head_ptr, t.robust_list)
        self.aspace.write_u64(len_ptr, 24)
        return 0

    @syscall_nr(Nr.gettid)
    def sys_gettid(self, *_: int) -> int:
        return self.threads.tid

    @syscall_nr(Nr.getpid)
    def sys_getpid(self, *_: int) -> int:
        return self.pid

    @syscall_nr(Nr.getuid, Nr.geteuid)
    def sys_getuid(self, *_: int) -> int:
        return self.uid

    @syscall_nr(Nr.getgid, Nr.getegid)
    def sys_getgid(self, *_: int) -> int:
        return self.gid

    # setfsuid/setfsgid "return the previous filesystem user/group ID" and never fail; the guest
    # has one identity, so it stays (glibc's readline start-up calls them: python3 -i, lua -i).
    @syscall_nr(Nr.setfsuid)
    def sys_setfsuid(self, *_: int) -> int:
        return self.uid

    @syscall_nr(Nr.setfsgid)
    def sys_setfsgid(self, *_: int) -> int:
        return self.gid

    @syscall_nr(Nr.getgroups)
    def sys_getgroups(self, size: int, lst: int, *_: int) -> int:
        if s32(size) < 0:
            return -E.EINVAL
        return 0

    @syscall_nr(Nr.uname)
    def sys_uname(self, buf: int, *_: int) -> int:
        fields = [
            "Linux",
            self.hostname,
            self.release,
            "#1 SMP PREEMPT_DYNAMIC",
            "riscv64",
            "(none)",
        ]
        raw = b"".join(f.encode()[:64].ljust(UTSNAME_FIELD, b"\0") for f in fields)
        self.aspace.write(buf, raw)
        return 0

    @syscall_nr(Nr.prctl)
    def sys_prctl(self, option: int, arg2: int, *_: int) -> int:
        option = s32(option)
        if option == 15:  # PR_SET_NAME (of the calling thread)
            self.threads.current.name = self.aspace.read_cstr(arg2, 4096)[:15]
            return 0
        if option == 16:  # PR_GET_NAME
            self.aspace.write(arg2, self.threads.current.name.ljust(16, b"\0"))
            return 0
        if option == 38:  # PR_SET_NO_NEW_PRIVS
            return 0
        if option == 39:  # PR_GET_NO_NEW_PRIVS
            return 0
        if option == 4:  # PR_SET_DUMPABLE
            return 0
        if option == 3:  # PR_GET_DUMPABLE
            return 1
        if option in (PR_RISCV_V_SET_CONTROL, PR_RISCV_V_GET_CONTROL):
            return self._riscv_v_control(option, arg2)
        return -E.EINVAL

    def _riscv_v_control(self, option: int, arg: int) -> int:
        """PR_RISCV_V_GET_CONTROL / PR_RISCV_V_SET_CONTROL as Linux's arch/riscv/kernel/
        vector.c answers them, on the calling thread's control (abi.CPU_VCTRL): EINVAL without
        V (while it is not advertised); turning V off is EPERM once the thread has used it; the
        "next" setting takes effect at execve (cpu.vctrl_init); fork and clone copy it all."""
        from .sys_extra import implemented_extensions

        if "V" not in implemented_extensions():
            return -E.EINVAL
        cpu = self.signals.cpu
        ctrl = cpu.get_vctrl()
        if option == PR_RISCV_V_GET_CONTROL:
            return ctrl & PR_RISCV_V_VSTATE_CTRL_MASK
        if arg & ~PR_RISCV_V_VSTATE_CTRL_MASK:
            return -E.EINVAL
        cur = arg & PR_RISCV_V_VSTATE_CTRL_CUR_MASK
        if cur == abi.VCTRL_OFF:
            if ctrl & PR_RISCV_V_VSTATE_CTRL_CUR_MASK != abi.VCTRL_OFF and not cpu.vector_initial():
                return -E.EPERM
        elif cur == abi.VCTRL_DEFAULT:
            cur = ctrl & PR_RISCV_V_VSTATE_CTRL_CUR_MASK
        elif cur != abi.VCTRL_ON:
            return -E.EINVAL
        nxt = (arg & PR_RISCV_V_VSTATE_CTRL_NEXT_MASK) >> 2
        if nxt == 3:
            return -E.EINVAL
        cpu.set_vctrl(cur | nxt << 2 | arg & abi.VCTRL_INHERIT)
        return 0

    @syscall_nr(Nr.prlimit64)
    def sys_prlimit64(self, pid: int, res: int, new: int, old: int, *_: int) -> int:
        if s32(pid) not in (0, self.pid):
            return -E.ESRCH
        if res >= 16:
            return -E.EINVAL
        lim = None
        if new:
            lim = struct.unpack("<QQ", self.aspace.read(new, 16))
            if lim[0] > lim[1]:
                return -E.EINVAL
        if old:
            self.aspace.write(old, struct.pack("<QQ", *self.rlimits[res]))
        if lim is not None:
            if res == 7 and lim[0] > MAX_FDS:
                return -E.EPERM
            self.rlimits[res] = (lim[0], lim[1])
        return 0

    @syscall_nr(Nr.getrlimit)
    def sys_getrlimit(self, res: int, buf: int, *_: int) -> int:
        return self.sys_prlimit64(0, res, 0, buf)

    @syscall_nr(Nr.setrlimit)
    def sys_setrlimit(self, res: int, buf: int, *_: int) -> int:
        return self.sys_prlimit64(0, res, buf, 0)

    @syscall_nr(Nr.futex)
    def sys_futex(self, uaddr: int, op: int, val: int, timeout: int, uaddr2: int, val3: int) -> int:
        return self.threads.futex(uaddr, s32(op), val, timeout, uaddr2, val3)

    @syscall_nr(Nr.sched_getaffinity)
    def sys_sched_getaffinity(self, pid: int, size: int, mask: int, *_: int) -> int:
        if s32(pid) not in (0, self.pid):
            return -E.ESRCH
        if size < 8 or size & 7:
            return -E.EINVAL
        self.aspace.write(mask, struct.pack("<Q", 1))
        return 8

    @syscall_nr(Nr.sched_yield)
    def sys_sched_yield(self, *_: int) -> int:
        return self.threads.yield_now()

    @syscall_nr(Nr.sysinfo)
    def sys_sysinfo(self, buf: int, *_: int) -> int:
        up = (time.monotonic_ns() - self.start_ns) // 1_000_000_000
        total = 1 << 30
        raw = struct.pack(
            "<qQQQQQQQQQHHIQQI", up, 0, 0, 0, total, total // 2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1
        )
        self.aspace.write(buf, raw.ljust(112, b"\0"))
        return 0

    @syscall_nr(Nr.getrandom)
    def sys_getrandom(self, buf: int, length: int, flags: int, *_: int) -> int:
        if flags & ~7:
            return -E.EINVAL
        length = min(length, 33554431)
        if length == 0:
            return 0
        if not self.aspace.writable(buf, length):
            return -E.EFAULT
        self.aspace.write(buf, os.urandom(length))
        return length
