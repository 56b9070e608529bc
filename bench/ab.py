#!/usr/bin/env python3
"""A/B: the same guest commands under two (or more) variants of the CLI, run alternately.

A variant is a source tree (``--tree DIR``: a checkout or worktree of this repository, e.g. the
commit before a change) or a value of an environment variable (``--env VAR=V1,V2,...``, e.g.
TBWASM_HOT_THRESHOLD).  Every command runs once per variant unmeasured (bytecode, tier 0's module
and the code cache are then warm), then ``--repeat`` rounds of A, B, ... alternately, so that a
machine whose load changes affects every variant alike.  The figure is the least CPU time (user
+ system, from os.wait4 of that child) of the rounds; CPU time moves less than wall time on a
shared machine.  Prints one line per command with each variant's time and its ratio to the
first variant.  Exits 1 when a run fails or its output differs from the first variant's.

Commands: the bench/real.py workloads by name (needs scripts/fetch-real-programs.sh) and
``bench`` (guests/bin/bench.elf 300).

    python bench/ab.py --tree ../old --tree . sqlite3 lua bench
    python bench/ab.py --env TBWASM_HOT_THRESHOLD=50000,8000 [--no-code-cache] jq bc
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from real import DEFAULT_SYSROOT, WORKLOADS, prepare

ROOT = Path(__file__).resolve().parent.parent


def guest_args(name: str, sysroot: Path) -> list[str]:
    if name == "bench":
        return [str(ROOT / "guests" / "bin" / "bench.elf"), "300"]
    for w in WORKLOADS:
        if w.name == name:
            return ["-L", str(sysroot), str(sysroot) + w.argv[0], *w.argv[1:]]
    raise SystemExit(
        f"ab.py: unknown command {name!r} (bench, {', '.join(w.name for w in WORKLOADS)})"
    )


def run(cwd: Path, env: dict[str, str], args: list[str], cache: bool) -> tuple[float, bytes, int]:
    cmd = [
        sys.executable,
        "-m",
        "py_backend.cli",
        "run",
        *([] if cache else ["--no-code-cache"]),
        *args,
    ]
    with subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    ) as p:
        assert p.stdout is not None
        out = p.stdout.read()
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime, out, p.returncode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--tree", action="append", type=Path, default=[], help="a source tree (twice or more)"
    )
    ap.add_argument("--env", help="VAR=V1,V2,...: one variant per value")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--no-code-cache", action="store_true", help="every run compiles its code (first runs)"
    )
    ap.add_argument("--sysroot", type=Path, default=DEFAULT_SYSROOT)
    ap.add_argument("commands", nargs="+")
    args = ap.parse_args()
    base = dict(os.environ)
    variants: list[tuple[str, Path, dict[str, str]]] = []
    if args.env:
        var, _, values = args.env.partition("=")
        tree = args.tree[0] if args.tree else ROOT
        variants = [(f"{var}={v}", tree, {**base, var: v}) for v in values.split(",")]
    else:
        variants = [(str(t), t, base) for t in args.tree]
    if len(variants) < 2:
        raise SystemExit("ab.py: give two or more --tree, or --env VAR=V1,V2")
    prepare(args.sysroot, [w for w in WORKLOADS if w.name in args.commands])
    failed = False
    for name in args.commands:
        cmd = guest_args(name, args.sysroot)
        want = None
        best = [float("inf")] * len(variants)
        for round_ in range(args.repeat + 1):
            for k, (label, tree, env) in enumerate(variants):
                cpu, out, status = run(tree.resolve(), env, cmd, not args.no_code_cache)
                if want is None:
                    want = (out, status)
                elif (out, status) != want:
                    print(f"{name}: {label} printed other than {variants[0][0]} (exit {status})")
                    failed = True
                if round_:
                    best[k] = min(best[k], cpu)
        cells = [
            f"{label}: {t:.2f} s ({t / best[0]:.2f}x)"
            for (label, _, _), t in zip(variants, best, strict=True)
        ]
        print(f"{name}: " + ", ".join(cells) + f"  (CPU s, best of {args.repeat})", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
