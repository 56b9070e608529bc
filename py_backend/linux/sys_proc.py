"""System calls about processes: fork/vfork (clone without CLONE_THREAD), execve, wait4, waitid,
process groups and sessions, kill, getppid.

Part of `syscalls.Linux`.  What needs the machine (a new address space for a child, a new image for
exec) goes through `ProcessHooks`, which the machine installs; the process table is
`procs.ProcessTable`.  A machine without hooks (a lone process on a host that cannot make more
memories) answers fork with ENOSYS, as the emulator always did.
"""

from __future__ import annotations

import struct

from . import errors as E
from .base import LinuxBase
from .dispatch import s32, syscall_nr
from .errors import ExecImage, SyscallError, WouldBlock
from .procs import (
    CLD_CONTINUED,
    CLD_DUMPED,
    CLD_KILLED,
    P_ALL,
    P_PGID,
    P_PID,
    WCONTINUED,
    WEXITED,
    WNOHANG,
    WNOWAIT,
    WUNTRACED,
    ProcessEntry,
    ProcessTable,
)
from .signals import SI_USER, Signal
from .sysnr import Nr
from .threads import CLONE_SIGHAND, CLONE_THREAD, CLONE_VFORK, CLONE_VM
from .vfs import Dir, File, HostFile

P_PIDFD = 3
W_NOTHREAD, W_ALL, W_CLONE = 0x20000000, 0x40000000, 0x80000000
MAX_ARGS = 1 << 17  # argv + envp strings (Linux's MAX_ARG_STRINGS is 0x7fffffff, but
MAX_ARG_BYTES = 2 << 20  # the stack limit of 8 MiB allows ~2 MiB: E2BIG beyond)
SHEBANG_MAX = 256  # BINPRM_BUF_SIZE
CHILD_SIGNALS = 0xFF  # CSIGNAL: the signal the child sends its parent on exit


class ProcessCalls(LinuxBase):
    """Part of `syscalls.Linux` (`LinuxBase` provides aspace, vfs, signals, threads, fds, ...)."""

    # --- creation -------------------------------------------------------------------------------

    @syscall_nr(Nr.clone)
    def sys_clone(self, flags: int, newsp: int, ptid: int, tls: int, ctid: int, *_: int) -> int:
        # riscv's clone is CLONE_BACKWARDS: (flags, newsp, parent_tid, tls, child_tid)
        if flags & CLONE_THREAD and not flags & CLONE_SIGHAND:
            return -E.EINVAL
        if flags & CLONE_SIGHAND and not flags & CLONE_VM:
            return -E.EINVAL
        if flags & CLONE_THREAD:
            return self.threads.clone(flags, newsp, ptid, tls, ctid)
        if self.hooks is None:
            return self._unsupported(220)
        if flags & CLONE_VM and not flags & CLONE_VFORK:
            return -E.EINVAL  # a process sharing memory without vfork: not supported
        return self.hooks.fork(flags, newsp, ptid, tls, ctid)

    # --- exec -----------------------------------------------------------------------------------

    def _strings(self, ptr: int) -> list[str]:
        out: list[str] = []
        if not ptr:
            return out
        total = 0
        while True:
            p = self.aspace.read_u64(ptr + 8 * len(out))
            if not p:
                return out
            s = self.aspace.read_cstr(p, MAX_ARG_BYTES)
            total += len(s) + 1
            if len(out) >= MAX_ARGS or total > MAX_ARG_BYTES:
                raise SyscallError(E.E2BIG)
            out.append(s.decode("utf-8", "surrogateescape"))

    def _exec_file(self, dirfd: int, path: str, flags: int) -> bytes:
        if path == "" and flags & 0x1000:  # AT_EMPTY_PATH: the fd itself
            node = self._file(dirfd).node
        else:
            if not path:
                raise SyscallError(E.ENOENT)
            node = self.vfs.resolve(self._dir(dirfd, path), path, follow=not flags & 0x100)
        if isinstance(node, Dir):
            raise SyscallError(E.EACCES)
        if not isinstance(node, File | HostFile):
            raise SyscallError(E.EACCES)
        if not node.perm & 0o111:
            raise SyscallError(E.EACCES)
        return node.read_at(0, node.size())

    def _execve(self, dirfd: int, pathptr: int, argvp: int, envp: int, flags: int) -> int:
        if flags & ~(0x1000 | 0x100):
            raise SyscallError(E.EINVAL)
        path = self._path(pathptr)
        argv = self._strings(argvp)
        env = self._strings(envp)
        data = self._exec_file(s32(dirfd), path, flags)
        shown = path
        for _depth in range(5):  # #! interpreters may nest (Linux allows 4 levels)
            if not data.startswith(b"#!"):
                break
            line = data[2:SHEBANG_MAX].split(b"\n", 1)[0].strip(b" \t\r")
            if not line:
                raise SyscallError(E.ENOEXEC)
            interp, _, arg = line.replace(b"\t", b" ").partition(b" ")
            arg = arg.strip(b" ")
            ipath = interp.decode("utf-8", "surrogateescape")
            new_argv = [ipath] + ([arg.decode("utf-8", "surrogateescape")] if arg else [])
            argv = [*new_argv, path, *argv[1:]]
            path = ipath
            data = self._exec_file(-100, ipath, 0)
        else:
            raise SyscallError(E.ELOOP)
        if not data.startswith(b"\x7fELF"):
            raise SyscallError(E.ENOEXEC)
        if self.hooks is None:
            return self._unsupported(221)
        try:
            real = self.vfs.realpath(self._dir(s32(dirfd), path), path)
        except SyscallError:
            real = path
        raise ExecImage(data, argv, env, path if path.startswith("/") else shown, real)

    @syscall_nr(Nr.execve)
    def sys_execve(self, pathptr: int, argvp: int, envp: int, *_: int) -> int:
        return self._execve(-100, pathptr, argvp, envp, 0)

    @syscall_nr(Nr.execveat)
    def sys_execveat(
        self, dirfd: int, pathptr: int, argvp: int, envp: int, flags: int, *_: int
    ) -> int:
        return self._execve(dirfd, pathptr, argvp, envp, flags)

    # --- wait -----------------------------------------------------------------------------------

    def _waiting(
        self, idtype: int, ident: int, options: int
    ) -> tuple[ProcessEntry | None, ProcessTable, ProcessEntry]:
        procs, me = self.procs, self.proc
        if procs is None or me is None:
            raise SyscallError(E.ECHILD)
        c, any_child = procs.find_waitable(me, idtype, ident, options)
        if c is not None:
            return c, procs, me
        if not any_child:
            raise SyscallError(E.ECHILD)
        if options & WNOHANG:
            return None, procs, me

        def ready() -> bool:
            found, anyc = procs.find_waitable(me, idtype, ident, options)
            return found is not None or not anyc

        raise WouldBlock(ready, what="wait")

    @syscall_nr(Nr.wait4)
    def sys_wait4(self, pid: int, wstatus: int, options: int, rusage: int, *_: int) -> int:
        pid = s32(pid)
        if options & ~(WNOHANG | WUNTRACED | WCONTINUED | W_NOTHREAD | W_ALL | W_CLONE):
            raise SyscallError(E.EINVAL)
        if pid == -(1 << 31):
            raise SyscallError(E.ESRCH)
        if pid < -1:
            idtype, ident = P_PGID, -pid
        elif pid == -1:
            idtype, ident = P_ALL, 0
        elif pid == 0:
            idtype, ident = P_PGID, self.proc.pgid if self.proc is not None else 0
        else:
            idtype, ident = P_PID, pid
        c, procs, _me = self._waiting(idtype, ident, (options & 0xFF) | WEXITED)
        if c is None:
            return 0
        if wstatus and not self.aspace.writable(wstatus, 4):
            raise SyscallError(E.EFAULT)
        status, _code = procs.collect(c, options)
        if wstatus:
            self.aspace.write_u32(wstatus, status)
        if rusage:
            self.aspace.write(rusage, bytes(144))
        return c.pid

    @syscall_nr(Nr.waitid)
    def sys_waitid(
        self, idtype: int, ident: int, infop: int, options: int, rusage: int, *_: int
    ) -> int:
        idtype, ident = s32(idtype), s32(ident)
        allowed = WNOHANG | WUNTRACED | WEXITED | WCONTINUED | WNOWAIT
        if options & ~(allowed | W_NOTHREAD | W_ALL | W_CLONE):
            raise SyscallError(E.EINVAL)
        if not options & (WEXITED | WUNTRACED | WCONTINUED):
            raise SyscallError(E.EINVAL)
        if idtype == P_PIDFD:
            raise SyscallError(E.EINVAL)
        if idtype not in (P_ALL, P_PID, P_PGID) or (idtype != P_ALL and ident < 0):
            raise SyscallError(E.EINVAL)
        if idtype == P_PGID and ident == 0 and self.proc is not None:
            ident = self.proc.pgid
        c, procs, _me = self._waiting(idtype, ident, options)
        if c is None:
            if infop:
                self.aspace.write(infop, bytes(128))
            return 0
        status, code = procs.collect(c, options)
        if infop:
            value = status & 0x7F if code in (CLD_KILLED, CLD_DUMPED) else status >> 8
            if code == CLD_CONTINUED:
                value = Signal.SIGCONT
            info = struct.pack("<iii4xiIi", Signal.SIGCHLD, 0, code, c.pid, 0, value)
            self.aspace.write(infop, info + bytes(128 - len(info)))
        if rusage:
            self.aspace.write(rusage, bytes(144))
        return 0

    # --- identity, groups, sessions -------------------------------------------------------------

    @syscall_nr(Nr.getppid)
    def sys_getppid(self, *_: int) -> int:
        return self.proc.ppid if self.proc is not None else 1

    @syscall_nr(Nr.getpgid)
    def sys_getpgid(self, pid: int, *_: int) -> int:
        if self.procs is None or self.proc is None:
            if s32(pid) not in (0, self.pid):
                return -E.ESRCH
            return self.pid
        return self.procs.getpgid(self.proc, s32(pid))

    @syscall_nr(Nr.setpgid)
    def sys_setpgid(self, pid: int, pgid: int, *_: int) -> int:
        if self.procs is None or self.proc is None:
            return 0
        return self.procs.setpgid(self.proc, s32(pid), s32(pgid))

    @syscall_nr(Nr.getsid)
    def sys_getsid(self, pid: int, *_: int) -> int:
        if self.procs is None or self.proc is None:
            return self.pid
        return self.procs.getsid(self.proc, s32(pid))

    @syscall_nr(Nr.setsid)
    def sys_setsid(self, *_: int) -> int:
        if self.procs is None or self.proc is None:
            return -E.EPERM
        return self.procs.setsid(self.proc)

    @syscall_nr(Nr.kill)
    def sys_kill(self, pid: int, sig: int, *_: int) -> int:
        pid, sig = s32(pid), s32(sig)
        if not 0 <= sig <= 64:
            return -E.EINVAL
        if self.procs is None or self.proc is None:
            if pid == -1:
                return 0 if sig == 0 else -E.ESRCH
            if pid not in (0, self.pid, -self.pid):
                return -E.ESRCH
            return self.signals.send(sig, SI_USER)
        me = self.proc
        # others first: a signal that kills the caller ends the call
        ret = self.procs.kill(me, pid, sig)
        return ret
