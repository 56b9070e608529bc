"""Dynamically linked programs: the interpreter's placement and auxv, interpreter errors, the
read-only sysroot overlay of the VFS, the syscalls ld.so uses on library files, and the CLI's
one-line errors (`-L`, `QEMU_LD_PREFIX`)."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import helpers
import pytest
from doubles import Sink

from py_backend.linux import errors as E
from py_backend.linux import stack as st
from py_backend.linux.elf import EHDR, PIE_BASE
from py_backend.linux.errors import ElfError, NeedsSysroot, SyscallError
from py_backend.linux.loader import read_interpreter
from py_backend.linux.mm import PAGE, SIGTRAMP_ADDR, AddressSpace, page_up
from py_backend.linux.process import LoadedProgram, load_program
from py_backend.linux.syscalls import Linux
from py_backend.linux.vfs import Device, HostFile, Vfs
from py_backend.memory import anonymous_memory

SYSROOT = Path("/usr/riscv64-linux-gnu")
INTERP = "/lib/ld-linux-riscv64-lp64d.so.1"
AT_FDCWD = -100 & (2**64 - 1)
BUF = 0x200000


@pytest.fixture(scope="module")
def ldso() -> bytes:
    p = SYSROOT / INTERP.lstrip("/")
    if not p.exists():
        pytest.fail(f"{p} not found: install libc6-riscv64-cross (gcc-riscv64-linux-gnu)")
    return p.read_bytes()


def _prog(name: str) -> bytes:
    p = helpers.guest_path(name)
    if not p.exists():
        pytest.fail(f"{p} missing: guests/build.sh {name}")
    return p.read_bytes()


def new_as() -> AddressSpace:
    return AddressSpace(anonymous_memory())


def _auxv(a: AddressSpace, sp: int) -> list[tuple[int, int]]:
    q = sp + 8 * (a.read_u64(sp) + 2)
    while a.read_u64(q):
        q += 8
    q += 8
    out = []
    while True:
        k, v = a.read_u64(q), a.read_u64(q + 8)
        out.append((k, v))
        q += 16
        if k == 0:
            return out


def _load(prog: bytes, ldso: bytes, a: AddressSpace) -> LoadedProgram:
    opened: list[str] = []

    def open_interp(path: str) -> bytes:
        opened.append(path)
        return ldso

    p = load_program(prog, ["prog", "x"], ["A=1"], a, open_interp=open_interp)
    assert opened == [INTERP]
    return p


def _ehdr(data: bytes) -> tuple[int, int, int, int]:
    """(e_type, e_entry, e_phoff, e_phnum)"""
    f = EHDR.unpack_from(data)
    return f[1], f[4], f[5], f[10]


def test_dynamic_pie_layout_and_auxv(ldso: bytes) -> None:
    prog = _prog("dyn/hello")
    e_type, e_entry, e_phoff, e_phnum = _ehdr(prog)
    assert e_type == 3
    a = new_as()
    p = _load(prog, ldso, a)
    assert p.interp is not None
    aux = _auxv(a, p.sp)
    d = dict(aux)
    # the order is the static one (qemu-riscv64 7.2's), only AT_BASE is now nonzero
    assert [k for k, _ in aux] == [3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 16, 17, 25, 23, 31, 0]
    base = d[st.AT_BASE]
    assert base == p.interp.load_bias and base % PAGE == 0
    assert a.read(base, 4) == b"\x7fELF"
    # the interpreter sits at the top of the mmap area, right below the signal trampoline
    top = page_up(max(s.vaddr + s.memsz for s in p.interp.segments))
    assert top == SIGTRAMP_ADDR
    # the process starts in ld.so; AT_ENTRY/AT_PHDR/AT_PHNUM describe the program
    assert p.entry == p.interp.entry == base + _ehdr(ldso)[1]
    assert d[st.AT_ENTRY] == p.image.entry == PIE_BASE + e_entry
    assert d[st.AT_PHDR] == PIE_BASE + e_phoff and a.read_u32(d[st.AT_PHDR]) == 6  # PT_PHDR
    assert d[st.AT_PHNUM] == e_phnum and d[st.AT_PHENT] == 56
    assert d[st.AT_PAGESZ] == PAGE and d[st.AT_SECURE] == 0
    assert d[st.AT_HWCAP] == 0x20112D  # I M A F D C V
    assert a.read_cstr(d[st.AT_EXECFN]) == b"prog" and d[st.AT_RANDOM] > p.sp
    # brk follows the program, far below the interpreter
    assert a.brk_start == p.image.brk_start < base
    assert a.page_flags(p.entry >> 12) & 4 and a.page_flags(d[st.AT_ENTRY] >> 12) & 4


def test_dynamic_nopie_layout(ldso: bytes) -> None:
    prog = _prog("dyn/hello_nopie")
    e_type, e_entry, _, _ = _ehdr(prog)
    assert e_type == 2
    a = new_as()
    p = _load(prog, ldso, a)
    d = dict(_auxv(a, p.sp))
    assert p.image.load_bias == 0 and d[st.AT_ENTRY] == e_entry
    assert a.read_u32(d[st.AT_PHDR]) == 6 and d[st.AT_PHDR] < 0x20000
    assert p.interp is not None and d[st.AT_BASE] == p.interp.load_bias
    assert p.entry == p.interp.entry != e_entry


def test_interpreter_goes_below_existing_mappings(ldso: bytes) -> None:
    a = new_as()
    a.map(SIGTRAMP_ADDR - 3 * PAGE, PAGE, 1, fixed=True)
    p = _load(_prog("dyn/hello"), ldso, a)
    assert p.interp is not None
    top = page_up(max(s.vaddr + s.memsz for s in p.interp.segments))
    assert top <= SIGTRAMP_ADDR - 3 * PAGE


def test_static_programs_keep_at_base_zero() -> None:
    a = new_as()
    p = load_program(_prog("hello"), ["hello"], [], a, open_interp=lambda _: b"unused")
    assert p.interp is None and p.entry == p.image.entry
    assert dict(_auxv(a, p.sp))[st.AT_BASE] == 0


def _et_exec(ldso: bytes) -> bytes:
    b = bytearray(ldso)
    struct.pack_into("<H", b, 16, 2)
    return bytes(b)


def _with_interp(ldso: bytes) -> bytes:
    """ld.so whose first program header is turned into a PT_INTERP."""
    b = bytearray(ldso)
    phoff = _ehdr(ldso)[2]
    struct.pack_into("<I", b, phoff, 3)
    return bytes(b)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: b"", "empty file"),
        (lambda d: b"#!/bin/sh\necho hi\n", "not an ELF file (bad magic)"),
        (lambda d: d[:40], "truncated ELF header"),
        (lambda d: d[:100], "program headers extend past the end of the file"),
        (lambda d: d[:0x3000], "extends past the end of the file"),
        (_et_exec, "not a shared object (e_type 2, expected ET_DYN 3)"),
        (lambda d: d[:18] + b"\x3e\x00" + d[20:],
         "not a RISC-V executable (e_machine 62, expected 243)"),
        (_with_interp, "the interpreter itself names an interpreter (PT_INTERP)"),
    ],
    ids=["empty", "not-elf", "short-header", "short-phdrs", "truncated", "et-exec", "x86",
         "interp"],
)  # fmt: skip
def test_bad_interpreter(ldso: bytes, mutate: object, message: str) -> None:
    data = mutate(ldso)  # type: ignore[operator]
    with pytest.raises(ElfError) as e:
        load_program(_prog("dyn/hello"), ["p"], [], new_as(), open_interp=lambda _: data)
    msg = str(e.value)
    assert msg.startswith(f"interpreter {INTERP}: ") and msg.endswith(message), msg
    assert msg == f"interpreter {INTERP}: {message}" or message.startswith("extends")


def test_interpreter_truncations_never_crash(ldso: bytes) -> None:
    """Every cut short of the end of ld.so's last PT_LOAD's file bytes is refused cleanly."""
    prog = _prog("dyn/hello")
    phoff, phnum = _ehdr(ldso)[2], _ehdr(ldso)[3]
    phdrs = [struct.unpack_from("<IIQQQQQQ", ldso, phoff + 56 * i) for i in range(phnum)]
    end = max(off + filesz for t, _, off, _, _, filesz, _, _ in phdrs if t == 1)
    for n in list(range(0, 0x400, 7)) + list(range(0x400, end, 0x1800)) + [end - 1]:
        try:
            load_program(prog, ["p"], [], new_as(), open_interp=lambda _, n=n: ldso[:n])
        except ElfError as e:
            assert "\n" not in str(e) and str(e).startswith(f"interpreter {INTERP}: ")
        else:
            raise AssertionError(f"a truncation to {n} bytes loaded")


# --- finding the interpreter ----------------------------------------------------------------


def test_read_interpreter(tmp_path: Path, ldso: bytes) -> None:
    assert read_interpreter(Vfs(sysroot=str(SYSROOT)), INTERP) == ldso
    with pytest.raises(NeedsSysroot):
        read_interpreter(Vfs(), INTERP)
    with pytest.raises(ElfError, match=rf"^interpreter {INTERP} not found under the sysroot "):
        read_interpreter(Vfs(sysroot=str(tmp_path)), INTERP)
    (tmp_path / "lib" / INTERP.split("/")[-1]).mkdir(parents=True)
    with pytest.raises(ElfError, match=rf"^interpreter {INTERP} is a directory$"):
        read_interpreter(Vfs(sysroot=str(tmp_path)), INTERP)
    # a --mount works as well as a sysroot
    v = Vfs()
    v.mount_host("/lib", str(SYSROOT / "lib"))
    assert read_interpreter(v, INTERP) == ldso


# --- the sysroot overlay ----------------------------------------------------------------------


@pytest.fixture
def sysroot(tmp_path: Path) -> Path:
    r = tmp_path / "root"
    (r / "lib" / "sub").mkdir(parents=True)
    (r / "etc").mkdir()
    (r / "dev").mkdir()
    (r / "tmp").mkdir()
    (r / "lib" / "libfoo.so").write_bytes(b"FOO" * 2000)
    (r / "etc" / "passwd").write_text("sysroot:x:0:0::/:/bin/sh\n")
    (r / "dev" / "null").write_text("not a device\n")
    (r / "lib" / "rel").symlink_to("libfoo.so")
    (r / "lib" / "abs").symlink_to("/lib/libfoo.so")  # a guest path: stays inside the sysroot
    (r / "lib" / "mem").symlink_to("/etc/group")  # falls through to the in-memory tree
    os.mkfifo(r / "lib" / "fifo")
    return r


def test_overlay_lookup(sysroot: Path) -> None:
    v = Vfs(sysroot=str(sysroot))
    foo = v.resolve(v.root, "/lib/libfoo.so")
    assert isinstance(foo, HostFile) and foo.readonly and foo.read_at(0, 3) == b"FOO"
    assert v.host_path("/lib/libfoo.so") == str(sysroot / "lib" / "libfoo.so")
    for link in ("/lib/rel", "/lib/abs", "/lib/sub/../rel", "//lib/./abs"):
        assert v.resolve(v.root, link).read_at(0, 3) == b"FOO", link  # type: ignore[attr-defined]
    # qemu's rule: a path that exists under the sysroot wins ...
    assert v.resolve(v.root, "/etc/passwd").read_at(0, 7) == b"sysroot"  # type: ignore[attr-defined]
    # ... any other falls through to the in-memory tree
    assert b"root:x:0:" in v.resolve(v.root, "/etc/group").read_at(0, 100)  # type: ignore[attr-defined]
    assert b"root:x:0:" in v.resolve(v.root, "/lib/mem").read_at(0, 100)  # type: ignore[attr-defined]
    # /, /dev and /proc stay emulated; device nodes and FIFOs of the sysroot are invisible
    assert v.resolve(v.root, "/") is v.root
    assert isinstance(v.resolve(v.root, "/dev/null"), Device)
    assert v.resolve(v.root, "/proc/self/exe", follow=False) is not None
    with pytest.raises(SyscallError) as e:
        v.resolve(v.root, "/lib/fifo")
    assert e.value.errno == E.ENOENT
    assert v.host_path("/etc/group") is None and v.host_path("/dev/null") is None
    # relative lookups from a directory of the overlay stay in it; getcwd-style paths
    sub = v.resolve(v.root, "/lib/sub")
    assert v.resolve(sub, "../libfoo.so") is foo  # type: ignore[arg-type]
    assert sub.path() == "/lib/sub"  # type: ignore[attr-defined]
    # without a sysroot nothing of it is visible
    with pytest.raises(SyscallError):
        Vfs().resolve(Vfs().root, "/lib/libfoo.so")


def _linux(sysroot: Path) -> tuple[Linux, AddressSpace]:
    a = new_as()
    a.set_brk_start(0x100000)
    a.map(BUF, 16 * PAGE, 3, fixed=True)
    vfs = Vfs("/bin/prog", sysroot=str(sysroot))
    k = Linux(a, ["/bin/prog"], [], None, Sink(), Sink(), exe_path="/bin/prog", vfs=vfs)
    return k, a


def _call(k: Linux, nr: int, *args: int) -> int:
    return k.syscall(nr, tuple(x & (2**64 - 1) for x in args))


def _s(a: AddressSpace, text: str, slot: int = 0) -> int:
    addr = BUF + 0xE000 + slot * 256
    a.write(addr, text.encode() + b"\0")
    return addr


O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_CLOEXEC = 1, 2, 0o100, 0o1000, 0o2000000


def test_overlay_is_read_only(sysroot: Path) -> None:
    k, a = _linux(sysroot)
    foo = _s(a, "/lib/libfoo.so")
    for flags in (O_WRONLY, O_RDWR, O_TRUNC, O_WRONLY | O_CREAT):
        assert _call(k, 56, AT_FDCWD, foo, flags, 0o644) == -E.EROFS, flags
    assert _call(k, 35, AT_FDCWD, foo, 0) == -E.EROFS  # unlinkat
    assert _call(k, 53, AT_FDCWD, foo, 0o777) == -E.EROFS  # fchmodat
    assert _call(k, 48, AT_FDCWD, foo, 2) == -E.EROFS  # faccessat W_OK
    assert _call(k, 48, AT_FDCWD, foo, 4) == 0  # R_OK
    assert _call(k, 34, AT_FDCWD, _s(a, "/lib/sub", 1), 0o755) == -E.EEXIST  # mkdirat
    assert _call(k, 276, AT_FDCWD, foo, AT_FDCWD, _s(a, "/tmp/x", 1), 0) == -E.EROFS  # renameat2
    assert (sysroot / "lib" / "libfoo.so").read_bytes() == b"FOO" * 2000
    # new files go to the in-memory tree, even where the sysroot has the directory
    fd = _call(k, 56, AT_FDCWD, _s(a, "/tmp/new", 2), O_WRONLY | O_CREAT, 0o644)
    assert fd >= 3 and not (sysroot / "tmp" / "new").exists()


def test_library_file_syscalls(sysroot: Path) -> None:
    """What ld.so does with a library: openat O_CLOEXEC, read, fstat, pread64, file-backed
    mmap (whole span, then MAP_FIXED at an offset), mprotect, close."""
    k, a = _linux(sysroot)
    fd = _call(k, 56, AT_FDCWD, _s(a, "/lib/rel"), O_CLOEXEC, 0)
    assert fd == 3 and fd in k.cloexec
    assert _call(k, 63, fd, BUF, 64) == 64 and a.read(BUF, 3) == b"FOO"
    assert _call(k, 80, fd, BUF) == 0
    mode, size = struct.unpack_from("<I", a.read(BUF + 16, 4))[0], a.read_u64(BUF + 48)
    assert mode & 0o170000 == 0o100000 and size == 6000
    assert _call(k, 79, fd, _s(a, "", 1), BUF, 0x1000) == 0 and a.read_u64(BUF + 48) == 6000
    assert _call(k, 67, fd, BUF, 4, 4097) == 4 and a.read(BUF, 4) == (b"FOO" * 2000)[4097:4101]
    base = _call(k, 222, 0, 4 * PAGE, 1, 2, fd, 0)  # PROT_READ, MAP_PRIVATE
    assert base > 0 and a.read(base, 6000) == b"FOO" * 2000
    assert a.read(base + 6000, 4 * PAGE - 6000) == bytes(4 * PAGE - 6000)
    # MAP_FIXED over the middle page, from file offset 0x1000, read/write
    r = _call(k, 222, base + PAGE, PAGE, 3, 0x12, fd, 0x1000)
    assert r == base + PAGE
    assert a.read(base + PAGE, 6000 - 0x1000) == (b"FOO" * 2000)[0x1000:]
    a.write(base + PAGE, b"private")  # a private mapping: the file does not change
    assert (sysroot / "lib" / "libfoo.so").read_bytes() == b"FOO" * 2000
    assert _call(k, 226, base + PAGE, PAGE, 1) == 0 and a.page_flags((base + PAGE) >> 12) & 3 == 1
    assert _call(k, 57, fd) == 0
    n = _call(k, 78, AT_FDCWD, _s(a, "/proc/self/exe", 2), BUF, 256)
    assert a.read(BUF, n) == b"/bin/prog"


# --- the command line -------------------------------------------------------------------------


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "py_backend.cli", "run", *args],
        capture_output=True,
        env={**helpers.host_env(), **(env or {})},
        cwd=str(helpers.REPO_ROOT),
        timeout=120,
        check=False,
    )


def _one_line(r: subprocess.CompletedProcess[bytes]) -> str:
    err = r.stderr.decode()
    assert r.returncode == 2 and r.stdout == b"", (r.returncode, err)
    assert len(err.splitlines()) == 1 and err.startswith("tbwasm: ") and err.endswith("\n"), err
    return err.rstrip("\n")


def test_cli_dynamic_without_sysroot() -> None:
    prog = str(helpers.guest_path("dyn/hello"))
    assert _one_line(_cli(prog)) == (
        f"tbwasm: {prog} is dynamically linked (interpreter {INTERP}): "
        "give the sysroot with -L DIR (e.g. /usr/riscv64-linux-gnu)"
    )


def test_cli_missing_interpreter_and_bad_sysroot(tmp_path: Path) -> None:
    prog = str(helpers.guest_path("dyn/hello"))
    assert _one_line(_cli("-L", str(tmp_path), prog)) == (
        f"tbwasm: {prog}: interpreter {INTERP} not found under the sysroot {tmp_path}"
    )
    missing = str(tmp_path / "nope")
    assert _one_line(_cli("--sysroot", missing, prog)) == f"tbwasm: -L {missing}: not a directory"
    # a QEMU_LD_PREFIX that does not exist is no prefix, as in qemu
    r = _cli(prog, env={"QEMU_LD_PREFIX": missing})
    assert "is dynamically linked" in _one_line(r)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: b"\x7fELF\x02\x01\x01" + bytes(20), "truncated ELF header"),
        (lambda d: b"just text\n", "not an ELF file (bad magic)"),
        (_et_exec, "not a shared object (e_type 2, expected ET_DYN 3)"),
        (lambda d: d[: len(d) // 2], "extends past the end of the file"),
    ],
    ids=["truncated-header", "not-elf", "et-exec", "truncated"],
)
def test_cli_bad_interpreter(tmp_path: Path, ldso: bytes, mutate: object, message: str) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / INTERP.lstrip("/")).write_bytes(mutate(ldso))  # type: ignore[operator]
    prog = str(helpers.guest_path("dyn/hello"))
    line = _one_line(_cli("-L", str(tmp_path), prog))
    assert line.startswith(f"tbwasm: {prog}: interpreter {INTERP}: ") and line.endswith(message)


def test_cli_sysroot_from_environment_and_option_precedence(tmp_path: Path) -> None:
    prog = str(helpers.guest_path("dyn/hello"))
    r = _cli(prog, env={"QEMU_LD_PREFIX": str(SYSROOT)})
    assert (r.returncode, r.stdout) == (0, b"Hello from RISC-V!\n"), r.stderr
    # -L wins over QEMU_LD_PREFIX, as in qemu
    assert "not found under the sysroot" in _one_line(
        _cli("-L", str(tmp_path), prog, env={"QEMU_LD_PREFIX": str(SYSROOT)})
    )
