#!/usr/bin/env python3
"""Benchmark the browser host (Chromium) next to the native CLI, Node and qemu-riscv64.

One run measures:
  page    page open -> first guest output of the default program (hello.elf), the Pyodide load
          and wheel install times the worker reports (window.tbwasm.timings, also shown in the
          page's stats panel), for --loads fresh page opens
  bench   guests/bin/bench.elf ITER in Chromium, twice per repeat: with the page's Run button
          (TB counting on, the numbers of the stats panel: stats.guest_insns / stats.elapsed) and
          through window.tbwasm.run (TB counting off, the fast path an embedder gets); next to
            native      `python -m py_backend.cli run --stats bench.elf ITER` (TB counting on;
                        its own `guest MIPS` and `wall`) and the same without --stats (process wall)
            node        `node web/node/cli.mjs --stats bench.elf ITER` (own insns/elapsed/MIPS) and
                        without --stats (process wall, which includes loading Pyodide)
            qemu        `qemu-riscv64 bench.elf ITER` (process wall)
          best of --repeat for each, and ratios of the run times.

"run s" is the guest run as the host measures it (machine creation to exit, no interpreter or
Pyodide start-up); "wall s" is the whole command (a process, or the `await window.tbwasm.run(...)`
in the page). MIPS = guest instructions / run s, or / wall s where only a wall time exists; the
instruction count is tbwasm's own (the same guest executes the same instructions everywhere).

    python bench/browser.py [--iters 500] [--repeat 3] [--loads 2] [--json]

Starts `serve.py --port 0` and Debian's chromium through Playwright; stops both when done.
The session helpers here (Server, BrowserSession, chromium_processes) are used by
bench/soak_browser.py and tests/differential/browser_host.py too.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GUEST = ROOT / "guests" / "bin" / "bench.elf"
CHROMIUM = os.environ.get("TBWASM_CHROMIUM", "/usr/bin/chromium")
SERVER_START_TIMEOUT = 600.0  # the first start may run scripts/setup-web.sh
LOAD_TIMEOUT_MS = 120_000


# --- serve.py and Chromium ----------------------------------------------------------------------


class Server:
    """`python serve.py --port 0 --quiet`, stopped by its PID on exit."""

    def __init__(self, setup: bool = True) -> None:
        self.setup = setup
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""

    def __enter__(self) -> Server:
        cmd = [sys.executable, str(ROOT / "serve.py"), "--port", "0", "--quiet"]
        if not self.setup:
            cmd.append("--no-setup")
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        lines: queue.Queue[bytes] = queue.Queue()
        out = self.proc.stdout
        assert out is not None
        threading.Thread(target=lambda: lines.put(out.readline()), daemon=True).start()
        try:
            first = lines.get(timeout=SERVER_START_TIMEOUT).decode().strip()
        except queue.Empty:
            self.stop()
            raise RuntimeError("serve.py did not print its URL in time") from None
        if not first.startswith("Serving http://"):
            self.stop()
            raise RuntimeError(f"serve.py said {first!r}")
        self.url = first.split(" ", 1)[1]
        return self

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _ppid_map() -> dict[int, int]:
    out: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path(f"/proc/{d}/stat").read_text()
        except OSError:
            continue
        # comm may contain spaces and parentheses: the fields after the last ")" are fixed
        rest = stat[stat.rfind(")") + 2 :].split()
        out[int(d)] = int(rest[1])
    return out


def chromium_processes(root: int | None = None) -> dict[int, str]:
    """PID -> process type ("browser", "renderer", "gpu-process", "utility", "zygote", ...) of
    every chromium process descending from `root` (default: this process)."""
    root = os.getpid() if root is None else root
    parents = _ppid_map()
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    found: dict[int, str] = {}
    todo = list(children.get(root, []))
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            exe = os.readlink(f"/proc/{pid}/exe")
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if "chrom" not in Path(exe).name:
            continue
        # zygote children rewrite their command line into one space-separated string
        m = re.search(rb"--type=(\S+)", b" ".join(cmdline))
        found[pid] = m[1].decode() if m else "browser"
    return found


def process_memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in KiB, from /proc/PID/smaps_rollup; (0, 0) if it is gone."""
    rss = pss = 0
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        try:
            text = Path(f"/proc/{pid}/status").read_text().replace("VmRSS:", "Rss:")
        except OSError:
            return 0, 0
    for line in text.splitlines():
        if line.startswith("Rss:"):
            rss = int(line.split()[1])
        elif line.startswith("Pss:"):
            pss = int(line.split()[1])
    return rss, pss or rss


# JS run in the page: window.tbwasm.run with the raw output bytes (base64: guest output need not
# be UTF-8), the page-side wall time, and a Stop after timeout_ms.
RUN_JS = """
async ({program, args, stdin, env, timeoutMs}) => {
  const chunks = {1: [], 2: []};
  const onOutput = (fd, bytes) => chunks[fd].push(bytes.slice());
  const timer = setTimeout(() => window.tbwasm.stop(), timeoutMs);
  const t0 = performance.now();
  let r;
  try {
    r = await window.tbwasm.run({program, args, stdin, env: env ?? undefined, onOutput});
  } finally {
    clearTimeout(timer);
  }
  const wall_ms = performance.now() - t0;
  const b64 = (parts) => {
    let s = "";
    for (const p of parts) for (let i = 0; i < p.length; i += 0x8000)
      s += String.fromCharCode.apply(null, p.subarray(i, i + 0x8000));
    return btoa(s);
  };
  return {status: r.status, stdout_b64: b64(chunks[1]), stderr_b64: b64(chunks[2]),
          message: r.message, error: r.error, stopped: r.stopped, stats: r.stats, wall_ms};
}
"""


@dataclass
class PageRun:
    status: int
    stdout: bytes
    stderr: bytes
    message: str
    stopped: bool
    stats: dict[str, Any]
    wall_s: float

    @property
    def insns(self) -> int:
        return int(self.stats.get("guest_insns") or 0)

    @property
    def run_s(self) -> float:
        return float(self.stats.get("elapsed") or 0.0)


class BrowserSession:
    """serve.py + chromium (Playwright) + one page with Pyodide loaded. Use as a context manager;
    everything started is stopped on exit (the browser through Playwright, serve.py by PID)."""

    def __init__(
        self, path: str = "?shell=0", launch_args: list[str] | None = None, setup: bool = True
    ) -> None:
        self.path = path
        self.launch_args = launch_args or []
        self.server = Server(setup=setup)
        self._pw: Any = None
        self.browser: Any = None
        self.page: Any = None
        self.errors: list[str] = []
        self.routes: dict[str, bytes] = {}
        self.last_goto = 0.0

    def __enter__(self) -> BrowserSession:
        if not Path(CHROMIUM).exists():
            raise RuntimeError(f"{CHROMIUM} not found (apt-get install chromium)")
        from playwright.sync_api import sync_playwright

        try:
            self.server.__enter__()
            self._pw = sync_playwright().start()
            self.browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=self.launch_args)
            self.page = self.open_page()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        try:
            if self.browser is not None:
                self.browser.close()
            if self._pw is not None:
                self._pw.stop()
        finally:
            self.browser = self._pw = None
            self.server.stop()

    def open_page(self, path: str | None = None) -> Any:
        """A new page at the server's URL + path, with page errors collected and the routes of
        `serve_bytes` answered; does not wait for Pyodide."""
        page = self.browser.new_page(viewport={"width": 1100, "height": 760})
        page.on("pageerror", lambda e: self.errors.append(str(e)))

        def on_console(m: Any) -> None:
            if m.type == "error":
                self.errors.append(m.text)

        page.on("console", on_console)
        page.set_default_timeout(LOAD_TIMEOUT_MS)
        page.route("**/__bytes/**", self._route)
        self.last_goto = time.perf_counter()
        page.goto(self.server.url + (self.path if path is None else path))
        return page

    def _route(self, route: Any) -> None:
        path = "/" + route.request.url.split("/", 3)[3].split("?", 1)[0]
        data = self.routes.get(path)
        if data is None:
            route.fulfill(status=404, body=b"not found\n")
        else:
            route.fulfill(status=200, body=data, content_type="application/octet-stream")

    def serve_bytes(self, name: str, data: bytes) -> str:
        """Make `data` fetchable by the page at the returned same-origin path (page.route)."""
        path = f"/__bytes/{name}"
        self.routes[path] = data
        return path

    def wait_ready(self, page: Any = None) -> dict[str, float]:
        page = page or self.page
        timings: dict[str, float] = page.evaluate("window.tbwasm.ready")
        return timings

    def run(
        self,
        program: str,
        args: list[str] | None = None,
        stdin: str = "",
        env: list[str] | None = None,
        timeout_s: float = 300.0,
        page: Any = None,
    ) -> PageRun:
        """window.tbwasm.run in the page (env None: the machine's default environment);
        stopped (status 130) after timeout_s."""
        page = page or self.page
        r = page.evaluate(
            RUN_JS,
            {
                "program": program,
                "args": args or [],
                "stdin": stdin,
                "env": env,
                "timeoutMs": timeout_s * 1000,
            },
        )
        return PageRun(
            status=int(r["status"]),
            stdout=base64.b64decode(r["stdout_b64"]),
            stderr=base64.b64decode(r["stderr_b64"]),
            message=r.get("message") or "",
            stopped=bool(r.get("stopped")),
            stats=r.get("stats") or {},
            wall_s=float(r["wall_ms"]) / 1000,
        )

    def run_from_page(self, name: str, args: str, timeout_s: float = 600.0) -> dict[str, Any]:
        """Select an example, set its arguments and press Run, like a user; the result the page
        keeps (window.tbwasmApp.lastResult, whose stats are the stats panel's)."""
        page = self.page
        ms = timeout_s * 1000
        page.wait_for_function("() => !window.tbwasmApp.running", timeout=ms)
        runs = page.evaluate("window.tbwasmApp.runs")
        page.select_option("#examples", name)
        page.fill("#args", args)
        page.click("#run")
        page.wait_for_function("n => window.tbwasmApp.runs > n", arg=runs, timeout=ms)
        page.wait_for_function("() => window.tbwasmApp.lastResult", timeout=ms)
        r: dict[str, Any] = page.evaluate("window.tbwasmApp.lastResult")
        return r


# --- the other hosts ------------------------------------------------------------------------------


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _timed(cmd: list[str], timeout: float) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, cwd=ROOT, env=_env(), timeout=timeout, check=False)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        tail = p.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
        raise RuntimeError(f"{' '.join(cmd)}: exit status {p.returncode}: {tail[0][:300]}")
    return dt, p


@dataclass
class Row:
    """One runner: best of the repeats (by run time if known, else by wall time)."""

    runner: str
    command: str
    tb_counting: bool | None
    insns: int | None = None
    run_s: float | None = None
    wall_s: float | None = None
    mips: float | None = None
    output: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    error: str = ""


def _best(rows: list[Row]) -> Row:
    ok = [r for r in rows if not r.error]
    if not ok:
        return rows[-1]
    return min(ok, key=lambda r: r.run_s if r.run_s is not None else (r.wall_s or 0.0))


def native(iters: int, stats: bool, timeout: float) -> Row:
    cmd = [
        sys.executable,
        "-m",
        "py_backend.cli",
        "run",
        *(["--stats"] if stats else []),
        str(GUEST),
        str(iters),
    ]
    shown = (
        f"python -m py_backend.cli run {'--stats ' if stats else ''}guests/bin/bench.elf {iters}"
    )
    row = Row("native --stats" if stats else "native", shown, stats)
    wall, p = _timed(cmd, timeout)
    row.wall_s = wall
    row.output = p.stdout.decode(errors="replace").strip()
    if stats:
        err = p.stderr.decode(errors="replace")
        m = re.search(r"guest instructions (\d+).*guest MIPS ([\d.]+).*wall ([\d.]+) ms", err)
        if not m:
            raise RuntimeError(f"no --stats line in: {err[-300:]}")
        row.insns, row.mips, row.run_s = int(m[1]), float(m[2]), float(m[3]) / 1000
    return row


def node(iters: int, stats: bool, timeout: float) -> Row:
    cmd = [
        "node",
        str(ROOT / "web" / "node" / "cli.mjs"),
        *(["--stats"] if stats else []),
        str(GUEST),
        str(iters),
    ]
    shown = f"node web/node/cli.mjs {'--stats ' if stats else ''}guests/bin/bench.elf {iters}"
    row = Row("node --stats" if stats else "node", shown, stats)
    wall, p = _timed(cmd, timeout)
    row.wall_s = wall
    row.output = p.stdout.decode(errors="replace").strip()
    if stats:
        err = p.stderr.decode(errors="replace")
        m = re.search(
            r"pyodide ([\d.]+) s, wheels ([\d.]+) s; (\d+) insns in ([\d.]+) s = ([\d.]+) MIPS", err
        )
        if not m:
            raise RuntimeError(f"no --stats line in: {err[-300:]}")
        row.extra = {"pyodide_load_s": float(m[1]), "wheel_install_s": float(m[2])}
        row.insns, row.run_s, row.mips = int(m[3]), float(m[4]), float(m[5])
    return row


def qemu(iters: int, timeout: float) -> Row:
    row = Row("qemu", f"qemu-riscv64 guests/bin/bench.elf {iters}", None)
    if shutil.which("qemu-riscv64") is None:
        row.error = "qemu-riscv64 not found"
        return row
    wall, p = _timed(["qemu-riscv64", str(GUEST), str(iters)], timeout)
    row.wall_s = wall
    row.output = p.stdout.decode(errors="replace").strip()
    return row


def repeat(fn: Any, n: int, *args: Any) -> Row:
    rows: list[Row] = []
    for _ in range(n):
        try:
            rows.append(fn(*args))
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
            rows.append(Row(getattr(fn, "__name__", "?"), "", None, error=str(e)[:300]))
            break
    return _best(rows)


# --- the browser part -----------------------------------------------------------------------------


def default_program_ran(page: Any, t0: float) -> tuple[float, dict[str, Any], dict[str, Any]]:
    """Wait until the page's default program has printed (its first output, seen from here in
    seconds since t0) and ended; that time, its result and the worker's timings."""
    page.wait_for_function(
        "() => window.tbwasmApp && window.tbwasmApp.firstOutputMs !== null",
        timeout=LOAD_TIMEOUT_MS,
    )
    seen = time.perf_counter() - t0
    page.wait_for_function("() => window.tbwasmApp.lastResult", timeout=LOAD_TIMEOUT_MS)
    return (
        seen,
        page.evaluate("window.tbwasmApp.lastResult"),
        page.evaluate("window.tbwasm.timings"),
    )


def page_loads(s: BrowserSession, n: int) -> list[dict[str, Any]]:
    """Open the terminal page n times (the session's page first); time to the default program's
    first output as the page measures it (performance.now() from navigation start) and as seen
    from here (goto() call -> output visible)."""
    out = []
    for i in range(n):
        page = s.page if i == 0 else s.open_page()
        seen, res, t = default_program_ran(page, s.last_goto)
        first_ms = page.evaluate("window.tbwasmApp.firstOutputMs")
        out.append(
            {
                "first_output_s": first_ms / 1000,
                "first_output_seen_s": seen,
                "pyodide_load_s": t["pyodide_load"],
                "wheel_install_s": t["wheel_install"],
                "ready_total_s": t["total"],
                "panel": {k: page.text_content(f"#st-{k}") for k in ("pyodide", "wheel")},
                "hello_run_s": (res.get("stats") or {}).get("elapsed"),
                "hello_translate_s": (res.get("stats") or {}).get("translate_seconds"),
                "hello_status": res["status"],
                "hello_stdout": res["stdout"],
            }
        )
        if i:
            page.close()
    return out


def browser_rows(s: BrowserSession, iters: int, n: int) -> list[Row]:
    page_rows: list[Row] = []
    api_rows: list[Row] = []
    for _ in range(n):
        r = s.run_from_page("bench.elf", str(iters))
        st = r.get("stats") or {}
        row = Row("chromium page", f"page Run button: bench.elf {iters}", True)
        row.insns, row.run_s = int(st.get("guest_insns", 0)), float(st.get("elapsed", 0))
        row.mips = float(st.get("mips", 0))
        row.output = str(r.get("stdout", "")).strip()
        row.extra = {
            "tbs_translated": st.get("tbs_translated"),
            "translate_s": st.get("translate_seconds"),
            "chain_hits": st.get("chain_hits"),
        }
        panel = s.page.text_content("#st-insns")
        row.extra["panel_insns"] = panel
        if r.get("status") != 0:
            row.error = f"status {r.get('status')}: {r.get('stderr', '')[-200:]}"
        page_rows.append(row)

        pr = s.run("/guests/bench.elf", [str(iters)], timeout_s=600)
        row = Row("chromium api", f"window.tbwasm.run bench.elf {iters}", False)
        row.insns, row.run_s, row.wall_s = pr.insns, pr.run_s, pr.wall_s
        row.mips = pr.insns / pr.run_s / 1e6 if pr.run_s else None
        row.output = pr.stdout.decode(errors="replace").strip()
        row.extra = {
            "tbs_translated": pr.stats.get("tbs_translated"),
            "translate_s": pr.stats.get("translate_seconds"),
        }
        if pr.status != 0:
            row.error = f"status {pr.status}: {pr.stderr.decode(errors='replace')[-200:]}"
        api_rows.append(row)
    return [_best(page_rows), _best(api_rows)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--iters", type=int, default=500, help="bench.elf iterations (default 500)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per runner, the best is kept")
    ap.add_argument("--loads", type=int, default=2, help="page opens to time (default 2)")
    ap.add_argument("--timeout", type=float, default=900.0, help="per command, seconds")
    ap.add_argument("--skip", default="", help="comma-separated: native,node,qemu")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    a = ap.parse_args(argv)
    skip = set(filter(None, a.skip.split(",")))
    log = (lambda *x: print(*x, file=sys.stderr, flush=True)) if a.json else print

    log(f"chromium: page loads x{a.loads}, bench.elf {a.iters} x{a.repeat} ...")
    with BrowserSession() as s:
        loads = page_loads(s, a.loads)
        rows = browser_rows(s, a.iters, a.repeat)
        errors = list(s.errors)
    if "native" not in skip:
        log("native ...")
        rows.append(repeat(native, a.repeat, a.iters, True, a.timeout))
        rows.append(repeat(native, a.repeat, a.iters, False, a.timeout))
    if "node" not in skip:
        log("node ...")
        rows.append(repeat(node, a.repeat, a.iters, True, a.timeout))
        rows.append(repeat(node, a.repeat, a.iters, False, a.timeout))
    if "qemu" not in skip:
        log("qemu ...")
        rows.append(repeat(qemu, a.repeat, a.iters, a.timeout))

    insns = next((r.insns for r in rows if r.insns), None)
    for r in rows:  # MIPS from wall time where the host reports no run time
        if r.mips is None and insns and r.wall_s and not r.error:
            r.mips = insns / r.wall_s / 1e6
    by = {r.runner: r for r in rows}

    def t(name: str) -> float | None:
        r = by.get(name)
        if r is None or r.error:
            return None
        return r.run_s if r.run_s is not None else r.wall_s

    pairs = [
        ("chromium api", "native"),
        ("chromium page", "native --stats"),
        ("chromium api", "qemu"),
        ("chromium page", "node --stats"),
        ("native", "qemu"),
        ("native --stats", "qemu"),
        ("node --stats", "qemu"),
    ]
    ratios = {}
    for x, y in pairs:
        tx, ty = t(x), t(y)
        ratios[f"{x} / {y}"] = tx / ty if tx and ty else None
    outputs = {r.output for r in rows if not r.error}
    consistent = len(outputs) == 1
    ok = (
        consistent
        and not any(r.error for r in rows)
        and all(ld["hello_status"] == 0 for ld in loads)
    )

    if a.json:
        doc = {
            "iters": a.iters,
            "repeat": a.repeat,
            "page_loads": loads,
            "rows": [asdict(r) for r in rows],
            "ratios": ratios,
            "outputs_match": consistent,
            "page_errors": errors,
        }
        print(json.dumps(doc, indent=2))
        return 0 if ok else 1

    print("\nPage open -> first guest output of hello.elf (Chromium, fresh page each):")
    for i, ld in enumerate(loads):
        seen = f"({ld['first_output_seen_s']:.2f} s from goto())"
        print(
            f"  load {i + 1}: first output {ld['first_output_s']:.2f} s after navigation start "
            f"{seen}; Pyodide load {ld['pyodide_load_s']:.2f} s, wheel install "
            f"{ld['wheel_install_s']:.2f} s, ready {ld['ready_total_s']:.2f} s, hello.elf run "
            f"{ld['hello_run_s']:.2f} s (translation {ld['hello_translate_s']:.2f} s) "
            f"(panel: {ld['panel']['pyodide']}, {ld['panel']['wheel']})"
        )
    print(
        f"\nbench.elf {a.iters}, best of {a.repeat}  (run s: as the host measures the guest run; "
        "wall s: whole command)"
    )
    print(
        f"{'runner':<16}{'TB count':>9}{'insns':>14}{'run s':>9}{'wall s':>9}{'MIPS':>8}  command"
    )
    for r in rows:
        f = lambda v, d: f"{v:.{d}f}" if v is not None else "-"  # noqa: E731
        tc = {True: "on", False: "off", None: "-"}[r.tb_counting]
        print(
            f"{r.runner:<16}{tc:>9}{r.insns or '-':>14}{f(r.run_s, 3):>9}{f(r.wall_s, 3):>9}"
            f"{f(r.mips, 1):>8}  {r.error or r.command}"
        )
    print("\nratios of times (run s where known, else wall s):")
    for k, v in ratios.items():
        print(f"  {k:<34} {v:6.2f}x" if v else f"  {k:<34}      -")
    print(f"\nchecksum: {'all runners agree: ' + next(iter(outputs)) if consistent else outputs}")
    if errors:
        print("page errors:", *errors[:5], sep="\n  ")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
