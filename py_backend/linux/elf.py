"""Loading riscv64 ELF images into an AddressSpace: the program (ET_EXEC, or ET_DYN: static-pie
or a dynamic PIE) and, for a dynamically linked one, its interpreter (``ld.so``, ET_DYN).

Placement: an ET_EXEC program at its link addresses; an ET_DYN program at ``PIE_BASE`` (so
that brk follows it low in the address space); the interpreter at the top of the mmap area,
right below the signal trampoline page, as Linux puts it at the top of its top-down mmap area
(shared libraries that ld.so maps then go below it).

The file is parsed with :mod:`struct` so that every malformed input gives one clear
``ElfError`` message instead of whatever a general-purpose parser would raise.
"""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass, field

from .. import abi
from .errors import ElfError, GuestFault, SyscallError
from .mm import MIN_ADDR, MMAP_TOP, PAGE, SHIFT, SIGTRAMP_ADDR, AddressSpace, page_down, page_up

EM_RISCV = 243
ET_EXEC = 2
ET_DYN = 3
PT_LOAD = 1
PT_DYNAMIC = 2
PT_INTERP = 3
PT_PHDR = 6
PT_TLS = 7
PT_GNU_STACK = 0x6474E551
PF_X = 1
PF_W = 2
PF_R = 4

EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
PHDR = struct.Struct("<IIQQQQQQ")
PIE_BASE = 0x40000
MAX_ALIGN = 1 << 21
INTERP_PATH_MAX = 4096


@dataclass(frozen=True, slots=True)
class Segment:
    vaddr: int  # after the load bias
    memsz: int
    filesz: int
    offset: int
    prot: int  # PageFlags bits


@dataclass(frozen=True, slots=True)
class LoadedImage:
    entry: int
    phdr_addr: int
    phnum: int
    phent: int
    brk_start: int
    load_bias: int
    interp: str | None = None  # PT_INTERP of a dynamically linked program
    exec_stack: bool = False
    segments: tuple[Segment, ...] = field(default_factory=tuple)
    e_type: int = ET_EXEC


_READ, _WRITE, _EXEC = int(abi.PageFlags.READ), int(abi.PageFlags.WRITE), int(abi.PageFlags.EXEC)


def _prot(flags: int) -> int:
    """Page flags for a segment's p_flags (plain ints: IntFlag arithmetic is slow in Pyodide,
    and this runs once per page of every segment)."""
    return (
        (_READ if flags & PF_R else 0)
        | (_WRITE if flags & PF_W else 0)
        | (_EXEC if flags & PF_X else 0)
    )


@dataclass(frozen=True, slots=True)
class _Phdr:
    index: int
    type: int
    flags: int
    offset: int
    vaddr: int
    filesz: int
    memsz: int
    align: int


def parse_headers(data: bytes) -> tuple[int, int, int, int, list[_Phdr]]:
    """Validate the ELF and program headers: (e_type, entry, phoff, phentsize, phdrs)."""
    if len(data) == 0:
        raise ElfError("empty file")
    if data[:4] != b"\x7fELF":
        raise ElfError("not an ELF file (bad magic)")
    if len(data) < 6:
        raise ElfError("truncated ELF header")
    if data[4] != 2:
        raise ElfError("not a 64-bit ELF file (ELFCLASS64 required)")
    if data[5] != 1:
        raise ElfError("not a little-endian ELF file")
    if len(data) < EHDR.size:
        raise ElfError("truncated ELF header")
    (_, e_type, e_machine, _, e_entry, e_phoff, _, _, _, e_phentsize, e_phnum, *_) = (
        EHDR.unpack_from(data)
    )
    if e_machine != EM_RISCV:
        raise ElfError(f"not a RISC-V executable (e_machine {e_machine}, expected {EM_RISCV})")
    if e_type not in (ET_EXEC, ET_DYN):
        raise ElfError(f"not an executable (e_type {e_type})")
    if e_phnum == 0:
        raise ElfError("no program headers")
    if e_phentsize != PHDR.size:
        raise ElfError(f"bad program header size {e_phentsize} (expected {PHDR.size})")
    if e_phoff + e_phnum * e_phentsize > len(data):
        raise ElfError("program headers extend past the end of the file")
    phdrs = []
    for i in range(e_phnum):
        p_type, p_flags, off, vaddr, _, filesz, memsz, align = PHDR.unpack_from(
            data, e_phoff + i * e_phentsize
        )
        phdrs.append(_Phdr(i, p_type, p_flags, off, vaddr, filesz, memsz, align))
    return e_type, e_entry, e_phoff, e_phentsize, phdrs


def _page_runs(loads: list[_Phdr], bias: int) -> list[tuple[int, int, int]]:
    """The pages of sorted, disjoint segments as runs [start, end) of one protection each: a
    page shared by two segments (at most their boundary page) gets both protections."""
    runs: list[list[int]] = []
    for p in loads:
        start, end = page_down(p.vaddr + bias), page_up(p.vaddr + bias + p.memsz)
        prot = _prot(p.flags)
        if runs and start < runs[-1][1]:  # its first page is the previous run's last
            last = runs[-1]
            shared = last[2] | prot
            last[1] -= PAGE
            if last[1] == last[0]:
                runs.pop()
            runs.append([start, start + PAGE, shared])
            start += PAGE
        if start < end:
            runs.append([start, end, prot])
    merged: list[tuple[int, int, int]] = []
    for start, end, prot in runs:
        if merged and merged[-1][1] == start and merged[-1][2] == prot:
            merged[-1] = (merged[-1][0], end, prot)
        else:
            merged.append((start, end, prot))
    return merged


def _interp_path(data: bytes, p: _Phdr) -> str:
    """The interpreter path a PT_INTERP segment names."""
    if p.offset + p.filesz > len(data):
        raise ElfError("PT_INTERP extends past the end of the file")
    if not 2 <= p.filesz <= INTERP_PATH_MAX:
        raise ElfError(f"bad PT_INTERP size {p.filesz}")
    raw = data[p.offset : p.offset + p.filesz]
    if raw[-1] != 0 or 0 in raw[:-1]:
        raise ElfError("PT_INTERP is not a NUL-terminated path")
    if any(b < 0x20 or b == 0x7F for b in raw[:-1]):
        raise ElfError("PT_INTERP path has control characters")
    return raw[:-1].decode("utf-8", "backslashreplace")


def _interp_base(aspace: AddressSpace, span: int, align: int) -> int:
    """The highest ``align``-aligned free area of ``span`` bytes below the signal trampoline."""
    n = span >> SHIFT
    top = SIGTRAMP_ADDR
    while True:
        base = (top - span) // align * align
        if base < MIN_ADDR:
            raise ElfError(f"no room for the interpreter ({span:#x} bytes)")
        p0 = base >> SHIFT
        busy = aspace.mapped.rfind(1, p0, p0 + n)
        if busy < 0:
            return base
        top = busy << SHIFT


def load_elf(data: bytes, aspace: AddressSpace, *, interpreter: bool = False) -> LoadedImage:
    """Map the PT_LOAD segments of a program (``interpreter``: of its ld.so); raises ElfError
    with a one-line message.  A program's PT_INTERP is returned in ``interp``, not followed."""
    e_type, e_entry, e_phoff, e_phentsize, phdrs = parse_headers(data)
    interp = None
    for p in phdrs:
        if p.type == PT_INTERP:
            if interpreter:
                raise ElfError("the interpreter itself names an interpreter (PT_INTERP)")
            interp = _interp_path(data, p)
            break
    if interpreter and e_type != ET_DYN:
        raise ElfError(f"not a shared object (e_type {e_type}, expected ET_DYN {ET_DYN})")
    loads = [p for p in phdrs if p.type == PT_LOAD and p.memsz > 0]
    if not loads:
        raise ElfError("no loadable segments")
    for p in loads:
        if p.filesz > p.memsz:
            raise ElfError(f"segment {p.index}: file size exceeds memory size")
        if p.memsz >= abi.GUEST_SIZE or p.vaddr + p.memsz >= 1 << 64:
            raise ElfError(f"segment {p.index} is too large ({p.memsz:#x} bytes)")
        if p.offset + p.filesz > len(data):
            raise ElfError(f"segment {p.index} extends past the end of the file")
        if p.align > 1 and (p.vaddr - p.offset) % min(p.align, PAGE) != 0:
            raise ElfError(f"segment {p.index}: offset and address are not congruent")
    loads.sort(key=lambda p: p.vaddr)
    for a, b in itertools.pairwise(loads):
        if b.vaddr < a.vaddr + a.memsz:
            raise ElfError(f"segments {a.index} and {b.index} overlap")
    lo = page_down(loads[0].vaddr)
    hi = page_up(max(p.vaddr + p.memsz for p in loads))
    if hi - lo > MMAP_TOP - MIN_ADDR:
        raise ElfError(f"program image too large ({hi - lo:#x} bytes)")
    if e_type == ET_DYN:
        align = max([PAGE] + [min(p.align, MAX_ALIGN) for p in loads if p.align > 0])
        if interpreter:
            base = _interp_base(aspace, hi - lo, align)
        else:
            base = (PIE_BASE + align - 1) // align * align
        bias = base - lo
    else:
        bias = 0
        if lo < MIN_ADDR or hi > MMAP_TOP:
            raise ElfError(
                f"segment addresses {lo:#x}-{hi:#x} are outside the usable range "
                f"{MIN_ADDR:#x}-{MMAP_TOP:#x}"
            )
    entry = e_entry + bias
    if not any(
        p.flags & PF_X and p.vaddr + bias <= entry < p.vaddr + bias + p.memsz for p in loads
    ):
        raise ElfError(f"entry point {e_entry:#x} is outside every executable segment")

    segments = []
    try:
        for start, end, prot in _page_runs(loads, bias):
            aspace.map(start, end - start, prot, fixed=True)
        # Like an mmap of the file: the start of each first page holds the file bytes before
        # the segment (this is how the ELF and program headers become visible at AT_PHDR).
        view = memoryview(data)  # segment slices without copying the file's bytes
        prev_end = 0
        for p in loads:
            start = p.vaddr + bias
            lead = start - max(page_down(start), prev_end)
            if lead > 0 and p.offset >= lead:
                aspace.load_write(start - lead, view[p.offset - lead : p.offset])
            prev_end = start + p.memsz
        for p in loads:
            start = p.vaddr + bias
            aspace.load_write(start, view[p.offset : p.offset + p.filesz])
            bss_end = min(page_up(start + p.filesz), start + p.memsz)
            if bss_end > start + p.filesz:
                aspace.load_write(start + p.filesz, bytes(bss_end - start - p.filesz))
            segments.append(Segment(start, p.memsz, p.filesz, p.offset, _prot(p.flags)))
    except (SyscallError, GuestFault) as e:
        what = "the interpreter" if interpreter else "the program"
        raise ElfError(f"cannot map {what}: {e}") from None

    phdr_addr = 0
    for p in phdrs:
        if p.type == PT_PHDR:
            phdr_addr = p.vaddr + bias
            break
    else:
        for p in loads:
            if p.offset <= e_phoff < p.offset + p.filesz:
                phdr_addr = p.vaddr + bias + (e_phoff - p.offset)
                break
        else:
            first = loads[0]
            if first.offset - (first.vaddr - page_down(first.vaddr)) <= e_phoff < first.offset:
                phdr_addr = first.vaddr + bias - (first.offset - e_phoff)
    exec_stack = any(p.type == PT_GNU_STACK and p.flags & PF_X for p in phdrs)
    return LoadedImage(
        entry=entry,
        phdr_addr=phdr_addr,
        phnum=len(phdrs),
        phent=e_phentsize,
        brk_start=hi + bias,
        load_bias=bias,
        interp=interp,
        exec_stack=exec_stack,
        segments=tuple(segments),
        e_type=e_type,
    )
