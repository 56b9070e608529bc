"""System calls real programs make beyond the subsystems' own (`sys_files.py` and the others):
answered as Linux answers them on a tmpfs-like filesystem without extended attributes, in one
process without a network.

`ExtraSyscalls` is one of the classes `syscalls.Linux` is made of; its ``sys_*`` methods are
registered with the same ``@syscall_nr`` decorator. Seen in Debian's programs: `mincore`
(libsigsegv's stack probe in gawk, grep, diff), `fadvise64` (coreutils, xz), `landlock_*` (xz),
`statfs`, the xattr calls (ls, sed -i, sqlite3), `fchown` (sed -i), `socket`/`connect` (glibc's
nscd probe in getpwuid, which must fall back silently), `copy_file_range` (cat, cp), `splice`.
"""

from __future__ import annotations

import os
import struct
import time

from ..isa.table import extensions
from . import errors as E
from .base import AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, MAX_IO, LinuxBase
from .dispatch import s32 as _s32
from .dispatch import syscall_nr
from .errors import SyscallError, WouldBlock
from .mm import PAGE
from .sysnr import Nr
from .vfs import (
    O_NONBLOCK,
    O_RDONLY,
    O_RDWR,
    O_WRONLY,
    S_IFSOCK,
    File,
    HostDir,
    HostFile,
    Node,
    OpenFile,
    Pipe,
    PipeEnd,
)

XATTR_NAME_MAX = 255
XATTR_SIZE_MAX = 65536

TMPFS_MAGIC = 0x01021994
ST_RDONLY, ST_VALID = 0x1, 0x20
# asm-generic struct statfs on a 64-bit ABI: 7 longs, fsid (2 ints), namelen, frsize, flags,
# spare[4] (120 bytes)
STATFS = struct.Struct("<7q2i3q4q")

AF_UNIX, AF_INET, AF_INET6 = 1, 2, 10
SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET = 1, 2, 5
SOCK_NONBLOCK, SOCK_CLOEXEC = 0o4000, 0o2000000


# riscv_hwprobe (258): keys and RISCV_HWPROBE_KEY_IMA_EXT_0 bits (Linux's uapi asm/hwprobe.h)
HWPROBE_MVENDORID, HWPROBE_MARCHID, HWPROBE_MIMPID = 0, 1, 2
HWPROBE_BASE_BEHAVIOR, HWPROBE_IMA_EXT_0, HWPROBE_CPUPERF_0 = 3, 4, 5
HWPROBE_ZICBOZ_BLOCK_SIZE, HWPROBE_HIGHEST_VIRT_ADDRESS = 6, 7
HWPROBE_TIME_CSR_FREQ, HWPROBE_MISALIGNED_SCALAR_PERF = 8, 9
TIME_CSR_FREQ = 10_000_000  # the time CSR counts 100 ns ticks (translate/hostemu.py)
HWPROBE_BASE_BEHAVIOR_IMA = 1
HWPROBE_MISALIGNED_FAST = 3  # a misaligned access costs what an aligned one does here
HWPROBE_WHICH_CPUS = 1
HWPROBE_EXT_BITS: dict[str, int] = {
    "FD": 0, "C": 1, "V": 2, "Zba": 3, "Zbb": 4, "Zbs": 5, "Zicboz": 6, "Zbc": 7,
    "Zbkb": 8, "Zbkc": 9, "Zbkx": 10, "Zknd": 11, "Zkne": 12, "Zknh": 13, "Zksed": 14,
    "Zksh": 15, "Zkt": 16, "Zvbb": 17, "Zvbc": 18, "Zvkb": 19, "Zvkg": 20, "Zvkned": 21,
    "Zvknha": 22, "Zvknhb": 23, "Zvksed": 24, "Zvksh": 25, "Zvkt": 26,
    "Zfh": 27, "Zfhmin": 28, "Zihintntl": 29, "Zvfh": 30, "Zvfhmin": 31, "Zfa": 32,
    "Zicond": 35, "Zihintpause": 36, "Zve32x": 37, "Zve32f": 38, "Zve64x": 39, "Zve64f": 40,
    "Zve64d": 41, "Zimop": 42, "Zca": 43, "Zcb": 44, "Zcd": 45, "Zcmop": 47, "Zawrs": 48,
}  # fmt: skip
# Extensions made only of hints of the base ISA: implemented by decoding those as the base does.
HINT_ONLY_EXTS = frozenset({"Zihintntl", "Zihintpause"})
# Extensions without instructions of their own: Zkt (data-independent timing of the listed
# instructions; see docs/architecture.md, Scalar cryptography).
PROPERTY_EXTS = frozenset({"Zkt"})
# The same for the vector unit: Zvkt (data-independent timing of the listed vector
# instructions, as for Zkt), advertised with V.
VECTOR_PROPERTY_EXTS = frozenset({"Zvkt"})
# What V (VLEN = 128, ELEN = 64, with F and D) implies and Linux reports with it.
V_IMPLIED_EXTS = frozenset({"Zve32x", "Zve32f", "Zve64x", "Zve64f", "Zve64d"})


# Extensions with rows in the table that are not complete yet, so not advertised (empty: V was
# the last; the unit tests still put V here to check that nothing of it shows then).
IN_PROGRESS_EXTS: frozenset[str] = frozenset()


def implemented_extensions() -> frozenset[str]:
    """The extensions the instruction table implements (Zca and Zcd are C's parts for RV64D;
    V brings the Zve* subsets and Zvkt; a vector extension (Zv*) without V is not advertised,
    so Zvbb and the others appear when V leaves `IN_PROGRESS_EXTS`, not before)."""
    exts = (set(extensions()) - IN_PROGRESS_EXTS) | HINT_ONLY_EXTS | PROPERTY_EXTS
    if "C" in exts:
        exts |= {"Zca", "Zcd"} if "FD" in exts else {"Zca"}
    if "V" in exts:
        exts |= V_IMPLIED_EXTS | VECTOR_PROPERTY_EXTS
    else:
        exts = {e for e in exts if not e.startswith("Zv")}
    return frozenset(exts)


def hwcap() -> int:
    """AT_HWCAP: one bit per single-letter extension, bit (letter - 'a'): I M A F D C, and V
    once it is implemented (Linux's riscv_fill_hwcap)."""
    exts = implemented_extensions()
    letters = "imafdc" + ("v" if "V" in exts else "")
    return sum(1 << (ord(c) - ord("a")) for c in letters)


def hwprobe_ima_ext_0() -> int:
    return sum(1 << HWPROBE_EXT_BITS[e] for e in implemented_extensions() if e in HWPROBE_EXT_BITS)


def hwprobe_value(key: int) -> int | None:
    """What Linux answers for ``key`` on this machine, None for a key it does not know."""
    from .. import abi
    from ..abi import CBO_BLOCK

    return {
        HWPROBE_MVENDORID: 0,
        HWPROBE_MARCHID: 0,
        HWPROBE_MIMPID: 0,
        HWPROBE_BASE_BEHAVIOR: HWPROBE_BASE_BEHAVIOR_IMA,
        HWPROBE_IMA_EXT_0: hwprobe_ima_ext_0(),
        HWPROBE_CPUPERF_0: HWPROBE_MISALIGNED_FAST,
        HWPROBE_ZICBOZ_BLOCK_SIZE: CBO_BLOCK,
        HWPROBE_HIGHEST_VIRT_ADDRESS: abi.GUEST_SIZE - 1,
        HWPROBE_TIME_CSR_FREQ: TIME_CSR_FREQ,
        HWPROBE_MISALIGNED_SCALAR_PERF: HWPROBE_MISALIGNED_FAST,
    }.get(key)


def _s64(x: int) -> int:
    x &= (1 << 64) - 1
    return x - (1 << 64) if x >> 63 else x


class SocketNode(Node):
    kind = S_IFSOCK


class UnixSocket(OpenFile):
    """An AF_UNIX socket that never connects: nothing in the emulated filesystem listens."""

    def __init__(self, sock_type: int, flags: int) -> None:
        super().__init__(SocketNode(0o777), O_RDWR | flags)
        self.sock_type = sock_type

    def seekable(self) -> bool:
        return False

    def read(self, n: int) -> bytes:
        raise SyscallError(E.ENOTCONN if self.sock_type != SOCK_DGRAM else E.EAGAIN)

    def pread(self, n: int, off: int) -> bytes:
        raise SyscallError(E.ESPIPE)

    def write(self, data: bytes) -> int:
        raise SyscallError(E.ENOTCONN)

    def pwrite(self, data: bytes, off: int) -> int:
        raise SyscallError(E.ESPIPE)


class StreamSocket(OpenFile):
    """One end of an AF_UNIX SOCK_STREAM socketpair: reads one pipe, writes the other (so the
    pipes' blocking, EOF and EPIPE rules apply); O_NONBLOCK follows this description's flags."""

    def __init__(self, rx: Pipe, tx: Pipe, flags: int) -> None:
        super().__init__(SocketNode(0o777), O_RDWR | flags)
        self.rx = PipeEnd(rx, O_RDONLY)
        self.tx = PipeEnd(tx, O_WRONLY)

    def _sync(self) -> None:
        nb = self.flags & O_NONBLOCK
        self.rx.flags = O_RDONLY | nb
        self.tx.flags = O_WRONLY | nb

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self.rx.close()
        self.tx.close()

    def poll_in(self) -> bool:
        return self.rx.poll_in()

    def poll_out(self) -> bool:
        return self.tx.poll_out()

    def read(self, n: int) -> bytes:
        self._sync()
        return self.rx.read(n)

    def write(self, data: bytes) -> int:
        self._sync()
        return self.tx.write(data)

    def pread(self, n: int, off: int) -> bytes:
        raise SyscallError(E.ESPIPE)

    def pwrite(self, data: bytes, off: int) -> int:
        raise SyscallError(E.ESPIPE)


def _regular(node: Node) -> bool:
    return isinstance(node, File | HostFile)


class ExtraSyscalls(LinuxBase):
    """Part of `syscalls.Linux` (uses the aspace, fds, vfs and lookup helpers of `LinuxBase`)."""

    # --- the machine --------------------------------------------------------------------------

    @syscall_nr(Nr.riscv_hwprobe)
    def sys_riscv_hwprobe(
        self, pairs: int, count: int, cpusetsize: int, cpus: int, flags: int, *_: int
    ) -> int:
        """Fill each {s64 key; u64 value} pair; an unknown key becomes -1 with value 0. One hart:
        any CPU set that names CPU 0 (or none: all CPUs) gets the same answers."""
        if flags & ~HWPROBE_WHICH_CPUS:
            raise SyscallError(E.EINVAL)
        if flags & HWPROBE_WHICH_CPUS:  # which CPUs have all these pairs: ours (CPU 0), or none
            if not cpusetsize or not cpus:
                raise SyscallError(E.EINVAL)
            cpuset = self.aspace.read(cpus, cpusetsize)
            ok = all(hwprobe_value(k) == v for k, v in self._pairs(pairs, count))
            mine = cpuset[0] & 1 or not any(cpuset)  # an empty set means every online CPU
            self.aspace.write(cpus, bytes([1 if ok and mine else 0]) + bytes(cpusetsize - 1))
            return 0
        if cpusetsize and cpus and not self.aspace.read(cpus, 1)[0] & 1:
            raise SyscallError(E.EINVAL)  # a set without CPU 0 names no online CPU
        for k, (key, _v) in enumerate(self._pairs(pairs, count)):
            value = hwprobe_value(key)
            out = struct.pack("<qQ", key if value is not None else -1, value or 0)
            self.aspace.write(pairs + 16 * k, out)
        return 0

    def _pairs(self, pairs: int, count: int) -> list[tuple[int, int]]:
        count = min(count, 4096)
        raw = self.aspace.read(pairs, 16 * count) if count else b""
        return [struct.unpack_from("<qQ", raw, 16 * k) for k in range(count)]

    # --- memory ---------------------------------------------------------------------------------

    @syscall_nr(Nr.mincore)
    def sys_mincore(self, addr: int, length: int, vec: int, *_: int) -> int:
        if addr % PAGE:
            raise SyscallError(E.EINVAL)
        npages = (length + PAGE - 1) // PAGE
        if addr + npages * PAGE > 1 << 48:
            raise SyscallError(E.ENOMEM)
        for i in range(npages):  # every mapped page is resident
            if not self.aspace.is_mapped(addr + i * PAGE):
                raise SyscallError(E.ENOMEM)
        if npages and not self.aspace.writable(vec, npages):
            raise SyscallError(E.EFAULT)
        self.aspace.write(vec, b"\x01" * npages)
        return 0

    # --- advice and filesystem information ------------------------------------------------------

    @syscall_nr(Nr.fadvise64)
    def sys_fadvise64(self, fd: int, offset: int, length: int, advice: int, *_: int) -> int:
        of = self._file(fd)
        if isinstance(of, PipeEnd | UnixSocket) or of.node.kind == 0o010000:
            raise SyscallError(E.ESPIPE)
        if advice > 5 or _s64(length) < 0:
            raise SyscallError(E.EINVAL)
        return 0

    def _statfs(self, node: Node, buf: int) -> int:
        hpath = getattr(node, "hpath", None)
        flags = ST_VALID | (ST_RDONLY if node.readonly else 0)
        if isinstance(node, HostFile | HostDir) and hpath is not None:
            try:
                v = os.statvfs(hpath)
            except OSError as e:
                raise SyscallError(E.from_host(e.errno)) from None
            numbers = (v.f_bsize, v.f_blocks, v.f_bfree, v.f_bavail, v.f_files, v.f_ffree)
            namelen, frsize = v.f_namemax, v.f_frsize
        else:  # the in-memory filesystem: a 1 GiB tmpfs
            numbers = (PAGE, 262144, 262144, 262144, 65536, 65536)
            namelen, frsize = 255, PAGE
        data = STATFS.pack(TMPFS_MAGIC, *numbers, 0, 0, namelen, frsize, flags, 0, 0, 0, 0)
        self.aspace.write(buf, data)
        return 0

    @syscall_nr(Nr.statfs)
    def sys_statfs(self, pathptr: int, buf: int, *_: int) -> int:
        return self._statfs(self._lookup(AT_FDCWD, pathptr, 0), buf)

    @syscall_nr(Nr.fstatfs)
    def sys_fstatfs(self, fd: int, buf: int, *_: int) -> int:
        return self._statfs(self._file(fd).node, buf)

    # --- extended attributes: a filesystem that has none and stores none -------------------------

    def _xattr_target(self, kind: str, target: int) -> Node:
        """kind: "" (path, following symlinks), "l" (path, not following) or "f" (fd)."""
        if kind == "f":
            return self._file(target).node
        return self._lookup(AT_FDCWD, target, AT_SYMLINK_NOFOLLOW if kind == "l" else 0)

    def _xattr_name(self, nameptr: int) -> str:
        raw = self.aspace.read_cstr(nameptr, XATTR_NAME_MAX + 2)
        if not raw or len(raw) > XATTR_NAME_MAX:
            raise SyscallError(E.ERANGE)
        return raw.decode("utf-8", "surrogateescape")

    def _setxattr(self, kind: str, target: int, nameptr: int, size: int, flags: int) -> int:
        node = self._xattr_target(kind, target)
        self._xattr_name(nameptr)
        if flags & ~3 or size > XATTR_SIZE_MAX:
            raise SyscallError(E.EINVAL if flags & ~3 else E.E2BIG)
        if node.readonly:
            raise SyscallError(E.EROFS)
        raise SyscallError(E.EOPNOTSUPP)

    def _getxattr(self, kind: str, target: int, nameptr: int) -> int:
        self._xattr_target(kind, target)
        self._xattr_name(nameptr)
        raise SyscallError(E.ENODATA)

    def _listxattr(self, kind: str, target: int) -> int:
        self._xattr_target(kind, target)
        return 0  # an empty list

    def _removexattr(self, kind: str, target: int, nameptr: int) -> int:
        node = self._xattr_target(kind, target)
        self._xattr_name(nameptr)
        if node.readonly:
            raise SyscallError(E.EROFS)
        raise SyscallError(E.ENODATA)

    @syscall_nr(Nr.setxattr)
    def sys_setxattr(self, p: int, name: int, val: int, size: int, flags: int, *_: int) -> int:
        return self._setxattr("", p, name, size, flags)

    @syscall_nr(Nr.lsetxattr)
    def sys_lsetxattr(self, p: int, name: int, val: int, size: int, flags: int, *_: int) -> int:
        return self._setxattr("l", p, name, size, flags)

    @syscall_nr(Nr.fsetxattr)
    def sys_fsetxattr(self, fd: int, name: int, val: int, size: int, flags: int, *_: int) -> int:
        return self._setxattr("f", fd, name, size, flags)

    @syscall_nr(Nr.getxattr)
    def sys_getxattr(self, p: int, name: int, *_: int) -> int:
        return self._getxattr("", p, name)

    @syscall_nr(Nr.lgetxattr)
    def sys_lgetxattr(self, p: int, name: int, *_: int) -> int:
        return self._getxattr("l", p, name)

    @syscall_nr(Nr.fgetxattr)
    def sys_fgetxattr(self, fd: int, name: int, *_: int) -> int:
        return self._getxattr("f", fd, name)

    @syscall_nr(Nr.listxattr)
    def sys_listxattr(self, p: int, *_: int) -> int:
        return self._listxattr("", p)

    @syscall_nr(Nr.llistxattr)
    def sys_llistxattr(self, p: int, *_: int) -> int:
        return self._listxattr("l", p)

    @syscall_nr(Nr.flistxattr)
    def sys_flistxattr(self, fd: int, *_: int) -> int:
        return self._listxattr("f", fd)

    @syscall_nr(Nr.removexattr)
    def sys_removexattr(self, p: int, name: int, *_: int) -> int:
        return self._removexattr("", p, name)

    @syscall_nr(Nr.lremovexattr)
    def sys_lremovexattr(self, p: int, name: int, *_: int) -> int:
        return self._removexattr("l", p, name)

    @syscall_nr(Nr.fremovexattr)
    def sys_fremovexattr(self, fd: int, name: int, *_: int) -> int:
        return self._removexattr("f", fd, name)

    # --- ownership ------------------------------------------------------------------------------

    def _chown(self, node: Node, uid: int, gid: int) -> int:
        uid, gid = _s32(uid), _s32(gid)  # -1: leave as it is
        if node.readonly:
            raise SyscallError(E.EROFS)
        if self.uid != 0:  # an unprivileged guest may only "change" to its own ids
            if uid not in (-1, self.uid) or gid not in (-1, self.gid):
                raise SyscallError(E.EPERM)
            return 0
        if not isinstance(node, HostFile | HostDir):  # host files keep their host owner
            node.uid = node.uid if uid == -1 else uid
            node.gid = node.gid if gid == -1 else gid
        node.ctime = time.time_ns()
        return 0

    @syscall_nr(Nr.fchown)
    def sys_fchown(self, fd: int, uid: int, gid: int, *_: int) -> int:
        return self._chown(self._file(fd).node, uid, gid)

    @syscall_nr(Nr.fchownat)
    def sys_fchownat(
        self, dirfd: int, pathptr: int, uid: int, gid: int, flags: int, *_: int
    ) -> int:
        if flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH):
            raise SyscallError(E.EINVAL)
        return self._chown(self._lookup(dirfd, pathptr, flags), uid, gid)

    # --- sockets: AF_UNIX pairs (the other socket calls: sys_net.py) ---------------------------

    @syscall_nr(Nr.socketpair)
    def sys_socketpair(self, domain: int, stype: int, protocol: int, sv: int, *_: int) -> int:
        """AF_UNIX SOCK_STREAM pairs (message-oriented types are not emulated: EOPNOTSUPP)."""
        base = stype & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)
        if domain in (AF_INET, AF_INET6):  # as Linux: those families have no socketpair
            raise SyscallError(E.EOPNOTSUPP)
        if domain != AF_UNIX:
            raise SyscallError(E.EAFNOSUPPORT)
        if base not in (SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET):
            raise SyscallError(E.EINVAL)
        if protocol != 0:
            raise SyscallError(E.EPROTONOSUPPORT)
        if base != SOCK_STREAM:
            raise SyscallError(E.EOPNOTSUPP)
        if not self.aspace.writable(sv, 8):
            raise SyscallError(E.EFAULT)
        a, b = Pipe(), Pipe()
        nb, cloexec = stype & SOCK_NONBLOCK, bool(stype & SOCK_CLOEXEC)
        ends = [StreamSocket(a, b, nb), StreamSocket(b, a, nb)]
        fds: list[int] = []
        try:
            for end in ends:
                fds.append(self._new_fd(end, cloexec=cloexec))
        except SyscallError:
            for fd in fds:
                self._release(self.fds.pop(fd))
            for end in ends[len(fds) :]:
                end.close()
            raise
        self.aspace.write(sv, struct.pack("<ii", *fds))
        return 0

    # --- sandboxing: a kernel built without landlock ---------------------------------------

    @syscall_nr(Nr.landlock_create_ruleset, Nr.landlock_add_rule, Nr.landlock_restrict_self)
    def sys_landlock(self, *_: int) -> int:
        return -E.ENOSYS

    # --- copies between descriptors ---------------------------------------------------------------

    def _offset_arg(self, ptr: int, of: OpenFile) -> int | None:
        if not ptr:
            return None
        if not of.seekable():
            raise SyscallError(E.ESPIPE)
        off = _s64(self.aspace.read_u64(ptr))
        if off < 0:
            raise SyscallError(E.EINVAL)
        return off

    @syscall_nr(Nr.copy_file_range)
    def sys_copy_file_range(
        self, fd_in: int, off_in: int, fd_out: int, off_out: int, length: int, flags: int
    ) -> int:
        src, dst = self._file(fd_in), self._file(fd_out)
        if flags:
            raise SyscallError(E.EINVAL)
        if not src.readable or not dst.writable or dst.flags & 0o2000:  # O_APPEND
            raise SyscallError(E.EBADF)
        if not _regular(src.node) or not _regular(dst.node):
            raise SyscallError(E.EISDIR if src.node.kind == 0o040000 else E.EINVAL)
        oi, oo = self._offset_arg(off_in, src), self._offset_arg(off_out, dst)
        pos_in = src.offset if oi is None else oi
        pos_out = dst.offset if oo is None else oo
        n = min(length, MAX_IO)
        if src.node is dst.node and pos_in < pos_out + n and pos_out < pos_in + n:
            raise SyscallError(E.EINVAL)
        data = src.pread(n, pos_in)
        done = dst.pwrite(data, pos_out) if data else 0
        for ptr, of, pos in ((off_in, src, pos_in), (off_out, dst, pos_out)):
            if ptr:
                self.aspace.write_u64(ptr, pos + done)
            else:
                of.offset = pos + done
        return done

    @syscall_nr(Nr.splice)
    def sys_splice(
        self, fd_in: int, off_in: int, fd_out: int, off_out: int, length: int, flags: int
    ) -> int:
        src, dst = self._file(fd_in), self._file(fd_out)
        if not src.readable or not dst.writable:
            raise SyscallError(E.EBADF)
        if not isinstance(src, PipeEnd) and not isinstance(dst, PipeEnd):
            raise SyscallError(E.EINVAL)
        if (off_in and isinstance(src, PipeEnd)) or (off_out and isinstance(dst, PipeEnd)):
            raise SyscallError(E.ESPIPE)
        n = min(length, MAX_IO, PipeEnd.CAPACITY)
        oi, oo = self._offset_arg(off_in, src), self._offset_arg(off_out, dst)
        if isinstance(src, PipeEnd):
            data = src.read(n)
        else:
            pos_in = src.offset if oi is None else oi
            data = src.pread(n, pos_in)
        if not data:
            return 0
        if isinstance(dst, PipeEnd):
            try:
                done = dst.write(data)
            except (WouldBlock, SyscallError):
                if isinstance(src, PipeEnd):  # the call runs again (or fails): keep the data
                    src.pipe.buf[:0] = data
                raise
        else:
            pos_out = dst.offset if oo is None else oo
            done = dst.pwrite(data, pos_out)
            if oo is None:
                dst.offset = pos_out + done
            else:
                self.aspace.write_u64(off_out, pos_out + done)
        if isinstance(src, PipeEnd):
            src.pipe.buf[:0] = data[done:]  # what did not fit stays in the pipe
        elif oi is None:
            src.offset = pos_in + done
        else:
            self.aspace.write_u64(off_in, pos_in + done)
        return done


__all__ = ["ExtraSyscalls", "StreamSocket", "UnixSocket"]
