"""Syscall handlers with good and bad arguments, vfs semantics, kernel struct layouts."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from doubles import Sink, Source

from py_backend.linux import errors as E
from py_backend.linux.errors import EmulatorError, GuestExit, GuestSignal, WouldBlock
from py_backend.linux.mm import AddressSpace
from py_backend.linux.sys_files import STATX
from py_backend.linux.syscalls import Linux
from py_backend.linux.tty import TERMIOS
from py_backend.linux.vfs import STAT
from py_backend.memory import anonymous_memory

BUF = 0x200000  # scratch: 16 pages
AT_FDCWD = -100 & (2**64 - 1)


class Env:
    def __init__(self, stdin: bytes = b"", tty: bool = False) -> None:
        self.unknown: list[int] = []
        self.a = AddressSpace(anonymous_memory())
        self.a.set_brk_start(0x100000)
        self.a.map(BUF, 16 * 4096, 3, fixed=True)
        self.out, self.err = Sink(), Sink()
        self.k = Linux(
            self.a,
            ["prog"],
            [],
            Source(stdin),
            self.out,
            self.err,
            exe_path="/bin/prog",
            tty=tty,
            on_unknown_syscall=self.unknown.append,
        )
        self.strs = BUF + 0xE000

    def s(self, text: str, at: int = 0) -> int:
        addr = self.strs + at * 256
        self.a.write(addr, text.encode() + b"\0")
        return addr

    def __call__(self, nr: int, *args: int) -> int:
        return self.k.syscall(nr, tuple(a & (2**64 - 1) for a in args))

    def open(self, path: str, flags: int, mode: int = 0o644) -> int:
        return self(56, AT_FDCWD, self.s(path), flags, mode)


def test_write_read_stdio() -> None:
    e = Env(stdin=b"hello")
    e.a.write(BUF, b"out")
    assert e(64, 1, BUF, 3) == 3 and e.out.data == b"out"
    assert e(64, 2, BUF, 2) == 2 and e.err.data == b"ou"
    assert e(63, 0, BUF, 100) == 5 and e.a.read(BUF, 5) == b"hello"
    assert e(63, 0, BUF, 100) == 0
    assert e(64, 5, BUF, 1) == -E.EBADF
    assert e(64, 1, 0x1234, 10) == -E.EFAULT
    assert e(63, 0, 0x1234, 10) == -E.EFAULT
    assert e(64, 0, BUF, 1) == -E.EBADF
    assert e(63, 1, BUF, 1) == -E.EBADF
    assert e(64, 1, BUF, 0) == 0


def test_writev_readv() -> None:
    e = Env(stdin=b"abcdef")
    e.a.write(BUF + 0x100, b"hello ")
    e.a.write(BUF + 0x200, b"world")
    e.a.write(BUF, struct.pack("<QQQQ", BUF + 0x100, 6, BUF + 0x200, 5))
    assert e(66, 1, BUF, 2) == 11 and e.out.data == b"hello world"
    assert e(66, 1, BUF, -1) == -E.EINVAL
    assert e(66, 1, 0x1000, 2) == -E.EFAULT
    assert e(65, 0, BUF, 2) == 6 and e.a.read(BUF + 0x100, 6) == b"abcdef"


def test_file_roundtrip_and_flags() -> None:
    e = Env()
    O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_RDWR, O_DIRECTORY = (
        0o100,
        0o200,
        0o1000,
        0o2000,
        2,
        0o200000,
    )
    fd = e.open("/tmp/f", O_CREAT | O_RDWR)
    assert fd == 3
    e.a.write(BUF, b"0123456789")
    assert e(64, fd, BUF, 10) == 10
    assert e(62, fd, 2, 0) == 2
    assert e(63, fd, BUF + 100, 3) == 3 and e.a.read(BUF + 100, 3) == b"234"
    assert e(62, fd, -1, 2) == 9
    assert e(62, fd, -100, 0) == -E.EINVAL
    assert e(62, fd, 0, 9) == -E.EINVAL
    assert e(67, fd, BUF + 200, 4, 6) == 4 and e.a.read(BUF + 200, 4) == b"6789"
    assert e(68, fd, BUF, 2, 20) == 2
    assert e(80, fd, BUF + 0x1000) == 0
    st = STAT.unpack(e.a.read(BUF + 0x1000, 128))
    assert st[2] & 0o170000 == 0o100000 and st[2] & 0o777 == 0o644 and st[8] == 22
    assert e.open("/tmp/f", O_CREAT | O_EXCL | O_RDWR) == -E.EEXIST
    fd2 = e.open("/tmp/f", O_APPEND | 1)
    assert e(64, fd2, BUF, 1) == 1
    assert e(80, fd2, BUF + 0x1000) == 0 and STAT.unpack(e.a.read(BUF + 0x1000, 128))[8] == 23
    fd3 = e.open("/tmp/f", O_TRUNC | 1)
    assert e(80, fd3, BUF + 0x1000) == 0 and STAT.unpack(e.a.read(BUF + 0x1000, 128))[8] == 0
    assert e.open("/tmp/f", O_DIRECTORY) == -E.ENOTDIR
    assert e.open("/tmp", O_RDWR) == -E.EISDIR
    assert e.open("/nope/x", 0) == -E.ENOENT
    assert e.open("/nope/x", O_CREAT | 1) == -E.ENOENT
    assert e(56, AT_FDCWD, 0x1000, 0, 0) == -E.EFAULT
    assert e(57, fd) == 0 and e(57, fd) == -E.EBADF
    assert e(67, 0, BUF, 1, 0) == -E.ESPIPE
    assert e(62, 1, 0, 0) == -E.ESPIPE


def test_fd_ops() -> None:
    e = Env()
    assert e(23, 1) == 3
    assert e(24, 1, 10, 0o2000000) == 10
    assert e(25, 10, 1, 0) == 1  # F_GETFD -> FD_CLOEXEC
    assert e(25, 10, 2, 0) == 0 and e(25, 10, 1, 0) == 0
    assert e(25, 1, 0, 20) == 20  # F_DUPFD
    assert e(25, 1, 1030, 5) == 5 and e(25, 5, 1, 0) == 1
    assert e(24, 1, 1, 0) == -E.EINVAL
    assert e(24, 1, 2, 1) == -E.EINVAL
    assert e(24, 99, 2, 0) == -E.EBADF
    assert e(25, 99, 1, 0) == -E.EBADF
    assert e(25, 1, 999, 0) == -E.EINVAL
    fd = e.open("/tmp/g", 0o100 | 2)
    assert e(25, fd, 3, 0) & 3 == 2
    assert e(25, fd, 4, 0o2000) == 0 and e(25, fd, 3, 0) & 0o2000
    e.a.write(BUF, b"x")
    assert e(64, 3, BUF, 1) == 1 and e.out.data == b"x"


def test_pipe() -> None:
    e = Env()
    assert e(59, BUF, 0) == 0
    r, w = struct.unpack("<ii", e.a.read(BUF, 8))
    e.a.write(BUF + 16, b"data")
    assert e(64, w, BUF + 16, 4) == 4
    assert e(63, r, BUF + 32, 10) == 4 and e.a.read(BUF + 32, 4) == b"data"
    # empty with a writer: the call blocks until the pipe is readable, then runs again
    with pytest.raises(WouldBlock) as blocked:
        e(63, r, BUF + 32, 10)
    assert not blocked.value.ready()
    assert e(64, w, BUF + 16, 2) == 2
    assert blocked.value.ready()
    assert e(63, r, BUF + 32, 10) == 2
    assert e(57, w) == 0
    assert e(63, r, BUF + 32, 10) == 0
    assert e(59, BUF, 0xFFFF) == -E.EINVAL
    assert e(59, 0x1000, 0) == -E.EFAULT
    assert e(59, BUF, 0o4000) == 0  # O_NONBLOCK: EAGAIN instead of blocking
    r, w = struct.unpack("<ii", e.a.read(BUF, 8))
    assert e(63, r, BUF + 32, 10) == -E.EAGAIN
    assert e(64, w, BUF + 16, 60000) == 60000
    assert e(64, w, BUF + 16, 8000) == 5536  # a nearly full pipe takes what fits
    assert e(64, w, BUF + 16, 1) == -E.EAGAIN
    assert e(57, r) == 0
    # no reader: EPIPE, and SIGPIPE (whose default action ends the process)
    with pytest.raises(GuestSignal) as died:
        e(64, w, BUF + 16, 4)
    assert died.value.signo == 13


def test_dirs_and_paths() -> None:
    e = Env()
    assert e(34, AT_FDCWD, e.s("/tmp/d"), 0o755) == 0
    assert e(34, AT_FDCWD, e.s("/tmp/d"), 0o755) == -E.EEXIST
    assert e(49, e.s("/tmp/d")) == 0
    assert e(17, BUF, 100) == len("/tmp/d") + 1 and e.a.read_cstr(BUF) == b"/tmp/d"
    assert e(17, BUF, 3) == -E.ERANGE
    fd = e.open("a", 0o100 | 1)
    assert fd >= 3
    assert e(79, AT_FDCWD, e.s("/tmp/d/a"), BUF, 0) == 0
    assert e(38, AT_FDCWD, e.s("a"), AT_FDCWD, e.s("b", 1)) == 0
    assert e(79, AT_FDCWD, e.s("a"), BUF, 0) == -E.ENOENT
    assert e(276, AT_FDCWD, e.s("b"), AT_FDCWD, e.s("b", 1), 1) == -E.EEXIST
    assert e(35, AT_FDCWD, e.s("/tmp/d"), 0x200) == -E.ENOTEMPTY
    assert e(35, AT_FDCWD, e.s("b"), 0x200) == -E.ENOTDIR
    assert e(35, AT_FDCWD, e.s("b"), 0) == 0
    assert e(35, AT_FDCWD, e.s("b"), 0) == -E.ENOENT
    assert e(49, e.s("..")) == 0
    assert e(35, AT_FDCWD, e.s("d"), 0) == -E.EISDIR
    assert e(35, AT_FDCWD, e.s("d"), 0x200) == 0
    assert e(49, e.s("/etc/passwd")) == -E.ENOTDIR
    assert e(48, AT_FDCWD, e.s("/etc/hosts"), 4) == 0
    assert e(48, AT_FDCWD, e.s("/etc/hosts"), 1) == -E.EACCES
    assert e(439, AT_FDCWD, e.s("/none"), 0, 0) == -E.ENOENT
    assert e(48, AT_FDCWD, e.s("/etc/hosts"), 8) == -E.EINVAL
    n = e(78, AT_FDCWD, e.s("/proc/self/exe"), BUF, 100)
    assert e.a.read(BUF, n) == b"/bin/prog"
    assert e(78, AT_FDCWD, e.s("/proc/self/exe"), BUF, 4) == 4
    assert e(78, AT_FDCWD, e.s("/etc/hosts"), BUF, 100) == -E.EINVAL
    assert e(78, AT_FDCWD, e.s("/etc/hosts"), BUF, 0) == -E.EINVAL
    assert e(36, e.s("/etc/hosts"), AT_FDCWD, e.s("/tmp/l", 1)) == 0
    fd = e.open("/tmp/l", 0)
    assert e(63, fd, BUF, 9) == 9 and e.a.read(BUF, 9) == b"127.0.0.1"
    assert e.open("/tmp/l", 0o400000) == -E.ELOOP


def test_getdents() -> None:
    e = Env()
    fd = e.open("/etc", 0o200000)
    n = e(61, fd, BUF, 4096)
    names, off = [], 0
    raw = e.a.read(BUF, n)
    while off < n:
        _, _, reclen, _ = struct.unpack_from("<QqHB", raw, off)
        names.append(raw[off + 19 : off + reclen].split(b"\0")[0].decode())
        off += reclen
    assert names == [".", "..", "passwd", "group", "hostname", "hosts"]
    assert e(61, fd, BUF, 4096) == 0
    assert e(62, fd, 0, 0) == 0
    assert e(61, fd, BUF, 10) == -E.EINVAL
    assert e(61, 1, BUF, 4096) == -E.ENOTDIR
    assert e(61, fd, 0x1000, 4096) == -E.EFAULT


def test_devices() -> None:
    e = Env()
    fd = e.open("/dev/zero", 0)
    e.a.write(BUF, b"\xff" * 8)
    assert e(63, fd, BUF, 8) == 8 and e.a.read(BUF, 8) == bytes(8)
    fd = e.open("/dev/null", 2)
    assert e(63, fd, BUF, 8) == 0 and e(64, fd, BUF, 8) == 8
    fd = e.open("/dev/urandom", 0)
    assert e(63, fd, BUF, 16) == 16
    fd = e.open("/dev/tty", 2)
    e.a.write(BUF, b"tty")
    assert e(64, fd, BUF, 3) == 3 and e.out.data == b"tty"
    assert e(29, fd, 0x5401, BUF) == 0


def test_ioctl() -> None:
    e = Env()
    assert e(29, 1, 0x5401, BUF) == -E.ENOTTY
    assert e(29, 99, 0x5401, BUF) == -E.EBADF
    t = Env(tty=True)
    assert t(29, 1, 0x5401, BUF) == 0
    _, oflag, _, lflag, _, _ = TERMIOS.unpack(t.a.read(BUF, TERMIOS.size))
    assert lflag & 0o2 and oflag & 1
    assert t(29, 1, 0x5413, BUF) == 0 and struct.unpack("<HH", t.a.read(BUF, 4)) == (24, 80)
    assert t(29, 1, 0x5401, 0x1000) == -E.EFAULT
    assert t(29, 1, 0x1234, BUF) == -E.ENOTTY
    assert t(80, 1, BUF) == 0 and STAT.unpack(t.a.read(BUF, 128))[2] & 0o170000 == 0o020000
    assert e(80, 1, BUF) == 0 and STAT.unpack(e.a.read(BUF, 128))[2] & 0o170000 == 0o010000


def test_memory_syscalls() -> None:
    calls: list[tuple[int, int]] = []
    e = Env()
    e.a.on_code_write = lambda g, n: calls.append((g, n))
    brk0 = e(214, 0)
    assert brk0 == 0x100000 and e(214, brk0 + 5000) == brk0 + 5000
    assert e(214, 1 << 50) == brk0 + 5000
    a = e(222, 0, 8192, 3, 0x22, -1, 0)
    assert a > 0 and e.a.read(a, 8192) == bytes(8192)
    assert e(222, 0, 8192, 3, 0x20, -1, 0) == -E.EINVAL  # neither private nor shared
    assert e(222, 0, 0, 3, 0x22, -1, 0) == -E.EINVAL
    assert e(222, 0, 4096, 3, 0x22, -1, 1) == -E.EINVAL
    assert e(222, 0, 1 << 40, 3, 0x22, -1, 0) == -E.ENOMEM
    assert e(222, 0, 4096, 3, 0x02, 77, 0) == -E.EBADF
    assert e(222, a, 4096, 3, 0x100022, -1, 0) == -E.EEXIST
    assert e(222, 0x300000, 4096, 3, 0x32, -1, 0) == 0x300000
    fd = e.open("/etc/hosts", 0)
    m = e(222, 0, 4096, 1, 0x02, fd, 0)
    assert e.a.read(m, 9) == b"127.0.0.1"
    assert e(226, m, 4096, 3) == 0 and e(226, m + 1, 4096, 3) == -E.EINVAL
    assert e(226, 0x3F000000 - 4096 * 4000, 4096, 3) == -E.ENOMEM
    e.a.set_code(m >> 12, True)
    e.a.write(m, b"x")
    assert calls and calls[-1] == (m, 4096)
    assert e(233, a, 8192, 4) == 0
    assert e(216, a, 8192, 4096, 0, 0) == a
    assert e(215, m, 4096) == 0 and e(215, m + 1, 4096) == -E.EINVAL
    assert e(259, 0, 0, 0) == 0 and e(259, 0, 0, 2) == -E.EINVAL


def test_process_and_signals() -> None:
    e = Env()
    pid = e(172)
    assert e(178) == pid and e(96, BUF) == pid
    assert e(174) == e(175) == 0
    assert e(99, BUF, 24) == 0 and e(99, BUF, 8) == -E.EINVAL
    assert e(134, 10, 0, BUF, 8) == 0 and e.a.read(BUF, 24) == bytes(24)
    e.a.write(BUF, struct.pack("<QQQ", 1, 0, 0))  # SIG_IGN
    assert e(134, 10, BUF, 0, 8) == 0
    assert e(129, pid, 10) == 0  # ignored
    assert e(134, 9, BUF, 0, 8) == -E.EINVAL
    assert e(134, 10, BUF, 0, 4) == -E.EINVAL
    assert e(134, 10, 0x1000, 0, 8) == -E.EFAULT
    assert e(135, 0, BUF, BUF + 8, 8) == 0
    assert e(135, 9, BUF, 0, 8) == -E.EINVAL
    assert e(132, 0, BUF) == 0 and struct.unpack("<QiiQ", e.a.read(BUF, 24))[1] == 2
    assert e(129, pid, 0) == 0 and e(129, 12345, 6) == -E.ESRCH
    assert e(129, pid, 17) == 0  # SIGCHLD ignored by default
    assert e(131, pid, pid, 99) == -E.EINVAL
    with pytest.raises(GuestSignal) as s:
        e(131, pid, pid, 6)
    assert s.value.signo == 6
    with pytest.raises(GuestSignal):
        e(130, pid, 11)
    with pytest.raises(GuestExit) as x:
        e(94, 258)
    assert x.value.status == 2
    with pytest.raises(GuestExit):
        e(93, 0)


def test_misc() -> None:
    e = Env()
    assert e(160, BUF) == 0
    u = e.a.read(BUF, 6 * 65)
    assert u[:6] == b"Linux\0" and u[4 * 65 : 4 * 65 + 8] == b"riscv64\0"
    assert e(113, 0, BUF) == 0 and e(113, 1, BUF) == 0
    assert e(113, 99, BUF) == -E.EINVAL and e(113, 0, 0x1000) == -E.EFAULT
    assert e(114, 1, BUF) == 0 and e.a.read(BUF, 16) == struct.pack("<qq", 0, 1)
    assert e(169, BUF, 0) == 0
    e.a.write(BUF, struct.pack("<qq", 0, 1000))
    assert e(101, BUF, 0) == 0 and e(115, 1, 0, BUF, 0) == 0
    e.a.write(BUF, struct.pack("<qq", 0, 2_000_000_000))
    assert e(101, BUF, 0) == -E.EINVAL
    assert e(278, BUF, 32, 0) == 32 and e(278, BUF, 32, 0x100) == -E.EINVAL
    assert e(278, 0x1000, 32, 0) == -E.EFAULT
    assert e(261, 0, 3, 0, BUF) == 0 and struct.unpack("<QQ", e.a.read(BUF, 16))[0] == 8 << 20
    assert e(163, 7, BUF) == 0 and e(163, 99, BUF) == -E.EINVAL
    e.a.write_u32(BUF, 5)
    assert e(98, BUF, 0x80, 6, 0) == -E.EAGAIN and e(98, BUF, 0x81, 1) == 0
    assert e(98, BUF, 0x80, 5, 0) == 0 and e.k.threads.need_switch  # blocks: no one can wake it
    with pytest.raises(EmulatorError, match="deadlock"):
        e.k.threads.schedule()
    assert e(98, 0x1000, 0, 5, 0) == -E.EFAULT
    assert e(123, 0, 128, BUF) == 8 and e(123, 0, 4, BUF) == -E.EINVAL
    assert e(124) == 0 and e(179, BUF) == 0
    assert e(166, 0o77) == 0o22 and e(166, 0o22) == 0o77
    assert e(153, BUF) > 0 and e(165, 0, BUF) == 0 and e(165, 5, BUF) == -E.EINVAL
    assert e(283, 0, 0) == -E.ENOSYS and e(293) == -E.ENOSYS
    with pytest.raises(GuestSignal):  # rt_sigreturn without a frame at sp (0): SIGSEGV
        e(139)
    assert e(167, 15, e.s("name")) == 0 and e(167, 16, BUF) == 0 and e.a.read(BUF, 5) == b"name\0"
    assert e(167, 12345) == -E.EINVAL
    assert e(999) == -E.ENOSYS and e(999) == -E.ENOSYS and e.unknown == [999]
    assert e.err.data == b""


def test_internal_errors_are_wrapped(monkeypatch: pytest.MonkeyPatch) -> None:
    e = Env()

    def boom(*_: int) -> int:
        raise ZeroDivisionError("x")

    e.k.table[172] = ("getpid", boom)
    with pytest.raises(EmulatorError, match="internal error in syscall getpid"):
        e(172)


def test_host_mount(tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_bytes(b"host data")
    e = Env()
    e.k.vfs.mount_host("/mnt", str(tmp_path))
    fd = e.open("/mnt/in.txt", 0)
    assert e(63, fd, BUF, 100) == 9 and e.a.read(BUF, 9) == b"host data"
    fd = e.open("/mnt/out.txt", 0o100 | 1)
    e.a.write(BUF, b"written")
    assert e(64, fd, BUF, 7) == 7
    assert (tmp_path / "out.txt").read_bytes() == b"written"
    assert e(34, AT_FDCWD, e.s("/mnt/sub"), 0o755) == 0 and (tmp_path / "sub").is_dir()
    assert e(35, AT_FDCWD, e.s("/mnt/out.txt"), 0) == 0 and not (tmp_path / "out.txt").exists()
    assert e(49, e.s("/mnt/sub")) == 0 and e(17, BUF, 100) > 0
    assert e.a.read_cstr(BUF) == b"/mnt/sub"
    assert e.open("/mnt/../mnt/in.txt", 0) > 0


LAYOUT_C = r"""
#define _GNU_SOURCE
#include <stdio.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/sysinfo.h>
#include <sys/resource.h>
#include <asm/termbits.h>
#define P(x) printf(#x " %zu\n", (size_t)(x))
int main(void) {
  P(sizeof(struct stat)); P(offsetof(struct stat, st_mode)); P(offsetof(struct stat, st_size));
  P(offsetof(struct stat, st_blocks)); P(offsetof(struct stat, st_mtim));
  P(sizeof(struct statx)); P(offsetof(struct statx, stx_mode)); P(offsetof(struct statx, stx_ino));
  P(offsetof(struct statx, stx_atime)); P(offsetof(struct statx, stx_mtime));
  P(offsetof(struct statx, stx_rdev_major));
  P(sizeof(struct utsname)); P(sizeof(struct sysinfo)); P(offsetof(struct sysinfo, procs));
  P(offsetof(struct sysinfo, mem_unit)); P(sizeof(struct rusage)); P(sizeof(struct termios));
  return 0;
}
"""


def test_layouts_match_riscv64_headers(tmp_path: Path) -> None:
    for tool in ("riscv64-linux-gnu-gcc", "qemu-riscv64"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} not found: install gcc-riscv64-linux-gnu and qemu-user")
    (tmp_path / "l.c").write_text(LAYOUT_C)
    exe = tmp_path / "l"
    subprocess.run(
        ["riscv64-linux-gnu-gcc", "-static", str(tmp_path / "l.c"), "-o", str(exe)], check=True
    )
    out = subprocess.run(
        ["qemu-riscv64", str(exe)], capture_output=True, text=True, check=True
    ).stdout
    got = {line.rsplit(" ", 1)[0]: int(line.rsplit(" ", 1)[1]) for line in out.splitlines()}
    assert got["sizeof(struct stat)"] == STAT.size == 128
    assert got["offsetof(struct stat, st_mode)"] == 16
    assert got["offsetof(struct stat, st_size)"] == struct.calcsize("<QQIIIIQQ")
    assert got["offsetof(struct stat, st_blocks)"] == struct.calcsize("<QQIIIIQQqii")
    assert got["offsetof(struct stat, st_mtim)"] == struct.calcsize("<QQIIIIQQqiiqqQ")
    assert got["sizeof(struct statx)"] == 256
    assert got["offsetof(struct statx, stx_mode)"] == struct.calcsize("<IIQIII")
    assert got["offsetof(struct statx, stx_ino)"] == struct.calcsize("<IIQIIIHH")
    assert got["offsetof(struct statx, stx_atime)"] == STATX.size
    assert got["offsetof(struct statx, stx_mtime)"] == STATX.size + 48
    assert got["offsetof(struct statx, stx_rdev_major)"] == STATX.size + 64
    assert got["sizeof(struct utsname)"] == 6 * 65
    assert got["sizeof(struct sysinfo)"] == 112
    assert got["offsetof(struct sysinfo, procs)"] == struct.calcsize("<qQQQQQQQQQ")
    assert got["offsetof(struct sysinfo, mem_unit)"] == struct.calcsize("<qQQQQQQQQQHHIQQ")
    assert got["sizeof(struct rusage)"] == 144
    assert got["sizeof(struct termios)"] == TERMIOS.size


# --- sys_extra: the answers qemu cannot show (it hands these calls to the host's filesystem) ----


def test_xattr_writes_are_not_supported_and_reads_find_nothing() -> None:
    e = Env()
    fd = e.open("/tmp/x", 0o102)  # O_RDWR | O_CREAT
    name = e.s("user.a", 1)
    assert e(7, fd, name, BUF, 3, 0) == -E.EOPNOTSUPP  # fsetxattr
    assert e(5, e.s("/tmp/x"), name, BUF, 3, 0) == -E.EOPNOTSUPP  # setxattr
    assert e(5, e.s("/tmp/x"), name, BUF, 3, 8) == -E.EINVAL  # unknown flag
    assert e(10, fd, name, BUF, 64) == -E.ENODATA  # fgetxattr
    assert e(13, fd, BUF, 64) == 0  # flistxattr: empty
    assert e(16, fd, name) == -E.ENODATA  # fremovexattr
    assert e(10, fd, e.s("", 2), BUF, 64) == -E.ERANGE  # an empty name
    assert e(9, e.s("/nope"), name, BUF, 64) == -E.ENOENT


def test_chown_as_root_changes_the_owner_and_as_a_user_only_to_itself() -> None:
    e = Env()
    fd = e.open("/tmp/x", 0o102)
    assert e(55, fd, 1234, -1) == 0  # root (the default guest): fchown
    assert e(80, fd, BUF) == 0
    st = STAT.unpack(e.a.read(BUF, STAT.size))
    assert (st[4], st[5]) == (1234, 0)
    assert e(54, AT_FDCWD, e.s("/tmp/x"), -1, 77, 0) == 0  # fchownat
    assert e(80, fd, BUF) == 0 and STAT.unpack(e.a.read(BUF, STAT.size))[4:6] == (1234, 77)
    assert e(54, AT_FDCWD, e.s("/tmp/x"), 0, 0, 0x8000) == -E.EINVAL
    e.k.uid, e.k.gid = 1000, 1000
    assert e(55, fd, 1000, 1000) == 0 and e(55, fd, -1, -1) == 0
    assert e(55, fd, 0, -1) == -E.EPERM and e(55, fd, -1, 5) == -E.EPERM


def test_sockets_af_unix_nobody_listens_and_af_inet_without_network() -> None:
    e = Env()
    s4 = e(198, 2, 1, 0)  # AF_INET, SOCK_STREAM: a socket, but no route anywhere but loopback
    assert s4 >= 3
    e.a.write(BUF, struct.pack("<HH4s8x", 2, 80, bytes([93, 184, 216, 34])))
    assert e(203, s4, BUF, 16) == -E.ENETUNREACH
    e.a.write(BUF, struct.pack("<HH4s8x", 2, 1, bytes([127, 0, 0, 1])))
    assert e(203, s4, BUF, 16) == -E.ECONNREFUSED  # loopback: nobody listens
    assert e(57, s4) == 0
    assert e(198, 16, 3, 0) == -E.EAFNOSUPPORT  # AF_NETLINK
    assert e(198, 1, 9, 0) == -E.EINVAL
    s = e(198, 1, 1 | 0o2000000, 0)  # AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC
    assert s >= 3 and s in e.k.cloexec
    assert e(63, s, BUF, 10) == -E.ENOTCONN  # read
    assert e(80, s, BUF) == 0 and STAT.unpack(e.a.read(BUF, STAT.size))[2] & 0o170000 == 0o140000
    e.a.write(BUF, struct.pack("<H", 1) + b"/tmp\0")
    assert e(203, s, BUF, 7) == -E.ECONNREFUSED  # exists, but is no listening socket
    e.a.write(BUF, struct.pack("<H", 1) + b"/nope/sock\0")
    assert e(203, s, BUF, 13) == -E.ENOENT
    assert e(203, 1, BUF, 13) == -E.ENOTSOCK
    assert e(444, 0, 0, 1) == -E.ENOSYS and e.unknown == []  # landlock: known, silent


def test_copy_file_range_within_one_file_must_not_overlap() -> None:
    e = Env()
    fd = e.open("/tmp/x", 0o102)
    e.a.write(BUF, b"0123456789")
    assert e(64, fd, BUF, 10) == 10
    e.a.write(BUF + 64, struct.pack("<qq", 0, 4))
    assert e(285, fd, BUF + 64, fd, BUF + 72, 6, 0) == -E.EINVAL
    e.a.write(BUF + 64, struct.pack("<qq", 0, 10))
    assert e(285, fd, BUF + 64, fd, BUF + 72, 4, 0) == 4
    assert struct.unpack("<qq", e.a.read(BUF + 64, 16)) == (4, 14)
    assert e(67, fd, BUF, 14, 0) == 14 and e.a.read(BUF, 14) == b"01234567890123"


def test_statfs_of_the_in_memory_filesystem_is_a_tmpfs() -> None:
    e = Env()
    assert e(43, e.s("/"), BUF) == 0
    f_type, f_bsize = struct.unpack("<qq", e.a.read(BUF, 16))
    assert (f_type, f_bsize) == (0x01021994, 4096)
    assert e(44, 99, BUF) == -E.EBADF


def test_mincore_and_fadvise_arguments() -> None:
    e = Env()
    assert e(232, BUF, 3 * 4096, BUF + 0x8000) == 0
    assert e.a.read(BUF + 0x8000, 3) == b"\1\1\1"
    assert e(232, BUF + 1, 4096, BUF + 0x8000) == -E.EINVAL
    assert e(232, BUF + 15 * 4096, 2 * 4096, BUF + 0x8000) == -E.ENOMEM  # runs off the map
    assert e(232, BUF, 4096, 0x10) == -E.EFAULT
    fd = e.open("/tmp/x", 0o102)
    assert e(223, fd, 0, 0, 2) == 0 and e(223, fd, 0, 0, 6) == -E.EINVAL
    assert e(223, 0, 0, 0, 0) == -E.ESPIPE  # stdin: a pipe
