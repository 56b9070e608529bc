"""Save a running shell session in one page and continue it in a fresh one
(window.tbwasm.saveState / restoreState, py_backend/state.py): the shell's working directory,
its files and a background job that keeps counting all go on.  A bad state is one line."""

from __future__ import annotations

import base64
import re
import time

import pytest
from browser_support import PROMPT, open_shell, typed

TO_BASE64 = """async () => {
  const bytes = await window.tbwasm.saveState();
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}"""

FROM_BASE64 = """async (b64) => {
  const s = atob(b64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  try {
    await window.tbwasm.restoreState(bytes);
    return "";
  } catch (e) {
    return String(e.message);
  }
}"""


def count(page) -> int:
    out = typed(page, "echo count=$(cat /tmp/count)", re.compile(r"count=\d+\r\n"))
    return int(re.findall(r"count=(\d+)\r\n", out)[-1])


def test_a_shell_session_goes_on_in_a_fresh_page(open_page, server) -> None:
    page = open_shell(open_page, server)
    typed(page, "mkdir -p /tmp/work && cd /tmp/work && echo kept > note.txt", PROMPT)
    typed(page, "(i=0; while true; do i=$((i+1)); echo $i > /tmp/count; sleep 0.2; done) &", PROMPT)
    first = count(page)
    while count(page) <= first:  # (the job is running)
        time.sleep(0.2)
    saved_at = count(page)
    state = page.evaluate(TO_BASE64)
    assert len(state) > 1000
    page.close()

    fresh = open_shell(open_page, server)
    assert fresh.evaluate(FROM_BASE64, state) == ""
    assert "/tmp/work" in typed(fresh, "pwd", "/tmp/work\r\n")
    assert "kept" in typed(fresh, "cat note.txt", "kept\r\n")
    assert "size=5" in typed(fresh, "echo size=$(wc -c < note.txt)", "size=5\r\n")
    after = count(fresh)
    assert after >= saved_at
    deadline = time.monotonic() + 60
    while count(fresh) <= after:  # the background job continues counting
        assert time.monotonic() < deadline, "the restored background job does not run"
        time.sleep(0.3)
    assert "Running" in typed(fresh, "jobs", PROMPT)  # the shell still knows its job
    assert not fresh.errors, fresh.errors
    fresh.close()


@pytest.mark.parametrize("bad", ["truncated", "foreign"])
def test_a_bad_state_is_one_line_and_the_page_goes_on(open_page, server, bad: str) -> None:
    page = open_shell(open_page, server)
    state = page.evaluate(TO_BASE64)
    raw = base64.b64decode(state)
    data = raw[: len(raw) // 2] if bad == "truncated" else b"\x7fELF" + bytes(200)
    msg = page.evaluate(FROM_BASE64, base64.b64encode(data).decode())
    assert msg.startswith("tbwasm: STATE: ") and "\n" not in msg, msg
    r = page.evaluate("window.tbwasm.run({path: '/bin/echo', args: ['still', 'here']})")
    assert r["status"] == 0 and r["stdout"] == "still here\n"
    page.close()


SAVE_SHELL = """async () => {
  await window.tbwasm.ready;
  const client = window.tbwasm.client;
  let out = "";
  const h = client.start({path: "/bin/sh", argv0: "sh", stdin: "terminal",
    terminal: {rows: 24, cols: 80},
    cwd: "/tmp", onOutput: (fd, bytes, text) => { out += text; }});
  h.pushStdin("X=remembered; cd /etc\\r");
  while (!out.includes("/etc")) await new Promise((r) => setTimeout(r, 50));
  h.pushStdin("echo ready\\r");
  while (!out.includes("ready\\r\\n")) await new Promise((r) => setTimeout(r, 50));
  const bytes = await client.saveState(h.id);
  h.stop();
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}"""

DEMO = """async (url) => {
  const demo = document.createElement("tbwasm-demo");
  demo.setAttribute("state", url);
  const waiting = new Promise((r) => demo.addEventListener("input-wait", r, {once: true}));
  document.body.append(demo);
  await waiting;
  const before = demo.output.length;
  demo.handle.pushStdin("echo $X in $(pwd)\\r");
  while (!demo.output.slice(before).includes("remembered in /etc")) {
    await new Promise((r) => setTimeout(r, 20));
  }
  return demo.getAttribute("state");
}"""


def test_a_demo_starts_from_a_saved_state(open_page, server) -> None:
    page = open_page(server + "?shell=0")
    data = base64.b64decode(page.evaluate(SAVE_SHELL))
    page.route(
        "**/saved.state",
        lambda route: route.fulfill(status=200, body=data, content_type="application/octet-stream"),
    )
    assert page.evaluate(DEMO, server + "saved.state") == "running"
    page.close()
