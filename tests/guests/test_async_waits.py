"""The system's async-waits mode (a host that never blocks: the page's worker, which runs several
machines in one thread): every guest wait blocks the guest thread, and when no process can run
the system hands the host an "idle" Action with the time to the earliest deadline instead of
sleeping.  The same guests must give the same output and status as under qemu-riscv64."""

from __future__ import annotations

import io

import pytest

from py_backend.exits import Action
from py_backend.host.native import NativeHost
from py_backend.machine import Machine
from tests.helpers import BASE_GUEST_ENV, guest_path, qemu_run


def run_async(name: str, args: list[str]) -> tuple[Action, bytes, list[Action]]:
    """Run a guest with async waits; also returns the idle Actions the host was given."""
    path = guest_path(name)
    host = NativeHost()
    out = io.BytesIO()
    env = [f"{k}={v}" for k, v in BASE_GUEST_ENV.items()]
    machine = Machine(
        host.raw,
        path.read_bytes(),
        [str(path), *args],
        env,
        stdin=io.BytesIO(b""),
        stdout=out,
        stderr=out,
    )
    machine.system.async_waits = True
    idles: list[Action] = []
    service = machine.service

    def spy(reason: int) -> Action:
        action = service(reason)
        if isinstance(action, Action) and action.kind == "idle":
            idles.append(action)
        return action

    machine.service = spy  # type: ignore[method-assign]
    return host.run(machine), out.getvalue(), idles


CASES = [
    ("busybox", ["sh", "-c", "sleep 0.2; echo slept; (sleep 0.1; echo child) & wait; echo done"]),
    ("sigtimer", []),
    ("signals", []),
    ("threads", []),
    ("procs", []),
]


@pytest.mark.parametrize(("name", "args"), CASES, ids=[c[0] for c in CASES])
def test_async_waits_match_qemu(name: str, args: list[str]) -> None:
    action, out, _idles = run_async(name, args)
    ref = qemu_run(guest_path(name), args)
    assert out == ref.stdout + ref.stderr
    assert action.kind == "exit" and action.status == ref.returncode, action


def test_sleep_is_an_idle_action_with_its_deadline() -> None:
    """`sleep 0.3` alone: the host is handed idle Actions whose timeouts count down from 0.3 s,
    instead of the emulator sleeping inside the system call."""
    action, out, idles = run_async("busybox", ["sleep", "0.3"])
    assert action.status == 0 and out == b""
    timeouts = [a.timeout for a in idles]
    assert timeouts and all(t is not None for t in timeouts)
    assert 0.2 < max(t for t in timeouts if t is not None) <= 0.3


def test_proc_self_exe_per_system_over_a_shared_tree() -> None:
    """Two machines over one root filesystem (a page's: a machine per run): each one's
    /proc/self/exe names its own program, whichever was made last (busybox re-executes its
    applets through it)."""
    from py_backend.linux.rootfs import Rootfs

    rootfs = Rootfs(None, lambda path: b"")
    busybox = guest_path("busybox")
    host_a, host_b = NativeHost(), NativeHost()
    out = io.BytesIO()
    a = Machine(
        host_a.raw,
        busybox.read_bytes(),
        ["/busybox", "readlink", "/proc/self/exe"],
        None,
        stdin=io.BytesIO(b""),
        stdout=out,
        stderr=out,
        rootfs=rootfs,
    )
    Machine(
        host_b.raw,
        guest_path("hello").read_bytes(),
        ["/hello_b"],
        None,
        stdin=io.BytesIO(b""),
        stdout=io.BytesIO(),
        stderr=io.BytesIO(),
        rootfs=rootfs,
    )
    action = host_a.run(a)
    assert (action.status, out.getvalue()) == (0, b"/busybox\n")
