"""A terminal: the termios state and the N_TTY line discipline, in pure Python.

The host side (the page's terminal, or the CLI's real terminal in raw mode) is the "master": it
`Tty.feed`s the bytes the user types and receives everything the terminal displays through the
``write_out`` callback.  The guest side is the "slave" that processes read, write, poll and ioctl.
Nothing here blocks: `Tty.read` returns None when a read would block, `Tty.read_deadline` gives the
VTIME deadline, and the process layer blocks and retries.  Signals leave through ``on_signal``.

What follows Linux (``drivers/tty/n_tty.c``, ``tty_ioctl.c``, ``tty_jobctrl.c``):

- input processing in this order: ISTRIP, IUCLC (with IEXTEN), IXON/IXANY start and stop, ISIG
  (VINTR, VQUIT, VSUSP: unless NOFLSH, flush the input and the echo VSTOP holds back (not what
  programs wrote: in Linux their writes wait); echo ``^C``; signal the foreground process group),
  IGNCR/ICRNL/INLCR, then canonical editing;
- canonical mode: VERASE, VKILL and VWERASE (Linux's word rule: trailing non-word characters,
  then letters, digits and ``_``), VEOF (ends the line without being stored: at the start of a
  line a read returns 0), ``\\n``, VEOL and VEOL2 end a line, VLNEXT quotes the next character,
  VREPRINT redraws the line; a read returns at most one line; 4095 bytes of line at most (more
  ordinary characters are echoed but dropped, as Linux 6 does; a line end still fits);
- echo: ECHO, ECHOE (``\\b \\b``), ECHOK, ECHOKE (erase the killed line character by
  character), ECHONL, ECHOCTL (``^X``; a ``^X`` takes two columns and its erase erases two),
  ECHOPRT (``\\erased/``), erasing a tab backs up to where the tab started, IUTF8 erases whole
  UTF-8 characters; echo goes through output processing like the guest's writes;
- non-canonical mode: VMIN and VTIME as POSIX has them (see `Tty.read`);
- output processing: OPOST with ONLCR, OCRNL, ONOCR, ONLRET, OLCUC and XTABS, and the column;
- IXON: VSTOP holds output (echo too) until VSTART or, with IXANY, any character (`writable`
  turns false past 4 KiB held, for poll and for writers that wish to wait); clearing IXON
  restarts it; like Linux's lookahead, a start/stop or signal character is acted on even while
  input waits for room;
- input is throttled, not lost: when the 4 KiB buffer is full, bytes wait unprocessed (not
  echoed) until a read makes room, as a master's writer would block;
- the ioctls of the tty layer, with the job-control checks of ``tty_check_change`` when the
  process layer says who calls (`Caller`): a background process gets SIGTTOU for TCSETS* and
  friends, SIGTTIN for a read and SIGTTOU for a write with TOSTOP.

Left out: parity, breaks and framing errors (the host sends none: IGNBRK, BRKINT, IGNPAR,
PARMRK's marks, INPCK only round-trip, though PARMRK doubles a 0xff byte), output delays (NLDLY
and friends), VDISCARD (Linux ignores it too), FLUSHO, PENDIN, XCASE, EXTPROC, packet mode, the
speeds (stored and returned, nothing else), and the hangup of a real line: `Tty.hangup` sends
no SIGHUP (the host's input simply ended: reads return 0 once the input is read).

The echo and the lines read were checked byte for byte against the host kernel's N_TTY through a
pty (random keystrokes and flags: ``tests/differential/test_tty_vs_linux.py``).
"""

from __future__ import annotations

import re
import struct
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import EINVAL, EIO, ENOTTY, EPERM, ESRCH, SyscallError
from .signals import Signal

# --- struct termios as the riscv64 (asm-generic) kernel has it -------------------------------
# c_iflag, c_oflag, c_cflag, c_lflag (u32 each), c_line, c_cc[19]; termios2 adds c_ispeed and
# c_ospeed (u32 each).
NCCS = 19
TERMIOS = struct.Struct("<IIIIB19s")
TERMIOS2 = struct.Struct("<IIIIB19sII")
WINSIZE = struct.Struct("<HHHH")
INT = struct.Struct("<i")

# c_iflag
IGNBRK, BRKINT, IGNPAR, PARMRK, INPCK, ISTRIP = 0x1, 0x2, 0x4, 0x8, 0x10, 0x20
INLCR, IGNCR, ICRNL, IUCLC, IXON, IXANY = 0x40, 0x80, 0x100, 0x200, 0x400, 0x800
IXOFF, IMAXBEL, IUTF8 = 0x1000, 0x2000, 0x4000
# c_oflag
OPOST, OLCUC, ONLCR, OCRNL, ONOCR, ONLRET = 0x1, 0x2, 0x4, 0x8, 0x10, 0x20
TABDLY, XTABS = 0x1800, 0x1800
# c_cflag
CBAUD, B38400, CSIZE, CS8, CSTOPB, CREAD = 0x100F, 0xF, 0x30, 0x30, 0x40, 0x80
PARENB, PARODD, HUPCL, CLOCAL = 0x100, 0x200, 0x400, 0x800
# c_lflag
ISIG, ICANON, XCASE, ECHO, ECHOE, ECHOK = 0x1, 0x2, 0x4, 0x8, 0x10, 0x20
ECHONL, NOFLSH, TOSTOP, ECHOCTL, ECHOPRT, ECHOKE = 0x40, 0x80, 0x100, 0x200, 0x400, 0x800
FLUSHO, PENDIN, IEXTEN, EXTPROC = 0x1000, 0x4000, 0x8000, 0x10000
# c_cc indices
VINTR, VQUIT, VERASE, VKILL, VEOF, VTIME, VMIN, VSWTC = 0, 1, 2, 3, 4, 5, 6, 7
VSTART, VSTOP, VSUSP, VEOL, VREPRINT, VDISCARD, VWERASE, VLNEXT, VEOL2 = range(8, 17)

# Linux's INIT_C_CC, and the flags a terminal has after login (``stty -a`` on a Linux console).
DEFAULT_CC = bytes([3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0])
DEFAULT_IFLAG = ICRNL | IXON
DEFAULT_OFLAG = OPOST | ONLCR
DEFAULT_CFLAG = B38400 | CS8 | CREAD | HUPCL
DEFAULT_LFLAG = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN
DEFAULT_TERMIOS = TERMIOS.pack(
    DEFAULT_IFLAG, DEFAULT_OFLAG, DEFAULT_CFLAG, DEFAULT_LFLAG, 0, DEFAULT_CC
)

# --- ioctl requests (asm-generic/ioctls.h) ---------------------------------------------------
TCGETS, TCSETS, TCSETSW, TCSETSF = 0x5401, 0x5402, 0x5403, 0x5404
TCSBRK, TCXONC, TCFLSH = 0x5409, 0x540A, 0x540B
TIOCEXCL, TIOCNXCL, TIOCSCTTY = 0x540C, 0x540D, 0x540E
TIOCGPGRP, TIOCSPGRP, TIOCOUTQ, TIOCSTI = 0x540F, 0x5410, 0x5411, 0x5412
TIOCGWINSZ, TIOCSWINSZ = 0x5413, 0x5414
FIONREAD = TIOCINQ = 0x541B
TIOCNOTTY, TIOCSETD, TIOCGETD, TCSBRKP, TIOCGSID = 0x5422, 0x5423, 0x5424, 0x5425, 0x5429
TCGETS2, TCSETS2, TCSETSW2, TCSETSF2 = 0x802C542A, 0x402C542B, 0x402C542C, 0x402C542D
# TCFLSH and TCXONC arguments
TCIFLUSH, TCOFLUSH, TCIOFLUSH = 0, 1, 2
TCOOFF, TCOON, TCIOFF, TCION = 0, 1, 2, 3

# Signals the terminal sends.

# Linux's "restart this system call" code: raised (as SyscallError) by the job-control checks
# after they signalled the caller's process group.  The process layer restarts the call once
# the signal is handled (or the process is continued), or returns EINTR for a handler without
# SA_RESTART, like the kernel.
ERESTARTSYS = 512

N_TTY_BUF_SIZE = 4096
MAX_CANON = N_TTY_BUF_SIZE - 1  # bytes of a line, before its end
HELD_OUTPUT_LIMIT = 4096  # `writable()` is false past this much output held by VSTOP

_BAUD = {0: 0, 1: 50, 2: 75, 3: 110, 4: 134, 5: 150, 6: 200, 7: 300, 8: 600, 9: 1200}
_BAUD.update({10: 1800, 11: 2400, 12: 4800, 13: 9600, 14: 19200, 15: 38400})
_BAUD.update({0x1001: 57600, 0x1002: 115200, 0x1003: 230400, 0x1004: 460800})


@dataclass
class Termios:
    """The kernel's struct termios2 as fields (``struct termios`` is its first 36 bytes)."""

    iflag: int = DEFAULT_IFLAG
    oflag: int = DEFAULT_OFLAG
    cflag: int = DEFAULT_CFLAG
    lflag: int = DEFAULT_LFLAG
    line: int = 0
    cc: bytearray = field(default_factory=lambda: bytearray(DEFAULT_CC))
    ispeed: int = 38400
    ospeed: int = 38400

    def pack(self) -> bytes:
        return TERMIOS.pack(self.iflag, self.oflag, self.cflag, self.lflag, self.line, self.cc)

    def pack2(self) -> bytes:
        return TERMIOS2.pack(*self._fields(), self.ispeed, self.ospeed)

    def _fields(self) -> tuple[int, int, int, int, int, bytes]:
        return (self.iflag, self.oflag, self.cflag, self.lflag, self.line, bytes(self.cc))

    @classmethod
    def unpack(cls, data: bytes) -> Termios:
        """From a struct termios; the speeds follow the baud bits of c_cflag."""
        i, o, c, lf, line, cc = TERMIOS.unpack(data[: TERMIOS.size])
        speed = _BAUD.get(c & CBAUD, 38400)
        return cls(i, o, c, lf, line, bytearray(cc), speed, speed)

    @classmethod
    def unpack2(cls, data: bytes) -> Termios:
        i, o, c, lf, line, cc, ispeed, ospeed = TERMIOS2.unpack(data[: TERMIOS2.size])
        return cls(i, o, c, lf, line, bytearray(cc), ispeed, ospeed)

    def copy(self) -> Termios:
        return Termios(*self._fields()[:5], bytearray(self.cc), self.ispeed, self.ospeed)


@dataclass(frozen=True)
class Caller:
    """Who makes a read, write or ioctl, for the job-control and controlling-tty rules.

    ``has_ctty``: the caller's session has a controlling terminal (this one or another).
    ``sig_ignored``: the signals the caller blocks or ignores (SIGTTIN, SIGTTOU matter).
    ``pgrp_orphaned``: no process of the caller's group has a parent in another group of the
    same session (such a group must not be stopped: it gets EIO instead)."""

    pid: int
    pgrp: int
    sid: int
    has_ctty: bool = False
    sig_ignored: frozenset[int] = frozenset()
    pgrp_orphaned: bool = False


def _is_ctrl(c: int) -> bool:
    return c < 0x20 or c == 0x7F


def _is_word(c: int) -> bool:
    """VWERASE's word characters: "_" and isalnum() of the kernel's Latin-1 ctype, where
    0xc0-0xff but 0xd7 and 0xf7 are letters (so UTF-8 lead bytes of accented letters are)."""
    if c >= 0xC0:
        return c not in (0xD7, 0xF7)
    return c == 0x5F or 0x30 <= c <= 0x39 or 0x41 <= c <= 0x5A or 0x61 <= c <= 0x7A


_NOT_COLUMNS = bytes([*range(0x20), 0x7F])  # bytes that move no column
_NOT_COLUMNS_UTF8 = _NOT_COLUMNS + bytes(range(0x80, 0xC0))


class Tty:
    """One terminal: termios, window size, foreground process group, session, and the line
    discipline between the host (`feed`, ``write_out``) and the guest (`read`, `write`,
    `ioctl`)."""

    def __init__(
        self, write_out: Callable[[bytes], None], *, rows: int = 24, cols: int = 80
    ) -> None:
        self.write_out = write_out
        self.on_signal: Callable[[int, int], None] | None = None
        # Optional: the session id of a process group, or None if there is no such group
        # (TIOCSPGRP's ESRCH and EPERM checks); without it any group is accepted.
        self.pgrp_session: Callable[[int], int | None] | None = None
        self.foreground_pgrp = 0
        self.session = 0
        self.winsize = (rows, cols, 0, 0)
        self._t = Termios()
        self.column = 0  # output column, as Linux keeps it for erasing tabs
        self._canon_column = 0  # column where the line being edited started
        self._lines: deque[bytes] = deque()  # complete lines (canonical): EOF's has no end byte
        self._line_bytes = 0  # bytes in _lines
        self._eof_ends: deque[bool] = deque()  # for each line: VEOF ended it
        self._edit = bytearray()  # the line being edited (canonical)
        self._raw = bytearray()  # the input (non-canonical)
        self._pending = bytearray()  # input not yet processed: the buffer was full
        self._lnext = False
        self._erasing = False  # inside an ECHOPRT "\...": a "/" closes it
        self._echo_out = bytearray()  # echo of the current feed, written at its end
        self._stopped = False  # VSTOP or TCOOFF
        self._tco_stopped = False  # TCOOFF: only TCOON restarts
        # output while stopped, in order: (is echo, bytes); a signal character drops the echo
        self._held: list[tuple[bool, bytes]] = []
        self._hung_up = False
        self._received = 0  # bytes put in the buffer so far (restarts the inter-byte timer)
        self._deadline: int | None = None
        self._deadline_received = 0
        self._plain_key = b""  # the c_cc that _plain_re was made for
        self._plain_re = re.compile(b"")

    # --- termios --------------------------------------------------------------------------

    @property
    def termios(self) -> Termios:
        """A copy of the current settings; assigning sets them (like TCSETS)."""
        return self._t.copy()

    @termios.setter
    def termios(self, t: Termios) -> None:
        self.set_termios(t)

    def get_termios(self) -> bytes:
        return self._t.pack()

    def set_termios(self, t: Termios | bytes, *, flush: bool = False) -> None:
        """TCSETS (``flush``: TCSETSF).  Buffered input follows a change of ICANON as in Linux:
        to raw mode, complete lines and the line being edited become raw input; to canonical
        mode, raw input becomes one line that a read returns."""
        new = Termios.unpack(t) if isinstance(t, bytes) else t.copy()
        new.cc = bytearray(bytes(new.cc[:NCCS]).ljust(NCCS, b"\0"))
        if flush:
            self._flush_input()
        was_canon = self._canon
        self._t = new
        if was_canon and not self._canon:
            for line, eof in zip(self._lines, self._eof_ends, strict=True):
                self._raw += line + b"\0" if eof else line  # Linux keeps VEOF's slot as a NUL
            self._raw += self._edit
            self._lines.clear()
            self._eof_ends.clear()
            self._line_bytes = 0
            self._edit.clear()
        elif self._canon and not was_canon and self._raw:
            self._lines.append(bytes(self._raw))
            self._eof_ends.append(False)
            self._line_bytes = len(self._raw)
            self._raw.clear()
        if was_canon != self._canon:
            self._lnext = self._erasing = False
        self._deadline = None
        if not new.iflag & IXON:
            self._start()  # as Linux: output stopped by VSTOP (not by TCOOFF) goes on
        self._settle()

    @property
    def _canon(self) -> bool:
        return bool(self._t.lflag & ICANON)

    # --- host side --------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Bytes the user typed (host to terminal)."""
        self._input(bytes(data))
        self._settle()

    def _input(self, data: bytes | bytearray, *, waiting: bool = False) -> int:
        """Process ``data``; what finds no room waits in ``_pending``, or, for ``waiting`` (the
        data is ``_pending``), stay there: returns how many bytes were taken then.  Runs of
        ordinary bytes go at once (a paste, or keys for a program that reads the terminal)."""
        plain = self._plain_run()
        i = 0
        while i < len(data):  # (a flush empties ``_pending``)
            # (a run is at most a buffer long: the rest of a big paste is not scanned each time)
            run = plain.match(data, i, i + N_TTY_BUF_SIZE) if plain is not None else None
            if waiting and self._full():
                break
            if not waiting and (self._pending or self._full()):
                if run is not None:
                    self._pending += data[i : run.end()]
                    i = run.end()
                else:
                    self._lookahead(data[i])
                    i += 1
            elif run is not None and not self._lnext:
                i = self._put_run(data, i, run.end())
            else:
                self._receive(data[i])
                i += 1
        return i

    def _plain_run(self) -> re.Pattern[bytes] | None:
        """A pattern for runs of bytes that are ordinary whatever the mode (no control
        character, no c_cc character, no 0xff), or None when the settings transform ordinary
        bytes too: then every byte takes the one-by-one path."""
        t = self._t
        if not t.cflag & CREAD or t.iflag & (ISTRIP | IUCLC | IXANY):
            return None
        key = bytes(t.cc)
        if self._plain_key != key:
            special = set(range(0x20)) | {0x7F, 0xFF} | set(t.cc)
            plain = bytes(sorted(set(range(256)) - special))
            self._plain_re = re.compile(b"[" + re.escape(plain) + b"]+")
            self._plain_key = key
        return self._plain_re

    def _put_run(self, data: bytes | bytearray, start: int, end: int) -> int:
        """`_put` for ``data[start:end]``, ordinary bytes, at once, as far as there is room
        (the caller checked `_full`); returns where it stopped."""
        if self._canon:
            room = MAX_CANON - self._buffered()
            if self._lines:
                end = min(end, start + room)  # the rest waits (see _full)
            keep = max(min(end - start, room), 0)  # beyond the line limit: echoed, dropped
            buf = self._edit
        else:
            end = min(end, start + N_TTY_BUF_SIZE - 1 - len(self._raw))
            keep = end - start
            buf = self._raw
        if self._t.lflag & ECHO:
            self._finish_erasing()
            if self._canon and not self._edit:
                self._canon_column = self.column
            self._echo_raw(bytes(data[start:end]))
        buf += data[start : start + keep]
        self._received += keep
        return end

    def hangup(self) -> None:
        """The host's input ended: a line being edited is delivered, then reads return b""."""
        self._hung_up = True
        self._settle()

    @property
    def hung_up(self) -> bool:
        return self._hung_up

    def resize(
        self, rows: int, cols: int, xpixel: int | None = None, ypixel: int | None = None
    ) -> None:
        """The host terminal's size changed: SIGWINCH to the foreground group if it differs."""
        _, _, xp, yp = self.winsize
        xp = xp if xpixel is None else xpixel
        yp = yp if ypixel is None else ypixel
        self._set_winsize((rows, cols, xp, yp))

    def _set_winsize(self, ws: tuple[int, int, int, int]) -> None:
        if ws != self.winsize:
            self.winsize = ws
            self._signal(self.foreground_pgrp, Signal.SIGWINCH)

    # --- guest side -------------------------------------------------------------------------

    def read(self, n: int, *, timed_out: bool = False) -> bytes | None:
        """Up to ``n`` bytes, b"" for end of file, or None if the read must block.

        Canonical mode: one line (or its first ``n`` bytes; the rest stays for the next read);
        a VEOF at the start of a line gives b"".  Non-canonical mode (POSIX):

        - VMIN=0, VTIME=0: what is there, b"" if nothing;
        - VMIN>0, VTIME=0: blocks until min(VMIN, n) bytes are there;
        - VMIN>0, VTIME>0: blocks for the first byte, then until min(VMIN, n) bytes or VTIME
          tenths of a second without a new byte (``timed_out``: the deadline passed);
        - VMIN=0, VTIME>0: blocks until a byte comes or VTIME tenths of a second from the
          start of the read pass (``timed_out``), then b"".

        After `hangup` nothing blocks: what is left, then b""."""
        if n <= 0:
            return b""
        if self._canon:
            if not self._lines:
                return b"" if self._hung_up and not self._pending else None
            line = self._lines[0]
            out = line[:n]
            if len(line) > n:
                self._lines[0] = line[n:]
            else:
                self._lines.popleft()
                self._eof_ends.popleft()
            self._line_bytes -= len(out)
        else:
            vmin, vtime = self._t.cc[VMIN], self._t.cc[VTIME]
            want = min(vmin, n) if vmin else 1
            ready = len(self._raw) >= want or self._hung_up
            if not (ready or (vmin == 0 and vtime == 0) or (timed_out and vtime)):
                return None
            out = bytes(self._raw[:n])
            del self._raw[:n]
        self._deadline = None
        self._settle()
        return out

    def read_deadline(self, now_ns: int) -> int | None:
        """When a blocked read must end (then call ``read(n, timed_out=True)``), in the clock of
        ``now_ns``; None: no timer, the read waits for input.  Call it after `read` returned
        None, and again after each wake-up: the inter-byte timer restarts when bytes came."""
        vmin, vtime = self._t.cc[VMIN], self._t.cc[VTIME]
        if self._canon or not vtime or (vmin and not self._raw):
            return None
        if self._deadline is None or (vmin and self._received != self._deadline_received):
            self._deadline = now_ns + vtime * 100_000_000
            self._deadline_received = self._received
        return self._deadline

    def cancel_read(self) -> None:
        """A blocked read ended without reading (a signal interrupted it): the next read starts
        a new VTIME timer instead of finding this one's deadline passed."""
        self._deadline = None

    def readable(self) -> bool:
        """poll's POLLIN: a read would not block (like Linux, with VMIN>0 and VTIME=0, only
        once VMIN bytes are there)."""
        if self._hung_up:
            return True
        if self._canon:
            return bool(self._lines)
        vmin, vtime = self._t.cc[VMIN], self._t.cc[VTIME]
        return len(self._raw) >= (vmin if vmin and not vtime else 1)

    def writable(self) -> bool:
        """poll's POLLOUT: false only while output is stopped and much of it is held."""
        return sum(len(b) for echo, b in self._held if not echo) < HELD_OUTPUT_LIMIT

    def write(self, data: bytes) -> int:
        """The guest writes: output processing, then to the host (held while stopped)."""
        self._emit(self._opost(bytes(data)), echo=False)
        return len(data)

    @property
    def input_available(self) -> int:
        """FIONREAD: bytes of complete lines (canonical) or of input (non-canonical)."""
        return self._line_bytes if self._canon else len(self._raw)

    @property
    def output_stopped(self) -> bool:
        return self._stopped

    # --- controlling terminal and job control -----------------------------------------------

    def set_controlling(self, sid: int, pgrp: int) -> None:
        """Make this the controlling terminal of session ``sid`` with ``pgrp`` in the
        foreground (a session leader opened it, or the process layer starts the first one)."""
        self.session, self.foreground_pgrp = sid, pgrp

    def controls(self, caller: Caller) -> bool:
        """This is the caller's controlling terminal."""
        return self.session != 0 and self.session == caller.sid

    def disassociate(self, *, on_exit: bool) -> None:
        """The session leader gives the terminal up (TIOCNOTTY) or exits (``on_exit``):
        SIGHUP to the foreground group (and SIGCONT unless exiting), then no session."""
        if self.session:
            self._signal(self.foreground_pgrp, Signal.SIGHUP)
            if not on_exit:
                self._signal(self.foreground_pgrp, Signal.SIGCONT)
        self.session = self.foreground_pgrp = 0

    def job_control(self, caller: Caller, signo: int) -> None:
        """Linux's ``__tty_check_change``: returns if the caller may go on; raises EIO, or
        signals the caller's group (SIGTTIN or SIGTTOU) and raises ERESTARTSYS."""
        if not self.controls(caller):
            return
        fg = self.foreground_pgrp
        if not fg or caller.pgrp == fg:
            return
        if signo in caller.sig_ignored:
            if signo == Signal.SIGTTIN:
                raise SyscallError(EIO)
            return
        if caller.pgrp_orphaned:
            raise SyscallError(EIO)
        self._signal(caller.pgrp, signo)
        raise SyscallError(ERESTARTSYS)

    def check_read(self, caller: Caller) -> None:
        """Before a read: a background process gets SIGTTIN (or EIO)."""
        self.job_control(caller, Signal.SIGTTIN)

    def check_write(self, caller: Caller) -> None:
        """Before a write: with TOSTOP, a background process gets SIGTTOU."""
        if self._t.lflag & TOSTOP:
            self.job_control(caller, Signal.SIGTTOU)

    # --- ioctl ------------------------------------------------------------------------------

    def ioctl(
        self,
        req: int,
        arg: int,
        read_mem: Callable[[int, int], bytes],
        write_mem: Callable[[int, bytes], None],
        *,
        caller: Caller | None = None,
    ) -> int:
        """A tty ioctl: the value for a0, or SyscallError.  Without ``caller`` nothing is
        checked against the caller (job control, controlling terminal) and TIOCSCTTY and
        TIOCNOTTY fail.  FIONBIO, FIOCLEX and the like are the file's: not handled here."""
        req &= 0xFFFFFFFF
        if caller is not None and req in _CHANGES:
            try:
                self.job_control(caller, Signal.SIGTTOU)
            except SyscallError as e:
                if req == TIOCSPGRP and e.errno == EIO:
                    raise SyscallError(ENOTTY) from None
                raise
        if req in (TCGETS, TCGETS2):
            write_mem(arg, self._t.pack() if req == TCGETS else self._t.pack2())
            return 0
        if req in (TCSETS, TCSETSW, TCSETSF):
            self.set_termios(Termios.unpack(read_mem(arg, TERMIOS.size)), flush=req == TCSETSF)
            return 0
        if req in (TCSETS2, TCSETSW2, TCSETSF2):
            new = Termios.unpack2(read_mem(arg, TERMIOS2.size))
            self.set_termios(new, flush=req == TCSETSF2)
            return 0
        if req == TIOCGWINSZ:
            write_mem(arg, WINSIZE.pack(*self.winsize))
            return 0
        if req == TIOCSWINSZ:
            rows, cols, xp, yp = WINSIZE.unpack(read_mem(arg, WINSIZE.size))
            self._set_winsize((rows, cols, xp, yp))
            return 0
        if req == TIOCGPGRP:
            if caller is not None and not self.controls(caller):
                raise SyscallError(ENOTTY)
            write_mem(arg, INT.pack(self.foreground_pgrp))
            return 0
        if req == TIOCSPGRP:
            return self._tiocspgrp(INT.unpack(read_mem(arg, 4))[0], caller)
        if req == TIOCGSID:
            if (caller is not None and not self.controls(caller)) or not self.session:
                raise SyscallError(ENOTTY)
            write_mem(arg, INT.pack(self.session))
            return 0
        if req == TIOCSCTTY:
            return self._tiocsctty(arg, caller)
        if req == TIOCNOTTY:
            if caller is None or not self.controls(caller):
                raise SyscallError(ENOTTY)
            if caller.pid == caller.sid:
                self.disassociate(on_exit=False)
            return 0
        if req == FIONREAD:
            write_mem(arg, INT.pack(self.input_available))
            return 0
        if req == TIOCOUTQ:
            write_mem(arg, INT.pack(sum(len(b) for _, b in self._held)))
            return 0
        if req == TCFLSH:
            if arg not in (TCIFLUSH, TCOFLUSH, TCIOFLUSH):
                raise SyscallError(EINVAL)
            if arg != TCOFLUSH:
                self._flush_input()
            if arg != TCIFLUSH:
                self._held.clear()
            return 0
        if req == TCXONC:
            if arg == TCOOFF:
                self._flush_echo()
                self._stopped = self._tco_stopped = True
            elif arg == TCOON:
                self._tco_stopped = False
                self._start()
            elif arg not in (TCIOFF, TCION):  # would send VSTOP/VSTART to the host: ignored
                raise SyscallError(EINVAL)
            return 0
        if req in (TCSBRK, TCSBRKP, TIOCEXCL, TIOCNXCL):
            return 0  # no line to break, output is never queued; exclusive mode: not kept
        if req == TIOCGETD:
            write_mem(arg, INT.pack(0))  # N_TTY
            return 0
        if req == TIOCSETD:
            if INT.unpack(read_mem(arg, 4))[0] != 0:
                raise SyscallError(EINVAL)
            return 0
        if req == TIOCSTI:
            self.feed(read_mem(arg, 1))
            return 0
        raise SyscallError(ENOTTY)

    def _tiocspgrp(self, pgrp: int, caller: Caller | None) -> int:
        if pgrp < 0:
            raise SyscallError(EINVAL)
        if caller is not None:
            if not self.controls(caller):
                raise SyscallError(ENOTTY)
            if self.pgrp_session is not None:
                sid = self.pgrp_session(pgrp)
                if sid is None:
                    raise SyscallError(ESRCH)
                if sid != caller.sid:
                    raise SyscallError(EPERM)
        self.foreground_pgrp = pgrp
        return 0

    def _tiocsctty(self, arg: int, caller: Caller | None) -> int:
        """Linux's tiocsctty: a session leader without a controlling terminal takes this one;
        with ``arg`` 1 it may take it from another session (the guest runs as root)."""
        if caller is None:
            raise SyscallError(EPERM)
        leader = caller.pid == caller.sid
        if leader and self.controls(caller):
            return 0
        if not leader or caller.has_ctty:
            raise SyscallError(EPERM)
        if self.session and arg != 1:
            raise SyscallError(EPERM)
        self.set_controlling(caller.sid, caller.pgrp)
        return 0

    # --- input ------------------------------------------------------------------------------

    def _full(self) -> bool:
        """No room for another byte: it must wait.  In canonical mode with no complete line the
        edit line cannot wait for a reader, so bytes go on (dropped if ordinary)."""
        if self._canon:
            return bool(self._lines) and self._buffered() >= MAX_CANON
        return len(self._raw) >= N_TTY_BUF_SIZE - 1

    def _buffered(self) -> int:
        return self._line_bytes + len(self._edit)

    def _lookahead(self, c: int) -> None:
        """A byte that must wait for room: flow control and signal characters act now."""
        t = self._t
        quoted = self._pending[-1] == t.cc[VLNEXT] if self._pending else self._lnext
        if quoted and t.lflag & (ICANON | IEXTEN) == ICANON | IEXTEN and t.cc[VLNEXT]:
            self._pending.append(c)  # after VLNEXT: literal, acted on in its turn
            return
        if t.iflag & ISTRIP:
            c &= 0x7F
        if t.iflag & IXON and c in (t.cc[VSTOP], t.cc[VSTART]) and c:
            self._flow(c)
            return
        if t.lflag & ISIG and c and c in (t.cc[VINTR], t.cc[VQUIT], t.cc[VSUSP]):
            self._isig(c)
            return
        self._pending.append(c)

    def _settle(self) -> None:
        """Process input that waited for room; after a hangup, end the last line; write the
        echo."""
        while self._pending and not self._full():
            del self._pending[: self._input(self._pending, waiting=True)]
        if self._hung_up and not self._pending and self._canon and self._edit:
            self._commit(b"")
        self._flush_echo()

    def _receive(self, c: int) -> None:
        t = self._t
        cc = t.cc
        if not t.cflag & CREAD:
            return
        if self._lnext:
            self._lnext = False
            if t.iflag & ISTRIP:
                c &= 0x7F
            if t.iflag & IUCLC and t.lflag & IEXTEN:
                c = _lower(c)
            self._put(c)
            return
        if t.iflag & ISTRIP:
            c &= 0x7F
        if t.iflag & IUCLC and t.lflag & IEXTEN:
            c = _lower(c)
        if t.iflag & IXON:
            if c and c in (cc[VSTOP], cc[VSTART]):
                self._flow(c)
                return
            if self._stopped and t.iflag & IXANY:
                self._start()
        if t.lflag & ISIG and c and c in (cc[VINTR], cc[VQUIT], cc[VSUSP]):
            self._isig(c)
            return
        if c == 0x0D:
            if t.iflag & IGNCR:
                return
            if t.iflag & ICRNL:
                c = 0x0A
                if not self._canon:
                    self._put(c, newline=True)
                    return
        elif c == 0x0A and t.iflag & INLCR:
            c = 0x0D
        if self._canon and self._canon_special(c):
            return
        self._put(c)

    def _canon_special(self, c: int) -> bool:
        """Canonical editing; False for an ordinary character."""
        t = self._t
        cc, lflag = t.cc, t.lflag
        iexten = lflag & IEXTEN

        def is_(i: int) -> bool:
            return cc[i] != 0 and c == cc[i]

        if is_(VERASE) or is_(VKILL) or (iexten and is_(VWERASE)):
            self._erase(c)
        elif iexten and is_(VLNEXT):
            self._lnext = True
            if lflag & ECHO:
                self._finish_erasing()
                if lflag & ECHOCTL:
                    self._echo_raw(b"^\b")
        elif iexten and lflag & ECHO and is_(VREPRINT):
            self._finish_erasing()
            self._echo_char(c)
            self._echo_raw(b"\n")
            for b in self._edit:
                self._echo_char(b)
        elif c == 0x0A:
            if lflag & (ECHO | ECHONL):
                self._echo_raw(b"\n")
            self._commit(b"\n")
        elif is_(VEOF):
            self._commit(b"", eof=True)
        elif is_(VEOL) or (iexten and is_(VEOL2)):
            if lflag & ECHO:
                if not self._edit:
                    self._canon_column = self.column
                self._echo_char(c)
            self._commit(bytes([c]))
        else:
            return False
        return True

    def _put(self, c: int, *, newline: bool = False) -> None:
        """An ordinary character: echo it and store it.  ``newline``: a carriage return that
        ICRNL made a newline echoes as one; a newline typed as such in non-canonical mode or
        after VLNEXT is an ordinary control character (``^J`` with ECHOCTL), as in Linux."""
        t = self._t
        if t.lflag & ECHO:
            self._finish_erasing()
            if newline:
                self._echo_raw(b"\n")
            else:
                if self._canon and not self._edit:
                    self._canon_column = self.column
                self._echo_char(c)
        if self._canon and self._buffered() >= MAX_CANON:
            return  # the line is full: echoed but dropped (Linux 6 rings no bell)
        buf = self._edit if self._canon else self._raw
        if c == 0xFF and t.iflag & PARMRK and not t.iflag & ISTRIP:
            buf.append(c)  # a real 0xff is doubled so that it is not read as a mark
        buf.append(c)
        self._received += 1

    def _commit(self, end: bytes, *, eof: bool = False) -> None:
        line = bytes(self._edit) + end
        self._lines.append(line)
        self._eof_ends.append(eof)
        self._line_bytes += len(line)
        self._edit.clear()
        self._received += 1

    def _erase(self, c: int) -> None:
        """VERASE, VWERASE and VKILL on the line being edited, with their echo."""
        t = self._t
        cc, lflag = t.cc, t.lflag
        edit = self._edit
        if not edit:
            return
        echo = lflag & ECHO
        kind = "erase" if c == cc[VERASE] else "werase" if c == cc[VWERASE] else "kill"
        if kind == "kill":
            if not echo:
                edit.clear()
                return
            if lflag & (ECHOK | ECHOKE | ECHOE) != ECHOK | ECHOKE | ECHOE:
                edit.clear()
                self._finish_erasing()
                self._echo_char(c)
                if lflag & ECHOK:
                    self._echo_raw(b"\n")
                return
        utf8 = t.iflag & IUTF8
        seen_word = False
        while edit:
            # one character: its last byte and, with IUTF8, the continuation bytes before it
            start = len(edit) - 1
            while utf8 and start > 0 and 0x80 <= edit[start] < 0xC0:
                start -= 1
            if utf8 and 0x80 <= edit[start] < 0xC0:
                break  # only continuation bytes left: not a whole character
            ch = edit[start]
            if kind == "werase":
                if _is_word(ch):
                    seen_word = True
                elif seen_word:
                    break
            erased = bytes(edit[start:])
            del edit[start:]
            if echo:
                self._echo_erased(ch, erased, kind)
            if kind == "erase":
                break
        if not edit and echo:
            self._finish_erasing()

    def _echo_erased(self, ch: int, erased: bytes, kind: str) -> None:
        lflag = self._t.lflag
        if lflag & ECHOPRT:
            if not self._erasing:
                self._echo_raw(b"\\")
                self._erasing = True
            self._echo_char(ch)
            for b in erased[1:]:
                self._echo_raw(bytes([b]))
        elif kind == "erase" and not lflag & ECHOE:
            self._echo_char(self._t.cc[VERASE])
        elif ch == 0x09:
            self._erase_tab()
        elif _is_ctrl(ch) and not lflag & ECHOCTL:
            pass  # echoed as itself: took no column
        else:
            self._echo_raw(b"\b \b\b \b" if _is_ctrl(ch) else b"\b \b")

    def _erase_tab(self) -> None:
        """Back up over an erased tab: count the columns of what precedes it back to the
        previous tab (a tab stop) or the start of the line (the column the line started at)."""
        cols = 0
        after_tab = False
        utf8 = self._t.iflag & IUTF8
        for b in reversed(self._edit):
            if b == 0x09:
                after_tab = True
                break
            if _is_ctrl(b):
                if self._t.lflag & ECHOCTL:
                    cols += 2
            elif not (utf8 and 0x80 <= b < 0xC0):
                cols += 1
        if not after_tab:
            cols += self._canon_column
        back = 8 - (cols & 7)
        self._echo_out += b"\b" * back
        self.column = max(self.column - back, 0)

    def _finish_erasing(self) -> None:
        if self._erasing:
            self._echo_raw(b"/")
            self._erasing = False

    def _isig(self, c: int) -> None:
        cc, lflag = self._t.cc, self._t.lflag
        signo = (
            Signal.SIGINT
            if c == cc[VINTR]
            else Signal.SIGQUIT
            if c == cc[VQUIT]
            else Signal.SIGTSTP
        )
        self._flush_echo()
        if not lflag & NOFLSH:
            # Linux drops the echo not yet written (held by VSTOP), not what writers wrote.
            self._flush_input()
            self._held = [(echo, b) for echo, b in self._held if not echo]
        if self._t.iflag & IXON:
            self._start()
        if lflag & ECHO:
            self._echo_char(c)
        self._flush_echo()
        self._signal(self.foreground_pgrp, signo)

    def _flow(self, c: int) -> None:
        self._flush_echo()  # what was echoed before VSTOP is out already
        cc = self._t.cc
        if cc[VSTOP] == cc[VSTART]:
            if self._stopped:
                self._start()
            else:
                self._stopped = True
        elif c == cc[VSTOP]:
            self._stopped = True
        else:
            self._start()

    def _start(self) -> None:
        if self._tco_stopped:
            return
        self._stopped = False
        if self._held:
            held = b"".join(b for _, b in self._held)
            self._held.clear()
            self.write_out(held)

    def _flush_input(self) -> None:
        self._lines.clear()
        self._eof_ends.clear()
        self._line_bytes = 0
        self._edit.clear()
        self._raw.clear()
        self._pending.clear()
        self._lnext = self._erasing = False

    def _signal(self, pgrp: int, signo: int) -> None:
        if pgrp > 0 and self.on_signal is not None:
            self.on_signal(pgrp, signo)

    # --- output -----------------------------------------------------------------------------

    def _echo_char(self, c: int) -> None:
        """Echo a character; ECHOCTL shows a control character but tab as ^X (a newline that
        ends a line is echoed with `_echo_raw`)."""
        if self._t.lflag & ECHOCTL and _is_ctrl(c) and c != 0x09:
            self._echo_out += bytes([0x5E, c ^ 0x40])
            self.column += 2
        elif c == 0xFF:  # Linux's echo buffer escapes 0xff and writes it as is: no OLCUC
            self._echo_out.append(c)
            self.column += 1
        else:
            self._echo_raw(bytes([c]))

    def _echo_raw(self, data: bytes) -> None:
        self._echo_out += self._opost(data)

    def _flush_echo(self) -> None:
        if self._echo_out:
            out = bytes(self._echo_out)
            self._echo_out.clear()
            self._emit(out, echo=True)

    def _emit(self, data: bytes, *, echo: bool) -> None:
        if not data:
            return
        if self._stopped:
            self._held.append((echo, data))
        else:
            self.write_out(data)

    def _opost(self, data: bytes) -> bytes:
        """Output processing (OPOST), keeping the column."""
        oflag = self._t.oflag
        if not oflag & OPOST:
            return data
        simple = not oflag & (OLCUC | OCRNL | ONOCR | ONLRET) and oflag & TABDLY != XTABS
        if simple and (oflag & ONLCR or b"\n" not in data):
            # The common case: only ONLCR changes bytes; only the tail moves the column.
            out = data.replace(b"\n", b"\r\n") if oflag & ONLCR else data
            cut = max(data.rfind(b"\n"), data.rfind(b"\r"))
            if cut >= 0:
                self.column = self._canon_column = 0
            tail = data[cut + 1 :]
            if b"\t" in tail or b"\b" in tail:
                for c in tail:
                    self._advance(c)
            else:
                drop = _NOT_COLUMNS_UTF8 if self._t.iflag & IUTF8 else _NOT_COLUMNS
                self.column += len(tail.translate(None, drop))
            return out
        res = bytearray()
        for c in data:
            if c == 0x0A:
                if oflag & ONLRET:
                    self.column = 0
                if oflag & ONLCR:
                    res += b"\r\n"
                    self.column = self._canon_column = 0
                    continue
                self._canon_column = self.column  # as Linux: the next line starts here
            elif c == 0x0D:
                if oflag & ONOCR and self.column == 0:
                    continue
                if oflag & OCRNL:
                    c = 0x0A
                    if oflag & ONLRET:
                        self.column = self._canon_column = 0
                else:
                    self.column = self._canon_column = 0
            elif c == 0x09 and oflag & TABDLY == XTABS:
                spaces = 8 - (self.column & 7)
                res += b" " * spaces
                self.column += spaces
                continue
            else:
                if oflag & OLCUC:
                    c = _upper(c)
                self._advance(c)
            res.append(c)
        return bytes(res)

    def _advance(self, c: int) -> None:
        """The column after writing ``c`` (not a newline or carriage return)."""
        if c == 0x09:
            self.column = (self.column | 7) + 1
        elif c == 0x08:
            if self.column > 0:
                self.column -= 1
        elif not _is_ctrl(c) and not (self._t.iflag & IUTF8 and 0x80 <= c < 0xC0):
            self.column += 1


def _lower(c: int) -> int:
    """IUCLC: tolower() of the kernel's Latin-1 ctype."""
    return c + 0x20 if 0x41 <= c <= 0x5A or (0xC0 <= c <= 0xDE and c != 0xD7) else c


def _upper(c: int) -> int:
    """OLCUC: toupper() of the kernel's Latin-1 ctype (0xdf and 0xff included, as there)."""
    return c - 0x20 if 0x61 <= c <= 0x7A or (0xDF <= c <= 0xFF and c != 0xF7) else c


# Requests that change the terminal: a background caller gets SIGTTOU (tty_check_change).
_CHANGES = frozenset(
    {TCSETS, TCSETSW, TCSETSF, TCSETS2, TCSETSW2, TCSETSF2, TIOCSPGRP, TCFLSH, TCXONC}
    | {TCSBRK, TCSBRKP}
)
