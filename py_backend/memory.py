"""Raw access to the Wasm linear memory that every host provides.

The native host wraps a wasmtime ``Memory`` (zero-copy through its data pointer), the browser and
Node hosts wrap a ``WebAssembly.Memory`` through Pyodide's FFI, and tests use an anonymous mmap.
Offsets are Wasm addresses (see :mod:`py_backend.abi`), not guest addresses.
"""

from __future__ import annotations

import functools
import mmap
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from . import abi


def page_runs(flags: bytes | bytearray, base: int = 0) -> list[tuple[int, int]]:
    """(first page, page count) of each run of nonzero bytes in ``flags`` (a byte per page: the
    address space's mapped or dirty maps), page numbers offset by ``base``."""
    out: list[tuple[int, int]] = []
    i, n = 0, len(flags)
    while i < n:
        i = flags.find(1, i)
        if i < 0:
            break
        j = flags.find(0, i)
        if j < 0:
            j = n
        out.append((base + i, j - i))
        i = j
    return out


class RawMemory(Protocol):
    def read(self, offset: int, size: int) -> bytes: ...

    def write(self, offset: int, data: bytes | bytearray | memoryview) -> None: ...

    def fill(self, offset: int, size: int, value: int = 0) -> None: ...


# Optional capabilities a host's memory may have besides RawMemory (checked with isinstance).


@runtime_checkable
class Discardable(Protocol):
    """Zeroes a range and may hand its host pages back to the OS (BufferMemory: madvise)."""

    def discard(self, offset: int, size: int) -> None: ...


@runtime_checkable
class CopiesTo(Protocol):
    """Copies a range into the same place of another memory of its kind without going through
    Python (fork); False when ``dst`` is not one."""

    def copy_to(self, dst: object, offset: int, size: int) -> bool: ...


@runtime_checkable
class ZeroesPages(Protocol):
    """Zeroes whole guest pages, writing only those that are not zero already (the JS host)."""

    def zero_pages(self, offset: int, size: int) -> None: ...


@runtime_checkable
class GuestDirtyMap(Protocol):
    """A memory reused by several runs keeps linux.mm's map of the guest pages an earlier
    guest may have left data in (one byte per page), so that the next one gets zeros."""

    guest_dirty: bytearray


class BufferMemory:
    """RawMemory over any writable buffer (an mmap, a ctypes array, a bytearray).

    ``address`` (the buffer's host address, when known) lets `discard` hand pages back to the
    OS with madvise(MADV_DONTNEED): they read as zeros again and stop counting in the RSS."""

    def __init__(self, buf: memoryview | mmap.mmap | bytearray, address: int | None = None) -> None:
        self.view = memoryview(buf).cast("B")
        self.address = address

    def read(self, offset: int, size: int) -> bytes:
        return bytes(self.view[offset : offset + size])

    def write(self, offset: int, data: bytes | bytearray | memoryview) -> None:
        self.view[offset : offset + len(data)] = data

    def fill(self, offset: int, size: int, value: int = 0) -> None:
        if size <= 0:
            return
        if self.address is not None:
            import ctypes

            ctypes.memset(self.address + offset, value, size)
            return
        chunk = _ZEROS if value == 0 else bytes([value]) * min(size, 1 << 20)
        end = offset + size
        while offset < end:
            n = min(len(chunk), end - offset)
            self.view[offset : offset + n] = chunk[:n]
            offset += n

    def copy_to(self, dst: object, offset: int, size: int) -> bool:
        """Copy [offset, offset + size) into the same place of another BufferMemory (fork).
        With host addresses, 64 KiB blocks that are all zeros are skipped: the destination is
        fresh, and not touching its pages keeps them unallocated (a stack mapping is mostly
        never written)."""
        if not isinstance(dst, BufferMemory):
            return False
        cmp = _memcmp()
        if cmp is None or self.address is None or dst.address is None:
            dst.view[offset : offset + size] = self.view[offset : offset + size]
            return True
        memcmp, zeros = cmp
        end = offset + size
        block = len(_ZEROS)
        run = offset  # start of the pending run of non-zero blocks
        pos = offset
        while pos < end:
            n = min(block, end - pos)
            if memcmp(self.address + pos, zeros, n) == 0:
                if run < pos:
                    dst.view[run:pos] = self.view[run:pos]
                run = pos + n
            pos += n
        if run < end:
            dst.view[run:end] = self.view[run:end]
        return True

    def discard(self, offset: int, size: int) -> None:
        """Zero [offset, offset + size), releasing whole host pages where possible."""
        page = mmap.PAGESIZE
        start = -(-offset // page) * page
        end = (offset + size) // page * page
        madvise = _madvise() if end > start else None
        if self.address is not None and madvise is not None:
            if madvise(self.address + start, end - start, _MADV_DONTNEED) == 0:
                self.fill(offset, start - offset)
                self.fill(end, offset + size - end)
                return
        self.fill(offset, size)


_MADV_DONTNEED = 4
_ZEROS = bytes(1 << 16)


@functools.cache
def _libc() -> Any:
    """The C library through ctypes, loaded once (None without ctypes or libc: Pyodide).

    dlopen(NULL) finds it among the process's own symbols; ctypes.util.find_library would run
    ldconfig in a subprocess (~15 ms of every start)."""
    try:
        import ctypes

        try:
            lib = ctypes.CDLL(None, use_errno=True)
            lib.madvise  # noqa: B018  (a process without libc's symbols: look it up)
        except (OSError, TypeError, AttributeError):
            import ctypes.util

            lib = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        return lib
    except (ImportError, OSError, AttributeError):
        return None


def _libc_function(name: str, *argtypes: Any) -> Callable[..., int] | None:
    """libc's function `name` returning a C int, with these argument types (None without libc)."""
    libc = _libc()
    if libc is None:
        return None
    import ctypes

    fn = getattr(libc, name)
    fn.argtypes = argtypes
    fn.restype = ctypes.c_int
    return fn  # type: ignore[no-any-return]


@functools.cache
def _memcmp() -> tuple[Callable[[int, int, int], int], int] | None:
    """libc's memcmp and the address of a 64 KiB block of zeros (None without ctypes/libc)."""
    import ctypes

    fn = _libc_function("memcmp", ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
    if fn is None:
        return None
    _ZERO_BLOCK.append((ctypes.c_ubyte * len(_ZEROS))())  # kept alive for the address
    return fn, ctypes.addressof(_ZERO_BLOCK[0])


_ZERO_BLOCK: list[Any] = []


@functools.cache
def _madvise() -> Callable[[int, int, int], int] | None:
    """libc's madvise, looked up on the first discard (None without libc: zero-filling it is)."""
    import ctypes

    return _libc_function("madvise", ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)


def anonymous_memory(size: int = abi.MEMORY_BYTES) -> BufferMemory:
    """A zero-filled memory the size of the Wasm memory, paged in lazily by the OS."""
    return BufferMemory(mmap.mmap(-1, size))
