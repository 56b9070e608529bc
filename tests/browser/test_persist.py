"""The guest's /home and /root are kept in the browser (web/runtime/store.mjs, IndexedDB): a reload
finds them, the store gets a closed file within ~1 s, Reset empties it, Export/Import round-trip a
.tar.gz, a second tab is read-only, a full quota is one line with the stored state intact, and a
store of a newer format is left alone.  Chromium through Playwright; every page has a browser
context of its own (a fresh origin storage), so the tests do not see each other's stores."""

from __future__ import annotations

import gzip
import io
import re
import tarfile
import time
from pathlib import Path

import helpers
import pytest
from browser_support import LOAD_TIMEOUT_MS, PROMPT, typed, wait_prompt

DB = "tbwasm:page:/"  # the shell page's store (static/index.html's tbwasm-persist meta)
STORE_WAIT_MS = helpers.LIVENESS_S * 1000  # "stored" (within ~1 s when idle): liveness only

# The page's IndexedDB, read from the page itself: {path: record} of the store's "files".
READ_DB = """async ([name, store]) => {
  const db = await new Promise((res, rej) => {
    const r = indexedDB.open(name);
    r.onsuccess = () => res(r.result);
    r.onerror = () => rej(r.error);
  });
  try {
    if (!db.objectStoreNames.contains(store)) return null;
    const tx = db.transaction(store, "readonly");
    const os = tx.objectStore(store);
    const [keys, values] = await Promise.all([
      new Promise((res) => (os.getAllKeys().onsuccess = (e) => res(e.target.result))),
      new Promise((res) => (os.getAll().onsuccess = (e) => res(e.target.result))),
    ]);
    const out = {};
    keys.forEach((k, i) => {
      const v = values[i];
      const text = v && v.data ? new TextDecoder().decode(v.data.slice(0, 64)) : null;
      out[k] = v && v.data ? { ...v, data: text, size: v.data.length } : v;
    });
    return out;
  } finally {
    db.close();
  }
}"""


def notes(page) -> list[str]:
    """The page's own one-line messages (web/page/app.mjs: app.notes)."""
    return page.evaluate("window.tbwasmApp.notes")


def wait_note(page, text: str, since: int = 0, timeout: float = 30_000) -> list[str]:
    """Wait for a note holding ``text`` after the first ``since`` ones; the notes holding it."""
    page.wait_for_function(
        "([n, s]) => window.tbwasmApp.notes.slice(n).some((x) => x.includes(s))",
        arg=[since, text],
        timeout=timeout,
    )
    return [n for n in notes(page)[since:] if text in n]


def open_shell_in(context, url: str):
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.set_default_timeout(LOAD_TIMEOUT_MS)
    page.goto(url)
    wait_prompt(page)
    return page


def files(page, store: str = "files") -> dict:
    return page.evaluate(READ_DB, [DB, store]) or {}


def wait_stored(page, path: str, present: bool = True) -> float:
    """Seconds until ``path`` is (or is no longer) in the page's store."""
    t0 = time.monotonic()
    while (path in files(page)) != present:
        if time.monotonic() - t0 > STORE_WAIT_MS / 1000:
            pytest.fail(f"{path} {'not stored' if present else 'still stored'} in time")
        time.sleep(0.05)
    return time.monotonic() - t0


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1100, "height": 760})
    yield ctx
    ctx.close()


def test_reload_finds_home_and_root(context, server) -> None:
    page = open_shell_in(context, server)
    assert page.evaluate("window.tbwasm.store.state") == "writer"
    typed(page, "echo kept > /home/user/kept.txt; echo tmp > /tmp/gone.txt; echo ok1", "ok1\r\n")
    took = wait_stored(page, "/home/user/kept.txt")
    print(f"stored {took:.2f} s after the command ended")
    typed(
        page, "mkdir -p /root/d && ln -s ../d /root/d/up && chmod 600 /home/user/kept.txt", PROMPT
    )
    typed(page, "rm /home/user/README; echo ok2", "ok2\r\n")  # an image file: a whiteout
    wait_stored(page, "/home/user/README")
    db = files(page)
    assert "/root/d/up" in db
    assert db["/home/user/README"]["kind"] == "whiteout"
    assert not any(p.startswith("/tmp") for p in db)
    page.reload()
    wait_prompt(page)
    out = typed(
        page, "cat /home/user/kept.txt; ls -l /home/user; readlink /root/d/up; ls /tmp", PROMPT
    )
    assert "kept\r\n" in out
    assert "-rw-------" in out and "README" not in out
    assert "../d" in out
    assert "gone.txt" not in out
    assert not page.errors, page.errors


def test_write_cost_ms_per_mb(context, server) -> None:
    page = open_shell_in(context, server)
    typed(
        page,
        "dd if=/dev/urandom of=/home/user/big bs=1M count=16 2>/dev/null; echo done",
        "done\r\n",
    )
    wait_stored(page, "/home/user/big")
    s = page.evaluate("window.tbwasm.store")
    assert s["bytes"] >= 16 << 20
    print(
        f"store: {s['flushes']} flushes, {s['bytes'] / 2**20:.1f} MiB in {s['ms']:.0f} ms: "
        f"{s['ms'] / (s['bytes'] / 2**20):.1f} ms/MiB"
    )
    assert files(page)["/home/user/big"]["size"] == 16 << 20


def test_reset_empties_the_store_and_restarts_the_shell(context, server) -> None:
    page = open_shell_in(context, server)
    typed(page, "echo x > /home/user/x.txt; echo ok", "ok\r\n")
    wait_stored(page, "/home/user/x.txt")
    runs = page.evaluate("window.tbwasmApp.shellRuns")
    page.once("dialog", lambda d: d.dismiss())  # Cancel: nothing happens
    page.click("#store-reset")
    page.wait_for_timeout(300)
    assert "/home/user/x.txt" in files(page)
    page.once("dialog", lambda d: d.accept())
    page.click("#store-reset")
    page.wait_for_function(
        "n => window.tbwasmApp.shellRuns > n && window.tbwasmApp.shell && "
        "window.tbwasmApp.output.includes('# ')",
        arg=runs,
        timeout=LOAD_TIMEOUT_MS,
    )
    assert files(page) == {}
    page.click(".xterm")
    out = typed(page, "ls /home/user; echo end", "end\r\n")
    assert "README" in out and "x.txt" not in out
    page.reload()
    wait_prompt(page)
    assert "x.txt" not in typed(page, "ls /home/user; echo end", "end\r\n")


def test_export_import_round_trip(context, server, tmp_path: Path) -> None:
    page = open_shell_in(context, server)
    typed(page, "mkdir -p /home/user/p && echo data > /home/user/p/f && echo ok", "ok\r\n")
    with page.expect_download(timeout=60_000) as dl:
        page.click("#home-export")
    page.click(".xterm")
    saved = tmp_path / "home.tar.gz"
    dl.value.save_as(saved)
    assert dl.value.suggested_filename.endswith(".tar.gz")
    with tarfile.open(saved, "r:gz") as t:
        names = t.getnames()
        assert "./p/f" in names and "./README" in names
        assert t.extractfile("./p/f").read() == b"data\n"
    typed(page, "rm -r /home/user/p; echo gone", "gone\r\n")
    page.set_input_files("#home-import", str(saved))
    wait_note(page, "imported home.tar.gz")
    page.click(".xterm")
    assert "data\r\n" in typed(page, "cat /home/user/p/f", "data\r\n")
    wait_stored(page, "/home/user/p/f")
    # bad input: a truncated download and a hostile archive are one line each, nothing changed
    bad = tmp_path / "truncated.tar.gz"
    bad.write_bytes(saved.read_bytes()[: saved.stat().st_size // 2])
    evil = tmp_path / "evil.tar.gz"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        info = tarfile.TarInfo("ok.txt")
        info.size = 2
        t.addfile(info, io.BytesIO(b"ok"))
        info = tarfile.TarInfo("../../etc/passwd")
        info.size = 1
        t.addfile(info, io.BytesIO(b"x"))
    evil.write_bytes(gzip.compress(buf.getvalue()))
    for f, why in [(bad, "truncated"), (evil, "unsafe member name")]:
        before = len(notes(page))
        page.set_input_files("#home-import", str(f))
        got = wait_note(page, why, before)
        assert len(got) == 1 and got[0].startswith("tbwasm: import:") and "\n" not in got[0]
    page.click(".xterm")
    out = typed(page, "ls /home/user; cat /etc/passwd | head -1", PROMPT)
    assert "ok.txt" not in out and "root:x:0:0" in out
    assert not page.errors, page.errors


def test_second_tab_is_read_only_and_never_corrupts(context, server) -> None:
    first = open_shell_in(context, server)
    typed(first, "echo one > /home/user/one.txt; echo ok", "ok\r\n")
    wait_stored(first, "/home/user/one.txt")
    second = open_shell_in(context, server)
    line = wait_note(second, "read-only")
    assert len(line) == 1 and "another tab" in line[0]
    assert second.evaluate("window.tbwasm.store.state") == "read-only"
    # the second tab sees the stored files; what it writes stays in it
    out = typed(
        second,
        "cat /home/user/one.txt; echo two > /home/user/two.txt; rm /home/user/one.txt",
        PROMPT,
    )
    assert "one\r\n" in out
    typed(first, "echo three > /home/user/three.txt; echo ok", "ok\r\n")
    wait_stored(first, "/home/user/three.txt")
    db = files(first)
    assert "/home/user/two.txt" not in db and db["/home/user/one.txt"]["data"] == "one\n"
    second.close()
    first.close()


def test_full_quota_is_one_line_and_keeps_the_stored_state(context, server) -> None:
    # A small quota for the origin (Chromium: CDP Storage.overrideQuotaForOrigin), set before the
    # page opens its database (a connection opened before it was seen to keep the old quota).
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    cdp = context.new_cdp_session(page)
    origin = re.match(r"https?://[^/]+", server).group(0)
    cdp.send("Storage.overrideQuotaForOrigin", {"origin": origin, "quotaSize": 4 << 20})
    page.goto(server)
    wait_prompt(page)
    typed(page, "echo small > /home/user/small.txt; echo ok", "ok\r\n")
    wait_stored(page, "/home/user/small.txt")
    before = len(notes(page))
    typed(
        page,
        "dd if=/dev/urandom of=/home/user/huge bs=1M count=8 2>/dev/null; "
        "echo z > /home/user/small.txt; echo ok",
        "ok\r\n",
    )
    lines = wait_note(page, "storage for this site is full", before, STORE_WAIT_MS)
    assert len(lines) == 1 and "\n" not in lines[0]
    assert page.evaluate("window.tbwasm.store.failures") >= 1
    db = files(page)
    assert "/home/user/huge" not in db and db["/home/user/small.txt"]["data"] == "small\n"
    # room again: the next change stores everything (the failed transaction's changes too)
    typed(page, "rm /home/user/huge; echo again > /home/user/small.txt; echo ok", "ok\r\n")
    wait_note(page, "stored again", before, STORE_WAIT_MS)
    t0 = time.monotonic()
    while files(page)["/home/user/small.txt"]["data"] != "again\n":
        assert time.monotonic() - t0 < STORE_WAIT_MS / 1000
        time.sleep(0.05)
    page.reload()
    wait_prompt(page)
    assert "again" in typed(page, "cat /home/user/small.txt; ls /home/user", PROMPT)
    assert not page.errors, page.errors


def test_a_newer_store_is_left_alone(context, server) -> None:
    page = context.new_page()
    page.goto(server + "web/abi.json")  # any page of the origin
    page.evaluate(
        """(name) => new Promise((res, rej) => {
          const r = indexedDB.open(name, 1);
          r.onupgradeneeded = () => { r.result.createObjectStore("files", {keyPath: "path"});
                                      r.result.createObjectStore("meta"); };
          r.onsuccess = () => {
            const tx = r.result.transaction(["meta", "files"], "readwrite");
            tx.objectStore("meta").put({version: 99}, "format");
            tx.objectStore("files").put({path: "/home/user/future", kind: "hologram"});
            tx.oncomplete = () => { r.result.close(); res(); };
            tx.onerror = () => rej(tx.error);
          };
          r.onerror = () => rej(r.error);
        })""",
        DB,
    )
    page.goto(server)
    wait_prompt(page)
    lines = wait_note(page, "newer tbwasm")
    assert len(lines) == 1 and "format 99" in lines[0]
    typed(page, "echo new > /home/user/new.txt; echo ok", "ok\r\n")
    page.wait_for_timeout(1500)
    assert files(page, "meta") == {"format": {"version": 99}}
    assert set(files(page)) == {"/home/user/future"}
    assert page.evaluate("window.tbwasm.store.state") == "newer"


DEMO = """([id, command, persist]) => {
  const d = document.createElement("tbwasm-demo");
  d.id = id;
  d.setAttribute("command", command);
  if (persist) d.setAttribute("persist", persist);
  d.setAttribute("autorun", "");
  document.body.prepend(d);
}"""


def demo_result(page, id_: str) -> dict:
    page.wait_for_function(f"() => document.getElementById('{id_}')?.hasAttribute('status')")
    return page.evaluate(f"document.getElementById('{id_}').result")


def test_a_demo_keeps_files_only_with_persist(context, server) -> None:
    page = context.new_page()
    page.set_default_timeout(LOAD_TIMEOUT_MS)
    page.goto(server + "docs/")  # no tbwasm-persist meta: the page's own machine keeps nothing
    page.evaluate("window.tbwasm.ready")
    assert page.evaluate("window.tbwasm.store.state") == "off"
    page.evaluate(DEMO, ["kept", "echo demo > /home/user/demo.txt", "notes"])
    page.evaluate(DEMO, ["plain", "echo plain > /home/user/plain.txt", None])
    assert demo_result(page, "kept")["status"] == 0
    assert demo_result(page, "plain")["status"] == 0
    t0 = time.monotonic()
    db = "tbwasm:demo:notes:/"
    while "/home/user/demo.txt" not in (page.evaluate(READ_DB, [db, "files"]) or {}):
        assert time.monotonic() - t0 < STORE_WAIT_MS / 1000, "the demo's file was not stored"
        time.sleep(0.05)
    assert page.evaluate(READ_DB, [DB, "files"]) is None  # the page's store was never made
    page.reload()
    page.evaluate("window.tbwasm.ready")
    page.evaluate(DEMO, ["kept2", "cat /home/user/demo.txt", "notes"])
    page.evaluate(DEMO, ["plain2", "cat /home/user/plain.txt 2>&1; true", None])
    assert demo_result(page, "kept2")["stdout"] == "demo\n"
    assert "No such file" in demo_result(page, "plain2")["stdout"]
