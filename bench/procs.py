#!/usr/bin/env python3
"""Process costs: fork, exec, pipes and shell pipelines under the tbwasm CLI, against peers
measured in the same run.

  fork        guests/bin/forkbench.elf N 0: N x (fork, _exit, waitpid)      peer: qemu-riscv64
  pipe        guests/bin/forkbench.elf 0 N: N one-byte round trips between
              two processes over two pipes (4 system calls, 2 switches each) peer: qemu-riscv64
  subshell    busybox sh: N x `x=$(echo $i)` (a fork each)                   peer: qemu-riscv64
  exec        busybox sh: N x `/bin/true` (fork + execve + wait each)        peer: the host's
              own /bin/sh running /bin/true (native code; qemu-riscv64 cannot execve a riscv64
              program without binfmt_misc)

Each command runs --repeat times, the best wall time counts, and so does the same command with
0 operations: the time per operation is (t(n) - t(0)) / n, so start-up (Python and wasmtime,
or Node and Pyodide) is not counted in it.  --node adds the Node host (`node web/node/cli.mjs`: the
page's runtime, Pyodide and V8).  Prints the time per operation and the ratio to the peer.

    python bench/procs.py [--n 100] [--repeat 3] [--tier tiered] [--node] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchlib import ROOT, run_one

GUESTS = ROOT / "guests" / "bin"
BUSYBOX = GUESTS / "busybox"


def best(cmd: list[str], repeat: int) -> tuple[float, bytes]:
    times, out = [], b""
    for _ in range(repeat):
        r = run_one(cmd, timeout=600)
        if r.status != 0:
            raise SystemExit(f"failed ({r.status}): {' '.join(cmd)}\n{r.stderr[-2000:]}")
        times.append(r.wall_s)
        out = r.stdout
    return min(times), out


def per_op(cmd: Callable[[int], list[str]], n: int, repeat: int) -> tuple[float, bytes]:
    """Seconds per operation of cmd(n) beyond cmd(0), and cmd(n)'s output."""
    t_n, out = best(cmd(n), repeat)
    t_0, _ = best(cmd(0), repeat)
    return max(t_n - t_0, 0.0) / n, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100, help="operations per workload")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tier", default="tiered")
    ap.add_argument("--node", action="store_true", help="also the Node host (web/node/cli.mjs)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not BUSYBOX.exists():
        raise SystemExit("guests/bin/busybox missing: run scripts/fetch-busybox.sh")
    n = args.n
    bindir = Path(tempfile.mkdtemp(prefix="tbwasm-procs-"))
    shutil.copy(BUSYBOX, bindir / "busybox")
    for applet in ("sh", "true", "seq"):
        (bindir / applet).symlink_to("busybox")
    tbwasm = [sys.executable, "-m", "py_backend.cli", "run", "--tier", args.tier, "--no-code-cache"]
    mount = ["--mount", f"/bin={bindir}", "--env", "PATH=/bin"]
    node = ["node", str(ROOT / "web" / "node" / "cli.mjs"), "--tier", args.tier]
    fork = str(GUESTS / "forkbench.elf")

    def subshell(k: int) -> str:
        return f"i=0; while [ $i -lt {k} ]; do x=$(echo $i); i=$((i+1)); done; echo $i"

    def execs(k: int) -> str:
        return f"i=0; while [ $i -lt {k} ]; do /bin/true; i=$((i+1)); done; echo $i"

    host_sh = shutil.which("sh") or "/bin/sh"
    sh = str(bindir / "busybox")
    # name, operations, guest command (after the host's own words), peer command, peer name
    work: list[tuple[str, int, Callable[[int], list[str]], Callable[[int], list[str]], str]] = [
        ("fork", n, lambda k: [fork, str(k), "0"],
         lambda k: ["qemu-riscv64", fork, str(k), "0"], "qemu"),
        ("pipe", 10 * n, lambda k: [fork, "0", str(k)],
         lambda k: ["qemu-riscv64", fork, "0", str(k)], "qemu"),
        ("subshell", n, lambda k: [*mount, sh, "sh", "-c", subshell(k)],
         lambda k: ["qemu-riscv64", str(BUSYBOX), "sh", "-c", subshell(k)], "qemu"),
        ("exec", n, lambda k: [*mount, sh, "sh", "-c", execs(k)],
         lambda k: [host_sh, "-c", execs(k)], "native"),
    ]  # fmt: skip

    def on(host: list[str], guest: Callable[[int], list[str]]) -> Callable[[int], list[str]]:
        return lambda k: [*host, *guest(k)]

    rows = []
    for name, ops, guest, peer, peer_name in work:
        ours, out_ours = per_op(on(tbwasm, guest), ops, args.repeat)
        theirs, out_peer = per_op(peer, ops, args.repeat)
        if out_ours != out_peer:
            raise SystemExit(f"{name}: output differs: {out_ours!r} vs {out_peer!r}")
        row: dict[str, object] = {
            "workload": name,
            "ops": ops,
            "tbwasm_ms_per_op": ours * 1e3,
            "peer": peer_name,
            "peer_ms_per_op": theirs * 1e3,
            "ratio": ours / theirs if theirs > 0 else None,
        }
        if args.node:
            on_node, out_node = per_op(on(node, guest), ops, args.repeat)
            if out_node != out_peer:
                raise SystemExit(f"{name}: Node output differs: {out_node!r} vs {out_peer!r}")
            row["node_ms_per_op"] = on_node * 1e3
            row["node_ratio"] = on_node / theirs if theirs > 0 else None
        rows.append(row)
    shutil.rmtree(bindir, ignore_errors=True)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    head = (
        f"{'workload':10} {'ops':>6} {'tbwasm ms/op':>13} {'peer':>7} {'peer ms/op':>11} "
        f"{'ratio':>7}"
    )
    print(head + (f" {'node ms/op':>11} {'ratio':>7}" if args.node else ""))
    for r in rows:
        line = (
            f"{r['workload']:10} {r['ops']:6d} {r['tbwasm_ms_per_op']:13.3f} {r['peer']:>7} "
            f"{r['peer_ms_per_op']:11.3f} {_ratio(r['ratio'])}"
        )
        if args.node:
            line += f" {r['node_ms_per_op']:11.3f} {_ratio(r['node_ratio'])}"
        print(line)
    return 0


def _ratio(r: object) -> str:
    return f"{r:7.1f}x" if isinstance(r, float) else f"{'-':>8}"


if __name__ == "__main__":
    raise SystemExit(main())
