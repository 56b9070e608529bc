"""The public JavaScript API (web/index.mjs, typed by web/index.d.ts) in a page: an emulator of
its own, run() with its result, output and exit events, files in and out, a shell attached to
an element, stop() and destroy()."""

from __future__ import annotations

import pytest
from browser_support import LOAD_TIMEOUT_MS

from tests.helpers import guest_path, qemu_run

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_emulator_api(open_page, server) -> None:
    page = open_page(server + "docs/")
    try:
        r = page.evaluate(
            """async () => {
                const { createEmulator } = await import("/web/index.mjs");
                const emu = createEmulator();
                window.emu = emu;
                await emu.ready;
                const events = [];
                emu.addEventListener("output", (e) => events.push(["output", e.detail.fd, e.detail.text]));
                emu.addEventListener("exit", (e) => events.push(["exit", e.detail.status]));
                const hello = await emu.run({ program: "/guests/hello.elf" });
                await emu.writeFile("/home/user/in.txt", "one\\ntwo\\n");
                const wc = await emu.run({ path: "/bin/sh", args: ["-c", "wc -l < /home/user/in.txt > /home/user/out.txt; cat /home/user/out.txt"] });
                const out = new TextDecoder().decode(await emu.readFile("/home/user/out.txt"));
                const missing = await emu.readFile("/no/such").then(() => "read", (e) => e.message);
                const bad = await emu.run({}).then(() => "ran", (e) => e.message);
                const h = emu.start({ path: "/bin/sleep", args: ["30"] });
                setTimeout(() => emu.stop(), 300);
                const stopped = await h.result;
                return { hello, wc, out, missing, bad, stopped, events };
            }"""
        )
        expected = qemu_run(guest_path("hello")).stdout.decode()
        assert (r["hello"]["status"], r["hello"]["stdout"]) == (0, expected)
        assert (r["wc"]["status"], r["wc"]["stdout"]) == (0, "2\n")
        assert r["out"] == "2\n"
        assert r["missing"].startswith("tbwasm") and "\n" not in r["missing"], r["missing"]
        assert r["bad"].startswith("tbwasm: run() needs"), r["bad"]
        assert r["stopped"]["stopped"] and r["stopped"]["status"] == 130
        assert ["output", 1, expected] in r["events"] and ["exit", 0] in r["events"]
        # a shell on a terminal in an element of the page
        page.evaluate(
            """() => {
                const div = document.createElement("div");
                div.id = "shell";
                div.style.height = "300px";
                document.body.prepend(div);
                window.shell = window.emu.attachShell(div);
            }"""
        )
        page.wait_for_function(
            "() => window.shell.terminal && document.querySelector('#shell .xterm')",
            timeout=LOAD_TIMEOUT_MS,
        )
        page.evaluate("window.shell.write('echo $((6*7)) > /home/user/t; exit 4\\r')")
        res = page.evaluate(
            "Promise.race([window.shell.result, new Promise(r => setTimeout(() => r('timeout'), 60000))])"
        )
        assert res["status"] == 4, res
        assert (
            page.evaluate(
                "window.emu.readFile('/home/user/t').then(b => new TextDecoder().decode(b))"
            )
            == "42\n"
        )
        page.evaluate("window.emu.destroy()")
        err = page.evaluate(
            "window.emu.run({program: '/guests/hello.elf'}).then(() => 'ran', e => e.message)"
        )
        assert "destroyed" in err
        assert not [e for e in page.errors if "favicon" not in e], page.errors
    finally:
        page.close()
