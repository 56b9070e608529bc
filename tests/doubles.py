"""Test doubles for a guest's standard streams, shared by every suite (importable as `doubles`,
like `helpers`: tests/conftest.py puts tests/ on sys.path).

A `Machine` or a `Linux` takes a host stdin with `read(n) -> bytes` and a stdout/stderr with
`write(data)`; these are the three stand-ins the tests need:

- `Sink`: a writer that keeps what it is given in `data`;
- `NoInput`: a reader at end of file;
- `Source`: a reader that hands out the bytes it was made with, then end of file.
"""

from __future__ import annotations


class Sink:
    """A stdout/stderr that keeps everything written to it."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> None:
        self.data += data


class NoInput:
    """A stdin at end of file."""

    def read(self, n: int) -> bytes:
        return b""


class Source:
    """A stdin that yields `data` (at most `n` bytes a read), then end of file."""

    def __init__(self, data: bytes = b"") -> None:
        self.data = bytes(data)

    def read(self, n: int) -> bytes:
        out, self.data = self.data[:n], self.data[n:]
        return out
