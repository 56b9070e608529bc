"""The Node CLI's options from the shared table (py_backend/cli_options.py, exported to
web/node/cli_options.json) that the native CLI has too: --timeout (status 130 and the same line),
--strace and --trace (the same lines), --tty (the guest on an emulated terminal, or not).  Each
case runs both CLIs and compares."""

from __future__ import annotations

import subprocess

import helpers
import pytest
from tier_env import node_env

from py_backend.abi import HostStatus

pytestmark = pytest.mark.node

CLI = helpers.REPO_ROOT / "web" / "node" / "cli.mjs"
TIMEOUT = 240.0
BUSYBOX = helpers.GUEST_BIN_DIR / "busybox"


def both(opts: list[str], program: str, args: list[str]) -> tuple[helpers.Result, helpers.Result]:
    """(native, node) runs of `program args` with `opts`, stdin empty; same argv and environment."""
    path = str(program if "/" in program else helpers.GUEST_BIN_DIR / program)
    native = helpers.tbwasm_command(path, args)
    native[native.index("run") + 1 : native.index("run") + 1] = opts
    node = ["node", str(CLI), *opts]
    for k, v in helpers.guest_env(None).items():
        node += ["--env", f"{k}={v}"]
    node += [path, *args]
    out = []
    for cmd, env in ((native, helpers.host_env()), (node, node_env({}))):
        r = subprocess.run(
            cmd, input=b"", capture_output=True, env=env, cwd=str(helpers.REPO_ROOT),
            timeout=TIMEOUT, check=False,
        )  # fmt: skip
        out.append(r)
    return out[0], out[1]


def test_timeout_stops_the_guest_with_status_130(web_assets) -> None:
    native, node = both(["--timeout", "1"], "loop.elf", [])
    for r in (native, node):
        assert r.returncode == HostStatus.STOPPED == 130, r
        assert r.stderr.decode().splitlines()[-1] == "tbwasm: stopped after --timeout 1.0s", r
    assert node.stdout.startswith(b"looping"), node


def test_timeout_cuts_a_guest_sleep_short(web_assets) -> None:
    # the guest sleeps far longer than the timeout: the sleep ends at the deadline (the native
    # CLI looks at its deadline between slices only, so there the sleep runs to its end)
    cmd = ["node", str(CLI), "--timeout", "0.5", str(BUSYBOX), "sleep", "100"]
    r = subprocess.run(
        cmd, input=b"", capture_output=True, env=node_env({}), timeout=TIMEOUT, check=False
    )
    assert r.returncode == 130, r
    assert r.stderr.decode().splitlines()[-1] == "tbwasm: stopped after --timeout 0.5s", r


def test_a_guest_that_ends_in_time_keeps_its_status(web_assets) -> None:
    native, node = both(["--timeout", "100"], "exit42.elf", [])
    assert native.returncode == node.returncode == 42


def lines_of(r: helpers.Result, prefix: str) -> list[str]:
    return [line for line in r.stderr.decode().splitlines() if line.startswith(prefix)]


def strace_lines(r: helpers.Result) -> list[str]:
    return lines_of(r, "[strace] ")


def trace_lines(r: helpers.Result) -> list[str]:
    return lines_of(r, "[trace] ")


def test_strace_prints_the_native_lines(web_assets) -> None:
    native, node = both(["--strace"], "hello.elf", [])
    assert native.returncode == node.returncode == 0
    assert node.stdout == native.stdout == b"Hello from RISC-V!\n"
    lines = strace_lines(node)
    assert any(line.startswith("[strace] write(") for line in lines), lines
    assert lines == strace_lines(native)


def test_trace_prints_the_native_lines(web_assets) -> None:
    # every block compiled before it runs: each TB translated is a line
    native, node = both(["--trace", "--tier", "jit"], "hello.elf", [])
    assert native.returncode == node.returncode == 0
    trace = trace_lines(node)
    assert len(trace) > 10, node.stderr[-2000:]
    assert trace == trace_lines(native)


@pytest.mark.parametrize("tty", ["on", "off"])
def test_tty_is_the_native_terminal(web_assets, tty: str) -> None:
    # on: an emulated terminal of 24x80 (stdout is a pipe: the default size); off: no terminal
    native, node = both(["--tty", tty], str(BUSYBOX), ["sh", "-c", "stty size; echo status $?"])
    assert node.returncode == native.returncode == 0
    assert node.stdout == native.stdout, (node, native)
    want = b"24 80\r\nstatus 0\r\n" if tty == "on" else b"status 1\n"  # a terminal: CR LF
    assert node.stdout == want, node


def test_bad_option_values_are_usage_errors(web_assets) -> None:
    for opts, message in (
        (["--timeout", "soon"], "tbwasm-node: --timeout soon: expected a number"),
        (["--tty", "maybe"], "tbwasm-node: --tty maybe: expected one of auto, on, off"),
        (["--budget=x"], "tbwasm-node: --budget x: expected an integer"),
        (["--stats=1"], "tbwasm-node: --stats takes no value"),
    ):
        r = subprocess.run(
            ["node", str(CLI), *opts, str(helpers.GUEST_BIN_DIR / "hello.elf")],
            capture_output=True, env=node_env({}), timeout=TIMEOUT, check=False,
        )  # fmt: skip
        assert r.returncode == HostStatus.USAGE, r
        assert r.stderr.decode().splitlines()[0] == message
