"""System calls on the address space: brk, mmap, munmap, mprotect, mremap, madvise, and the
cache and barrier calls (riscv_flush_icache, membarrier)."""

from __future__ import annotations

from .. import abi
from . import errors as E
from .base import LinuxBase
from .dispatch import syscall_nr
from .mm import PAGE, page_up
from .sysnr import Nr
from .vfs import (
    Device,
    Dir,
    File,
    HostFile,
)

MAP_SHARED = 1
MAP_PRIVATE = 2
MAP_SHARED_VALIDATE = 3
MAP_FIXED = 0x10
MAP_ANONYMOUS = 0x20
MAP_FIXED_NOREPLACE = 0x100000


class MemoryCalls(LinuxBase):
    """The memory calls."""

    @syscall_nr(Nr.brk)
    def sys_brk(self, addr: int, *_: int) -> int:
        return self.aspace.brk(addr)

    @syscall_nr(Nr.mmap)
    def sys_mmap(self, addr: int, length: int, prot: int, flags: int, fd: int, off: int) -> int:
        kind = flags & 3
        if kind == 0 or length == 0:
            return -E.EINVAL
        if off & (PAGE - 1):
            return -E.EINVAL
        if prot & ~7 and prot & ~(7 | 0x03000000):
            return -E.EINVAL
        fixed = bool(flags & MAP_FIXED)
        noreplace = bool(flags & MAP_FIXED_NOREPLACE) and not fixed
        of = None
        if not flags & MAP_ANONYMOUS:
            of = self._file(fd)
            node = of.node
            if not isinstance(node, File | HostFile | Device):
                return -E.ENODEV if isinstance(node, Dir) else -E.EACCES
            if not of.readable:
                return -E.EACCES
            if kind != MAP_PRIVATE and prot & 2 and not of.writable:
                return -E.EACCES
        if length > (1 << 62):
            return -E.ENOMEM
        r = self.aspace.do_map(addr, length, prot, fixed=fixed, noreplace=noreplace)
        if r < 0 or of is None:
            return r
        if isinstance(of.node, File | HostFile):
            data = of.node.read_at(off, page_up(length))
            self.aspace.load_write(r, data)
        return r

    @syscall_nr(Nr.munmap)
    def sys_munmap(self, addr: int, length: int, *_: int) -> int:
        return self.aspace.do_unmap(addr, length)

    @syscall_nr(Nr.mprotect)
    def sys_mprotect(self, addr: int, length: int, prot: int, *_: int) -> int:
        return self.aspace.do_protect(addr, length, prot)

    @syscall_nr(Nr.mremap)
    def sys_mremap(
        self, old: int, old_size: int, new_size: int, flags: int, new: int, *_: int
    ) -> int:
        return self.aspace.do_mremap(old, old_size, new_size, flags, new)

    @syscall_nr(Nr.madvise)
    def sys_madvise(self, addr: int, length: int, advice: int, *_: int) -> int:
        if addr & (PAGE - 1):
            return -E.EINVAL
        if advice not in range(0, 26) and advice != 100:
            return -E.EINVAL
        end = page_up(addr + length)
        if end > self.aspace.brk_limit + (64 << 20) and end > (1 << 30):
            return -E.ENOMEM
        if end > addr and (
            end > abi.GUEST_SIZE or self.aspace.mapped.find(0, addr >> 12, end >> 12) >= 0
        ):
            return -E.ENOMEM
        if advice == 4:  # MADV_DONTNEED: private anonymous pages read back as zeros
            self.aspace.zero(addr, end - addr)
        return 0

    @syscall_nr(Nr.riscv_flush_icache)
    def sys_riscv_flush_icache(self, start: int, end: int, flags: int, *_: int) -> int:
        if flags & ~1:
            return -E.EINVAL
        return 0  # coherent already: a store to code invalidates its translations

    @syscall_nr(Nr.membarrier)
    def sys_membarrier(self, *_: int) -> int:
        return -E.ENOSYS
