"""A built site (``tbwasm build-site``) in Firefox, from a plain static server: Debian's firefox-esr
driven by npm puppeteer-core (tests/package/firefox_site.mjs), the site served by
``python3 -m http.server`` (``site_url`` of tests/package/conftest.py: no COOP/COEP headers, the
site's service worker isolates the page), window.tbwasm.run of guests/hello.elf compared with
qemu-riscv64, a shell pipeline of the root filesystem image, the shell page typed into (sleep,
^C) and Stop of a runaway program. One Firefox start and three page
loads (~30 s here)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import helpers
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

REPO = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("firefox_site.mjs")
FIREFOX = os.environ.get("TBWASM_FIREFOX", "/usr/bin/firefox-esr")
DRIVER_TIMEOUT = 400


@pytest.fixture(scope="module")
def firefox(site_url: str) -> dict[str, Any]:
    if not Path(FIREFOX).exists():
        pytest.fail(f"{FIREFOX} not installed (apt-get install firefox-esr)")
    node = shutil.which("node")
    if node is None or not (REPO / "node_modules" / "puppeteer-core").is_dir():
        pytest.fail("node or node_modules/puppeteer-core missing (scripts/setup-web.sh)")
    proc = subprocess.run(
        [node, str(DRIVER), site_url, "--firefox", FIREFOX],
        cwd=REPO,
        capture_output=True,
        timeout=DRIVER_TIMEOUT,
        env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"},
    )
    lines = proc.stdout.decode().strip().splitlines()
    assert lines, f"driver said nothing (exit {proc.returncode}): {proc.stderr.decode()[-2000:]}"
    out: dict[str, Any] = json.loads(lines[-1])
    assert not out.get("failure"), str(out.get("failure")) + "\n" + proc.stderr.decode()[-2000:]
    print(f"\n{out['firefox']}: ms since start {out['ms']}")
    return out


def test_hello_in_firefox_from_a_plain_static_server(firefox: dict[str, Any]) -> None:
    assert firefox["ready"] == "ok", firefox["ready"]
    assert firefox["crossOriginIsolated"] is True  # from the site's service worker
    ref = helpers.qemu_run("hello.elf", [], cwd=helpers.GUEST_BIN_DIR)
    r = firefox["hello"]
    assert (r["status"], r["stdout"], r["stderr"]) == (
        ref.returncode,
        ref.stdout.decode(),
        ref.stderr.decode(),
    ), r


def test_shell_pipeline_in_firefox(firefox: dict[str, Any]) -> None:
    r = firefox["sh"]
    assert (r["status"], r["stdout"]) == (0, "3\n"), r
    assert not [e for e in firefox["errors"] if "favicon" not in e], firefox["errors"]


def test_typing_sleep_and_ctrl_c_in_firefox(firefox: dict[str, Any]) -> None:
    """The shell page typed into: a pipeline, `sleep 1`, and ^C ending `sleep 100` (the driver
    waits for each command's output and the prompt after it)."""
    assert firefox["shell"] == "ok"


def test_stop_in_firefox(firefox: dict[str, Any]) -> None:
    r = firefox["stop"]
    assert r["stopped"] and r["status"] == 130, r
