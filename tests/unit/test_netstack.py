"""The network layer without guest programs: the policy (netpolicy.py), the DNS server of
linux/net.py (queries as glibc sends them), a backend that connects by name (the relay case:
fake addresses), the limits, and sockets surviving a pickle (save/restore) -- through the
Linux system calls, with the native host's backend over real sockets on 127.0.0.1."""

from __future__ import annotations

import io
import ipaddress
import pickle
import socket
import struct
import threading
import time
from collections.abc import Iterator

import pytest
from helpers import LIVENESS_S

from py_backend.host.netsock import HostSockets
from py_backend.linux import errors as E
from py_backend.linux.errors import WouldBlock
from py_backend.linux.mm import AddressSpace
from py_backend.linux.net import FAKE_NET, NetStack
from py_backend.linux.syscalls import Linux
from py_backend.memory import anonymous_memory
from py_backend.netpolicy import NetPolicy, is_special, split_host_port

BUF = 0x200000
AF_INET, SOCK_STREAM, SOCK_DGRAM, SOCK_NONBLOCK = 2, 1, 2, 0o4000


class Env:
    def __init__(self) -> None:
        self.a = AddressSpace(anonymous_memory())
        self.a.set_brk_start(0x100000)
        self.a.map(BUF, 16 * 4096, 3, fixed=True)
        self.out = io.BytesIO()
        self.k = Linux(self.a, ["prog"], [], io.BytesIO(), self.out, self.out, exe_path="/bin/prog")

    def __call__(self, nr: int, *args: int) -> int:
        return self.k.syscall(nr, tuple(a & (2**64 - 1) for a in args))

    def sockaddr(self, ip: str, port: int, at: int = 0) -> int:
        self.a.write(
            BUF + at, struct.pack("<HH4s8x", AF_INET, socket.htons(port), socket.inet_aton(ip))
        )
        return BUF + at

    def connect(self, fd: int, ip: str, port: int) -> int:
        return self(203, fd, self.sockaddr(ip, port), 16)

    def send(self, fd: int, data: bytes) -> int:
        self.a.write(BUF + 0x1000, data)
        return self(206, fd, BUF + 0x1000, len(data), 0, 0, 0)

    def recv(self, fd: int, n: int = 4096) -> bytes | int:
        r = self(207, fd, BUF + 0x2000, n, 0, 0, 0)
        return self.a.read(BUF + 0x2000, r) if r >= 0 else r


def online(e: Env, allow: list[str], backend: type[HostSockets] = HostSockets) -> None:
    """What `tbwasm run --net-allow ...` does: the same policy in the stack and the backend."""
    policy = NetPolicy.from_specs(allow)
    e.k.net.backend = backend(policy)
    e.k.net.policy = policy


# --- policy -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "addr",
    ["127.0.0.1", "127.9.9.9", "::1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "fc00::1",
     "fd12::3", "169.254.0.1", "fe80::1", "224.0.0.1", "ff02::1", "0.0.0.0", "::",
     "255.255.255.255", "100.64.0.1", "192.0.2.1", "198.18.0.1", "::ffff:127.0.0.1",
     "::ffff:10.0.0.1", "not-an-address"],
)  # fmt: skip
def test_special_addresses_are_refused_by_default(addr: str) -> None:
    assert is_special(addr)
    assert not NetPolicy().allows(addr, 80)


@pytest.mark.parametrize("addr", ["93.184.216.34", "1.1.1.1", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(addr: str) -> None:
    assert not is_special(addr) and NetPolicy().allows(addr, 443)


def test_net_allow_rules() -> None:
    p = NetPolicy.from_specs(
        ["127.0.0.1:8080", "10.0.0.0/8", "[::1]:22", "fd00::1"],
        resolve=lambda name: [],
    )
    assert p.allows("127.0.0.1", 8080) and not p.allows("127.0.0.1", 8081)
    assert p.allows("::ffff:127.0.0.1", 8080)  # mapped form of an allowed address
    assert p.allows("10.200.3.4", 1) and not p.allows("172.16.0.1", 1)
    assert p.allows("11.0.0.1", 1)  # public: always
    assert p.allows("::1", 22) and not p.allows("::1", 23)
    assert p.allows("fd00::1", 5) and not p.allows("fd00::2", 5)
    named = NetPolicy.from_specs(["myhost:99"], resolve=lambda n: ["192.168.7.7", "fd00::7"])
    assert named.allows("192.168.7.7", 99) and named.allows("fd00::7", 99)
    assert not named.allows("192.168.7.7", 98)


@pytest.mark.parametrize("spec", ["h:0", "h:65536", "h:x", "[::1", "[::1]x", ":80", "nohost:1"])
def test_bad_specs(spec: str) -> None:
    with pytest.raises(ValueError, match="bad --net-allow"):
        NetPolicy.from_specs([spec], resolve=lambda n: [])


def test_split_host_port() -> None:
    assert split_host_port("a.b:1") == ("a.b", 1)
    assert split_host_port("::1") == ("::1", None)
    assert split_host_port("[::1]:2") == ("::1", 2)
    assert split_host_port("1.2.3.4") == ("1.2.3.4", None)


# --- DNS --------------------------------------------------------------------------------------


def query(name: str, qtype: int, qid: int = 0x1234) -> bytes:
    q = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q + struct.pack(">HH", qtype, 1)


def answers(reply: bytes) -> tuple[int, list[bytes]]:
    _qid, flags, _qd, an, _ns, _ar = struct.unpack_from(">HHHHHH", reply)
    off = 12
    while reply[off]:
        off += reply[off] + 1
    off += 5
    out = []
    for _ in range(an):
        assert reply[off : off + 2] == b"\xc0\x0c"
        _t, _c, _ttl, n = struct.unpack_from(">HHIH", reply, off + 2)
        out.append(reply[off + 12 : off + 12 + n])
        off += 12 + n
    return flags & 0xF, out


class _ByName(HostSockets):
    """The relay case: the backend resolves names itself when it connects."""

    def resolve(self, name: str) -> list[str] | None:
        return None


@pytest.fixture
def server() -> Iterator[socket.socket]:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)

    def serve() -> None:
        while True:
            try:
                c, _ = s.accept()
            except OSError:
                return
            with c:
                while d := c.recv(4096):
                    c.sendall(d.upper())

    threading.Thread(target=serve, daemon=True).start()
    yield s
    s.close()


def test_dns_over_udp_from_the_host_resolver() -> None:
    e = Env()
    e.k.net.backend = HostSockets()
    fd = e(198, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)
    assert e.connect(fd, "127.0.0.1", 53) == 0  # where glibc asks without /etc/resolv.conf
    assert e.recv(fd) == -E.EAGAIN
    q = query("localhost", 1)
    assert e.send(fd, q) == len(q)
    reply = e.recv(fd)
    assert isinstance(reply, bytes) and reply[:2] == b"\x12\x34"
    rcode, addrs = answers(reply)
    assert rcode == 0 and b"\x7f\x00\x00\x01" in addrs
    e.send(fd, query("no-such-name.invalid", 1, 7))
    rcode, addrs = answers(e.recv(fd))  # type: ignore[arg-type]
    assert rcode == 3 and addrs == []  # NXDOMAIN


def test_dns_without_network_is_unreachable_at_once() -> None:
    e = Env()
    fd = e(198, AF_INET, SOCK_DGRAM, 0)
    assert e.connect(fd, "10.0.2.3", 53) == -E.ENETUNREACH
    fd2 = e(198, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)
    assert e.connect(fd2, "127.0.0.1", 53) == 0
    e.send(fd2, query("localhost", 1))
    assert e.recv(fd2) == -E.ECONNREFUSED  # nobody at 127.0.0.1:53: a resolver gives up


def test_relay_backend_gets_names_through_fake_addresses(server: socket.socket) -> None:
    e = Env()
    online(e, ["127.0.0.1"], _ByName)
    u = e(198, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)
    e.connect(u, "10.0.2.3", 53)
    e.send(u, query("localhost", 1))
    _rcode, addrs = answers(e.recv(u))  # type: ignore[arg-type]
    ip = socket.inet_ntoa(addrs[0])
    assert ipaddress.ip_address(ip) in FAKE_NET
    e.send(u, query("localhost", 28))  # AAAA: none for a fake name
    assert answers(e.recv(u))[1] == []  # type: ignore[arg-type]
    t = e(198, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)
    assert e.connect(t, ip, server.getsockname()[1]) == -E.EINPROGRESS
    assert _talk(e, t, b"by name") == b"BY NAME"
    e(57, t)


def _talk(e: Env, fd: int, data: bytes) -> bytes:
    deadline = time.monotonic() + LIVENESS_S
    while e.send(fd, data) == -E.EAGAIN:
        e.k.net.wait(0.1)
        assert time.monotonic() < deadline
    got = b""
    while len(got) < len(data):
        r = e.recv(fd)
        if r == -E.EAGAIN:
            e.k.net.wait(0.1)
            assert time.monotonic() < deadline
            continue
        assert isinstance(r, bytes) and r
        got += r
    return got


# --- limits, save/restore ---------------------------------------------------------------------


def test_outside_connections_are_limited(server: socket.socket) -> None:
    e = Env()
    online(e, ["127.0.0.1"])
    e.k.net.max_host_conns = 2
    port = server.getsockname()[1]
    fds = [e(198, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0) for _ in range(3)]
    assert e.connect(fds[0], "127.0.0.1", port) == -E.EINPROGRESS
    assert e.connect(fds[1], "127.0.0.1", port) == -E.EINPROGRESS
    assert e.connect(fds[2], "127.0.0.1", port) == -E.ENOBUFS
    e(57, fds[0])
    assert e.connect(fds[2], "127.0.0.1", port) == -E.EINPROGRESS  # one was closed


def test_sockets_survive_pickling_outside_ones_reset(server: socket.socket) -> None:
    e = Env()
    online(e, ["127.0.0.1"])
    # an in-guest connection: listener, client, accepted end, data in flight
    lst = e(198, AF_INET, SOCK_STREAM, 0)
    assert e(200, lst, e.sockaddr("127.0.0.1", 4321), 16) == 0 and e(201, lst, 4) == 0
    cli = e(198, AF_INET, SOCK_STREAM, 0)
    assert e.connect(cli, "127.0.0.1", 4321) == 0
    acc = e(202, lst, 0, 0)
    assert acc > 0 and e.send(cli, b"kept") == 4
    out = e(198, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)
    e.connect(out, "127.0.0.1", server.getsockname()[1])
    assert _talk(e, out, b"x") == b"X"
    state = pickle.dumps((e.k.net, e.k.fds))
    net, fds = pickle.loads(state)
    assert net.backend is None and net.host_conns == 0
    e.k.net, e.k.fds = net, fds
    assert e.recv(acc) == b"kept"  # the in-guest connection goes on
    assert e.send(acc, b"back") == 4 and e.recv(cli) == b"back"
    assert e.recv(out) == -E.ECONNRESET  # the outside one was lost
    assert e.recv(out) == b""


def test_blocking_connect_to_an_outside_stream_waits() -> None:
    e = Env()
    online(e, ["127.0.0.1"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        fd = e(198, AF_INET, SOCK_STREAM, 0)
        with pytest.raises(WouldBlock):
            e.connect(fd, "127.0.0.1", s.getsockname()[1])
        for _ in range(100):
            e.k.net.wait(0.05)
            try:
                assert e.connect(fd, "127.0.0.1", s.getsockname()[1]) == 0  # the restart
                break
            except WouldBlock:
                continue
        e.a.write(BUF + 64, struct.pack("<I", 16))
        assert e(205, fd, BUF + 128, BUF + 64) == 0  # getpeername
        assert e.a.read(BUF + 132, 4) == b"\x7f\x00\x00\x01"


def test_net_stack_default_is_off() -> None:
    assert NetStack().backend is None and not NetStack().active()


def _mmsghdrs(e: Env, at: int, payloads: list[bytes]) -> int:
    """An mmsghdr vector at BUF+at: one iovec per message, its data after the headers."""
    vec = BUF + at
    data = vec + 64 * len(payloads) + 16 * len(payloads)
    for i, p in enumerate(payloads):
        iov = vec + 64 * len(payloads) + 16 * i
        e.a.write(data, p)
        e.a.write(iov, struct.pack("<QQ", data, len(p)))
        # msghdr: name, namelen, iov, iovlen, control, controllen, flags; then msg_len
        e.a.write(vec + 64 * i, struct.pack("<QI4xQQQQI4xI4x", 0, 0, iov, 1, 0, 0, 0, 0))
        data += len(p)
    return vec


def test_sendmmsg_and_recvmmsg_over_loopback_udp() -> None:
    """A batch each way between two guest UDP sockets (loopback needs no network): the counts
    and each msg_len; only the first message of recvmmsg may block, so an empty queue after a
    batch is a short count, and an empty one at first EAGAIN when non-blocking."""
    e = Env()
    rx = e(198, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)
    tx = e(198, AF_INET, SOCK_DGRAM, 0)
    assert e(200, rx, e.sockaddr("127.0.0.1", 40123), 16) == 0
    assert e.connect(tx, "127.0.0.1", 40123) == 0
    out = _mmsghdrs(e, 0x4000, [b"one", b"three"])
    assert e(269, tx, out, 2, 0) == 2
    assert [e.a.read_u32(out + 64 * i + 56) for i in range(2)] == [3, 5]
    into = _mmsghdrs(e, 0x6000, [bytes(16)] * 4)
    assert e(243, rx, into, 4, 0, 0) == 2
    assert [e.a.read_u32(into + 64 * i + 56) for i in range(2)] == [3, 5]
    first = struct.unpack("<Q", e.a.read(into + 64 * 4, 8))[0]  # the first iovec's buffer
    assert e.a.read(first, 3) == b"one"
    assert e(243, rx, into, 4, 0, 0) == -E.EAGAIN
