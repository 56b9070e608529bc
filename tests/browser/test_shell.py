"""The page opens on a shell: busybox sh from the root filesystem image, on the guest's own
terminal (Linux's line discipline in the emulator), typed into through xterm.js by Playwright.

The session is the one issue #9 asks for: ls, cd, cat, echo > file, a pipeline, vi editing and
saving a file, a background job with jobs and wait, python3, ^C on a runaway pipeline, the
terminal's size (stty size, SIGWINCH on resize), Run typing an example into the shell, and a new
shell after exit.
"""

from __future__ import annotations

import re

import pytest
from browser_support import LOAD_TIMEOUT_MS, PROMPT, open_shell, output, typed


@pytest.fixture(scope="module")
def shell(open_page, server):
    page = open_shell(open_page, server)
    yield page
    assert not page.errors, page.errors
    page.close()


def test_files_directories_and_pipelines(shell) -> None:
    typed(shell, "cd /tmp && echo hello > f.txt && echo world >> f.txt", PROMPT)
    assert "hello\r\nworld\r\n" in typed(shell, "cat f.txt", "world\r\n")
    out = typed(shell, "ls /usr/bin | sort | head -3; echo end=$((40+2))", "end=42\r\n")
    assert out.count("\r\n") >= 5  # the command line, three names, end=42
    assert "/tmp" in typed(shell, "pwd", "/tmp\r\n")
    assert "ok=3" in typed(shell, 'x=$(seq 3 | wc -l); echo "ok=$x"', "ok=3")


def test_python3_runs_in_the_shell(shell) -> None:
    assert "42" in typed(shell, "python3 -c 'print(6*7)'", "42\r\n", timeout=180_000)


def test_background_job_jobs_and_wait(shell) -> None:
    typed(shell, "sleep 3 &", PROMPT)
    assert "sleep 3" in typed(shell, "jobs", "Running")
    assert "waited=2" in typed(shell, "wait; echo waited=$((1+1))", "waited=2\r\n")


def test_ctrl_c_stops_a_runaway_pipeline(shell) -> None:
    shell.keyboard.type("yes | cat | cat > /dev/null")
    shell.keyboard.press("Enter")
    shell.wait_for_timeout(1500)
    shell.keyboard.press("Control+C")
    assert "status=130" in typed(shell, "echo status=$?", "status=130")


def test_vi_edits_and_saves_a_file(shell) -> None:
    before = len(output(shell))
    shell.keyboard.type("vi /tmp/note.txt")
    shell.keyboard.press("Enter")
    try:
        shell.wait_for_function(  # vi's status line
            "n => window.tbwasmApp.output.slice(n).includes('/tmp/note.txt 1/1')",
            arg=before,
            timeout=30_000,
        )
    except Exception:
        raise AssertionError(repr(output(shell)[before:])) from None
    shell.keyboard.type("ihello from vi")
    shell.keyboard.press("Escape")
    shell.wait_for_function(  # leaving insert mode redraws the status line
        "n => window.tbwasmApp.output.slice(n).includes('[Modified]')", arg=before
    )
    shell.keyboard.type(":wq")
    shell.keyboard.press("Enter")
    assert "hello from vi" in typed(shell, "cat /tmp/note.txt", "hello from vi\r\n")


def test_terminal_size_follows_the_page(shell) -> None:
    first = typed(shell, "stty size", re.compile(r"\d+ \d+\r\n"))
    m = re.search(r"(\d+) (\d+)\r\n", first)
    assert m and int(m.group(1)) > 5 and int(m.group(2)) > 20
    shell.set_viewport_size({"width": 800, "height": 500})
    shell.wait_for_timeout(500)
    second = typed(shell, "stty size", re.compile(r"\d+ \d+\r\n"))
    m2 = re.search(r"(\d+) (\d+)\r\n", second)
    assert m2 and (m2.group(1), m2.group(2)) != (m.group(1), m.group(2))


def test_run_types_the_selected_example_into_the_shell(shell) -> None:
    shell.select_option("#examples", "hello.elf")
    before = len(output(shell))
    shell.click("#run")
    shell.wait_for_function(
        "n => window.tbwasmApp.output.slice(n).includes('Hello')", arg=before, timeout=60_000
    )
    shell.click(".xterm")


def test_exit_then_enter_starts_a_new_shell(shell) -> None:
    runs = shell.evaluate("window.tbwasmApp.shellRuns")
    shell.keyboard.type("exit 3")
    shell.keyboard.press("Enter")
    shell.wait_for_function("() => window.tbwasmApp.shellExited")
    assert shell.evaluate("window.tbwasmApp.lastResult.status") == 3
    shell.keyboard.press("Enter")
    shell.wait_for_function(
        "n => window.tbwasmApp.shellRuns > n && window.tbwasmApp.output.includes('# ')",
        arg=runs,
        timeout=LOAD_TIMEOUT_MS,
    )
    assert "again3" in typed(shell, "echo again$((1+2))", "again3\r\n")


def test_upload_while_the_shell_runs_and_stop(shell) -> None:
    """Files put into the guest's filesystem while the shell waits for input are there at once;
    Stop ends the shell (every process), and Enter starts a new one."""
    shell.evaluate("window.tbwasm.putFile('/home/user/up.txt', 'uploaded while running\\n')")
    assert "uploaded while running" in typed(
        shell, "cat /home/user/up.txt", "uploaded while running\r\n"
    )
    shell.keyboard.type("sleep 30")
    shell.keyboard.press("Enter")
    shell.wait_for_timeout(1000)
    shell.click("#stop")
    shell.wait_for_function("() => window.tbwasmApp.shellExited", timeout=20_000)
    assert shell.evaluate("window.tbwasmApp.lastResult.stopped") is True
    runs = shell.evaluate("window.tbwasmApp.shellRuns")
    shell.click(".xterm")
    shell.keyboard.press("Enter")
    shell.wait_for_function(
        "n => window.tbwasmApp.shellRuns > n && window.tbwasmApp.shell", arg=runs, timeout=60_000
    )
    assert "after-stop2" in typed(shell, "echo after-stop$((1+1))", "after-stop2\r\n")
