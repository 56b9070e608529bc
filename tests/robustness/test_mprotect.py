"""mprotect and execute permissions are honoured (guests/src/isolation_mprotect.S), and a
program can patch its own code once it made it writable."""

from __future__ import annotations

import struct
import subprocess

import pytest
from _support import guest_path, run_elf

PROG = guest_path("isolation_mprotect")

FAULTS = {
    "w": "store to a page made read-only",
    "x": "execute an mmap'd RW page",
    "s": "execute the stack",
    "h": "execute the brk heap",
    "d": "execute .data",
    "n": "execute a page made non-executable after it ran",
}


@pytest.mark.parametrize("case", sorted(FAULTS), ids=lambda c: FAULTS[c])
def test_fault_at_expected_pc(case: str) -> None:
    q = subprocess.run(
        ["qemu-riscv64", str(PROG), case], capture_output=True, timeout=60, check=False
    )
    assert q.returncode == -11, q
    r = run_elf(PROG.read_bytes(), [str(PROG), case])
    assert len(r.stdout) == 8, r
    (pc,) = struct.unpack("<Q", r.stdout)
    assert r.action.status == 139
    assert r.action.message.startswith(f"tbwasm: guest SIGSEGV at pc=0x{pc:x} "), r.action.message


def test_syscall_write_into_readonly_buffer_is_efault() -> None:
    r = run_elf(PROG.read_bytes(), [str(PROG), "r"], stdin=b"some input\n")
    assert r.action.status == 14  # the guest exits with -read() = EFAULT


def test_patching_own_text_after_mprotect_rwx() -> None:
    r = run_elf(PROG.read_bytes(), [str(PROG), "c"])
    assert r.action.status == 42, r.action
