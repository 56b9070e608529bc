#!/usr/bin/env python3
"""Real programs: Debian trixie riscv64 binaries under qemu-riscv64, the tbwasm CLI and Node.

Needs the sysroot of scripts/fetch-real-programs.sh (default bench/out/sysroot; run it first).
Each program gets a workload of its own; the inputs are generated (deterministically) into
SYSROOT/tbwasm-bench/, so the guest reads them at /tbwasm-bench/... through `-L` on every host
(Node's Pyodide file system sees only the mounted sysroot). Runners:

  qemu      `qemu-riscv64 -L SYSROOT PROG ARGS`                        (the reference)
  tiered    `python -m py_backend.cli run -L SYSROOT --tier tiered --no-code-cache --stats ...`
  jit       the same with `--tier jit`
  interp    the same with `--tier interp`                              (with --interp)
  node      `node web/node/cli.mjs --stats -L SYSROOT [--tier T] PROG ARGS` (with --node; T from
            --node-tiers, default tiered, when web/node/cli.mjs knows --tier)

For every run: wall time of the whole command, its CPU time (user + system), its peak RSS
(ru_maxrss from os.wait4 of that child), stdout and exit status checked against qemu's, and from
`--stats`: guest instructions, interpreted vs compiled, TBs translated, modules compiled, Python
translation time, hot exits.
A run longer than --timeout is killed and reported as "timeout".

    python bench/real.py [--only bc,lua,...] [--interp] [--node] [--node-tiers tiered,jit]
                         [--code-cache] [--timeout 300] [--sysroot DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchlib import ROOT, fmt, node_knows_tier, parse_stats, run_one, stat_cells

DEFAULT_SYSROOT = ROOT / "bench" / "out" / "sysroot"
DATA = "/tbwasm-bench"  # guest path of the inputs, under the sysroot

WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split()

BC = """scale=600
p=4*a(1)
p
e(1)
scale=0
define f(n) { auto r; r=1; while (n>1) { r*=n; n-=1 }; return r }
x=f(1000)
length(x)
x%1000000007
2^4000%1000003
quit
"""

LUA = """local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end
print(fib(25))
local t = {}
for i = 1, 50000 do t[i] = (i * 7919) % 100003 end
table.sort(t)
print(t[1], t[#t], #t)
local words = {}
for i = 1, 20000 do words[#words+1] = string.format("w%d", i % 997) end
local s = table.concat(words, " ")
local counts = {}
for w in s:gmatch("%S+") do counts[w] = (counts[w] or 0) + 1 end
local n = 0 for _ in pairs(counts) do n = n + 1 end
print(n, counts["w5"], #s)
print(string.rep("ab", 10):upper(), ("%.6f"):format(math.pi))
"""

AWK = """{ n[$2]++; s[$2] += $3; for (i = 4; i <= NF; i++) w[$i]++; total += length($0) }
$3 > 990 { big++ }
END {
  PROCINFO["sorted_in"] = "@ind_str_asc"
  for (k in n) printf "%s %d %d %.3f\\n", k, n[k], s[k], s[k] / n[k]
  for (k in w) printf "w %s %d\\n", k, w[k]
  print NR, big, total, toupper(substr("benchmark", 1, 5)), sprintf("%08x", total)
}
"""

JQ = """(group_by(.group) | map({group: .[0].group, n: length,
  avg: ((map(.score) | add) / length | floor), top: (max_by(.score) | .name)})),
([.[] | select(.score > 900) | .tags[]] | unique),
(map(.tags | join("-")) | map(length) | add),
([.[] | .name | ascii_upcase | select(test("USER1[0-9]*7$"))] | length)
"""

PYTHON = """import json, hashlib
d = [{"k": i, "v": str(i) * 3, "l": list(range(i % 10))} for i in range(5000)]
s = json.dumps(d, sort_keys=True)
h = hashlib.sha256(s.encode()).hexdigest()
back = json.loads(s)
print(len(s), h, sum(x["k"] for x in back), hashlib.md5(s.encode()).hexdigest())
"""


def gen_text() -> str:
    r = random.Random(8)
    lines = []
    for i in range(25000):
        rest = " ".join(r.choice(WORDS) for _ in range(6))
        lines.append(f"{i} {r.choice(WORDS)} {r.randint(1, 1000)} {rest}\n")
    return "".join(lines)


def gen_json() -> str:
    r = random.Random(8)
    data = [
        {
            "id": i,
            "name": f"user{i}",
            "group": r.choice(WORDS),
            "score": r.randint(0, 1000),
            "tags": [r.choice(WORDS) for _ in range(3)],
        }
        for i in range(3000)
    ]
    return json.dumps(data)


def gen_sql() -> str:
    """10,000 single-row INSERTs in one transaction, then an index and aggregates."""
    out = ["CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, score REAL);", "BEGIN;"]
    for i in range(1, 10001):
        out.append(f"INSERT INTO t VALUES({i}, 'name{i}', {i % 37}, {(i * 7919) % 1000 / 10});")
    out += [
        "COMMIT;",
        "CREATE INDEX t_grp ON t(grp);",
        "SELECT count(*), sum(score), min(name), max(name) FROM t;",
        "SELECT grp, count(*), round(avg(score), 3), max(score) FROM t GROUP BY grp ORDER BY grp;",
        "SELECT name FROM t WHERE score > 99 ORDER BY id DESC LIMIT 5;",
        "SELECT count(*) FROM t a JOIN t b ON a.grp = b.grp AND a.id < b.id"
        " WHERE a.id < 300 AND b.id < 300;",
        "SELECT group_concat(name, ',') FROM (SELECT name FROM t WHERE grp = 5 LIMIT 20);",
    ]
    return "\n".join(out) + "\n"


@dataclass
class Workload:
    name: str
    argv: list[str]  # argv[0] is the guest path of the program, under the sysroot
    files: dict[str, Callable[[], str]]
    what: str


WORKLOADS = [
    Workload(
        "bc",
        ["/usr/bin/bc", "-lq", f"{DATA}/bench.bc"],
        {"bench.bc": lambda: BC},
        "pi and e to 600 digits, 1000!, 2^4000 mod p",
    ),
    Workload(
        "lua",
        ["/usr/bin/lua5.4", f"{DATA}/bench.lua"],
        {"bench.lua": lambda: LUA},
        "fib(25), sort 50k, gmatch/word count",
    ),
    Workload(
        "gawk",
        ["/usr/bin/gawk", "-f", f"{DATA}/bench.awk", f"{DATA}/text.txt"],
        {"bench.awk": lambda: AWK, "text.txt": gen_text},
        "25k lines: per-key counts/sums, word frequencies, sorted output",
    ),
    Workload(
        "jq",
        ["/usr/bin/jq", "-c", "-f", f"{DATA}/bench.jq", f"{DATA}/data.json"],
        {"bench.jq": lambda: JQ, "data.json": gen_json},
        "3k objects: group_by, select, unique, join, regex test",
    ),
    Workload(
        "sqlite3",
        ["/usr/bin/sqlite3", ":memory:", f".read {DATA}/bench.sql"],
        {"bench.sql": gen_sql},
        "10k INSERTs in a transaction, index, aggregates, join",
    ),
    Workload(
        "python3",
        ["/usr/bin/python3.13", "-c", PYTHON],
        {},
        "-c: json dumps/loads of 5k dicts, sha256 + md5",
    ),
    # compression, one thread and two (blocks/jobs of 256 KiB, so -T2 has work for both)
    *[
        Workload(
            f"xz-T{n}",
            ["/usr/bin/xz", f"-T{n}", "--block-size=262144", "-6", "-c", f"{DATA}/text.txt"],
            {"text.txt": gen_text},
            f"xz -6 of the 25k-line text, {n} thread(s)",
        )
        for n in (1, 2)
    ],
    *[
        Workload(
            f"zstd-T{n}",
            ["/usr/bin/zstd", "-q", f"-T{n}", "-B262144", "-12", "-c", f"{DATA}/text.txt"],
            {"text.txt": gen_text},
            f"zstd -12 of the 25k-line text, {n} thread(s)",
        )
        for n in (1, 2)
    ],
    # short commands: start-up and the dynamic loader weigh as much as the work
    Workload("ls", ["/usr/bin/ls", "/usr/bin", "/usr/lib"], {}, "ls of two directories"),
    Workload(
        "grep",
        ["/usr/bin/grep", "-c", "-E", "gamma (delta|zeta)", f"{DATA}/text.txt"],
        {"text.txt": gen_text},
        "grep -cE over the 25k-line text",
    ),
    Workload(
        "sed",
        ["/usr/bin/sed", "-e", "s/alpha/ALPHA/g; /beta.*beta/d", f"{DATA}/text.txt"],
        {"text.txt": gen_text},
        "sed substitute and delete over the 25k-line text",
    ),
    Workload(
        "sha256sum",
        ["/usr/bin/sha256sum", f"{DATA}/text.txt", f"{DATA}/data.json"],
        {"text.txt": gen_text, "data.json": gen_json},
        "sha256sum of two files",
    ),
    Workload(
        "md5sum",
        ["/usr/bin/md5sum", f"{DATA}/text.txt"],
        {"text.txt": gen_text},
        "md5sum of the text",
    ),
    # (no sort of a file: qemu-riscv64 -L does not redirect faccessat, so sort cannot read
    # /tbwasm-bench/... under qemu: "sort: cannot read")
    Workload(
        "wc",
        ["/usr/bin/wc", "-l", "-w", "-c", "-L", f"{DATA}/text.txt", f"{DATA}/data.json"],
        {"text.txt": gen_text, "data.json": gen_json},
        "wc -lwcL of two files",
    ),
]


@dataclass
class Run:
    program: str
    runner: str
    wall_s: float | None = None
    cpu_s: float | None = None
    rss_mib: float | None = None
    status: int | None = None
    ok: bool | None = None  # stdout and exit status equal to qemu's
    ratio_qemu: float | None = None
    stats: dict[str, float] = field(default_factory=dict)
    error: str = ""


def prepare(sysroot: Path, workloads: list[Workload]) -> None:
    data = sysroot / DATA.lstrip("/")
    data.mkdir(parents=True, exist_ok=True)
    for w in workloads:
        if not (sysroot / w.argv[0].lstrip("/")).exists():
            sys.exit(f"real.py: {sysroot}{w.argv[0]} missing; run scripts/fetch-real-programs.sh")
        for name, gen in w.files.items():
            text = gen()
            path = data / name
            if not path.exists() or path.read_text() != text:
                path.write_text(text)


def command(
    runner: str, w: Workload, sysroot: Path, code_cache: bool, node_tier: bool
) -> list[str]:
    prog = str(sysroot) + w.argv[0]
    if runner == "qemu":
        return ["qemu-riscv64", "-L", str(sysroot), prog, *w.argv[1:]]
    if runner.startswith("node"):
        tier = runner.partition(":")[2]
        opts = ["--tier", tier] if tier and node_tier else []
        return [
            "node",
            str(ROOT / "web" / "node" / "cli.mjs"),
            "--stats",
            *opts,
            "-L",
            str(sysroot),
            prog,
            *w.argv[1:],
        ]
    cache = "--code-cache" if code_cache else "--no-code-cache"
    return [
        sys.executable,
        "-m",
        "py_backend.cli",
        "run",
        "-L",
        str(sysroot),
        cache,
        "--stats",
        "--tier",
        runner,
        prog,
        *w.argv[1:],
    ]


def measure(
    runner: str,
    w: Workload,
    args: argparse.Namespace,
    node_tier: bool,
    ref: tuple[bytes, int] | None,
) -> tuple[Run, bytes]:
    cmd = command(runner, w, args.sysroot, args.code_cache, node_tier)
    r = Run(w.name, runner)
    try:
        o = run_one(cmd, args.timeout)
    except OSError as e:
        r.error = f"{cmd[0]}: {e}"
        return r, b""
    wall, status, out, err = o.wall_s, o.status, o.stdout, o.stderr
    r.rss_mib, r.cpu_s = o.rss_mib, o.cpu_s
    r.stats = parse_stats(err)
    if status is None:
        r.error = f"timeout ({args.timeout:.0f} s)"
        return r, out
    r.wall_s, r.status = wall, status
    if ref is not None:
        r.ok = out == ref[0] and status == ref[1]
        if not r.ok:
            other = [ln for ln in err.splitlines() if not ln.startswith("tbwasm")]
            why = f"exit {status} (qemu {ref[1]})" if status != ref[1] else "stdout differs"
            r.error = why + (f": {other[-1][:160]}" if other else "")
    elif status != 0:
        r.error = f"exit {status}"
    return r, out


def print_tables(runs: list[Run], runners: list[str]) -> None:
    by = {(r.program, r.runner): r for r in runs}
    programs = list(dict.fromkeys(r.program for r in runs))
    others = [x for x in runners if x != "qemu"]
    head = [
        "program",
        "qemu s",
        *[f"{x} s" for x in others],
        "qemu RSS MiB",
        *[f"{x} RSS MiB" for x in others],
    ]
    print("| " + " | ".join(head) + " |")
    print("|---|" + "--:|" * (len(head) - 1))
    for prog in programs:
        cells = [prog]
        for x in runners:
            r = by.get((prog, x))
            if r is None:
                cells.append("-")
            elif r.wall_s is None:
                cells.append(r.error.split(" (")[0] or "-")
            else:
                c = f"{r.wall_s:.2f}"
                if r.ratio_qemu is not None:
                    c += f" ({r.ratio_qemu:.1f}x)"
                if r.ok is False:
                    c += " WRONG"
                cells.append(c)
        for x in runners:
            r = by.get((prog, x))
            cells.append(fmt(r.rss_mib if r else None, ".0f"))
        print("| " + " | ".join(cells) + " |")
    print()
    # CPU time (user + system): less disturbed than wall time by other load on the machine.
    print("| program | qemu CPU s | " + " | ".join(f"{x} CPU s" for x in others) + " |")
    print("|---|" + "--:|" * len(runners))
    for prog in programs:
        q = by.get((prog, "qemu"))
        cells = [prog]
        for x in runners:
            r = by.get((prog, x))
            if r is None or r.cpu_s is None:
                cells.append("-")
                continue
            c = f"{r.cpu_s:.2f}"
            if r.wall_s is None:
                c += " (timeout)"
            elif x != "qemu" and q is not None and q.cpu_s:
                c += f" ({r.cpu_s / q.cpu_s:.1f}x)"
            cells.append(c)
        print("| " + " | ".join(cells) + " |")
    print()
    print(
        "| program | runner | wall s | CPU s | RSS MiB | guest insns | interpreted | compiled | "
        "TBs | modules | translation ms | hot exits | output | note |"
    )
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|")
    for r in runs:
        s = r.stats
        okc = "-" if r.ok is None else ("same" if r.ok else "DIFFERENT")
        if r.runner == "qemu":
            okc = "reference" if r.ok else "-"
        print(
            f"| {r.program} | {r.runner} | {fmt(r.wall_s, '.2f')} | {fmt(r.cpu_s, '.2f')} | "
            f"{fmt(r.rss_mib, '.0f')} | "
            f"{stat_cells(s, 'guest_insns', 'interpreted', 'compiled', 'tbs', 'modules')} | "
            f"{stat_cells(s, 'translate_ms', 'hot_exits')} | "
            f"{okc} | {r.error} |"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--only",
        default="",
        help="comma-separated programs: " + ",".join(w.name for w in WORKLOADS),
    )
    ap.add_argument("--tiers", default="tiered,jit", help="CLI tiers (default tiered,jit)")
    ap.add_argument("--interp", action="store_true", help="also the CLI with --tier interp")
    ap.add_argument("--node", action="store_true", help="also node web/node/cli.mjs")
    ap.add_argument("--node-tiers", default="tiered", help="tiers for Node (default tiered)")
    ap.add_argument(
        "--code-cache",
        action="store_true",
        help="let the CLI use wasmtime's code cache (default: --no-code-cache)",
    )
    ap.add_argument("--timeout", type=float, default=300.0, help="per run, seconds (300)")
    ap.add_argument("--sysroot", type=Path, default=DEFAULT_SYSROOT)
    ap.add_argument("--json", action="store_true", help="print JSON instead of tables")
    ap.add_argument("--from-json", type=Path, help="print the tables of a saved --json output")
    args = ap.parse_args(argv)
    args.sysroot = args.sysroot.resolve()
    if args.from_json:
        saved = [Run(**d) for d in json.loads(args.from_json.read_text())]
        print_tables(saved, list(dict.fromkeys(r.runner for r in saved)))
        return 0

    only = {s for s in args.only.split(",") if s}
    unknown = only - {w.name for w in WORKLOADS}
    if unknown:
        ap.error(f"unknown programs: {', '.join(sorted(unknown))}")
    workloads = [w for w in WORKLOADS if not only or w.name in only]
    prepare(args.sysroot, workloads)

    tiers = [t for t in args.tiers.split(",") if t]
    if args.interp and "interp" not in tiers:
        tiers.append("interp")
    runners = ["qemu", *tiers]
    node_tier = False
    if args.node:
        node_tier = node_knows_tier()
        nts = [t for t in args.node_tiers.split(",") if t] if node_tier else [""]
        runners += [f"node:{t}" if t else "node" for t in nts]

    runs: list[Run] = []
    for w in workloads:
        ref: tuple[bytes, int] | None = None
        qemu_s: float | None = None
        for runner in runners:
            r, out = measure(runner, w, args, node_tier, ref)
            if runner == "qemu":
                if r.wall_s is not None and r.status is not None:
                    ref, qemu_s = (out, r.status), r.wall_s
                    r.ok = True
            elif r.wall_s is not None and qemu_s:
                r.ratio_qemu = r.wall_s / qemu_s
            runs.append(r)
            print(
                f"  {w.name} {runner}: {fmt(r.wall_s, '.2f')} s, "
                f"{fmt(r.rss_mib, '.0f')} MiB {r.error}",
                file=sys.stderr,
                flush=True,
            )
    if args.json:
        print(json.dumps([asdict(r) for r in runs], indent=2))
    else:
        print_tables(runs, runners)
    return 1 if any(r.error for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
