"""Raw access to the Wasm linear memory that every host provides.

The native host wraps a wasmtime ``Memory`` (zero-copy through its data pointer), the browser and
Node hosts wrap a ``WebAssembly.Memory`` through Pyodide's FFI, and tests use an anonymous mmap.
Offsets are Wasm addresses (see :mod:`py_backend.abi`), not guest addresses.
"""

from __future__ import annotations

import mmap
import struct
from typing import Protocol

from . import abi


class RawMemory(Protocol):
    def read(self, offset: int, size: int) -> bytes: ...

    def write(self, offset: int, data: bytes | bytearray | memoryview) -> None: ...

    def fill(self, offset: int, size: int, value: int = 0) -> None: ...


class BufferMemory:
    """RawMemory over any writable buffer (an mmap, a ctypes array, a bytearray)."""

    def __init__(self, buf: memoryview | mmap.mmap | bytearray) -> None:
        self.view = memoryview(buf).cast("B")

    def read(self, offset: int, size: int) -> bytes:
        return bytes(self.view[offset : offset + size])

    def write(self, offset: int, data: bytes | bytearray | memoryview) -> None:
        self.view[offset : offset + len(data)] = data

    def fill(self, offset: int, size: int, value: int = 0) -> None:
        if value == 0 and size >= 1 << 16 and isinstance(self.view.obj, mmap.mmap):
            # madvise would be nicer; plain slicing of a zero block is fast enough
            pass
        chunk = bytes([value]) * min(size, 1 << 20)
        end = offset + size
        while offset < end:
            n = min(len(chunk), end - offset)
            self.view[offset : offset + n] = chunk[:n]
            offset += n


def anonymous_memory(size: int = abi.MEMORY_BYTES) -> BufferMemory:
    """A zero-filled memory the size of the Wasm memory, paged in lazily by the OS."""
    return BufferMemory(mmap.mmap(-1, size))


def read_u32(mem: RawMemory, offset: int) -> int:
    return struct.unpack("<I", mem.read(offset, 4))[0]


def read_u64(mem: RawMemory, offset: int) -> int:
    return struct.unpack("<Q", mem.read(offset, 8))[0]


def write_u32(mem: RawMemory, offset: int, value: int) -> None:
    mem.write(offset, struct.pack("<I", value & 0xFFFFFFFF))


def write_u64(mem: RawMemory, offset: int, value: int) -> None:
    mem.write(offset, struct.pack("<Q", value & 0xFFFFFFFFFFFFFFFF))
