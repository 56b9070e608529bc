"""The Wisp relay (web/node/relay.mjs: npm @mercuryworkshop/wisp-js's server with tbwasm's policy)
and the client of the page and Node (web/runtime/net.mjs), without a guest:
tests/node/net_client.mjs opens streams through a relay started here to servers on 127.0.0.1
started here.

    python -m pytest -q tests/node/test_net_relay.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from net_support import REPO, free_port, relay, tcp_server

CLIENT = REPO / "tests" / "node" / "net_client.mjs"


def client(url: str, *args: object, env: dict[str, str] | None = None) -> dict[str, Any]:
    r = subprocess.run(
        ["node", str(CLIENT), url, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        check=False,
    )
    assert r.returncode == 0, r.stderr
    return dict(json.loads(r.stdout.splitlines()[-1]))


def test_loopback_and_private_refused_without_allow() -> None:
    with tcp_server() as srv, relay() as rl:
        for host in ("127.0.0.1", "localhost", "::ffff:127.0.0.1", "127.1.2.3", "0.0.0.0"):
            got = client(rl.url, "get", host, srv.port)
            assert got["state"] == "refused", (host, got)
        # private, link-local, multicast, unique-local: refused by the policy, never tried
        for host in ("10.1.2.3", "192.168.0.1", "169.254.1.1", "224.0.0.1", "fd00::1", "fe80::1"):
            got = client(rl.url, "get", host, 80)
            assert got["state"] == "refused", (host, got)
        assert srv.accepted == 0


def test_allowed_with_net_allow_and_other_port_refused() -> None:
    body = os.urandom(300_000)
    with (
        tcp_server(body=body) as srv,
        tcp_server() as other,
        relay("--allow", f"127.0.0.1:{srv.port}") as rl,
    ):
        got = client(rl.url, "get", "127.0.0.1", srv.port)
        assert got["state"] == "eof"
        assert got["head"].startswith("HTTP/1.0 200 OK")
        head_len = len(f"HTTP/1.0 200 OK\r\nContent-Length: {len(body)}\r\n\r\n")
        assert got["bytes"] == head_len + len(body)
        assert srv.accepted == 1
        # the same host on another port: refused, and nothing reached that server
        got = client(rl.url, "get", "127.0.0.1", other.port)
        assert got["state"] == "refused"
        assert other.accepted == 0


def test_allow_without_port_and_by_name() -> None:
    with tcp_server() as a, tcp_server() as b, relay("--allow", "127.0.0.1", "--log", "WARN") as rl:
        assert client(rl.url, "get", "127.0.0.1", a.port)["state"] == "eof"
        assert client(rl.url, "get", "127.0.0.1", b.port)["state"] == "eof"
        # ::1 is loopback too, but not named
        assert client(rl.url, "get", "::1", a.port)["state"] == "refused"
    with tcp_server() as a, relay("--allow", f"localhost:{a.port}") as rl:
        assert client(rl.url, "get", "localhost", a.port)["state"] == "eof"


def test_nothing_listening_is_refused() -> None:
    port = free_port()
    with relay("--allow", f"127.0.0.1:{port}") as rl:
        assert client(rl.url, "get", "127.0.0.1", port)["state"] == "refused"


def test_stream_limit_per_connection() -> None:
    with tcp_server() as srv, relay("--allow", f"127.0.0.1:{srv.port}", "--max-streams", "5") as rl:
        # the relay's limit (the client would allow 100)
        got = client(
            rl.url, "hold", "127.0.0.1", srv.port, 8, env={"NET_CLIENT_MAX_STREAMS": "100"}
        )
        assert sorted(got["states"]) == ["open"] * 5 + ["refused"] * 3
        # another WebSocket (another page) has its own count
        got = client(
            rl.url, "hold", "127.0.0.1", srv.port, 5, env={"NET_CLIENT_MAX_STREAMS": "100"}
        )
        assert got["states"] == ["open"] * 5
    with tcp_server() as srv, relay("--allow", f"127.0.0.1:{srv.port}") as rl:
        # the client's own limit (64 by default): EMFILE at once
        got = client(rl.url, "hold", "127.0.0.1", srv.port, 66)
        assert got["states"].count("open") == 64
        assert got["states"][64:] == ["EMFILE", "EMFILE"]


def test_relay_dies_mid_transfer_is_reset() -> None:
    with tcp_server("endless") as srv, relay("--allow", f"127.0.0.1:{srv.port}") as rl:
        proc = subprocess.Popen(
            ["node", str(CLIENT), rl.url, "read", "127.0.0.1", str(srv.port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert json.loads(proc.stdout.readline()) == {"started": True}
        rl.proc.kill()
        out, err = proc.communicate(timeout=60)
        got = json.loads(out.splitlines()[-1])
        assert got["state"] == "reset", (got, err)
        assert got["bytes"] > 0
        assert got["log"] == [f"tbwasm: network relay {rl.url} closed the connection"]


def test_relay_unreachable_or_not_wisp_is_one_line() -> None:
    url = f"ws://127.0.0.1:{free_port()}/wisp/"
    got = client(url, "get", "example.com", 80)
    assert got["state"] == "unreachable"
    assert got["log"] == [f"tbwasm: network relay {url} is unreachable"]
    # an HTTP server that is no WebSocket server
    with tcp_server() as srv:
        url = f"ws://127.0.0.1:{srv.port}/wisp/"
        got = client(url, "get", "example.com", 80)
        assert got["state"] == "unreachable"
        assert len(got["log"]) == 1


@pytest.mark.parametrize("bad", ["127.0.0.1:http", "host:99999", "a b", "[::1]:x"])
def test_bad_allow_entry_is_one_line(bad: str) -> None:
    r = subprocess.run(
        ["node", str(REPO / "web" / "node" / "relay.mjs"), "--allow", bad],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert r.returncode == 2
    assert r.stderr.splitlines()[0].startswith("tbwasm-relay: --net-allow")
    assert "at " not in r.stderr  # no stack trace


NOT_WISP = """
import { WebSocketServer } from "ws";
const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
wss.on("connection", (ws) => ws.send("hello, this is no Wisp relay"));
wss.on("listening", () => console.log(wss.address().port));
"""


def test_websocket_that_is_not_wisp_is_one_line() -> None:
    proc = subprocess.Popen(
        ["node", "--input-type=module", "-e", NOT_WISP],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert proc.stdout is not None
        url = f"ws://127.0.0.1:{int(proc.stdout.readline())}/wisp/"
        got = client(url, "get", "example.com", 80)
        assert got["state"] == "unreachable"
        assert got["log"] == [f"tbwasm: network relay {url} does not speak Wisp"]
    finally:
        proc.kill()
        proc.wait()


def test_upload_with_flow_control() -> None:
    """20 MB sent through send(): it takes what the relay's CONTINUE window allows and says
    "full" (0) in between; every byte arrives in order."""
    with tcp_server("sink") as srv, relay("--allow", f"127.0.0.1:{srv.port}") as rl:
        got = client(rl.url, "upload", "127.0.0.1", srv.port, 20_000_000)
        assert got["reply"] == got["sha256"], got
        assert got["fulls"] > 0  # the window filled at least once


def upgrade_status(port: int, origin: str | None, host: str | None = None) -> str:
    """The status line the server answers a WebSocket upgrade of /wisp/ with."""
    import socket

    headers = [
        "GET /wisp/ HTTP/1.1",
        f"Host: {host or f'127.0.0.1:{port}'}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
    ]
    if origin is not None:
        headers.append(f"Origin: {origin}")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(("\r\n".join(headers) + "\r\n\r\n").encode())
        return s.recv(4096).split(b"\r\n", 1)[0].decode()


def test_browser_pages_of_other_origins_are_refused() -> None:
    """Any page the user visits could open a WebSocket to a relay on 127.0.0.1: the relay serves
    browsers (they send Origin) only for the origins it is told, serve.py only its own pages."""
    with relay() as rl:
        port = int(rl.url.rsplit(":", 1)[1].split("/")[0])
        assert upgrade_status(port, None).startswith("HTTP/1.1 101")  # Node, serve.py
        assert upgrade_status(port, "https://evil.example").startswith("HTTP/1.1 403")
    with relay("--allow-origin", "https://site.example") as rl:
        port = int(rl.url.rsplit(":", 1)[1].split("/")[0])
        assert upgrade_status(port, "https://site.example").startswith("HTTP/1.1 101")
        assert upgrade_status(port, "https://evil.example").startswith("HTTP/1.1 403")
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "serve.py"), "--port", "0", "--quiet", "--no-setup", "--net"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline().strip().rsplit(":", 1)[1].rstrip("/"))
        own = f"http://127.0.0.1:{port}"
        assert upgrade_status(port, own).startswith("HTTP/1.1 101")
        assert upgrade_status(port, None).startswith("HTTP/1.1 101")
        assert upgrade_status(port, "http://evil.example").startswith("HTTP/1.1 403")
        assert upgrade_status(port, f"http://localhost:{port}").startswith("HTTP/1.1 403")
        # the same page by another name of this server: its Host says so
        assert upgrade_status(port, f"http://localhost:{port}", f"localhost:{port}").startswith(
            "HTTP/1.1 101"
        )
    finally:
        proc.terminate()
        proc.wait(timeout=10)


BUILD_SITE = ["node", str(REPO / "web" / "node" / "bin.mjs"), "build-site"]


def test_build_site_names_a_relay(tmp_path: Path) -> None:
    site = tmp_path / "site"
    r = subprocess.run(
        [
            "node",
            str(REPO / "web" / "node" / "bin.mjs"),
            "build-site",
            str(site),
            "--no-rootfs",
            "--net",
            "wss://relay.example/wisp/",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    meta = '<meta name="tbwasm-net" content="wss://relay.example/wisp/">'
    assert meta in (site / "index.html").read_text()
    assert meta in (site / "docs" / "index.html").read_text()
    assert not (site / "web" / "node" / "relay.mjs").exists()  # Node only
    bad = subprocess.run(
        [
            "node",
            str(REPO / "web" / "node" / "bin.mjs"),
            "build-site",
            str(tmp_path / "bad"),
            "--net",
            'javascript:alert("x")',
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 1
    assert bad.stderr.startswith("tbwasm build-site: --net javascript:")
    assert len(bad.stderr.splitlines()) == 1
    assert not (tmp_path / "bad").exists()


def test_relay_goes_with_serve_py() -> None:
    """serve.py's relay exits when serve.py does, even killed (its stdin pipe closes)."""
    import signal
    import time

    proc = subprocess.Popen(
        [sys.executable, str(REPO / "serve.py"), "--port", "0", "--quiet", "--no-setup", "--net"],
        stdout=subprocess.PIPE,
        cwd=REPO,
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    kids = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    assert len(kids) == 1
    stat = Path(f"/proc/{kids[0]}/stat")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)

    def state() -> str:  # R/S while it runs, Z once exited and not yet reaped
        try:
            return stat.read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return "gone"

    deadline = time.monotonic() + 30
    while state() not in ("gone", "Z") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert state() in ("gone", "Z")
