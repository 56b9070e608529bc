"""Where a guest may connect: the one policy every network backend applies (the native host's
sockets, `host/netsock.py`; a relay mirrors the same rules in JavaScript).

Rules (docs/architecture.md, "Network"):

- A destination whose address is *public* (``ipaddress``'s ``is_global``, and not multicast) is
  allowed.
- Every other address is *special* and refused: loopback (127.0.0.0/8, ::1), private
  (10/8, 172.16/12, 192.168/16, fc00::/7), shared (100.64/10), link-local (169.254/16,
  fe80::/10), multicast, unspecified (0.0.0.0, ::), broadcast, documentation, benchmarking and
  reserved ranges. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is judged as its IPv4 address.
- ``--net-allow HOST[:PORT]`` (repeatable) allows a special destination: HOST is an address, a
  network in CIDR form (10.0.0.0/8) or a name (every address it resolves to when the policy is
  made); without PORT every port of it. ``[::1]:8080`` gives a port to an IPv6 address.
- A name is checked by the addresses it resolves to, right before connecting (so a name that
  resolves to a forbidden address is refused too).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _plain(ip: Address) -> Address:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def is_special(address: str) -> bool:
    """True for an address the policy refuses unless ``--net-allow`` names it (see above);
    something that is not an address at all counts as special."""
    try:
        ip = _plain(ipaddress.ip_address(address.split("%", 1)[0]))
    except ValueError:
        return True
    return ip.is_multicast or not ip.is_global


@dataclass(frozen=True)
class AllowRule:
    network: Network
    port: int | None  # None: every port

    def matches(self, ip: Address, port: int) -> bool:
        return (
            ip.version == self.network.version
            and ip in self.network
            and (self.port is None or self.port == port)
        )


def split_host_port(spec: str) -> tuple[str, int | None]:
    """``HOST[:PORT]`` (``[V6]:PORT`` for an IPv6 address with a port) -> (host, port|None);
    ValueError with a one-line reason when malformed."""
    spec = spec.strip()
    port_s: str | None = None
    if spec.startswith("["):
        end = spec.find("]")
        if end < 0:
            raise ValueError(f"bad --net-allow {spec!r}: missing ']'")
        host, rest = spec[1:end], spec[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"bad --net-allow {spec!r}: expected ':PORT' after ']'")
            port_s = rest[1:]
    elif spec.count(":") == 1:
        host, port_s = spec.split(":")
    else:
        host = spec  # a name, an IPv4 address, or a bare IPv6 address
    if not host:
        raise ValueError(f"bad --net-allow {spec!r}: no host")
    port: int | None = None
    if port_s is not None:
        if not port_s.isdigit() or not 0 < int(port_s) < 65536:
            raise ValueError(f"bad --net-allow {spec!r}: port must be 1-65535")
        port = int(port_s)
    return host, port


@dataclass
class NetPolicy:
    rules: list[AllowRule] = field(default_factory=list)

    @classmethod
    def from_specs(
        cls, specs: list[str], resolve: Callable[[str], list[str]] | None = None
    ) -> NetPolicy:
        """The policy for these ``--net-allow`` values; ``resolve(name)`` gives a name's
        addresses (ValueError when a spec is malformed or a name does not resolve)."""
        rules: list[AllowRule] = []
        for spec in specs:
            host, port = split_host_port(spec)
            try:
                nets: list[Network] = [ipaddress.ip_network(host, strict=False)]
            except ValueError:
                addrs = resolve(host) if resolve is not None else []
                if not addrs:
                    raise ValueError(f"bad --net-allow {spec!r}: cannot resolve {host!r}") from None
                nets = [ipaddress.ip_network(a.split("%", 1)[0]) for a in addrs]
            for net in nets:
                rules.append(AllowRule(net, port))
                if isinstance(net, ipaddress.IPv6Network) and net.num_addresses == 1:
                    mapped = ipaddress.IPv6Address(net.network_address).ipv4_mapped
                    if mapped is not None:
                        rules.append(AllowRule(ipaddress.ip_network(mapped), port))
        return cls(rules)

    def allows(self, address: str, port: int) -> bool:
        """May the guest connect to ``address`` (an IPv4 or IPv6 address) at ``port``?"""
        try:
            ip = _plain(ipaddress.ip_address(address.split("%", 1)[0]))
        except ValueError:
            return False
        if not (ip.is_multicast or not ip.is_global):
            return True
        return any(r.matches(ip, port) for r in self.rules)


__all__ = ["AllowRule", "NetPolicy", "is_special", "split_host_port"]
