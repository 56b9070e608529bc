"""The Node host (`node web/node/cli.mjs`): every committed guest program against qemu-riscv64.

Each program runs under `node web/node/cli.mjs` with the same argv, environment and stdin as under
qemu-riscv64 (tests/helpers.py); stdout and the exit status must be equal, and a fatal signal must
produce the native CLI's one-line message on stderr. The runs happen in parallel once per session
(Pyodide takes ~3 s to start in each process). A separate group drives the JS runtime with the fake
machine of tests/node/fake_machine.py, so the loop, Stop and stdin are checked without the
translator.
"""

from __future__ import annotations

import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import helpers
import pytest
from tier_env import node_env

from py_backend.abi import STOPPED_MESSAGE, HostStatus

pytestmark = pytest.mark.node

REPO = helpers.REPO_ROOT
CLI = REPO / "web" / "node" / "cli.mjs"
TIMEOUT = 240.0

# Per-program argv[1:] and stdin; programs not listed get neither. loop.elf never ends: it is
# covered by the Stop tests (here with the fake machine, in the browser with the real one).
CASES: dict[str, tuple[list[str], bytes]] = {
    "args": (["one", "two words", "", 'thr"ee'], b""),
    "asm_args": (["a", "b c"], b""),
    "echo": ([], b"first line\nsecond\n\nno newline at the end"),
    "bench": (["20"], b""),
}
# stress_* are robustness programs (bench/soak.py runs them): stress_tbs translates 1M TBs
# (minutes; and Node 20's V8 copies the whole funcref table into every instance that imports it,
# so it runs out of heap), stress_alloc probes the 1 GiB guest address space and so differs from
# qemu by design.
SKIP = {"loop"}
PROGRAMS = sorted(
    p.stem
    for p in helpers.GUEST_BIN_DIR.glob("*.elf")
    if p.stem not in SKIP and not p.stem.startswith("stress_")
)
# One TBW_ variable: qemu-riscv64 7.2 hands the guest its environment in reverse order.
GUEST_ENV = {"TBW_ONE": "1 and two words"}


def node_command(path: Path | str, args: list[str], env: dict[str, str] | None = None) -> list[str]:
    opts: list[str] = []
    for k, v in helpers.guest_env(env).items():
        opts += ["--env", f"{k}={v}"]
    return ["node", str(CLI), *opts, str(path), *args]


def node_run(path: Path | str, args: list[str], stdin: bytes = b"", env=None) -> helpers.Result:
    return subprocess.run(
        node_command(path, args, env),
        input=stdin,
        capture_output=True,
        env=node_env(),
        cwd=str(REPO),
        timeout=TIMEOUT,
        check=False,
    )


@pytest.fixture(scope="module")
def results(web_assets, qemu_run) -> dict[str, tuple[helpers.Result, helpers.Result]]:
    def one(name: str):
        args, stdin = CASES.get(name, ([], b""))
        path = helpers.GUEST_BIN_DIR / f"{name}.elf"
        ref = qemu_run(path, args, stdin=stdin, env=GUEST_ENV, timeout=TIMEOUT)
        try:
            got = node_run(path, args, stdin, GUEST_ENV)
        except subprocess.TimeoutExpired as e:  # report it on this program's test only
            got = subprocess.CompletedProcess(e.cmd, -1, e.stdout or b"", b"timed out\n")
        return name, (ref, got)

    with ThreadPoolExecutor(max_workers=max(2, (os.cpu_count() or 2))) as pool:
        return dict(pool.map(one, PROGRAMS))


@pytest.mark.parametrize("name", PROGRAMS)
def test_guest_matches_qemu(results, name: str) -> None:
    ref, got = results[name]
    err = got.stderr.decode(errors="replace")
    assert got.stdout == ref.stdout, f"stdout differs; node stderr:\n{err}"
    assert got.returncode == ref.returncode, f"status differs; node stderr:\n{err}"
    if ref.returncode > 128:
        last = err.strip().splitlines()[-1] if err.strip() else ""
        assert last.startswith("tbwasm: guest SIG"), err


@pytest.mark.parametrize("name", ["fault_segv", "abort"])
def test_fault_message_matches_native_cli(results, name: str) -> None:
    _, got = results[name]
    native = helpers.tbwasm_run(
        helpers.GUEST_BIN_DIR / f"{name}.elf", [], env=GUEST_ENV, timeout=TIMEOUT
    )
    assert got.returncode == native.returncode
    assert (
        got.stderr.decode().strip().splitlines()[-1]
        == native.stderr.decode().strip().splitlines()[-1]
    )


def test_bad_elf_like_native_cli(web_assets, tmp_path: Path) -> None:
    bad = tmp_path / "bad.elf"
    bad.write_bytes(b"\x7fELF" + b"\x00" * 60)
    got = node_run(bad, [])
    native = helpers.tbwasm_run(bad, [], timeout=TIMEOUT)
    assert got.returncode == native.returncode == HostStatus.USAGE
    assert got.stderr.decode().strip() == native.stderr.decode().strip()
    assert len(got.stderr.decode().strip().splitlines()) == 1


DYN = ["hello", "hello_nopie", "fpops", "threads"]


@pytest.mark.parametrize("name", DYN)
def test_dynamic_guest_with_sysroot_matches_qemu(web_assets, qemu_run, name: str) -> None:
    """`node web/node/cli.mjs -L SYSROOT`: the host directory is mounted into Pyodide (NODEFS) and
    overlaid on the guest's paths, so ld.so and libc load as under `qemu-riscv64 -L`."""
    path = helpers.GUEST_BIN_DIR / "dyn" / f"{name}.elf"
    ref = qemu_run(path, [], env=GUEST_ENV, timeout=TIMEOUT, sysroot=helpers.SYSROOT)
    cmd = node_command(path, [], GUEST_ENV)
    got = subprocess.run(
        [*cmd[:2], "-L", helpers.SYSROOT, *cmd[2:]],
        capture_output=True,
        env=node_env(),
        cwd=str(REPO),
        timeout=TIMEOUT,
        check=False,
    )
    assert got.stdout == ref.stdout, got.stderr.decode(errors="replace")[-2000:]
    assert got.returncode == ref.returncode == 0


def test_dynamic_guest_without_sysroot_like_native_cli(web_assets) -> None:
    path = helpers.GUEST_BIN_DIR / "dyn" / "hello.elf"
    got = node_run(path, [])
    native = helpers.tbwasm_run(path, [], timeout=TIMEOUT)
    assert got.returncode == native.returncode == HostStatus.USAGE
    assert got.stderr.decode().strip() == native.stderr.decode().strip()
    assert "-L DIR" in got.stderr.decode()


# ---- the JS loop alone, with tests/node/fake_machine.py -------------------------------------
FAKE = REPO / "tests" / "node" / "fake_run.mjs"


def fake_run(
    tmp_path: Path,
    args: list[str],
    stdin: bytes = b"",
    program: bytes | None = None,
    extra_env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    prog = tmp_path / "prog"
    prog.write_bytes(program if program is not None else b"\x7fELF-fake")
    env = node_env(extra_env)
    return subprocess.run(
        ["node", str(FAKE), str(prog), *args],
        input=stdin,
        capture_output=True,
        env=env,
        cwd=str(REPO),
        timeout=TIMEOUT,
        check=False,
    )


def test_fake_loop_io_and_status(web_assets, tmp_path: Path) -> None:
    r = fake_run(tmp_path, ["a", "b"], b"some input\n")
    assert r.stdout == b"fake: hello\n!!!!\nargv=a b\nstdin=SOME INPUT\n", r.stderr
    assert b"to stderr\n" in r.stderr
    assert r.returncode == 3


def test_fake_fault_message(web_assets, tmp_path: Path) -> None:
    r = fake_run(tmp_path, ["segv"])
    assert r.returncode == 139
    assert b"tbwasm: guest SIGSEGV at pc=0x10a4c (addr 0x0)\n" in r.stderr


def test_fake_stop_ends_endless_loop(web_assets, tmp_path: Path) -> None:
    r = fake_run(tmp_path, ["loop"], extra_env={"FAKE_STOP_MS": "300"})
    assert r.returncode == HostStatus.STOPPED
    assert STOPPED_MESSAGE.encode() + b"\n" in r.stderr


def test_fake_machine_bug_is_an_internal_error(web_assets, tmp_path: Path) -> None:
    r = fake_run(tmp_path, ["crash"])
    assert r.returncode == HostStatus.INTERNAL
    line = "tbwasm: internal error: RuntimeError: fake bug"
    assert f"{line}\n".encode() in r.stderr
    assert f'"error":"{line}"'.encode() in r.stderr  # the result fake_run.mjs prints


def test_fake_elf_error(web_assets, tmp_path: Path) -> None:
    r = fake_run(tmp_path, [], program=b"not an elf")
    assert r.returncode == HostStatus.USAGE
    assert b"not an ELF file (bad magic)" in r.stderr


def test_small_tb_cache_flushes_and_swaps_the_table(web_assets, qemu_run) -> None:
    """With room for only 64 TBs the machine flushes its code cache again and again and the
    JS host swaps in a fresh funcref table each time; output and status must not change.
    (--tier jit: in the other tiers hello.elf translates too little to fill even 64.)"""
    path = helpers.GUEST_BIN_DIR / "hello.elf"
    ref = qemu_run(path, [], env=GUEST_ENV, timeout=TIMEOUT)
    cmd = node_command(path, [], GUEST_ENV)
    cmd[2:2] = ["--stats", "--tier", "jit", "--max-tbs", "64"]
    got = subprocess.run(cmd, capture_output=True, env=node_env(), cwd=str(REPO), timeout=TIMEOUT)
    assert got.returncode == ref.returncode == 0
    assert got.stdout == ref.stdout
    flushes = re.search(rb"code.flushes\D+(\d+)", got.stderr)
    assert flushes and int(flushes.group(1)) > 0, got.stderr[-500:]


# ---- tiers --------------------------------------------------------------------------------------
@pytest.mark.parametrize("tier", ["interp", "jit", "tiered"])
def test_tier_option(web_assets, qemu_run, tier: str) -> None:
    """--tier runs the guest in that tier (it overrides TBWASM_TIER); --stats says how many
    instructions tier 0 interpreted."""
    path = helpers.GUEST_BIN_DIR / "hello.elf"
    ref = qemu_run(path, [], env=GUEST_ENV, timeout=TIMEOUT)
    cmd = node_command(path, [], GUEST_ENV)
    cmd[2:2] = ["--stats", "--tier", tier, "--hot-threshold", "2"]
    got = subprocess.run(
        cmd, capture_output=True, env=node_env(), cwd=str(REPO), timeout=TIMEOUT, check=False
    )
    assert got.returncode == ref.returncode == 0, got.stderr[-1000:]
    assert got.stdout == ref.stdout
    m = re.search(rb"tier (\w+): interpreted (\d+) instructions, compiled (\d+)", got.stderr)
    assert m, got.stderr[-500:]
    assert m.group(1).decode() == tier
    interp, compiled = int(m.group(2)), int(m.group(3))
    if tier == "interp":
        assert interp > 0 and compiled == 0
    elif tier == "jit":
        assert interp == 0 and compiled > 0
    else:  # hot after 2 entries: both tiers ran
        assert interp > 0 and compiled > 0


def test_tier_from_environment(web_assets) -> None:
    path = helpers.GUEST_BIN_DIR / "hello.elf"
    cmd = node_command(path, [], GUEST_ENV)
    cmd.insert(2, "--stats")
    got = subprocess.run(
        cmd,
        capture_output=True,
        env=node_env({"TBWASM_TIER": "interp"}),
        cwd=str(REPO),
        timeout=TIMEOUT,
        check=False,
    )
    assert got.returncode == 0, got.stderr[-1000:]
    assert b"tier interp: interpreted" in got.stderr


@pytest.mark.parametrize(
    ("opts", "env", "message"),
    [
        (["--tier", "turbo"], {}, 'tbwasm: unknown tier "turbo" (one of tiered, interp, jit)'),
        ([], {"TBWASM_TIER": "turbo"}, 'tbwasm: unknown tier "turbo" (one of tiered, interp, jit)'),
        (
            ["--hot-threshold", "0"],
            {},
            "tbwasm-node: --hot-threshold 0: expected a positive integer",
        ),
    ],
)
def test_bad_tier_is_a_one_line_usage_error(web_assets, opts, env, message) -> None:
    cmd = ["node", str(CLI), *opts, str(helpers.GUEST_BIN_DIR / "hello.elf")]
    got = subprocess.run(
        cmd, capture_output=True, env=node_env(env), cwd=str(REPO), timeout=TIMEOUT, check=False
    )
    assert got.returncode == HostStatus.USAGE
    assert got.stdout == b""
    assert got.stderr.decode().splitlines()[0] == message
