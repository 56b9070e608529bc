"""Servers for the network tests, all on 127.0.0.1 and started by the tests: a small HTTP server
that counts the connections it accepts (a refused destination must see none), a server that
sends without end (for killing the relay mid-transfer), and the Wisp relay (web/node/relay.mjs)
as a process."""

from __future__ import annotations

import hashlib
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass
class TcpServer:
    """A listening socket on 127.0.0.1 whose handler runs in a thread per connection."""

    port: int = 0
    accepted: int = 0
    closed: int = 0  # "silent": connections the peer closed
    body: bytes = b""
    sock: socket.socket | None = None
    threads: list[threading.Thread] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def _serve(server: TcpServer, handler: str) -> None:
    assert server.sock is not None
    while True:
        try:
            conn, _ = server.sock.accept()
        except OSError:
            return
        server.accepted += 1
        t = threading.Thread(target=_handle, args=(server, conn, handler), daemon=True)
        t.start()
        server.threads.append(t)


def _handle(server: TcpServer, conn: socket.socket, handler: str) -> None:
    try:
        with conn:
            if handler == "http":
                req = b""
                while b"\r\n\r\n" not in req:
                    got = conn.recv(4096)
                    if not got:
                        return
                    req += got
                head = f"HTTP/1.0 200 OK\r\nContent-Length: {len(server.body)}\r\n\r\n".encode()
                conn.sendall(head + server.body)
            elif handler == "sink":
                # "N\n" then N bytes: answers their SHA-256 (an upload through the relay)
                data = b""
                while b"\n" not in data:
                    got = conn.recv(65536)
                    if not got:
                        return
                    data += got
                head, _, data = data.partition(b"\n")
                want = int(head)
                h = hashlib.sha256(data)
                n = len(data)
                while n < want:
                    got = conn.recv(1 << 20)
                    if not got:
                        return
                    h.update(got)
                    n += len(got)
                conn.sendall(h.hexdigest().encode() + b"\n")
            elif handler == "silent":
                while conn.recv(4096):
                    pass
                server.closed += 1
            elif handler == "endless":
                chunk = b"x" * 65536
                while True:
                    conn.sendall(chunk)
    except OSError:
        pass


@contextmanager
def tcp_server(
    handler: str = "http", body: bytes = b"hello from the test server\n", host: str = "127.0.0.1"
) -> Iterator[TcpServer]:
    """A server on host (127.0.0.1):<free port>: "http" answers any request with `body`;
    "endless" sends bytes until the peer goes away; "sink" reads "N\\n" and N bytes and answers
    their SHA-256; "silent" never answers, and counts the connections the peer closed."""
    server = TcpServer(body=body)
    server.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.sock.bind((host, 0))
    server.sock.listen(64)
    server.port = server.sock.getsockname()[1]
    t = threading.Thread(target=_serve, args=(server, handler), daemon=True)
    t.start()
    try:
        yield server
    finally:
        server.sock.close()


def free_port() -> int:
    """A port nothing listens on (bound and released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Relay:
    proc: subprocess.Popen[str]
    url: str


@contextmanager
def relay(*args: str) -> Iterator[Relay]:
    """`node web/node/relay.mjs --port 0 ARGS...`; its first line names its URL."""
    proc = subprocess.Popen(
        ["node", str(REPO / "web" / "node" / "relay.mjs"), "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("Relay "):
            proc.kill()
            raise AssertionError(f"relay did not start: {line!r} {proc.communicate(timeout=10)}")
        yield Relay(proc, line.split()[1])
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
