"""py_backend.linux.tty against the host kernel's N_TTY, through a pseudo-terminal.

Random keystrokes (line editing, control and UTF-8 characters) are typed into a host pty and into
a `Tty` with the same termios; the echo and what reads return must be the same bytes.  Guest
output with random output flags too.  Signal and flow-control characters are typed one at a
time with a pause in their own test: what Linux echoes around them depends on how its input is
batched (a signal character drops the echo not yet written).
"""

from __future__ import annotations

import os
import random
import select
import sys
import time

import pytest

from py_backend.linux import tty as T

pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="needs the host's Linux N_TTY"),
    pytest.mark.all_tiers,  # no guest code runs: `make tiers` deselects it
]

if sys.platform == "linux":
    import fcntl
    import pty
    import termios

KEYS = [b"a", b"b", b" ", b"_", b"-", b"\t", b"\x7f", b"\x15", b"\x17", b"\x16", b"\x12", b"\x04"]
KEYS += [b"\r", b"\n", b"\x01", b"\x00", b"\x08", b"\xff", b"\x1b[A", "é".encode(), "€".encode()]
# (iflag, oflag, lflag) toggled from the defaults
FLAGS = [(0, 0, 0), (T.IUTF8, 0, 0), (0, 0, T.ECHOKE), (0, 0, T.ECHOE), (0, 0, T.ECHOCTL)]
FLAGS += [(0, 0, T.ECHOPRT), (T.IUTF8, 0, T.ECHOPRT), (T.ICRNL, 0, 0), (0, 0, T.ECHO)]
FLAGS += [(0, 0, T.ECHO | T.ECHONL), (0, 0, T.ICANON), (0, 0, T.IEXTEN), (T.INLCR, 0, 0)]
FLAGS += [(0, 0, T.ECHOK | T.ECHOKE), (T.IGNCR, 0, 0), (T.ISTRIP, 0, 0), (0, T.XTABS, 0)]
FLAGS += [(0, T.ONLCR | T.OCRNL, 0), (T.IUTF8, T.ONLRET | T.ONOCR, T.ECHOCTL)]
FLAGS += [(0, 0, T.ICANON | T.ECHOCTL), (0, T.OLCUC, 0)]
PROMPTS = [b"", b"$ ", b"abc\tx", b"\xc3\xa9\r\n> "]


def settings(iflag: int, oflag: int, lflag: int) -> T.Termios:
    t = T.Termios()
    t.iflag ^= iflag
    t.oflag ^= oflag
    t.lflag ^= lflag
    t.cc[T.VMIN], t.cc[T.VTIME] = 1, 0
    return t


def drain(fd: int, quiet_s: float = 0.02) -> bytes:
    out = b""
    while select.select([fd], [], [], quiet_s)[0]:
        try:
            out += os.read(fd, 65536)
        except OSError:
            break
    return out


def on_linux(
    t: T.Termios, prompt: bytes, keys: bytes, wait_s: float = 0.01
) -> tuple[bytes, list[bytes]]:
    """The echo and the reads of the host kernel; ``wait_s`` for it to process the input."""
    master, slave = pty.openpty()
    try:
        attrs = termios.tcgetattr(slave)
        attrs[0:4] = [t.iflag, t.oflag, t.cflag, t.lflag]
        cc = list(attrs[6])
        cc[: T.NCCS] = [bytes([v]) for v in t.cc]
        attrs[6] = cc
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        os.write(slave, prompt)  # in the master's queue before any echo
        os.write(master, keys)
        time.sleep(wait_s)
        echo = drain(master, wait_s * 2)
        flags = fcntl.fcntl(slave, fcntl.F_GETFL)
        fcntl.fcntl(slave, fcntl.F_SETFL, flags | os.O_NONBLOCK)
        reads = []
        while True:
            try:
                got = os.read(slave, 4096)
            except BlockingIOError:
                break
            reads.append(got)
        return echo, reads
    finally:
        os.close(slave)
        os.close(master)


def on_tty(t: T.Termios, prompt: bytes, keys: bytes) -> tuple[bytes, list[bytes]]:
    out = bytearray()
    tty = T.Tty(out.extend)
    tty.termios = t
    tty.write(prompt)
    tty.feed(keys)
    reads = []
    while (got := tty.read(4096)) is not None:
        reads.append(got)
        if not got and tty.termios.lflag & T.ICANON == 0:
            break
    return bytes(out), reads


def same_as_linux(t: T.Termios, prompt: bytes, keys: bytes) -> bool:
    mine = on_tty(t, prompt, keys)
    # a loaded machine may not have processed all input after the short wait: look again
    return mine == on_linux(t, prompt, keys) or mine == on_linux(t, prompt, keys, 0.3)


def test_echo_and_reads_match_linux() -> None:
    rng = random.Random(2026)
    for _ in range(100):
        t = settings(*rng.choice(FLAGS))
        prompt = rng.choice(PROMPTS)
        keys = b"".join(rng.choice(KEYS) for _ in range(rng.randrange(1, 30)))
        assert same_as_linux(t, prompt, keys), (t, prompt, keys, on_tty(t, prompt, keys))


def test_output_processing_matches_linux() -> None:
    rng = random.Random(7)
    pieces = [b"ab", b"\n", b"\r", b"\t", b"\b", b"\x1b[1m", "é".encode(), b"\r\n", b"xyz"]
    oflags = [T.ONLCR, T.OCRNL, T.ONOCR, T.ONLRET, T.XTABS, T.OLCUC, T.OPOST]
    for _ in range(40):
        toggled = 0
        for flag in rng.sample(oflags, rng.randrange(0, 4)):
            toggled ^= flag
        t = settings(rng.choice([0, T.IUTF8]), toggled, 0)
        data = b"".join(rng.choice(pieces) for _ in range(rng.randrange(1, 12)))
        # then a tab typed and erased: its backspaces show the column Linux kept
        assert same_as_linux(t, data, b"\t\x7f"), (t, data, on_tty(t, data, b"\t\x7f"))


def test_long_line_matches_linux() -> None:
    t = settings(0, 0, 0)
    keys = b"a" * 4200 + b"\x7fbc\r"
    assert same_as_linux(t, b"", keys)


def test_throttled_input_matches_linux() -> None:
    """A complete line fills the buffer: later keys wait, unechoed, until a read makes room."""
    keys = b"x" * 4000 + b"\r" + b"y" * 200 + b"\r"
    master, slave = pty.openpty()
    try:
        attrs = termios.tcgetattr(slave)
        attrs[0:4] = [T.DEFAULT_IFLAG, T.DEFAULT_OFLAG, T.DEFAULT_CFLAG, T.DEFAULT_LFLAG]
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        os.write(master, keys)
        time.sleep(0.05)
        linux: list[bytes | None] = [drain(master), os.read(slave, 10000)]
        time.sleep(0.05)
        linux += [drain(master), os.read(slave, 10000)]
    finally:
        os.close(slave)
        os.close(master)
    out = bytearray()
    tty = T.Tty(out.extend)
    tty.feed(keys)
    mine: list[bytes | None] = [bytes(out)]
    out.clear()
    mine.append(tty.read(10000))
    mine += [bytes(out), tty.read(10000)]
    assert mine == linux


def _set(fd: int, t: T.Termios) -> None:
    attrs = termios.tcgetattr(fd)
    attrs[0:4] = [t.iflag, t.oflag, t.cflag, t.lflag]
    cc = list(attrs[6])
    cc[: T.NCCS] = [bytes([v]) for v in t.cc]
    attrs[6] = cc
    termios.tcsetattr(fd, termios.TCSANOW, attrs)


def test_mode_switches_match_linux() -> None:
    """Input typed in one mode and read in the other: lines, a VEOF, a half-typed line."""
    canon = settings(0, 0, 0)
    raw = settings(0, 0, T.ICANON | T.ECHO)
    raw.cc[T.VMIN] = 0
    cases = [
        (canon, b"ab\rcd", raw, b"e"),
        (canon, b"ab\x04cd", raw, b""),
        (raw, b"xy", canon, b"z\r"),
    ]
    for first, keys, second, more in cases:
        master, slave = pty.openpty()
        try:
            _set(slave, first)
            os.write(master, keys)
            time.sleep(0.05)
            _set(slave, second)
            os.write(master, more)
            time.sleep(0.05)
            flags = fcntl.fcntl(slave, fcntl.F_GETFL)
            fcntl.fcntl(slave, fcntl.F_SETFL, flags | os.O_NONBLOCK)
            linux = []
            while True:
                try:
                    got = os.read(slave, 4096)
                except BlockingIOError:
                    break
                linux.append(got)
                if not got:
                    break
        finally:
            os.close(slave)
            os.close(master)
        tty = T.Tty(lambda _: None)
        tty.termios = first
        tty.feed(keys)
        tty.termios = second
        tty.feed(more)
        mine = []
        while (got2 := tty.read(4096)) is not None:
            mine.append(got2)
            if not got2:
                break
        assert mine == linux, (keys, more)


def typed_slowly(t: T.Termios, keys: bytes, gap_s: float) -> tuple[bytes, list[bytes]]:
    """Linux's echo and reads when the keys come one by one, ``gap_s`` apart."""
    master, slave = pty.openpty()
    try:
        _set(slave, t)
        echo = b""
        for i in range(len(keys)):
            os.write(master, keys[i : i + 1])
            time.sleep(gap_s)
            echo += drain(master, 0)
        time.sleep(gap_s)
        echo += drain(master)
        flags = fcntl.fcntl(slave, fcntl.F_GETFL)
        fcntl.fcntl(slave, fcntl.F_SETFL, flags | os.O_NONBLOCK)
        reads = []
        while True:
            try:
                got = os.read(slave, 4096)
            except BlockingIOError:
                break
            reads.append(got)
            if not got:
                break
        return echo, reads
    finally:
        os.close(slave)
        os.close(master)


def test_signal_and_flow_characters_match_linux() -> None:
    """^C ^Z ^\\ flush (or not, NOFLSH) and echo; ^S holds the echo, ^Q (or any key with
    IXANY) lets it out; with ISIG off they are input."""
    keys_ = [b"a", b"b", b" ", b"\x7f", b"\r", b"\x03", b"\x1a", b"\x1c", b"\x13", b"\x11"]
    keys_ += [b"\x16", b"\x15"]
    flags = [(0, 0, 0), (0, 0, T.NOFLSH), (0, 0, T.ICANON), (0, 0, T.ICANON | T.NOFLSH)]
    flags += [(0, 0, T.ECHO), (T.IXANY, 0, 0), (0, 0, T.ECHOCTL), (0, 0, T.ISIG), (T.IXON, 0, 0)]
    rng = random.Random(11)
    for _ in range(25):
        t = settings(*rng.choice(flags))
        keys = b"".join(rng.choice(keys_) for _ in range(rng.randrange(1, 10)))
        mine = on_tty(t, b"", keys)
        same = mine == typed_slowly(t, keys, 0.02) or mine == typed_slowly(t, keys, 0.15)
        assert same, (t, keys, mine)


def simulated_read(vmin: int, vtime: int, events: list[tuple[float, bytes]]) -> tuple[bytes, float]:
    """One read(100) of a `Tty` driven as the process layer drives it (block on None until input
    or `read_deadline`, then ``timed_out``), on a simulated clock: what it returns, and when."""
    tty = T.Tty(lambda _: None)
    tty.termios = settings(0, 0, T.ICANON | T.ECHO)
    t = tty.termios
    t.cc[T.VMIN], t.cc[T.VTIME] = vmin, vtime
    tty.termios = t
    now, pending = 0.0, list(events)
    while True:
        got = tty.read(100)
        if got is not None:
            return got, now
        deadline = tty.read_deadline(int(now * 1e9))
        if pending and (deadline is None or pending[0][0] * 1e9 < deadline):
            now, data = pending.pop(0)
            tty.feed(data)
            continue
        assert deadline is not None, "the read would block forever"
        now = deadline / 1e9
        got = tty.read(100, timed_out=True)
        assert got is not None
        return got, now


def linux_read(vmin: int, vtime: int, events: list[tuple[float, bytes]]) -> tuple[bytes, float]:
    import threading

    master, slave = pty.openpty()
    try:
        t = settings(0, 0, T.ICANON | T.ECHO)
        t.cc[T.VMIN], t.cc[T.VTIME] = vmin, vtime
        _set(slave, t)
        start = time.monotonic()

        def typist() -> None:
            for at, data in events:
                time.sleep(max(0.0, at - (time.monotonic() - start)))
                os.write(master, data)

        thread = threading.Thread(target=typist)
        thread.start()
        got = os.read(slave, 100)
        took = time.monotonic() - start
        thread.join()
        return got, took
    finally:
        os.close(slave)
        os.close(master)


@pytest.mark.parametrize(
    ("vmin", "vtime", "events"),
    [
        (0, 3, []),  # overall timer: nothing comes
        (0, 3, [(0.1, b"x")]),  # a byte before the timer
        (2, 3, [(0.0, b"a")]),  # inter-byte timer after the first byte
        (2, 3, [(0.0, b"a"), (0.15, b"b")]),  # VMIN reached first
        (5, 3, [(0.0, b"a"), (0.2, b"b"), (0.4, b"c")]),  # restarted by each byte
        (3, 0, [(0.0, b"ab"), (0.2, b"cd")]),  # VMIN only
    ],
)
def test_vmin_vtime_match_linux(vmin: int, vtime: int, events: list[tuple[float, bytes]]) -> None:
    got, when = simulated_read(vmin, vtime, events)
    linux_got, linux_when = linux_read(vmin, vtime, events)
    assert got == linux_got
    assert abs(when - linux_when) < 0.15, (when, linux_when)  # (timers of 0.3 s and more)
