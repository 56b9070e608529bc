#!/usr/bin/env python3
"""Save/restore figures (py_backend/state.py): a python3 REPL of the root filesystem image
(static/rootfs, scripts/fetch-rootfs.sh) on a terminal, saved at its first ``>>>`` prompt.

Reports the state's size (compressed, as saved), the time to save it, the time to restore it
into a fresh native host, and the time from the restore to the answer of the first input typed
into the restored REPL (``print(6*7)`` -> ``42``).  Best of --repeat.

    python bench/state.py [--rootfs static/rootfs] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from py_backend import state  # noqa: E402
from py_backend.host.native import NativeHost  # noqa: E402
from py_backend.linux.rootfs import Rootfs  # noqa: E402
from py_backend.machine import Machine  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
from doubles import Sink as Screen  # noqa: E402  (the terminal: what the guest wrote)


class Keys:
    """The terminal's host input: what the bench types."""

    def __init__(self) -> None:
        self.queue = bytearray()

    def read(self, n: int) -> bytes:
        out, self.queue = bytes(self.queue[:n]), self.queue[n:]
        return out

    def poll(self, timeout: float | None) -> bytes | None:
        if self.queue:
            return self.read(4096)
        time.sleep(min(timeout or 0.0, 0.01))
        return None


def run_until(
    host: NativeHost, machine: Machine, screen: Screen, marker: bytes, since: int
) -> None:
    def check() -> bool:
        return marker not in screen.data[since:]

    action = host.run(machine, check)
    if action.kind != "exit" or action.status != 130:
        sys.exit(f"bench/state: the REPL ended ({action.status}): {bytes(screen.data[-300:])!r}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rootfs", default=str(ROOT / "static" / "rootfs"))
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    rootfs = Rootfs.from_dir(args.rootfs)
    screen, keys = Screen(), Keys()
    ext = {"screen": screen, "keys": keys}
    host = NativeHost()
    t0 = time.perf_counter()
    m = Machine(
        host.raw, rootfs.read_file("/usr/bin/python3"), ["/usr/bin/python3"],
        ["PATH=/usr/bin:/bin", "HOME=/root", "TERM=xterm", "LANG=C.UTF-8"],
        stdin=keys, stdout=screen, stderr=screen, terminal=(24, 80), rootfs=rootfs,
    )  # fmt: skip
    m.system.idle_slice = 0.05
    run_until(host, m, screen, b">>> ", 0)
    start_s = time.perf_counter() - t0
    best_save = best_restore = best_answer = float("inf")
    blob = b""
    for _ in range(args.repeat):
        t = time.perf_counter()
        blob = state.save(m.system, ext)
        best_save = min(best_save, time.perf_counter() - t)
    for _ in range(args.repeat):
        host2 = NativeHost()
        t = time.perf_counter()
        system = state.restore(blob, (0, host2.raw), host2, ext)
        restored = time.perf_counter() - t
        since = len(screen.data)
        keys.queue += b"print(6*7)\r"
        run_until(host2, system.init, screen, b"42\r\n", since)
        best_restore = min(best_restore, restored)
        best_answer = min(best_answer, time.perf_counter() - t)
    print(f"python3 REPL from the rootfs image: first prompt after {start_s:.2f} s")
    print(
        f"state: {len(blob) / 1e6:.2f} MB compressed ({len(blob)} bytes); "
        f"save {best_save * 1e3:.0f} ms"
    )
    print(
        f"restore {best_restore * 1e3:.0f} ms; restore to the answer of the first input "
        f"({'print(6*7)'}): {best_answer * 1e3:.0f} ms (best of {args.repeat})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
