"""End to end in Chromium: the terminal page, uploads, Stop, the docs page's embeds and the
script API. One serve.py and one page (one Pyodide load) per session; every wait has a timeout.

Guest output is compared with qemu-riscv64's. The page runs a program with argv[0] = its file name
(e.g. "args.elf") and the machine's default environment, so qemu runs it from guests/bin by that
name too.
"""

from __future__ import annotations

import json
import time
from urllib.parse import quote

import helpers
import pytest
from browser_support import stop_busybox_after

from py_backend.abi import STOPPED_MESSAGE, HostStatus

pytestmark = pytest.mark.browser

RUN_TIMEOUT_MS = 120_000
LOAD_TIMEOUT_MS = 90_000
# Per-program arguments typed into the page; loop and echo have their own tests. stress_* are
# robustness programs for bench/soak.py (stress_tbs takes ~2 minutes in Chromium; stress_alloc
# differs from qemu by design).
ARGS = {"args": 'one "two words" three', "asm_args": "a b", "bench": "20"}
PROGRAMS = sorted(
    p.stem
    for p in helpers.GUEST_BIN_DIR.glob("*.elf")
    if p.stem not in {"loop", "echo"} and not p.stem.startswith("stress_")
)


def qemu(name: str, args: list[str] = (), stdin: bytes = b"") -> helpers.Result:
    if not helpers.have_qemu():
        pytest.fail("qemu-riscv64 not installed (scripts/setup.sh)")
    return helpers.qemu_run(f"{name}.elf", list(args), stdin=stdin, cwd=helpers.GUEST_BIN_DIR)


def start_run(page, name: str, args: str = "") -> int:
    """Select an example, set the arguments, press Run; returns the run number."""
    page.wait_for_function("() => !window.tbwasmApp.running", timeout=RUN_TIMEOUT_MS)
    runs = page.evaluate("window.tbwasmApp.runs")
    option = name if (helpers.GUEST_BIN_DIR / name).is_file() else f"{name}.elf"  # busybox
    page.select_option("#examples", option)
    page.fill("#args", args)
    page.click("#run")
    page.wait_for_function("n => window.tbwasmApp.runs > n", arg=runs, timeout=RUN_TIMEOUT_MS)
    return runs + 1


def wait_result(page) -> dict:
    page.wait_for_function("() => window.tbwasmApp.lastResult", timeout=RUN_TIMEOUT_MS)
    return page.evaluate("window.tbwasmApp.lastResult")


def press_stop(page) -> tuple[dict, float]:
    """Click Stop; the run's result and the ms from the click to the result."""
    t0 = page.evaluate("performance.now()")
    page.click("#stop")
    r = wait_result(page)
    return r, page.evaluate("performance.now()") - t0


def run_program(page, name: str, args: str = "") -> dict:
    start_run(page, name, args)
    return wait_result(page)


def test_default_program_prints_its_output(app_page) -> None:
    r = app_page.evaluate("window.tbwasmApp.lastResult")
    assert r["stdout"] == qemu("hello").stdout.decode()
    assert r["status"] == 0
    assert "hello.elf: exit status 0" in app_page.text_content("#status")
    assert app_page.evaluate("crossOriginIsolated")
    timings = app_page.evaluate("window.tbwasm.timings")
    first = app_page.evaluate("window.tbwasmApp.firstOutputMs")
    print(f"\npage open -> first guest output {first / 1000:.2f} s; timings {json.dumps(timings)}")


@pytest.mark.parametrize("name", PROGRAMS)
def test_guest_output_matches_qemu(app_page, name: str) -> None:
    args = ARGS.get(name, "")
    r = run_program(app_page, name, args)
    ref = qemu(name, helpers_split(args))
    assert r["stdout"] == ref.stdout.decode(errors="replace"), r["stderr"]
    assert r["status"] == ref.returncode, r["stderr"]
    if ref.returncode > 128:
        assert r["stderr"].strip().splitlines()[-1].startswith("tbwasm: guest SIG")


def helpers_split(args: str) -> list[str]:
    import shlex

    return shlex.split(args)


def test_terminal_input_reaches_echo(app_page) -> None:
    page = app_page
    start_run(page, "echo")
    page.click("#terminal")
    page.keyboard.type("hello there")
    page.keyboard.press("Enter")
    page.keyboard.type("second linx")
    page.keyboard.press("Backspace")
    page.keyboard.type("e")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+d")
    r = wait_result(page)
    ref = qemu("echo", stdin=b"hello there\nsecond line\n")
    assert r["stdout"] == ref.stdout.decode()
    assert r["status"] == ref.returncode


def test_stop_ends_loop_and_next_program_runs(app_page) -> None:
    page = app_page
    start_run(page, "loop")
    page.wait_for_function(
        "() => window.tbwasmApp.output.includes('looping')", timeout=RUN_TIMEOUT_MS
    )
    page.wait_for_timeout(500)  # let it spin
    r, elapsed = press_stop(page)
    assert r["stopped"] and r["status"] == HostStatus.STOPPED
    assert elapsed < helpers.LIVENESS_S * 1000, f"Stop took {elapsed:.0f} ms"
    r = run_program(page, "hello")
    assert r["stdout"] == qemu("hello").stdout.decode() and r["status"] == 0


def test_endless_output_is_paced_and_stop_is_prompt(app_page) -> None:
    """`busybox yes` prints without end.  The worker may only run OUT_WINDOW bytes ahead of the
    terminal (flow control), so the page stays responsive, keeps a bounded tail of the output,
    and Stop is not queued behind a backlog (it took ~10 s before flow control)."""
    if not (helpers.GUEST_BIN_DIR / "busybox").exists():
        pytest.fail("guests/bin/busybox missing: run scripts/fetch-busybox.sh")
    page = app_page
    start_run(page, "busybox", "yes 0123456789abcdefghij")
    page.wait_for_function(
        "() => window.tbwasmApp.output.includes('0123456789abcdefghij')", timeout=RUN_TIMEOUT_MS
    )
    worst = 0.0
    in_flight = []
    for _ in range(6):  # 3 s of flooding
        page.wait_for_timeout(500)
        t0 = time.perf_counter()
        in_flight.append(page.evaluate("window.tbwasm.client.outputInFlight"))
        worst = max(worst, time.perf_counter() - t0)
    assert worst < helpers.LIVENESS_S, f"the page answered in {worst:.2f} s while the guest printed"
    assert max(in_flight) <= 1 << 20, in_flight  # the worker's window is 256 KiB
    assert page.evaluate("window.tbwasmApp.output.length") <= 2 << 20
    r, elapsed = press_stop(page)
    assert r["stopped"] and r["status"] == HostStatus.STOPPED
    assert elapsed < helpers.LIVENESS_S * 1000, f"Stop took {elapsed:.0f} ms"
    assert r["stdout"].startswith("0123456789abcdefghij\n" * 100)
    r = run_program(page, "hello")
    assert r["stdout"] == qemu("hello").stdout.decode() and r["status"] == 0


def test_stop_wakes_a_sleeping_guest(app_page) -> None:
    """`busybox sleep 100` blocks in nanosleep; Stop must wake it (the worker's sleep waits on
    the control word that Stop notifies) rather than wait 3 s and replace the worker."""
    page = app_page
    page.wait_for_function("() => !window.tbwasmApp.running", timeout=RUN_TIMEOUT_MS)
    r = stop_busybox_after(page, ["sleep", "100"], 1000)
    assert r["stopped"] and r["status"] == HostStatus.STOPPED
    assert r["message"] == STOPPED_MESSAGE, r["message"]  # not "restarted the worker"
    assert r["stopMs"] < helpers.LIVENESS_S * 1000, r["stopMs"]
    r = run_program(page, "hello")
    assert r["stdout"] == qemu("hello").stdout.decode() and r["status"] == 0


def test_stop_replaces_a_worker_that_does_not_answer(open_page, server) -> None:
    """A worker that does not answer Stop (here: its messages no longer reach the client) is
    replaced after the grace period; the run ends as stopped with the host's Stop status (from
    the worker's "ready" message) and the replacement worker runs the next program."""
    page = open_page(server + "?shell=0")
    try:
        page.evaluate("window.tbwasm.ready")
        # the page's own first run (slow in the jit tier) must be over, so that ours is the one
        # running when the worker turns deaf
        page.wait_for_function("() => !window.tbwasmApp.running", timeout=RUN_TIMEOUT_MS)
        r = page.evaluate(
            """async () => {
              const c = window.tbwasm.client;
              const host = c.host;
              const p = c.run({program: "/guests/loop.elf"});
              while (!c.busy) await new Promise((ok) => setTimeout(ok, 20));
              await new Promise((ok) => setTimeout(ok, 500));
              c.worker.onmessage = () => {};  // deaf: not even its "exit" arrives
              c.stop();
              const r = await p;
              return {...r, host};
            }"""
        )
        assert r["host"]["status"]["STOPPED"] == HostStatus.STOPPED, r["host"]
        assert r["stopped"] and r["status"] == HostStatus.STOPPED, r
        assert r["message"] == "tbwasm: the worker did not stop; restarted it", r["message"]
        assert r["error"] is None and r["truncated"] is False
        r = page.evaluate("() => window.tbwasm.run({program: '/guests/hello.elf'})")
        assert r["stdout"] == qemu("hello").stdout.decode() and r["status"] == 0
    finally:
        page.close()


def test_forking_shell_script_runs(open_page, server) -> None:
    """busybox sh from a ?program= link: command substitution, a pipeline of applets and a
    background job (each guest process in a WebAssembly.Memory of its own in the worker)."""
    script = "x=$(echo hi); echo $x | busybox tr a-z A-Z; (sleep 0.1; echo bg) & wait; echo ok"
    page = open_page(server + "?program=busybox&args=" + quote(f"sh -c '{script}'"))
    try:
        page.wait_for_function("() => window.tbwasmApp.lastResult", timeout=LOAD_TIMEOUT_MS)
        r = page.evaluate("window.tbwasmApp.lastResult")
        assert (r["status"], r["stdout"]) == (0, "HI\nbg\nok\n"), r
    finally:
        page.close()


def test_stop_ends_sleeping_processes(app_page) -> None:
    """Every guest process sleeps (the System sleeps until the first deadline): Stop wakes it
    and the run reports a Stop; the next forking run works."""
    page = app_page
    page.wait_for_function("() => !window.tbwasmApp.running", timeout=RUN_TIMEOUT_MS)
    r = stop_busybox_after(page, ["sh", "-c", "sleep 100 & sleep 100 & wait"], 1500)
    assert r["stopped"] and r["status"] == HostStatus.STOPPED
    assert r["message"] == STOPPED_MESSAGE, r["message"]
    assert r["stopMs"] < helpers.LIVENESS_S * 1000, r["stopMs"]
    r = page.evaluate(
        """() => window.tbwasm.run({program: "/guests/busybox", argv0: "busybox",
                                    args: ["sh", "-c", "echo $(echo a) | busybox cat"]})"""
    )
    assert (r["status"], r["stdout"]) == (0, "a\n"), r


def test_process_table_limit_ends_cleanly(app_page) -> None:
    """64 processes at once (each its own 1 GiB memory in the worker), twice: fork fails with
    EAGAIN at the limit, sh gives up, every process goes; then a fork bomb; the page keeps
    working."""
    page = app_page
    page.wait_for_function("() => !window.tbwasmApp.running", timeout=RUN_TIMEOUT_MS)
    script = "i=0; while [ $i -lt 80 ]; do sleep 10 & i=$((i+1)); done; echo never"
    for _ in range(2):
        r = page.evaluate(
            """(script) => window.tbwasm.run({program: "/guests/busybox", argv0: "busybox",
                                              args: ["sh", "-c", script]})""",
            script,
        )
        assert r["status"] == 2, r
        assert r["stdout"] == ""
        assert r["stderr"] == "sh: can't fork: Resource temporarily unavailable\n"
    r = page.evaluate(
        """() => window.tbwasm.run({program: "/guests/busybox", argv0: "busybox",
                                    args: ["sh", "-c", "f(){ f|f& }; f; sleep 2; echo done"]})"""
    )
    assert (r["status"], r["stdout"]) == (0, "done\n"), r  # a fork bomb
    r = run_program(page, "hello")
    assert r["stdout"] == qemu("hello").stdout.decode() and r["status"] == 0


def test_uploaded_elf_runs(app_page) -> None:
    page = app_page
    page.wait_for_function("() => !window.tbwasmApp.running", timeout=RUN_TIMEOUT_MS)
    runs = page.evaluate("window.tbwasmApp.runs")
    page.set_input_files("#upload", str(helpers.GUEST_BIN_DIR / "asm_hello.elf"))
    page.wait_for_function("n => window.tbwasmApp.runs > n", arg=runs, timeout=RUN_TIMEOUT_MS)
    r = wait_result(page)
    ref = qemu("asm_hello")
    assert r["stdout"] == ref.stdout.decode() and r["status"] == ref.returncode


def test_malformed_upload_shows_clear_error(app_page) -> None:
    page = app_page
    page.wait_for_function("() => !window.tbwasmApp.running", timeout=RUN_TIMEOUT_MS)
    runs = page.evaluate("window.tbwasmApp.runs")
    files = {
        "name": "broken.elf",
        "mimeType": "application/octet-stream",
        "buffer": b"\x7fELF junk",
    }
    page.set_input_files("#upload", files=[files])
    page.wait_for_function("n => window.tbwasmApp.runs > n", arg=runs, timeout=RUN_TIMEOUT_MS)
    r = wait_result(page)
    assert r["status"] == HostStatus.USAGE
    assert r["error"].startswith("tbwasm: broken.elf: ")
    assert len(r["error"].splitlines()) == 1
    status = page.locator("#status")
    assert status.text_content() == r["error"]
    assert "error" in status.get_attribute("class")
    r = run_program(page, "hello")  # the page keeps working
    assert r["status"] == 0


def test_window_tbwasm_run(app_page) -> None:
    r = app_page.evaluate(
        """() => window.tbwasm.run({program: "/guests/args.elf", args: 'x "y z"', stdin: ""})"""
    )
    assert r["status"] == 0
    assert "argv[2]=[y z]\n" in r["stdout"]
    r = app_page.evaluate(
        """() => window.tbwasm.run({program: "/guests/echo.elf", stdin: "a\\nb\\n"})"""
    )
    assert r["stdout"] == qemu("echo", stdin=b"a\nb\n").stdout.decode()


def test_url_parameters_select_program_and_args(open_page, server) -> None:
    page = open_page(server + "?program=args.elf&args=" + "p+%22q+r%22")
    try:
        page.wait_for_function("() => window.tbwasmApp.lastResult", timeout=LOAD_TIMEOUT_MS)
        r = page.evaluate("window.tbwasmApp.lastResult")
        assert "argv[0]=[args.elf]\nargv[1]=[p]\nargv[2]=[q r]\n" in r["stdout"]
        assert page.input_value("#args") == 'p "q r"'
    finally:
        page.close()


def test_docs_page_demos_run(open_page, server) -> None:
    page = open_page(server + "docs/")
    try:
        page.evaluate("window.tbwasm.ready")
        demos = page.locator("tbwasm-demo")
        n = demos.count()
        assert n >= 3
        for i in range(n):
            demos.nth(i).locator("button[part=run]").click()
        page.wait_for_function(
            "() => [...document.querySelectorAll('tbwasm-demo')]"
            ".every(d => d.hasAttribute('status'))",
            timeout=LOAD_TIMEOUT_MS * 2,
        )
        for i in range(n):
            demo = demos.nth(i)
            src = demo.get_attribute("src") or demo.get_attribute("command")
            result = demo.evaluate("d => d.result")
            assert result["status"] == 0, (src, result)
            assert result["stdout"], src
            assert demo.locator("pre").text_content().startswith(result["stdout"][:40])
        hello = page.evaluate("document.querySelector('tbwasm-demo').result.stdout")
        assert hello == qemu("hello").stdout.decode()
        shell = page.evaluate("document.querySelector('tbwasm-demo[command]').result.stdout")
        assert shell.startswith("HELLO FROM A PIPELINE\n") and shell.endswith("\n42\n"), shell
        assert len(shell.splitlines()) == 5  # the pipeline, three names from ls | sort | head
        assert not [e for e in page.errors if "favicon" not in e], page.errors
    finally:
        page.close()


@pytest.mark.parametrize("tier", ["interp", "jit", "tiered"])
def test_script_api_runs_in_each_tier(app_page, tier: str) -> None:
    """window.tbwasm.run({tier}): the same output in every tier; the stats say which tier ran
    and how many instructions tier 0 interpreted."""
    r = app_page.evaluate(
        "t => window.tbwasm.run({program: '/guests/fpops.elf', tier: t})",
        tier,
    )
    assert r["status"] == 0, r
    assert r["stdout"] == qemu("fpops").stdout.decode()
    s = r["stats"]
    assert s["tier"] == tier
    if tier == "interp":
        assert s["interp_insns"] == s["guest_insns"] > 0 and s["tbs_translated"] == 0
    elif tier == "jit":
        assert s["interp_insns"] == 0 and s["tbs_translated"] > 0
    r = app_page.evaluate(
        "t => window.tbwasm.run({program: '/guests/args.elf', args: 'x \"y z\"', tier: t})", tier
    )
    assert r["status"] == 0 and "argv[1]=[x]\nargv[2]=[y z]\n" in r["stdout"], r


def test_unknown_tier_is_a_one_line_error(app_page) -> None:
    r = app_page.evaluate("() => window.tbwasm.run({program: '/guests/hello.elf', tier: 'turbo'})")
    assert r["status"] == HostStatus.USAGE
    assert r["error"] == 'tbwasm: unknown tier "turbo" (one of tiered, interp, jit)'
    assert r["stderr"] == r["error"] + "\n"
    assert r["stdout"] == ""


def test_tier_url_parameter_and_stats_panel(open_page, server) -> None:
    """?tier=interp is the default of the page's runs; the panel shows the tier and the
    instructions interpreted and compiled."""
    page = open_page(server + "?tier=interp&shell=0")
    try:
        page.wait_for_function("() => window.tbwasmApp.lastResult", timeout=LOAD_TIMEOUT_MS)
        r = page.evaluate("window.tbwasmApp.lastResult")
        assert r["status"] == 0 and r["stdout"] == qemu("hello").stdout.decode()
        s = r["stats"]
        assert s["tier"] == "interp" and s["interp_insns"] == s["guest_insns"] > 0
        assert page.text_content("#st-tier") == "interp"
        insns = page.text_content("#st-insns")
        assert page.text_content("#st-interp") == insns
        assert page.text_content("#st-compiled") == "0"
        assert "tier=interp" in page.get_attribute("#share", "href")
    finally:
        page.close()
