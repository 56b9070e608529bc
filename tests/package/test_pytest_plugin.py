"""The pytest plugin's parts that need no browser (quick; the browser end to end is
test_consumer.py): loading it imports neither Playwright nor the emulator, a bad site is one line,
the static server sends plain responses with the right types, and the shell's markers."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from py_backend.testing.page import MarkedCommand
from py_backend.testing.site import SiteError, build, check_dir, check_url, serve

REPO = Path(__file__).resolve().parents[2]
PLUGIN = "py_backend.testing.pytest_plugin"


def _plugin_args() -> list[str]:
    """-p PLUGIN, unless this environment's install of tbwasm registers it already (pytest11)."""
    registered = any(ep.value == PLUGIN for ep in entry_points(group="pytest11"))
    return [] if registered else ["-p", PLUGIN]


def _pytest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *_plugin_args(), "-p", "no:cacheprovider", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    code = (
        f"import sys, {PLUGIN}; "
        "print(sorted(m for m in ('playwright', 'py_backend.machine', 'wasmtime', 'http.server') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_missing_site_is_a_one_line_usage_error(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text("def test_x(tbwasm_page):\n    pass\n")
    proc = _pytest(tmp_path, "--tbwasm-site", "nowhere")
    assert proc.returncode == 4
    assert proc.stderr.strip() == f"ERROR: tbwasm site {tmp_path / 'nowhere'}: no such directory"
    proc = _pytest(tmp_path, "--tbwasm-chromium", "/no/chromium")
    assert proc.stderr.strip() == "ERROR: --tbwasm-chromium /no/chromium: no such file"


def test_the_options_are_in_help(tmp_path: Path) -> None:
    out = _pytest(tmp_path, "--help").stdout
    for option in ("--tbwasm-site=DIR|URL", "--tbwasm-chromium=PATH", "--tbwasm-load-timeout"):
        assert option in out


def test_check_dir(tmp_path: Path) -> None:
    with pytest.raises(SiteError, match="no such directory"):
        check_dir(tmp_path / "none")
    with pytest.raises(SiteError, match=r"not a tbwasm site \(no index.html, web/page/embed.mjs"):
        check_dir(tmp_path)


def test_static_server_sends_plain_responses(tmp_path: Path) -> None:
    (tmp_path / "web" / "page").mkdir(parents=True)
    (tmp_path / "index.html").write_text("<p>hi</p>")
    (tmp_path / "web" / "page" / "embed.mjs").write_text("export {};\n")
    (tmp_path / "a.wasm").write_bytes(b"\0asm\1\0\0\0")
    with serve(tmp_path) as url:
        for path, ctype in (("", "text/html"), ("web/page/embed.mjs", "text/javascript")):
            with urllib.request.urlopen(url + path) as r:
                assert r.headers["Content-Type"].startswith(ctype), (path, r.headers)
                assert "Cross-Origin-Opener-Policy" not in r.headers
        with urllib.request.urlopen(url + "a.wasm") as r:
            assert r.headers["Content-Type"] == "application/wasm"
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen(url + "missing.txt")
        assert check_url(url) == ""  # a URL site is checked once before the tests use it
        assert check_url(url + "docs/").endswith("docs/web/page/embed.mjs: HTTP 404)")
    assert "cannot reach it" in check_url(url)


def test_build_failure_is_one_line(tmp_path: Path) -> None:
    pkg = tmp_path / "node_modules" / "tbwasm"
    pkg.mkdir(parents=True)
    (pkg / "package.json").write_text('{"name": "tbwasm", "version": "0.0.0"}')
    with pytest.raises(SiteError) as e:
        build(tmp_path)
    assert str(e.value).startswith("`npx tbwasm build-site` failed") and "\n" not in str(e.value)


def test_shell_markers() -> None:
    m = MarkedCommand.make("echo hi | wc -c", "ab12", 3)
    assert m.line == 'echo __TBWASM_ab12_""S3; echo hi | wc -c; echo __TBWASM_ab12_""E3_$?'
    # the terminal echoes the typed line (it never matches), then the shell prints the markers
    screen = f"# {m.line}\r\n__TBWASM_ab12_S3\r\n3\r\n__TBWASM_ab12_E3_0\r\n# "
    assert m.parse(screen[: screen.index("__TBWASM_ab12_E3_0")]) is None
    out = m.parse(screen)
    assert out == "3\n" and out is not None and out.status == 0
    # output without a final newline, and a failing command
    out = MarkedCommand.make("printf x; false", "t", 0).parse(
        "__TBWASM_t_S0\r\nx__TBWASM_t_E0_1\r\n"
    )
    assert out == "x" and out is not None and out.status == 1
    # a background job or a trailing ";" takes no extra ";"
    assert MarkedCommand.make("sleep 1 &", "t", 0).line.endswith(
        'sleep 1 & echo __TBWASM_t_""E0_$?'
    )
    assert MarkedCommand.make("true;", "t", 0).line.endswith('true; echo __TBWASM_t_""E0_$?')
    assert MarkedCommand.make("a && b", "t", 0).line.endswith('a && b; echo __TBWASM_t_""E0_$?')
    assert "; :; " in MarkedCommand.make("  ", "t", 0).line
