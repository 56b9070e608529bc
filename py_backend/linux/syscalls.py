"""Linux system calls for one riscv64 guest process (its threads: `threads.py`).

``Linux.syscall(nr, args)`` returns the value for a0 (``-errno`` on error).  ``exit_group``
(and the last thread's ``exit``) raises ``GuestExit``; a fatal signal raises ``GuestSignal``;
any other exception from a handler is a bug and becomes ``EmulatorError``.  A call that blocks
or ends the calling thread sets ``threads.need_switch``: the machine then calls
``threads.schedule()``.  Numbers and struct layouts are the asm-generic ones riscv64 uses.
"""

from __future__ import annotations

import copy
import os
import struct
import time
from collections.abc import Callable
from typing import Protocol

from .. import abi
from . import errors as E
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
from .mm import PAGE, AddressSpace, page_up
from .net import NetStack, revents
from .signals import SI_TKILL, SI_USER, UNBLOCKABLE, Signal, Signals
from .sysnr import Nr
from .threads import Threads, Wait
from .tty import (
    DEFAULT_TERMIOS,
    FIONREAD,
    TCGETS,
    TCSETS,
    TCSETSF,
    TCSETSW,
    TERMIOS,
    TIOCGPGRP,
    TIOCGWINSZ,
    TIOCSPGRP,
    TIOCSWINSZ,
)
from .ttyfile import Terminal, TtyFile
from .vfs import (
    O_ACCMODE,
    O_APPEND,
    O_CLOEXEC,
    O_CREAT,
    O_DIRECTORY,
    O_EXCL,
    O_NOFOLLOW,
    O_NONBLOCK,
    O_PATH,
    O_RDONLY,
    O_RDWR,
    O_TMPFILE,
    O_TRUNC,
    O_WRONLY,
    S_IFCHR,
    S_IFIFO,
    Device,
    DeviceFile,
    Dir,
    File,
    HostFile,
    Node,
    OpenFile,
    Pipe,
    PipeEnd,
    StreamFile,
    Symlink,
    Vfs,
    getdents_records,
    host_stat_fields,
    pack_stat,
)

AT_FDCWD = -100
AT_SYMLINK_NOFOLLOW = 0x100
AT_REMOVEDIR = 0x200
AT_EACCESS = 0x200
AT_EMPTY_PATH = 0x1000
O_LARGEFILE = 0o100000
MAX_FDS = 1024
MAX_IO = 1 << 24  # one read/write moves at most this much (short reads are allowed)
RLIM_INFINITY = (1 << 64) - 1
MASK64 = (1 << 64) - 1

MAP_SHARED = 1
MAP_PRIVATE = 2
MAP_SHARED_VALIDATE = 3
MAP_FIXED = 0x10
MAP_ANONYMOUS = 0x20
MAP_FIXED_NOREPLACE = 0x100000

FIONBIO = 0x5421

UTSNAME_FIELD = 65
STATX = struct.Struct("<IIQIIIHHQQQQ")  # up to stx_attributes_mask; timestamps follow


class Reader(Protocol):
    def read(self, n: int, /) -> bytes: ...


class Writer(Protocol):
    def write(self, data: bytes, /) -> object: ...


def s64(x: int) -> int:
    x &= MASK64
    return x - (1 << 64) if x >> 63 else x


def _ts(ns: int) -> bytes:
    return struct.pack("<qq", ns // 1_000_000_000, ns % 1_000_000_000)


from .dispatch import Handler, s32, syscall_nr, syscall_table  # noqa: E402  (re-exported)
from .procs import ProcessEntry, ProcessTable  # noqa: E402
from .sys_extra import ExtraSyscalls  # noqa: E402
from .sys_net import NetSyscalls  # noqa: E402
from .sys_proc import ProcessCalls, ProcessHooks  # noqa: E402

# The calls whose EPIPE also sends SIGPIPE to the writing thread.
WRITE_CALLS = frozenset(
    {Nr.write, Nr.writev, Nr.pwrite64, Nr.pwritev, Nr.sendfile, Nr.splice, Nr.copy_file_range}
)


class Linux(ProcessCalls, ExtraSyscalls, NetSyscalls):
    """One guest process: its fd table, filesystem, signal state and address space."""

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
    ) -> Linux:
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

    def fork(self, aspace: AddressSpace, pid: int) -> Linux:
        """The child's Linux state (fork): a copy of the descriptor table naming the same open
        file descriptions, the same tree with its own cwd, the signal actions and mask."""
        sig = self._signals.fork(aspace, pid)
        child = self._clone_for(aspace, sig, self.threads.current.name, pid)
        child.start_ns = time.monotonic_ns()
        for of in child.fds.values():
            of.refs += 1
        child.proc = None
        return child

    def exec_into(self, aspace: AddressSpace, argv: list[str], env: list[str], path: str) -> Linux:
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

    # --- dispatch -------------------------------------------------------------------------------

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

    # --- helpers --------------------------------------------------------------------------------

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

    # --- files ----------------------------------------------------------------------------------

    @syscall_nr(Nr.read)
    def sys_read(self, fd: int, buf: int, count: int, *_: int) -> int:
        of = self._file(fd)
        if not of.readable:
            raise SyscallError(E.EBADF)
        if isinstance(of.node, Dir):
            raise SyscallError(E.EISDIR)
        count = min(count, MAX_IO)
        if count == 0:
            return 0
        if not self.aspace.writable(buf, count):
            raise SyscallError(E.EFAULT)
        data = of.read(count)
        self.aspace.write(buf, data)
        return len(data)

    @syscall_nr(Nr.write)
    def sys_write(self, fd: int, buf: int, count: int, *_: int) -> int:
        of = self._file(fd)
        if not of.writable:
            raise SyscallError(E.EBADF)
        count = min(count, MAX_IO)
        if count == 0:
            return 0
        return of.write(self.aspace.read(buf, count))

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

    @syscall_nr(Nr.readv)
    def sys_readv(self, fd: int, iov: int, cnt: int, *_: int) -> int:
        of = self._file(fd)
        vecs = self._iovecs(iov, cnt)
        if not of.readable:
            raise SyscallError(E.EBADF)
        total = 0
        for base, n in vecs:
            if n == 0:
                continue
            n = min(n, MAX_IO)
            if not self.aspace.writable(base, n):
                if total:
                    break
                raise SyscallError(E.EFAULT)
            try:
                data = of.read(n)
            except (WouldBlock, SyscallError):
                if total:  # what the earlier vectors got is the result
                    break
                raise
            self.aspace.write(base, data)
            total += len(data)
            if len(data) < n:
                break
        return total

    @syscall_nr(Nr.writev)
    def sys_writev(self, fd: int, iov: int, cnt: int, *_: int) -> int:
        of = self._file(fd)
        vecs = self._iovecs(iov, cnt)
        if not of.writable:
            raise SyscallError(E.EBADF)
        chunks = []
        for base, n in vecs:
            chunks.append(self.aspace.read(base, min(n, MAX_IO)))
        data = b"".join(chunks)
        return of.write(data) if data else 0

    @syscall_nr(Nr.sendfile)
    def sys_sendfile(self, out_fd: int, in_fd: int, offp: int, count: int, *_: int) -> int:
        src = self._file(in_fd)
        dst = self._file(out_fd)
        if not src.readable or not dst.writable:
            raise SyscallError(E.EBADF)
        if isinstance(src.node, Dir):
            raise SyscallError(E.EISDIR)
        count = min(count, MAX_IO, dst.write_room())  # (blocks first if there is no room)
        if offp:
            off = s64(self.aspace.read_u64(offp))
            if off < 0:
                raise SyscallError(E.EINVAL)
            if not src.seekable():
                raise SyscallError(E.ESPIPE)
            data = src.pread(count, off)
            self.aspace.write_u64(offp, off + len(data))
        else:
            data = src.read(count)
        return dst.write(data) if data else 0

    # poll/select: readiness from each open file description (pipes know theirs; files, devices
    # and host streams are always ready: a read of the host's stdin then blocks in read itself).
    POLLIN, POLLOUT, POLLERR, POLLHUP, POLLNVAL = 0x1, 0x4, 0x8, 0x10, 0x20

    def _revents(self, of: OpenFile, events: int) -> int:
        return revents(of, events)

    def _poll_deadline(self, timeout_ns: int | None) -> int | None:
        return None if timeout_ns is None else self.threads.now() + timeout_ns

    @syscall_nr(Nr.ppoll)
    def sys_ppoll(self, fds: int, nfds: int, tsp: int, mask: int, size: int, *_: int) -> int:
        if nfds > 4096:
            raise SyscallError(E.EINVAL)
        timeout = self._read_ts(tsp) if tsp else None
        if nfds == 0:  # pause() and sleeps: wait for a signal or the timeout
            if self._must_block():
                return self._block_for_signal(mask, size, timeout)
            return self.signals.wait_with_mask(mask, size, timeout)
        raw = bytearray(self.aspace.read(fds, 8 * nfds))

        def scan() -> int:
            ready = 0
            for k in range(nfds):
                fd, events, _rev = struct.unpack_from("<ihh", raw, 8 * k)
                if fd < 0:
                    revents = 0
                elif fd not in self.fds:
                    revents = self.POLLNVAL
                else:
                    revents = self._revents(self.fds[fd], events)
                struct.pack_into("<h", raw, 8 * k + 6, revents)
                ready += revents != 0
            return ready

        ready = scan()
        if ready or timeout == 0:
            self.aspace.write(fds, bytes(raw))
            return ready
        raise WouldBlock(lambda: scan() > 0, self._poll_deadline(timeout), 0, "poll")

    @syscall_nr(Nr.pselect6)
    def sys_pselect6(self, nfds: int, rfds: int, wfds: int, efds: int, tsp: int, *_: int) -> int:
        if s32(nfds) < 0 or nfds > 1024:
            raise SyscallError(E.EINVAL)
        timeout = self._read_ts(tsp) if tsp else None
        nbytes = (nfds + 63) // 64 * 8
        sets = []
        for ptr, want in ((rfds, self.POLLIN), (wfds, self.POLLOUT), (efds, 0)):
            bits = int.from_bytes(self.aspace.read(ptr, nbytes), "little") if ptr and nbytes else 0
            for fd in range(nfds):
                if bits >> fd & 1 and fd not in self.fds:
                    raise SyscallError(E.EBADF)
            sets.append((ptr, want, bits))

        def scan() -> tuple[int, list[int]]:
            ready, outs = 0, []
            for _ptr, want, bits in sets:
                out = 0
                if want:
                    for fd in range(nfds):
                        if bits >> fd & 1 and self._revents(self.fds[fd], want) & (
                            want | self.POLLERR | self.POLLHUP
                        ):
                            out |= 1 << fd
                            ready += 1
                outs.append(out)
            return ready, outs

        ready, outs = scan()
        if not ready and timeout is None and not any(bits for _, _, bits in sets):
            if self._must_block():
                return self._block_for_signal(0, 8, None)
            return self.signals.wait_with_mask(0, 8, None)
        if ready or timeout == 0:
            for (ptr, _want, _bits), out in zip(sets, outs, strict=True):
                if ptr and nbytes:
                    self.aspace.write(ptr, out.to_bytes(nbytes, "little"))
            return ready
        raise WouldBlock(lambda: scan()[0] > 0, self._poll_deadline(timeout), 0, "select")

    @syscall_nr(Nr.pread64)
    def sys_pread64(self, fd: int, buf: int, count: int, off: int, *_: int) -> int:
        of = self._file(fd)
        if not of.readable:
            raise SyscallError(E.EBADF)
        if isinstance(of.node, Dir):
            raise SyscallError(E.EISDIR)
        if not of.seekable():
            raise SyscallError(E.ESPIPE)
        if s64(off) < 0:
            raise SyscallError(E.EINVAL)
        count = min(count, MAX_IO)
        if count and not self.aspace.writable(buf, count):
            raise SyscallError(E.EFAULT)
        data = of.pread(count, off)
        self.aspace.write(buf, data)
        return len(data)

    @syscall_nr(Nr.pwrite64)
    def sys_pwrite64(self, fd: int, buf: int, count: int, off: int, *_: int) -> int:
        of = self._file(fd)
        if not of.writable:
            raise SyscallError(E.EBADF)
        if not of.seekable():
            raise SyscallError(E.ESPIPE)
        if s64(off) < 0:
            raise SyscallError(E.EINVAL)
        count = min(count, MAX_IO)
        return of.pwrite(self.aspace.read(buf, count), off) if count else 0

    @syscall_nr(Nr.openat)
    def sys_openat(self, dirfd: int, pathptr: int, flags: int, mode: int, *_: int) -> int:
        flags = s32(flags) & 0xFFFFFFFF
        path = self._path(pathptr)
        if flags & O_TMPFILE == O_TMPFILE:
            raise SyscallError(E.EOPNOTSUPP)
        start = self._dir(dirfd, path)
        vfs = self.vfs
        acc = flags & O_ACCMODE
        if acc == 3:
            raise SyscallError(E.EINVAL)
        try:
            node = vfs.resolve(start, path, follow=not flags & O_NOFOLLOW)
            if flags & O_CREAT and flags & O_EXCL:
                raise SyscallError(E.EEXIST)
        except SyscallError as e:
            if e.errno != E.ENOENT or not flags & O_CREAT:
                raise
            parent, name = vfs.resolve_parent(start, path)
            if name in (".", "..") or path.endswith("/"):
                raise SyscallError(E.EISDIR) from None
            existing = parent.lookup(name)
            if isinstance(existing, Symlink):  # dangling symlink: create its target
                parent, name = vfs.resolve_parent(parent, existing.target)
            node = parent.create_file(name, (mode & 0o7777) & ~vfs.umask)
        if isinstance(node, Symlink):
            if flags & O_PATH:
                pass
            else:
                raise SyscallError(E.ELOOP)
        if flags & O_DIRECTORY and not isinstance(node, Dir):
            raise SyscallError(E.ENOTDIR)
        if isinstance(node, Dir) and (acc != O_RDONLY or flags & O_CREAT) and not flags & O_PATH:
            raise SyscallError(E.EISDIR)
        if node.readonly and (acc != O_RDONLY or flags & O_TRUNC) and not flags & O_PATH:
            raise SyscallError(E.EROFS)  # the sysroot overlay
        of: OpenFile
        if isinstance(node, Device) and not flags & O_PATH:
            if node.name == "tty" and self.terminal is not None:
                of = TtyFile(self.terminal, node, acc)
            elif node.name == "tty":
                of = StreamFile(node, acc, reader=self._stdin, writer=self._stdout.write, tty=True)
            else:
                of = DeviceFile(node, acc)
        else:
            of = OpenFile(node, flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC), path)
            if flags & O_TRUNC and acc != O_RDONLY and isinstance(node, File | HostFile):
                node.truncate(0)
        of.flags = flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC | O_NOFOLLOW)
        return self._new_fd(of, cloexec=bool(flags & O_CLOEXEC))

    @syscall_nr(Nr.close)
    def sys_close(self, fd: int, *_: int) -> int:
        of = self.fds.pop(s32(fd), None)
        if of is None:
            raise SyscallError(E.EBADF)
        self.cloexec.discard(s32(fd))
        self._release(of)
        return 0

    @syscall_nr(Nr.lseek)
    def sys_lseek(self, fd: int, off: int, whence: int, *_: int) -> int:
        of = self._file(fd)
        if not of.seekable():
            raise SyscallError(E.ESPIPE)
        off = s64(off)
        size = of.node.size()
        if isinstance(of, DeviceFile):
            return 0
        if whence == 0:
            new = off
        elif whence == 1:
            new = of.offset + off
        elif whence == 2:
            new = size + off
        elif whence in (3, 4):  # SEEK_DATA, SEEK_HOLE
            if off < 0 or off >= size:
                raise SyscallError(E.ENXIO)
            new = off if whence == 3 else size
        else:
            raise SyscallError(E.EINVAL)
        if new < 0:
            raise SyscallError(E.EINVAL)
        if isinstance(of.node, Dir) and new != of.offset:
            of.dir_names = None if new == 0 else of.dir_names
        of.offset = new
        return new

    @syscall_nr(Nr.fstat)
    def sys_fstat(self, fd: int, buf: int, *_: int) -> int:
        of = self._file(fd)
        self.aspace.write(buf, self._stat_bytes(of.node, of))
        return 0

    @syscall_nr(Nr.newfstatat)
    def sys_newfstatat(self, dirfd: int, pathptr: int, buf: int, flags: int, *_: int) -> int:
        if flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800):
            raise SyscallError(E.EINVAL)
        path = self._path(pathptr)
        if path == "" and flags & AT_EMPTY_PATH and s32(dirfd) != AT_FDCWD:
            of = self._file(dirfd)
            self.aspace.write(buf, self._stat_bytes(of.node, of))
            return 0
        node = self._lookup(dirfd, pathptr, flags)
        self.aspace.write(buf, self._stat_bytes(node))
        return 0

    @syscall_nr(Nr.statx)
    def sys_statx(self, dirfd: int, pathptr: int, flags: int, mask: int, buf: int, *_: int) -> int:
        if flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800 | 0x6000):
            raise SyscallError(E.EINVAL)
        path = self._path(pathptr)
        of = None
        if path == "" and flags & AT_EMPTY_PATH and s32(dirfd) != AT_FDCWD:
            of = self._file(dirfd)
            node = of.node
        else:
            node = self._lookup(dirfd, pathptr, flags)
        st = struct.unpack("<QQIIIIQQqiiqqQqQqQII", self._stat_bytes(node, of))
        dev, ino, mode, nlink, uid, gid, rdev, _, size, blksize, _, blocks = st[:12]
        atime, mtime, ctime = node.atime, node.mtime, node.ctime
        head = STATX.pack(0x7FF, blksize, 0, nlink, uid, gid, mode, 0, ino, size, blocks, 0)

        def sts(ns: int) -> bytes:
            return struct.pack("<qIi", ns // 1_000_000_000, ns % 1_000_000_000, 0)

        body = head + sts(atime) + sts(ctime) + sts(ctime) + sts(mtime)
        body += struct.pack("<IIII", rdev >> 8, rdev & 0xFF, dev >> 8, dev & 0xFF)
        self.aspace.write(buf, body + bytes(256 - len(body)))
        return 0

    @syscall_nr(Nr.getdents64)
    def sys_getdents64(self, fd: int, buf: int, count: int, *_: int) -> int:
        of = self._file(fd)
        if not isinstance(of.node, Dir):
            raise SyscallError(E.ENOTDIR)
        count = min(count, MAX_IO)
        if not self.aspace.writable(buf, max(count, 1)):
            raise SyscallError(E.EFAULT)
        data = getdents_records(of, count)
        self.aspace.write(buf, data)
        return len(data)

    @syscall_nr(Nr.unlinkat)
    def sys_unlinkat(self, dirfd: int, pathptr: int, flags: int, *_: int) -> int:
        if flags & ~AT_REMOVEDIR:
            raise SyscallError(E.EINVAL)
        path = self._path(pathptr)
        self.vfs.unlink(self._dir(dirfd, path), path, rmdir=bool(flags & AT_REMOVEDIR))
        return 0

    @syscall_nr(Nr.mkdirat)
    def sys_mkdirat(self, dirfd: int, pathptr: int, mode: int, *_: int) -> int:
        path = self._path(pathptr)
        self.vfs.mkdir(self._dir(dirfd, path), path, mode & 0o7777)
        return 0

    @syscall_nr(Nr.renameat2)
    def sys_renameat2(
        self, olddir: int, oldptr: int, newdir: int, newptr: int, flags: int, *_: int
    ) -> int:
        if flags & ~1:
            raise SyscallError(E.EINVAL)
        old, new = self._path(oldptr), self._path(newptr)
        self.vfs.rename(
            self._dir(olddir, old), old, self._dir(newdir, new), new, noreplace=bool(flags & 1)
        )
        return 0

    @syscall_nr(Nr.renameat)
    def sys_renameat(self, olddir: int, oldptr: int, newdir: int, newptr: int, *_: int) -> int:
        return self.sys_renameat2(olddir, oldptr, newdir, newptr, 0)

    @syscall_nr(Nr.symlinkat)
    def sys_symlinkat(self, target: int, dirfd: int, pathptr: int, *_: int) -> int:
        tgt, path = self._path(target), self._path(pathptr)
        if tgt == "":
            raise SyscallError(E.ENOENT)
        d, name = self.vfs.resolve_parent(self._dir(dirfd, path), path)
        if name in (".", "..") or d.lookup(name) is not None:
            raise SyscallError(E.EEXIST)
        d.symlink(name, tgt)
        return 0

    @syscall_nr(Nr.linkat)
    def sys_linkat(self, olddir: int, oldptr: int, newdir: int, newptr: int, flags: int) -> int:
        old, new = self._path(oldptr), self._path(newptr)
        node = self.vfs.resolve(self._dir(olddir, old), old, follow=bool(flags & 0x400))
        if isinstance(node, Dir):
            raise SyscallError(E.EPERM)
        d, name = self.vfs.resolve_parent(self._dir(newdir, new), new)
        if name in (".", "..") or d.lookup(name) is not None:
            raise SyscallError(E.EEXIST)
        d.add(name, node)
        node.nlink += 1
        return 0

    @syscall_nr(Nr.getcwd)
    def sys_getcwd(self, buf: int, size: int, *_: int) -> int:
        raw = self.vfs.getcwd().encode("utf-8", "surrogateescape") + b"\0"
        if size < len(raw):
            raise SyscallError(E.ERANGE)
        self.aspace.write(buf, raw)
        return len(raw)

    @syscall_nr(Nr.chdir)
    def sys_chdir(self, pathptr: int, *_: int) -> int:
        path = self._path(pathptr)
        node = self.vfs.resolve(self.vfs.cwd, path)
        if not isinstance(node, Dir):
            raise SyscallError(E.ENOTDIR)
        self.vfs.cwd = node
        return 0

    @syscall_nr(Nr.fchdir)
    def sys_fchdir(self, fd: int, *_: int) -> int:
        node = self._file(fd).node
        if not isinstance(node, Dir):
            raise SyscallError(E.ENOTDIR)
        self.vfs.cwd = node
        return 0

    @syscall_nr(Nr.readlinkat)
    def sys_readlinkat(self, dirfd: int, pathptr: int, buf: int, size: int, *_: int) -> int:
        if s32(size) <= 0:
            raise SyscallError(E.EINVAL)
        path = self._path(pathptr)
        target = self.vfs.readlink(self._dir(dirfd, path), path)
        raw = target.encode("utf-8", "surrogateescape")[: s32(size)]
        self.aspace.write(buf, raw)
        return len(raw)

    @syscall_nr(Nr.faccessat2)
    def sys_faccessat2(self, dirfd: int, pathptr: int, mode: int, flags: int, *_: int) -> int:
        if mode & ~7 or flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH):
            raise SyscallError(E.EINVAL)
        node = self._lookup(dirfd, pathptr, flags)
        if mode & 1 and not isinstance(node, Dir) and not node.perm & 0o111:
            raise SyscallError(E.EACCES)
        if mode & 2 and node.readonly:
            raise SyscallError(E.EROFS)
        return 0

    @syscall_nr(Nr.faccessat)
    def sys_faccessat(self, dirfd: int, pathptr: int, mode: int, *_: int) -> int:
        return self.sys_faccessat2(dirfd, pathptr, mode, 0)

    @syscall_nr(Nr.ftruncate)
    def sys_ftruncate(self, fd: int, length: int, *_: int) -> int:
        of = self._file(fd)
        if s64(length) < 0:
            raise SyscallError(E.EINVAL)
        if not isinstance(of.node, File | HostFile) or not of.writable:
            raise SyscallError(E.EINVAL)
        of.node.truncate(length)
        return 0

    @syscall_nr(Nr.truncate)
    def sys_truncate(self, pathptr: int, length: int, *_: int) -> int:
        node = self.vfs.resolve(self.vfs.cwd, self._path(pathptr))
        if isinstance(node, Dir):
            raise SyscallError(E.EISDIR)
        if s64(length) < 0 or not isinstance(node, File | HostFile):
            raise SyscallError(E.EINVAL)
        node.truncate(length)
        return 0

    @syscall_nr(Nr.fsync, Nr.fdatasync)
    def sys_fsync(self, fd: int, *_: int) -> int:
        self._file(fd)
        return 0

    @syscall_nr(Nr.fchmodat)
    def sys_fchmodat(self, dirfd: int, pathptr: int, mode: int, *_: int) -> int:
        node = self._lookup(dirfd, pathptr, 0)
        if node.readonly:
            raise SyscallError(E.EROFS)
        node.perm = mode & 0o7777
        node.ctime = time.time_ns()
        node.changed()
        return 0

    @syscall_nr(Nr.fchmod)
    def sys_fchmod(self, fd: int, mode: int, *_: int) -> int:
        node = self._file(fd).node
        if node.readonly:
            raise SyscallError(E.EROFS)
        node.perm = mode & 0o7777
        node.changed()
        return 0

    @syscall_nr(Nr.utimensat)
    def sys_utimensat(self, dirfd: int, pathptr: int, times: int, flags: int, *_: int) -> int:
        node = self._file(dirfd).node if pathptr == 0 else self._lookup(dirfd, pathptr, flags)
        if node.readonly:
            raise SyscallError(E.EROFS)
        now = time.time_ns()
        if times == 0:
            node.atime = node.mtime = now
        else:
            a_s, a_ns, m_s, m_ns = struct.unpack("<qqqq", self.aspace.read(times, 32))
            for which, (sec, ns) in (("atime", (a_s, a_ns)), ("mtime", (m_s, m_ns))):
                if ns == (1 << 30) - 2:  # UTIME_OMIT
                    continue
                if ns == (1 << 30) - 1:  # UTIME_NOW
                    setattr(node, which, now)
                elif not 0 <= ns < 1_000_000_000:
                    raise SyscallError(E.EINVAL)
                else:
                    setattr(node, which, sec * 1_000_000_000 + ns)
        node.changed()
        return 0

    @syscall_nr(Nr.ioctl)
    def sys_ioctl(self, fd: int, req: int, arg: int, *_: int) -> int:
        of = self._file(fd)
        req &= 0xFFFFFFFF
        if req == FIONBIO:
            on = self.aspace.read_u32(arg)
            of.flags = of.flags | O_NONBLOCK if on else of.flags & ~O_NONBLOCK
            return 0
        if req == FIONREAD and hasattr(of, "readable_bytes"):
            self.aspace.write_u32(arg, of.readable_bytes())
            return 0
        if isinstance(of, TtyFile):
            return of.ioctl(req, arg, self.aspace.read, self.aspace.write)
        if not of.is_tty():
            raise SyscallError(E.ENOTTY)
        if req == TCGETS:
            self.aspace.write(arg, DEFAULT_TERMIOS)
            return 0
        if req in (TCSETS, TCSETSW, TCSETSF):
            self.aspace.read(arg, TERMIOS.size)
            return 0
        if req == TIOCGWINSZ:
            self.aspace.write(arg, struct.pack("<HHHH", 24, 80, 0, 0))
            return 0
        if req == TIOCSWINSZ:
            self.aspace.read(arg, 8)
            return 0
        if req == TIOCGPGRP:
            self.aspace.write_u32(arg, self.pid)
            return 0
        if req == TIOCSPGRP:
            self.aspace.read(arg, 4)
            return 0
        if req == FIONREAD:
            self.aspace.write_u32(arg, 0)
            return 0
        raise SyscallError(E.ENOTTY)

    @syscall_nr(Nr.fcntl)
    def sys_fcntl(self, fd: int, cmd: int, arg: int, *_: int) -> int:
        of = self._file(fd)
        fdn = s32(fd)
        cmd = s32(cmd)
        if cmd in (0, 1030):  # F_DUPFD, F_DUPFD_CLOEXEC
            if s32(arg) < 0 or s32(arg) >= self.rlimits[7][0]:
                raise SyscallError(E.EINVAL)
            return self._new_fd(of, s32(arg), cloexec=cmd == 1030)
        if cmd == 1:  # F_GETFD
            return 1 if fdn in self.cloexec else 0
        if cmd == 2:  # F_SETFD
            if arg & 1:
                self.cloexec.add(fdn)
            else:
                self.cloexec.discard(fdn)
            return 0
        if cmd == 3:  # F_GETFL
            return (of.flags & ~O_CLOEXEC) | (0 if isinstance(of, StreamFile) else O_LARGEFILE)
        if cmd == 4:  # F_SETFL: only O_APPEND and O_NONBLOCK (and friends) change
            settable = O_APPEND | O_NONBLOCK | 0o20000 | 0o40000 | 0o1000000
            of.flags = (of.flags & ~settable) | (arg & settable)
            return 0
        if cmd in (5, 6, 7, 36, 37, 38):  # locks: always granted
            if cmd in (5, 36):
                raw = bytearray(self.aspace.read(arg, 32))
                struct.pack_into("<h", raw, 0, 2)  # F_UNLCK
                self.aspace.write(arg, raw)
            return 0
        if cmd in (1025, 1026):  # F_SETLEASE / F_GETLEASE
            raise SyscallError(E.EINVAL)
        if cmd == 1031:  # F_SETPIPE_SZ
            return 65536
        if cmd == 1032:  # F_GETPIPE_SZ
            if not isinstance(of, PipeEnd):
                raise SyscallError(E.EBADF)
            return 65536
        raise SyscallError(E.EINVAL)

    @syscall_nr(Nr.dup)
    def sys_dup(self, fd: int, *_: int) -> int:
        return self._new_fd(self._file(fd))

    @syscall_nr(Nr.dup3)
    def sys_dup3(self, old: int, new: int, flags: int, *_: int) -> int:
        of = self._file(old)
        new = s32(new)
        if s32(old) == new or flags & ~O_CLOEXEC:
            raise SyscallError(E.EINVAL)
        if new < 0 or new >= self.rlimits[7][0]:
            raise SyscallError(E.EBADF)
        prev = self.fds.pop(new, None)
        if prev is not None:
            self._release(prev)
        return self._new_fd(of, new, cloexec=bool(flags & O_CLOEXEC))

    @syscall_nr(Nr.pipe2)
    def sys_pipe2(self, fds: int, flags: int, *_: int) -> int:
        if flags & ~(O_CLOEXEC | O_NONBLOCK | 0o40000):
            raise SyscallError(E.EINVAL)
        if not self.aspace.writable(fds, 8):
            raise SyscallError(E.EFAULT)
        p = Pipe()
        r = PipeEnd(p, O_RDONLY | (flags & O_NONBLOCK))
        w = PipeEnd(p, O_WRONLY | (flags & O_NONBLOCK))
        try:
            rfd = self._new_fd(r, cloexec=bool(flags & O_CLOEXEC))
        except SyscallError:
            r.close()
            w.close()
            raise
        try:
            wfd = self._new_fd(w, cloexec=bool(flags & O_CLOEXEC))
        except SyscallError:
            self._release(self.fds.pop(rfd))
            w.close()
            raise
        self.aspace.write(fds, struct.pack("<ii", rfd, wfd))
        return 0

    # --- memory ---------------------------------------------------------------------------------

    @syscall_nr(Nr.brk)
    def sys_brk(self, addr: int, *_: int) -> int:
        return self.aspace.brk(addr)

    @syscall_nr(Nr.mmap)
    def sys_mmap(self, addr: int, length: int, prot: int, flags: int, fd: int, off: int) -> int:
        kind = flags & 3
        if kind == 0 or length == 0:
            return -E.EINVAL
        if off & (PAGE - 1):
            return -E.EINVAL
        if prot & ~7 and prot & ~(7 | 0x03000000):
            return -E.EINVAL
        fixed = bool(flags & MAP_FIXED)
        noreplace = bool(flags & MAP_FIXED_NOREPLACE) and not fixed
        of = None
        if not flags & MAP_ANONYMOUS:
            of = self._file(fd)
            node = of.node
            if not isinstance(node, File | HostFile | Device):
                return -E.ENODEV if isinstance(node, Dir) else -E.EACCES
            if not of.readable:
                return -E.EACCES
            if kind != MAP_PRIVATE and prot & 2 and not of.writable:
                return -E.EACCES
        if length > (1 << 62):
            return -E.ENOMEM
        r = self.aspace.do_map(addr, length, prot, fixed=fixed, noreplace=noreplace)
        if r < 0 or of is None:
            return r
        if isinstance(of.node, File | HostFile):
            data = of.node.read_at(off, page_up(length))
            self.aspace.load_write(r, data)
        return r

    @syscall_nr(Nr.munmap)
    def sys_munmap(self, addr: int, length: int, *_: int) -> int:
        return self.aspace.do_unmap(addr, length)

    @syscall_nr(Nr.mprotect)
    def sys_mprotect(self, addr: int, length: int, prot: int, *_: int) -> int:
        return self.aspace.do_protect(addr, length, prot)

    @syscall_nr(Nr.mremap)
    def sys_mremap(
        self, old: int, old_size: int, new_size: int, flags: int, new: int, *_: int
    ) -> int:
        return self.aspace.do_mremap(old, old_size, new_size, flags, new)

    @syscall_nr(Nr.madvise)
    def sys_madvise(self, addr: int, length: int, advice: int, *_: int) -> int:
        if addr & (PAGE - 1):
            return -E.EINVAL
        if advice not in range(0, 26) and advice != 100:
            return -E.EINVAL
        end = page_up(addr + length)
        if end > self.aspace.brk_limit + (64 << 20) and end > (1 << 30):
            return -E.ENOMEM
        if end > addr and (
            end > abi.GUEST_SIZE or self.aspace.mapped.find(0, addr >> 12, end >> 12) >= 0
        ):
            return -E.ENOMEM
        if advice == 4:  # MADV_DONTNEED: private anonymous pages read back as zeros
            self.aspace.zero(addr, end - addr)
        return 0

    @syscall_nr(Nr.riscv_flush_icache)
    def sys_riscv_flush_icache(self, start: int, end: int, flags: int, *_: int) -> int:
        if flags & ~1:
            return -E.EINVAL
        return 0  # coherent already: a store to code invalidates its translations

    @syscall_nr(Nr.membarrier)
    def sys_membarrier(self, *_: int) -> int:
        return -E.ENOSYS

    @syscall_nr(Nr.rseq)
    def sys_rseq(self, *_: int) -> int:
        return -E.ENOSYS

    @syscall_nr(Nr.rt_sigreturn)
    def sys_rt_sigreturn(self, *_: int) -> int:
        return self.signals.sigreturn()

    # --- process ----------------------------------------------------------------------------------

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

    # --- signals (state and frames live in signals.py) ---------------------------------------

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
        return -E.EINVAL

    @syscall_nr(Nr.umask)
    def sys_umask(self, mask: int, *_: int) -> int:
        old = self.vfs.umask
        self.vfs.umask = mask & 0o777
        return old

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

    # --- time -----------------------------------------------------------------------------------

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
        self.aspace.write(tp, _ts(self._clock(clk)))
        return 0

    @syscall_nr(Nr.clock_getres)
    def sys_clock_getres(self, clk: int, tp: int, *_: int) -> int:
        self._clock(clk)
        if tp:
            res = 4_000_000 if s32(clk) in (5, 6) else 1
            self.aspace.write(tp, _ts(res))
        return 0

    @syscall_nr(Nr.gettimeofday)
    def sys_gettimeofday(self, tv: int, tz: int, *_: int) -> int:
        ns = time.time_ns()
        if tv:
            self.aspace.write(tv, struct.pack("<qq", ns // 10**9, (ns % 10**9) // 1000))
        if tz:
            self.aspace.write(tz, bytes(8))
        return 0

    def _read_ts(self, ptr: int) -> int:
        sec, nsec = struct.unpack("<qq", self.aspace.read(ptr, 16))
        if sec < 0 or not 0 <= nsec < 1_000_000_000:
            raise SyscallError(E.EINVAL)
        return sec * 1_000_000_000 + nsec

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
                self.aspace.write(rem, _ts(ns))
            return -E.EINTR
        end = time.monotonic_ns() + ns
        if not self.signals.wait(ns):
            return 0
        if rem:
            self.aspace.write(rem, _ts(max(0, end - time.monotonic_ns())))
        return -E.EINTR

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

    # --- introspection --------------------------------------------------------------------------

    def syscall_name(self, nr: int) -> str:
        entry = self.table.get(nr)
        return entry[0] if entry else f"syscall_{nr}"


__all__ = ["O_RDWR", "O_WRONLY", "Linux"]
