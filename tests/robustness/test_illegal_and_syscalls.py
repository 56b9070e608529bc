"""Illegal encodings end in SIGILL at their pc; syscalls with bad pointers, fds and sizes fail
with the right errno; runaway guests stop on --timeout; unknown syscalls are ENOSYS, reported
once."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from _support import CODE_BASE, DATA_BASE, EBREAK, SnippetMachine, assemble, cli, guest_path
from _support import make_elf as mk
from helpers import LIVENESS_S

from py_backend.abi import HostStatus
from py_backend.isa.decode import decode

M64 = (1 << 64) - 1
ADDI = 0x00100513  # li a0, 1 (the known instruction before the illegal one)


def _illegal16() -> list[int]:
    out = [0x0000]
    rng = random.Random(16)
    for quadrant in range(3):
        for funct3 in range(8):
            cands = [h for h in range(quadrant | funct3 << 13, 1 << 16, 4)]
            cands = [h for h in cands if h >> 13 == funct3 and decode(h) is None]
            out += rng.sample(cands, min(6, len(cands)))
    return sorted(set(out))


def _illegal32(per_opcode: int = 40) -> list[int]:
    rng = random.Random(32)
    out: list[int] = []
    for opcode in range(32):
        found = 0
        for _ in range(20000):
            w = rng.getrandbits(32) & ~0x7F | opcode << 2 | 3
            if opcode & 7 == 7:
                continue  # 48/64-bit and longer formats: not decodable as 32-bit words
            if decode(w) is None:
                out.append(w)
                found += 1
                if found == per_opcode:
                    break
    return out


ILLEGAL = [(w, 2) for w in _illegal16()] + [(w, 4) for w in _illegal32()]


def test_illegal_encodings_sigill_at_their_pc() -> None:
    assert len(ILLEGAL) > 800
    code: list[int | tuple[str, dict[str, int]]] = []
    entries: list[tuple[int, int, int]] = []  # (entry pc, illegal pc, word)
    pc = CODE_BASE
    for w, size in ILLEGAL:
        code += [ADDI, w, EBREAK]
        entries.append((pc, pc + 4, w))
        pc += 4 + size + 4
    sm = SnippetMachine(assemble(code))
    bad = []
    for entry, ipc, w in entries:
        sm.set_x(10, 0)
        act = sm.enter(entry)
        if (act.status, act.message, sm.x(10)) != (132, f"tbwasm: guest SIGILL at pc=0x{ipc:x}", 1):
            bad.append(f"{w:#010x}: {act.status} {act.message}")
    assert not bad, f"{len(bad)} wrong: {bad[:5]}"


# --- syscalls -------------------------------------------------------------------------------

BAD = 0xDEAD0000  # unmapped, inside the guest space
WILD = 1 << 63
AT_FDCWD = -100 & M64
EFAULT, EBADF, ENOMEM, EINVAL, ENOSYS = 14, 9, 12, 22, 38
CASES: dict[str, tuple[int, tuple[int, ...], set[int]]] = {
    # name: (nr, args, acceptable results as negative errno)
    "write bad buf": (64, (1, BAD, 10), {-EFAULT}),
    "write wild buf": (64, (1, WILD, 10), {-EFAULT}),
    "write buf past guest end": (64, (1, (1 << 30) - 4, 10), {-EFAULT}),
    "openat bad path": (56, (AT_FDCWD, BAD, 0, 0), {-EFAULT}),
    "newfstatat bad path": (79, (AT_FDCWD, BAD, DATA_BASE, 0), {-EFAULT}),
    "fstat bad buf": (80, (1, BAD), {-EFAULT}),
    "getcwd bad buf": (17, (BAD, 100), {-EFAULT}),
    "uname bad buf": (160, (BAD,), {-EFAULT}),
    "clock_gettime bad buf": (113, (0, BAD), {-EFAULT}),
    "gettimeofday bad buf": (169, (BAD, 0), {-EFAULT}),
    "pipe2 bad fds": (59, (BAD, 0), {-EFAULT}),
    "readlinkat bad buf": (78, (AT_FDCWD, CODE_BASE, BAD, 100), {-EFAULT, -2}),
    "write into code page via read": (63, (0, CODE_BASE, 16), {-EFAULT, 0}),
    "write bad fd": (64, (999, DATA_BASE, 1), {-EBADF}),
    "read bad fd": (63, (999, DATA_BASE, 1), {-EBADF}),
    "read negative fd": (63, (M64, DATA_BASE, 1), {-EBADF}),
    "close bad fd": (57, (999,), {-EBADF}),
    "fstat bad fd": (80, (999, DATA_BASE), {-EBADF}),
    "lseek bad fd": (62, (999, 0, 0), {-EBADF}),
    "mmap 2^62": (222, (0, 1 << 62, 3, 0x22, M64, 0), {-ENOMEM}),
    "mmap 2^64-4096": (222, (0, M64 - 4095, 3, 0x22, M64, 0), {-ENOMEM}),
    "mmap zero length": (222, (0, 0, 3, 0x22, M64, 0), {-EINVAL}),
    "mmap fixed wild": (222, (1 << 62, 4096, 3, 0x32, M64, 0), {-ENOMEM, -EINVAL, -1}),
    "munmap wild": (215, (1 << 62, 4096), {-EINVAL, 0}),
    "mprotect unmapped": (226, (BAD, 4096, 1), {-ENOMEM}),
    "read count 2^63": (63, (0, DATA_BASE, 1 << 63), {-EFAULT, -EINVAL, 0}),
    "write count 2^63": (64, (1, DATA_BASE, 1 << 63), {-EFAULT, -EINVAL}),
    "unknown syscall": (4000, (), {-ENOSYS}),
}


@pytest.fixture(scope="module")
def ecall_machine() -> SnippetMachine:
    return SnippetMachine(assemble([0x00000073, EBREAK]))  # ecall; ebreak


@pytest.mark.parametrize("name", sorted(CASES))
def test_syscall_errors(ecall_machine: SnippetMachine, name: str) -> None:
    nr, args, want = CASES[name]
    sm = ecall_machine
    sm.set_x(17, nr)
    for i in range(6):
        sm.set_x(10 + i, args[i] if i < len(args) else 0)
    act = sm.enter(CODE_BASE)
    assert act.status == 133, act  # returned to the guest, reached the ebreak
    ret = sm.x(10)
    ret = ret - (1 << 64) if ret >> 63 else ret
    assert ret in want, f"{name}: got {ret}"


def test_brk_absurd_values(ecall_machine: SnippetMachine) -> None:
    sm = ecall_machine
    sm.set_x(17, 214)
    sm.set_x(10, 0)
    sm.enter(CODE_BASE)
    cur = sm.x(10)
    for v in (1 << 62, M64, 1 << 40, (1 << 30) - 4096, 1):
        sm.set_x(17, 214)
        sm.set_x(10, v)
        assert sm.enter(CODE_BASE).status == 133
        assert sm.x(10) == cur, hex(v)


def test_unknown_syscall_is_a_silent_enosys(tmp_path: Path) -> None:
    """As a kernel without the call: ENOSYS and nothing on the guest's stderr; --strace shows
    each call and --stats counts them."""
    # li a7, 500; ecall; ecall; ecall; neg a0, a0; li a7, 93; ecall
    code = assemble([("addi", {"rd": 17, "imm": 500}), 0x73, 0x73, 0x73,
                     ("sub", {"rd": 10, "rs1": 0, "rs2": 10}), ("addi", {"rd": 17, "imm": 93}),
                     0x73])  # fmt: skip
    prog = tmp_path / "nosys.elf"
    prog.write_bytes(mk(code))
    r = cli("run", str(prog))
    assert (r.returncode, r.stdout, r.stderr) == (ENOSYS, b"", b"")
    r = cli("run", "--strace", str(prog))
    lines = r.stderr.decode().splitlines()
    calls = [ln for ln in lines if ln.startswith("[strace] syscall_500(")]
    assert len(calls) == 3 and all(ln.endswith(") = -38 ENOSYS") for ln in calls), lines
    r = cli("run", "--stats", str(prog))
    assert r.returncode == ENOSYS
    assert "tbwasm: unsupported syscalls 3 (500)" in r.stderr.decode()


@pytest.mark.slow
def test_timeout_stops_runaway_loop() -> None:
    t0 = time.monotonic()
    # (5 s: in the jit tier on a busy machine, start-up and the first compiles take seconds
    # before the guest prints)
    r = cli("run", "--timeout", "5", str(guest_path("loop")), timeout=2 * LIVENESS_S)
    took = time.monotonic() - t0
    err = r.stderr.decode()
    assert r.returncode == HostStatus.STOPPED == 130 and r.stdout == b"looping\n"
    assert err == "tbwasm: stopped after --timeout 5.0s\n", err
    assert took < LIVENESS_S, took


def test_timeout_cuts_a_sleeping_guest_short() -> None:
    """--timeout stops a guest asleep in nanosleep too (status 130 and the same line), long
    before the sleep would have ended."""
    t0 = time.monotonic()
    r = cli(
        "run", "--timeout", "0.5", str(guest_path("busybox")), "sleep", "600",
        timeout=2 * LIVENESS_S,
    )  # fmt: skip
    took = time.monotonic() - t0
    assert r.returncode == HostStatus.STOPPED, (r.returncode, r.stderr)
    assert r.stderr.decode() == "tbwasm: stopped after --timeout 0.5s\n"
    assert took < LIVENESS_S, took
