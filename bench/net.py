#!/usr/bin/env python3
"""Download speed of a guest on the native CLI (`tbwasm run --net-allow 127.0.0.1`) against
`curl` on the host, both fetching the same file from a local HTTP server on 127.0.0.1.

    python bench/net.py [--mb 50] [--repeat 3] [--client wget|python3] [--tier T]

The guest is busybox `wget -O /dev/null` (guests/bin/busybox, static) or, with --client
python3, the root filesystem's python3 reading with urllib into nothing. Prints MB/s of each
(best of --repeat) and the ratio; the guest's time includes tbwasm's start, so it is also
given minus the time of the same command fetching 1,000 bytes.
"""

from __future__ import annotations

import argparse
import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUSYBOX = REPO / "guests" / "bin" / "busybox"
ROOTFS = REPO / "static" / "rootfs"


def serve(size: int) -> tuple[http.server.ThreadingHTTPServer, int]:
    block = bytes(range(256)) * 4096  # 1 MiB

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self) -> None:
            n_bytes = 1000 if self.path == "/small" else size
            self.send_response(200)
            self.send_header("Content-Length", str(n_bytes))
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            left = n_bytes
            while left > 0:
                n = min(left, len(block))
                self.wfile.write(block[:n])
                left -= n

        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_address[1]


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, env=env, check=False, cwd=REPO)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(
            f"bench/net.py: {' '.join(cmd[:6])}... failed ({r.returncode}): "
            f"{r.stderr.decode(errors='replace').strip()[-300:]}"
        )
    return dt


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--mb", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--client", choices=("wget", "python3"), default="wget")
    ap.add_argument("--tier", default=None)
    args = ap.parse_args()
    if shutil.which("curl") is None:
        sys.exit("bench/net.py: curl not found (apt-get install curl)")
    size = args.mb * 1_000_000
    srv, port = serve(size)
    url = f"http://127.0.0.1:{port}/data"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    if args.tier:
        env["TBWASM_TIER"] = args.tier
    tb = [sys.executable, "-m", "py_backend.cli", "run", "--net-allow", "127.0.0.1"]

    def guest(url: str, n: int) -> list[str]:
        if args.client == "wget":
            return [*tb, str(BUSYBOX), "wget", "-q", "-O", "/dev/null", url]
        code = (
            f"import urllib.request as u\nr = u.urlopen({url!r})\nn = 0\n"
            f"while b := r.read(1 << 16): n += len(b)\nassert n == {n}, n\n"
        )
        return [*tb, "--rootfs", str(ROOTFS), "/usr/bin/python3", "-c", code]

    # the same command fetching 1,000 bytes: start-up, loading and the connection
    small = f"http://127.0.0.1:{port}/small"
    startup = min(timed(guest(small, 1000), env) for _ in range(args.repeat))
    curl = min(timed(["curl", "-s", "-o", "/dev/null", url]) for _ in range(args.repeat))
    gt = min(timed(guest(url, size), env) for _ in range(args.repeat))
    srv.shutdown()
    mb = size / 1e6
    print(f"{args.mb} MB from a local HTTP server, best of {args.repeat}")
    print(f"{'client':34} {'s':>7} {'MB/s':>8}")
    print(f"{'curl (host)':34} {curl:7.2f} {mb / curl:8.1f}")
    name = f"tbwasm {args.client}" + (f" ({args.tier})" if args.tier else "")
    print(f"{name:34} {gt:7.2f} {mb / gt:8.1f}")
    transfer = gt - startup
    if transfer <= 0:
        print(f"{name + ' minus start-up':34} (the 1,000-byte fetch took {startup:.2f} s: noise)")
        print(f"ratio curl/tbwasm: {gt / curl:.1f}x slower")
        return 0
    print(
        f"{name + ' minus start-up':34} {transfer:7.2f} {mb / transfer:8.1f}"
        f"   (the same fetch of 1,000 bytes: {startup:.2f} s)"
    )
    print(f"ratio curl/tbwasm: {gt / curl:.1f}x slower ({transfer / curl:.1f}x without start-up)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
