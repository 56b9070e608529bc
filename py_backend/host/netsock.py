"""The native host's network backend (`linux.net.NetBackend`): guest streams over the host's
own non-blocking TCP sockets, `select` for ``wait``, the policy of `netpolicy.py` checked on the
address actually connected to (a name is resolved first, and refused if every address it has is
forbidden).

Each stream keeps a receive buffer (filled by ``wait`` and ``recv``, at most ``RBUF_MAX``: a
stream whose guest does not read stops being selected, so a wait does not spin) and a send
buffer (``SBUF_MAX``: ``send`` accepts what fits, ``writable`` says when there is room again,
``wait`` flushes it). A closed stream's unsent bytes are still flushed by later waits.
"""

from __future__ import annotations

import errno
import select
import socket
import time
from dataclasses import dataclass, field

from ..linux import errors as E
from ..linux.errors import SyscallError
from ..netpolicy import NetPolicy

RBUF_MAX = 1 << 20
SBUF_MAX = 256 << 10
CHUNK = 256 << 10
MAX_STREAMS = 256

_CONNECT_ERRORS = {
    errno.ECONNREFUSED: "refused",
    errno.ENETUNREACH: "unreachable",
    errno.EHOSTUNREACH: "unreachable",
    errno.ETIMEDOUT: "timeout",
}


@dataclass
class _Stream:
    sock: socket.socket
    state: str  # connecting, open, eof, refused, unreachable, timeout, reset
    rbuf: bytearray = field(default_factory=bytearray)
    wbuf: bytearray = field(default_factory=bytearray)
    shut_wr: bool = False  # shutdown(SHUT_WR) once wbuf is flushed


class HostSockets:
    """`NetBackend` over the host's sockets, with ``policy`` and at most ``max_streams``
    streams at once (then EMFILE)."""

    def __init__(self, policy: NetPolicy | None = None, max_streams: int = MAX_STREAMS) -> None:
        self.policy = policy if policy is not None else NetPolicy()
        self.max_streams = max_streams
        self.streams: dict[int, _Stream] = {}
        self.closing: list[_Stream] = []  # closed by the guest with bytes still to send
        self.next_handle = 1

    # --- NetBackend ---------------------------------------------------------------------------

    def resolve(self, name: str) -> list[str] | None:
        return self.addresses(name)

    def addresses(self, name: str) -> list[str]:
        """The host resolver's addresses of name (or the address itself), [] when none."""
        try:
            infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return []
        out: list[str] = []
        for family, _t, _p, _c, sa in infos:
            if family in (socket.AF_INET, socket.AF_INET6) and sa[0] not in out:
                out.append(str(sa[0]))
        return out

    def connect(self, host: str, port: int) -> int:
        if len(self.streams) + len(self.closing) >= self.max_streams:
            raise SyscallError(E.EMFILE)
        addrs = self.addresses(host)  # (a name: the relay case; checked after resolving)
        if not addrs:
            raise SyscallError(E.ENETUNREACH)
        allowed = [a for a in addrs if self.policy.allows(a, port)]
        if not allowed:
            raise SyscallError(E.ECONNREFUSED)  # nothing is sent anywhere
        ip = allowed[0]
        family = socket.AF_INET6 if ":" in ip else socket.AF_INET
        try:
            sock = socket.socket(family, socket.SOCK_STREAM)
        except OSError as e:
            raise SyscallError(
                E.EMFILE if e.errno in (errno.EMFILE, errno.ENFILE) else E.ENOBUFS
            ) from None
        sock.setblocking(False)
        err = sock.connect_ex((ip, port))
        if err not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN):
            sock.close()
            raise SyscallError({errno.ECONNREFUSED: E.ECONNREFUSED}.get(err, E.ENETUNREACH))
        h = self.next_handle
        self.next_handle += 1
        self.streams[h] = _Stream(sock, "open" if err == 0 else "connecting")
        return h

    def state(self, h: int) -> str:
        st = self.streams.get(h)
        if st is None:
            return "closed"
        if st.state == "connecting":
            self._check_connect(st, 0.0)
        return st.state

    def recv(self, h: int, n: int) -> bytes:
        st = self.streams.get(h)
        if st is None:
            return b""
        if not st.rbuf and st.state == "open":
            self._read(st)
        data = bytes(st.rbuf[:n])
        del st.rbuf[:n]
        return data

    def send(self, h: int, data: bytes) -> int:
        st = self.streams.get(h)
        if st is None or st.state not in ("open", "eof") or st.shut_wr:
            return 0
        sent = 0
        if not st.wbuf:
            try:
                sent = st.sock.send(data[:CHUNK])
            except BlockingIOError:
                sent = 0
            except OSError:
                st.state = "reset"
                return 0
        if len(st.wbuf) >= SBUF_MAX:
            return sent
        st.wbuf += data[sent:]  # (all of it while there is room: writable() was true)
        return len(data)

    def writable(self, h: int) -> bool:
        st = self.streams.get(h)
        if st is None:
            return True
        if st.wbuf:
            self._flush(st)
        return len(st.wbuf) < SBUF_MAX

    def shutdown_write(self, h: int) -> None:
        st = self.streams.get(h)
        if st is None:
            return
        st.shut_wr = True
        self._flush(st)

    def close(self, h: int) -> None:
        st = self.streams.pop(h, None)
        if st is None:
            return
        if st.wbuf and st.state in ("open", "eof"):
            st.shut_wr = True
            self._flush(st)
            if st.wbuf:
                self.closing.append(st)
                return
        st.sock.close()

    def wait(self, timeout: float) -> None:
        rl: list[socket.socket] = []
        wl: list[socket.socket] = []
        by_sock: dict[socket.socket, _Stream] = {}
        for st in [*self.streams.values(), *self.closing]:
            by_sock[st.sock] = st
            if st.state == "connecting" or st.wbuf:
                wl.append(st.sock)
            if st.state == "open" and len(st.rbuf) < RBUF_MAX and st in self.streams.values():
                rl.append(st.sock)
        if not rl and not wl:
            time.sleep(timeout)
            return
        try:
            r, w, _x = select.select(rl, wl, [], timeout)
        except (OSError, ValueError):
            return
        for s in r:
            self._read(by_sock[s])
        for s in w:
            st = by_sock[s]
            if st.state == "connecting":
                self._check_connect(st, 0.0)
            else:
                self._flush(st)
        for st in list(self.closing):
            if not st.wbuf or st.state not in ("open", "eof"):
                self.closing.remove(st)
                st.sock.close()

    # --- helpers ------------------------------------------------------------------------------

    def _check_connect(self, st: _Stream, timeout: float) -> None:
        try:
            _r, w, _x = select.select([], [st.sock], [], timeout)
        except (OSError, ValueError):
            st.state = "reset"
            return
        if not w:
            return
        err = st.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        st.state = "open" if err == 0 else _CONNECT_ERRORS.get(err, "reset")

    def _read(self, st: _Stream) -> None:
        try:
            data = st.sock.recv(CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:
            st.state = "timeout" if e.errno == errno.ETIMEDOUT else "reset"
            return
        if data:
            st.rbuf += data
        else:
            st.state = "eof"

    def _flush(self, st: _Stream) -> None:
        while st.wbuf:
            try:
                n = st.sock.send(st.wbuf[:CHUNK])
            except BlockingIOError:
                return
            except OSError:
                st.state = "reset"
                st.wbuf.clear()
                return
            del st.wbuf[:n]
        if st.shut_wr:
            try:
                st.sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass


__all__ = ["HostSockets"]
