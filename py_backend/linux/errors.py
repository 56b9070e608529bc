"""Exceptions shared by the Linux layer and linux errno numbers (asm-generic, as riscv64 uses).

The numbers are spelled out here rather than taken from the host's :mod:`errno` module because
the host may not be Linux (Pyodide uses Emscripten's numbering).
"""

from __future__ import annotations

from collections.abc import Callable

EPERM = 1
ENOENT = 2
ESRCH = 3
EINTR = 4
EIO = 5
ENXIO = 6
E2BIG = 7
ENOEXEC = 8
EBADF = 9
ECHILD = 10
EAGAIN = 11
ENOMEM = 12
EACCES = 13
EFAULT = 14
EBUSY = 16
EEXIST = 17
EXDEV = 18
ENODEV = 19
ENOTDIR = 20
EISDIR = 21
EINVAL = 22
ENFILE = 23
EMFILE = 24
ENOTTY = 25
EFBIG = 27
ENOSPC = 28
ESPIPE = 29
EROFS = 30
EMLINK = 31
EPIPE = 32
EDOM = 33
ERANGE = 34
EDEADLK = 35
ENAMETOOLONG = 36
ENOSYS = 38
ENOTEMPTY = 39
ELOOP = 40
ENODATA = 61
EOVERFLOW = 75
ENOTSOCK = 88
EDESTADDRREQ = 89
EMSGSIZE = 90
EPROTOTYPE = 91
ENOPROTOOPT = 92
EPROTONOSUPPORT = 93
ESOCKTNOSUPPORT = 94
EOPNOTSUPP = 95
EAFNOSUPPORT = 97
EADDRINUSE = 98
EADDRNOTAVAIL = 99
ENETDOWN = 100
ENETUNREACH = 101
ECONNABORTED = 103
ECONNRESET = 104
ENOBUFS = 105
EISCONN = 106
ENOTCONN = 107
ETIMEDOUT = 110
ECONNREFUSED = 111
EHOSTUNREACH = 113
EALREADY = 114
EINPROGRESS = 115

_BY_NAME = {k: v for k, v in dict(globals()).items() if k.startswith("E") and isinstance(v, int)}
_NAMES = {v: k for k, v in _BY_NAME.items()}


def errno_name(n: int) -> str:
    """The name of errno ``n`` (``errno_name(2) == "ENOENT"``); ``E<n>`` for one not listed."""
    return _NAMES.get(n, f"E{n}")


def strace_result(ret: int) -> str:
    """A system call's result as --strace prints it: ``-2 ENOENT`` for an error (-4095..-1, the
    range the kernel's errors use), else the number."""
    return f"{ret} {errno_name(-ret)}" if -4096 < ret < 0 else str(ret)


def from_host(code: int | None) -> int:
    """Translate a host ``OSError.errno`` to the Linux number (EIO when unknown)."""
    import errno as host_errno

    name = host_errno.errorcode.get(code or 0, "")
    if name == "EWOULDBLOCK":
        name = "EAGAIN"
    if name == "ENOTSUP":
        name = "EOPNOTSUPP"
    return _BY_NAME.get(name, EIO)


class GuestFault(Exception):
    """A guest pointer does not name accessible memory."""

    def __init__(self, addr: int) -> None:
        super().__init__(f"bad guest address {addr:#x}")
        self.addr = addr


class SyscallError(Exception):
    """Raised inside syscall handlers; becomes ``-errno`` in a0."""

    def __init__(self, errno: int) -> None:
        super().__init__(f"errno {errno}")
        self.errno = errno


class ElfError(Exception):
    """The program cannot be loaded; the message is one line meant for the user."""


SYSROOT_HINT = "give the sysroot with -L DIR (e.g. /usr/riscv64-linux-gnu)"


class NeedsSysroot(ElfError):
    """A dynamically linked program whose interpreter (PT_INTERP) cannot be found because no
    sysroot was given.  ``str()`` is the one-line message without the program's name."""

    def __init__(self, interp: str) -> None:
        super().__init__(f"dynamically linked (interpreter {interp}): {SYSROOT_HINT}")
        self.interp = interp

    def for_program(self, program: str) -> str:
        return f"{program} is dynamically linked (interpreter {self.interp}): {SYSROOT_HINT}"


class GuestExit(Exception):
    """The guest called exit/exit_group."""

    def __init__(self, status: int) -> None:
        super().__init__(f"exit status {status}")
        self.status = status


class GuestSignal(Exception):
    """The guest is killed by a signal (default action)."""

    def __init__(self, signo: int) -> None:
        super().__init__(f"killed by signal {signo}")
        self.signo = signo


class EmulatorError(Exception):
    """An internal error of the emulator (a bug), reported to the user in one line."""


class WouldBlock(Exception):
    """Raised by a system call that must wait (a read of an empty pipe, wait4 for a running
    child, ...): the thread blocks and, once ``ready()`` holds, the call runs again from the
    start (Linux's -ERESTARTSYS); a signal ends the wait with EINTR, the deadline (signals
    clock, ns) with ``timeout_result``."""

    def __init__(
        self,
        ready: Callable[[], bool],
        deadline: int | None = None,
        timeout_result: int = 0,
        what: str = "io",
        on_interrupt: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(what)
        self.on_interrupt = on_interrupt  # a signal ended the wait
        self.ready = ready
        self.deadline = deadline
        self.timeout_result = timeout_result
        self.what = what


class ProcessBlocked(Exception):
    """Every thread of the running process waits: the system runs another process."""


class ExecImage(Exception):
    """execve succeeded: the process continues with a new image (raised through the machine,
    which replaces itself); ``args`` are what the loader needs."""

    def __init__(
        self, program: bytes, argv: list[str], env: list[str], path: str, exe: str = ""
    ) -> None:
        super().__init__(path)
        self.program = program
        self.argv = argv
        self.env = env
        self.path = path  # as execve was given it (AT_EXECFN)
        self.exe = exe or path  # its canonical path (/proc/self/exe)
