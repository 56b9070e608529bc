"""System calls about signals: actions, masks, pending sets, waits, the alternate stack, interval
timers, sending to a thread (tkill, tgkill) and sigreturn; `signals.Signals` does the work."""

from __future__ import annotations

from . import errors as E
from .base import LinuxBase
from .dispatch import s32, syscall_nr
from .signals import SI_TKILL
from .sysnr import Nr


class SignalCalls(LinuxBase):
    """The signal calls."""

    @syscall_nr(Nr.rt_sigreturn)
    def sys_rt_sigreturn(self, *_: int) -> int:
        return self.signals.sigreturn()

    @syscall_nr(Nr.rt_sigaction)
    def sys_rt_sigaction(self, sig: int, act: int, oact: int, size: int, *_: int) -> int:
        return self.signals.sigaction(s32(sig), act, oact, size)

    @syscall_nr(Nr.rt_sigprocmask)
    def sys_rt_sigprocmask(self, how: int, nset: int, oset: int, size: int, *_: int) -> int:
        return self.signals.sigprocmask(s32(how), nset, oset, size)

    @syscall_nr(Nr.rt_sigpending)
    def sys_rt_sigpending(self, uset: int, size: int, *_: int) -> int:
        return self.signals.sigpending(uset, size)

    @syscall_nr(Nr.rt_sigsuspend)
    def sys_rt_sigsuspend(self, mask: int, size: int, *_: int) -> int:
        if self._must_block():
            if not mask:
                return -E.EFAULT
            return self._block_for_signal(mask, size, None)
        return self.signals.suspend(mask, size)

    @syscall_nr(Nr.rt_sigtimedwait)
    def sys_rt_sigtimedwait(self, uset: int, info: int, ts: int, size: int, *_: int) -> int:
        return self.signals.timedwait(uset, info, self._read_ts(ts) if ts else None, size)

    @syscall_nr(Nr.sigaltstack)
    def sys_sigaltstack(self, ss: int, old: int, *_: int) -> int:
        return self.signals.sigaltstack(ss, old)

    @syscall_nr(Nr.getitimer)
    def sys_getitimer(self, which: int, cur: int, *_: int) -> int:
        return self.signals.getitimer(s32(which), cur)

    @syscall_nr(Nr.setitimer)
    def sys_setitimer(self, which: int, new: int, old: int, *_: int) -> int:
        return self.signals.setitimer(s32(which), new, old)

    @syscall_nr(Nr.tkill)
    def sys_tkill(self, tid: int, sig: int, *_: int) -> int:
        tid, sig = s32(tid), s32(sig)
        if tid <= 0 or not 0 <= sig <= 64:
            return -E.EINVAL
        return self.threads.kill(tid, sig)

    @syscall_nr(Nr.tgkill)
    def sys_tgkill(self, tgid: int, tid: int, sig: int, *_: int) -> int:
        tgid, tid, sig = s32(tgid), s32(tid), s32(sig)
        if tgid <= 0 or tid <= 0 or not 0 <= sig <= 64:
            return -E.EINVAL
        if tgid != self.pid:
            return -E.ESRCH
        return self.threads.kill(tid, sig)

    @syscall_nr(Nr.rt_sigqueueinfo)
    def sys_rt_sigqueueinfo(self, pid: int, sig: int, uinfo: int, *_: int) -> int:
        pid, sig = s32(pid), s32(sig)
        info = bytearray(self.aspace.read(uinfo, 128))
        code = s32(int.from_bytes(info[8:12], "little"))
        if code >= 0 or code == SI_TKILL:  # only "user" codes may be forged
            return -E.EPERM
        if not 0 <= sig <= 64:
            return -E.EINVAL
        if pid != self.pid:
            return -E.ESRCH
        info[0:4] = sig.to_bytes(4, "little")
        return self.signals.send(sig, code, bytes(info))
