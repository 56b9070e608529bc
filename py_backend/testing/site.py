"""Where the tbwasm_page fixture's site comes from: a directory served by a plain static server
(the stdlib's, on 127.0.0.1, no special headers: a stand-in for any static host), a URL used as
it is, or a site built from the npm package ``tbwasm`` of the current project
(``npx --no-install tbwasm build-site DIR``, cached in node_modules/.cache/tbwasm/site).

Every failure is a SiteError with a one-line message (the plugin reports it without a traceback).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

CACHE = Path("node_modules", ".cache", "tbwasm", "site")  # under the project holding the package
STAMP = ".tbwasm-site-stamp"
BUILD_TIMEOUT = 600.0


class SiteError(Exception):
    """A one-line reason why there is no site to test against."""


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def check_dir(path: Path) -> Path:
    """``path`` if it looks like a built site (index.html, web/page/embed.mjs), else SiteError."""
    if not path.is_dir():
        raise SiteError(f"tbwasm site {path}: no such directory")
    missing = [p for p in ("index.html", "web/page/embed.mjs") if not (path / p).is_file()]
    if missing:
        raise SiteError(
            f"tbwasm site {path}: not a tbwasm site (no {', '.join(missing)}; "
            "build one with `npx tbwasm build-site DIR`)"
        )
    return path


def check_url(url: str, timeout: float = 15.0) -> str:
    """The empty string if ``url`` serves a tbwasm site (its web/page/embed.mjs answers), else a
    one-line reason."""
    probe = urljoin(url, "web/page/embed.mjs")
    try:
        with urllib.request.urlopen(probe, timeout=timeout) as r:
            r.read(1)
    except urllib.error.HTTPError as e:
        return f"tbwasm site {url}: not a tbwasm site ({probe}: HTTP {e.code})"
    except (OSError, ValueError) as e:
        reason = getattr(e, "reason", None) or e
        return f"tbwasm site {url}: cannot reach it ({reason})"
    return ""


class _Handler(SimpleHTTPRequestHandler):
    """The stdlib's static file handler, quiet, with the types a tbwasm site needs (as any static
    host sends them; some systems' mime tables lack .mjs or .wasm)."""

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".wasm": "application/wasm",
        ".json": "application/json",
        ".whl": "application/octet-stream",
        ".elf": "application/octet-stream",
    }

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port) in a thread; yields its URL."""
    handler = partial(_Handler, directory=str(directory))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name="tbwasm-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def find_project(*starts: Path) -> Path | None:
    """The nearest directory (from each of ``starts`` upwards) with node_modules/tbwasm."""
    for start in starts:
        for d in (start, *start.parents):
            if (d / "node_modules" / "tbwasm" / "package.json").is_file():
                return d
    return None


def _stamp(project: Path) -> str:
    pkg = project / "node_modules" / "tbwasm" / "package.json"
    try:
        version = json.loads(pkg.read_text()).get("version", "?")
    except (OSError, ValueError):
        version = "?"
    return f"{version} {pkg.stat().st_mtime_ns}"


def build(project: Path) -> Path:
    """The site of ``project``'s installed tbwasm package, built once per installed version."""
    site = project / CACHE
    stamp = _stamp(project)
    if (site / STAMP).is_file() and (site / STAMP).read_text() == stamp:
        return site
    npx = shutil.which("npx")
    if npx is None:
        raise SiteError("building a tbwasm site needs node and npx (or pass --tbwasm-site DIR|URL)")
    tmp = site.with_name(f"site.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    try:
        proc = subprocess.run(
            [npx, "--no-install", "tbwasm", "build-site", str(tmp)],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise SiteError(f"`npx tbwasm build-site` took more than {BUILD_TIMEOUT:g} s") from None
    if proc.returncode != 0:
        last = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()[-1]
        shutil.rmtree(tmp, ignore_errors=True)
        raise SiteError(f"`npx tbwasm build-site` failed (status {proc.returncode}): {last}")
    check_dir(tmp)
    (tmp / STAMP).write_text(stamp)
    old = site.with_name(f"site.old-{os.getpid()}")
    if site.exists():
        site.rename(old)
    try:
        tmp.rename(site)
    except OSError:  # another process built it meanwhile: use theirs
        shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    return site


NO_SITE = (
    "tbwasm_page needs a tbwasm site: pass --tbwasm-site DIR|URL (a directory made by "
    "`npx tbwasm build-site DIR`), or run pytest in a project where `npm install tbwasm` was run"
)
