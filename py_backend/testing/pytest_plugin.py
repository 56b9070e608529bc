"""The tbwasm pytest plugin (entry point ``pytest11: tbwasm``): the ``tbwasm_page`` fixture opens a
tbwasm site in Chromium through Playwright. See docs/testing.md.

    def test_hello(tbwasm_page):
        r = tbwasm_page.run(Path("hello.elf").read_bytes())
        assert r.status == 0 and r.stdout == "Hello, world!\\n"
        assert tbwasm_page.shell("echo hi | wc -c") == "3\\n"

Options: ``--tbwasm-site DIR|URL`` (or the ini value ``tbwasm_site``, or $TBWASM_SITE): a built
site (served here by the stdlib's static server on 127.0.0.1, with no special headers) or the URL
of one; by default the site of the npm package ``tbwasm`` installed in the project
(``npx --no-install tbwasm build-site``, cached). ``--tbwasm-chromium PATH`` (or
$TBWASM_CHROMIUM): the browser; default /usr/bin/chromium when it exists, else Playwright's own.

Loading the plugin imports neither Playwright nor the emulator: without Playwright only the
fixture fails, with a one-line message."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from py_backend.testing.page import LOAD_TIMEOUT, TbwasmPage

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

DEFAULT_CHROMIUM = "/usr/bin/chromium"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tbwasm", "tbwasm in a browser (the tbwasm_page fixture)")
    group.addoption(
        "--tbwasm-site",
        dest="tbwasm_site",
        metavar="DIR|URL",
        default=None,
        help="the tbwasm site to test: a directory built by `npx tbwasm build-site DIR` (served "
        "on 127.0.0.1 by a plain static server) or an http(s) URL. Default: $TBWASM_SITE, the ini "
        "value tbwasm_site, else the site of the project's node_modules/tbwasm (built, cached)",
    )
    group.addoption(
        "--tbwasm-chromium",
        dest="tbwasm_chromium",
        metavar="PATH",
        default=None,
        help="Chromium executable (default: $TBWASM_CHROMIUM, /usr/bin/chromium if it exists, "
        "else Playwright's own Chromium)",
    )
    group.addoption(
        "--tbwasm-load-timeout",
        dest="tbwasm_load_timeout",
        metavar="SECONDS",
        type=float,
        default=LOAD_TIMEOUT,
        help=f"seconds a page may take to load the emulator (default {LOAD_TIMEOUT:g})",
    )
    parser.addini("tbwasm_site", "the tbwasm site to test (DIR or URL), as --tbwasm-site")


def _site_option(config: pytest.Config) -> tuple[str, Path] | None:
    """(value, base directory for a relative path) of the site named by the option, the
    environment or the ini file; None when none names one."""
    value = config.getoption("tbwasm_site")
    if value:
        return value, config.invocation_params.dir
    value = os.environ.get("TBWASM_SITE")
    if value:
        return value, config.invocation_params.dir
    value = config.getini("tbwasm_site")
    if value:
        return str(value), config.rootpath
    return None


def pytest_configure(config: pytest.Config) -> None:
    # a site directory that is not there is a usage error, reported at once in one line
    named = _site_option(config)
    if named is not None and not named[0].startswith(("http://", "https://")):
        from py_backend.testing.site import SiteError, check_dir

        try:
            check_dir(named[1] / named[0])
        except SiteError as e:
            raise pytest.UsageError(str(e)) from None
    chromium = config.getoption("tbwasm_chromium")
    if chromium and not Path(chromium).exists():
        raise pytest.UsageError(f"--tbwasm-chromium {chromium}: no such file")


@pytest.fixture(scope="session")
def tbwasm_site_url(pytestconfig: pytest.Config) -> Iterator[str]:
    """The root URL of the site the tbwasm_page fixture opens (served for the session when
    it is a directory)."""
    from py_backend.testing.site import (
        NO_SITE,
        SiteError,
        build,
        check_dir,
        check_url,
        find_project,
        is_url,
        serve,
    )

    named = _site_option(pytestconfig)
    if named is not None and is_url(named[0]):
        url = named[0] if named[0].endswith("/") else named[0] + "/"
        reason = check_url(url)
        if reason:
            pytest.fail(reason, pytrace=False)
        yield url
        return
    failure = ""
    try:
        if named is not None:
            site = check_dir((named[1] / named[0]).resolve())
        else:
            project = find_project(pytestconfig.invocation_params.dir, pytestconfig.rootpath)
            if project is None:
                raise SiteError(NO_SITE)
            site = build(project)
    except SiteError as e:
        failure = str(e)
    if failure:  # outside the except block: one line, no chained traceback
        pytest.fail(failure, pytrace=False)
    with serve(site) as url:
        yield url


def _chromium(config: pytest.Config) -> str | None:
    """The Chromium executable to launch; None: Playwright's own."""
    path = config.getoption("tbwasm_chromium") or os.environ.get("TBWASM_CHROMIUM")
    if path:
        if not Path(path).exists():
            pytest.fail(f"Chromium {path} (from $TBWASM_CHROMIUM): no such file", pytrace=False)
        return str(path)
    return DEFAULT_CHROMIUM if Path(DEFAULT_CHROMIUM).exists() else None


def _launch(playwright: Playwright, executable: str | None) -> Browser:
    from playwright.sync_api import Error

    failure = ""
    try:
        return playwright.chromium.launch(executable_path=executable)
    except Error as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        failure = f"could not start Chromium ({executable or 'Playwright`s own'}): {first}"
    pytest.fail(failure, pytrace=False)  # outside the except block: one line


@pytest.fixture(scope="session")
def tbwasm_browser(
    pytestconfig: pytest.Config, request: pytest.FixtureRequest
) -> Iterator[Browser]:
    """Chromium, launched once per session through Playwright's sync API (with pytest-playwright
    installed, through its session's ``playwright``: one sync API per thread)."""
    if importlib.util.find_spec("playwright") is None:
        pytest.fail(
            "tbwasm_page needs Playwright: pip install playwright (and a Chromium: "
            "apt install chromium, or `playwright install chromium`)",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    executable = _chromium(pytestconfig)
    if pytestconfig.pluginmanager.hasplugin("playwright"):  # pytest-playwright
        browser = _launch(request.getfixturevalue("playwright"), executable)
        yield browser
        browser.close()
        return
    with sync_playwright() as p:
        browser = _launch(p, executable)
        yield browser
        browser.close()


@pytest.fixture
def tbwasm_page(
    tbwasm_browser: Browser, tbwasm_site_url: str, pytestconfig: pytest.Config
) -> Iterator[TbwasmPage]:
    """A page of the tbwasm site in its own browser context (its own guest filesystem), opened on
    first use: ``.run(...)``, ``.shell(cmd)``, ``.put_file(path, data)``, ``.get_file(path)``,
    ``.page`` (the Playwright page), ``.errors`` (the page's errors)."""
    contexts: list[Any] = []

    def new_page() -> Page:
        context = tbwasm_browser.new_context(viewport={"width": 1100, "height": 760})
        contexts.append(context)
        return context.new_page()

    page = TbwasmPage(
        new_page, tbwasm_site_url, load_timeout=pytestconfig.getoption("tbwasm_load_timeout")
    )
    yield page
    for context in contexts:
        context.close()
