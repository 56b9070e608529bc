"""The guest address space: mappings, the page table, brk and mmap.

Guest address ``g`` lives at Wasm offset ``abi.GUEST_BASE + g``; its page-table byte at
``abi.PAGE_TABLE + (g >> 12)`` holds ``PageFlags``.  This class owns the READ/WRITE/EXEC bits;
the CODE bit belongs to the machine (``set_code``) and is preserved here, but whenever memory
under a CODE page is changed by a syscall or the loader, unmapped or re-protected, the
``on_code_write(g, length)`` callback runs so the machine can drop its translations.

Layout (top down)::

    GUEST_SIZE - PAGE_SIZE .. GUEST_SIZE     guard page, never mapped
    STACK_BASE .. STACK_TOP                  the initial stack (STACK_SIZE)
    (one guard page)
    SIGTRAMP_ADDR                            the signal return trampoline ("[vdso]", R+X)
    ... mmap area, allocated top-down below MMAP_TOP ...
    ... heap (brk) growing up from the end of the ELF image ...
    MIN_ADDR                                 lowest mappable address (mmap_min_addr)
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from .. import abi
from ..memory import CopiesTo, Discardable, GuestDirtyMap, RawMemory, page_runs
from .errors import EEXIST, EFAULT, EINVAL, ENOMEM, EPERM, GuestFault, SyscallError

PAGE = abi.PAGE_SIZE
SHIFT = abi.PAGE_SHIFT
NPAGES = abi.GUEST_PAGES
R = int(abi.PageFlags.READ)
W = int(abi.PageFlags.WRITE)
X = int(abi.PageFlags.EXEC)
CODE = int(abi.PageFlags.CODE)
PROT_MASK = R | W | X

MIN_ADDR = 0x10000
STACK_SIZE = 8 << 20
STACK_TOP = abi.GUEST_SIZE - PAGE
STACK_BASE = STACK_TOP - STACK_SIZE
MMAP_TOP = STACK_BASE - PAGE
SIGTRAMP_ADDR = MMAP_TOP - PAGE  # the top page of the mmap area; see linux/signals.py

MREMAP_MAYMOVE = 1
MREMAP_FIXED = 2
MREMAP_DONTUNMAP = 4

# For each page-table byte: 1 if it grants the access, else 0 (bytes.translate tables).
_HAS_R = bytes(1 if b & R else 0 for b in range(256))
_HAS_W = bytes(1 if b & W else 0 for b in range(256))


def page_up(n: int) -> int:
    return (n + PAGE - 1) & ~(PAGE - 1)


def page_down(n: int) -> int:
    return n & ~(PAGE - 1)


class AddressSpace:
    """Mappings of one guest over a RawMemory; see the module docstring."""

    def __init__(
        self,
        mem: RawMemory,
        on_code_write: Callable[[int, int], None] | None = None,
    ) -> None:
        self.mem = mem
        self.on_code_write = on_code_write
        self.prot = bytearray(NPAGES)  # R/W/X of each page (mirror of the page table)
        self.mapped = bytearray(NPAGES)  # 1 = page is mapped (even with PROT_NONE)
        # 1 = the page's CODE bit is set (mirror: set_code is the only writer of that bit, and
        # the page table starts zeroed below), so writes need not read the page table back
        self.code = bytearray(NPAGES)
        # 1 = page may hold nonzero bytes.  Kept on the memory object, so a later guest on the
        # same memory (a reused host) knows which pages an earlier guest left data in; a
        # memory that cannot carry it is assumed dirty everywhere.
        dirty = mem.guest_dirty if isinstance(mem, GuestDirtyMap) else None
        if not isinstance(dirty, bytearray) or len(dirty) != NPAGES:
            dirty = bytearray(NPAGES)
            try:
                mem.guest_dirty = dirty  # type: ignore[attr-defined]
            except AttributeError:
                dirty = bytearray(b"\x01") * NPAGES
        self.dirty = dirty
        self.names: dict[int, str] = {}  # first page of a map() call -> name (informational)
        self.brk_start = 0
        self.brk_cur = 0
        self.brk_limit = MMAP_TOP
        mem.fill(abi.PAGE_TABLE, NPAGES, 0)

    def fork(
        self, mem: RawMemory, on_code_write: Callable[[int, int], None] | None
    ) -> AddressSpace:
        """A copy of this address space in ``mem`` (a fresh, zeroed memory): the same mappings,
        protections and contents; no page holds translated code in the copy yet."""
        child = AddressSpace(mem, on_code_write)
        child.prot[:] = self.prot
        child.mapped[:] = self.mapped
        child.dirty[:] = self.mapped
        child.names = dict(self.names)
        child.brk_start, child.brk_cur, child.brk_limit = (
            self.brk_start,
            self.brk_cur,
            self.brk_limit,
        )
        mem.write(abi.PAGE_TABLE, bytes(self.prot))
        for first, count in page_runs(bytes(self.mapped), 0):
            copy_memory(self.mem, mem, abi.GUEST_BASE + (first << SHIFT), count << SHIFT)
        return child

    # --- page table ----------------------------------------------------------------------------

    def _code_bits(self, p0: int, n: int) -> bytes:
        return bytes(self.code[p0 : p0 + n])

    def _notify_code(self, p0: int, n: int) -> None:
        """Call on_code_write for every run of CODE pages in [p0, p0 + n)."""
        if self.on_code_write is None or n <= 0:
            return
        bits = self._code_bits(p0, n)
        if 1 not in bits:
            return
        for first, count in page_runs(bits, p0):
            self.on_code_write(first << SHIFT, count << SHIFT)

    def _set_prot(self, p0: int, n: int, prot: int) -> None:
        """Set R/W/X of [p0, p0+n), keeping each page's CODE bit in the real page table."""
        code = self.code[p0 : p0 + n]
        new = bytes(c * CODE | prot for c in code) if 1 in code else bytes([prot]) * n
        self.mem.write(abi.PAGE_TABLE + p0, new)
        self.prot[p0 : p0 + n] = bytes([prot]) * n

    def set_code(self, page: int, on: bool) -> None:
        """Mark or unmark a page as holding translated code (used by the machine)."""
        if not 0 <= page < NPAGES:
            return
        self.code[page] = on
        self.mem.write(abi.PAGE_TABLE + page, bytes([self.prot[page] | (CODE if on else 0)]))

    def page_flags(self, page: int) -> int:
        """The page-table byte of a page as stored in memory (including CODE)."""
        return self.mem.read(abi.PAGE_TABLE + page, 1)[0]

    def is_mapped(self, addr: int) -> bool:
        return 0 <= addr < abi.GUEST_SIZE and bool(self.mapped[addr >> SHIFT])

    # --- mapping --------------------------------------------------------------------------------

    def _find_free(self, npages: int, lo: int, hi: int) -> int | None:
        """Highest first page of ``npages`` free pages inside pages [lo, hi), or None."""
        if npages <= 0 or hi - lo < npages:
            return None
        i = self.mapped.rfind(bytes(npages), lo, hi)
        return None if i < 0 else i

    @property
    def _discard(self) -> Callable[[int, int], None] | None:
        """The memory's way to hand pages back to the host (memory.Discardable), if it has one."""
        return self.mem.discard if isinstance(self.mem, Discardable) else None

    def _range_free(self, p0: int, n: int) -> bool:
        return 1 not in self.mapped[p0 : p0 + n]

    def _install(self, p0: int, n: int, prot: int, name: str) -> None:
        dirty = bytes(self.dirty[p0 : p0 + n])
        discard = self._discard
        for first, count in page_runs(dirty, p0):
            if discard is not None and count >= 16:
                # hand the pages back (they read as zeros) rather than writing zeros into them
                discard(abi.GUEST_BASE + (first << SHIFT), count << SHIFT)
            else:
                self.mem.fill(abi.GUEST_BASE + (first << SHIFT), count << SHIFT, 0)
        self.dirty[p0 : p0 + n] = b"\x01" * n
        self.mapped[p0 : p0 + n] = b"\x01" * n
        self._set_prot(p0, n, prot)
        if name:
            self.names[p0] = name

    def zero(self, addr: int, length: int) -> None:
        """Zero the mapped pages [addr, addr + length) (page-aligned): MADV_DONTNEED on private
        anonymous memory.  Large runs are handed back to the host, which reads them as zeros."""
        p0, n = addr >> SHIFT, length >> SHIFT
        if n <= 0:
            return
        self._notify_code(p0, n)
        discard = self._discard
        if discard is not None and n >= 16:
            discard(abi.GUEST_BASE + addr, length)
        else:
            self.mem.fill(abi.GUEST_BASE + addr, length, 0)

    def _remove(self, p0: int, n: int) -> None:
        self._notify_code(p0, n)
        self.mem.write(abi.PAGE_TABLE + p0, bytes(n))
        self.code[p0 : p0 + n] = bytes(n)
        self.prot[p0 : p0 + n] = bytes(n)
        self.mapped[p0 : p0 + n] = bytes(n)
        discard = self._discard
        if discard is not None and n >= 16:
            # Give the pages back to the host now (they read as zeros), instead of zero-filling
            # them when something is mapped there again.
            for first, count in page_runs(bytes(self.dirty[p0 : p0 + n]), p0):
                discard(abi.GUEST_BASE + (first << SHIFT), count << SHIFT)
            self.dirty[p0 : p0 + n] = bytes(n)
        for k in [k for k in self.names if p0 <= k < p0 + n]:
            del self.names[k]

    def map(
        self,
        addr: int,
        length: int,
        prot: int,
        *,
        fixed: bool,
        name: str = "",
        noreplace: bool = False,
    ) -> int:
        """Map zero-filled pages; returns the address.  Raises SyscallError(errno).

        Not fixed: ``addr`` is a hint, used if its pages are free, else the highest free area
        below the stack is taken.  ``noreplace`` (MAP_FIXED_NOREPLACE) fails with EEXIST
        instead of replacing existing pages.
        """
        if length <= 0:
            raise SyscallError(EINVAL)
        if length > abi.GUEST_SIZE:
            raise SyscallError(ENOMEM)
        prot &= PROT_MASK
        n = page_up(length) >> SHIFT
        if fixed or noreplace:
            if addr & (PAGE - 1):
                raise SyscallError(EINVAL)
            if addr < 0 or addr + (n << SHIFT) > abi.GUEST_SIZE:
                raise SyscallError(ENOMEM)
            if addr < MIN_ADDR:
                raise SyscallError(EPERM)
            p0 = addr >> SHIFT
            if not self._range_free(p0, n):
                if noreplace:
                    raise SyscallError(EEXIST)
                self._remove(p0, n)
        else:
            p0 = -1
            hint = page_down(addr)
            if MIN_ADDR <= hint and hint + (n << SHIFT) <= MMAP_TOP:
                if self._range_free(hint >> SHIFT, n):
                    p0 = hint >> SHIFT
            if p0 < 0:
                lo = max(MIN_ADDR, page_up(self.brk_cur)) >> SHIFT
                found = self._find_free(n, lo, MMAP_TOP >> SHIFT)
                if found is None:
                    found = self._find_free(n, MIN_ADDR >> SHIFT, MMAP_TOP >> SHIFT)
                if found is None:
                    raise SyscallError(ENOMEM)
                p0 = found
        self._install(p0, n, prot, name)
        return p0 << SHIFT

    def unmap(self, addr: int, length: int) -> None:
        """Remove mappings (unmapped pages in the range are fine).  Raises SyscallError."""
        if addr & (PAGE - 1) or length <= 0 or addr < 0:
            raise SyscallError(EINVAL)
        end = page_up(addr + length)
        if end > abi.GUEST_SIZE:
            raise SyscallError(EINVAL)
        p0 = addr >> SHIFT
        self._remove(p0, (end >> SHIFT) - p0)

    def protect(self, addr: int, length: int, prot: int) -> None:
        """Change R/W/X of mapped pages (keeps CODE).  Raises SyscallError."""
        if addr & (PAGE - 1) or length < 0 or addr < 0 or prot & ~(PROT_MASK | 0x03000000):
            raise SyscallError(EINVAL)
        if length == 0:
            return
        end = page_up(addr + length)
        if end > abi.GUEST_SIZE:
            raise SyscallError(ENOMEM)
        p0, n = addr >> SHIFT, (end >> SHIFT) - (addr >> SHIFT)
        if 0 in self.mapped[p0 : p0 + n]:
            raise SyscallError(ENOMEM)
        self._notify_code(p0, n)
        self._set_prot(p0, n, prot & PROT_MASK)

    def mremap(self, old: int, old_size: int, new_size: int, flags: int, new_addr: int = 0) -> int:
        """Resize/move a mapping; returns the new address.  Raises SyscallError."""
        if flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) or old & (PAGE - 1):
            raise SyscallError(EINVAL)
        if flags & MREMAP_FIXED and not flags & MREMAP_MAYMOVE:
            raise SyscallError(EINVAL)
        if new_size <= 0 or old_size < 0 or old < 0:
            raise SyscallError(EINVAL)
        if new_size > abi.GUEST_SIZE or old_size > abi.GUEST_SIZE:
            raise SyscallError(ENOMEM)
        old_n = page_up(old_size) >> SHIFT
        new_n = page_up(new_size) >> SHIFT
        p0 = old >> SHIFT
        if old_n == 0 or p0 + old_n > NPAGES or 0 in self.mapped[p0 : p0 + old_n]:
            raise SyscallError(EFAULT)
        prot = self.prot[p0]
        if flags & MREMAP_FIXED:
            if new_addr & (PAGE - 1):
                raise SyscallError(EINVAL)
            q0 = new_addr >> SHIFT
            if new_addr < MIN_ADDR or q0 + new_n > NPAGES:
                raise SyscallError(EINVAL)
            if q0 < p0 + old_n and p0 < q0 + new_n:
                raise SyscallError(EINVAL)
            return self._move(p0, old_n, new_n, prot, q0)
        if new_n <= old_n:
            if new_n < old_n:
                self._remove(p0 + new_n, old_n - new_n)
            return old
        if p0 + new_n <= (STACK_TOP >> SHIFT) and self._range_free(p0 + old_n, new_n - old_n):
            self._install(p0 + old_n, new_n - old_n, prot, "")
            return old
        if not flags & MREMAP_MAYMOVE:
            raise SyscallError(ENOMEM)
        found = self._find_free(new_n, MIN_ADDR >> SHIFT, MMAP_TOP >> SHIFT)
        if found is None:
            raise SyscallError(ENOMEM)
        return self._move(p0, old_n, new_n, prot, found)

    def _move(self, p0: int, old_n: int, new_n: int, prot: int, q0: int) -> int:
        keep = min(old_n, new_n) << SHIFT
        data = self.mem.read(abi.GUEST_BASE + (p0 << SHIFT), keep)
        if not self._range_free(q0, new_n):
            self._remove(q0, new_n)
        self._install(q0, new_n, prot, "")
        self.mem.write(abi.GUEST_BASE + (q0 << SHIFT), data)
        self._remove(p0, old_n)
        return q0 << SHIFT

    # errno-returning variants for syscalls

    def do_map(
        self, addr: int, length: int, prot: int, *, fixed: bool, noreplace: bool = False
    ) -> int:
        try:
            return self.map(addr, length, prot, fixed=fixed, noreplace=noreplace)
        except SyscallError as e:
            return -e.errno

    def do_unmap(self, addr: int, length: int) -> int:
        try:
            self.unmap(addr, length)
        except SyscallError as e:
            return -e.errno
        return 0

    def do_protect(self, addr: int, length: int, prot: int) -> int:
        try:
            self.protect(addr, length, prot)
        except SyscallError as e:
            return -e.errno
        return 0

    def do_mremap(self, old: int, old_size: int, new_size: int, flags: int, new_addr: int) -> int:
        try:
            return self.mremap(old, old_size, new_size, flags, new_addr)
        except SyscallError as e:
            return -e.errno

    # --- brk ------------------------------------------------------------------------------------

    def set_brk_start(self, addr: int) -> None:
        """Start the heap at ``addr`` (rounded up to a page), normally the end of the ELF image."""
        self.brk_start = self.brk_cur = page_up(max(addr, MIN_ADDR))

    def brk(self, new: int) -> int:
        """The brk syscall: returns the new break, or the current one when it cannot move."""
        cur = self.brk_cur
        if new < self.brk_start or new > self.brk_limit:
            return cur
        old_end, new_end = page_up(cur), page_up(new)
        if new_end > old_end:
            p0, n = old_end >> SHIFT, (new_end - old_end) >> SHIFT
            if not self._range_free(p0, n):
                return cur
            self._install(p0, n, R | W, "[heap]")
        elif new_end < old_end:
            self._remove(new_end >> SHIFT, (old_end - new_end) >> SHIFT)
        self.brk_cur = new
        return new

    # --- access ---------------------------------------------------------------------------------

    def _check(self, g: int, n: int, table: bytes) -> None:
        if g < 0 or n < 0 or g + n > abi.GUEST_SIZE:
            raise GuestFault(g)
        p0, p1 = g >> SHIFT, (g + n - 1) >> SHIFT
        ok = self.prot[p0 : p1 + 1].translate(table)
        bad = ok.find(0)
        if bad >= 0:
            raise GuestFault(max(g, (p0 + bad) << SHIFT))

    def readable(self, g: int, n: int) -> bool:
        try:
            self._check(g, max(n, 1), _HAS_R)
        except GuestFault:
            return False
        return True

    def writable(self, g: int, n: int) -> bool:
        try:
            self._check(g, max(n, 1), _HAS_W)
        except GuestFault:
            return False
        return True

    def read(self, g: int, n: int) -> bytes:
        """Read guest memory that the guest may read; raises GuestFault."""
        if n == 0:
            return b""
        self._check(g, n, _HAS_R)
        return self.mem.read(abi.GUEST_BASE + g, n)

    def write(self, g: int, data: bytes | bytearray | memoryview) -> None:
        """Write guest memory that the guest may write; raises GuestFault."""
        n = len(data)
        if n == 0:
            return
        self._check(g, n, _HAS_W)
        self.mem.write(abi.GUEST_BASE + g, data)
        p0 = g >> SHIFT
        self._notify_code(p0, ((g + n - 1) >> SHIFT) - p0 + 1)

    def load_write(self, g: int, data: bytes | bytearray | memoryview) -> None:
        """Write into mapped pages whatever their protection (the ELF loader)."""
        n = len(data)
        if n == 0:
            return
        if g < 0 or g + n > abi.GUEST_SIZE:
            raise GuestFault(g)
        p0, p1 = g >> SHIFT, (g + n - 1) >> SHIFT
        bad = self.mapped.find(0, p0, p1 + 1)
        if bad >= 0:
            raise GuestFault(max(g, bad << SHIFT))
        self.mem.write(abi.GUEST_BASE + g, data)
        self.dirty[p0 : p1 + 1] = b"\x01" * (p1 - p0 + 1)
        self._notify_code(p0, p1 - p0 + 1)

    def read_cstr(self, g: int, max_len: int = 4096) -> bytes:
        """A NUL-terminated string (without the NUL).  GuestFault if unreadable; SyscallError
        (ENAMETOOLONG) if no NUL within ``max_len`` bytes."""
        from .errors import ENAMETOOLONG

        out = bytearray()
        while True:
            chunk = PAGE - (g & (PAGE - 1))
            chunk = min(chunk, max_len + 1 - len(out))
            data = self.read(g, chunk)
            i = data.find(0)
            if i >= 0:
                out += data[:i]
                return bytes(out)
            out += data
            g += chunk
            if len(out) > max_len:
                raise SyscallError(ENAMETOOLONG)

    def read_u64(self, g: int) -> int:
        return int(struct.unpack("<Q", self.read(g, 8))[0])

    def write_u64(self, g: int, value: int) -> None:
        self.write(g, struct.pack("<Q", value & 0xFFFFFFFFFFFFFFFF))

    def read_u32(self, g: int) -> int:
        return int(struct.unpack("<I", self.read(g, 4))[0])

    def write_u32(self, g: int, value: int) -> None:
        self.write(g, struct.pack("<I", value & 0xFFFFFFFF))

    def mappings(self) -> list[tuple[int, int, int]]:
        """(start, end, prot) of each run of mapped pages with equal protection."""
        out: list[tuple[int, int, int]] = []
        p = self.mapped.find(1)
        while 0 <= p < NPAGES:
            prot = self.prot[p]
            q = p + 1
            while q < NPAGES and self.mapped[q] and self.prot[q] == prot:
                q += 1
            out.append((p << SHIFT, q << SHIFT, prot))
            p = self.mapped.find(1, q)
        return out


def copy_memory(src: RawMemory, dst: RawMemory, offset: int, size: int) -> None:
    """Copy [offset, offset + size) of one Wasm memory to the same place in another (fork); a
    host memory may offer ``copy_to(dst, offset, size)`` (memory.CopiesTo) to do it without
    going through Python."""
    if isinstance(src, CopiesTo) and src.copy_to(dst, offset, size):
        return
    chunk = 1 << 20
    end = offset + size
    while offset < end:
        n = min(chunk, end - offset)
        data = src.read(offset, n)
        if data.count(0) != n:  # untouched pages stay untouched in the copy
            dst.write(offset, data)
        offset += n
