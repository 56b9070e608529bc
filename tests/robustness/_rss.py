"""Run a command and report its exit status, output and peak RSS (run as a script)."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main() -> None:
    t0 = time.monotonic()
    r = subprocess.run(sys.argv[1:], capture_output=True, check=False)
    rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    json.dump(
        {"status": r.returncode, "stdout": r.stdout.decode(errors="replace"),
         "stderr": r.stderr.decode(errors="replace"), "peak_rss_mb": rss_kb / 1024,
         "seconds": time.monotonic() - t0},
        sys.stdout,
    )  # fmt: skip


if __name__ == "__main__":
    main()
