"""System calls on files and descriptors: read/write and their vector, positional and
zero-copy forms, poll/select, open/close, stat, directories, links, permissions, fcntl, dup,
pipes."""

from __future__ import annotations

import struct
import time

from . import errors as E
from .base import (
    AT_EMPTY_PATH,
    AT_FDCWD,
    AT_SYMLINK_NOFOLLOW,
    MAX_IO,
    LinuxBase,
)
from .dispatch import s32, syscall_nr
from .errors import (
    SyscallError,
    WouldBlock,
)
from .net import POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, revents
from .sysnr import Nr
from .ttyfile import TtyFile
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
    O_TMPFILE,
    O_TRUNC,
    O_WRONLY,
    Device,
    DeviceFile,
    Dir,
    File,
    HostFile,
    OpenFile,
    Pipe,
    PipeEnd,
    StreamFile,
    Symlink,
    getdents_records,
)

AT_REMOVEDIR = 0x200
AT_EACCESS = 0x200
O_LARGEFILE = 0o100000
MASK64 = (1 << 64) - 1
STATX = struct.Struct("<IIQIIIHHQQQQ")  # up to stx_attributes_mask; timestamps follow


def s64(x: int) -> int:
    x &= MASK64
    return x - (1 << 64) if x >> 63 else x


class FileCalls(LinuxBase):
    """The file and descriptor calls."""

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
    def _revents(self, of: OpenFile, events: int) -> int:
        return revents(of, events)

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
                    revents = POLLNVAL
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
        for ptr, want in ((rfds, POLLIN), (wfds, POLLOUT), (efds, 0)):
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
                            want | POLLERR | POLLHUP
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

    @syscall_nr(Nr.umask)
    def sys_umask(self, mask: int, *_: int) -> int:
        old = self.vfs.umask
        self.vfs.umask = mask & 0o777
        return old
