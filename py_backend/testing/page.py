"""TbwasmPage: a tbwasm site's page in a browser (a Playwright page), driven from a test.

    r = tbwasm_page.run(Path("hello.elf").read_bytes())      # window.tbwasm.run in the page
    assert (r.status, r.stdout) == (0, "Hello, world!\\n")
    out = tbwasm_page.shell("echo hi | wc -c")                # typed into the page's shell
    assert out == "3\\n" and out.status == 0
    tbwasm_page.put_file("/tmp/in.txt", "data\\n"); tbwasm_page.get_file("/tmp/in.txt")

The page is opened on first use: the shell page (the site's ``/``) for ``shell()``, the
single-program page (``/?shell=0``) for anything else; a shell started later runs on that page.
Nothing here imports Playwright: the page comes from the caller (the pytest plugin)."""

from __future__ import annotations

import base64
import os
import re
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Page

LOAD_TIMEOUT = 120.0  # seconds from page open to Pyodide loaded (the first load on a busy machine)


class TbwasmError(RuntimeError):
    """The page could not do what was asked; the message is the page's one-line reason."""


@dataclass(frozen=True)
class RunResult:
    """What ``window.tbwasm.run`` resolved to (docs/embedding.md)."""

    status: int  # exit status as a shell reports it: 128 + signal, 130 when stopped, 2 not loaded
    stdout: str
    stderr: str
    stopped: bool = False
    error: str | None = None  # one-line reason when the program could not run
    message: str = ""
    truncated: bool = False
    stats: dict[str, Any] = field(default_factory=dict)


class ShellOutput(str):
    """What a shell command printed (``\\r\\n`` turned into ``\\n``); ``.status`` is its ``$?``."""

    status: int

    def __new__(cls, text: str, status: int) -> ShellOutput:
        self = super().__new__(cls, text)
        self.status = status
        return self


Program = str | bytes | bytearray | memoryview | os.PathLike[str]

# window.tbwasm.ready, as null or the one-line reason it was rejected with
_READY_JS = "() => window.tbwasm.ready.then(() => null, (e) => String((e && e.message) || e))"

_RUN_JS = """async (o) => {
  const dec = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const opts = { args: o.args, stdin: o.stdinB64 != null ? dec(o.stdinB64) : o.stdin };
  if (o.programB64 != null) opts.program = dec(o.programB64);
  else if (o.program != null) opts.program = o.program;
  if (o.path != null) opts.path = o.path;
  if (o.env != null) opts.env = o.env;
  if (o.tier != null) opts.tier = o.tier;
  const pick = (r) => ({
    status: r.status, stdout: r.stdout, stderr: r.stderr, stopped: !!r.stopped,
    error: r.error ?? null, message: r.message ?? "", truncated: !!r.truncated,
    stats: r.stats ?? {},
  });
  const thrown = (e) => ({ thrown: String((e && e.message) || e) });
  const run = window.tbwasm.run(opts).then(pick, thrown);
  let timer;
  const late = new Promise((ok) => { timer = setTimeout(() => ok(null), o.timeoutMs); });
  const r = await Promise.race([run, late]);
  clearTimeout(timer);
  if (r) return r;
  window.tbwasm.stop();
  const after = await Promise.race([run, new Promise((ok) => setTimeout(() => ok(null), 5000))]);
  return { timedOut: true, after };
}"""

_PUT_JS = """async ([path, b64, mode]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  try { await window.tbwasm.putFile(path, bytes, mode ?? undefined); return null; }
  catch (e) { return String((e && e.message) || e); }
}"""

_GET_JS = """async (path) => {
  try {
    const b = await window.tbwasm.getFile(path);
    let s = "";
    for (let i = 0; i < b.length; i += 0x8000) {
      s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
    }
    return { b64: btoa(s) };
  } catch (e) { return { error: String((e && e.message) || e) }; }
}"""

# the shell page: its app state (web/page/app.mjs) says whether the shell runs and what it printed
_SHELL_IDLE_JS = "() => window.tbwasmApp && (window.tbwasmApp.shell || !window.tbwasmApp.running)"
_SHELL_START_JS = "() => { if (!window.tbwasmApp.shell) void window.tbwasmApp.startShell(); }"
_SHELL_PROMPT_JS = """() => { const a = window.tbwasmApp;
  return a.shellExited || (a.shell && /[#$] /.test(a.output)); }"""
_SHELL_DONE_JS = """([src]) => { const a = window.tbwasmApp;
  return a.shellExited || new RegExp(src).test(a.output); }"""


@dataclass(frozen=True)
class MarkedCommand:
    """A command line between two markers the shell prints: ``line`` is what is typed,
    ``done`` the pattern of the end marker (with ``$?``) in the terminal's output. The markers
    the shell prints differ from what is typed (the quotes go), so the terminal's echo of the
    typed line never matches them."""

    line: str
    start: str
    done: str

    @staticmethod
    def make(command: str, tag: str, n: int) -> MarkedCommand:
        mark = f"__TBWASM_{tag}_"
        body = command.strip() or ":"
        ends_job = body.endswith("&") and not body.endswith("&&")
        sep = " " if body.endswith(";") or ends_job else "; "
        line = f'echo {mark}""S{n}; {body}{sep}echo {mark}""E{n}_$?'
        return MarkedCommand(line, f"{mark}S{n}", re.escape(f"{mark}E{n}_") + r"(\d+)\r?\n")

    def parse(self, output: str) -> ShellOutput | None:
        """What the command printed, from the terminal's output; None before its end marker."""
        m = re.search(self.done, output)
        if m is None:
            return None
        s = re.search(re.escape(self.start) + r"\r?\n", output[: m.start()])
        text = output[s.end() if s else 0 : m.start()]
        return ShellOutput(text.replace("\r\n", "\n"), int(m.group(1)))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class TbwasmPage:
    """One page of a tbwasm site. ``new_page`` makes the Playwright page (called once, on first
    use); ``site_url`` is the site's root URL."""

    def __init__(
        self,
        new_page: Callable[[], Page],
        site_url: str,
        *,
        load_timeout: float = LOAD_TIMEOUT,
    ) -> None:
        self._new_page = new_page
        self.site_url = site_url if site_url.endswith("/") else site_url + "/"
        self.load_timeout = load_timeout
        self.errors: list[str] = []  # page errors and console errors, for assertions
        self._page: Page | None = None
        self._tag = secrets.token_hex(3)  # shell end markers unique to this page
        self._commands = 0

    # ---- the page ----------------------------------------------------------------------------
    @property
    def page(self) -> Page:
        """The Playwright page (opened on the single-program page if nothing opened it yet)."""
        return self._open(shell=False)

    @property
    def opened(self) -> bool:
        return self._page is not None

    def open(self, *, shell: bool = False) -> Page:
        """Open the site (once: the shell page if ``shell``, else the single-program page) and
        wait until window.tbwasm is ready; the Playwright page."""
        return self._open(shell=shell)

    def close(self) -> None:
        if self._page is not None:
            self._page.close()

    def _on_console(self, msg: ConsoleMessage) -> None:
        if msg.type == "error":
            self.errors.append(msg.text)

    def _open(self, *, shell: bool) -> Page:
        if self._page is not None:
            return self._page
        page = self._new_page()
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", self._on_console)
        page.set_default_timeout(self.load_timeout * 1000)
        url = self.site_url if shell else urljoin(self.site_url, "?shell=0")
        self._page = page
        failure = ""
        try:
            page.goto(url, timeout=self.load_timeout * 1000)
        except Exception as e:  # playwright's Error: the first line says what
            failure = f"{url}: {str(e).strip().splitlines()[0] if str(e).strip() else e!r}"
        if failure:
            raise TbwasmError(failure)
        self._wait_ready(page)
        return page

    def _wait_ready(self, page: Page) -> None:
        """Wait for window.tbwasm.ready. A page may reload itself once while loading (a service
        worker that makes it cross-origin isolated): an evaluation cut by that is tried again."""
        deadline = time.monotonic() + self.load_timeout
        while True:
            left = max(deadline - time.monotonic(), 0.001)
            try:
                page.wait_for_function("() => window.tbwasm", timeout=left * 1000)
                reason = page.evaluate(_READY_JS)
            except Exception as e:  # playwright's Error, or its TimeoutError
                text = str(e)
                reloaded = "context was destroyed" in text or "navigat" in text
                if reloaded and time.monotonic() < deadline:
                    continue
                if "Timeout" in type(e).__name__ or "Timeout" in text.split("\n", 1)[0]:
                    raise TbwasmError(
                        f"{self.site_url}: window.tbwasm did not become ready within "
                        f"{self.load_timeout:g} s"
                    ) from None
                raise
            if reason is not None:
                raise TbwasmError(f"{self.site_url}: {reason}")
            return

    # ---- window.tbwasm -----------------------------------------------------------------------
    def run(
        self,
        program: Program | None = None,
        *,
        path: str | None = None,
        args: Sequence[str] | str = (),
        stdin: str | bytes = "",
        env: Mapping[str, str] | Sequence[str] | None = None,
        tier: str | None = None,
        timeout: float = 60.0,
    ) -> RunResult:
        """Run a guest program through ``window.tbwasm.run``: ``program`` is a URL (relative ones
        resolve against the site: ``"guests/hello.elf"``), the ELF's bytes, or a host file
        (``pathlib.Path``); or ``path`` names a program of the guest's filesystem
        (``"/usr/bin/python3"``). ``args`` is a list (or a string, split like a shell would);
        ``stdin`` is given, then end of file. A run longer than ``timeout`` seconds is stopped
        and raises TimeoutError; a page that cannot run raises TbwasmError."""
        if (program is None) == (path is None):
            raise ValueError("run() takes a program (URL, bytes or host file) or a guest path=")
        spec: dict[str, Any] = {"timeoutMs": timeout * 1000, "tier": tier}
        if isinstance(program, bytes | bytearray | memoryview):
            spec["programB64"] = _b64(bytes(program))
        elif isinstance(program, os.PathLike):
            spec["programB64"] = _b64(Path(program).read_bytes())
        elif isinstance(program, str):
            spec["program"] = urljoin(self.site_url, program)
        elif program is not None:
            raise TypeError(f"run(): program must be a URL, bytes or a path, not {program!r}")
        spec["path"] = path
        spec["args"] = args if isinstance(args, str) else [str(a) for a in args]
        if isinstance(stdin, str):
            spec["stdin"] = stdin
        else:
            spec["stdinB64"] = _b64(bytes(stdin))
        if isinstance(env, Mapping):
            spec["env"] = [f"{k}={v}" for k, v in env.items()]
        elif env is not None:
            spec["env"] = [str(e) for e in env]
        r = self._open(shell=False).evaluate(_RUN_JS, spec)
        if "thrown" in r:
            raise TbwasmError(r["thrown"])
        if r.get("timedOut"):
            raise TimeoutError(f"tbwasm run did not finish within {timeout:g} s (stopped it)")
        return RunResult(**r)

    def put_file(self, path: str, data: str | bytes, mode: int | None = None) -> None:
        """Put a file into the page's guest filesystem (directories are made; it stays for the
        page's later runs and its shell). ``mode`` defaults to 0o644."""
        raw = data.encode() if isinstance(data, str) else bytes(data)
        reason = self._open(shell=False).evaluate(_PUT_JS, [path, _b64(raw), mode])
        if reason is not None:
            raise TbwasmError(reason)

    def get_file(self, path: str) -> bytes:
        """A file of the page's guest filesystem (raises TbwasmError with the reason)."""
        r = self._open(shell=False).evaluate(_GET_JS, path)
        if "error" in r:
            raise TbwasmError(r["error"])
        return base64.b64decode(r["b64"])

    # ---- the shell ---------------------------------------------------------------------------
    def shell(self, command: str, *, timeout: float = 60.0) -> ShellOutput:
        """Type ``command`` (one line) into the page's shell (busybox sh on the guest's
        terminal) and return what it printed, ``\\r\\n`` as ``\\n``, with ``.status`` = ``$?``.
        The shell is started if it does not run (the page opens on it when ``shell`` is the
        first thing asked). A command still running after ``timeout`` seconds gets ^C and
        raises TimeoutError."""
        if "\n" in command or "\r" in command:
            raise ValueError("shell() takes one command line (no newlines)")
        page = self._open(shell=True)
        self._start_shell(page)
        marked = MarkedCommand.make(command, self._tag, self._commands)
        self._commands += 1
        page.locator(".xterm-helper-textarea").focus()
        page.keyboard.type(marked.line)
        page.keyboard.press("Enter")
        try:
            page.wait_for_function(_SHELL_DONE_JS, arg=[marked.done], timeout=timeout * 1000)
        except Exception as e:
            if "Timeout" not in type(e).__name__:
                raise
            page.keyboard.press("Control+C")
            raise TimeoutError(
                f"shell command {command!r} did not finish within {timeout:g} s (sent ^C)"
            ) from None
        result = marked.parse(page.evaluate("() => window.tbwasmApp.output"))
        if result is None:
            raise TbwasmError(f"the shell exited while running {command!r}")
        return result

    def _start_shell(self, page: Page) -> None:
        """The shell page's shell running at its prompt (started after a program the page runs,
        or after the last shell exited)."""
        try:
            page.wait_for_function(_SHELL_IDLE_JS, timeout=self.load_timeout * 1000)
            page.evaluate(_SHELL_START_JS)
            page.wait_for_function(_SHELL_PROMPT_JS, timeout=self.load_timeout * 1000)
        except Exception as e:
            if "Timeout" not in type(e).__name__:
                raise
            raise TbwasmError(
                f"the page's shell showed no prompt within {self.load_timeout:g} s"
            ) from None
        if page.evaluate("() => window.tbwasmApp.shellExited && !window.tbwasmApp.shell"):
            reason = page.evaluate(
                "() => (window.tbwasmApp.lastResult && window.tbwasmApp.lastResult.error) || ''"
            )
            raise TbwasmError(reason or "the page's shell exited at once")
