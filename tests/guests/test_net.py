"""Guest networking on the native host (`tbwasm run --net`, `--net-allow`): TCP clients against
servers this test starts on 127.0.0.1, differential against qemu-riscv64 (which uses the host's
network directly), the policy (refused destinations reach nothing), the errors without a
network, and the root filesystem's own programs (busybox wget and nslookup, python3's urllib and
http.client) resolving names through the emulator's DNS server.

net_pair.c (guest-to-guest TCP/UDP over loopback, EMFILE after 10,000 sockets) runs in
tests/guests/test_guests.py, and in Node and the page through their every-program tests.
"""

from __future__ import annotations

import hashlib
import http.server
import os
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import helpers
import pytest

REPO = helpers.REPO_ROOT
CLIENT = helpers.GUEST_BIN_DIR / "net_client.elf"
ROOTFS = Path(os.environ.get("TBWASM_ROOTFS", REPO / "static" / "rootfs"))
TIMEOUT = 120
PAYLOAD = bytes((i * 31 + i // 1000) & 0xFF for i in range(300_000))


class Server:
    """A TCP server on 127.0.0.1 in a thread: ``handle(conn)`` per connection; counts them."""

    def __init__(self, handle, host: str = "127.0.0.1") -> None:
        self.sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.handle = handle
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            try:
                self.handle(conn)
            except OSError:
                pass

    def close(self) -> None:
        self.sock.close()

    def wait_accepted(self, n: int) -> int:
        """The count once it reaches n (the guest may exit before the accept thread runs)."""
        deadline = time.monotonic() + 20
        while self.accepted < n and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.accepted


def _echo(conn: socket.socket) -> None:
    while data := conn.recv(65536):
        conn.sendall(data)


@pytest.fixture(scope="module")
def echo() -> Iterator[Server]:
    s = Server(_echo)
    yield s
    s.close()


def _closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, never listening, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path != "/x":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD)))
        self.end_headers()
        self.wfile.write(PAYLOAD)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def web() -> Iterator[int]:
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv.server_address[1]
    srv.shutdown()


def tbwasm(args: list[str], net: list[str], timeout: float = TIMEOUT) -> helpers.Result:
    cmd = helpers.tbwasm_command(args[0], args[1:])
    at = cmd.index("run") + 1
    cmd[at:at] = net
    return subprocess.run(
        cmd, capture_output=True, env=helpers.host_env(), timeout=timeout, check=False, cwd=REPO
    )


def test_client_against_host_server_matches_qemu(echo: Server) -> None:
    closed = _closed_port()
    args = [str(echo.port), str(closed)]
    got = tbwasm([str(CLIENT), *args], ["--net-allow", "127.0.0.1"])
    assert got.returncode == 0, got.stderr.decode()
    if not helpers.have_qemu():
        pytest.fail("qemu-riscv64 not installed (scripts/setup.sh)")
    want = helpers.qemu_run(CLIENT, args)
    assert got.stdout.decode() == want.stdout.decode()
    assert got.returncode == want.returncode == 0
    assert b"1 MiB round trip: same" in got.stdout


@pytest.mark.parametrize(
    ("net", "dest", "errno"),
    [
        ([], "192.0.2.1", "ENETUNREACH"),  # no network: no route but loopback
        ([], "2001:db8::1", "ENETUNREACH"),
        ([], "127.0.0.1", "ECONNREFUSED"),  # loopback exists, nobody in the guest listens
        (["--net"], "127.0.0.1", "ECONNREFUSED"),  # loopback is not allowed by default
        (["--net"], "10.1.2.3", "ECONNREFUSED"),  # private
        (["--net"], "169.254.1.1", "ECONNREFUSED"),  # link-local
        (["--net"], "224.0.0.1", "ECONNREFUSED"),  # multicast
        (["--net"], "0.0.0.0", "ECONNREFUSED"),  # unspecified = this machine's loopback
        (["--net"], "::ffff:127.0.0.1", "ECONNREFUSED"),  # IPv4-mapped loopback
        (["--net-allow", "127.0.0.1:1"], "127.0.0.1", "ECONNREFUSED"),  # another port allowed
        (["--net-allow", "[::1]"], "127.0.0.1", "ECONNREFUSED"),  # another address allowed
    ],
)
def test_refused_destinations_reach_nothing(net: list[str], dest: str, errno: str) -> None:
    # a listening socket of its own that nobody accepts from: a connection that reached it
    # would wait in its backlog
    v6 = ":" in dest and "." not in dest
    with socket.socket(socket.AF_INET6 if v6 else socket.AF_INET) as lst:
        lst.bind(("::1" if v6 else "127.0.0.1", 0))
        lst.listen(8)
        port = str(lst.getsockname()[1])
        r = tbwasm([str(CLIENT), "refused", dest, port], net, timeout=60)
        assert r.returncode == 0, r.stderr.decode()
        assert r.stdout.decode() == f"connect {dest} {port}: -1 {errno}\n"
        lst.settimeout(0.2)
        with pytest.raises(TimeoutError):
            lst.accept()  # nothing reached it


def test_allowed_destination_connects(echo: Server) -> None:
    before = echo.accepted
    r = tbwasm(
        [str(CLIENT), "refused", "127.0.0.1", str(echo.port)],
        ["--net-allow", f"127.0.0.1:{echo.port}"],
        timeout=60,
    )
    assert r.stdout.decode() == f"connect 127.0.0.1 {echo.port}: 0 0\n", r.stderr.decode()
    assert echo.wait_accepted(before + 1) == before + 1


def _hello_then_reset(conn: socket.socket) -> None:
    conn.sendall(b"hello")
    conn.recv(2)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close: RST


def test_connection_reset_by_the_server_matches_qemu() -> None:
    # a server that dies mid-connection: ECONNRESET once, then end of file, EPIPE on send
    srv = Server(_hello_then_reset)
    try:
        args = ["reset", str(srv.port)]
        got = tbwasm([str(CLIENT), *args], ["--net-allow", "127.0.0.1"])
        assert got.returncode == 0, got.stderr.decode()
        assert b"read after reset: -1 ECONNRESET" in got.stdout
        if not helpers.have_qemu():
            pytest.fail("qemu-riscv64 not installed (scripts/setup.sh)")
        want = helpers.qemu_run(CLIENT, args).stdout
        # Linux wakes a poller at a reset (sk_error_report) before it marks the socket shut
        # down, so the poll line's POLLIN/POLLHUP depend on timing under qemu too: both see the
        # error, and every other line is the same.
        assert b"err=1" in _poll_line(got.stdout) and b"err=1" in _poll_line(want), (got, want)
        assert _without_poll(got.stdout) == _without_poll(want)
    finally:
        srv.close()


def _poll_line(out: bytes) -> bytes:
    return next((ln for ln in out.splitlines() if ln.startswith(b"poll: ")), b"")


def _without_poll(out: bytes) -> list[bytes]:
    return [ln for ln in out.splitlines() if not ln.startswith(b"poll: ")]


def test_ipv6_destination() -> None:
    srv = Server(_echo, "::1")
    try:
        port = str(srv.port)
        r = tbwasm([str(CLIENT), "refused", "::1", port], ["--net-allow", f"[::1]:{port}"])
        assert r.stdout.decode() == f"connect ::1 {port}: 0 0\n", r.stderr.decode()
        assert srv.wait_accepted(1) == 1
        r = tbwasm([str(CLIENT), "refused", "::1", port], ["--net-allow", "127.0.0.1"])
        assert r.stdout.decode() == f"connect ::1 {port}: -1 ECONNREFUSED\n"
        assert srv.accepted == 1
    finally:
        srv.close()


@pytest.mark.parametrize("spec", ["127.0.0.1:99999", "[::1", "a:b:c]:1", "no-such-host.invalid"])
def test_bad_net_allow_is_one_line(spec: str) -> None:
    r = tbwasm([str(helpers.GUEST_BIN_DIR / "hello.elf")], ["--net-allow", spec], timeout=60)
    assert r.returncode == 2
    lines = r.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tbwasm: bad --net-allow"), lines
    assert r.stdout == b""


# --- the root filesystem's programs -----------------------------------------------------------


def rootfs_run(args: list[str], net: list[str]) -> helpers.Result:
    if not (ROOTFS / ".tbwasm-index.json").is_file():
        pytest.fail("no root filesystem image (scripts/fetch-rootfs.sh)")
    return tbwasm(args, ["--rootfs", str(ROOTFS), *net], timeout=240)


def test_busybox_wget_from_host_server(web: int) -> None:
    r = rootfs_run(
        ["/bin/busybox", "wget", "-q", "-O", "-", f"http://localhost:{web}/x"],
        ["--net-allow", "127.0.0.1"],
    )
    assert r.returncode == 0, r.stderr.decode()
    assert hashlib.sha256(r.stdout).hexdigest() == hashlib.sha256(PAYLOAD).hexdigest()


def test_static_busybox_resolves_a_host_only_name(web: int) -> None:
    # guests/bin/busybox is statically linked glibc: its getaddrinfo asks DNS too
    name = _host_only_name()
    r = tbwasm(
        [str(helpers.GUEST_BIN_DIR / "busybox"), "wget", "-q", "-O", "-", f"http://{name}:{web}/x"],
        ["--net-allow", "127.0.0.0/8"],
    )
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout == PAYLOAD


def test_busybox_wget_without_network_fails_in_one_line(web: int) -> None:
    r = rootfs_run(["/bin/busybox", "wget", "-q", "-O", "-", f"http://192.0.2.1:{web}/x"], [])
    assert r.returncode == 1
    assert b"Network is unreachable" in r.stderr


def test_busybox_nslookup_asks_the_emulator_dns() -> None:
    # busybox nslookup always sends DNS queries (it does not read /etc/hosts): with no
    # /etc/resolv.conf in the image it asks 127.0.0.1:53, answered from the host's resolver
    r = rootfs_run(["/bin/busybox", "nslookup", "-type=a", "localhost"], ["--net"])
    assert r.returncode == 0, r.stderr.decode()
    out = r.stdout.decode()
    assert "Name:\tlocalhost" in out and "Address: 127.0.0.1" in out
    off = rootfs_run(["/bin/busybox", "nslookup", "-type=a", "localhost"], [])
    assert off.returncode != 0  # without a network there is no nameserver


@pytest.mark.jit_slow
def test_python3_urllib_and_http_client(web: int) -> None:
    code = f"""
import hashlib, http.client, socket, urllib.request
d = urllib.request.urlopen('http://localhost:{web}/x').read()
print('urllib', len(d), hashlib.sha256(d).hexdigest())
c = http.client.HTTPConnection('127.0.0.1', {web}, timeout=30)
c.request('GET', '/x')
r = c.getresponse()
print('http.client', r.status, hashlib.sha256(r.read()).hexdigest())
print(sorted({{a[4][0] for a in socket.getaddrinfo('localhost', 80, socket.AF_INET)}}))
"""
    r = rootfs_run(["/usr/bin/python3", "-c", code], ["--net-allow", "127.0.0.1"])
    assert r.returncode == 0, r.stderr.decode()
    h = hashlib.sha256(PAYLOAD).hexdigest()
    assert r.stdout.decode().splitlines() == [
        f"urllib {len(PAYLOAD)} {h}",
        f"http.client 200 {h}",
        "['127.0.0.1']",
    ]


@pytest.mark.jit_slow
def test_python3_resolves_a_name_only_the_host_knows(echo: Server) -> None:
    # a name from the host's resolver (its /etc/hosts) that the guest's /etc/hosts lacks: glibc's
    # getaddrinfo in the guest must ask DNS, and the emulator's DNS server asks the host
    name = _host_only_name()
    code = (
        "import socket\n"
        f"s = socket.create_connection(({name!r}, {echo.port}), timeout=30)\n"
        "s.sendall(b'via dns'); print(s.recv(100).decode(), s.getpeername()[0])\n"
    )
    r = rootfs_run(["/usr/bin/python3", "-c", code], ["--net-allow", f"127.0.0.0/8:{echo.port}"])
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode().split()[:2] == ["via", "dns"]


@pytest.mark.jit_slow
def test_python3_asyncio_over_epoll(echo: Server) -> None:
    # asyncio's selector is an EpollSelector: a server and a client in the guest (loopback),
    # and a client of the host's echo server, in one event loop
    code = f"""
import asyncio, selectors
print(type(selectors.DefaultSelector()).__name__)
async def handle(r, w):
    d = await r.read(100); w.write(d[::-1]); await w.drain(); w.close()
async def main():
    srv = await asyncio.start_server(handle, '127.0.0.1', 0)
    r, w = await asyncio.open_connection('127.0.0.1', srv.sockets[0].getsockname()[1])
    w.write(b'loopback'); await w.drain(); print((await r.read(100)).decode())
    r, w = await asyncio.open_connection('localhost', {echo.port})
    w.write(b'host echo'); await w.drain(); print((await r.read(100)).decode()); w.close()
    srv.close()
asyncio.run(main())
"""
    r = rootfs_run(["/usr/bin/python3", "-c", code], ["--net-allow", f"127.0.0.1:{echo.port}"])
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode().splitlines() == ["EpollSelector", "kcabpool", "host echo"]


def _host_only_name() -> str:
    """A name the host resolves to a loopback address that the image's /etc/hosts lacks (the
    host's own hostname usually is one)."""
    guest_hosts = (
        (ROOTFS / "etc" / "hosts").read_text() if (ROOTFS / "etc" / "hosts").exists() else ""
    )
    guest_names = {n for line in guest_hosts.splitlines() for n in line.split()[1:]}
    candidates = [socket.gethostname()]
    try:
        for line in Path("/etc/hosts").read_text().splitlines():
            parts = line.split("#", 1)[0].split()
            if parts and parts[0].startswith("127."):
                candidates += parts[1:]
    except OSError:
        pass
    for name in candidates:
        if name in guest_names or name == "localhost":
            continue
        try:
            addr = socket.gethostbyname(name)
        except OSError:
            continue
        if addr.startswith("127."):
            return name
    # None on this machine (its hostname resolves elsewhere): "LOCALHOST", which the host's
    # resolver answers (names match without case) and which the guest, whose image has no
    # /etc/nsswitch.conf (glibc's default: DNS before files), asks the emulator's DNS for
    return "LOCALHOST"


def test_async_waits_host_with_network(echo: Server) -> None:
    # the page's mode (every wait blocks the guest thread; the host gets "idle" Actions and
    # runs its event loop) with the native backend: the same output as qemu
    import io

    from py_backend.host.native import NativeHost
    from py_backend.host.netsock import HostSockets
    from py_backend.machine import Machine
    from py_backend.netpolicy import NetPolicy

    args = [str(echo.port), str(_closed_port())]
    host = NativeHost()
    out = io.BytesIO()
    machine = Machine(
        host.raw,
        CLIENT.read_bytes(),
        [str(CLIENT), *args],
        [f"{k}={v}" for k, v in helpers.BASE_GUEST_ENV.items()],
        stdin=io.BytesIO(b""),
        stdout=out,
        stderr=out,
    )
    machine.system.async_waits = True
    policy = NetPolicy.from_specs(["127.0.0.1"])
    machine.linux.net.backend = HostSockets(policy)
    machine.linux.net.policy = policy
    action = host.run(machine)
    assert action.kind == "exit" and action.status == 0, (action, out.getvalue())
    if not helpers.have_qemu():
        pytest.fail("qemu-riscv64 not installed (scripts/setup.sh)")
    assert out.getvalue() == helpers.qemu_run(CLIENT, args).stdout


def _stall(conn: socket.socket) -> None:
    conn.recv(4096)
    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 1000000\r\n\r\npartial")
    time.sleep(60)  # and never the rest


def test_ctrl_c_reaches_a_guest_waiting_for_the_network() -> None:
    # a shell on the emulated terminal: wget waits for a server that stalls; ^C ends it and the
    # shell goes on (the system waits in the backend and still reads the keyboard)
    import pty
    import select

    srv = Server(_stall)
    cmd = helpers.tbwasm_command(helpers.GUEST_BIN_DIR / "busybox", ["sh"])
    at = cmd.index("run") + 1
    cmd[at:at] = ["--net-allow", "127.0.0.1", "--tty", "on"]
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover (the child)
        os.chdir(REPO)
        os.execve(cmd[0], cmd, helpers.host_env())
    out = bytearray()

    def expect(what: bytes, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while what not in out:
            assert time.monotonic() < deadline, bytes(out)
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    out.extend(os.read(fd, 4096))
                except OSError:
                    break

    try:
        expect(b"# ")
        os.write(fd, f"wget -q -O - http://127.0.0.1:{srv.port}/x\n".encode())
        expect(b"partial")
        assert srv.wait_accepted(1) == 1
        os.write(fd, b"\x03")
        expect(b"^C")
        os.write(fd, b"echo still here $?\n")
        expect(b"still here 130\r\n")
        os.write(fd, b"exit\n")
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        srv.close()
        os.close(fd)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a running process, all its threads (``/proc/PID/stat``)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_waiting_for_the_network_sleeps_and_timeout_stops_it() -> None:
    # every guest thread waits for a stalled server: the system sleeps in the backend's select
    # (no busy loop: little CPU over a window of the wait, whatever start-up cost), and
    # --timeout still stops the run
    sent = threading.Event()

    def stall(conn: socket.socket) -> None:
        conn.recv(4096)
        conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 1000000\r\n\r\npartial")
        sent.set()
        time.sleep(120)

    srv = Server(stall)
    try:
        cmd = helpers.tbwasm_command(
            helpers.GUEST_BIN_DIR / "busybox",
            ["wget", "-q", "-O", "/dev/null", f"http://127.0.0.1:{srv.port}/x"],
        )
        at = cmd.index("run") + 1
        cmd[at:at] = ["--net-allow", "127.0.0.1", "--timeout", "30"]
        with subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=helpers.host_env(), cwd=REPO
        ) as proc:
            assert proc.stderr is not None
            assert sent.wait(60), "wget never reached the server"
            time.sleep(2)  # wget takes in the partial body and goes back to waiting
            assert proc.poll() is None
            window = 4.0
            before = _cpu_seconds(proc.pid)
            time.sleep(window)
            used = _cpu_seconds(proc.pid) - before
            assert proc.poll() is None
            err = proc.stderr.read().decode()
            proc.wait()
        assert proc.returncode == 130, err
        assert err.strip().endswith("after --timeout 30.0s"), err
        # a wait that sleeps uses next to nothing; a busy one would use about the whole window
        assert used < window / 4, used
    finally:
        srv.close()
