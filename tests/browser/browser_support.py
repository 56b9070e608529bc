"""What the browser tests share besides fixtures (a module of its own: test files import it by
name, and `conftest` is a name several test directories use)."""

from __future__ import annotations

from typing import Any

LOAD_TIMEOUT_MS = 90_000  # page open -> Pyodide loaded and the default program finished


def open_shell(open_page: Any, url: str) -> Any:
    """The shell page at url, once its shell shows a prompt, with the terminal focused."""
    page = open_page(url)
    page.wait_for_function(
        "() => window.tbwasmApp && window.tbwasmApp.shell && "
        "window.tbwasmApp.output.includes('# ')",
        timeout=LOAD_TIMEOUT_MS,
    )
    page.click(".xterm")
    return page
