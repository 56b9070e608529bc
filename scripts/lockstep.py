"""Run a guest in two tiers side by side, one instruction per slice, and report the first
instruction after which their registers differ (a debugging aid for tier 0 and the JIT).

    python scripts/lockstep.py [--tiers interp,jit] [--limit N] PROG [ARGS...]
"""

from __future__ import annotations

import argparse
import io
import os
import struct
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from py_backend import abi
from py_backend.host.native import NativeHost
from py_backend.machine import Machine

os.urandom = lambda n: bytes(n)  # type: ignore[assignment]  # AT_RANDOM, getrandom: the same in both


class _Sink(io.RawIOBase):
    def write(self, b: bytes) -> int:  # type: ignore[override]
        return len(b)


_last: dict = {}
_BUDGET = int(os.environ.get("LOCKSTEP_BUDGET", "1"))


def _stepper(tier: str, program: bytes, argv: list[str], watch: int | None):  # type: ignore[no-untyped-def]
    host = NativeHost()
    m = Machine(
        host.raw,
        program,
        argv,
        None,
        stdin=io.BytesIO(b""),
        stdout=_Sink(),
        stderr=_Sink(),
        budget=_BUDGET,
        max_block_insns=1,
        batch=1,
        tier=tier,
    )
    action = m.start()
    while action.kind == "run":
        host._install_first(action)
        reason = host._run(host.store, action.tb)
        action = m.service(reason)
        if reason in (abi.ExitReason.BUDGET, abi.ExitReason.CHAIN, abi.ExitReason.LOOKUP):
            regs = struct.unpack("<32Q", host.raw.read(abi.CPU_X, 32 * 8))
            if watch is not None:
                regs = (*regs, host.raw.read(abi.GUEST_BASE + watch, 8))
            _last[tier] = (host, m)
            fregs = struct.unpack("<32Q", host.raw.read(abi.CPU_F, 256))
            yield m.guest_insns, (m.cpu.get_pc(), regs[1:32], fregs)
    yield 1 << 62, (None, action.status, action.message)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--tiers", default="interp,jit")
    p.add_argument("--limit", type=int, default=10_000_000)
    p.add_argument("--watch", help="guest address whose 8 bytes are compared at every step")
    p.add_argument("program")
    p.add_argument("args", nargs="*")
    a = p.parse_args()
    program = Path(a.program).read_bytes()
    t1, t2 = a.tiers.split(",")
    watch = int(a.watch, 0) if a.watch else None
    s1 = _stepper(t1, program, [a.program, *a.args], watch)
    s2 = _stepper(t2, program, [a.program, *a.args], watch)
    prev = None
    n = 0
    (n1, x), (n2, y) = next(s1), next(s2)
    while True:
        if n1 < n2:
            n1, x = next(s1)
            continue
        if n2 < n1:
            n2, y = next(s2)
            continue
        n = n1
        if x != y:
            print(f"step {n}: after pc={prev and hex(prev[0])}")
            print(f"  {t1}: pc={x[0] and hex(x[0])}")
            print(f"  {t2}: pc={y[0] and hex(y[0])}")
            if x[0] is not None and y[0] is not None:
                for r in range(31):
                    if x[1][r] != y[1][r]:
                        print(f"  x{r + 1}: {x[1][r]:#x} vs {y[1][r]:#x}")
                for r in range(32):
                    if x[2][r] != y[2][r]:
                        print(f"  f{r}: {x[2][r]:#x} vs {y[2][r]:#x}")
                if len(x[1]) > 31:
                    print(f"  watch: {x[1][31].hex()} vs {y[1][31].hex()}")
                (h1, m1), (h2, _m2) = _last[t1], _last[t2]
                mapped = m1.aspace.mapped
                for page in range(len(mapped)):
                    if mapped[page]:
                        off = abi.GUEST_BASE + (page << abi.PAGE_SHIFT)
                        b1 = h1.raw.read(off, abi.PAGE_SIZE)
                        b2 = h2.raw.read(off, abi.PAGE_SIZE)
                        if b1 != b2:
                            k = next(i for i in range(len(b1)) if b1[i] != b2[i])
                            print(f"  memory differs from {(page << abi.PAGE_SHIFT) + k:#x}")
            else:
                print(f"  {x[1:]} vs {y[1:]}")
            return 1
        prev = x
        if n >= a.limit or x[0] is None:
            break
        (n1, x), (n2, y) = next(s1), next(s2)
    print(f"same for {n} steps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
