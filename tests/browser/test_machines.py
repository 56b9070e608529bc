"""Several machines in one worker: window.tbwasm.run() beside the page's shell, runs side by
side (a sleeping guest does not hold up the others), Stop of one run only, demos that start
when they become visible, an interactive demo with a terminal of its own, and bad input that
gets a one-line answer and leaves the page usable."""

from __future__ import annotations

import pytest
from browser_support import LOAD_TIMEOUT_MS, PROMPT, open_shell, typed

from py_backend import abi
from tests.helpers import qemu_run

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HELLO = "/guests/hello.elf"


@pytest.fixture(scope="module")
def shell_page(open_page, server):
    page = open_shell(open_page, server)
    yield page
    # (test_bad_input_gets_one_line asks for a program that is not there: its 404)
    assert not [e for e in page.errors if "404" not in e], page.errors
    page.close()


def hello_stdout() -> str:
    from tests.helpers import guest_path

    return qemu_run(guest_path("hello")).stdout.decode()


def test_run_beside_the_shell(shell_page) -> None:
    """The shell page's window.tbwasm.run() runs in a machine of its own while the shell waits
    at its prompt, and again while the shell runs a command that sleeps."""
    r = shell_page.evaluate("p => window.tbwasm.run({program: p})", HELLO)
    assert (r["status"], r["stdout"]) == (0, hello_stdout())
    assert shell_page.evaluate("window.tbwasmApp.shell")  # the shell is still there
    before = len(shell_page.evaluate("window.tbwasmApp.output"))
    shell_page.keyboard.type("sleep 4; echo woke")
    shell_page.keyboard.press("Enter")
    # a guest program of the image, with arguments and stdin, while the shell's sleep goes on
    r = shell_page.evaluate(
        """async (before) => {
            const t0 = performance.now();
            const r = await window.tbwasm.run({path: "/bin/sh", args: ["-c", "read x; echo got $x; exit 3"], stdin: "abc\\n"});
            return {...r, ms: performance.now() - t0,
                    woke: window.tbwasmApp.output.slice(before).includes("\\nwoke\\r")};
        }""",
        before,
    )
    assert (r["status"], r["stdout"]) == (3, "got abc\n"), r
    assert not r["woke"], (
        "the run waited for the shell's sleep",
        r,
        shell_page.evaluate("window.tbwasmApp.output")[before:],
    )
    shell_page.wait_for_function(
        "n => window.tbwasmApp.output.slice(n).includes('\\nwoke\\r')", arg=before, timeout=60_000
    )
    assert "ok" in typed(shell_page, "echo ok", "ok\r\n")


def test_runs_side_by_side_and_stop_one(shell_page) -> None:
    """Three runs at once: a guest that sleeps 3 s does not hold up the other two, and the
    API's stop() ends its own runs but not the shell."""
    r = shell_page.evaluate(
        """async (hello) => {
            const t0 = performance.now();
            const slow = window.tbwasm.run({path: "/bin/sleep", args: ["3"]}).then(r => ({...r, ms: performance.now() - t0}));
            const fast = await Promise.all([1, 2].map(() => window.tbwasm.run({program: hello})
                .then(r => ({...r, ms: performance.now() - t0}))));
            return {fast, slow: await slow};
        }""",
        HELLO,
    )
    for f in r["fast"]:
        assert (f["status"], f["stdout"]) == (0, hello_stdout())
        assert f["ms"] < r["slow"]["ms"], r  # done before the sleeper
    assert r["slow"]["status"] == 0 and r["slow"]["ms"] >= 3000, r["slow"]
    stopped = shell_page.evaluate(
        """async () => {
            const p = window.tbwasm.run({path: "/bin/sleep", args: ["60"]});
            await new Promise(r => setTimeout(r, 500));
            window.tbwasm.stop();
            return await p;
        }"""
    )
    assert stopped["stopped"] and stopped["status"] == abi.HostStatus.STOPPED, stopped
    assert shell_page.evaluate("window.tbwasmApp.shell")
    assert "still" in typed(shell_page, "echo still here", "still here\r\n")


def test_bad_input_gets_one_line(shell_page) -> None:
    r = shell_page.evaluate("window.tbwasm.run({path: '/no/such/program'})")
    assert r["status"] == abi.HostStatus.USAGE, r
    assert r["stderr"].count("\n") == 1 and "/no/such/program" in r["stderr"], r
    err = shell_page.evaluate("window.tbwasm.run({}).then(() => 'resolved', e => e.message)")
    assert err.startswith("tbwasm: run() needs") and "\n" not in err
    err = shell_page.evaluate(
        "window.tbwasm.run({program: '/guests/no-such.elf'}).then(() => 'resolved', e => e.message)"
    )
    assert "HTTP 404" in err and "\n" not in err
    r = shell_page.evaluate("window.tbwasm.run({program: new Uint8Array([1, 2, 3])})")
    assert r["status"] == abi.HostStatus.USAGE and r["stderr"].count("\n") == 1, r
    assert PROMPT in typed(shell_page, "true", PROMPT)


def test_demos_start_when_visible(open_page, server) -> None:
    """A demo starts when it is first scrolled into view; one below the fold waits; a bad src
    gives its one-line reason; an interactive demo is a terminal the user types into."""
    page = open_page(server + "docs/")
    try:
        page.evaluate(
            """() => {
                const spacer = document.createElement("div");
                spacer.style.height = "4000px";
                document.body.append(spacer);
                for (const [attrs, id] of [
                    [{src: "../guests/hello.elf"}, "late"],
                    [{src: "../guests/none.elf"}, "bad"],
                    [{command: "sh", interactive: ""}, "tty"],
                ]) {
                    const d = document.createElement("tbwasm-demo");
                    for (const [k, v] of Object.entries(attrs)) d.setAttribute(k, v);
                    d.id = id;
                    document.body.append(d);
                }
            }"""
        )
        page.evaluate("window.tbwasm.ready")
        page.wait_for_timeout(1500)
        assert page.evaluate("document.getElementById('late').getAttribute('state')") == "idle"
        page.evaluate("document.getElementById('late').scrollIntoView()")
        page.wait_for_function(
            "() => document.getElementById('late').getAttribute('status') === '0'",
            timeout=LOAD_TIMEOUT_MS,
        )
        assert page.evaluate("document.getElementById('late').result.stdout") == hello_stdout()
        page.evaluate("document.getElementById('bad').scrollIntoView()")
        page.wait_for_function(
            "() => document.getElementById('bad').getAttribute('status') === 'error'",
            timeout=LOAD_TIMEOUT_MS,
        )
        msg = page.evaluate("document.getElementById('bad').result.stderr")
        assert "HTTP 404" in msg and "\n" not in msg
        page.evaluate("document.getElementById('tty').scrollIntoView()")
        page.wait_for_function(
            "() => (document.getElementById('tty').output || '').includes('# ')",
            timeout=LOAD_TIMEOUT_MS,
        )
        page.click("#tty")
        page.keyboard.type("echo $((6*7)) from the demo")
        page.keyboard.press("Enter")
        page.wait_for_function(
            "() => document.getElementById('tty').output.includes('42 from the demo')",
            timeout=60_000,
        )
        page.keyboard.type("exit 5")
        page.keyboard.press("Enter")
        page.wait_for_function(
            "() => document.getElementById('tty').getAttribute('status') === '5'", timeout=60_000
        )
        assert not [e for e in page.errors if "404" not in e], page.errors
    finally:
        page.close()
