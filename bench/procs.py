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

Each command runs --repeat times; the best wall time counts.  Prints the time per operation
and the ratio tbwasm / peer.

    python bench/procs.py [--n 100] [--repeat 3] [--tier tiered] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100, help="operations per workload")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tier", default="tiered")
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
    fork = str(GUESTS / "forkbench.elf")
    subshell = f"i=0; while [ $i -lt {n} ]; do x=$(echo $i); i=$((i+1)); done; echo $x"
    execs = f"i=0; while [ $i -lt {n} ]; do /bin/true; i=$((i+1)); done; echo $i"
    host_sh = shutil.which("sh") or "/bin/sh"
    host_exec = f"i=0; while [ $i -lt {n} ]; do /bin/true; i=$((i+1)); done; echo $i"
    work = [
        ("fork", [*tbwasm, fork, str(n), "0"], ["qemu-riscv64", fork, str(n), "0"], "qemu"),
        ("pipe", [*tbwasm, fork, "0", str(10 * n)], ["qemu-riscv64", fork, "0", str(10 * n)],
         "qemu"),
        ("subshell", [*tbwasm, *mount, str(bindir / "busybox"), "sh", "-c", subshell],
         ["qemu-riscv64", str(BUSYBOX), "sh", "-c", subshell], "qemu"),
        ("exec", [*tbwasm, *mount, str(bindir / "busybox"), "sh", "-c", execs],
         [host_sh, "-c", host_exec], "native"),
    ]  # fmt: skip
    rows = []
    for name, ours, peer, peer_name in work:
        t_ours, out_ours = best(ours, args.repeat)
        t_peer, out_peer = best(peer, args.repeat)
        if out_ours != out_peer:
            raise SystemExit(f"{name}: output differs: {out_ours!r} vs {out_peer!r}")
        ops = 10 * n if name == "pipe" else n
        rows.append(
            {
                "workload": name,
                "ops": ops,
                "tbwasm_ms_per_op": t_ours / ops * 1e3,
                "peer": peer_name,
                "peer_ms_per_op": t_peer / ops * 1e3,
                "ratio": t_ours / t_peer if t_peer > 0 else None,
            }
        )
    shutil.rmtree(bindir, ignore_errors=True)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'workload':10} {'ops':>6} {'tbwasm ms/op':>13} {'peer':>7} {'peer ms/op':>11} "
          f"{'ratio':>7}")  # fmt: skip
    for r in rows:
        print(
            f"{r['workload']:10} {r['ops']:6d} {r['tbwasm_ms_per_op']:13.3f} {r['peer']:>7} "
            f"{r['peer_ms_per_op']:11.3f} {r['ratio']:7.1f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
