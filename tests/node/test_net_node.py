"""Guest TCP through a Wisp relay in Node: `node web/node/cli.mjs --net [--net-allow ...]` (a relay
of its own, web/node/relay.mjs, as a child process) or `--net=ws://...` (a running one), with guests
fetching from servers on 127.0.0.1 started here.  The reference for what the guest receives is
the same program under qemu-riscv64 (the host's own sockets).

    python -m pytest -q tests/node/test_net_node.py
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import helpers
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from net_support import REPO, free_port, relay, tcp_server

CLI = REPO / "web" / "node" / "cli.mjs"
NETFETCH = helpers.GUEST_BIN_DIR / "netfetch.elf"
BUSYBOX = helpers.GUEST_BIN_DIR / "busybox"
TIMEOUT = 180


def node(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", str(CLI), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=REPO,
        check=False,
    )


def summary(out: str) -> str:
    """netfetch's last line without its timing."""
    return re.sub(r" seconds \S+", "", out.strip().splitlines()[-1])


def test_netfetch_through_the_relay_matches_qemu(web_assets: Path) -> None:
    body = os.urandom(2_000_000)
    with tcp_server(body=body) as srv:
        r = node(
            "--net", "--net-allow", f"127.0.0.1:{srv.port}", NETFETCH, "127.0.0.1", srv.port, "/"
        )
        assert r.returncode == 0, r.stderr
        q = helpers.qemu_run(str(NETFETCH), ["127.0.0.1", str(srv.port), "/"])
        assert q.returncode == 0
        assert summary(r.stdout) == summary(q.stdout.decode())
        assert r.stdout.startswith("connected\nreceiving\n")
        assert srv.accepted == 2


def test_busybox_wget_by_name(web_assets: Path) -> None:
    with tcp_server(body=b"through the relay\n") as srv:
        r = node(
            "--net", "--net-allow", f"127.0.0.1:{srv.port}",
            BUSYBOX, "wget", "-q", "-O", "-", f"http://localhost:{srv.port}/x",
        )  # fmt: skip
        assert (r.returncode, r.stdout) == (0, "through the relay\n"), r.stderr


def test_refused_destination_is_econnrefused_and_reaches_nothing(web_assets: Path) -> None:
    with tcp_server() as srv, tcp_server() as other:
        # loopback without an allow entry, and another port than the one allowed
        for extra in ([], ["--net-allow", f"127.0.0.1:{other.port}"]):
            r = node("--net", *extra, NETFETCH, "127.0.0.1", srv.port, "/")
            assert (r.returncode, r.stdout) == (1, "connect: ECONNREFUSED\n"), r.stderr
        # private and link-local: refused by the relay too
        for host in ("10.0.0.1", "169.254.0.1"):
            r = node("--net", NETFETCH, host, 80, "/")
            assert (r.returncode, r.stdout) == (1, "connect: ECONNREFUSED\n"), r.stderr
        assert srv.accepted == 0 and other.accepted == 0


def test_without_net_there_is_no_route(web_assets: Path) -> None:
    r = node(NETFETCH, "93.184.216.34", 80, "/")
    assert (r.returncode, r.stdout) == (1, "connect: ENETUNREACH\n"), r.stderr


def test_relay_unreachable_is_one_line(web_assets: Path) -> None:
    url = f"ws://127.0.0.1:{free_port()}/wisp/"
    r = node(f"--net={url}", NETFETCH, "93.184.216.34", 80, "/")
    assert (r.returncode, r.stdout) == (1, "connect: ENETUNREACH\n")
    assert r.stderr == f"tbwasm: network relay {url} is unreachable\n"


def test_running_relay_and_relay_killed_mid_transfer(web_assets: Path) -> None:
    with tcp_server("endless") as srv, relay("--allow", f"127.0.0.1:{srv.port}") as rl:
        proc = subprocess.Popen(
            ["node", str(CLI), f"--net={rl.url}", str(NETFETCH), "127.0.0.1", str(srv.port), "/"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        assert proc.stdout is not None
        deadline = time.monotonic() + TIMEOUT
        lines = []
        while "receiving\n" not in lines and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
        assert lines == ["connected\n", "receiving\n"], proc.communicate(timeout=10)
        rl.proc.kill()
        out, err = proc.communicate(timeout=TIMEOUT)
        assert (proc.returncode, out) == (1, "recv: ECONNRESET\n"), err
        assert err == f"tbwasm: network relay {rl.url} closed the connection\n"


@pytest.mark.parametrize(
    "bad", [["--net=http://x"], ["--net-allow", "1.2.3.4"], ["--net", "--net-allow", "a:b"]]
)
def test_bad_options_one_line(web_assets: Path, bad: list[str]) -> None:
    r = node(*bad, NETFETCH, "1.2.3.4", 80)
    assert r.returncode == 2
    assert "Error" not in r.stderr and " at " not in r.stderr
    assert r.stderr.splitlines()[0].startswith(("tbwasm-node: ", "tbwasm-relay: "))


def test_ten_thousand_sockets(web_assets: Path) -> None:
    """A guest opening 10,000 connections: 64 (the limit per relay connection) connect, the
    others fail with EMFILE at once; nothing hangs."""
    with tcp_server() as srv:
        r = node(
            "--net", "--net-allow", f"127.0.0.1:{srv.port}",
            helpers.GUEST_BIN_DIR / "netmany.elf", "127.0.0.1", srv.port, 10000,
        )  # fmt: skip
        assert (r.returncode, r.stdout) == (0, "connected 64\nconnect EMFILE 9936\n"), r.stderr
        assert srv.accepted == 64


def test_name_resolved_by_the_relay(web_assets: Path) -> None:
    """A name the guest's /etc/hosts does not know (this machine's host name) gets a fake address
    in the guest and is resolved by the relay, whose policy allows it by name."""
    name = socket.gethostname()
    address = socket.gethostbyname(name)  # a local address (loopback or the machine's own)
    with tcp_server(body=b"by name\n", host=address) as srv:
        url = f"http://{name}:{srv.port}/"
        r = node("--net", "--net-allow", f"{name}:{srv.port}", BUSYBOX, "wget", "-O", "-", url)
        assert (r.returncode, r.stdout) == (0, "by name\n"), r.stderr
        assert "(198.18." in r.stderr  # the guest connected to a fake address: the relay's name
        r = node("--net", BUSYBOX, "wget", "-q", "-O", "-", url)
        assert r.returncode == 1 and "refused" in r.stderr, r.stderr
        assert srv.accepted == 1


def test_upload_with_busybox_nc(web_assets: Path) -> None:
    """3 MB from the guest's stdin through busybox nc to a server that answers their SHA-256."""
    data = os.urandom(3_000_000)
    with tcp_server("sink") as srv:
        net = ["--net", "--net-allow", f"127.0.0.1:{srv.port}"]
        r = subprocess.run(
            ["node", str(CLI), *net, str(BUSYBOX), "nc", "127.0.0.1", str(srv.port)],
            input=b"%d\n" % len(data) + data,
            capture_output=True,
            timeout=TIMEOUT,
            cwd=REPO,
            check=False,
        )
        assert r.returncode == 0, r.stderr
        assert r.stdout.decode().strip() == hashlib.sha256(data).hexdigest()
