"""What the browser tests share besides fixtures (a module of its own: test files import it by
name, and `conftest` is a name several test directories use)."""

from __future__ import annotations

import re
from typing import Any

LOAD_TIMEOUT_MS = 90_000  # page open -> Pyodide loaded and the default program finished
PROMPT = "# "  # the guest runs as root: PS1 of the image's /etc/profile ends in "# "


def wait_prompt(page: Any) -> None:
    """Wait until the page's shell shows its first prompt, then focus the terminal."""
    page.wait_for_function(
        "p => window.tbwasmApp && window.tbwasmApp.shell && window.tbwasmApp.output.includes(p)",
        arg=PROMPT,
        timeout=LOAD_TIMEOUT_MS,
    )
    page.click(".xterm")


def open_shell(open_page: Any, url: str) -> Any:
    """The shell page at url, once its shell shows a prompt, with the terminal focused."""
    page = open_page(url)
    wait_prompt(page)
    return page


def output(page: Any) -> str:
    """Everything the page's terminal has shown."""
    return str(page.evaluate("window.tbwasmApp.output"))


def typed(page: Any, line: str, expect: str | re.Pattern[str], timeout: float = 60_000) -> str:
    """Type ``line`` and Enter; wait until the output after the shell's echo of the line matches
    ``expect`` (a string or a pattern), so that the line typed never matches itself; return the
    output from the echo on."""
    before = len(output(page))
    page.keyboard.type(line)
    page.keyboard.press("Enter")
    pattern = expect if isinstance(expect, re.Pattern) else re.compile(re.escape(expect))
    page.wait_for_function(
        """([n, src]) => {
          const o = window.tbwasmApp.output.slice(n);
          const i = o.indexOf("\\n");
          return i >= 0 && new RegExp(src, "s").test(o.slice(i + 1));
        }""",
        arg=[before, pattern.pattern],
        timeout=timeout,
    )
    return output(page)[before:]


STOP_AFTER_JS = """async ([args, ms]) => {
  const p = window.tbwasm.run({program: "/guests/busybox", argv0: "busybox", args});
  await new Promise((ok) => setTimeout(ok, ms));
  const t0 = performance.now();
  window.tbwasm.stop();
  const r = await p;
  return {...r, stopMs: performance.now() - t0};
}"""


def stop_busybox_after(page: Any, args: list[str], after_ms: int) -> dict[str, Any]:
    """`busybox ARGS` through window.tbwasm.run, stopped after ``after_ms``: its result, plus
    ``stopMs``, the ms from the Stop to the result (bench/latency.py measures it too)."""
    return dict(page.evaluate(STOP_AFTER_JS, [args, after_ms]))
