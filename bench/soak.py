"""Soak run of the stress guests at full size, with wall time and peak host RSS.

    python bench/soak.py [--tbs N] [--smc N]

Runs guests/bin/stress_tbs.elf (default 1,000,000 distinct TBs), stress_smc.elf (10,000 code
rewrites) and stress_alloc.elf (allocate until failure) under `tbwasm run --stats`."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RSS = ROOT / "tests" / "robustness" / "_rss.py"


def run(prog: str, *args: str) -> dict[str, object]:
    cmd = [sys.executable, str(RSS), sys.executable, "-m", "py_backend.cli", "run", "--stats",
           str(ROOT / "guests" / "bin" / f"{prog}.elf"), *args]  # fmt: skip
    r = subprocess.run(cmd, capture_output=True, cwd=str(ROOT), check=True)
    out: dict[str, object] = json.loads(r.stdout)
    print(f"{prog} {' '.join(args)}: status {out['status']}, {float(out['seconds']):.1f} s, "  # type: ignore[arg-type]
          f"peak RSS {float(out['peak_rss_mb']):.0f} MiB")  # type: ignore[arg-type]  # fmt: skip
    print("  stdout:", str(out["stdout"]).strip().replace("\n", " | "))
    print("  stderr:", str(out["stderr"]).strip().replace("\n", " | "))
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tbs", type=int, default=1_000_000)
    p.add_argument("--smc", type=int, default=10_000)
    a = p.parse_args()
    ok = run("stress_tbs", str(a.tbs))["status"] == 0
    ok &= run("stress_smc", str(a.smc))["status"] == 0
    ok &= run("stress_alloc")["status"] == 7
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
