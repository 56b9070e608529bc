#!/usr/bin/env python3
"""Development server for the tbwasm browser host (stdlib only).

    python serve.py [--port N] [--host 127.0.0.1] [--no-setup] [--quiet]

The first line on stdout is ``Serving http://HOST:PORT/`` (``--port 0`` picks a free port), so a
test can start the server and read where it listens.  Every response carries the headers that make
the page cross-origin isolated (SharedArrayBuffer and Atomics.wait need them) and ``no-cache``
with an ETag: the browser asks again every time (a rebuilt wheel is never served stale) but gets
``304 Not Modified`` for what it has, which also lets Chromium reuse its compiled code for
Pyodide's 8 MB ``pyodide.asm.wasm`` on the next page load.

URL prefix           directory
/pyodide/            node_modules/pyodide
/vendor/xterm/       node_modules/@xterm/xterm
/vendor/xterm-addon-fit/  node_modules/@xterm/addon-fit
/web/                web/
/guests/             guests/bin/
/docs/               docs/
/examples.json       generated: web/page/examples.json filtered to the programs in guests/bin/
/                    static/
/rootfs/             static/rootfs/: the guest's root filesystem image (scripts/fetch-rootfs.sh),
                     fetched file by file; symlinks in it are never followed (the image's
                     absolute links name guest paths, not the server's); to a client that
                     accepts gzip, a file's gzip copy from static/rootfs/.tbwasm-gz/ if it has
                     an up-to-date one (Content-Encoding: gzip)

/wisp/              with ``--net``: the guest's network, a Wisp relay (``web/node/relay.mjs``: npm
                     @mercuryworkshop/wisp-js's server with tbwasm's destination policy) that
                     this server starts as a child process on another port of 127.0.0.1 and
                     passes WebSocket upgrades to; HTML pages then carry
                     ``<meta name="tbwasm-net" content="wisp/">`` so the page finds it.

Nothing outside these directories is reachable: paths with ``..`` segments are refused.

    python serve.py --net [--net-allow HOST[:PORT]]... [--net-max-streams N]

turns the guest's network on (off by default).  The relay refuses loopback, private (RFC 1918,
fc00::/7), link-local, multicast and unspecified destinations unless a ``--net-allow`` entry
names them, and opens at most N (default 64) connections per page (per WebSocket).
Before serving it runs ``scripts/setup-web.sh`` (idempotent, fast when nothing changed) so that
``python serve.py`` alone works on a fresh checkout.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import posixpath
import shutil
import socket
import subprocess
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent

MOUNTS: list[tuple[str, Path]] = [
    ("/pyodide/", ROOT / "node_modules" / "pyodide"),
    ("/vendor/xterm/", ROOT / "node_modules" / "@xterm" / "xterm"),
    ("/vendor/xterm-addon-fit/", ROOT / "node_modules" / "@xterm" / "addon-fit"),
    ("/web/", ROOT / "web"),
    ("/guests/", ROOT / "guests" / "bin"),
    ("/docs/", ROOT / "docs"),
    ("/", ROOT / "static"),
]

MIME = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".wasm": "application/wasm",
    ".whl": "application/octet-stream",
    ".zip": "application/zip",
    ".elf": "application/octet-stream",
    ".tar": "application/x-tar",
    ".md": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".py": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
}

ISOLATION_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
}


def assets_present() -> bool:
    return (ROOT / "node_modules" / "pyodide" / "pyodide.mjs").is_file() and (
        ROOT / "static" / "wheels" / "manifest.json"
    ).is_file()


def ensure_assets(*, quiet: bool = False) -> None:
    """Run scripts/setup-web.sh (idempotent); its progress goes to stderr."""
    if not quiet:
        print("serve: checking web assets (scripts/setup-web.sh)", file=sys.stderr, flush=True)
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "setup-web.sh")],
        cwd=ROOT,
        stdout=sys.stderr if not quiet else subprocess.DEVNULL,
        stderr=sys.stderr if not quiet else subprocess.DEVNULL,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"serve: scripts/setup-web.sh failed with status {result.returncode}")


def examples() -> list[dict]:
    """web/page/examples.json entries whose program exists, then any other guests/bin/*.elf."""
    try:
        listed = json.loads((ROOT / "web" / "page" / "examples.json").read_text())
    except (OSError, ValueError):
        listed = []
    bin_dir = ROOT / "guests" / "bin"
    elfs = {p.name for p in bin_dir.glob("*.elf")}
    present = elfs | {p.name for p in bin_dir.glob("busybox") if p.is_file()}
    out = [e for e in listed if e.get("name") in present]
    known = {e["name"] for e in out}
    out += [{"name": n, "description": "", "args": ""} for n in sorted(elfs - known)]
    return out


ROOTFS = ROOT / "static" / "rootfs"


def _through_symlink(base: Path, target: Path) -> bool:
    """Whether any component of ``target`` below ``base`` is a symlink."""
    p = base
    for part in target.relative_to(base).parts:
        p = p / part
        if p.is_symlink():
            return True
    return False


def resolve(url_path: str) -> Path | None:
    """Map a URL path to a file under one of MOUNTS, or None (404)."""
    path = unquote(url_path)
    if "\0" in path or "\\" in path:
        return None
    parts = path.split("/")
    if any(p in ("..", ".") for p in parts):
        return None
    path = posixpath.normpath(path) + ("/" if path.endswith("/") else "")
    for prefix, base in MOUNTS:
        bare = prefix.rstrip("/")
        if path == bare and bare:
            return base / "index.html" if (base / "index.html").is_file() else None
        if path.startswith(prefix):
            rest = path[len(prefix) :]
            target = base.joinpath(*[p for p in rest.split("/") if p])
            if target.is_relative_to(ROOTFS) and _through_symlink(ROOTFS, target):
                return None
            if target.is_dir():
                target = target / "index.html"
            return target if target.is_file() else None
    return None


NET_META = b'<meta name="tbwasm-net" content="wisp/">'
WISP_PATH = "/wisp/"


def start_relay(allow: list[str], max_streams: int | None) -> tuple[subprocess.Popen[bytes], int]:
    """``node web/node/relay.mjs`` on a free port of 127.0.0.1; its first line names the port."""
    node = shutil.which("node")
    if node is None:
        raise SystemExit("serve: --net needs node (scripts/setup.sh installs it)")
    cmd = [node, str(ROOT / "web" / "node" / "relay.mjs"), "--host", "127.0.0.1", "--port", "0"]
    cmd.append("--with-parent")  # it exits when this process does (its stdin closes)
    for entry in allow:
        cmd += ["--allow", entry]
    if max_streams is not None:
        cmd += ["--max-streams", str(max_streams)]
    proc = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT
    )
    assert proc.stdout is not None and proc.stderr is not None
    line = proc.stdout.readline().decode(errors="replace")
    if not line.startswith("Relay "):
        err = proc.stderr.read().decode(errors="replace").strip().splitlines()
        proc.wait()
        why = err[0] if err else f"status {proc.returncode}"
        raise SystemExit(f"serve: the network relay did not start: {why}")
    err_pipe = proc.stderr
    threading.Thread(
        target=lambda: shutil.copyfileobj(err_pipe, sys.stderr.buffer), daemon=True
    ).start()
    port = int(line.split()[1].rsplit(":", 1)[1].split("/")[0])
    return proc, port


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    """Copy bytes from src to dst until either side ends."""
    try:
        while True:
            data = src.recv(1 << 16)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Handler(BaseHTTPRequestHandler):
    server_version = "tbwasm-serve"
    protocol_version = "HTTP/1.1"
    quiet = False
    relay_port: int | None = None  # --net: the relay's port on 127.0.0.1

    def end_headers(self) -> None:
        for k, v in ISOLATION_HEADERS.items():
            self.send_header(k, v)
        super().end_headers()

    def log_message(self, format: str, *args) -> None:
        if not self.quiet:
            super().log_message(format, *args)

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def do_GET(self) -> None:
        self._serve(body=True)

    def _send(
        self,
        status: int,
        ctype: str,
        data: bytes,
        body: bool,
        etag: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        if etag is not None and etag in self.headers.get("If-None-Match", ""):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if etag is not None:
            self.send_header("ETag", etag)
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _relay(self) -> None:
        """Hand a WebSocket upgrade of /wisp/ to the relay and copy bytes both ways.  A browser
        says which page opens the WebSocket (Origin): only this server's own pages may (any
        other page the user visits could otherwise reach what --net-allow opens); the relay
        gets the request without Origin (it refuses browsers it is not told about)."""
        assert self.relay_port is not None
        origin = self.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc != self.headers.get("Host", ""):
            self._send(403, "text/plain; charset=utf-8", b"not this server's page\n", True)
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", self.relay_port), timeout=10)
        except OSError:
            self._send(502, "text/plain; charset=utf-8", b"network relay unavailable\n", True)
            return
        upstream.settimeout(None)
        head = f"GET {self.path} HTTP/1.1\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in self.headers.items() if k.lower() != "origin"
        )
        upstream.sendall(head.encode("latin-1") + b"\r\n")
        self.close_connection = True
        self.wfile.flush()
        client = self.connection
        client.settimeout(None)
        t = threading.Thread(target=_pipe, args=(upstream, client), daemon=True)
        t.start()
        _pipe(client, upstream)
        t.join()
        upstream.close()

    def _serve(self, body: bool) -> None:
        path = urlsplit(self.path).path
        if path == WISP_PATH and self.relay_port is not None:
            if self.headers.get("Upgrade", "").lower() == "websocket":
                self._relay()
            else:
                self._send(426, "text/plain; charset=utf-8", b"a Wisp WebSocket endpoint\n", body)
            return
        if path == "/examples.json":
            data = (json.dumps(examples(), indent=2) + "\n").encode()
            self._send(200, MIME[".json"], data, body, f'"{hashlib.sha1(data).hexdigest()}"')
            return
        target = resolve(path)
        if target is None:
            self._send(404, "text/plain; charset=utf-8", b"404 not found\n", body)
            return
        if not path.endswith("/") and target.name == "index.html" and not path.endswith(".html"):
            # /docs -> /docs/ so relative links in the page resolve
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", path + "/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        ctype = MIME.get(target.suffix.lower(), "application/octet-stream")
        headers: dict[str, str] = {}
        try:
            st = target.stat()
            etag = f'"{st.st_mtime_ns:x}-{st.st_size:x}"'
            packed = self._gzip_copy(target, st.st_mtime_ns)
            if packed is not None:
                target, etag = packed, etag[:-1] + '-gz"'
                headers["Content-Encoding"] = "gzip"
            if target.is_relative_to(ROOTFS):
                headers["Vary"] = "Accept-Encoding"
            if etag in self.headers.get("If-None-Match", ""):
                self._send(200, ctype, b"", body, etag, headers)  # 304
                return
            data = target.read_bytes()
        except OSError:
            self._send(404, "text/plain; charset=utf-8", b"404 not found\n", body)
            return
        if self.relay_port is not None and ctype.startswith("text/html") and b"<head>" in data:
            # --net: the page finds the relay here (web/page/client.mjs reads this meta tag)
            data = data.replace(b"<head>", b"<head>\n" + NET_META, 1)
            etag = etag[:-1] + '-net"'
        self._send(200, ctype, data, body, etag, headers)

    def _gzip_copy(self, target: Path, mtime_ns: int) -> Path | None:
        """The up-to-date gzip copy of an image file (static/rootfs/.tbwasm-gz/PATH.gz, made by
        scripts/fetch-rootfs.sh), if the client accepts gzip."""
        if not target.is_relative_to(ROOTFS) or "gzip" not in self.headers.get(
            "Accept-Encoding", ""
        ):
            return None
        packed = ROOTFS / ".tbwasm-gz" / (str(target.relative_to(ROOTFS)) + ".gz")
        try:
            return packed if packed.stat().st_mtime_ns == mtime_ns else None
        except OSError:
            return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--no-setup", action="store_true", help="do not run scripts/setup-web.sh")
    ap.add_argument("--quiet", action="store_true", help="no request log")
    ap.add_argument("--net", action="store_true", help="the guest's network, through a Wisp relay")
    ap.add_argument(
        "--net-allow",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="a loopback/private destination the relay may connect to (repeatable)",
    )
    ap.add_argument("--net-max-streams", type=int, help="connections per page (default 64)")
    args = ap.parse_args(argv)
    if (args.net_allow or args.net_max_streams is not None) and not args.net:
        ap.error("--net-allow and --net-max-streams need --net")
    if not args.no_setup:
        ensure_assets()
    elif not assets_present():
        print("serve: warning: web assets missing; run scripts/setup-web.sh", file=sys.stderr)
    Handler.quiet = args.quiet
    relay: subprocess.Popen[bytes] | None = None
    if args.net:
        relay, Handler.relay_port = start_relay(args.net_allow, args.net_max_streams)
    httpd = ThreadingHTTPServer((args.host, args.port), Handler)
    httpd.daemon_threads = True
    host, port = httpd.server_address[:2]
    assert isinstance(host, str)  # an AF_INET/AF_INET6 address
    print(f"Serving http://{host}:{port}/", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
        if relay is not None:
            relay.terminate()
            relay.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
