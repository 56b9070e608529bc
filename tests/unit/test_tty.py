"""The terminal (py_backend.linux.tty): line discipline, echo, VMIN/VTIME, output processing,
ioctls and job control, with the exact bytes Linux's N_TTY would echo."""

from __future__ import annotations

import random

import pytest

from py_backend.linux import errors as E
from py_backend.linux import tty as T
from py_backend.linux.errors import SyscallError
from py_backend.linux.signals import Signal
from py_backend.linux.tty import Caller, Termios, Tty

# The tiers are this test's own parameters (or it has none): `make tiers` deselects it.
pytestmark = pytest.mark.all_tiers

FG = 7  # the foreground process group and the session of the terminal in these tests
BASE = 0x1000


class Term:
    """A Tty with its output and signals recorded, and a small guest memory for ioctls."""

    def __init__(self, **kw: int) -> None:
        self.out = bytearray()
        self.signals: list[tuple[int, int]] = []
        self.tty = Tty(self.out.extend, **kw)
        self.tty.on_signal = lambda pgrp, signo: self.signals.append((pgrp, signo))
        self.tty.set_controlling(FG, FG)
        self.mem = bytearray(256)

    def take(self) -> bytes:
        out = bytes(self.out)
        self.out.clear()
        return out

    def type(self, data: bytes) -> bytes:
        """Feed ``data``; return the echo."""
        self.take()
        self.tty.feed(data)
        return self.take()

    def read_mem(self, addr: int, n: int) -> bytes:
        if addr < BASE or addr + n > BASE + len(self.mem):
            raise SyscallError(E.EFAULT)
        return bytes(self.mem[addr - BASE : addr - BASE + n])

    def write_mem(self, addr: int, data: bytes) -> None:
        if addr < BASE or addr + len(data) > BASE + len(self.mem):
            raise SyscallError(E.EFAULT)
        self.mem[addr - BASE : addr - BASE + len(data)] = data

    def ioctl(self, req: int, arg: int = BASE, caller: Caller | None = None) -> int:
        return self.tty.ioctl(req, arg, self.read_mem, self.write_mem, caller=caller)

    def ioctl_errno(self, req: int, arg: int = BASE, caller: Caller | None = None) -> int:
        with pytest.raises(SyscallError) as e:
            self.ioctl(req, arg, caller)
        return e.value.errno

    def int_at(self, addr: int = BASE) -> int:
        value: int = T.INT.unpack(self.read_mem(addr, 4))[0]
        return value

    def set_int(self, value: int, addr: int = BASE) -> None:
        self.write_mem(addr, T.INT.pack(value))

    def change(self, *, iflag: int = 0, oflag: int = 0, lflag: int = 0, **kw: int) -> None:
        """Toggle flags (XOR) and set c_cc entries by index name, e.g. VMIN=0."""
        t = self.tty.termios
        t.iflag ^= iflag
        t.oflag ^= oflag
        t.lflag ^= lflag
        for name, value in kw.items():
            t.cc[getattr(T, name)] = value
        self.tty.termios = t

    def raw(self, vmin: int = 1, vtime: int = 0) -> None:
        self.change(lflag=T.ICANON | T.ECHO, VMIN=vmin, VTIME=vtime)


def read_all(tty: Tty) -> list[bytes]:
    got = []
    while (r := tty.read(4096)) is not None and r:
        got.append(r)
    return got


# --- defaults -------------------------------------------------------------------------------


def test_default_termios_is_linux_after_login() -> None:
    t = Term().tty.termios
    assert (t.iflag, t.oflag, t.cflag, t.lflag, t.line) == (0x500, 0x5, 0x4BF, 0x8A3B, 0)
    assert t.cc[T.VINTR] == 3 and t.cc[T.VQUIT] == 0x1C and t.cc[T.VERASE] == 0x7F
    assert t.cc[T.VKILL] == 0x15 and t.cc[T.VEOF] == 4 and t.cc[T.VTIME] == 0
    assert t.cc[T.VMIN] == 1 and t.cc[T.VSTART] == 0x11 and t.cc[T.VSTOP] == 0x13
    assert t.cc[T.VSUSP] == 0x1A and t.cc[T.VEOL] == 0 and t.cc[T.VREPRINT] == 0x12
    assert t.cc[T.VDISCARD] == 0x0F and t.cc[T.VWERASE] == 0x17 and t.cc[T.VLNEXT] == 0x16
    assert len(T.DEFAULT_TERMIOS) == T.TERMIOS.size == 36 and T.TERMIOS2.size == 44
    assert Term().tty.get_termios() == T.DEFAULT_TERMIOS
    assert Term().tty.winsize == (24, 80, 0, 0) and Term(rows=50, cols=132).tty.winsize[:2] == (
        50,
        132,
    )


# --- canonical mode -------------------------------------------------------------------------


def test_canonical_line_echo_and_read() -> None:
    m = Term()
    assert m.type(b"ab") == b"ab"
    assert m.tty.read(100) is None and not m.tty.readable()
    assert m.type(b"\r") == b"\r\n"  # ICRNL, then ONLCR on the echo
    assert m.tty.readable()
    assert m.tty.read(100) == b"ab\n"
    assert m.tty.read(100) is None


def test_canonical_read_returns_one_line_or_part_of_it() -> None:
    m = Term()
    m.tty.feed(b"hello\rx\r")
    assert m.tty.read(2) == b"he"
    assert m.tty.read(100) == b"llo\n"
    assert m.tty.read(100) == b"x\n"
    assert m.tty.read(0) == b""
    assert m.tty.read(100) is None


def test_erase_echoes_backspace_space_backspace() -> None:
    m = Term()
    assert m.type(b"abc\x7f") == b"abc\b \b"
    assert m.type(b"\x7f\x7f\x7f") == b"\b \b\b \b"  # the third finds an empty line: no echo
    assert m.type(b"z\r") == b"z\r\n"
    assert m.tty.read(100) == b"z\n"


def test_erase_of_a_control_character_erases_its_two_columns() -> None:
    m = Term()
    assert m.type(b"\x01") == b"^A"
    assert m.type(b"\x7f") == b"\b \b\b \b"
    m.change(lflag=T.ECHOCTL)  # without ECHOCTL it was echoed as itself, taking no column
    assert m.type(b"\x01\x7f") == b"\x01"


def test_erase_without_echoe_echoes_the_erase_character() -> None:
    m = Term()
    m.change(lflag=T.ECHOE)
    assert m.type(b"ab\x7f\r") == b"ab^?\r\n"
    assert m.tty.read(100) == b"a\n"


def test_kill_erases_the_line_character_by_character() -> None:
    m = Term()
    assert m.type(b"a\x01c\x15") == b"a^Ac" + b"\b \b" + b"\b \b\b \b" + b"\b \b"
    assert m.type(b"x\r") == b"x\r\n"
    assert m.tty.read(100) == b"x\n"


def test_kill_without_echoke_echoes_the_kill_character() -> None:
    m = Term()
    m.change(lflag=T.ECHOKE)
    assert m.type(b"abc\x15") == b"abc^U\r\n"  # ECHOK adds a newline
    m.change(lflag=T.ECHOK)
    assert m.type(b"abc\x15") == b"abc^U"
    assert m.type(b"\r") == b"\r\n" and m.tty.read(100) == b"\n"
    m.change(lflag=T.ECHO)
    assert m.type(b"abc\x15d\r") == b"" and m.tty.read(100) == b"d\n"


def test_werase_erases_the_last_word_and_the_blanks_after_it() -> None:
    m = Term()
    m.tty.feed(b"foo bar  ")
    assert m.type(b"\x17") == b"\b \b" * 5
    m.tty.feed(b"-baz_1\x17\r")
    assert m.tty.read(100) == b"foo -\n"  # "-" is not part of a word
    m.tty.feed(b"\x17\x17\r")  # nothing to erase
    assert m.tty.read(100) == b"\n"


def test_werase_lnext_reprint_eol2_need_iexten() -> None:
    m = Term()
    m.change(lflag=T.IEXTEN, VEOL2=ord("!"))
    assert m.type(b"a b\x17\x16\x12!") == b"a b^W^V^R!"
    assert m.tty.read(100) is None
    m.tty.feed(b"\r")
    assert m.tty.read(100) == b"a b\x17\x16\x12!\n"


def test_eof_at_line_start_reads_as_end_of_file_once() -> None:
    m = Term()
    assert m.type(b"\x04") == b""
    assert m.tty.readable()
    assert m.tty.read(100) == b""
    assert m.tty.read(100) is None  # one EOF per ^D: the next read blocks again


def test_eof_mid_line_returns_the_line_without_it() -> None:
    m = Term()
    assert m.type(b"ab\x04") == b"ab"
    assert m.tty.read(100) == b"ab"
    assert m.tty.read(100) is None
    m.tty.feed(b"abc\x04\x04")
    assert m.tty.read(3) == b"abc"
    assert m.tty.read(100) == b""


def test_eol_ends_a_line_and_is_kept() -> None:
    m = Term()
    m.change(VEOL=ord(";"))
    assert m.type(b"a;b") == b"a;b"
    assert m.tty.read(100) == b"a;"
    assert m.tty.read(100) is None


def test_disabled_characters_are_ordinary() -> None:
    m = Term()
    m.change(VERASE=0, VINTR=0)
    m.tty.feed(b"\x00\x7f\x03\r")  # VEOL is 0 too: a NUL byte does not end the line
    assert m.tty.read(100) == b"\x00\x7f\x03\n" and m.signals == []


def test_lnext_quotes_the_next_character() -> None:
    m = Term()
    assert m.type(b"\x16") == b"^\b"
    assert m.type(b"\x03") == b"^C"
    assert m.type(b"\x16\x7f\x16\x04\r") == b"^\b^?^\b^D\r\n"
    assert m.signals == []
    assert m.tty.read(100) == b"\x03\x7f\x04\n"


def test_reprint_redraws_the_line() -> None:
    m = Term()
    m.tty.feed(b"ab\x01")
    assert m.type(b"\x12") == b"^R\r\nab^A"


def test_echoprt_shows_erased_characters_between_backslash_and_slash() -> None:
    m = Term()
    m.change(lflag=T.ECHOPRT)
    assert m.type(b"abc\x7f\x7fd") == b"abc\\cb/d"


def test_erase_a_tab_backs_up_to_where_it_started() -> None:
    m = Term()
    m.tty.write(b"$ ")  # the prompt: the line starts at column 2
    assert m.type(b"\t") == b"\t" and m.tty.column == 8
    assert m.type(b"\x7f") == b"\b" * 6 and m.tty.column == 2
    m.tty.feed(b"ab\tc")
    assert m.tty.column == 9
    assert m.type(b"\x7f\x7f") == b"\b \b" + b"\b" * 4
    m.tty.feed(b"\x01\t\tx")  # a tab after a tab is a whole tab stop
    assert m.type(b"\x7f\x7f") == b"\b \b" + b"\b" * 8


def test_utf8_erase_removes_a_whole_character_with_iutf8() -> None:
    m = Term()
    m.tty.feed("aé".encode())
    assert m.type(b"\x7f") == b"\b \b"  # without IUTF8: one byte (a column) per erase
    m.tty.feed(b"\r")
    assert m.tty.read(100) == b"a\xc3\n"
    m.change(iflag=T.IUTF8, VERASE=0x7F)
    m.tty.feed(b"\x15" + "aé€".encode())
    assert m.tty.column == 3
    assert m.type(b"\x7f") == b"\b \b"
    m.tty.feed(b"\r")
    assert m.tty.read(100) == "aé\n".encode()


def test_line_is_4095_bytes_at_most_and_a_line_end_still_fits() -> None:
    m = Term()
    assert m.type(b"a" * 5000) == b"a" * 5000  # echoed, but only 4095 are kept
    m.tty.feed(b"\x7fbc")  # erase makes room for one
    assert m.type(b"\r") == b"\r\n"
    assert m.tty.read(10000) == b"a" * 4094 + b"b\n"


def test_input_waits_unechoed_while_the_buffer_is_full() -> None:
    m = Term()
    echo = m.type(b"x" * 4000 + b"\r" + b"y" * 200 + b"\r")
    assert echo == b"x" * 4000 + b"\r\n" + b"y" * 94  # 4001 + 94 = 4095 bytes buffered
    m.take()
    assert m.tty.read(10000) == b"x" * 4000 + b"\n"
    assert m.take() == b"y" * 106 + b"\r\n"  # the rest is processed once there is room
    assert m.tty.read(10000) == b"y" * 200 + b"\n"


# --- signals --------------------------------------------------------------------------------


def test_intr_signals_the_foreground_group_and_flushes_input() -> None:
    m = Term()
    m.tty.feed(b"line1\r")
    assert m.type(b"abc\x03") == b"abc^C"
    assert m.signals == [(FG, Signal.SIGINT)]
    assert m.tty.read(100) is None and m.tty.input_available == 0
    m.tty.feed(b"x\r")
    assert m.tty.read(100) == b"x\n"


def test_quit_and_susp() -> None:
    m = Term()
    assert m.type(b"\x1c\x1a") == b"^\\^Z"
    assert m.signals == [(FG, Signal.SIGQUIT), (FG, Signal.SIGTSTP)]
    m.tty.foreground_pgrp = 0  # no foreground group: nobody is signalled
    m.tty.feed(b"\x03")
    assert len(m.signals) == 2


def test_noflsh_keeps_the_input() -> None:
    m = Term()
    m.change(lflag=T.NOFLSH)
    m.tty.feed(b"abc\x03\r")
    assert m.signals == [(FG, Signal.SIGINT)]
    assert m.tty.read(100) == b"abc\n"


def test_signal_characters_work_in_raw_mode() -> None:
    m = Term()
    m.raw()
    m.tty.feed(b"ab\x03")
    assert m.signals == [(FG, Signal.SIGINT)] and m.tty.read(100) is None


def test_isig_off_passes_intr_through() -> None:
    m = Term()
    m.change(lflag=T.ISIG)
    assert m.type(b"\x03\x1a\r") == b"^C^Z\r\n"
    assert m.signals == []
    assert m.tty.read(100) == b"\x03\x1a\n"


def test_echoctl_off_echoes_control_characters_as_themselves() -> None:
    m = Term()
    m.change(lflag=T.ECHOCTL)
    assert m.type(b"\x03") == b"\x03"


def test_signal_character_acts_while_input_waits_for_room() -> None:
    m = Term()
    m.raw()
    m.tty.feed(b"z" * 5000)
    assert m.tty.input_available == 4095
    m.tty.feed(b"\x03")
    assert m.signals == [(FG, Signal.SIGINT)]
    assert m.tty.input_available == 0 and m.tty.read(100) is None


# --- input flags ----------------------------------------------------------------------------


def test_icrnl_off_keeps_carriage_return() -> None:
    m = Term()
    m.change(iflag=T.ICRNL)
    assert m.type(b"ab\r") == b"ab^M"
    assert m.tty.read(100) is None
    assert m.type(b"\n") == b"\r\n"
    assert m.tty.read(100) == b"ab\r\n"


def test_igncr_and_inlcr() -> None:
    m = Term()
    m.change(iflag=T.IGNCR)
    m.tty.feed(b"a\rb\n")
    assert m.tty.read(100) == b"ab\n"
    m.change(iflag=T.IGNCR | T.ICRNL | T.INLCR)
    m.raw()
    m.tty.feed(b"a\nb\r")
    assert m.tty.read(100) == b"a\rb\r"


def test_istrip_iuclc_and_cread() -> None:
    m = Term()
    m.change(iflag=T.ISTRIP | T.IUCLC)
    m.tty.feed(b"\xe1B\r")
    assert m.tty.read(100) == b"ab\n"
    t = m.tty.termios
    t.cflag &= ~T.CREAD
    m.tty.termios = t
    assert m.type(b"xyz\r") == b"" and m.tty.read(100) is None


def test_echo_off_for_passwords() -> None:
    m = Term()
    m.change(lflag=T.ECHO)
    assert m.type(b"s3cret\x7fT\r") == b""
    assert m.tty.read(100) == b"s3creT\n"
    m.change(lflag=T.ECHONL)
    assert m.type(b"pw\r") == b"\r\n"  # ECHONL echoes the newline alone
    assert m.tty.read(100) == b"pw\n"


# --- non-canonical mode: VMIN / VTIME -------------------------------------------------------


def test_raw_no_editing_and_echo_of_what_is_typed() -> None:
    m = Term()
    m.change(lflag=T.ICANON)
    assert m.type(b"a\x7f\x15\x04") == b"a^?^U^D"
    assert m.tty.read(100) == b"a\x7f\x15\x04"


def test_vmin1_vtime0_blocks_for_one_byte() -> None:
    m = Term()
    m.raw()
    assert m.tty.read(10) is None and not m.tty.readable()
    assert m.tty.read_deadline(0) is None
    m.tty.feed(b"xy")
    assert m.tty.readable() and m.tty.read(1) == b"x" and m.tty.read(10) == b"y"
    assert m.tty.read(10) is None


def test_vmin0_vtime0_never_blocks() -> None:
    m = Term()
    m.raw(0, 0)
    assert m.tty.read(10) == b"" and not m.tty.readable()
    m.tty.feed(b"ab")
    assert m.tty.read(10) == b"ab"


def test_vmin_waits_for_that_many_bytes() -> None:
    m = Term()
    m.raw(3, 0)
    m.tty.feed(b"ab")
    assert m.tty.read(10) is None and not m.tty.readable()
    assert m.tty.read(2) == b"ab"  # a read of fewer bytes than VMIN needs only those
    m.tty.feed(b"cd")
    assert m.tty.read(10) is None
    m.tty.feed(b"ef")
    assert m.tty.readable() and m.tty.read(10) == b"cdef"


def test_vmin0_vtime_is_an_overall_timer() -> None:
    m = Term()
    m.raw(0, 5)
    assert m.tty.read(10) is None and not m.tty.readable()
    deadline = m.tty.read_deadline(1_000)
    assert deadline == 1_000 + 500_000_000
    assert m.tty.read_deadline(400_000_000) == deadline  # a spurious wake-up keeps it
    assert m.tty.read(10, timed_out=True) == b""
    assert m.tty.read(10) is None and m.tty.read_deadline(2_000) == 2_000 + 500_000_000
    m.tty.feed(b"a")
    assert m.tty.readable() and m.tty.read(10) == b"a"


def test_an_interrupted_read_does_not_leave_its_timer() -> None:
    m = Term()
    m.raw(0, 2)
    assert m.tty.read(10) is None and m.tty.read_deadline(0) == 200_000_000
    m.tty.cancel_read()  # EINTR
    assert m.tty.read(10) is None and m.tty.read_deadline(500_000_000) == 700_000_000


def test_vmin_vtime_is_an_inter_byte_timer() -> None:
    m = Term()
    m.raw(3, 1)
    assert m.tty.read(10) is None
    assert m.tty.read_deadline(0) is None  # the timer starts with the first byte
    m.tty.feed(b"a")
    assert m.tty.read(10) is None
    assert m.tty.read_deadline(10) == 10 + 100_000_000
    assert m.tty.read_deadline(50) == 10 + 100_000_000
    m.tty.feed(b"b")
    assert m.tty.read(10) is None
    assert m.tty.read_deadline(70) == 70 + 100_000_000  # restarted by the new byte
    assert m.tty.read(10, timed_out=True) == b"ab"
    m.tty.feed(b"cde")
    assert m.tty.read(10) == b"cde"  # VMIN reached: no timer


def test_cfmakeraw_passes_every_byte_and_throttles_at_4095() -> None:
    m = Term()
    t = m.tty.termios
    t.iflag &= ~(T.IGNBRK | T.BRKINT | T.PARMRK | T.ISTRIP | T.INLCR | T.IGNCR | T.ICRNL | T.IXON)
    t.oflag &= ~T.OPOST
    t.lflag &= ~(T.ECHO | T.ECHONL | T.ICANON | T.ISIG | T.IEXTEN)
    m.tty.termios = t
    data = bytes(range(256)) * 20
    assert m.type(data) == b""
    assert m.tty.input_available == 4095
    assert m.tty.read(5000) == data[:4095]
    assert m.tty.read(5000) == data[4095:]
    m.tty.write(b"a\nb\r\t")
    assert m.take() == b"a\nb\r\t"


def test_mode_switches_keep_buffered_input() -> None:
    m = Term()
    m.tty.feed(b"l1\reof\x04part")
    m.raw()
    assert m.tty.input_available == 11
    assert m.tty.read(100) == b"l1\neof\x00part"  # as Linux: VEOF's place is a NUL
    m.tty.feed(b"xy")
    m.change(lflag=T.ICANON | T.ECHO)
    assert m.tty.readable() and m.tty.read(100) == b"xy"  # raw input is one line
    assert m.tty.read(100) is None


def test_echo_and_lines_do_not_depend_on_how_input_is_chunked() -> None:
    """The host may send a keystroke per call or a whole paste: same echo, lines, signals."""
    alphabet = [b"a", b"b", b" ", b"_", b"\t", b"\x7f", b"\x15", b"\x17", b"\x16", b"\x12"]
    alphabet += [b"\x04", b"\r", b"\x01", "é".encode(), b"\x03", b"\x1b[A"]
    rng = random.Random(9)
    for case in range(300):
        data = b"".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 60)))
        results = []
        for chunking in ("whole", "bytes", "random"):
            m = Term()
            if case % 2:
                m.change(iflag=T.IUTF8, lflag=T.ECHOPRT if case % 3 == 0 else 0)
            if chunking == "whole":
                m.tty.feed(data)
            else:
                i = 0
                while i < len(data):
                    step = 1 if chunking == "bytes" else rng.randrange(1, 8)
                    m.tty.feed(data[i : i + step])
                    i += step
            results.append((m.take(), read_all(m.tty), m.signals, m.tty.column))
        assert results[0] == results[1] == results[2], data


def reference_output(data: bytes, column: int, utf8: bool) -> tuple[bytes, int]:
    """OPOST|ONLCR written out byte by byte, with Linux's column rules."""
    out = bytearray()
    for c in data:
        if c == 0x0A:
            out += b"\r\n"
            column = 0
            continue
        if c == 0x0D:
            column = 0
        elif c == 0x09:
            column = column // 8 * 8 + 8
        elif c == 0x08:
            column = max(column - 1, 0)
        elif c >= 0x20 and c != 0x7F and not (utf8 and 0x80 <= c < 0xC0):
            column += 1
        out.append(c)
    return bytes(out), column


@pytest.mark.parametrize("utf8", [False, True])
@pytest.mark.parametrize("onlret", [0, T.ONLRET])  # with ONLCR it changes nothing: slow path
def test_output_processing_matches_a_byte_by_byte_model(utf8: bool, onlret: int) -> None:
    rng = random.Random(3)
    pieces = [b"a", b"xyz", b"\n", b"\r", b"\t", b"\b", b"\x1b", "é".encode(), b"\x7f"]
    m = Term()
    m.change(iflag=T.IUTF8 if utf8 else 0, oflag=onlret)
    column = 0
    for _ in range(500):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randrange(0, 12)))
        want, column = reference_output(data, column, utf8)
        assert m.tty.write(data) == len(data)
        assert m.take() == want, data
        assert m.tty.column == column, data


# --- output ---------------------------------------------------------------------------------


def test_onlcr_output() -> None:
    m = Term()
    assert m.tty.write(b"a\nb\n") == 4
    assert m.take() == b"a\r\nb\r\n"
    m.change(oflag=T.ONLCR)
    m.tty.write(b"a\nb")
    assert m.take() == b"a\nb"
    m.change(oflag=T.OPOST | T.ONLCR)
    m.tty.write(b"a\nb")
    assert m.take() == b"a\nb"


def test_output_flags() -> None:
    m = Term()
    m.change(oflag=T.OCRNL | T.ONOCR)
    m.tty.write(b"\rab\rc\n\r")
    assert m.take() == b"ab\nc\r\n"  # ONOCR drops a CR in column 0; OCRNL maps the rest
    m.change(oflag=T.OCRNL | T.ONOCR | T.XTABS | T.OLCUC)
    m.tty.write(b"ab\tc\td")
    assert m.take() == b"AB      C       D"
    m.change(oflag=T.XTABS | T.OLCUC | T.ONLCR | T.ONLRET)
    m.tty.write(b"abc\nd")
    assert m.take() == b"abc\nd" and m.tty.column == 1


def test_column_follows_the_output() -> None:
    m = Term()
    m.tty.write(b"abc")
    assert m.tty.column == 3
    m.tty.write(b"x\ny")
    assert m.tty.column == 1
    m.tty.write(b"\tz\b")
    assert m.tty.column == 8
    m.tty.write(b"\x1b[0m")  # ESC takes no column, the rest do (as Linux counts)
    assert m.tty.column == 11
    m.tty.write(b"q\r")
    assert m.tty.column == 0


def test_stop_and_start_hold_the_output() -> None:
    m = Term()
    m.tty.feed(b"\x13")
    assert m.tty.output_stopped
    m.tty.write(b"hi\n")
    m.tty.feed(b"a")
    assert m.take() == b"" and m.tty.writable()
    m.tty.write(b"x" * T.HELD_OUTPUT_LIMIT)
    assert not m.tty.writable()
    m.tty.feed(b"\x11")
    assert m.take() == b"hi\r\na" + b"x" * T.HELD_OUTPUT_LIMIT and m.tty.writable()
    m.tty.feed(b"\r")
    assert m.tty.read(100) == b"a\n"  # ^S and ^Q are not input


def test_ixany_and_ixon_off() -> None:
    m = Term()
    m.change(iflag=T.IXANY)
    m.tty.feed(b"\x13")
    m.tty.write(b"o")
    assert m.type(b"k") == b"ok"
    m.tty.feed(b"\x13")
    m.tty.write(b"p")
    m.change(iflag=T.IXON)  # clearing IXON restarts the output
    assert m.take() == b"p"
    m.tty.feed(b"\x13\x11\r")
    assert m.tty.read(100) == b"k\x13\x11\n"  # IXANY's "k" was input too


def test_tcxonc() -> None:
    m = Term()
    assert m.ioctl(T.TCXONC, T.TCOOFF) == 0
    m.tty.write(b"a")
    m.tty.feed(b"\x11")  # VSTART does not undo TCOOFF
    assert m.take() == b""
    assert m.ioctl(T.TCXONC, T.TCOON) == 0
    assert m.take() == b"a"
    assert m.ioctl(T.TCXONC, T.TCIOFF) == 0 and m.ioctl(T.TCXONC, T.TCION) == 0
    assert m.ioctl_errno(T.TCXONC, 4) == E.EINVAL


# --- hangup ---------------------------------------------------------------------------------


def test_hangup_delivers_the_rest_then_end_of_file() -> None:
    m = Term()
    m.tty.feed(b"l1\rab")
    m.tty.hangup()
    assert m.tty.hung_up and m.tty.readable()
    assert m.tty.read(100) == b"l1\n"
    assert m.tty.read(100) == b"ab"
    assert m.tty.read(100) == b"" and m.tty.read(100) == b""


def test_hangup_in_raw_mode() -> None:
    m = Term()
    m.raw(4, 0)
    m.tty.feed(b"ab")
    m.tty.hangup()
    assert m.tty.read(100) == b"ab" and m.tty.read(100) == b""


# --- ioctls ---------------------------------------------------------------------------------


def test_tcgets_tcsets_round_trip() -> None:
    m = Term()
    assert m.ioctl(T.TCGETS) == 0
    assert m.read_mem(BASE, 36) == T.DEFAULT_TERMIOS
    t = Termios.unpack(m.read_mem(BASE, 36))
    t.lflag &= ~(T.ICANON | T.ECHO)
    t.iflag |= T.IUTF8
    t.cc[T.VMIN], t.cc[T.VTIME] = 0, 3
    m.write_mem(BASE, t.pack())
    for req in (T.TCSETS, T.TCSETSW, T.TCSETSF):
        assert m.ioctl(req) == 0
        assert m.tty.get_termios() == t.pack()
    m.write_mem(BASE, b"\0" * 36)
    assert m.ioctl(T.TCGETS) == 0 and m.read_mem(BASE, 36) == t.pack()
    assert m.tty.termios.cc[T.VTIME] == 3 and not m.tty.termios.lflag & T.ICANON
    assert m.ioctl_errno(T.TCGETS, BASE + 250) == E.EFAULT
    assert m.ioctl_errno(T.TCSETS, 0) == E.EFAULT


def test_termios_property_is_a_copy() -> None:
    m = Term()
    m.tty.termios.lflag = 0
    assert m.tty.termios.lflag == T.DEFAULT_LFLAG
    t = m.tty.termios
    t.cc = bytearray(b"\x03")  # too short: the other c_cc entries become disabled (0)
    m.tty.termios = t
    assert m.tty.get_termios() == T.DEFAULT_TERMIOS[:18] + b"\0" * 18
    m.tty.set_termios(T.DEFAULT_TERMIOS)
    assert m.tty.get_termios() == T.DEFAULT_TERMIOS


def test_termios2() -> None:
    m = Term()
    assert m.ioctl(T.TCGETS2) == 0
    raw = m.read_mem(BASE, 44)
    assert raw[:36] == T.DEFAULT_TERMIOS and T.INT.unpack(raw[36:40])[0] == 38400
    t = Termios.unpack2(raw)
    t.lflag &= ~T.ECHO
    t.ospeed = t.ispeed = 115200
    m.write_mem(BASE, t.pack2())
    assert m.ioctl(T.TCSETS2) == 0
    m.write_mem(BASE, b"\0" * 44)
    assert m.ioctl(T.TCGETS2) == 0 and m.read_mem(BASE, 44) == t.pack2()


def test_tcsetsf_flushes_input_tcsets_does_not() -> None:
    m = Term()
    m.tty.feed(b"abc\rde")
    m.ioctl(T.TCGETS)
    m.ioctl(T.TCSETS)
    assert m.tty.input_available == 4
    m.ioctl(T.TCSETSF)
    assert m.tty.input_available == 0
    m.tty.feed(b"\r")
    assert m.tty.read(100) == b"\n"


def test_winsize_and_sigwinch() -> None:
    m = Term(rows=30, cols=100)
    assert m.ioctl(T.TIOCGWINSZ) == 0 and T.WINSIZE.unpack(m.read_mem(BASE, 8)) == (30, 100, 0, 0)
    m.write_mem(BASE, T.WINSIZE.pack(40, 120, 800, 600))
    assert m.ioctl(T.TIOCSWINSZ) == 0
    assert m.tty.winsize == (40, 120, 800, 600) and m.signals == [(FG, Signal.SIGWINCH)]
    assert m.ioctl(T.TIOCSWINSZ) == 0 and len(m.signals) == 1  # same size: no signal
    m.tty.resize(40, 120)
    assert len(m.signals) == 1
    m.tty.foreground_pgrp = 9
    m.tty.resize(50, 120)
    assert m.signals[-1] == (9, Signal.SIGWINCH) and m.tty.winsize == (50, 120, 800, 600)
    assert m.ioctl(T.TIOCGWINSZ) == 0 and T.WINSIZE.unpack(m.read_mem(BASE, 8))[:2] == (50, 120)


def test_pgrp_ioctls() -> None:
    m = Term()
    assert m.ioctl(T.TIOCGPGRP) == 0 and m.int_at() == FG
    m.set_int(9)
    assert m.ioctl(T.TIOCSPGRP) == 0 and m.tty.foreground_pgrp == 9
    m.set_int(-1)
    assert m.ioctl_errno(T.TIOCSPGRP) == E.EINVAL
    other = Caller(pid=20, pgrp=20, sid=20)
    assert m.ioctl_errno(T.TIOCGPGRP, caller=other) == E.ENOTTY
    m.set_int(9)
    assert m.ioctl_errno(T.TIOCSPGRP, caller=other) == E.ENOTTY
    groups = {FG: FG, 9: FG, 20: 20}
    m.tty.pgrp_session = groups.get
    shell = Caller(pid=9, pgrp=9, sid=FG)
    m.set_int(FG)
    assert m.ioctl(T.TIOCSPGRP, caller=shell) == 0 and m.tty.foreground_pgrp == FG
    m.set_int(20)
    assert m.ioctl_errno(T.TIOCSPGRP, caller=Caller(FG, FG, FG)) == E.EPERM
    m.set_int(33)
    assert m.ioctl_errno(T.TIOCSPGRP, caller=Caller(FG, FG, FG)) == E.ESRCH
    assert m.ioctl(T.TIOCGSID, caller=shell) == 0 and m.int_at() == FG


def test_tiocsctty() -> None:
    m = Term()
    m.tty.session = m.tty.foreground_pgrp = 0
    assert m.ioctl_errno(T.TIOCGSID) == E.ENOTTY
    assert m.ioctl_errno(T.TIOCSCTTY, 0) == E.EPERM  # who asks is not known
    assert m.ioctl_errno(T.TIOCSCTTY, 0, Caller(pid=5, pgrp=4, sid=4)) == E.EPERM  # no leader
    assert m.ioctl_errno(T.TIOCSCTTY, 0, Caller(5, 5, 5, has_ctty=True)) == E.EPERM
    assert m.ioctl(T.TIOCSCTTY, 0, Caller(5, 5, 5)) == 0
    assert (m.tty.session, m.tty.foreground_pgrp) == (5, 5)
    assert m.ioctl(T.TIOCSCTTY, 0, Caller(5, 5, 5, has_ctty=True)) == 0  # already its own
    assert m.ioctl_errno(T.TIOCSCTTY, 0, Caller(8, 8, 8)) == E.EPERM  # another session's
    assert m.ioctl(T.TIOCSCTTY, 1, Caller(8, 8, 8)) == 0 and m.tty.session == 8  # stolen


def test_tiocnotty() -> None:
    m = Term()
    assert m.ioctl_errno(T.TIOCNOTTY, 0, Caller(20, 20, 20)) == E.ENOTTY
    assert m.ioctl(T.TIOCNOTTY, 0, Caller(30, 9, FG)) == 0  # not the leader: only it leaves
    assert m.signals == [] and m.tty.session == FG
    assert m.ioctl(T.TIOCNOTTY, 0, Caller(FG, FG, FG)) == 0
    assert m.signals == [(FG, Signal.SIGHUP), (FG, Signal.SIGCONT)]
    assert (m.tty.session, m.tty.foreground_pgrp) == (0, 0)
    m.tty.set_controlling(3, 4)
    m.tty.disassociate(on_exit=True)
    assert m.signals[-1] == (4, Signal.SIGHUP) and m.tty.session == 0


def test_fionread_and_queues() -> None:
    m = Term()
    m.tty.feed(b"ab\rcd")
    assert m.ioctl(T.FIONREAD) == 0 and m.int_at() == 3  # complete lines only
    assert m.ioctl(T.TIOCOUTQ) == 0 and m.int_at() == 0
    m.raw()
    assert m.ioctl(T.FIONREAD) == 0 and m.int_at() == 5
    assert m.ioctl(T.TCFLSH, T.TCIFLUSH) == 0 and m.tty.input_available == 0
    m.take()
    m.tty.feed(b"\x13")
    m.tty.write(b"held")
    assert m.ioctl(T.TIOCOUTQ) == 0 and m.int_at() == 4
    assert m.ioctl(T.TCFLSH, T.TCOFLUSH) == 0
    m.tty.feed(b"\x11")
    assert m.take() == b""
    assert m.ioctl_errno(T.TCFLSH, 3) == E.EINVAL


def test_misc_ioctls() -> None:
    m = Term()
    for req in (T.TCSBRK, T.TCSBRKP, T.TIOCEXCL, T.TIOCNXCL):
        assert m.ioctl(req, 0) == 0
    assert m.ioctl(T.TIOCGETD) == 0 and m.int_at() == 0
    m.set_int(0)
    assert m.ioctl(T.TIOCSETD) == 0
    m.set_int(2)
    assert m.ioctl_errno(T.TIOCSETD) == E.EINVAL
    m.write_mem(BASE, b"q")
    assert m.ioctl(T.TIOCSTI) == 0 and m.tty.input_available == 0
    m.tty.feed(b"\r")
    assert m.tty.read(10) == b"q\n"
    assert m.ioctl_errno(0x5421) == E.ENOTTY  # FIONBIO is the file's business
    assert m.ioctl_errno(0x1234) == E.ENOTTY
    assert m.ioctl(T.TCGETS | 0xFFFFFFFF00000000) == 0  # only the low 32 bits count


# --- job control ----------------------------------------------------------------------------


def test_background_read_gets_sigttin() -> None:
    m = Term()
    bg = Caller(pid=12, pgrp=12, sid=FG)
    m.tty.check_read(Caller(pid=8, pgrp=FG, sid=FG))  # foreground: fine
    m.tty.check_read(Caller(pid=30, pgrp=30, sid=30))  # not its terminal: fine
    with pytest.raises(SyscallError) as e:
        m.tty.check_read(bg)
    assert e.value.errno == T.ERESTARTSYS and m.signals == [(12, Signal.SIGTTIN)]
    for who in (
        Caller(12, 12, FG, sig_ignored=frozenset({Signal.SIGTTIN})),
        Caller(12, 12, FG, pgrp_orphaned=True),
    ):
        with pytest.raises(SyscallError) as e:
            m.tty.check_read(who)
        assert e.value.errno == E.EIO
    assert len(m.signals) == 1


def test_background_write_with_tostop_gets_sigttou() -> None:
    m = Term()
    bg = Caller(pid=12, pgrp=12, sid=FG)
    m.tty.check_write(bg)
    m.change(lflag=T.TOSTOP)
    with pytest.raises(SyscallError) as e:
        m.tty.check_write(bg)
    assert e.value.errno == T.ERESTARTSYS and m.signals == [(12, Signal.SIGTTOU)]
    m.tty.check_write(Caller(12, 12, FG, sig_ignored=frozenset({Signal.SIGTTOU})))  # allowed
    assert len(m.signals) == 1


def test_background_tcsets_gets_sigttou_tcgets_does_not() -> None:
    m = Term()
    bg = Caller(pid=12, pgrp=12, sid=FG)
    assert m.ioctl(T.TCGETS, caller=bg) == 0
    assert m.ioctl_errno(T.TCSETS, caller=bg) == T.ERESTARTSYS
    assert m.signals == [(12, Signal.SIGTTOU)]
    m.set_int(12)
    assert m.ioctl_errno(T.TIOCSPGRP, caller=Caller(12, 12, FG, pgrp_orphaned=True)) == E.ENOTTY
    ignoring = Caller(12, 12, FG, sig_ignored=frozenset({Signal.SIGTTOU}))
    assert m.ioctl(T.TIOCSPGRP, caller=ignoring) == 0 and m.tty.foreground_pgrp == 12


def test_quoted_signal_character_waits_its_turn_while_throttled() -> None:
    m = Term()
    m.tty.feed(b"x" * 4000 + b"\r" + b"y" * 94)
    m.tty.feed(b"\x16\x03z\r")  # the buffer is full: all of it waits, ^C quoted
    assert m.signals == []
    assert m.tty.read(5000) == b"x" * 4000 + b"\n"
    assert m.tty.read(5000) == b"y" * 94 + b"\x03z\n"


def test_a_big_paste_arrives_whole_and_in_order() -> None:
    """More than the buffer holds: it waits, unechoed, and nothing is lost or reordered."""
    rng = random.Random(5)
    lines = [
        bytes(rng.choice(b"abc xyz\t-_") for _ in range(rng.randrange(0, 300))) for _ in range(400)
    ]
    m = Term()
    m.tty.feed(b"\r".join(lines) + b"\r")
    got = []
    while (r := m.tty.read(100_000)) is not None:
        got.append(r)
    assert got == [line + b"\n" for line in lines]
    assert m.take().replace(b"\r\n", b"\n") == b"\n".join(lines) + b"\n"
    m.raw(0, 0)
    data = bytes(rng.randrange(0x20, 0x7F) for _ in range(50_000))
    m.tty.feed(data)
    assert m.tty.input_available == 4095
    assert b"".join(iter(lambda: m.tty.read(1000) or b"", b"")) == data
