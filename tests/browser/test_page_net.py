"""Guest TCP in the page through `python3 serve.py --net --net-allow ...` (its Wisp relay at /wisp/,
found by the page through the meta tag serve.py adds), in Chromium and in Firefox, with guests
fetching from servers on 127.0.0.1 started here; what they receive is compared with the same
program under qemu-riscv64 (the host's sockets).

    python -m pytest -q tests/browser/test_page_net.py
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import helpers
import pytest
from browser_support import LOAD_TIMEOUT_MS, open_shell
from test_shell import PROMPT, typed

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from net_support import REPO, TcpServer, free_port, tcp_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BODY = b"".join(b"line %06d of the test server's answer\n" % i for i in range(20000))  # ~780 kB
NETFETCH = "/guests/netfetch.elf"
FIREFOX = os.environ.get("TBWASM_FIREFOX", "/usr/bin/firefox-esr")


@dataclass
class NetSite:
    url: str
    proc: subprocess.Popen[bytes]
    srv: TcpServer
    other: TcpServer
    endless: TcpServer
    silent: TcpServer

    def relay_pid(self) -> int:
        """serve.py's child: the relay (web/node/relay.mjs)."""
        kids = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        assert len(kids) == 1, kids
        return int(kids[0])


@pytest.fixture(scope="module")
def net_site(server: str) -> Iterator[NetSite]:
    """serve.py --net allowing two of three servers (the session's `server` ran setup-web.sh)."""
    with (
        tcp_server(body=BODY) as srv,
        tcp_server() as other,
        tcp_server("endless") as endless,
        tcp_server("silent") as silent,
    ):
        proc = subprocess.Popen(
            [
                sys.executable, str(REPO / "serve.py"), "--port", "0", "--quiet", "--no-setup",
                "--net", "--net-allow", f"127.0.0.1:{srv.port}",
                "--net-allow", f"127.0.0.1:{endless.port}",
                "--net-allow", f"127.0.0.1:{silent.port}",
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
        )  # fmt: skip
        assert proc.stdout is not None
        first = proc.stdout.readline().decode().strip()
        assert first.startswith("Serving http://"), first
        try:
            yield NetSite(first.split(" ", 1)[1], proc, srv, other, endless, silent)
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def shell(open_page, net_site: NetSite):
    page = open_shell(open_page, net_site.url)
    yield page
    page.close()


def summary(out: str) -> str:
    return re.sub(r" seconds \S+", "", out.strip().splitlines()[-1])


def run(page, program: str, args: list[str]) -> dict:
    return dict(
        page.evaluate("([p, a]) => window.tbwasm.run({program: p, args: a})", [program, args])
    )


def qemu_netfetch(port: int) -> str:
    q = helpers.qemu_run(str(helpers.guest_path("netfetch")), ["127.0.0.1", str(port), "/"])
    assert q.returncode == 0
    return summary(q.stdout.decode())


def test_page_finds_the_relay(shell) -> None:
    url = shell.evaluate("document.querySelector('meta[name=tbwasm-net]').content")
    assert url == "wisp/"


def test_netfetch_and_wget_in_the_page(shell, net_site: NetSite) -> None:
    port = net_site.srv.port
    r = run(shell, NETFETCH, ["127.0.0.1", str(port), "/"])
    assert r["status"] == 0, r
    assert summary(r["stdout"]) == qemu_netfetch(port)
    # busybox wget of the root filesystem image, typed into the page's shell, by name
    out = typed(shell, f"wget -q -O - http://localhost:{port}/ | md5sum", PROMPT, timeout=120_000)
    import hashlib

    assert hashlib.md5(BODY).hexdigest() in out


def test_refused_destination(shell, net_site: NetSite) -> None:
    r = run(shell, NETFETCH, ["127.0.0.1", str(net_site.other.port), "/"])
    assert (r["status"], r["stdout"]) == (1, "connect: ECONNREFUSED\n"), r
    r = run(shell, NETFETCH, ["192.168.1.1", "80", "/"])
    assert (r["status"], r["stdout"]) == (1, "connect: ECONNREFUSED\n"), r
    assert net_site.other.accepted == 0


def test_firefox(net_site: NetSite) -> None:
    if not Path(FIREFOX).exists():
        pytest.fail(f"{FIREFOX} not installed (apt-get install firefox-esr)")
    node = shutil.which("node")
    assert node is not None
    runs = [
        {"program": NETFETCH, "args": ["127.0.0.1", str(net_site.srv.port), "/"]},
        {"program": NETFETCH, "args": ["127.0.0.1", str(net_site.other.port), "/"]},
    ]
    proc = subprocess.run(
        [
            node,
            str(REPO / "tests" / "browser" / "firefox_net.mjs"),
            net_site.url,
            json.dumps(runs),
            "--firefox",
            FIREFOX,
        ],
        cwd=REPO,
        capture_output=True,
        timeout=300,
        env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"},
    )
    out = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    assert not out.get("failure"), out["failure"]
    ok, refused = out["runs"]
    assert ok["status"] == 0, ok
    assert summary(ok["stdout"]) == qemu_netfetch(net_site.srv.port)
    assert (refused["status"], refused["stdout"]) == (1, "connect: ECONNREFUSED\n"), refused
    assert net_site.other.accepted == 0


def test_stopped_run_closes_its_connection(shell, net_site: NetSite) -> None:
    """Stop of a guest waiting in recv: the run ends and its connection is closed."""
    shell.evaluate(
        "([p, a]) => { window.silentRun = window.tbwasm.run({program: p, args: a}); }",
        [NETFETCH, ["127.0.0.1", str(net_site.silent.port), "/"]],
    )
    deadline = time.monotonic() + 120
    while net_site.silent.accepted == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert net_site.silent.accepted == 1
    shell.evaluate("window.tbwasm.stop()")
    r = shell.evaluate("window.silentRun")
    assert r["stopped"], r
    while net_site.silent.closed == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert net_site.silent.closed == 1


def test_relay_killed_mid_transfer_then_page_still_works(shell, net_site: NetSite) -> None:
    shell.evaluate(
        """([p, a]) => { window.netOut = ""; window.netRun = window.tbwasm.run({program: p, args: a,
              onOutput: (fd, bytes, text) => { window.netOut += text; }}); }""",
        [NETFETCH, ["127.0.0.1", str(net_site.endless.port), "/"]],
    )
    shell.wait_for_function("window.netOut.includes('receiving')", timeout=LOAD_TIMEOUT_MS)
    os.kill(net_site.relay_pid(), signal.SIGKILL)
    r = shell.evaluate("window.netRun")
    assert (r["status"], r["stdout"]) == (1, "connected\nreceiving\nrecv: ECONNRESET\n"), r
    assert r["stderr"].strip().splitlines() == [
        f"tbwasm: network relay {net_site.url.replace('http', 'ws')}wisp/ closed the connection"
    ]
    # the page goes on: its shell, and a new connect fails at once (no relay any more)
    assert "still here" in typed(shell, "echo still here", "still here\r\n")
    r = run(shell, NETFETCH, ["127.0.0.1", str(net_site.srv.port), "/"])
    assert r["status"] == 1 and r["stdout"].startswith("connect: "), r


def test_relay_unreachable_is_one_line(open_page, server: str) -> None:
    """createEmulator({net: URL}) naming a relay that is not there: the run's connect fails with
    ENETUNREACH and one line says why; the emulator runs the next program."""
    page = open_page(server + "?shell=0")
    url = f"ws://127.0.0.1:{free_port()}/wisp/"
    got = page.evaluate(
        """async ([url, p]) => {
            const { createEmulator } = await import("/web/index.mjs");
            const emu = createEmulator({ net: url });
            const r = await emu.run({ program: p, args: ["93.184.216.34", "80", "/"] });
            const h = await emu.run({ program: "/guests/hello.elf" });
            emu.destroy();
            return { status: r.status, stdout: r.stdout, stderr: r.stderr, hello: h.status };
        }""",
        [url, NETFETCH],
    )
    page.close()
    assert (got["status"], got["stdout"]) == (1, "connect: ENETUNREACH\n"), got
    assert got["stderr"] == f"tbwasm: network relay {url} is unreachable\n"
    assert got["hello"] == 0
