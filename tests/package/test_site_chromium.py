"""A built site (``tbwasm build-site`` in a consumer project) from a server that sends no special
headers (``python3 -m http.server``: ``site_url`` of conftest.py), in Debian's chromium, used as
a person would: the service worker makes the page cross-origin isolated (one reload on the first
visit, none after), then the shell takes typing, ``sleep``, ^C and uploads (kept across a reload),
Stop ends a runaway program, and a site that cannot be isolated or lacks a file says so in one
line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from static_server import http_server

pytestmark = [pytest.mark.slow, pytest.mark.browser]

LOAD_MS = 120_000
PROMPT = "# "


def new_page(context: Any) -> Any:
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.set_default_timeout(LOAD_MS)
    return page


def output(page: Any) -> str:
    text: str = page.evaluate("window.tbwasmApp.output")
    return text


def typed(page: Any, line: str, expect: str, timeout: float = 60_000) -> str:
    """Type a line and Enter; wait for `expect` and then the prompt after the echoed line (the
    command has ended: no input is typed ahead of the shell)."""
    before = len(output(page))
    page.keyboard.type(line)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "([n, line, s]) => { const out = window.tbwasmApp.output.slice(n);"
        " const i = out.indexOf(line + '\\r\\n');"
        " return i >= 0 && out.indexOf(s, i + line.length) >= 0 &&"
        " out.lastIndexOf('# ') > out.indexOf(s, i + line.length); }",
        arg=[before, line, expect],
        timeout=timeout,
    )
    return output(page)[before:]


def test_static_site_is_isolated_and_works(browser: Any, site_url: str, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 1100, "height": 760})
    try:
        page = new_page(context)
        navigations: list[str] = []  # documents loaded (a reload is one more)
        page.on("domcontentloaded", lambda p: navigations.append(p.url))
        page.goto(site_url)
        page.wait_for_function(
            "() => window.tbwasmApp && window.tbwasmApp.shell && "
            "window.tbwasmApp.output.includes('# ')",
            timeout=LOAD_MS,
        )
        assert page.evaluate("crossOriginIsolated")
        assert page.evaluate("!!navigator.serviceWorker.controller")
        assert len(navigations) == 2, navigations  # the first visit reloads once
        page.click(".xterm")

        assert "hello-site" in typed(page, "echo hello-site | tr a-z A-Z; echo end", "end\r\n")
        assert "slept\r\n" in typed(page, "sleep 1; echo slept", "slept\r\n")

        # ^C ends a long sleep: the prompt is back long before its 100 s
        before = len(output(page))
        page.keyboard.type("sleep 100")
        page.keyboard.press("Enter")
        page.wait_for_timeout(1000)
        page.keyboard.press("Control+C")
        try:
            page.wait_for_function(
                "n => /\\^C[\\s\\S]*# /.test(window.tbwasmApp.output.slice(n))",
                arg=before,
                timeout=60_000,
            )
        except Exception:
            pytest.fail(f"no prompt after ^C: {output(page)[before:]!r}")

        # an upload lands in /home/user, and the shell reads it
        upload = tmp_path / "note.txt"
        upload.write_text("uploaded through the page\n")
        page.set_input_files("#put-file", str(upload))
        page.wait_for_function(
            "() => window.tbwasmApp.uploads.includes('/home/user/note.txt')", timeout=60_000
        )
        assert "uploaded through the page" in typed(
            page, "cat /home/user/note.txt", "through the page\r\n"
        )

        # the API runs beside the shell here too
        r = page.evaluate("window.tbwasm.run({path: '/bin/sh', args: ['-c', 'echo api; exit 3']})")
        assert (r["status"], r["stdout"]) == (3, "api\n")
        assert not page.errors, page.errors

        # the built site keeps /home in the browser (web/runtime/store.mjs): a reload finds it
        page.wait_for_function(
            "() => window.tbwasm.store.state === 'writer' && window.tbwasm.store.flushes > 0 "
            "&& !window.tbwasm.store.dirty",
            timeout=60_000,
        )
        page.reload()
        page.wait_for_function(
            "() => window.tbwasmApp && window.tbwasmApp.shell && "
            "window.tbwasmApp.output.includes('# ')",
            timeout=LOAD_MS,
        )
        page.click(".xterm")
        assert "uploaded through the page" in typed(
            page, "cat /home/user/note.txt", "through the page\r\n"
        )

        # a second visit is isolated from its first request (the service worker is active)
        second = new_page(context)
        visits: list[str] = []
        second.on("domcontentloaded", lambda p: visits.append(p.url))
        second.goto(site_url + "?shell=0&program=loop.elf")
        second.wait_for_function("() => window.tbwasmApp && window.tbwasmApp.running")
        assert second.evaluate("crossOriginIsolated") and len(visits) == 1, visits
        second.wait_for_timeout(1000)
        second.click("#stop")
        second.wait_for_function("() => window.tbwasmApp.lastResult", timeout=60_000)
        last = second.evaluate("window.tbwasmApp.lastResult")
        assert last["stopped"] and last["status"] == 130, last
        assert not second.errors, second.errors
    finally:
        context.close()


def test_no_isolation_is_one_line(browser: Any, site_url: str) -> None:
    """Service workers blocked (as some private modes do) and no headers: ready rejects with one
    line, the page shows it, and nothing hangs or reloads without end."""
    context = browser.new_context(service_workers="block")
    try:
        page = new_page(context)
        page.goto(site_url + "docs/")
        page.wait_for_function("() => window.tbwasm !== undefined")
        err = page.evaluate("window.tbwasm.ready.then(() => 'ready', (e) => e.message)")
        assert err.startswith("tbwasm: this page is not cross-origin isolated"), err
        assert "\n" not in err
    finally:
        context.close()


def test_missing_asset_is_one_line(browser: Any, built_site: Path, tmp_path: Path) -> None:
    """A site copied without one of its files (here the wheels' manifest): one line."""
    broken = tmp_path / "broken"
    broken.mkdir()
    for entry in built_site.iterdir():
        if entry.name != "wheels":
            (broken / entry.name).symlink_to(entry)
    (broken / "wheels").mkdir()
    for entry in (built_site / "wheels").iterdir():
        if entry.name != "manifest.json":
            (broken / "wheels" / entry.name).symlink_to(entry)
    context = browser.new_context()
    try:
        with http_server(broken) as url:
            page = new_page(context)
            page.goto(url + "docs/")
            # after the service worker's reload, and once the reloaded page's module has run
            page.wait_for_function("() => crossOriginIsolated && window.tbwasm !== undefined")
            err = page.evaluate("window.tbwasm.ready.then(() => 'ready', (e) => e.message)")
            assert "manifest.json" in err and "404" in err and "\n" not in err, err
    finally:
        context.close()
