"""System calls about time: clocks, gettimeofday, sleeps, times, getrusage."""

from __future__ import annotations

import struct
import time

from . import errors as E
from .base import (
    LinuxBase,
    timespec,
)
from .dispatch import s32, syscall_nr
from .errors import (
    SyscallError,
)
from .sysnr import Nr


class TimeCalls(LinuxBase):
    """The time calls."""

    def _clock(self, clk: int) -> int:
        clk = s32(clk)
        if clk in (0, 5, 8, 11):
            return time.time_ns()
        if clk in (1, 4, 6, 7, 9):
            return time.monotonic_ns()
        if clk in (2, 3) or clk < 0:
            return time.process_time_ns() if clk in (2, 3) else time.monotonic_ns()
        raise SyscallError(E.EINVAL)

    @syscall_nr(Nr.clock_gettime)
    def sys_clock_gettime(self, clk: int, tp: int, *_: int) -> int:
        self.aspace.write(tp, timespec(self._clock(clk)))
        return 0

    @syscall_nr(Nr.clock_getres)
    def sys_clock_getres(self, clk: int, tp: int, *_: int) -> int:
        self._clock(clk)
        if tp:
            res = 4_000_000 if s32(clk) in (5, 6) else 1
            self.aspace.write(tp, timespec(res))
        return 0

    @syscall_nr(Nr.gettimeofday)
    def sys_gettimeofday(self, tv: int, tz: int, *_: int) -> int:
        ns = time.time_ns()
        if tv:
            self.aspace.write(tv, struct.pack("<qq", ns // 10**9, (ns % 10**9) // 1000))
        if tz:
            self.aspace.write(tz, bytes(8))
        return 0

    @syscall_nr(Nr.nanosleep)
    def sys_nanosleep(self, req: int, rem: int, *_: int) -> int:
        return self._sleep(self._read_ts(req), rem)

    @syscall_nr(Nr.clock_nanosleep)
    def sys_clock_nanosleep(self, clk: int, flags: int, req: int, rem: int, *_: int) -> int:
        if s32(clk) in (3,):
            return -E.EINVAL
        now = self._clock(clk)
        ns = self._read_ts(req)
        if flags & 1:  # TIMER_ABSTIME (no remaining time is reported)
            return self._sleep(max(0, ns - now), 0)
        return self._sleep(ns, rem)

    @syscall_nr(Nr.times)
    def sys_times(self, buf: int, *_: int) -> int:
        ticks = time.process_time_ns() // 10_000_000
        if buf:
            self.aspace.write(buf, struct.pack("<qqqq", ticks, 0, 0, 0))
        return (time.monotonic_ns() - self.start_ns) // 10_000_000 + 1

    @syscall_nr(Nr.getrusage)
    def sys_getrusage(self, who: int, buf: int, *_: int) -> int:
        if s32(who) not in (0, -1, 1):
            return -E.EINVAL
        ns = time.process_time_ns() if s32(who) != -1 else 0
        raw = struct.pack("<qq", ns // 10**9, (ns % 10**9) // 1000) + bytes(128)
        self.aspace.write(buf, raw)
        return 0
