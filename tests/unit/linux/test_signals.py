"""Signal frames and delivery (py_backend/linux/signals.py) at the Linux-layer level.

The frame layout is checked against the riscv64 headers: the numbers below are what
`offsetof`/`sizeof` give for the kernel's uapi structs (asm/ucontext.h, asm/sigcontext.h,
asm/ptrace.h) and glibc's ucontext_t; with riscv64-linux-gnu-gcc installed the test also asks the
compiler.  The behaviour tests drive `Signals` through the syscalls and the machine's two hooks
(`deliver_pending`, `fault`) with the registers in the CPU state area of an anonymous memory.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from doubles import Sink

from py_backend import abi
from py_backend.isa.decode import decode
from py_backend.linux import errors as E
from py_backend.linux import signals as S
from py_backend.linux.errors import EmulatorError, GuestSignal
from py_backend.linux.mm import SIGTRAMP_ADDR, STACK_TOP, AddressSpace
from py_backend.linux.syscalls import Linux
from py_backend.memory import anonymous_memory

M64 = (1 << 64) - 1
PID = 1000
BUF = 0x200000
STACK = STACK_TOP - 0x10000
SP0 = STACK_TOP - 0x1000 + 8  # deliberately not 16-aligned
HANDLER = 0x12340
OTHER = 0x45670
USR1, USR2, HUP, SEGV, BUS, ILL, TRAP, ALRM = 10, 12, 1, 11, 7, 4, 5, 14
ROOT = Path(__file__).resolve().parents[3]


class Guest:
    """A Linux layer over an anonymous memory, with helpers for the CPU state area."""

    def __init__(self) -> None:
        self.mem = anonymous_memory()
        self.a = AddressSpace(self.mem)
        self.a.set_brk_start(0x100000)
        self.a.map(BUF, 16 * 4096, 3, fixed=True)
        self.a.map(STACK, 0x10000, 3, fixed=True)
        self.slept: list[float] = []
        self.k = Linux(self.a, ["p"], [], None, Sink(), Sink(), pid=PID, sleep=self.slept.append)
        self.s = self.k.signals
        self.s.cpu.reset_vector()  # as the machine starts a process
        self.set_x(2, SP0)

    def __call__(self, nr: int, *args: int) -> int:
        return self.k.syscall(nr, tuple(a & M64 for a in args))

    def x(self, r: int) -> int:
        return int(struct.unpack("<Q", self.mem.read(abi.x_addr(r), 8))[0])

    def set_x(self, r: int, v: int) -> None:
        self.mem.write(abi.x_addr(r), struct.pack("<Q", v & M64))

    def f(self, r: int) -> int:
        return int(struct.unpack("<Q", self.mem.read(abi.f_addr(r), 8))[0])

    def set_f(self, r: int, v: int) -> None:
        self.mem.write(abi.f_addr(r), struct.pack("<Q", v & M64))

    def pc(self) -> int:
        return int(struct.unpack("<Q", self.mem.read(abi.CPU_PC, 8))[0])

    def set_pc(self, v: int) -> None:
        self.mem.write(abi.CPU_PC, struct.pack("<Q", v))

    def fcsr(self) -> int:
        fflags, frm = struct.unpack("<II", self.mem.read(abi.CPU_FFLAGS, 8))
        return int(frm << 5 | fflags)

    def set_fcsr(self, v: int) -> None:
        self.mem.write(abi.CPU_FFLAGS, struct.pack("<I", v & 0x1F))
        self.mem.write(abi.CPU_FRM, struct.pack("<I", v >> 5 & 7))

    def action(self, sig: int, handler: int, flags: int = S.SA_SIGINFO, mask: int = 0) -> None:
        self.a.write(BUF, struct.pack("<QQQ", handler, flags, mask))
        assert self(134, sig, BUF, 0, 8) == 0

    def mask(self, how: int, m: int) -> None:
        self.a.write_u64(BUF + 64, m)
        assert self(135, how, BUF + 64, 0, 8) == 0

    def blocked(self) -> int:
        assert self(135, 0, 0, BUF + 72, 8) == 0
        return self.a.read_u64(BUF + 72)

    def fill_regs(self) -> dict[str, list[int] | int]:
        xs = [0] + [0x1111_0000_0000_0000 + r * 0x0101 for r in range(1, 32)]
        xs[2] = SP0
        fs = [0x4000_0000_0000_0000 + r * 0x10001 for r in range(32)]
        for r in range(1, 32):
            self.set_x(r, xs[r])
        for r in range(32):
            self.set_f(r, fs[r])
        self.set_fcsr(2 << 5 | 0x3)
        self.set_pc(0x10004)
        return {"x": xs, "f": fs}

    def frame(self) -> tuple[int, bytes]:
        at = self.x(2)
        return at, self.a.read(at, S.FRAME_SIZE)


def bit(sig: int) -> int:
    return 1 << (sig - 1)


# --- layout --------------------------------------------------------------------------------------

HEADER_LAYOUT = {  # name: (ours, what the riscv64 headers give)
    "sizeof(siginfo_t)": (S.SIGINFO_SIZE, 128),
    "offsetof(rt_sigframe, uc)": (S.FRAME_UC, 128),
    "sizeof(struct rt_sigframe)": (S.FRAME_SIZE, 1088),
    "offsetof(ucontext, uc_stack)": (S.UC_STACK, 16),
    "offsetof(ucontext, uc_sigmask)": (S.UC_SIGMASK, 40),
    "offsetof(ucontext, uc_mcontext)": (S.UC_MCONTEXT, 176),
    "offsetof(ucontext, uc_mcontext.sc_regs.pc)": (S.UC_MCONTEXT + S.MC_GREGS, 176),
    "offsetof(ucontext, uc_mcontext.sc_regs.t6)": (S.UC_MCONTEXT + S.MC_GREGS + 31 * 8, 424),
    "offsetof(ucontext, uc_mcontext.sc_fpregs.d.f)": (S.UC_MCONTEXT + S.MC_FPREGS, 432),
    "offsetof(ucontext, uc_mcontext.sc_fpregs.d.fcsr)": (S.UC_MCONTEXT + S.MC_FCSR, 688),
    "sizeof(union __riscv_fp_state)": (S.FP_STATE_SIZE, 528),
    "sizeof(stack_t)": (S.STACK_T.size, 24),
    "sizeof(ucontext_t)": (S.UCONTEXT_SIZE, 960),
}

KERNEL_PROBE = r"""
#include <stddef.h>
#include <linux/types.h>
#include <asm/signal.h>
#include <asm/siginfo.h>
#include <asm/sigcontext.h>
#include <asm/ucontext.h>
struct rt_sigframe { struct siginfo info; struct ucontext uc; };
#define O(t, m) offsetof(struct t, m)
const unsigned long vals[] = {
  sizeof(struct siginfo), O(rt_sigframe, uc), sizeof(struct rt_sigframe),
  O(ucontext, uc_stack), O(ucontext, uc_sigmask), O(ucontext, uc_mcontext),
  O(ucontext, uc_mcontext.sc_regs.pc), O(ucontext, uc_mcontext.sc_regs.t6),
  O(ucontext, uc_mcontext.sc_fpregs.d.f), O(ucontext, uc_mcontext.sc_fpregs.d.fcsr),
  sizeof(union __riscv_fp_state), sizeof(stack_t), sizeof(struct ucontext),
};
"""
GLIBC_PROBE = r"""
#include <stddef.h>
#include <signal.h>
#include <ucontext.h>
const unsigned long vals[] = {
  offsetof(ucontext_t, uc_stack), offsetof(ucontext_t, uc_sigmask),
  offsetof(ucontext_t, uc_mcontext.__gregs), offsetof(ucontext_t, uc_mcontext.__fpregs.__d.__f),
  offsetof(ucontext_t, uc_mcontext.__fpregs.__d.__fcsr), sizeof(ucontext_t),
  offsetof(siginfo_t, si_code), offsetof(siginfo_t, si_addr), offsetof(siginfo_t, si_pid),
  offsetof(siginfo_t, si_uid),
};
"""


def _compile_values(src: str, tmp: Path) -> list[int]:
    c = tmp / "probe.c"
    c.write_text(src)
    asm = subprocess.run(
        ["riscv64-linux-gnu-gcc", "-S", "-O2", "-o", "-", str(c)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [int(v) for v in re.findall(r"\.dword\s+(\d+)", asm)]


def test_frame_layout_matches_riscv64_headers(tmp_path: Path) -> None:
    for name, (ours, header) in HEADER_LAYOUT.items():
        assert ours == header, name
    assert S.FRAME_GREGS == 128 + 176 and S.FRAME_FPREGS == 128 + 432
    assert S.FRAME_FCSR == 128 + 688 and S.FRAME_SIGMASK == 128 + 40
    if shutil.which("riscv64-linux-gnu-gcc") is None:
        return  # the numbers above are the headers'; the compiler is a second opinion
    kernel = _compile_values(KERNEL_PROBE, tmp_path)
    assert kernel == [v[1] for k, v in HEADER_LAYOUT.items() if k != "sizeof(ucontext_t)"] + [960]
    glibc = _compile_values(GLIBC_PROBE, tmp_path)
    assert glibc == [16, 40, 176, 432, 688, 960, 8, 16, 16, 20]


def test_sigaction_struct_has_no_restorer() -> None:
    """riscv's kernel struct sigaction is {handler, flags, mask}: 24 bytes."""
    g = Guest()
    g.action(USR1, HANDLER, S.SA_SIGINFO | S.SA_RESTART, bit(USR2) | bit(9))
    assert g(134, USR1, 0, BUF + 32, 8) == 0
    assert struct.unpack("<QQQ", g.a.read(BUF + 32, 24)) == (
        HANDLER,
        S.SA_SIGINFO | S.SA_RESTART,
        bit(USR2),  # SIGKILL can never be in sa_mask
    )


def test_trampoline_page() -> None:
    g = Guest()
    assert g.s.tramp == SIGTRAMP_ADDR
    assert g.a.prot[SIGTRAMP_ADDR >> 12] == int(abi.PageFlags.READ | abi.PageFlags.EXEC)
    w0, w1 = struct.unpack("<II", g.a.read(SIGTRAMP_ADDR, 8))
    i0, i1 = decode(w0), decode(w1)
    assert i0 is not None and (i0.name, i0.rd, i0.rs1, i0.imm) == ("addi", 17, 0, 139)
    assert i1 is not None and i1.name == "ecall"
    assert not g.a.writable(SIGTRAMP_ADDR, 1)


# --- synchronous delivery and sigreturn --------------------------------------------------------


def test_raise_builds_the_frame_and_sigreturn_restores_everything() -> None:
    g = Guest()
    regs = g.fill_regs()
    xs, fs = regs["x"], regs["f"]
    assert isinstance(xs, list) and isinstance(fs, list)
    g.action(USR1, HANDLER, S.SA_SIGINFO, bit(USR2))
    g.mask(S.SIG_BLOCK, bit(HUP))
    assert g(131, PID, PID, USR1) == 0  # pending: runs on the way back to the guest
    g.set_x(10, 0)  # what the machine writes: a0 = the syscall result
    g.set_pc(0x10004)  # and pc = after the ecall
    assert g.s.deliver_pending() == HANDLER
    frame = (SP0 - S.FRAME_SIZE) & ~15
    assert g.pc() == HANDLER and g.x(2) == frame and frame % 16 == 0
    assert (g.x(10), g.x(11), g.x(12), g.x(1)) == (USR1, frame, frame + 128, SIGTRAMP_ADDR)
    assert g.blocked() == bit(HUP) | bit(USR1) | bit(USR2)
    at, f = g.frame()
    assert at == frame
    signo, errno, code, pid, uid = struct.unpack_from("<iii4xiI", f, 0)
    assert (signo, errno, code, pid, uid) == (USR1, 0, S.SI_TKILL, PID, 0)
    gregs = struct.unpack_from("<32Q", f, S.FRAME_GREGS)
    assert gregs[0] == 0x10004 and gregs[10] == 0 and gregs[2] == SP0
    assert list(gregs[1:]) == [0 if r == 10 else xs[r] for r in range(1, 32)]
    assert list(struct.unpack_from("<32Q", f, S.FRAME_FPREGS)) == fs
    assert struct.unpack_from("<I", f, S.FRAME_FCSR)[0] == 2 << 5 | 3
    assert struct.unpack_from("<Q", f, S.FRAME_SIGMASK)[0] == bit(HUP)
    assert S.STACK_T.unpack_from(f, S.FRAME_STACK) == (0, S.SS_DISABLE, 0, 0)
    assert f[S.FRAME_FCSR + 4 : S.FRAME_SIZE] == bytes(S.FRAME_SIZE - S.FRAME_FCSR - 4)

    # the handler edits its context, clobbers the live registers, then returns
    g.a.write(frame + S.FRAME_GREGS, struct.pack("<Q", 0x10008))
    g.a.write(frame + S.FRAME_GREGS + 5 * 8, struct.pack("<Q", 0xDEAD))
    g.a.write(frame + S.FRAME_FPREGS + 7 * 8, struct.pack("<Q", 0xBEEF))
    g.a.write(frame + S.FRAME_FCSR, struct.pack("<I", 1 << 5 | 0x1F))
    g.a.write(frame + S.FRAME_SIGMASK, struct.pack("<Q", bit(USR2) | bit(9)))
    for r in range(3, 32):
        g.set_x(r, 0)
    for r in range(32):
        g.set_f(r, 0)
    g.set_fcsr(0)
    g.set_x(2, frame)  # sp as the trampoline finds it
    assert g(139) == 0  # the restored a0
    assert g.pc() == 0x10008
    want_x = [0 if r == 10 else xs[r] for r in range(32)]
    want_x[5] = 0xDEAD
    assert [g.x(r) for r in range(1, 32)] == want_x[1:]
    want_f = list(fs)
    want_f[7] = 0xBEEF
    assert [g.f(r) for r in range(32)] == want_f
    assert g.fcsr() == 1 << 5 | 0x1F
    assert g.blocked() == bit(USR2)  # SIGKILL stays unblockable


# --- the vector record (Linux 6.x: arch/riscv/kernel/signal.c save_v_state / restore) ---------

# the Linux 6.x uapi numbers (asm/sigcontext.h, asm/ptrace.h; the cross-compiler's 6.1 headers
# predate V): offsetof(struct sigcontext, sc_extdesc.reserved / .hdr), sizeof(struct
# __riscv_v_ext_state), the frame with the record for VLEN = 128 (riscv_v_sc_size = 576)
V_LAYOUT = {
    "offsetof(sigcontext, sc_extdesc.reserved)": (
        S.FRAME_EXT_RESERVED - S.FRAME_FPREGS + S.MC_FPREGS,
        256 + 516,
    ),
    "offsetof(sigcontext, sc_extdesc.hdr)": (S.FRAME_EXT - S.FRAME_FPREGS + S.MC_FPREGS, 256 + 520),
    "sizeof(struct __riscv_v_ext_state)": (S.V_STATE.size, 48),
    "riscv_v_sc_size": (S.V_SC_SIZE, 576),
    "frame size with V": (S.FRAME_SIZE_V, 1664),
}


def _use_vector(g: Guest) -> tuple[bytes, tuple[int, int, int, int]]:
    regs = bytes((k * 7 + 3) & 0xFF for k in range(32 * abi.VLENB))
    g.s.cpu.set_vregs(regs)
    csrs = (5, 3, 0b1_1_010_001, 0b101)  # vstart, vl, vtype (ma ta e32 m2), vxrm = 2, vxsat
    g.s.cpu.set_vcsrs(*csrs)
    return regs, csrs


def test_vector_record_layout() -> None:
    for name, (ours, linux) in V_LAYOUT.items():
        assert ours == linux, name
    assert S.FRAME_EXT % 16 == 8 and (S.FRAME_EXT + 8 + S.V_STATE.size) % 16 == 0


def test_frame_without_vector_use_ends_at_once() -> None:
    """A thread that never used V: no vector record, the END header first (as Linux with
    status.VS off), the frame 1088 bytes."""
    g = Guest()
    g.action(USR1, HANDLER)
    g(129, PID, USR1)
    assert g.s.deliver_pending() == HANDLER
    frame = g.x(2)
    assert frame == (SP0 - S.FRAME_SIZE) & ~15
    assert g.a.read(frame + S.FRAME_EXT_RESERVED, 12) == bytes(12)


def test_frame_saves_and_sigreturn_restores_the_vector_state() -> None:
    g = Guest()
    regs, (vstart, vl, vtype, vcsr) = _use_vector(g)
    g.action(USR1, HANDLER)
    g(129, PID, USR1)
    assert g.s.deliver_pending() == HANDLER
    frame = g.x(2)
    assert frame == (SP0 - S.FRAME_SIZE_V) & ~15
    f = g.a.read(frame, S.FRAME_SIZE_V)
    assert struct.unpack_from("<II", f, 1080) == (S.RISCV_V_MAGIC, 576)
    assert struct.unpack_from("<6Q", f, 1088) == (vstart, vl, vtype, vcsr, 16, frame + 1136)
    assert f[1136 : 1136 + 512] == regs
    assert f[1648:1664] == bytes(16)  # padding, then the END header
    assert struct.unpack_from("<I", f, S.FRAME_EXT_RESERVED)[0] == 0

    # the handler clobbers the live state and edits the saved one: v5 and vl, through datap
    g.s.cpu.reset_vector()
    g.a.write(frame + 1136 + 5 * 16, bytes(range(100, 116)))
    g.a.write(frame + 1088 + 8, struct.pack("<Q", 100))  # vl beyond VLMAX (8): clamped
    g(139)
    want = bytearray(regs)
    want[80:96] = bytes(range(100, 116))
    assert g.s.cpu.get_vregs() == bytes(want)
    assert g.s.cpu.get_vcsrs() == (vstart, 8, vtype, vcsr)


def test_sigreturn_of_an_unsupported_vtype_sets_vill() -> None:
    g = Guest()
    _use_vector(g)
    g.action(USR1, HANDLER)
    g(129, PID, USR1)
    g.s.deliver_pending()
    frame = g.x(2)
    g.a.write(frame + 1088 + 16, struct.pack("<Q", 0b100))  # LMUL reserved
    g(139)
    assert g.s.cpu.get_vcsrs()[1:3] == (0, abi.VTYPE_VILL)


@pytest.mark.parametrize(
    "at, value",
    [
        (S.FRAME_EXT_RESERVED, 1),  # the reserved word must be 0
        (1080, 0x12345678),  # an unknown magic
        (1084, 560),  # the vector record's size must be riscv_v_sc_size
        (1656, 0x10),  # END with a non-zero size... (its size word is at 1660)
    ],
)
def test_sigreturn_of_a_bad_extension_chain_is_sigsegv(at: int, value: int) -> None:
    g = Guest()
    _use_vector(g)
    g.action(USR1, HANDLER)
    g(129, PID, USR1)
    g.s.deliver_pending()
    frame = g.x(2)
    g.a.write(frame + (at + 4 if at == 1656 else at), struct.pack("<I", value))
    with pytest.raises(GuestSignal) as e:
        g(139)
    assert e.value.signo == SEGV


def test_sigreturn_drops_the_lr_reservation() -> None:
    g = Guest()
    g.action(USR1, HANDLER)
    g.mem.write(abi.CPU_RES_VALID, struct.pack("<I", 1))
    g(129, PID, USR1)
    assert g.s.deliver_pending() == HANDLER
    assert g.mem.read(abi.CPU_RES_VALID, 4) == bytes(4)


def test_kill_codes_and_default_actions() -> None:
    g = Guest()
    g.action(USR1, HANDLER)
    assert g(129, PID, USR1) == 0 and g.s.deliver_pending() == HANDLER
    assert struct.unpack_from("<iii", g.frame()[1], 0) == (USR1, 0, S.SI_USER)
    with pytest.raises(GuestSignal) as e:  # unblocked, default action: dies at the kill
        g(129, PID, USR2)
    assert e.value.signo == USR2
    assert g(129, PID, 17) == 0 and g(129, PID, 28) == 0  # ignored by default
    assert g.s.pending == {} and g.s.deliver_pending() is None
    assert g(129, -1, USR2) == -E.ESRCH and g(129, 4242, USR2) == -E.ESRCH
    g.mask(S.SIG_BLOCK, bit(USR2))
    assert g(129, PID, USR2) == 0  # blocked: pending, not fatal yet
    assert g(136, BUF + 80, 8) == 0 and g.a.read_u64(BUF + 80) == bit(USR2)
    g.mask(S.SIG_UNBLOCK, bit(USR2))
    with pytest.raises(GuestSignal) as e:
        g.s.deliver_pending()
    assert e.value.signo == USR2


def test_ignoring_discards_pending_and_resethand_resets() -> None:
    g = Guest()
    g.action(USR1, HANDLER)
    g.mask(S.SIG_BLOCK, bit(USR1))
    g(130, PID, USR1)
    assert USR1 in g.s.pending
    g.action(USR1, S.SIG_IGN)
    assert USR1 not in g.s.pending
    g.mask(S.SIG_UNBLOCK, bit(USR1))
    g.action(USR1, HANDLER, S.SA_SIGINFO | S.SA_RESETHAND)
    g(130, PID, USR1)
    assert g.s.deliver_pending() == HANDLER
    assert g.s.action(USR1) == S.SigAction(S.SIG_DFL, S.SA_SIGINFO | S.SA_RESETHAND, 0)


def test_several_pending_signals_stack_their_frames() -> None:
    """Unblocked together, each gets a frame: the lowest-numbered first, so the last one set up
    (the highest) runs first and returns into the next handler (as Linux and qemu-riscv64)."""
    g = Guest()
    g.action(HUP, 0x1000)
    g.action(USR1, 0x2000)
    g.action(USR2, 0x3000)
    g.mask(S.SIG_BLOCK, bit(HUP) | bit(USR1) | bit(USR2))
    for s in (USR2, HUP, USR1):
        g(131, PID, PID, s)
    g.mask(S.SIG_SETMASK, 0)
    g.set_pc(0x10004)
    assert g.s.deliver_pending() == 0x3000
    _at, f = g.frame()
    gregs = struct.unpack_from("<32Q", f, S.FRAME_GREGS)
    assert gregs[0] == 0x2000  # returns into the SIGUSR1 handler
    below = g.a.read(gregs[2], S.FRAME_SIZE)
    assert struct.unpack_from("<Q", below, S.FRAME_GREGS)[0] == 0x1000
    assert struct.unpack_from("<i", below, 0)[0] == USR1


def test_nodefer_and_mask_during_handler() -> None:
    g = Guest()
    g.action(USR1, HANDLER, S.SA_SIGINFO | S.SA_NODEFER, bit(HUP))
    g(130, PID, USR1)
    assert g.s.deliver_pending() == HANDLER
    assert g.blocked() == bit(HUP)
    g(130, PID, USR1)  # nested: delivered at once on top of the first frame
    outer = g.x(2)
    assert g.s.deliver_pending() == HANDLER and g.x(2) == (outer - S.FRAME_SIZE) & ~15


# --- faults ------------------------------------------------------------------------------------


def test_fault_siginfo_codes() -> None:
    g = Guest()
    ro = g.a.map(0x300000, 4096, 1, fixed=True)
    for sig in (SEGV, BUS, ILL, TRAP):
        g.action(sig, HANDLER)
    cases = [
        (SEGV, ro + 8, S.SEGV_ACCERR, ro + 8),
        (SEGV, 0x3FFFF00000, S.SEGV_MAPERR, 0x3FFFF00000),
        (SEGV, 0, S.SEGV_MAPERR, 0),
        (BUS, BUF + 2, S.BUS_ADRALN, BUF + 2),
        (ILL, None, S.ILL_ILLOPC, 0x10A0),
        (TRAP, None, S.TRAP_BRKPT, 0x10A0),
    ]
    for sig, addr, code, si_addr in cases:
        g.set_x(2, SP0)
        g.mask(S.SIG_SETMASK, 0)
        assert g.s.fault(sig, 0x10A0, addr) == HANDLER
        _at, f = g.frame()
        assert struct.unpack_from("<iii4xQ", f, 0) == (sig, 0, code, si_addr)
        assert struct.unpack_from("<Q", f, S.FRAME_GREGS)[0] == 0x10A0  # re-executed on return


def test_fault_without_a_usable_handler_kills() -> None:
    g = Guest()
    assert g.s.fault(SEGV, 0x10A0, 0) is None  # SIG_DFL
    g.action(ILL, S.SIG_IGN)
    assert g.s.fault(ILL, 0x10A0) is None  # ignoring a fault is not possible
    g.action(SEGV, HANDLER)
    g.mask(S.SIG_BLOCK, bit(SEGV))
    assert g.s.fault(SEGV, 0x10A0, 0) is None  # neither is blocking it
    g.mask(S.SIG_SETMASK, 0)
    g.set_x(2, 0x500000)  # unmapped stack: no room for the frame
    with pytest.raises(GuestSignal) as e:
        g.s.fault(SEGV, 0x10A0, 0)
    assert e.value.signo == SEGV and g.s.action(SEGV).handler == S.SIG_DFL


# --- the alternate stack ---------------------------------------------------------------------


def test_altstack() -> None:
    g = Guest()
    alt, size = BUF + 0x4000, 0x4000
    g.a.write(BUF + 128, S.STACK_T.pack(alt, 0, 0, 100))
    assert g(132, BUF + 128, 0) == -E.ENOMEM
    g.a.write(BUF + 128, S.STACK_T.pack(alt, 0, 0, size))
    assert g(132, BUF + 128, 0) == 0
    g.action(USR1, HANDLER, S.SA_SIGINFO | S.SA_ONSTACK | S.SA_NODEFER)
    g.action(USR2, OTHER)
    g(130, PID, USR1)
    assert g.s.deliver_pending() == HANDLER
    frame = g.x(2)
    assert frame == (alt + size - S.FRAME_SIZE) & ~15
    assert S.STACK_T.unpack_from(g.frame()[1], S.FRAME_STACK) == (alt, 0, 0, size)
    # on the alternate stack now: it reports SS_ONSTACK and cannot be changed
    assert g(132, 0, BUF + 160) == 0
    assert S.STACK_T.unpack(g.a.read(BUF + 160, 24)) == (alt, S.SS_ONSTACK, 0, size)
    assert g(132, BUF + 128, 0) == -E.EPERM
    g(130, PID, USR1)  # nested on the alternate stack: below the current frame
    assert g.s.deliver_pending() == HANDLER and g.x(2) == (frame - S.FRAME_SIZE) & ~15
    g(130, PID, USR2)  # no SA_ONSTACK, but already on it: stays on it
    assert g.s.deliver_pending() == OTHER and alt < g.x(2) < alt + size
    # frames until the alternate stack would overflow: then SIGSEGV
    with pytest.raises(GuestSignal) as e:
        for _ in range(size // S.FRAME_SIZE + 1):
            g(130, PID, USR1)
            g.s.deliver_pending()
    assert e.value.signo == SEGV
    # disabling
    g.set_x(2, SP0)
    g.a.write(BUF + 128, S.STACK_T.pack(0, S.SS_DISABLE, 0, 0))
    assert g(132, BUF + 128, BUF + 160) == 0
    assert S.STACK_T.unpack(g.a.read(BUF + 160, 24)) == (alt, 0, 0, size)
    g.a.write(BUF + 128, S.STACK_T.pack(0, 7, 0, 0))
    assert g(132, BUF + 128, 0) == -E.EINVAL


def test_sigreturn_restores_the_alternate_stack_from_the_frame() -> None:
    g = Guest()
    alt, size = BUF + 0x4000, 0x4000
    g.a.write(BUF + 128, S.STACK_T.pack(alt, 0, 0, size))
    g(132, BUF + 128, 0)
    g.action(USR1, HANDLER, S.SA_SIGINFO | S.SA_ONSTACK)
    g(130, PID, USR1)
    g.s.deliver_pending()
    frame = g.x(2)
    g.a.write(frame + S.FRAME_STACK, S.STACK_T.pack(0, S.SS_DISABLE, 0, 0))
    g(139)
    assert g.x(2) == SP0 and (g.s.ss_sp, g.s.ss_size) == (0, 0)


# --- timers and waiting ----------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000_000

    def __call__(self) -> int:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += int(seconds * 1e9) + 1


def timed_guest() -> tuple[Guest, Clock]:
    g = Guest()
    clock = Clock()
    g.s = g.k.signals = S.Signals(
        g.a, pid=PID, uid=0, sleep=clock.sleep, clock=clock, cpu_clock=clock
    )
    return g, clock


def test_itimer_real_fires_at_the_next_exit() -> None:
    g, clock = timed_guest()
    g.a.write(BUF, struct.pack("<qqqq", 0, 0, 1, 500_000))  # 1.5 s, one shot
    assert g.s.setitimer(S.ITIMER_REAL, BUF, BUF + 32) == 0
    assert g.a.read(BUF + 32, 32) == bytes(32)
    clock.now += 1_000_000_000
    assert g.s.deliver_pending() is None
    assert g.s.getitimer(S.ITIMER_REAL, BUF + 64) == 0
    assert struct.unpack("<qqqq", g.a.read(BUF + 64, 32)) == (0, 0, 0, 500_000)
    clock.now += 500_000_000
    with pytest.raises(GuestSignal) as e:  # SIGALRM's default action
        g.s.deliver_pending()
    assert e.value.signo == ALRM and g.s.armed == 0


def test_itimer_periodic_with_handler() -> None:
    g, clock = timed_guest()
    g.action(ALRM, HANDLER)
    g.a.write(BUF, struct.pack("<qqqq", 0, 100_000, 0, 100_000))
    g.s.setitimer(S.ITIMER_REAL, BUF, 0)
    clock.now += 250_000_000
    assert g.s.deliver_pending() == HANDLER
    assert struct.unpack_from("<iii", g.frame()[1], 0) == (ALRM, 0, S.SI_KERNEL)
    g(139)
    assert g.s.deliver_pending() is None  # one instance, re-armed 50 ms ahead
    clock.now += 60_000_000
    assert g.s.deliver_pending() == HANDLER
    g.a.write(BUF, bytes(32))
    g.s.setitimer(S.ITIMER_REAL, BUF, 0)
    assert g.s.armed == 0
    g.a.write(BUF, struct.pack("<qqqq", 0, 0, 0, 1_000_000))
    assert g.s.setitimer(S.ITIMER_REAL, BUF, 0) == -E.EINVAL
    assert g.s.setitimer(5, BUF, 0) == -E.EINVAL


def test_sigsuspend_waits_and_the_frame_keeps_the_old_mask() -> None:
    g, _clock = timed_guest()
    g.action(ALRM, HANDLER)
    g.s.blocked = bit(ALRM) | bit(HUP)
    g.a.write(BUF, struct.pack("<qqqq", 0, 0, 0, 20_000))
    g.s.setitimer(S.ITIMER_REAL, BUF, 0)
    g.a.write_u64(BUF + 64, bit(HUP))
    assert g.s.suspend(BUF + 64, 8) == -E.EINTR
    assert g.s.deliver_pending() == HANDLER
    assert struct.unpack_from("<Q", g.frame()[1], S.FRAME_SIGMASK)[0] == bit(ALRM) | bit(HUP)
    assert g.s.blocked == bit(HUP) | bit(ALRM)  # the temporary mask, plus the signal
    g(139)
    assert g.s.blocked == bit(ALRM) | bit(HUP)


def test_waiting_for_nothing_is_a_deadlock_not_a_hang() -> None:
    g = Guest()
    with pytest.raises(EmulatorError, match="deadlock"):
        g(73, 0, 0, 0, 0, 0)  # pause()
    # 50 ms: long enough that a loaded machine still has time left to sleep when it gets there
    g.a.write(BUF, struct.pack("<qq", 0, 50_000_000))
    assert g(73, 0, 0, BUF, 0, 0) == 0  # ppoll with a timeout: a sleep
    assert len(g.slept) == 1 and 0 < g.slept[0] <= 0.05


def test_sigtimedwait_takes_a_blocked_pending_signal() -> None:
    g, _clock = timed_guest()
    g.action(USR1, HANDLER)
    g.s.blocked = bit(USR1)
    g(131, PID, PID, USR1)
    g.a.write_u64(BUF, bit(USR1))
    assert g.s.timedwait(BUF, BUF + 128, None, 8) == USR1
    assert struct.unpack_from("<iii", g.a.read(BUF + 128, 12), 0) == (USR1, 0, S.SI_TKILL)
    assert g.s.pending == {} and g.s.deliver_pending() is None
    assert g.s.timedwait(BUF, 0, 1_000_000, 8) == -E.EAGAIN


# --- the machine and the CLI -------------------------------------------------------------------


def test_strace_shows_deliveries_and_sigreturn() -> None:
    elf = ROOT / "guests" / "bin" / "signals.elf"
    r = subprocess.run(
        [sys.executable, "-m", "py_backend.cli", "run", "--strace", str(elf)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    err = r.stderr
    assert (
        "[strace] --- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x3ffff00000}" in err
    )
    assert (
        "[strace] --- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=1000, si_uid=0} ---"
        in err
    )
    assert "[strace] rt_sigreturn(" in err and "[strace] sigaltstack(" in err
    assert "[strace] --- SIGBUS {si_signo=SIGBUS, si_code=BUS_ADRALN, si_addr=0x" in err


def test_a_host_sleep_cut_short_ends_the_wait_with_eintr() -> None:
    """The page's sleep returns true when Stop is pressed: nanosleep and a sigsuspend on a far
    timer must then return to the guest (EINTR) instead of sleeping again in a loop, so the
    host reaches an exit and can stop the guest."""
    g = Guest()
    calls: list[float] = []

    def cut_short(seconds: float) -> bool:
        calls.append(seconds)
        return True

    g.k.sleep = cut_short
    g.a.write(BUF, struct.pack("<qq", 100, 0))
    assert g(101, BUF, BUF + 16) == -E.EINTR  # nanosleep(100 s)
    assert struct.unpack("<qq", g.a.read(BUF + 16, 16)) == (100, 0)
    g2, _clock = timed_guest()
    g2.s.sleep = cut_short
    g2.action(ALRM, HANDLER)
    g2.a.write(BUF, struct.pack("<qqqq", 0, 0, 1000, 0))  # SIGALRM in 1000 s
    g2.s.setitimer(S.ITIMER_REAL, BUF, 0)
    g2.a.write_u64(BUF + 64, 0)
    assert g2.s.suspend(BUF + 64, 8) == -E.EINTR
    assert len(calls) == 2 and calls[1] > 999
    assert g2.s.deliver_pending() is None  # nothing is due: the wait was cut, not ended


def test_signal_and_errno_names() -> None:
    assert S.Signal.SIGSEGV == 11 and S.Signal(17).name == "SIGCHLD"
    assert [s.value for s in S.Signal] == list(range(1, 32))  # SIGHUP..SIGSYS, no gaps
    assert S.SIGNAL_NAMES[9] == "SIGKILL"
    assert E.errno_name(E.ENOENT) == "ENOENT" and E.errno_name(E.EAGAIN) == "EAGAIN"
    assert E.errno_name(4000) == "E4000"
    assert E.strace_result(-E.ENOSYS) == "-38 ENOSYS"
    assert E.strace_result(3) == "3" and E.strace_result(-5000) == "-5000"
