"""The page in Firefox: Debian's firefox-esr driven by npm puppeteer-core over WebDriver BiDi (no
browser download), through tests/browser/firefox_driver.mjs against the session's serve.py.

One Firefox start and two page loads (~20 s here) cover: the single-program page's default program,
a few guests through window.tbwasm.run (two in the JIT tier, so Firefox compiles the translator's
WebAssembly) against qemu-riscv64, Stop of a guest that never ends, an embed on /docs/, and the
guest's /home kept in IndexedDB across a reload (web/runtime/store.mjs)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import helpers
import pytest

from py_backend.abi import STOPPED_MESSAGE, HostStatus

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("firefox_driver.mjs")
FIREFOX = os.environ.get("TBWASM_FIREFOX", "/usr/bin/firefox-esr")
DRIVER_TIMEOUT = 300  # the driver's own waits add up to less; ~20 s when all is well


def qemu(name: str, args: list[str] = (), argv0: str | None = None) -> str:
    if not helpers.have_qemu():
        pytest.fail("qemu-riscv64 not installed (scripts/setup.sh)")
    r = helpers.qemu_run(
        f"{name}.elf",
        list(args),
        cwd=helpers.GUEST_BIN_DIR,
        qemu_args=["-0", argv0] if argv0 else [],
    )
    assert r.returncode == 0, r
    return r.stdout.decode()


@pytest.fixture(scope="module")
def firefox(server) -> dict:
    """What the driver saw (one JSON object; see firefox_driver.mjs)."""
    if not Path(FIREFOX).exists():
        pytest.fail(f"{FIREFOX} not installed (apt-get install firefox-esr)")
    node = shutil.which("node")
    if node is None or not (REPO / "node_modules" / "puppeteer-core").is_dir():
        pytest.fail("node or node_modules/puppeteer-core missing (scripts/setup-web.sh)")
    proc = subprocess.run(
        [node, str(DRIVER), server, "--firefox", FIREFOX],
        cwd=REPO,
        capture_output=True,
        timeout=DRIVER_TIMEOUT,
        env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"},
    )
    lines = proc.stdout.decode().strip().splitlines()
    assert lines, f"driver said nothing (exit {proc.returncode}): {proc.stderr.decode()[-2000:]}"
    out = json.loads(lines[-1])
    assert not out.get("failure"), out.get("failure") + "\n" + proc.stderr.decode()[-2000:]
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    print(f"\n{out['firefox']}: ms since start {out['ms']}; page timings {out.get('timings')}")
    return out


def test_default_program(firefox) -> None:
    r = firefox["default"]
    assert firefox["crossOriginIsolated"]
    assert (r["status"], r["stdout"]) == (0, qemu("hello")), r


def test_guests_match_qemu(firefox) -> None:
    runs = firefox["runs"]
    # window.tbwasm.run gives the guest argv[0] = "/args.elf" (the program's name in the root)
    assert runs["args"]["stdout"] == qemu("args", ["a", "b c"], argv0="/args.elf")
    for name in ("intops", "fpops"):
        r = runs[name]
        assert (r["status"], r["stdout"]) == (0, qemu(name)), name
        # the JIT tier: Firefox compiled the translator's modules
        assert r["stats"]["tier"] == "jit" and r["stats"]["modules_compiled"] > 0, r["stats"]


def test_stop(firefox) -> None:
    r = firefox["stop"]
    assert not r.get("timedOut"), f"Stop did not end loop.elf within {helpers.LIVENESS_S} s"
    assert r["stopped"] and r["status"] == HostStatus.STOPPED, r
    assert r["message"] == STOPPED_MESSAGE, r["message"]  # not "restarted the worker"
    assert r["stopMs"] < helpers.LIVENESS_S * 1000, r["stopMs"]
    after = firefox["afterStop"]  # the page keeps working
    assert (after["status"], after["stdout"]) == (0, qemu("hello")), after


def test_docs_embed(firefox) -> None:
    r = firefox["embed"]
    assert firefox["embedCount"] >= 3
    assert firefox["embedSrc"] == "../guests/hello.elf"
    assert r["status"] == 0 and r["statusAttr"] == "0", r
    assert r["stdout"] == qemu("hello")
    assert r["pre"].startswith(r["stdout"])


def test_files_kept_across_a_reload(firefox) -> None:
    w = firefox["persistWrite"]
    assert w["status"] == 0 and w["store"]["state"] == "writer", w
    assert w["store"]["flushes"] >= 1 and not w["store"]["dirty"], w
    r = firefox["persistRead"]
    assert (r["status"], r["stdout"]) == (0, "firefox\n"), r
    assert firefox["persistState"] == "writer"


def test_no_page_errors(firefox) -> None:
    assert not [e for e in firefox["errors"] if "favicon" not in e], firefox["errors"]
