"""Hostile ELF input: every mutation ends in a one-line ElfError or a clean guest exit/fault,
never another exception; the CLI answers bad files with status 2 and one `tbwasm:` line."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from _support import (
    CODE_BASE,
    EBREAK,
    SYSROOT,
    assemble,
    assert_one_line_error,
    cli,
    guest_path,
    make_elf,
    shared_host,
)
from doubles import NoInput, Sink
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from py_backend.linux.errors import ElfError
from py_backend.machine import Machine

HELLO = guest_path("hello").read_bytes()
# a tiny valid program: li a0, 3; li a7, 93; ecall
TINY = make_elf(assemble([("addi", {"rd": 10, "imm": 3}), ("addi", {"rd": 17, "imm": 93}),
                          0x00000073, EBREAK]))  # fmt: skip
EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
PHDR = struct.Struct("<IIQQQQQQ")


def load(data: bytes, run: bool = True, sysroot: str | None = None) -> str:
    """Load (and, for TINY-sized images, run with a small budget) an image; returns 'elf' for
    an ElfError or 'exit' for a guest that ended.  Any other exception propagates."""
    host = shared_host()
    try:
        m = Machine(
            host.raw, data, ["fuzz"], [], stdin=NoInput(), stdout=Sink(), stderr=Sink(),
            budget=20_000, sysroot=sysroot,
        )  # fmt: skip
    except ElfError as e:
        msg = str(e)
        assert msg and "\n" not in msg, repr(msg)
        return "elf"
    if run:
        steps = 0

        def on_budget() -> bool:
            nonlocal steps
            steps += 1
            return steps < 3

        act = host.run(m, on_budget)
        assert act.kind == "exit"
        assert act.status != 70, act.message  # internal error
    return "exit"


def _phdr_off(data: bytes) -> int:
    return int(EHDR.unpack_from(data)[5])


FIELDS = {  # ELF header field -> (offset, struct format)
    "class": (4, "B"), "data": (5, "B"), "version": (6, "B"), "type": (16, "<H"),
    "machine": (18, "<H"), "entry": (24, "<Q"), "phoff": (32, "<Q"), "phentsize": (54, "<H"),
    "phnum": (56, "<H"),
}  # fmt: skip
PH_FIELDS = {"type": 0, "flags": 4, "offset": 8, "vaddr": 16, "filesz": 32, "memsz": 40}
INTERESTING = st.sampled_from(
    [0, 1, 2, 3, 7, 0xFFF, 0x1000, 0x10000, 0x20000, 0x3FFFF000, 1 << 30, 1 << 31, 1 << 32,
     (1 << 63) - 1, 1 << 63, (1 << 64) - 1, (1 << 64) - 0x1000]
)  # fmt: skip


VALUES = INTERESTING | st.integers(0, 2**64 - 1)
BYTE = st.integers(0, 255)


def _put(buf: bytearray, off: int, fmt: str, value: int) -> None:
    size = struct.calcsize(fmt)
    struct.pack_into(fmt, buf, off, value & ((1 << (8 * size)) - 1))


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(["tiny", "hello"]),
    header=st.lists(st.tuples(st.sampled_from(sorted(FIELDS)), VALUES), max_size=3),
    ph=st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from(sorted(PH_FIELDS)), VALUES),
        max_size=4,
    ),
    cut=st.none() | st.integers(0, 0x3000),
)  # fmt: skip
def test_mutated_headers(
    base: str, header: list[tuple[str, int]], ph: list[tuple[int, str, int]], cut: int | None
) -> None:
    buf = bytearray(TINY if base == "tiny" else HELLO)
    phoff = _phdr_off(buf)
    phnum = EHDR.unpack_from(buf)[12]
    for idx, name, value in ph:
        if idx < phnum:
            fmt = "<I" if name in ("type", "flags") else "<Q"
            _put(buf, phoff + idx * PHDR.size + PH_FIELDS[name], fmt, value)
    for name, value in header:
        off, fmt = FIELDS[name]
        _put(buf, off, fmt, value)
    if cut is not None:
        del buf[cut:]
    load(bytes(buf), run=base == "tiny")


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=512), keep_magic=st.booleans())
def test_random_bytes(data: bytes, keep_magic: bool) -> None:
    load((b"\x7fELF\x02\x01\x01" if keep_magic else b"") + data)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(
    flips=st.lists(st.tuples(st.integers(0, 0x3FF), st.integers(0, 255)), min_size=1, max_size=8)
)
def test_byte_flips_in_headers(flips: list[tuple[int, int]]) -> None:
    buf = bytearray(TINY)
    for off, v in flips:
        buf[off] = v
    load(bytes(buf))


@pytest.mark.slow
def test_every_truncation_of_first_4k() -> None:
    for n in range(0, 4096):
        assert load(HELLO[:n], run=False) == "elf", n


SEG = (0x1000, CODE_BASE)


def _image(phdrs: list[tuple[int, int, int, int, int, int]], entry: int = CODE_BASE) -> bytes:
    """ELF with the given (type, flags, offset, vaddr, filesz, memsz) program headers; the
    file holds TINY's code at offset 0x1000."""
    eh = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    eh += struct.pack("<HHIQQQIHHHHHH", 2, 243, 1, entry, 64, 0, 5, 64, 56, len(phdrs), 64, 0, 0)
    out = bytearray(eh)
    for t, f, off, va, fs, ms in phdrs:
        out += PHDR.pack(t, f, off, va, va, fs, ms, 0x1000)
    out += bytes(0x1000 - len(out))
    out += TINY[0x1000:0x1010]
    return bytes(out)


CRAFTED = {
    "overlapping": [(1, 5, 0x1000, 0x10000, 16, 0x2000), (1, 6, 0x1000, 0x11000, 16, 16)],
    "huge memsz": [(1, 5, 0x1000, 0x10000, 16, 1 << 40)],
    "memsz wraps": [(1, 5, 0x1000, 0x10000, 16, (1 << 64) - 0x8000)],
    "zero-sized only": [(1, 5, 0x1000, 0x10000, 0, 0)],
    "past end of file": [(1, 5, 0x1000, 0x10000, 0x100000, 0x100000)],
    "offset wraps": [(1, 5, (1 << 64) - 8, 0x10000, 16, 16)],
    "unaligned": [(1, 5, 0x1001, 0x10000, 16, 16)],
    "filesz > memsz": [(1, 5, 0x1000, 0x10000, 16, 8)],
    "below mmap_min_addr": [(1, 5, 0x1000, 0x0, 16, 16)],
    "above guest space": [(1, 5, 0x1000, 1 << 40, 16, 16)],
    "at the stack": [(1, 5, 0x1000, 0x3FFFF000, 16, 16)],
    "interp": [(3, 4, 0x1000, 0, 16, 16), (1, 5, 0x1000, 0x10000, 16, 16)],
}


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_crafted_segments(name: str) -> None:
    assert load(_image(CRAFTED[name])) == "elf"


def test_entry_outside_any_segment() -> None:
    assert load(_image([(1, 5, 0x1000, 0x10000, 16, 16)], entry=0x50000)) == "elf"
    assert load(_image([(1, 6, 0x1000, 0x10000, 16, 16)])) == "elf"  # not executable


def test_crafted_valid_image_runs() -> None:
    assert load(_image([(1, 5, 0x1000, 0x10000, 16, 16)])) == "exit"


# --- hostile interpreters (PT_INTERP of a dynamically linked program, found under -L) -----

INTERP = "lib/ld-linux-riscv64-lp64d.so.1"
LDSO = (Path(SYSROOT) / INTERP).read_bytes() if (Path(SYSROOT) / INTERP).exists() else b""


@pytest.fixture(scope="module")
def fake_sysroot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sysroot whose ld.so each test overwrites (the real one must exist to mutate it)."""
    if not LDSO:
        pytest.fail(f"{SYSROOT}/{INTERP} missing: install gcc-riscv64-linux-gnu")
    root = tmp_path_factory.mktemp("sysroot")
    (root / "lib").mkdir()
    return root


def _load_with_interp(root: Path, interp: bytes, run: bool = False) -> str:
    (root / INTERP).write_bytes(interp)
    return load(DYN_HELLO, run=run, sysroot=str(root))


DYN_HELLO = guest_path("dyn/hello").read_bytes()


@pytest.mark.slow
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    header=st.lists(st.tuples(st.sampled_from(sorted(FIELDS)), VALUES), max_size=3),
    ph=st.lists(
        st.tuples(st.integers(0, 7), st.sampled_from(sorted(PH_FIELDS)), VALUES), max_size=4
    ),
    cut=st.none() | st.integers(0, 0x20000),
)  # fmt: skip
def test_mutated_interpreter(
    fake_sysroot: Path,
    header: list[tuple[str, int]],
    ph: list[tuple[int, str, int]],
    cut: int | None,
) -> None:
    """Mutated ld.so headers: a one-line ElfError, or a guest that ends (never status 70)."""
    buf = bytearray(LDSO)
    phoff = _phdr_off(buf)
    phnum = EHDR.unpack_from(buf)[10]
    for idx, name, value in ph:
        if idx < phnum:
            fmt = "<I" if name in ("type", "flags") else "<Q"
            _put(buf, phoff + idx * PHDR.size + PH_FIELDS[name], fmt, value)
    for name, value in header:
        off, fmt = FIELDS[name]
        _put(buf, off, fmt, value)
    if cut is not None:
        del buf[cut:]
    _load_with_interp(fake_sysroot, bytes(buf), run=True)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=512), keep_magic=st.booleans())
def test_random_interpreter(fake_sysroot: Path, data: bytes, keep_magic: bool) -> None:
    head = b"\x7fELF\x02\x01\x01" if keep_magic else b""
    assert _load_with_interp(fake_sysroot, head + data) == "elf"


@pytest.mark.slow
def test_interpreter_truncations(fake_sysroot: Path) -> None:
    for n in list(range(0, 4096, 3)) + list(range(4096, 0x1E000, 0x800)):
        assert _load_with_interp(fake_sysroot, LDSO[:n]) == "elf", n


def test_interpreter_is_static_program(fake_sysroot: Path) -> None:
    """An ET_EXEC (a static program) named as the interpreter is refused."""
    assert _load_with_interp(fake_sysroot, HELLO) == "elf"


def test_unmutated_interpreter_runs(fake_sysroot: Path) -> None:
    assert _load_with_interp(fake_sysroot, LDSO, run=True) == "exit"


# --- the CLI -------------------------------------------------------------------------------


def _rv32_elf(tmp: Path) -> Path:
    src = tmp / "t.c"
    src.write_text("int main(void) { return 0; }\n")
    out = tmp / "rv32.elf"
    r = subprocess.run(
        ["riscv64-linux-gnu-gcc", "-march=rv32gc", "-mabi=ilp32", "-nostdlib", "-static",
         "-Wl,-e,main", "-o", str(out), str(src)],
        capture_output=True, check=False,
    )  # fmt: skip
    if r.returncode != 0 or not out.exists():
        # no rv32 multilib: synthesize the header of a 32-bit RISC-V executable
        eh = b"\x7fELF" + bytes([1, 1, 1, 0]) + bytes(8)
        eh += struct.pack("<HHIIIIIHHHHHH", 2, 243, 1, 0x10000, 52, 0, 0, 52, 32, 1, 40, 0, 0)
        out.write_bytes(eh + struct.pack("<8I", 1, 0, 0x10000, 0x10000, 0, 0, 0, 5) + bytes(64))
    return out


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("bad")
    (tmp / "empty").write_bytes(b"")
    (tmp / "text").write_text("#!/bin/sh\necho hi\n")
    (tmp / "dir").mkdir()
    big = bytearray(HELLO)
    big[5] = 2  # big-endian
    (tmp / "bigendian").write_bytes(bytes(big))
    files = {
        "empty": tmp / "empty",
        "text": tmp / "text",
        "rv32": _rv32_elf(tmp),
        "x86-64": Path(shutil.which("true") or "/bin/true"),
        "directory": tmp / "dir",
        "missing": tmp / "does-not-exist",
        "big-endian": tmp / "bigendian",
        "truncated": tmp / "truncated",
        "dynamic-without-L": guest_path("dyn/hello"),
    }
    files["truncated"].write_bytes(HELLO[:100])
    return files


@pytest.mark.parametrize(
    "name",
    ["empty", "text", "rv32", "x86-64", "directory", "missing", "big-endian", "truncated",
     "dynamic-without-L"],
)  # fmt: skip
def test_cli_rejects_bad_file(bad_files: dict[str, Path], name: str) -> None:
    path = bad_files[name]
    assert name == "missing" or os.path.exists(path)
    line = assert_one_line_error(cli("run", str(path)))
    assert str(path) in line
