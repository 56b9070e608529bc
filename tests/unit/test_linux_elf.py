"""ELF loader and initial stack: real static binaries and every malformed case."""

# ruff: noqa: E501

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from py_backend.linux import stack as st
from py_backend.linux.elf import EHDR, PHDR, PT_GNU_STACK, PT_INTERP, PT_LOAD, load_elf
from py_backend.linux.errors import ElfError, NeedsSysroot
from py_backend.linux.mm import PAGE, STACK_TOP, AddressSpace
from py_backend.linux.process import load_program, setup_program
from py_backend.memory import anonymous_memory

GCC = "riscv64-linux-gnu-gcc"
SRC = "int main(int c, char **v) { return c; }\n"
PIE_SRC = """
static const char msg[] = "hi\\n";
void _start(void) {
  register long a0 asm("a0") = 1;
  register long a1 asm("a1") = (long)msg;
  register long a2 asm("a2") = 3;
  register long a7 asm("a7") = 64;
  asm volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7));
  for (;;) {}
}
"""


def compile_c(tmp: Path, src: str, *flags: str) -> Path:
    if shutil.which(GCC) is None:
        pytest.fail(f"{GCC} not found: install gcc-riscv64-linux-gnu (the cross toolchain)")
    c = tmp / "p.c"
    c.write_text(src)
    out = tmp / ("p" + "".join(f.replace("-", "_") for f in flags))
    subprocess.run([GCC, "-O1", *flags, str(c), "-o", str(out)], check=True)
    return out


@pytest.fixture(scope="module")
def static_exe(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return compile_c(tmp_path_factory.mktemp("elf"), SRC, "-static").read_bytes()


@pytest.fixture(scope="module")
def static_pie(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return compile_c(
        tmp_path_factory.mktemp("elf"),
        PIE_SRC,
        "-fPIE",
        "-static-pie",
        "-nostdlib",
        "-Wl,--no-dynamic-linker",
    ).read_bytes()


@pytest.fixture(scope="module")
def dynamic_exe(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return compile_c(tmp_path_factory.mktemp("elf"), SRC).read_bytes()


def new_as() -> AddressSpace:
    return AddressSpace(anonymous_memory())


def make_elf(
    segs: list[tuple[int, int, int, int, int, int]],
    *,
    entry: int = 0x10078,
    e_type: int = 2,
    machine: int = 243,
    payload: bytes = b"\x13\x00\x00\x00" * 64,
) -> bytes:
    """segs: (type, flags, offset, vaddr, filesz, memsz)."""
    phoff = EHDR.size
    hdr = EHDR.pack(
        b"\x7fELF\x02\x01\x01" + bytes(9),
        e_type,
        machine,
        1,
        entry,
        phoff,
        0,
        0,
        EHDR.size,
        PHDR.size,
        len(segs),
        0,
        0,
        0,
    )
    ph = b"".join(PHDR.pack(t, f, o, v, v, fs, ms, 0x1000) for t, f, o, v, fs, ms in segs)
    return hdr + ph + payload


GOOD_SEG = (PT_LOAD, 5, 0, 0x10000, 0x178, 0x178)


def test_synthetic_ok() -> None:
    a = new_as()
    img = load_elf(make_elf([GOOD_SEG]), a)
    assert img.entry == 0x10078 and img.phdr_addr == 0x10040 and img.phnum == 1
    assert img.brk_start == 0x11000 and img.load_bias == 0
    assert a.read(0x10000, 4) == b"\x7fELF"
    assert a.page_flags(0x10) == 5


def test_bss_and_unaligned_segment() -> None:
    data_seg = (PT_LOAD, 6, 0x100, 0x20100, 0x10, 0x3000)
    elf = make_elf([GOOD_SEG, data_seg, (PT_GNU_STACK, 6, 0, 0, 0, 0)])
    a = new_as()
    a.map(0x22000, PAGE, 3, fixed=True)
    a.write(0x22000, b"dirty")
    img = load_elf(elf, a)
    assert a.read(0x20100, 16) == elf[0x100:0x110]
    assert a.read(0x20110, 0x3000 - 0x10) == bytes(0x3000 - 0x10)
    assert img.brk_start == 0x24000
    assert a.page_flags(0x20) == 3 and a.page_flags(0x23) == 3
    assert not img.exec_stack


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        (b"MZ\x90\x00" + bytes(60), "not an ELF file (bad magic)"),
        (b"\x7fELF", "truncated ELF header"),
        (b"\x7fELF\x01\x01" + bytes(58), "not a 64-bit ELF file (ELFCLASS64 required)"),
        (b"\x7fELF\x02\x02" + bytes(58), "not a little-endian ELF file"),
        (b"\x7fELF\x02\x01" + bytes(20), "truncated ELF header"),
        (make_elf([GOOD_SEG], machine=62), "not a RISC-V executable (e_machine 62, expected 243)"),
        (make_elf([GOOD_SEG], e_type=1), "not an executable (e_type 1)"),
        (make_elf([]), "no program headers"),
        (make_elf([GOOD_SEG], payload=b"")[: EHDR.size + 10], "program headers extend past the end of the file"),
        (make_elf([(PT_LOAD, 5, 0, 0x10000, 0x10000, 0x10000)]), "segment 0 extends past the end of the file"),
        (make_elf([(PT_LOAD, 5, 0, 0x10000, 0x200, 0x100)]), "segment 0: file size exceeds memory size"),
        (make_elf([GOOD_SEG, (PT_LOAD, 6, 0x100, 0x10100, 0x10, 0x10)]), "segments 0 and 1 overlap"),
        (make_elf([(PT_LOAD, 5, 0, 0x10000, 0x178, 1 << 40)]), "segment 0 is too large (0x10000000000 bytes)"),
        (make_elf([GOOD_SEG, (PT_LOAD, 6, 0, 0x30000000, 0, 0x10000000)]), "program image too large (0x3fff0000 bytes)"),
        (make_elf([(PT_LOAD, 5, 0, 0x1000, 0x178, 0x178)], entry=0x1078), "segment addresses 0x1000-0x2000 are outside the usable range 0x10000-0x3f7fe000"),
        (make_elf([GOOD_SEG], entry=0x50000), "entry point 0x50000 is outside every executable segment"),
        (make_elf([(PT_LOAD, 6, 0, 0x10000, 0x178, 0x178)]), "entry point 0x10078 is outside every executable segment"),
        (make_elf([(PT_INTERP, 4, 0x100, 0, 10, 10), GOOD_SEG]), "PT_INTERP is not a NUL-terminated path"),
        (make_elf([(PT_INTERP, 4, 0x100, 0, 10, 10), GOOD_SEG], payload=bytes(0x50) + b"/lib/ld\0\0\0"), "PT_INTERP is not a NUL-terminated path"),
        (make_elf([(PT_INTERP, 4, 0x100, 0, 4, 4), GOOD_SEG], payload=bytes(0x50) + b"a\nb\0"), "PT_INTERP path has control characters"),
        (make_elf([(PT_INTERP, 4, 0x100, 0, 1 << 20, 1 << 20), GOOD_SEG]), "PT_INTERP extends past the end of the file"),
        (make_elf([(PT_INTERP, 4, 0x100, 0, 1, 1), GOOD_SEG]), "bad PT_INTERP size 1"),
        (make_elf([(PT_GNU_STACK, 6, 0, 0, 0, 0)]), "no loadable segments"),
        (make_elf([(PT_LOAD, 5, 1, 0x10000, 0x10, 0x10)]), "segment 0: offset and address are not congruent"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)  # fmt: skip
def test_malformed(data: bytes, message: str) -> None:
    with pytest.raises(ElfError) as e:
        load_elf(data, new_as())
    assert str(e.value) == message
    assert "\n" not in message


def test_bad_phentsize() -> None:
    elf = bytearray(make_elf([GOOD_SEG]))
    struct.pack_into("<H", elf, 54, 32)
    with pytest.raises(ElfError, match="bad program header size 32"):
        load_elf(bytes(elf), new_as())


def test_truncations_never_crash(static_exe: bytes) -> None:
    for n in [1, 4, 5, 16, 63, 64, 100, 200, 500, 4096, len(static_exe) // 2, len(static_exe) - 1]:
        try:
            load_elf(static_exe[:n], new_as())
        except ElfError as e:
            assert "\n" not in str(e)


def test_real_static(static_exe: bytes) -> None:
    a = new_as()
    img = load_elf(static_exe, a)
    assert img.load_bias == 0 and img.phent == 56
    assert (
        a.read(img.phdr_addr, 4) == struct.pack("<I", 6)
        or a.read(img.phdr_addr - 0x40, 4) == b"\x7fELF"
    )
    assert a.page_flags(img.entry >> 12) & 4
    assert img.brk_start % PAGE == 0


def test_real_static_pie(static_pie: bytes) -> None:
    a = new_as()
    img = load_elf(static_pie, a)
    assert img.load_bias != 0 and img.load_bias % PAGE == 0
    assert a.read(img.load_bias, 4) == b"\x7fELF"
    assert a.page_flags(img.entry >> 12) & 4


def test_real_dynamic_needs_sysroot(dynamic_exe: bytes) -> None:
    """load_elf reports PT_INTERP; load_program without a way to open it refuses, naming -L."""
    assert load_elf(dynamic_exe, new_as()).interp == "/lib/ld-linux-riscv64-lp64d.so.1"
    with pytest.raises(NeedsSysroot) as e:
        load_program(dynamic_exe, ["x"], [], new_as())
    assert str(e.value) == (
        "dynamically linked (interpreter /lib/ld-linux-riscv64-lp64d.so.1): "
        "give the sysroot with -L DIR (e.g. /usr/riscv64-linux-gnu)"
    )
    assert e.value.for_program("prog") == (
        "prog is dynamically linked (interpreter /lib/ld-linux-riscv64-lp64d.so.1): "
        "give the sysroot with -L DIR (e.g. /usr/riscv64-linux-gnu)"
    )


def test_stack_layout(static_exe: bytes) -> None:
    a = new_as()
    rnd = bytes(range(16))
    p = load_program(
        static_exe, ["prog", "arg one"], ["A=1", "B=2"], a, random_bytes=rnd, uid=5, gid=6
    )
    sp = p.sp
    assert sp % 16 == 0
    assert a.read_u64(sp) == 2
    argv = [a.read_u64(sp + 8), a.read_u64(sp + 16)]
    assert a.read_u64(sp + 24) == 0
    assert [a.read_cstr(x) for x in argv] == [b"prog", b"arg one"]
    envp = [a.read_u64(sp + 32), a.read_u64(sp + 40)]
    assert a.read_u64(sp + 48) == 0
    assert [a.read_cstr(x) for x in envp] == [b"A=1", b"B=2"]
    aux: list[tuple[int, int]] = []
    q = sp + 56
    while True:
        k, v = a.read_u64(q), a.read_u64(q + 8)
        aux.append((k, v))
        q += 16
        if k == 0:
            break
    keys = [k for k, _ in aux]
    assert keys == [3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 16, 17, 25, 23, 31, 0]
    d = dict(aux)
    assert d[st.AT_PHDR] == p.image.phdr_addr and d[st.AT_PHNUM] == p.image.phnum
    assert d[st.AT_PHENT] == 56 and d[st.AT_PAGESZ] == 4096 and d[st.AT_BASE] == 0
    assert d[st.AT_ENTRY] == p.image.entry and d[st.AT_HWCAP] == 0x20112D  # I M A F D C V
    assert d[st.AT_CLKTCK] == 100 and d[st.AT_SECURE] == 0
    assert d[st.AT_UID] == d[st.AT_EUID] == 5 and d[st.AT_GID] == d[st.AT_EGID] == 6
    assert a.read(d[st.AT_RANDOM], 16) == rnd
    assert a.read_cstr(d[st.AT_EXECFN]) == b"prog"
    assert a.read(STACK_TOP - 8, 8) == bytes(8)
    assert setup_program(static_exe, ["x"], [], new_as())[0] == p.image.entry


def test_stack_too_big(static_exe: bytes) -> None:
    with pytest.raises(ElfError, match=r"^argument list too long$"):
        load_program(static_exe, ["x" * (3 << 20)], [], new_as())


def test_page_runs_give_each_page_the_protections_of_its_segments() -> None:
    """_page_runs against the page-by-page definition, on random sorted disjoint segments."""
    import itertools
    import random

    from py_backend.linux.elf import _page_runs, _Phdr, _prot

    rng = random.Random(7)
    for _ in range(500):
        loads, at = [], 0x10000 + rng.randrange(0, 3 * PAGE)
        for i in range(rng.randrange(1, 5)):
            size = rng.choice(
                [1, 8, PAGE - 1, PAGE, PAGE + 1, 3 * PAGE + 5, rng.randrange(1, 9000)]
            )
            loads.append(_Phdr(i, PT_LOAD, rng.randrange(1, 8), 0, at, 0, size, PAGE))
            at += size + rng.choice([0, 0, 1, 16, PAGE, rng.randrange(0, 3 * PAGE)])
        want: dict[int, int] = {}
        for p in loads:
            for pg in range(p.vaddr // PAGE * PAGE, -(-(p.vaddr + p.memsz) // PAGE) * PAGE, PAGE):
                want[pg] = want.get(pg, 0) | _prot(p.flags)
        runs = _page_runs(loads, 0)
        got = {pg: prot for s, e, prot in runs for pg in range(s, e, PAGE)}
        assert got == want, loads
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(runs))  # sorted, disjoint
        assert all(a[1] < b[0] or a[2] != b[2] for a, b in itertools.pairwise(runs))  # merged
