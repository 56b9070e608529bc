#!/usr/bin/env python3
"""Transfer speed of a guest's TCP download (guests/bin/netfetch.elf -q: one HTTP GET, recv in
64 KiB reads until EOF, the bytes not looked at) from a server on 127.0.0.1, against curl on the
host in the same run.

    python bench/net_relay.py [--mb 50] [--runs node,page,cli,qemu,client] [--repeat 1]

runs:
  curl    curl -o /dev/null on the host (the reference of every ratio)
  qemu    the guest under qemu-riscv64 (the host's sockets)
  cli     `python -m py_backend.cli run --net --net-allow ...` (the native CLI, host sockets)
  client  web/runtime/net.mjs alone in Node through the relay, no guest (tests/node/net_client.mjs)
  node    `node web/node/cli.mjs --net --net-allow ...` (Pyodide + V8; relay web/node/relay.mjs as
          a child process)
  page    Debian's chromium: the page of `serve.py --net --net-allow ...` (its relay behind
          /wisp/), window.tbwasm.run of netfetch

MB/s is body bytes / seconds; for guests the seconds are netfetch's own (connect to EOF, its
last line), so start-up is not counted; "wall" is the whole command.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.net_support import relay, tcp_server  # noqa: E402

NETFETCH = ROOT / "guests" / "bin" / "netfetch.elf"


def guest_seconds(out: str) -> float:
    m = re.search(r"bytes (\d+) fnv \S+ seconds (\S+)", out)
    if not m:
        raise SystemExit(f"net_relay: the guest said {out[-300:]!r}")
    return float(m.group(2))


def timed(cmd: list[str]) -> tuple[str, float]:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=900, check=False)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(
            f"net_relay: {' '.join(cmd[:4])}... failed ({r.returncode}): {r.stderr[-500:]}"
        )
    return r.stdout, wall


def page_run(port: int) -> tuple[float, float]:
    from playwright.sync_api import sync_playwright

    serve = [sys.executable, str(ROOT / "serve.py"), "--port", "0", "--quiet", "--no-setup"]
    proc = subprocess.Popen(
        [*serve, "--net", "--net-allow", f"127.0.0.1:{port}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().decode().split()[1]
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium")
            page = browser.new_page()
            page.set_default_timeout(600_000)
            page.goto(url + "?shell=0")
            page.wait_for_function("() => window.tbwasmApp && window.tbwasmApp.lastResult")
            t0 = time.perf_counter()
            r = page.evaluate(
                "a => window.tbwasm.run({program: '/guests/netfetch.elf', args: a})",
                ["-q", "127.0.0.1", str(port), "/"],
            )
            wall = time.perf_counter() - t0
            browser.close()
    finally:
        proc.terminate()
        proc.wait()
    if r["status"] != 0:
        raise SystemExit(f"net_relay: page run failed: {r}")
    return guest_seconds(r["stdout"]), wall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=50.0, help="body size in MB (10^6 bytes)")
    ap.add_argument("--runs", default="curl,qemu,cli,client,node,page")
    ap.add_argument("--repeat", type=int, default=1, help="best of N per runner")
    args = ap.parse_args()
    size = int(args.mb * 1e6)
    body = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    runs = args.runs.split(",")
    if "curl" not in runs:
        runs.insert(0, "curl")
    rows: list[tuple[str, float, float]] = []
    with tcp_server(body=body) as srv:
        port = srv.port
        allow = f"127.0.0.1:{port}"
        fetch = [str(NETFETCH), "-q", "127.0.0.1", str(port), "/"]
        for name in runs:
            best: tuple[float, float] | None = None
            for _ in range(args.repeat):
                if name == "curl":
                    _, wall = timed(["curl", "-s", "-o", "/dev/null", f"http://127.0.0.1:{port}/"])
                    got = (wall, wall)
                elif name == "qemu":
                    out, wall = timed(["qemu-riscv64", *fetch])
                    got = (guest_seconds(out), wall)
                elif name == "cli":
                    cmd = [
                        sys.executable,
                        "-m",
                        "py_backend.cli",
                        "run",
                        "--net",
                        "--net-allow",
                        allow,
                    ]
                    out, wall = timed([*cmd, *fetch])
                    got = (guest_seconds(out), wall)
                elif name == "client":
                    with relay("--allow", allow) as rl:
                        cmd = ["node", str(ROOT / "tests" / "node" / "net_client.mjs"), rl.url]
                        out, wall = timed([*cmd, "get", "127.0.0.1", str(port), "/"])
                    got = (float(json.loads(out)["seconds"]), wall)
                elif name == "node":
                    cmd = [
                        "node",
                        str(ROOT / "web" / "node" / "cli.mjs"),
                        "--net",
                        "--net-allow",
                        allow,
                    ]
                    out, wall = timed([*cmd, *fetch])
                    got = (guest_seconds(out), wall)
                elif name == "page":
                    got = page_run(port)
                else:
                    raise SystemExit(f"net_relay: unknown runner {name}")
                if best is None or got[0] < best[0]:
                    best = got
            assert best is not None
            rows.append((name, *best))
            print(f"  {name}: {size / 1e6 / best[0]:.1f} MB/s", file=sys.stderr, flush=True)
    curl_s = rows[0][1]
    print(f"{args.mb:g} MB from 127.0.0.1 (best of {args.repeat})")
    print(f"{'runner':8} {'seconds':>8} {'MB/s':>8} {'vs curl':>8} {'wall s':>8}")
    for name, secs, wall in rows:
        print(f"{name:8} {secs:8.2f} {size / 1e6 / secs:8.1f} {secs / curl_s:7.1f}x {wall:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
