"""Soak run of the stress guests at full size, with wall time and peak host RSS.

    python bench/soak.py [--tbs N] [--smc N] [--loop-seconds S]

Runs guests/bin/stress_tbs.elf (default 1,000,000 distinct TBs), stress_smc.elf (10,000 code
rewrites), stress_alloc.elf (allocate until failure) and loop.elf (an endless loop, stopped by
--timeout after S seconds: status 130, abi.HostStatus.STOPPED) under `tbwasm run --stats`."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from py_backend import abi  # noqa: E402

RSS = ROOT / "tests" / "robustness" / "_rss.py"


def run(prog: str, *args: str, options: tuple[str, ...] = ()) -> dict[str, object]:
    cmd = [sys.executable, str(RSS), sys.executable, "-m", "py_backend.cli", "run", "--stats",
           *options, str(ROOT / "guests" / "bin" / f"{prog}.elf"), *args]  # fmt: skip
    r = subprocess.run(cmd, capture_output=True, cwd=str(ROOT), check=True)
    out: dict[str, object] = json.loads(r.stdout)
    what = " ".join((*options, *args))
    secs, peak = float(out["seconds"]), float(out["peak_rss_mb"])  # type: ignore[arg-type]
    print(f"{prog} {what}: status {out['status']}, {secs:.1f} s, peak RSS {peak:.0f} MiB")
    print("  stdout:", str(out["stdout"]).strip().replace("\n", " | "))
    print("  stderr:", str(out["stderr"]).strip().replace("\n", " | "))
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tbs", type=int, default=1_000_000)
    p.add_argument("--smc", type=int, default=10_000)
    p.add_argument("--loop-seconds", type=float, default=30.0)
    a = p.parse_args()
    ok = run("stress_tbs", str(a.tbs))["status"] == 0
    ok &= run("stress_smc", str(a.smc))["status"] == 0
    ok &= run("stress_alloc")["status"] == 7
    stopped = run("loop", options=("--timeout", str(a.loop_seconds)))["status"]
    ok &= stopped == abi.HostStatus.STOPPED
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
