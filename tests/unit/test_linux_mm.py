"""AddressSpace: mapping, unmapping, protection, brk, page-table bytes, faults."""

from __future__ import annotations

import pytest

from py_backend import abi
from py_backend.linux.errors import EEXIST, EFAULT, EINVAL, ENOMEM, EPERM, GuestFault
from py_backend.linux.mm import (
    CODE,
    MIN_ADDR,
    MMAP_TOP,
    MREMAP_FIXED,
    MREMAP_MAYMOVE,
    PAGE,
    AddressSpace,
)
from py_backend.memory import anonymous_memory

RW = 3


@pytest.fixture()
def aspace() -> AddressSpace:
    return AddressSpace(anonymous_memory())


def pt(a: AddressSpace, g: int) -> int:
    return a.mem.read(abi.PAGE_TABLE + (g >> 12), 1)[0]


def test_map_top_down_and_page_table(aspace: AddressSpace) -> None:
    a1 = aspace.map(0, 3 * PAGE, RW, fixed=False)
    a2 = aspace.map(0, PAGE, 1, fixed=False)
    assert a1 + 3 * PAGE <= MMAP_TOP
    assert a2 == a1 - PAGE
    assert [pt(aspace, a1 + i * PAGE) for i in range(3)] == [RW] * 3
    assert pt(aspace, a2) == 1
    assert pt(aspace, a1 + 3 * PAGE) == 0


def test_map_zero_fills_reused_pages(aspace: AddressSpace) -> None:
    a = aspace.map(0x100000, PAGE, RW, fixed=True)
    aspace.write(a + 5, b"junk")
    aspace.unmap(a, PAGE)
    assert aspace.map(0x100000, PAGE, RW, fixed=True) == a
    assert aspace.read(a, 16) == bytes(16)


def test_map_errors(aspace: AddressSpace) -> None:
    assert aspace.do_map(0, 0, RW, fixed=False) == -EINVAL
    assert aspace.do_map(0x100001, PAGE, RW, fixed=True) == -EINVAL
    assert aspace.do_map(0, PAGE, RW, fixed=True) == -EPERM
    assert aspace.do_map(MIN_ADDR - PAGE, PAGE, RW, fixed=True) == -EPERM
    assert aspace.do_map(abi.GUEST_SIZE - PAGE, 2 * PAGE, RW, fixed=True) == -ENOMEM
    assert aspace.do_map(0, 1 << 40, RW, fixed=False) == -ENOMEM
    assert aspace.do_map(0, abi.GUEST_SIZE, RW, fixed=False) == -ENOMEM
    assert aspace.do_map(-PAGE, PAGE, RW, fixed=True) == -ENOMEM
    aspace.map(0x200000, PAGE, RW, fixed=True)
    assert aspace.do_map(0x200000, PAGE, RW, fixed=True, noreplace=True) == -EEXIST


def test_hint_used_when_free(aspace: AddressSpace) -> None:
    assert aspace.map(0x300000, PAGE, RW, fixed=False) == 0x300000
    assert aspace.map(0x300000, PAGE, RW, fixed=False) != 0x300000


def test_fixed_replaces(aspace: AddressSpace) -> None:
    a = aspace.map(0x400000, 4 * PAGE, RW, fixed=True)
    aspace.write(a + PAGE, b"x")
    aspace.map(a + PAGE, PAGE, 1, fixed=True)
    assert aspace.read(a + PAGE, 1) == b"\0"
    assert pt(aspace, a + PAGE) == 1 and pt(aspace, a) == RW


def test_unmap_and_errors(aspace: AddressSpace) -> None:
    a = aspace.map(0x500000, 2 * PAGE, RW, fixed=True)
    aspace.unmap(a, PAGE + 1)
    assert pt(aspace, a) == 0 and pt(aspace, a + PAGE) == 0
    assert not aspace.is_mapped(a)
    assert aspace.do_unmap(a, PAGE) == 0  # already unmapped is fine
    assert aspace.do_unmap(a + 1, PAGE) == -EINVAL
    assert aspace.do_unmap(a, 0) == -EINVAL
    assert aspace.do_unmap(abi.GUEST_SIZE - PAGE, 2 * PAGE) == -EINVAL


def test_protect(aspace: AddressSpace) -> None:
    a = aspace.map(0x600000, 2 * PAGE, RW, fixed=True)
    aspace.protect(a, PAGE, 1)
    assert pt(aspace, a) == 1 and pt(aspace, a + PAGE) == RW
    with pytest.raises(GuestFault):
        aspace.write(a, b"x")
    assert aspace.do_protect(a, 3 * PAGE, 1) == -ENOMEM
    assert aspace.do_protect(a + 1, PAGE, 1) == -EINVAL
    assert aspace.do_protect(a, PAGE, 0x100) == -EINVAL
    assert aspace.do_protect(a, 0, 1) == 0


def test_code_bit_preserved_and_callbacks() -> None:
    calls: list[tuple[int, int]] = []
    a = AddressSpace(anonymous_memory(), lambda g, n: calls.append((g, n)))
    g = a.map(0x700000, 3 * PAGE, RW | 4, fixed=True)
    a.write(g, b"x")
    assert calls == []
    a.set_code((g + PAGE) >> 12, True)
    assert pt(a, g + PAGE) == RW | 4 | CODE
    a.write(g + PAGE + 8, b"abc")
    assert calls == [(g + PAGE, PAGE)]
    a.protect(g, 3 * PAGE, 5)
    assert pt(a, g + PAGE) == 5 | CODE and pt(a, g) == 5
    assert calls[-1] == (g + PAGE, PAGE)
    a.load_write(g + PAGE, b"zz")
    assert len(calls) == 3
    a.unmap(g, 3 * PAGE)
    assert calls[-1] == (g + PAGE, PAGE) and len(calls) == 4
    assert pt(a, g + PAGE) == 0
    a.set_code(g >> 12, False)
    a.set_code(-1, True)  # ignored


def test_read_write_faults(aspace: AddressSpace) -> None:
    a = aspace.map(0x800000, PAGE, RW, fixed=True)
    with pytest.raises(GuestFault) as e:
        aspace.read(a + PAGE - 2, 4)
    assert e.value.addr == a + PAGE
    with pytest.raises(GuestFault):
        aspace.read(-8, 4)
    with pytest.raises(GuestFault):
        aspace.read(abi.GUEST_SIZE - 2, 4)
    with pytest.raises(GuestFault):
        aspace.write(0, b"x")
    assert aspace.read(0, 0) == b""
    aspace.write_u64(a, 0x1122334455667788)
    assert aspace.read_u64(a) == 0x1122334455667788
    aspace.write_u32(a, 7)
    assert aspace.read_u32(a) == 7
    with pytest.raises(GuestFault):
        aspace.load_write(0x900000, b"x")


def test_read_cstr(aspace: AddressSpace) -> None:
    a = aspace.map(0x900000, PAGE, RW, fixed=True)
    aspace.write(a + PAGE - 3, b"ab\0")
    assert aspace.read_cstr(a + PAGE - 3) == b"ab"
    aspace.write(a + PAGE - 3, b"abc")
    with pytest.raises(GuestFault):
        aspace.read_cstr(a + PAGE - 3)
    aspace.write(a, b"x" * 100 + b"\0")
    from py_backend.linux.errors import SyscallError

    with pytest.raises(SyscallError):
        aspace.read_cstr(a, 10)
    assert aspace.read_cstr(a, 100) == b"x" * 100


def test_brk(aspace: AddressSpace) -> None:
    aspace.set_brk_start(0x12345)
    start = aspace.brk(0)
    assert start == 0x13000
    assert aspace.brk(start + 10) == start + 10
    assert pt(aspace, start) == RW
    aspace.write(start, b"hello")
    assert aspace.brk(start + 3 * PAGE) == start + 3 * PAGE
    assert aspace.brk(start) == start
    assert pt(aspace, start) == 0
    assert aspace.brk(start - 1) == start
    assert aspace.brk(1 << 40) == start
    aspace.map(start + 2 * PAGE, PAGE, RW, fixed=True)
    assert aspace.brk(start + 3 * PAGE) == start
    assert aspace.brk(start + PAGE) == start + PAGE
    assert aspace.read(start, 5) == bytes(5)


def test_mremap(aspace: AddressSpace) -> None:
    a = aspace.map(0xA00000, 2 * PAGE, RW, fixed=True)
    aspace.write(a, b"data")
    assert aspace.mremap(a, 2 * PAGE, PAGE, 0) == a
    assert not aspace.is_mapped(a + PAGE)
    assert aspace.mremap(a, PAGE, 3 * PAGE, 0) == a
    aspace.map(a + 3 * PAGE, PAGE, RW, fixed=True)
    assert aspace.do_mremap(a, 3 * PAGE, 5 * PAGE, 0, 0) == -ENOMEM
    b = aspace.mremap(a, 3 * PAGE, 5 * PAGE, MREMAP_MAYMOVE)
    assert b != a and aspace.read(b, 4) == b"data" and not aspace.is_mapped(a)
    c = aspace.mremap(b, 5 * PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, 0xB00000)
    assert c == 0xB00000 and aspace.read(c, 4) == b"data"
    assert aspace.do_mremap(0xC00000, PAGE, PAGE, 0, 0) == -EFAULT
    assert aspace.do_mremap(c, PAGE, 0, 0, 0) == -EINVAL
    assert aspace.do_mremap(c + 1, PAGE, PAGE, 0, 0) == -EINVAL
    assert aspace.do_mremap(c, PAGE, PAGE, MREMAP_FIXED, 0xD00000) == -EINVAL
    assert aspace.do_mremap(c, PAGE, 1 << 40, MREMAP_MAYMOVE, 0) == -ENOMEM


def test_mappings(aspace: AddressSpace) -> None:
    aspace.map(0x100000, 2 * PAGE, RW, fixed=True)
    aspace.map(0x102000, PAGE, 1, fixed=True)
    assert aspace.mappings() == [(0x100000, 0x102000, RW), (0x102000, 0x103000, 1)]
