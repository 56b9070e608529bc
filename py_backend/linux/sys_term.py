"""ioctl: the terminal requests (termios, window size, foreground process group) on a tty, and
FIONREAD/FIONBIO on any descriptor."""

from __future__ import annotations

import struct

from . import errors as E
from .base import LinuxBase
from .dispatch import syscall_nr
from .errors import (
    SyscallError,
)
from .sysnr import Nr
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
from .ttyfile import TtyFile
from .vfs import (
    O_NONBLOCK,
)

FIONBIO = 0x5421


class TerminalCalls(LinuxBase):
    """ioctl."""

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
