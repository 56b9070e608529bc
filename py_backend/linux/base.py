"""The state of one guest process's Linux layer and the helpers its system calls share.

`LinuxBase` holds the fd table, the filesystem view, signals, threads, limits and the process
layer's links; `syscall(nr, args)` dispatches through the one table that `dispatch.syscall_table`
builds from the ``@syscall_nr`` handlers of `syscalls.Linux`, which is made of the subsystem
classes (``sys_*.py``), each a subclass of this one.  ``syscall`` returns the value for a0
(``-errno`` on error): ``exit_group`` (and the last thread's ``exit``) raises ``GuestExit``; a
fatal signal raises ``GuestSignal``; any other exception from a handler is a bug and becomes
``EmulatorError``.  A call that blocks or ends the calling thread sets ``threads.need_switch``:
the machine then calls ``threads.schedule()``.  Numbers and struct layouts are the asm-generic
ones riscv64 uses.
"""

from __future__ import annotations

import copy
import os
import struct
import time
from collections.abc import Callable
from typing import Protocol, Self

from . import errors as E
from .dispatch import Handler, s32, syscall_table
from .errors import (
    EmulatorError,
    ExecImage,
    GuestExit,
    GuestFault,
    GuestSignal,
    ProcessBlocked,
    SyscallError,
    WouldBlock,
)
from .mm import AddressSpace
from .net import NetStack
from .procs import ProcessEntry, ProcessHooks, ProcessTable
from .signals import SI_USER, UNBLOCKABLE, Signal, Signals
from .sysnr import Nr
from .threads import Threads, Wait
from .ttyfile import Terminal, TtyFile
from .vfs import (
    O_RDONLY,
    O_RDWR,
    O_WRONLY,
    S_IFCHR,
    S_IFIFO,
    Dir,
    HostFile,
    Node,
    OpenFile,
    Pipe,
    StreamFile,
    Vfs,
    host_stat_fields,
    pack_stat,
)

AT_FDCWD = -100
AT_SYMLINK_NOFOLLOW = 0x100
AT_EMPTY_PATH = 0x1000
MAX_FDS = 1024
MAX_IO = 1 << 24  # one read/write moves at most this much (short reads are allowed)
RLIM_INFINITY = (1 << 64) - 1


class Reader(Protocol):
    def read(self, n: int, /) -> bytes: ...


class Writer(Protocol):
    def write(self, data: bytes, /) -> object: ...


def timespec(ns: int) -> bytes:
    return struct.pack("<qq", ns // 1_000_000_000, ns % 1_000_000_000)


# The calls whose EPIPE also sends SIGPIPE to the writing thread.
WRITE_CALLS = frozenset(
    {Nr.write, Nr.writev, Nr.pwrite64, Nr.pwritev, Nr.sendfile, Nr.splice, Nr.copy_file_range}
)


class LinuxBase:
    """What every subsystem's calls share: the process's fd table, filesystem view, signal and
    thread state, limits and address space, the helpers and the dispatch.  Make a
    `syscalls.Linux`, which has the handlers too."""

    def __init__(
        self,
        aspace: AddressSpace,
        argv: list[str],
        env: list[str],
        stdin: Reader | None,
        stdout: Writer,
        stderr: Writer,
        *,
        exe_path: str = "/bin/program",
        vfs: Vfs | None = None,
        tty: bool = False,
        hostname: str = "tbwasm",
        release: str = "6.1.0",
        uid: int = 0,
        gid: int = 0,
        pid: int = 1000,
        on_flush_icache: None = None,  # unused: goes when machine.py stops passing it
        on_unknown_syscall: Callable[[int], None] | None = None,
        sleep: Callable[[float], object] = time.sleep,
        terminal: Terminal | None = None,
    ) -> None:
        self.aspace = aspace
        self.argv = list(argv)
        self.env = list(env)
        self.vfs = vfs if vfs is not None else Vfs(exe_path, hostname=hostname)
        self.exe_path = exe_path
        self.hostname = hostname
        self.release = release
        self.uid, self.gid, self.pid = uid, gid, pid
        self.tty = tty
        self.on_unknown_syscall = on_unknown_syscall
        self.sleep = sleep
        self.unknown_syscalls: list[int] = []
        self.unsupported_calls = 0
        self.fds: dict[int, OpenFile] = {}
        self.cloexec: set[int] = set()
        # the run's network (shared with forked processes; a host sets backend and policy)
        self.net = NetStack()
        self._signals = Signals(aspace, pid=pid, uid=uid, sleep=sleep)
        self.threads = Threads(
            aspace,
            self._signals,
            pid=pid,
            name=os.path.basename(exe_path)[:15].encode(),
            sleep=sleep,
        )
        self.start_ns = time.monotonic_ns()
        self.rlimits: dict[int, tuple[int, int]] = {
            r: (RLIM_INFINITY, RLIM_INFINITY) for r in range(16)
        }
        self.rlimits[3] = (8 << 20, RLIM_INFINITY)  # RLIMIT_STACK
        self.rlimits[4] = (0, RLIM_INFINITY)  # RLIMIT_CORE
        self.rlimits[7] = (MAX_FDS, MAX_FDS)  # RLIMIT_NOFILE
        self.rlimits[8] = (8 << 20, 8 << 20)  # RLIMIT_MEMLOCK
        tty_node: Node = self.vfs.resolve(self.vfs.root, "/dev/tty")
        in_node: Node = tty_node if tty else Pipe().node
        out_node: Node = tty_node if tty else Pipe().node
        reader = stdin.read if stdin is not None else (lambda n: b"")
        self.terminal = terminal
        if terminal is not None:  # a run on a terminal: fds 0-2 are the terminal (O_RDWR)
            self.tty = True
            term_file = TtyFile(terminal, tty_node, O_RDWR)
            self.fds[0] = self.fds[1] = self.fds[2] = term_file
        else:
            stdin_file = StreamFile(in_node, O_RDONLY, reader=reader, tty=tty)
            stdin_file.host_stat = getattr(stdin, "host_stat", None)  # a regular file
            self.fds[0] = stdin_file
            self.fds[1] = StreamFile(out_node, O_WRONLY, writer=stdout.write, tty=tty)
            self.fds[2] = StreamFile(out_node, O_WRONLY, writer=stderr.write, tty=tty)
        for of in self.fds.values():
            of.refs += 1
        self._stdout, self._stderr, self._stdin = stdout, stderr, reader
        # the process layer (linux/procs.py, sys_proc.py): set by a machine that can fork
        self.procs: ProcessTable | None = None
        self.proc: ProcessEntry | None = None
        self.hooks: ProcessHooks | None = None
        self.table = self._build_table()

    def _build_table(self) -> dict[int, tuple[str, Handler]]:
        """This Linux's own copy of its class's table (a fork or exec makes a new Linux)."""
        return dict(syscall_table(type(self)))

    def _clone_for(
        self, aspace: AddressSpace, signals: Signals, name: bytes, pid: int | None = None
    ) -> Self:
        new = copy.copy(self)
        new.pid = self.pid if pid is None else pid
        new.aspace = aspace
        new.fds = dict(self.fds)
        new.cloexec = set(self.cloexec)
        new.vfs = copy.copy(self.vfs)  # the same tree; its own cwd and umask
        new._signals = signals
        new.threads = Threads(aspace, signals, pid=new.pid, name=name, sleep=self.sleep)
        new.threads.trace = self.threads.trace
        new.rlimits = dict(self.rlimits)
        new.unknown_syscalls = []
        new.table = new._build_table()
        return new

    def fork(self, aspace: AddressSpace, pid: int) -> Self:
        """The child's Linux state (fork): a copy of the descriptor table naming the same open
        file descriptions, the same tree with its own cwd, the signal actions and mask."""
        sig = self._signals.fork(aspace, pid)
        child = self._clone_for(aspace, sig, self.threads.current.name, pid)
        child.start_ns = time.monotonic_ns()
        for of in child.fds.values():
            of.refs += 1
        child.proc = None
        return child

    def exec_into(self, aspace: AddressSpace, argv: list[str], env: list[str], path: str) -> Self:
        """The Linux state of the new image (execve): the same process, descriptors but the
        close-on-exec ones, cwd; handlers reset (signals.exec_reset); one thread."""
        for fd in sorted(self.cloexec):
            of = self.fds.pop(fd, None)
            if of is not None:
                self._release(of)
        self.cloexec.clear()
        new = self._clone_for(
            aspace, self._signals.exec_reset(aspace), os.path.basename(path)[:15].encode()
        )
        new.argv, new.env = list(argv), list(env)
        new.exe_path = path
        self.fds = {}  # handed over: the old image must not close them
        return new

    @property
    def signals(self) -> Signals:
        return self._signals

    @signals.setter
    def signals(self, s: Signals) -> None:  # tests swap in one with a fake clock
        self._signals = s
        self.threads.signals = s

    # --- dispatch ---------------------------------------------------------------------------------

    def _unsupported(self, nr: int) -> int:
        """ENOSYS without a word, as a kernel without that call answers (`--strace` shows it,
        `--stats` counts it); on_unknown_syscall hears of each number once."""
        self.unsupported_calls += 1
        if nr not in self.unknown_syscalls:
            self.unknown_syscalls.append(nr)
            if self.on_unknown_syscall is not None:
                self.on_unknown_syscall(nr)
        return -E.ENOSYS

    def syscall(self, nr: int, args: tuple[int, ...]) -> int:
        """System call ``nr`` with up to six unsigned 64-bit arguments (missing ones are 0);
        returns a0."""
        entry = self.table.get(nr)
        if entry is None:
            return self._unsupported(nr)
        name, fn = entry
        # (args are unsigned 64-bit already: the machine unpacks them from the registers)
        a = args if len(args) >= 6 else (*args, *(0,) * (6 - len(args)))
        try:
            return int(fn(self, *a[:6]))
        except SyscallError as e:
            if e.errno == E.EPIPE and nr in WRITE_CALLS:
                self.signals.send(Signal.SIGPIPE, SI_USER, thread=True)  # to the writing thread
            return -e.errno
        except GuestFault:
            return -E.EFAULT
        except (GuestExit, GuestSignal, EmulatorError, WouldBlock, ExecImage, ProcessBlocked):
            raise
        except Exception as e:
            raise EmulatorError(
                f"internal error in syscall {name} ({nr}): {type(e).__name__}: {e}"
            ) from e

    # --- helpers ----------------------------------------------------------------------------------

    def _must_block(self) -> bool:
        """A wait must block the thread (so that other threads or processes run) rather than
        sleep the whole emulator."""
        return self.threads.alive > 1 or (
            self.procs is not None and (len(self.procs.by_pid) > 1 or self.procs.async_waits)
        )

    def _file(self, fd: int) -> OpenFile:
        of = self.fds.get(s32(fd))
        if of is None:
            raise SyscallError(E.EBADF)
        return of

    def _path(self, ptr: int) -> str:
        raw = self.aspace.read_cstr(ptr, 4096)
        return raw.decode("utf-8", "surrogateescape")

    def _dir(self, dirfd: int, path: str) -> Dir:
        if path.startswith("/"):
            return self.vfs.root
        fd = s32(dirfd)
        if fd == AT_FDCWD:
            return self.vfs.cwd
        of = self._file(fd)
        if not isinstance(of.node, Dir):
            raise SyscallError(E.ENOTDIR)
        return of.node

    def _lookup(self, dirfd: int, pathptr: int, flags: int) -> Node:
        path = self._path(pathptr)
        if path == "" and flags & AT_EMPTY_PATH:
            fd = s32(dirfd)
            if fd == AT_FDCWD:
                return self.vfs.cwd
            return self._file(fd).node
        return self.vfs.resolve(
            self._dir(dirfd, path), path, follow=not flags & AT_SYMLINK_NOFOLLOW
        )

    def _new_fd(self, of: OpenFile, lowest: int = 0, cloexec: bool = False) -> int:
        limit = self.rlimits[7][0]
        fd = lowest
        while fd in self.fds:
            fd += 1
        if fd >= limit:
            raise SyscallError(E.EMFILE)
        self.fds[fd] = of
        of.refs += 1
        if cloexec:
            self.cloexec.add(fd)
        else:
            self.cloexec.discard(fd)
        return fd

    def _release(self, of: OpenFile) -> None:
        """A descriptor naming ``of`` went away (close, dup2 over it, exec, exit)."""
        of.refs -= 1
        if of.refs <= 0:
            of.close()

    def close_all(self) -> None:
        """The process ended: every descriptor is closed (pipes see their ends go)."""
        fds, self.fds = self.fds, {}
        self.cloexec.clear()
        for of in fds.values():
            self._release(of)

    def _stat_bytes(self, node: Node, of: OpenFile | None = None) -> bytes:
        st = self.vfs.stat(node)
        hst = of.host_stat() if isinstance(of, StreamFile) and of.host_stat else None
        if hst is not None:
            st.update(host_stat_fields(hst), mode=hst.st_mode)
        elif isinstance(of, StreamFile) and not of.tty:
            st["mode"] = S_IFIFO | 0o600
        elif isinstance(of, StreamFile | TtyFile):
            st["mode"] = S_IFCHR | 0o620
            st["rdev"] = 0x8800
        if node.uid == 0 and node.gid == 0 and not isinstance(node, HostFile):
            st["uid"], st["gid"] = self.uid, self.gid
        return pack_stat(st)

    def _iovecs(self, iov: int, cnt: int) -> list[tuple[int, int]]:
        if s32(cnt) < 0 or s32(cnt) > 1024:
            raise SyscallError(E.EINVAL)
        raw = self.aspace.read(iov, 16 * cnt)
        vecs = [struct.unpack_from("<QQ", raw, 16 * i) for i in range(cnt)]
        total = 0
        for _, n in vecs:
            total += n
            if n >> 63 or total > 0x7FFFFFFFFFFFFFFF:
                raise SyscallError(E.EINVAL)
        return vecs

    def _block_for_signal(self, mask_ptr: int, size: int, timeout_ns: int | None) -> int:
        """sigsuspend / pause / ppoll with no descriptors while other threads exist: block this
        thread (optionally under a temporary mask) until a signal or the timeout."""
        sig = self.signals
        if mask_ptr:
            if size != 8:
                return -E.EINVAL
            mask = self.aspace.read_u64(mask_ptr) & ~UNBLOCKABLE
            sig.saved_mask, sig.blocked = sig.blocked, mask
        deadline = None if timeout_ns is None else self.threads.now() + timeout_ns
        wait = Wait("signal", deadline=deadline, timeout_result=0, restore_mask=bool(mask_ptr))
        return self.threads.block(wait)

    def _read_ts(self, ptr: int) -> int:
        sec, nsec = struct.unpack("<qq", self.aspace.read(ptr, 16))
        if sec < 0 or not 0 <= nsec < 1_000_000_000:
            raise SyscallError(E.EINVAL)
        return sec * 1_000_000_000 + nsec

    def _poll_deadline(self, timeout_ns: int | None) -> int | None:
        return None if timeout_ns is None else self.threads.now() + timeout_ns

    def _sleep(self, ns: int, rem: int) -> int:
        """Sleep ns; a signal that will run a handler (or kill) cuts it short with EINTR and
        the time left in *rem.  With other threads alive only this one sleeps (it blocks)."""
        if self._must_block():
            wait = Wait("sleep", deadline=self.threads.now() + ns, timeout_result=0, rem=rem)
            return self.threads.block(wait)
        if not self.signals.armed and not self.signals.pending:
            if not self.sleep(ns / 1e9):
                return 0
            # cut short by the host (Stop in the page): EINTR as for a signal, so the guest
            # reaches an exit where the host stops it (the time left is not known: all of it)
            if rem:
                self.aspace.write(rem, timespec(ns))
            return -E.EINTR
        end = time.monotonic_ns() + ns
        if not self.signals.wait(ns):
            return 0
        if rem:
            self.aspace.write(rem, timespec(max(0, end - time.monotonic_ns())))
        return -E.EINTR

    def syscall_name(self, nr: int) -> str:
        entry = self.table.get(nr)
        return entry[0] if entry else f"syscall_{nr}"
