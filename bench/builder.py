#!/usr/bin/env python3
"""Wasm builder throughput (py_backend/wasm/builder.py), against a peer measured in the same run.

Two figures, best of --repeat:

- ops/s: one function of 10,000 TB-like ops (register loads, arithmetic, a memory access, a
  write-back), built and serialized with `to_bytes()`;
- modules/s: 2,000 TB-sized modules (imports, one 100-op function, an elem segment).

The peer is about the cheapest encoder Python allows: the same ops' bytes appended to a
bytearray, with every LEB128 immediate cached. "x peer" is the builder's time over the peer's for
the same ops, so that a run on another machine can be compared (it replaces a unit test that
asserted a floor on ops/s).

    python3 bench/builder.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from py_backend.wasm.builder import FunctionBuilder, ModuleBuilder, ValType

GROUP_OPS = 10  # ops per group of _emit_mixed


def _emit_mixed(fb: FunctionBuilder, n_groups: int) -> int:
    """A TB-like mix (register loads, arithmetic, a memory access, a write-back); 10 ops/group."""
    regs = [fb.add_local(ValType.I64) for _ in range(31)]
    for i in range(n_groups):
        a = regs[i % 31]
        b = regs[(i * 7) % 31]
        fb.local_get(a)
        fb.i64_const(i * 8 - 2048)
        fb.i64_add()
        fb.i32_wrap_i64()
        fb.i64_load(offset=0x1000_0000)
        fb.local_get(b)
        fb.i64_xor()
        fb.local_set(b)
        fb.i32_const(i)
        fb.drop()
    return n_groups * GROUP_OPS


@functools.cache
def _leb_u(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


@functools.cache
def _leb_s(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        done = (n == 0 and not b & 0x40) or (n == -1 and b & 0x40)
        out.append(b | (0 if done else 0x80))
        if done:
            return bytes(out)


def _emit_raw(n_groups: int) -> bytes:
    """The peer: the same 10 ops a group, encoded by hand into one bytearray."""
    body = bytearray()
    load = b"\x29\x03" + _leb_u(0x1000_0000)  # i64.load align=8 offset
    for i in range(n_groups):
        a = i % 31
        b = (i * 7) % 31
        body += b"\x20" + _leb_u(a)
        body += b"\x42" + _leb_s(i * 8 - 2048)
        body += b"\x7c\xa7"  # i64.add, i32.wrap_i64
        body += load
        body += b"\x20" + _leb_u(b)
        body += b"\x85"  # i64.xor
        body += b"\x21" + _leb_u(b)
        body += b"\x41" + _leb_s(i)
        body += b"\x1a"  # drop
    return bytes(body)


def _best(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def one_function(total_ops: int, repeat: int) -> tuple[float, float]:
    """(builder seconds, peer seconds), best of `repeat`, for one function of `total_ops` ops."""

    def build() -> None:
        m = ModuleBuilder()
        m.import_memory("env", "mem", 1)
        fb = m.function(m.func_type([], []))
        _emit_mixed(fb, total_ops // GROUP_OPS)
        m.to_bytes()

    return _best(build, repeat), _best(lambda: _emit_raw(total_ops // GROUP_OPS), repeat)


def small_modules(n_modules: int, ops: int, repeat: int) -> tuple[float, float]:
    """(builder seconds, peer seconds), best of `repeat`, for `n_modules` TB-sized modules."""

    def build() -> None:
        for i in range(n_modules):
            m = ModuleBuilder()
            m.import_memory("env", "mem", 1)
            table = m.import_table("env", "table", 1)
            fb = m.function(m.func_type([], [ValType.I32]))
            _emit_mixed(fb, ops // GROUP_OPS)
            fb.i32_const(0)
            m.elem_active(table, i, [fb.index])
            m.to_bytes()

    def peer() -> None:
        for _ in range(n_modules):
            _emit_raw(ops // GROUP_OPS)

    return _best(build, repeat), _best(peer, repeat)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20, help="best of this many runs (default 20)")
    args = ap.parse_args()
    ops = 10_000
    built, raw = one_function(ops, args.repeat)
    print(f"{ops / built:,.0f} ops/s (10k mixed ops, build + to_bytes), {built / raw:.1f}x peer")
    n = 2000
    built, raw = small_modules(n, 100, max(1, args.repeat // 5))
    print(f"{n / built:,.0f} modules/s (100-op TB modules), {built / raw:.1f}x peer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
