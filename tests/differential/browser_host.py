"""The browser host for the differential programs (`scripts/fuzz.py --host browser`).

One Chromium page (bench/browser.py's BrowserSession: serve.py + Playwright) runs many programs:
each generated ELF is handed to the page with Playwright's `page.route` at a same-origin URL
(`/__bytes/N/prog`, so argv[0] is "/prog" as in the native runner; serve.py only serves files
from the repository, and the programs live in a temporary directory), run with
`window.tbwasm.run` and an empty environment, and its raw stdout bytes (the register/memory
dump) and `stats.guest_insns` come back for `rvrun.compare` against qemu's dump.

The session starts on first use and is closed by `close()` (or at interpreter exit).
"""

from __future__ import annotations

import atexit
import itertools
import sys
import time
from pathlib import Path
from typing import Any

try:
    from . import rvrun
except ImportError:  # imported as a top-level module (scripts/fuzz.py)
    import rvrun  # type: ignore[no-redef]

REPO = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 120.0

_session: Any = None
_names = itertools.count()


def session() -> Any:
    """The shared BrowserSession, started (Pyodide loaded) on first use."""
    global _session
    if _session is None:
        sys.path.insert(0, str(REPO / "bench"))
        from browser import BrowserSession

        s = BrowserSession()
        s.__enter__()
        try:
            s.wait_ready()
        except BaseException:
            s.close()
            raise
        _session = s
        atexit.register(close)
    return _session


def close() -> None:
    """Stop the browser and serve.py (by PID) if they were started."""
    global _session
    if _session is not None:
        s, _session = _session, None
        s.close()


def run_browser(data: bytes, timeout: float = RUN_TIMEOUT_S) -> rvrun.RunResult:
    t0 = time.perf_counter()
    s = session()
    url = s.serve_bytes(f"{next(_names)}/prog", data)
    try:
        r = s.run(url, [], env=[], timeout_s=timeout)
    except Exception as e:  # a crashed page or worker is a finding, not a harness failure
        return rvrun.RunResult(70, b"", 0, f"browser: {type(e).__name__}: {e}"[:500],
                               time.perf_counter() - t0)  # fmt: skip
    finally:
        s.routes.pop(url, None)
    msg = (r.stderr.decode(errors="replace") or r.message)[-500:]
    return rvrun.RunResult(r.status, r.stdout, r.insns, msg, time.perf_counter() - t0)


def browser_runner(elf: Path, data: bytes) -> rvrun.RunResult:
    """An rvrun.Runner: the program's bytes through the shared Chromium page."""
    return run_browser(data)
