"""The guest's terminal as open files: `Terminal` joins a `tty.Tty` (the line discipline) to the
host's input and to the process layer; `TtyFile` is an open description of it (fds 0-2 of a run
on a terminal, and every open of /dev/tty).

A read that finds no input blocks the calling thread (`WouldBlock`, with VTIME's deadline); the
system feeds the host's keystrokes into the Tty while every process waits (and between time
slices), and the read runs again.  Job control: a background process that reads (or writes with
TOSTOP, or changes the settings) gets SIGTTIN/SIGTTOU through the Tty and its call is restarted
once it is continued.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from . import errors as E
from .errors import SyscallError, WouldBlock
from .tty import ERESTARTSYS, Caller, Tty
from .vfs import O_NONBLOCK, Node, OpenFile


class HostInput(Protocol):
    """The host side of the terminal: what the user typed.  ``poll(timeout)`` returns the bytes
    available within ``timeout`` seconds (None: wait as long as it takes), None if none came,
    b"" when the input ended."""

    def poll(self, timeout: float | None) -> bytes | None: ...


class Terminal:
    def __init__(self, tty: Tty, host: HostInput | None) -> None:
        self.tty = tty
        self.host = host
        # who is calling (set by the process layer): job-control checks need the caller
        self.caller: Callable[[], Caller | None] = lambda: None
        self.reads_waiting = 0

    def pump(self, timeout: float | None) -> bool:
        """Move the host's input into the line discipline; True if anything happened."""
        if self.host is None or self.tty.hung_up:
            return False
        data = self.host.poll(timeout)
        if data is None:
            return False
        if data == b"":
            self.tty.hangup()
        else:
            self.tty.feed(data)
        return True


def _restart(e: SyscallError) -> None:
    """The Tty signalled the caller's group (job control): run the call again once the
    process goes on (it stops first, under the default action)."""
    if e.errno == ERESTARTSYS:
        raise WouldBlock(lambda: True, what="tty job control") from None
    raise e


class TtyFile(OpenFile):
    def __init__(self, term: Terminal, node: Node, flags: int) -> None:
        super().__init__(node, flags)
        self.term = term

    def is_tty(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def _caller(self) -> Caller | None:
        return self.term.caller()

    def read(self, n: int) -> bytes:
        tty = self.term.tty
        caller = self._caller()
        if caller is not None:
            try:
                tty.check_read(caller)
            except SyscallError as e:
                _restart(e)
        deadline = tty.read_deadline(time.monotonic_ns())
        timed_out = deadline is not None and time.monotonic_ns() >= deadline
        data = tty.read(n, timed_out=timed_out)
        if data is not None:
            return data
        if self.flags & O_NONBLOCK:
            raise SyscallError(E.EAGAIN)
        deadline = tty.read_deadline(time.monotonic_ns())

        def ready() -> bool:
            return tty.readable() or (deadline is not None and time.monotonic_ns() >= deadline)

        raise WouldBlock(ready, deadline, 0, "tty read", on_interrupt=tty.cancel_read)

    def pread(self, n: int, off: int) -> bytes:
        raise SyscallError(E.ESPIPE)

    def write(self, data: bytes) -> int:
        caller = self._caller()
        if caller is not None:
            try:
                self.term.tty.check_write(caller)
            except SyscallError as e:
                _restart(e)
        return self.term.tty.write(data)

    def pwrite(self, data: bytes, off: int) -> int:
        raise SyscallError(E.ESPIPE)

    def poll_in(self) -> bool:
        return self.term.tty.readable()

    def poll_out(self) -> bool:
        return self.term.tty.writable()

    def ioctl(
        self,
        req: int,
        arg: int,
        read_mem: Callable[[int, int], bytes],
        write_mem: Callable[[int, bytes], None],
    ) -> int:
        try:
            return self.term.tty.ioctl(req, arg, read_mem, write_mem, caller=self._caller())
        except SyscallError as e:
            _restart(e)
            raise
