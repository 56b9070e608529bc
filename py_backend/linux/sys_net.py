"""The socket system calls (AF_UNIX as `sys_extra` emulates it, AF_INET and AF_INET6 over
`net.py`) and epoll. `NetSyscalls` is part of `syscalls.Linux`."""

from __future__ import annotations

import struct
from collections.abc import Callable

from . import errors as E
from .base import MAX_IO, LinuxBase
from .dispatch import s32, syscall_nr
from .errors import SyscallError, WouldBlock
from .net import (
    AF_INET,
    AF_INET6,
    AF_UNSPEC,
    DEFAULT_RCVBUF,
    DEFAULT_SNDBUF,
    EPOLLONESHOT,
    IPPROTO_IPV6,
    IPPROTO_TCP,
    IPV6_V6ONLY,
    MSG_DONTWAIT,
    MSG_NOSIGNAL,
    MSG_TRUNC,
    SO_ACCEPTCONN,
    SO_DOMAIN,
    SO_ERROR,
    SO_PROTOCOL,
    SO_RCVBUF,
    SO_REUSEADDR,
    SO_SNDBUF,
    SO_TYPE,
    SOCK_DGRAM,
    SOCK_STREAM,
    SOL_SOCKET,
    TIMEO_OPTS,
    Addr,
    Epoll,
    TcpSocket,
    UdpSocket,
    pack_sockaddr,
    parse_sockaddr,
)
from .signals import SI_USER, Signal
from .sys_extra import AF_UNIX, SOCK_CLOEXEC, SOCK_NONBLOCK, StreamSocket, UnixSocket
from .sysnr import Nr
from .vfs import O_NONBLOCK, File, HostFile, OpenFile

SOCK_RAW = 3
MSGHDR = struct.Struct("<QI4xQQQQi4x")  # name, namelen, iov, iovlen, control, controllen, flags
MMSGHDR_SIZE = 64
EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD = 1, 2, 3
EPOLL_EVENT = struct.Struct("<I4xQ")  # riscv64: not packed (only x86-64's is)
EPOLL_MAX_EVENTS = (1 << 31) // EPOLL_EVENT.size


def _is_socket(of: OpenFile) -> bool:
    return isinstance(of, TcpSocket | UdpSocket | UnixSocket | StreamSocket)


class NetSyscalls(LinuxBase):
    """Part of `syscalls.Linux` (uses the aspace, fds, signals and ``net``: the run's
    `net.NetStack`)."""

    def _sock(self, fd: int) -> OpenFile:
        of = self._file(fd)
        if not _is_socket(of):
            raise SyscallError(E.ENOTSOCK)
        return of

    def _inet(self, fd: int) -> TcpSocket | UdpSocket:
        of = self._sock(fd)
        if not isinstance(of, TcpSocket | UdpSocket):
            raise SyscallError(E.EOPNOTSUPP)
        return of

    def _read_addr(self, sock: TcpSocket | UdpSocket, addr: int, addrlen: int) -> Addr:
        if s32(addrlen) < 0 or addrlen > 128:
            raise SyscallError(E.EINVAL)
        return parse_sockaddr(self.aspace.read(addr, addrlen), sock.family)

    def _write_addr(self, raw: bytes, addr: int, lenp: int) -> None:
        if not addr or not lenp:
            return
        have = s32(self.aspace.read_u32(lenp))
        if have < 0:
            raise SyscallError(E.EINVAL)
        self.aspace.write(addr, raw[:have])
        self.aspace.write_u32(lenp, len(raw))

    # --- sockets --------------------------------------------------------------------------

    @syscall_nr(Nr.socket)
    def sys_socket(self, domain: int, stype: int, protocol: int, *_: int) -> int:
        base = stype & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)
        cloexec = bool(stype & SOCK_CLOEXEC)
        nb = O_NONBLOCK if stype & SOCK_NONBLOCK else 0
        if domain == AF_UNIX:
            if base not in (1, 2, 5):
                raise SyscallError(E.EINVAL)
            if protocol != 0:
                raise SyscallError(E.EPROTONOSUPPORT)
            return self._new_fd(UnixSocket(base, nb), cloexec=cloexec)
        if domain not in (AF_INET, AF_INET6):
            raise SyscallError(E.EAFNOSUPPORT)
        sock: OpenFile
        if base == SOCK_STREAM and protocol in (0, 6):
            sock = TcpSocket(self.net, domain, nb)
        elif base == SOCK_DGRAM and protocol in (0, 17):
            sock = UdpSocket(self.net, domain, nb)
        elif base == SOCK_RAW:
            raise SyscallError(E.EPERM)
        elif base in (SOCK_STREAM, SOCK_DGRAM):
            raise SyscallError(E.EPROTONOSUPPORT)
        else:
            raise SyscallError(E.EINVAL if base > 10 else E.ESOCKTNOSUPPORT)
        return self._new_fd(sock, cloexec=cloexec)

    @syscall_nr(Nr.bind)
    def sys_bind(self, fd: int, addr: int, addrlen: int, *_: int) -> int:
        sock = self._sock(fd)
        if not isinstance(sock, TcpSocket | UdpSocket):
            raise SyscallError(E.EOPNOTSUPP)  # AF_UNIX: only socketpair is emulated
        sock.bind(self._read_addr(sock, addr, addrlen))
        return 0

    @syscall_nr(Nr.listen)
    def sys_listen(self, fd: int, backlog: int, *_: int) -> int:
        sock = self._sock(fd)
        if not isinstance(sock, TcpSocket):
            raise SyscallError(E.EOPNOTSUPP)
        sock.listen(s32(backlog))
        return 0

    @syscall_nr(Nr.accept)
    def sys_accept(self, fd: int, addr: int, lenp: int, *_: int) -> int:
        return self.sys_accept4(fd, addr, lenp, 0)

    @syscall_nr(Nr.accept4)
    def sys_accept4(self, fd: int, addr: int, lenp: int, flags: int, *_: int) -> int:
        if flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC):
            raise SyscallError(E.EINVAL)
        sock = self._sock(fd)
        if not isinstance(sock, TcpSocket):
            raise SyscallError(E.EOPNOTSUPP if isinstance(sock, UdpSocket) else E.EINVAL)
        if sock.state == "listening" and sock.backlog and len(self.fds) >= self.rlimits[7][0]:
            raise SyscallError(E.EMFILE)  # (before taking the connection off the queue)
        conn = sock.accept(O_NONBLOCK if flags & SOCK_NONBLOCK else 0)
        nfd = self._new_fd(conn, cloexec=bool(flags & SOCK_CLOEXEC))
        if conn.peer is not None:
            self._write_addr(pack_sockaddr(conn.peer, conn.family), addr, lenp)
        return nfd

    @syscall_nr(Nr.connect)
    def sys_connect(self, fd: int, addr: int, addrlen: int, *_: int) -> int:
        sock = self._sock(fd)
        if isinstance(sock, UnixSocket | StreamSocket):
            return self._unix_connect(sock, addr, addrlen)
        assert isinstance(sock, TcpSocket | UdpSocket)
        if addrlen >= 2 and int.from_bytes(self.aspace.read(addr, 2), "little") == AF_UNSPEC:
            if isinstance(sock, UdpSocket):
                return sock.connect(None)
            raise SyscallError(E.EAFNOSUPPORT if sock.state == "new" else E.EISCONN)
        return sock.connect(self._read_addr(sock, addr, addrlen))

    def _unix_connect(self, sock: OpenFile, addr: int, addrlen: int) -> int:
        if not isinstance(sock, UnixSocket):
            raise SyscallError(E.EISCONN)
        if addrlen < 2 or addrlen > 110:
            raise SyscallError(E.EINVAL)
        raw = self.aspace.read(addr, addrlen)
        if int.from_bytes(raw[:2], "little") != AF_UNIX:
            raise SyscallError(E.EINVAL)
        path = raw[2:].split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
        if not path:  # the abstract namespace (or an empty path): nobody is bound
            raise SyscallError(E.ECONNREFUSED if len(raw) > 2 else E.EINVAL)
        start = self.vfs.root if path.startswith("/") else self.vfs.cwd
        self.vfs.resolve(start, path)  # ENOENT, ENOTDIR, ... as the path says
        raise SyscallError(E.ECONNREFUSED)

    @syscall_nr(Nr.getsockname)
    def sys_getsockname(self, fd: int, addr: int, lenp: int, *_: int) -> int:
        sock = self._sock(fd)
        if not isinstance(sock, TcpSocket | UdpSocket):
            self._write_addr(struct.pack("<H", AF_UNIX), addr, lenp)
            return 0
        local = sock.local or ("0.0.0.0" if sock.family == AF_INET else "::", 0)
        self._write_addr(pack_sockaddr(local, sock.family), addr, lenp)
        return 0

    @syscall_nr(Nr.getpeername)
    def sys_getpeername(self, fd: int, addr: int, lenp: int, *_: int) -> int:
        sock = self._sock(fd)
        if isinstance(sock, StreamSocket):
            self._write_addr(struct.pack("<H", AF_UNIX), addr, lenp)
            return 0
        if not isinstance(sock, TcpSocket | UdpSocket):
            raise SyscallError(E.ENOTCONN)
        if isinstance(sock, TcpSocket):
            sock._settle()
            if sock.state != "connected":
                raise SyscallError(E.ENOTCONN)
        if sock.peer is None:
            raise SyscallError(E.ENOTCONN)
        self._write_addr(pack_sockaddr(sock.peer, sock.family), addr, lenp)
        return 0

    # --- data ------------------------------------------------------------------------------

    def _send(self, sock: OpenFile, data: bytes, flags: int, dest: Addr | None) -> int:
        try:
            if isinstance(sock, TcpSocket):
                return sock.send(data, flags)
            if isinstance(sock, UdpSocket):
                return sock.sendto(data, dest, flags)
            if dest is not None:
                raise SyscallError(E.EISCONN)
            if flags & MSG_DONTWAIT and isinstance(sock, StreamSocket):
                saved = sock.flags
                sock.flags |= O_NONBLOCK
                try:
                    return sock.write(data)
                finally:
                    sock.flags = saved
            return sock.write(data)
        except SyscallError as e:
            if e.errno == E.EPIPE and not flags & MSG_NOSIGNAL:
                self.signals.send(Signal.SIGPIPE, SI_USER, thread=True)
            raise

    def _recv(self, sock: OpenFile, n: int, flags: int) -> tuple[bytes, int, Addr | None]:
        if isinstance(sock, TcpSocket):
            data = sock.recv(n, flags)
            return data, len(data), sock.peer
        if isinstance(sock, UdpSocket):
            return sock.recvfrom(n, flags)
        if flags & MSG_DONTWAIT and isinstance(sock, StreamSocket):
            saved = sock.flags
            sock.flags |= O_NONBLOCK
            try:
                data = sock.read(n)
            finally:
                sock.flags = saved
        else:
            data = sock.read(n)
        return data, len(data), None

    def _dest(self, sock: OpenFile, addr: int, addrlen: int) -> Addr | None:
        if not addr or not isinstance(sock, UdpSocket):
            return None
        return self._read_addr(sock, addr, addrlen)

    @syscall_nr(Nr.sendto)
    def sys_sendto(
        self, fd: int, buf: int, length: int, flags: int, addr: int, addrlen: int
    ) -> int:
        sock = self._sock(fd)
        if isinstance(sock, UnixSocket | StreamSocket) and addr:
            raise SyscallError(E.EISCONN)
        dest = self._dest(sock, addr, addrlen)
        return self._send(sock, self.aspace.read(buf, min(length, MAX_IO)), flags, dest)

    @syscall_nr(Nr.recvfrom)
    def sys_recvfrom(self, fd: int, buf: int, length: int, flags: int, addr: int, lenp: int) -> int:
        sock = self._sock(fd)
        n = min(length, MAX_IO)
        if not self.aspace.writable(buf, max(1, n)):
            raise SyscallError(E.EFAULT)
        data, full, src = self._recv(sock, n, flags)
        self.aspace.write(buf, data)
        if addr and isinstance(sock, UdpSocket) and src is not None:
            self._write_addr(pack_sockaddr(src, sock.family), addr, lenp)
        elif addr and lenp and isinstance(sock, TcpSocket):
            self.aspace.write_u32(lenp, 0)  # a connected stream names no source
        return full if flags & MSG_TRUNC else len(data)

    def _iov(self, iov: int, cnt: int) -> list[tuple[int, int]]:
        if cnt > 1024:
            raise SyscallError(E.EMSGSIZE)
        return self._iovecs(iov, cnt)

    def _sendmsg(self, sock: OpenFile, msg: int, flags: int) -> int:
        name, namelen, iov, iovlen, _ctl, _ctllen, _f = MSGHDR.unpack(
            self.aspace.read(msg, MSGHDR.size)
        )
        data = b"".join(self.aspace.read(b, min(n, MAX_IO)) for b, n in self._iov(iov, iovlen))
        dest = self._dest(sock, name, namelen) if name else None
        return self._send(sock, data, flags, dest)

    def _recvmsg(self, sock: OpenFile, msg: int, flags: int) -> int:
        name, namelen, iov, iovlen, _ctl, _ctllen, _f = MSGHDR.unpack(
            self.aspace.read(msg, MSGHDR.size)
        )
        vecs = self._iov(iov, iovlen)
        total = min(sum(n for _, n in vecs), MAX_IO)
        for b, n in vecs:
            if n and not self.aspace.writable(b, min(n, MAX_IO)):
                raise SyscallError(E.EFAULT)
        data, full, src = self._recv(sock, total, flags)
        off = 0
        for b, n in vecs:
            if off >= len(data):
                break
            chunk = data[off : off + n]
            self.aspace.write(b, chunk)
            off += len(chunk)
        out_flags = MSG_TRUNC if full > len(data) and isinstance(sock, UdpSocket) else 0
        if name and isinstance(sock, UdpSocket) and src is not None:
            raw = pack_sockaddr(src, sock.family)
            self.aspace.write(name, raw[: max(0, s32(namelen))])
            self.aspace.write_u32(msg + 8, len(raw))
        elif name:
            self.aspace.write_u32(msg + 8, 0)
        self.aspace.write_u64(msg + 40, 0)  # no control messages
        self.aspace.write_u32(msg + 48, out_flags)
        return full if flags & MSG_TRUNC else len(data)

    @syscall_nr(Nr.sendmsg)
    def sys_sendmsg(self, fd: int, msg: int, flags: int, *_: int) -> int:
        return self._sendmsg(self._sock(fd), msg, flags)

    @syscall_nr(Nr.recvmsg)
    def sys_recvmsg(self, fd: int, msg: int, flags: int, *_: int) -> int:
        return self._recvmsg(self._sock(fd), msg, flags)

    @syscall_nr(Nr.sendmmsg)
    def sys_sendmmsg(self, fd: int, vec: int, vlen: int, flags: int, *_: int) -> int:
        sock = self._sock(fd)
        return self._mmsg(vec, vlen, lambda hdr, done: self._sendmsg(sock, hdr, flags))

    @syscall_nr(Nr.recvmmsg)
    def sys_recvmmsg(self, fd: int, vec: int, vlen: int, flags: int, timeout: int, *_: int) -> int:
        sock = self._sock(fd)
        # only the first message may block
        return self._mmsg(
            vec,
            vlen,
            lambda hdr, done: self._recvmsg(sock, hdr, flags | (MSG_DONTWAIT if done else 0)),
        )

    def _mmsg(self, vec: int, vlen: int, one: Callable[[int, int], int]) -> int:
        """sendmmsg/recvmmsg: ``one(msghdr, messages done)`` per entry of the mmsghdr vector,
        its byte count stored in msg_len; an error after the first message ends the batch."""
        done = 0
        for i in range(min(vlen, 1024)):
            try:
                n = one(vec + MMSGHDR_SIZE * i, done)
            except (SyscallError, WouldBlock):
                if done:
                    break
                raise
            self.aspace.write_u32(vec + MMSGHDR_SIZE * i + 56, n)
            done += 1
        return done

    @syscall_nr(Nr.shutdown)
    def sys_shutdown(self, fd: int, how: int, *_: int) -> int:
        sock = self._sock(fd)
        if how > 2:
            raise SyscallError(E.EINVAL)
        if isinstance(sock, TcpSocket | UdpSocket):
            sock.shutdown(how)
            return 0
        if not isinstance(sock, StreamSocket):
            raise SyscallError(E.ENOTCONN)
        if how in (0, 2):  # SHUT_RD / SHUT_RDWR
            sock.rx.close()
        if how in (1, 2):  # SHUT_WR: the peer reads end of file
            sock.tx.close()
        return 0

    # --- options ---------------------------------------------------------------------------

    @syscall_nr(Nr.setsockopt)
    def sys_setsockopt(self, fd: int, level: int, name: int, val: int, vlen: int, *_: int) -> int:
        sock = self._sock(fd)
        if s32(vlen) < 0:
            raise SyscallError(E.EINVAL)
        raw = self.aspace.read(val, min(vlen, 256)) if vlen else b""
        value = int.from_bytes(raw[:4], "little", signed=True) if len(raw) >= 4 else 0
        level, name = s32(level), s32(name)
        if level not in (SOL_SOCKET, 0, IPPROTO_TCP, 17, IPPROTO_IPV6):
            raise SyscallError(E.ENOPROTOOPT)
        if level == SOL_SOCKET and name in (SO_TYPE, SO_ERROR, SO_ACCEPTCONN, SO_DOMAIN):
            raise SyscallError(E.ENOPROTOOPT)
        if len(raw) < 4 and name not in (25,):  # SO_BINDTODEVICE takes a string
            raise SyscallError(E.EINVAL)
        if not isinstance(sock, TcpSocket | UdpSocket):
            return 0
        if level == SOL_SOCKET and name in TIMEO_OPTS:  # struct timeval -> ns
            if len(raw) < 16:
                raise SyscallError(E.EINVAL)
            sec, usec = struct.unpack_from("<qq", raw)
            if sec < 0 or not 0 <= usec < 1_000_000:
                raise SyscallError(E.EDOM if usec >= 1_000_000 else E.EINVAL)
            sock.opts[(level, TIMEO_OPTS[name])] = sec * 1_000_000_000 + usec * 1000
            return 0
        if level == IPPROTO_TCP and not isinstance(sock, TcpSocket):
            raise SyscallError(E.ENOPROTOOPT)
        if level == SOL_SOCKET and name == SO_REUSEADDR:
            sock.reuse = bool(value)
        if level == IPPROTO_IPV6 and name == IPV6_V6ONLY:
            if sock.family != AF_INET6:
                raise SyscallError(E.ENOPROTOOPT)
            sock.v6only = bool(value)
        if level == SOL_SOCKET and name in (SO_RCVBUF, SO_SNDBUF):
            value = max(value * 2, 2304 if name == SO_RCVBUF else 4608)  # Linux doubles it
        sock.opts[(level, name)] = value
        return 0

    @syscall_nr(Nr.getsockopt)
    def sys_getsockopt(self, fd: int, level: int, name: int, val: int, lenp: int, *_: int) -> int:
        sock = self._sock(fd)
        have = s32(self.aspace.read_u32(lenp))
        if have < 0:
            raise SyscallError(E.EINVAL)
        level, name = s32(level), s32(name)
        inet = isinstance(sock, TcpSocket | UdpSocket)
        stype = (
            sock.stype
            if isinstance(sock, TcpSocket | UdpSocket)
            else getattr(sock, "sock_type", SOCK_STREAM)
        )
        value: int
        if level == SOL_SOCKET and name == SO_ERROR:
            value = 0
            if isinstance(sock, TcpSocket):
                sock._settle()
            if isinstance(sock, TcpSocket | UdpSocket):
                value, sock.so_error = sock.so_error, 0
        elif level == SOL_SOCKET and name == SO_TYPE:
            value = stype
        elif level == SOL_SOCKET and name == SO_DOMAIN:
            value = sock.family if isinstance(sock, TcpSocket | UdpSocket) else AF_UNIX
        elif level == SOL_SOCKET and name == SO_PROTOCOL:
            value = (6 if stype == SOCK_STREAM else 17) if inet else 0
        elif level == SOL_SOCKET and name == SO_ACCEPTCONN:
            value = int(isinstance(sock, TcpSocket) and sock.state == "listening")
        elif level == SOL_SOCKET and name in TIMEO_OPTS:
            ns = 0
            if isinstance(sock, TcpSocket | UdpSocket):
                ns = sock.opts.get((level, TIMEO_OPTS[name]), 0)
            usec = (ns + 999) // 1000
            self._write_opt(
                struct.pack("<qq", usec // 1_000_000, usec % 1_000_000), val, lenp, have
            )
            return 0
        elif level == SOL_SOCKET and name == 13:  # SO_LINGER: struct linger, off
            self._write_opt(bytes(8), val, lenp, have)
            return 0
        elif (
            level == IPPROTO_IPV6
            and name == IPV6_V6ONLY
            and isinstance(sock, TcpSocket | UdpSocket)
        ):
            if sock.family != AF_INET6:
                raise SyscallError(E.ENOPROTOOPT)
            value = int(sock.v6only)
        elif level in (SOL_SOCKET, IPPROTO_TCP, 0, 17, IPPROTO_IPV6):
            if level == IPPROTO_TCP and not isinstance(sock, TcpSocket):
                raise SyscallError(E.EOPNOTSUPP if not inet else E.ENOPROTOOPT)
            defaults = {
                (SOL_SOCKET, SO_RCVBUF): DEFAULT_RCVBUF,
                (SOL_SOCKET, SO_SNDBUF): DEFAULT_SNDBUF,
            }
            opts = sock.opts if isinstance(sock, TcpSocket | UdpSocket) else {}
            value = opts.get((level, name), defaults.get((level, name), 0))
        else:
            raise SyscallError(E.ENOPROTOOPT)
        self._write_opt(struct.pack("<i", value), val, lenp, have)
        return 0

    def _write_opt(self, raw: bytes, val: int, lenp: int, have: int) -> None:
        n = min(have, len(raw))
        if n:
            self.aspace.write(val, raw[:n])
        self.aspace.write_u32(lenp, n)

    # --- epoll -----------------------------------------------------------------------------

    @syscall_nr(Nr.epoll_create1)
    def sys_epoll_create1(self, flags: int, *_: int) -> int:
        if flags & ~0o2000000:  # EPOLL_CLOEXEC
            raise SyscallError(E.EINVAL)
        return self._new_fd(Epoll(0), cloexec=bool(flags))

    @syscall_nr(Nr.epoll_ctl)
    def sys_epoll_ctl(self, epfd: int, op: int, fd: int, event: int, *_: int) -> int:
        ep = self._file(epfd)
        target = self._file(fd)
        if not isinstance(ep, Epoll) or ep is target:
            raise SyscallError(E.EINVAL)
        if isinstance(target.node, File | HostFile):
            raise SyscallError(E.EPERM)  # regular files are always ready: Linux refuses them
        key = s32(fd)
        if op in (EPOLL_CTL_ADD, EPOLL_CTL_MOD):
            events, data = EPOLL_EVENT.unpack(self.aspace.read(event, EPOLL_EVENT.size))
        if op == EPOLL_CTL_ADD:
            if key in ep.interest and ep.interest[key][0] is target:
                raise SyscallError(E.EEXIST)
            ep.interest[key] = [target, events, data, 0, False]
        elif op == EPOLL_CTL_MOD:
            entry = ep.interest.get(key)
            if entry is None or entry[0] is not target:
                raise SyscallError(E.ENOENT)
            ep.interest[key] = [target, events, data, 0, False]
        elif op == EPOLL_CTL_DEL:
            entry = ep.interest.get(key)
            if entry is None or entry[0] is not target:
                raise SyscallError(E.ENOENT)
            del ep.interest[key]
        else:
            raise SyscallError(E.EINVAL)
        return 0

    def _epoll_wait(self, epfd: int, events: int, maxevents: int, timeout: int | None) -> int:
        ep = self._file(epfd)
        if not isinstance(ep, Epoll):
            raise SyscallError(E.EINVAL)
        maxevents = s32(maxevents)
        if maxevents <= 0 or maxevents > EPOLL_MAX_EVENTS:
            raise SyscallError(E.EINVAL)
        if not self.aspace.writable(events, EPOLL_EVENT.size * min(maxevents, 64)):
            raise SyscallError(E.EFAULT)
        ready = ep.ready(maxevents)
        if ready or timeout == 0:
            raw = b"".join(EPOLL_EVENT.pack(mask, data) for mask, data in ready)
            if raw:
                self.aspace.write(events, raw)
            return len(ready)
        raise WouldBlock(
            lambda: bool(ep.ready(maxevents, peek=True)), self._poll_deadline(timeout), 0, "epoll"
        )

    @syscall_nr(Nr.epoll_pwait)
    def sys_epoll_pwait(self, epfd: int, events: int, maxevents: int, timeout: int, *_: int) -> int:
        ms = s32(timeout)
        return self._epoll_wait(epfd, events, maxevents, None if ms < 0 else ms * 1_000_000)

    @syscall_nr(Nr.epoll_pwait2)
    def sys_epoll_pwait2(self, epfd: int, events: int, maxevents: int, tsp: int, *_: int) -> int:
        return self._epoll_wait(epfd, events, maxevents, self._read_ts(tsp) if tsp else None)


__all__ = ["EPOLLONESHOT", "NetSyscalls"]
