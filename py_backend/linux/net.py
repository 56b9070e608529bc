"""Guest TCP/IP: AF_INET and AF_INET6 sockets as open files, the in-guest loopback, the DNS
server the guest's resolver asks, and the `NetBackend` protocol a host implements to reach the
outside (the native host's sockets, `host/netsock.py`; a Wisp relay in the page and Node).

- **Stream sockets** (`TcpSocket`). A connection between two guest sockets (a connect to an
  address:port where a guest socket listens: 127.0.0.0/8, ::1, 0.0.0.0, :: or the guest's own
  address) is a pair of in-memory pipes, with or without a backend (Linux always has loopback).
  Anything else goes to the backend as a stream handle, after the policy (`netpolicy.py`)
  allowed the address; without a backend it is ENETUNREACH (loopback with nobody listening:
  ECONNREFUSED). Blocking calls raise `WouldBlock` like pipe reads; O_NONBLOCK (or
  MSG_DONTWAIT) gives EAGAIN, and a non-blocking connect EINPROGRESS, then POLLOUT and SO_ERROR.
- **Datagram sockets** (`UdpSocket`): guest-to-guest on loopback, and the DNS server at
  ``DNS_ADDR``:53, and at 127.0.0.1:53 where glibc and busybox ask when there is no
  /etc/resolv.conf (as in the root filesystem image), answered here: A and AAAA queries are asked of
  the backend's ``resolve``; a backend that connects by name (a relay: ``resolve`` gives None)
  gets addresses from ``FAKE_NET`` (198.18.0.0/15) remembered name <-> address, and a connect to
  one connects by that name. Other outside UDP: ENETUNREACH. Without a backend the nameserver is
  unreachable (ENETUNREACH at once, so a resolver gives up without timeouts).
- **A host** turns the network on with ``machine.linux.net.backend = backend`` and
  ``machine.linux.net.policy = NetPolicy.from_specs(allow)`` before it starts the machine (one
  `NetStack` serves every process of the run); ``NetStack.active()`` says an outside stream is
  open, and the System then waits in ``backend.wait`` (or, with ``async_waits``, returns "idle"
  Actions of at most ``poll_interval`` s).
- **Save/restore**: everything pickles; the backend and its handles do not: after a restore an
  outside connection is reset (ECONNRESET on its next use), in-guest ones go on.
"""

from __future__ import annotations

import ipaddress
import struct
import time
from collections.abc import Callable
from typing import Any, Protocol

from ..netpolicy import NetPolicy
from . import errors as E
from .errors import SyscallError, WouldBlock
from .vfs import O_NONBLOCK, O_RDONLY, O_WRONLY, S_IFSOCK, Node, OpenFile, Pipe, PipeEnd

AF_UNSPEC, AF_INET, AF_INET6 = 0, 2, 10
SOCK_STREAM, SOCK_DGRAM = 1, 2
O_RDWR = 2

# poll bits (asm-generic poll.h)
POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL = 0x1, 0x2, 0x4, 0x8, 0x10, 0x20
POLLRDNORM, POLLWRNORM, POLLRDHUP = 0x40, 0x100, 0x2000

# send/recv flags
MSG_PEEK, MSG_TRUNC, MSG_DONTWAIT, MSG_WAITALL, MSG_NOSIGNAL = 0x2, 0x20, 0x40, 0x100, 0x4000

# socket options
SOL_SOCKET, IPPROTO_IP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_IPV6 = 1, 0, 6, 17, 41
SO_REUSEADDR, SO_TYPE, SO_ERROR, SO_SNDBUF, SO_RCVBUF, SO_KEEPALIVE = 2, 3, 4, 7, 8, 9
SO_ACCEPTCONN, SO_PROTOCOL, SO_DOMAIN = 30, 38, 39
# struct timeval options; on a 64-bit ABI the _NEW numbers take the same layout
SO_RCVTIMEO, SO_SNDTIMEO, SO_RCVTIMEO_NEW, SO_SNDTIMEO_NEW = 20, 21, 66, 67
TIMEO_OPTS = {SO_RCVTIMEO: SO_RCVTIMEO, SO_RCVTIMEO_NEW: SO_RCVTIMEO,
              SO_SNDTIMEO: SO_SNDTIMEO, SO_SNDTIMEO_NEW: SO_SNDTIMEO}  # fmt: skip
IPV6_V6ONLY = 26
TCP_NODELAY = 1
DEFAULT_RCVBUF, DEFAULT_SNDBUF = 131072, 16384

GUEST_ADDR = "10.0.2.15"  # the guest's own address when it has a network (as slirp's)
GUEST_ADDR6 = "fec0::15"
DNS_ADDR = "10.0.2.3"  # the nameserver /etc/resolv.conf names
FAKE_NET = ipaddress.ip_network("198.18.0.0/15")  # names a relay connects to by name
EPHEMERAL = (32768, 60999)  # Linux's ip_local_port_range
MAX_HOST_CONNS = 256  # outside connections at once: then ENOBUFS
MAX_BACKLOG = 4096
HOST_READ = 65536  # what one poll of a host stream takes into the socket


class NetBackend(Protocol):
    """How guest sockets reach the outside. Handles are ints the backend chooses; no call
    blocks but ``wait``."""

    def connect(self, host: str, port: int) -> int:
        """A stream to host (an address, or a name for a backend that resolves names itself)
        at port; may raise SyscallError(ECONNREFUSED/ENETUNREACH/EMFILE) at once."""
        ...

    def state(self, h: int) -> str:
        """ "connecting", "open", "eof", "refused", "unreachable", "timeout", "reset" or
        "closed"."""
        ...

    def recv(self, h: int, n: int) -> bytes:
        """Up to n bytes there now; b"" if none (``state`` says whether that is the end)."""
        ...

    def send(self, h: int, data: bytes) -> int:
        """Bytes accepted now; 0: full, try later."""
        ...

    def shutdown_write(self, h: int) -> None: ...

    def close(self, h: int) -> None: ...

    def resolve(self, name: str) -> list[str] | None:
        """The addresses of name ([] when it has none); None: the backend connects by name."""
        ...

    def wait(self, timeout: float) -> None:
        """Block at most timeout s until any stream may have changed."""
        ...


# Optional members a backend may have (looked up with getattr, with these defaults):
#   writable(h) -> bool: send would accept something now (default True; a backend whose send
#       can return 0 should have it, or a guest blocked in send polls). When it is true, send
#       should take a whole chunk of up to 64 KiB (sendfile reads its source only once).
#   poll_interval: float: the longest the system waits for streams before the host gets control
#       back (an "idle" Action; default 0.25 s)


def _backend_writable(be: NetBackend, h: int) -> bool:
    fn = getattr(be, "writable", None)
    return True if fn is None else bool(fn(h))


class SocketNode(Node):
    kind = S_IFSOCK


def with_timeout(
    w: WouldBlock, opts: dict[tuple[int, int], int], opt: int, result: int
) -> WouldBlock:
    """A blocking socket call under SO_RCVTIMEO / SO_SNDTIMEO (``opts`` holds ns): the wait
    ends with -``result`` (EAGAIN; EINPROGRESS for connect) at the deadline."""
    t = opts.get((SOL_SOCKET, opt), 0)
    if t > 0 and w.deadline is None:
        w.deadline = time.monotonic_ns() + t  # (the signals clock: Threads.now)
        w.timeout_result = -result
    return w


# --- addresses --------------------------------------------------------------------------------

Addr = tuple[str, int]  # (address as ipaddress prints it, port)


def plain(ip: str) -> str:
    """An IPv4-mapped IPv6 address as its IPv4 address; others as they are."""
    a = ipaddress.ip_address(ip)
    if isinstance(a, ipaddress.IPv6Address) and a.ipv4_mapped is not None:
        return str(a.ipv4_mapped)
    return str(a)


def is_v4(ip: str) -> bool:
    return ":" not in ip


def parse_sockaddr(raw: bytes, family: int) -> Addr:
    """A struct sockaddr_in / sockaddr_in6 the guest gave -> (address, port); an IPv4 address
    given to an IPv6 socket, or an IPv4-mapped one, comes back as IPv4 text."""
    if len(raw) < 2:
        raise SyscallError(E.EINVAL)
    fam = int.from_bytes(raw[:2], "little")
    if fam == AF_INET:
        if len(raw) < 16:
            raise SyscallError(E.EINVAL)
        if family == AF_INET6:
            raise SyscallError(E.EAFNOSUPPORT)
        return str(ipaddress.IPv4Address(raw[4:8])), int.from_bytes(raw[2:4], "big")
    if fam == AF_INET6:
        if len(raw) < 24:
            raise SyscallError(E.EINVAL)
        if family != AF_INET6:
            raise SyscallError(E.EAFNOSUPPORT)
        return plain(str(ipaddress.IPv6Address(raw[8:24]))), int.from_bytes(raw[2:4], "big")
    raise SyscallError(E.EAFNOSUPPORT)


def pack_sockaddr(addr: Addr, family: int) -> bytes:
    ip, port = addr
    if family == AF_INET:
        return (
            struct.pack("<H", AF_INET)
            + port.to_bytes(2, "big")
            + (ipaddress.IPv4Address(ip).packed + bytes(8))
        )
    a = ipaddress.ip_address(ip)
    if isinstance(a, ipaddress.IPv4Address):
        a = ipaddress.IPv6Address(b"\0" * 10 + b"\xff\xff" + a.packed)
    return struct.pack("<H", AF_INET6) + port.to_bytes(2, "big") + bytes(4) + a.packed + bytes(4)


def _unspecified(ip: str) -> bool:
    return ip in ("0.0.0.0", "::")


def _loopback(ip: str) -> bool:
    return ipaddress.ip_address(ip).is_loopback


# --- the stack ----------------------------------------------------------------------------------


class NetStack:
    """What every process of one run shares: the backend (None: no network), the policy, the
    ports bound in the guest, the names given fake addresses."""

    def __init__(self, backend: NetBackend | None = None, policy: NetPolicy | None = None) -> None:
        self.backend = backend
        self.policy = policy if policy is not None else NetPolicy()
        self.bound: dict[tuple[int, int], list[Any]] = {}  # (type, port) -> sockets bound
        self.next_port = EPHEMERAL[0]
        self.fake_by_name: dict[str, str] = {}
        self.fake_by_ip: dict[str, str] = {}
        self.resolved: dict[str, list[str] | None] = {}
        self.host_conns = 0
        self.max_host_conns = MAX_HOST_CONNS

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        # host objects: the restoring host sets its own backend and policy (until then: no
        # network, and the default policy)
        state["backend"] = None
        state["policy"] = None
        state["host_conns"] = 0
        state["resolved"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.policy = NetPolicy()

    # --- routing ----------------------------------------------------------------------------

    def is_local(self, ip: str) -> bool:
        """An address of the guest itself (loopback, unspecified: Linux connects those to
        loopback, and its own address when it has a network)."""
        ip = plain(ip)
        if _loopback(ip) or _unspecified(ip):
            return True
        return self.backend is not None and ip in (GUEST_ADDR, GUEST_ADDR6)

    def own_address(self, dest: str) -> str:
        """The local address of a connection to dest."""
        dest = plain(dest)
        if self.is_local(dest):
            if _unspecified(dest):
                return "127.0.0.1" if is_v4(dest) else "::1"
            return dest
        return GUEST_ADDR if is_v4(dest) else GUEST_ADDR6

    # --- ports -------------------------------------------------------------------------------

    def bind(self, sock: Any, stype: int, ip: str, port: int, reuse: bool) -> int:
        if port == 0:
            port = self._ephemeral(stype)
        else:
            for other in self.bound.get((stype, port), []):
                if other is sock:
                    continue
                o_ip = other.local[0]
                overlap = _unspecified(o_ip) or _unspecified(ip) or plain(o_ip) == plain(ip)
                if overlap and not (reuse and other.reuse and other.state != "listening"):
                    raise SyscallError(E.EADDRINUSE)
        self.bound.setdefault((stype, port), []).append(sock)
        return port

    def _ephemeral(self, stype: int) -> int:
        lo, hi = EPHEMERAL
        for _ in range(hi - lo + 1):
            port = self.next_port
            self.next_port = lo if port >= hi else port + 1
            if not self.bound.get((stype, port)):
                return port
        raise SyscallError(E.EADDRNOTAVAIL)

    def unbind(self, sock: Any, stype: int) -> None:
        if sock.local is None:
            return
        socks = self.bound.get((stype, sock.local[1]), [])
        if sock in socks:
            socks.remove(sock)
        if not socks:
            self.bound.pop((stype, sock.local[1]), None)

    def find(self, stype: int, ip: str, port: int, want: str | None = None) -> Any:
        """The guest socket bound to ip:port (a listening one for streams), if any."""
        if not self.is_local(ip):
            return None
        ip = plain(ip)
        best = None
        for s in self.bound.get((stype, port), []):
            if want is not None and s.state != want:
                continue
            s_ip = plain(s.local[0])
            if s.family == AF_INET and not is_v4(ip):
                continue
            if s.family == AF_INET6 and is_v4(ip) and (s.v6only or s_ip == "::1"):
                continue
            if s_ip == ip:
                return s
            if _unspecified(s_ip) or (_unspecified(ip) and _loopback(s_ip)):
                best = best or s
        return best

    def is_dns_server(self, ip: str) -> bool:
        """The guest's nameserver: DNS_ADDR, and loopback port 53 (where glibc and busybox look
        when there is no /etc/resolv.conf, as the rootfs image has none) unless a guest socket
        is bound there. Without a backend there is none: the query is refused or unroutable."""
        if self.backend is None:
            return False
        ip = plain(ip)
        if ip == DNS_ADDR:
            return True
        return self.is_local(ip) and self.find(SOCK_DGRAM, ip, 53) is None

    # --- names -------------------------------------------------------------------------------

    def lookup(self, name: str) -> list[str] | None:
        """The addresses of name for a DNS answer; None: no such name."""
        name = name.rstrip(".").lower()
        if not name:
            return None
        if name in self.fake_by_name:
            return [self.fake_by_name[name]]
        if name in self.resolved:
            return self.resolved[name]
        be = self.backend
        if be is None:
            return None
        try:
            addrs = be.resolve(name)
        except (OSError, SyscallError, UnicodeError):
            addrs = []
        if addrs is None:  # the backend connects by name: give it an address of FAKE_NET
            n = len(self.fake_by_name) + 1
            if n >= FAKE_NET.num_addresses - 1:
                return None
            ip = str(FAKE_NET.network_address + n)
            self.fake_by_name[name] = ip
            self.fake_by_ip[ip] = name
            return [ip]
        result = list(addrs) or None
        self.resolved[name] = result
        return result

    def dns_answer(self, query: bytes) -> bytes | None:
        """The reply to one DNS query datagram (A and AAAA of class IN; other types get an
        empty answer), None for something that is not a query."""
        if len(query) < 12:
            return None
        qid, flags, qdcount = struct.unpack_from(">HHH", query)
        if flags & 0x8000 or qdcount != 1 or flags >> 11 & 0xF:
            return None
        labels: list[str] = []
        off = 12
        while True:
            if off >= len(query):
                return None
            n = query[off]
            off += 1
            if n == 0:
                break
            if n & 0xC0 or off + n > len(query):
                return None
            labels.append(query[off : off + n].decode("ascii", "replace"))
            off += n
        if off + 4 > len(query):
            return None
        qtype, qclass = struct.unpack_from(">HH", query, off)
        question = query[12 : off + 4]
        rcode, answers = 0, []
        if qclass == 1 and qtype in (1, 28):
            addrs = self.lookup(".".join(labels))
            if addrs is None:
                rcode = 3  # NXDOMAIN
            else:
                for a in addrs:
                    try:
                        ip = ipaddress.ip_address(a.split("%", 1)[0])
                    except ValueError:
                        continue
                    if (qtype == 1) == (ip.version == 4):
                        rdata = ip.packed
                        answers.append(
                            b"\xc0\x0c" + struct.pack(">HHIH", qtype, 1, 60, len(rdata)) + rdata
                        )
        head = struct.pack(">HHHHHH", qid, 0x8180 | (flags & 0x0100) | rcode, 1, len(answers), 0, 0)
        return head + question + b"".join(answers)

    # --- host waits -------------------------------------------------------------------------

    def active(self) -> bool:
        """Some outside stream is open: a wait of the whole system should be backend.wait."""
        return self.backend is not None and self.host_conns > 0

    def slice(self, default: float = 0.25) -> float:
        """How long the system may wait for outside streams before the host gets control back
        (a backend may say: its optional ``poll_interval`` attribute, e.g. a relay whose data
        arrives through the host's event loop)."""
        return float(getattr(self.backend, "poll_interval", default))

    def wait(self, timeout: float) -> None:
        if self.backend is not None:
            self.backend.wait(max(0.0, timeout))


# --- stream sockets ------------------------------------------------------------------------


class _Socket(OpenFile):
    """What every socket is: a stream without offsets (pread/pwrite: ESPIPE)."""

    def seekable(self) -> bool:
        return False

    def pread(self, n: int, off: int) -> bytes:
        raise SyscallError(E.ESPIPE)

    def pwrite(self, data: bytes, off: int) -> int:
        raise SyscallError(E.ESPIPE)


class TcpSocket(_Socket):
    """A SOCK_STREAM socket of AF_INET or AF_INET6 (see the module docstring). ``state``: new,
    bound, listening, connecting, connected, failed (a connect that did not complete)."""

    stype = SOCK_STREAM

    def __init__(self, stack: NetStack, family: int, flags: int) -> None:
        super().__init__(SocketNode(0o777), O_RDWR | (flags & O_NONBLOCK))
        self.stack = stack
        self.family = family
        self.state = "new"
        self.local: Addr | None = None
        self.peer: Addr | None = None
        self.rx: PipeEnd | None = None  # in-guest connection
        self.tx: PipeEnd | None = None
        self.handle: int | None = None  # outside connection
        self.rbuf = bytearray()
        self.reset = False  # an outside connection lost (restore, backend gone)
        self.reset_told = False  # ECONNRESET was reported once
        self.backlog: list[TcpSocket] = []  # (lists, not deques: plain to unpickle)
        self.backlog_max = 0
        self.so_error = 0
        self.in_progress = False  # a non-blocking connect answered EINPROGRESS
        self.shut_rd = self.shut_wr = False
        self.reuse = False
        self.v6only = False
        self.opts: dict[tuple[int, int], int] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if self.handle is not None:  # the host's stream does not survive a save
            state["handle"] = None
            state["reset"] = True
        return state

    @property
    def nonblocking(self) -> bool:
        return bool(self.flags & O_NONBLOCK)

    # --- the outside stream ----------------------------------------------------------------

    def _host_state(self) -> str:
        be = self.stack.backend
        if self.reset or be is None or self.handle is None:
            return "reset"
        return be.state(self.handle)

    def _drop_handle(self) -> None:
        be = self.stack.backend
        if self.handle is not None:
            if be is not None:
                be.close(self.handle)
            self.handle = None
            self.stack.host_conns = max(0, self.stack.host_conns - 1)

    def _settle(self) -> None:
        """A connect in progress that has completed or failed moves on."""
        if self.state != "connecting":
            return
        st = self._host_state()
        if st == "connecting":
            return
        if st in ("open", "eof"):
            self.state = "connected"
            return
        self.state = "failed"
        self.so_error = {
            "refused": E.ECONNREFUSED,
            "unreachable": E.ENETUNREACH,
            "timeout": E.ETIMEDOUT,
        }.get(st, E.ECONNRESET)
        self._drop_handle()

    def _fill(self) -> None:
        be = self.stack.backend
        if self.handle is not None and be is not None and not self.reset:
            if len(self.rbuf) < HOST_READ:
                data = be.recv(self.handle, HOST_READ)
                if data:
                    self.rbuf += data

    # --- readiness -------------------------------------------------------------------------

    def poll_mask(self) -> int:
        """Linux's tcp_poll, as far as these states go."""
        self._settle()
        st = self.state
        if st == "listening":
            return POLLIN | POLLRDNORM if self.backlog else 0
        if st == "connecting":
            return 0
        if st in ("new", "bound"):
            return POLLOUT | POLLWRNORM | POLLHUP
        if st == "failed":
            err = POLLERR if self.so_error else 0
            return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLHUP | err
        mask = 0
        if self.rx is not None and self.tx is not None:
            if self.shut_rd or self.rx.poll_in():
                mask |= POLLIN | POLLRDNORM
            if self.rx.pipe.writers == 0:
                mask |= POLLRDHUP | POLLIN | POLLRDNORM
            if self.shut_wr or self.tx.poll_out():
                mask |= POLLOUT | POLLWRNORM
            if self.tx.pipe.readers == 0 and not self.shut_wr:
                mask |= POLLERR
            if self.rx.pipe.writers == 0 and (self.shut_wr or self.tx.pipe.readers == 0):
                mask |= POLLHUP
            return mask
        self._fill()
        hs = self._host_state()
        if self.rbuf or self.shut_rd:
            mask |= POLLIN | POLLRDNORM
        if hs in ("eof", "closed", "reset", "timeout", "refused", "unreachable"):
            mask |= POLLIN | POLLRDNORM | POLLRDHUP
        if hs not in ("open", "eof", "connecting"):
            mask |= POLLERR | POLLHUP | POLLOUT
        elif self.shut_wr or (
            self.handle is not None
            and self.stack.backend is not None
            and _backend_writable(self.stack.backend, self.handle)
        ):
            mask |= POLLOUT | POLLWRNORM
        return mask

    def poll_in(self) -> bool:
        return bool(self.poll_mask() & (POLLIN | POLLERR | POLLHUP))

    def poll_out(self) -> bool:
        return bool(self.poll_mask() & (POLLOUT | POLLERR | POLLHUP))

    def write_room(self) -> int:
        """For sendfile/splice: blocks (or EAGAIN) until a send can take something; how much
        (a backend that is ``writable`` takes a whole chunk)."""
        self._settle()
        if self.state == "connected" and not self.shut_wr:
            if self.tx is not None:
                return self.tx.write_room()
            if not self.poll_mask() & (POLLOUT | POLLERR):
                raise self._block(False, self.poll_out, "send")
        return HOST_READ

    def _block(self, dontwait: bool, ready: Any, what: str) -> SyscallError:
        if dontwait or self.nonblocking:
            return SyscallError(E.EAGAIN)
        raise WouldBlock(ready, what=what)

    # --- data ------------------------------------------------------------------------------

    def read(self, n: int) -> bytes:
        return self.recv(n, 0)

    def write(self, data: bytes) -> int:
        return self.send(data, 0)

    def _input_ended(self) -> bool:
        """No more bytes will come (end of file, shutdown, a lost stream)."""
        if self.shut_rd:
            return True
        if self.rx is not None:
            return self.rx.pipe.writers == 0
        return self._host_state() not in ("open", "connecting")

    def readable_bytes(self) -> int:
        if self.rx is not None:
            return len(self.rx.pipe.buf)
        self._fill()
        return len(self.rbuf)

    def recv(self, n: int, flags: int) -> bytes:
        try:
            return self._recv(n, flags)
        except WouldBlock as w:
            raise with_timeout(w, self.opts, SO_RCVTIMEO, E.EAGAIN) from None

    def send(self, data: bytes, flags: int) -> int:
        try:
            return self._send(data, flags)
        except WouldBlock as w:
            raise with_timeout(w, self.opts, SO_SNDTIMEO, E.EAGAIN) from None

    def _begin(self, flags: int, ready: Callable[[], bool], what: str) -> bool:
        """What a transfer first does: settle the connection, block while it is being made,
        report a failed connect once; returns whether this call must not block."""
        self._settle()
        dontwait = bool(flags & MSG_DONTWAIT)
        if self.state == "connecting":
            raise self._block(dontwait, ready, what)
        if self.state == "failed" and self.so_error:
            err, self.so_error = self.so_error, 0
            raise SyscallError(err)
        return dontwait

    def _recv(self, n: int, flags: int) -> bytes:
        dontwait = self._begin(flags, self.poll_in, "recv")
        if self.state != "connected":
            raise SyscallError(E.ENOTCONN)
        if flags & MSG_WAITALL and not flags & MSG_PEEK and not (dontwait or self.nonblocking):
            want = min(n, HOST_READ)  # (at most a buffer's worth: the rest is a short read)
            if self.readable_bytes() < want and not self._input_ended():
                raise WouldBlock(
                    lambda: self.readable_bytes() >= want or self._input_ended(), what="recv"
                )
        if self.rx is not None:
            if self.shut_rd and not self.rx.pipe.buf:
                return b""
            self.rx.flags = O_RDONLY | (O_NONBLOCK if dontwait or self.nonblocking else 0)
            data = self.rx.read(n)
            if flags & MSG_PEEK:
                self.rx.pipe.buf[:0] = data
            return data
        self._fill()
        if self.rbuf:
            data = bytes(self.rbuf[:n])
            if not flags & MSG_PEEK:
                del self.rbuf[:n]
            return data
        if self.shut_rd:
            return b""
        hs = self._host_state()
        if hs in ("eof", "closed"):
            return b""
        if hs == "timeout":
            raise SyscallError(E.ETIMEDOUT)
        if hs in ("reset", "refused", "unreachable"):
            if not self.reset_told:
                self.reset_told = True
                raise SyscallError(E.ECONNRESET)
            return b""
        raise self._block(dontwait, self.poll_in, "recv")

    def _send(self, data: bytes, flags: int) -> int:
        dontwait = self._begin(flags, self.poll_out, "send")
        if self.state != "connected" or self.shut_wr:
            raise SyscallError(E.EPIPE)
        if self.tx is not None:
            self.tx.flags = O_WRONLY | (O_NONBLOCK if dontwait or self.nonblocking else 0)
            return self.tx.write(data)
        hs = self._host_state()
        if hs not in ("open", "eof"):
            if hs == "timeout":
                raise SyscallError(E.ETIMEDOUT)
            if not self.reset_told:
                self.reset_told = True
                raise SyscallError(E.ECONNRESET)
            raise SyscallError(E.EPIPE)
        be = self.stack.backend
        assert be is not None and self.handle is not None
        n = be.send(self.handle, data)
        if n > 0:
            return n
        raise self._block(dontwait, self.poll_out, "send")

    # --- connection ------------------------------------------------------------------------

    def bind(self, addr: Addr) -> None:
        ip, port = addr
        if self.local is not None:
            raise SyscallError(E.EINVAL)
        if not self.stack.is_local(ip) and not (
            self.stack.backend is not None and plain(ip) in (GUEST_ADDR, GUEST_ADDR6)
        ):
            raise SyscallError(E.EADDRNOTAVAIL)
        port = self.stack.bind(self, self.stype, ip, port, self.reuse)
        self.local = (ip, port)
        if self.state == "new":
            self.state = "bound"

    def _autobind(self, dest: str) -> None:
        if self.local is None:
            own = self.stack.own_address(dest)
            if self.family == AF_INET6 and is_v4(own):
                own = "::ffff:" + own
            port = self.stack.bind(self, self.stype, own, 0, False)
            self.local = (plain(own) if self.family == AF_INET else own, port)

    def listen(self, backlog: int) -> None:
        if self.state not in ("new", "bound", "listening"):
            raise SyscallError(E.EINVAL)
        if self.local is None:  # listen without bind: every address, an ephemeral port
            any_ip = "0.0.0.0" if self.family == AF_INET else "::"
            self.local = (any_ip, self.stack.bind(self, self.stype, any_ip, 0, False))
        for other in self.stack.bound.get((self.stype, self.local[1]), []):
            if other is not self and other.state == "listening":
                o_ip, ip = plain(other.local[0]), plain(self.local[0])
                if o_ip == ip or _unspecified(o_ip) or _unspecified(ip):
                    raise SyscallError(E.EADDRINUSE)
        self.state = "listening"
        self.backlog_max = max(1, min(backlog if backlog > 0 else 1, MAX_BACKLOG))

    def accept(self, flags: int) -> TcpSocket:
        try:
            return self._accept(flags)
        except WouldBlock as w:
            raise with_timeout(w, self.opts, SO_RCVTIMEO, E.EAGAIN) from None

    def connect(self, addr: Addr) -> int:
        try:
            return self._connect(addr)
        except WouldBlock as w:
            raise with_timeout(w, self.opts, SO_SNDTIMEO, E.EINPROGRESS) from None

    def _accept(self, flags: int) -> TcpSocket:
        if self.state != "listening":
            raise SyscallError(E.EINVAL)
        if not self.backlog:
            raise self._block(
                False, lambda: bool(self.backlog) or self.state != "listening", "accept"
            )
        conn = self.backlog.pop(0)
        conn.flags = O_RDWR | (flags & O_NONBLOCK)
        return conn

    def _connect(self, addr: Addr) -> int:
        if self.state == "listening":
            raise SyscallError(E.EISCONN)
        self._settle()
        if self.state == "connected":
            if self.in_progress:  # the first connect after an EINPROGRESS one reports success
                self.in_progress = False
                return 0
            raise SyscallError(E.EISCONN)
        if self.state == "connecting":
            if self.nonblocking:
                raise SyscallError(E.EALREADY)
            raise WouldBlock(lambda: self.poll_mask() != 0, what="connect")
        if self.state == "failed" and self.in_progress:
            self.in_progress = False
            err, self.so_error = self.so_error, 0
            raise SyscallError(err or E.ECONNREFUSED)
        if self.state == "failed":
            if self.so_error:
                err, self.so_error = self.so_error, 0
                raise SyscallError(err)
            self.state = "bound" if self.local is not None else "new"
        ip, port = addr
        if self.family == AF_INET6 and is_v4(ip) and self.v6only:
            raise SyscallError(E.ENETUNREACH)
        stack = self.stack
        listener = stack.find(SOCK_STREAM, ip, port, "listening") if port else None
        if listener is not None:
            return self._connect_local(listener, ip, port)
        if (stack.is_local(ip) and stack.backend is None) or port == 0:
            raise SyscallError(E.ECONNREFUSED)
        be = stack.backend
        if be is None:
            raise SyscallError(E.ENETUNREACH)
        name = stack.fake_by_ip.get(plain(ip))
        if name is None and not stack.policy.allows(plain(ip), port):
            raise SyscallError(E.ECONNREFUSED)
        if stack.host_conns >= stack.max_host_conns:
            raise SyscallError(E.ENOBUFS)
        h = be.connect(name or plain(ip), port)  # (SyscallError: the connect fails at once)
        stack.host_conns += 1
        self.handle = h
        self.reset = False
        self._autobind(ip)
        self.peer = (ip, port)
        self.state = "connecting"
        # Linux answers a non-blocking connect EINPROGRESS even when it completes at once; a
        # blocking one waits, and runs again (the restart takes the "connected" path above)
        self.in_progress = True
        if self.nonblocking:
            raise SyscallError(E.EINPROGRESS)
        raise WouldBlock(lambda: self.poll_mask() != 0, what="connect")

    def _connect_local(self, listener: TcpSocket, ip: str, port: int) -> int:
        if len(listener.backlog) > listener.backlog_max + MAX_BACKLOG:
            raise SyscallError(E.ECONNREFUSED)
        self._autobind(ip)
        assert self.local is not None
        a, b = Pipe(), Pipe()
        server = TcpSocket(self.stack, listener.family, 0)
        dest_ip = self.stack.own_address(ip)
        if listener.family == AF_INET6 and is_v4(dest_ip):
            dest_ip = "::ffff:" + dest_ip
        server.local = (dest_ip, port)
        peer_ip = self.local[0]
        if listener.family == AF_INET6 and is_v4(peer_ip):
            peer_ip = "::ffff:" + peer_ip
        server.peer = (peer_ip, self.local[1])
        server.state = "connected"
        self.rx, self.tx = PipeEnd(a, O_RDONLY), PipeEnd(b, O_WRONLY)
        server.rx, server.tx = PipeEnd(b, O_RDONLY), PipeEnd(a, O_WRONLY)
        self.peer = (ip if not _unspecified(ip) else self.stack.own_address(ip), port)
        self.state = "connected"
        listener.backlog.append(server)
        if self.nonblocking:
            self.in_progress = True
            raise SyscallError(E.EINPROGRESS)  # as Linux mostly answers, even on loopback
        return 0

    def shutdown(self, how: int) -> None:
        self._settle()
        if self.state != "connected":
            if self.state == "listening" and how in (0, 2):
                self._close_listener()
                self.state = "bound"
                return
            raise SyscallError(E.ENOTCONN)
        if how in (0, 2):
            self.shut_rd = True
        if how in (1, 2) and not self.shut_wr:
            self.shut_wr = True
            if self.tx is not None:
                self.tx.close()
            elif self.handle is not None and self.stack.backend is not None and not self.reset:
                self.stack.backend.shutdown_write(self.handle)

    def _close_listener(self) -> None:
        while self.backlog:
            self.backlog.pop(0).close()

    def close(self) -> None:
        if self.state == "closed":
            return
        self._close_listener()
        if self.rx is not None:
            self.rx.close()
        if self.tx is not None:
            self.tx.close()
        self._drop_handle()
        self.stack.unbind(self, self.stype)
        self.state = "closed"


# --- datagram sockets --------------------------------------------------------------------------


class UdpSocket(_Socket):
    """A SOCK_DGRAM socket: loopback between guest sockets, and the guest's DNS server."""

    stype = SOCK_DGRAM
    MAX_QUEUE = 256

    def __init__(self, stack: NetStack, family: int, flags: int) -> None:
        super().__init__(SocketNode(0o777), O_RDWR | (flags & O_NONBLOCK))
        self.stack = stack
        self.family = family
        self.state = "new"
        self.local: Addr | None = None
        self.peer: Addr | None = None
        self.inq: list[tuple[bytes, Addr]] = []
        self.so_error = 0
        self.reuse = False
        self.v6only = False
        self.shut_rd = self.shut_wr = False
        self.opts: dict[tuple[int, int], int] = {}

    def poll_mask(self) -> int:
        mask = POLLOUT | POLLWRNORM
        if self.inq or self.shut_rd:
            mask |= POLLIN | POLLRDNORM
        if self.so_error:
            mask |= POLLERR
        return mask

    def poll_in(self) -> bool:
        return bool(self.poll_mask() & (POLLIN | POLLERR))

    def poll_out(self) -> bool:
        return True

    def readable_bytes(self) -> int:
        return len(self.inq[0][0]) if self.inq else 0

    def _routable(self, ip: str) -> bool:
        return self.stack.is_local(ip) or self.stack.backend is not None

    def bind(self, addr: Addr) -> None:
        ip, port = addr
        if self.local is not None:
            raise SyscallError(E.EINVAL)
        if not self.stack.is_local(ip):
            raise SyscallError(E.EADDRNOTAVAIL)
        self.local = (ip, self.stack.bind(self, SOCK_DGRAM, ip, port, self.reuse))

    def _autobind(self, dest: str) -> None:
        if self.local is None:
            any_ip = "0.0.0.0" if self.family == AF_INET else "::"
            self.local = (any_ip, self.stack.bind(self, SOCK_DGRAM, any_ip, 0, False))

    def connect(self, addr: Addr | None) -> int:
        if addr is None:  # AF_UNSPEC: dissolve the association
            self.peer = None
            return 0
        ip, port = addr
        if not self._routable(ip):
            raise SyscallError(E.ENETUNREACH)
        self._autobind(ip)
        self.peer = (ip, port)
        return 0

    def sendto(self, data: bytes, dest: Addr | None, flags: int) -> int:
        if dest is None:
            if self.peer is None:
                raise SyscallError(E.EDESTADDRREQ)
            dest = self.peer
        if self.shut_wr:
            raise SyscallError(E.EPIPE)
        if len(data) > 65507:
            raise SyscallError(E.EMSGSIZE)
        ip, port = dest
        if not self._routable(ip):
            raise SyscallError(E.ENETUNREACH)
        self._autobind(ip)
        assert self.local is not None
        stack = self.stack
        if port == 53 and stack.is_dns_server(ip):
            reply = stack.dns_answer(data)
            if reply is not None and len(self.inq) < self.MAX_QUEUE:
                self.inq.append((reply, (ip, 53)))
            return len(data)
        if stack.is_local(ip):
            target = stack.find(SOCK_DGRAM, ip, port)
            src_ip = stack.own_address(ip)
            if target is not None and len(target.inq) < self.MAX_QUEUE:
                target.inq.append((data, (src_ip, self.local[1])))
            elif target is None and self.peer is not None:
                self.so_error = E.ECONNREFUSED  # the ICMP port unreachable of a connected socket
            return len(data)
        raise SyscallError(E.ENETUNREACH)  # no UDP to the outside

    def recvfrom(self, n: int, flags: int) -> tuple[bytes, int, Addr]:
        """(data up to n, the datagram's full length, its source)."""
        if self.so_error:
            err, self.so_error = self.so_error, 0
            raise SyscallError(err)
        if not self.inq:
            if self.shut_rd:
                return b"", 0, ("0.0.0.0", 0)
            if flags & MSG_DONTWAIT or self.nonblocking:
                raise SyscallError(E.EAGAIN)
            raise with_timeout(
                WouldBlock(lambda: bool(self.inq) or bool(self.so_error), what="recvfrom"),
                self.opts,
                SO_RCVTIMEO,
                E.EAGAIN,
            )
        data, src = self.inq[0] if flags & MSG_PEEK else self.inq.pop(0)
        return data[:n], len(data), src

    @property
    def nonblocking(self) -> bool:
        return bool(self.flags & O_NONBLOCK)

    def read(self, n: int) -> bytes:
        return self.recvfrom(n, 0)[0]

    def write(self, data: bytes) -> int:
        return self.sendto(data, None, 0)

    def shutdown(self, how: int) -> None:
        if self.peer is None:
            raise SyscallError(E.ENOTCONN)
        self.shut_rd = self.shut_rd or how in (0, 2)
        self.shut_wr = self.shut_wr or how in (1, 2)

    def close(self) -> None:
        self.stack.unbind(self, SOCK_DGRAM)
        self.inq.clear()


InetSocket = TcpSocket | UdpSocket


def revents(of: OpenFile, events: int) -> int:
    """poll's revents for one open file description: sockets know theirs (``poll_mask``),
    pipes theirs; files, devices and host streams are always ready."""
    mask_fn = getattr(of, "poll_mask", None)
    if mask_fn is not None:
        r = int(mask_fn())
    else:
        r = 0
        if of.readable and of.poll_in():
            r |= POLLIN
        if of.writable and of.poll_out():
            r |= POLLOUT
        if isinstance(of, PipeEnd):
            if of.readable and of.pipe.writers == 0:
                r |= POLLHUP
            if of.writable and of.pipe.readers == 0:
                r |= POLLERR
    return r & (events | POLLERR | POLLHUP | POLLNVAL)


# --- epoll ------------------------------------------------------------------------------------

EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP = 0x1, 0x4, 0x8, 0x10
EPOLLEXCLUSIVE, EPOLLWAKEUP, EPOLLONESHOT, EPOLLET = 1 << 28, 1 << 29, 1 << 30, 1 << 31


class EpollNode(Node):
    kind = 0  # anon_inode: not a regular file, directory, pipe or socket


class Epoll(OpenFile):
    """An epoll instance: the interest list, keyed by descriptor number as the guest registered
    it (with the description, so a closed and reused number is not confused with it)."""

    def __init__(self, flags: int) -> None:
        super().__init__(EpollNode(0o600), O_RDWR | flags)
        # fd -> [description, events, data, last reported mask (EPOLLET), disarmed (ONESHOT)]
        self.interest: dict[int, list[Any]] = {}

    def seekable(self) -> bool:
        return False

    def read(self, n: int) -> bytes:
        raise SyscallError(E.EINVAL)

    def write(self, data: bytes) -> int:
        raise SyscallError(E.EINVAL)

    def ready(self, maxevents: int, peek: bool = False) -> list[tuple[int, int]]:
        """(mask, data) of the registered descriptors that are ready, at most maxevents."""
        out: list[tuple[int, int]] = []
        for fd, entry in list(self.interest.items()):
            of, events, data, last, disarmed = entry
            if of.refs <= 0:  # every descriptor of it closed: Linux drops the registration
                del self.interest[fd]
                continue
            if disarmed:
                continue
            mask = revents(of, events)
            if events & EPOLLET:
                report = mask & ~last
                if not peek:
                    entry[3] = mask
                mask = report
            if not mask:
                continue
            if len(out) >= maxevents:
                break
            out.append((mask, data))
            if events & EPOLLONESHOT and not peek:
                entry[4] = True
        return out

    def poll_mask(self) -> int:
        return POLLIN | POLLRDNORM if self.ready(1, peek=True) else 0

    def poll_in(self) -> bool:
        return bool(self.poll_mask())


__all__ = [
    "AF_INET",
    "AF_INET6",
    "DNS_ADDR",
    "GUEST_ADDR",
    "Epoll",
    "InetSocket",
    "NetBackend",
    "NetStack",
    "SocketNode",
    "TcpSocket",
    "UdpSocket",
    "pack_sockaddr",
    "parse_sockaddr",
    "revents",
]
