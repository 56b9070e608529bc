"""The guest hart's registers where generated code keeps them: the CPU area of a Wasm memory.

`CpuState` is the one Python view of that area (``abi.CPU`` .. ``CPU_SIZE``): the machine
reads system call arguments and moves pc through it, the Linux layer saves and restores it for
signal frames (``linux/signals.py``), thread switches and clones (``linux/threads.py``) and
fork (``system.System``), and the host-side instruction emulators (``translate/hostemu.py``)
use it as their ``HartState``.  Generated code addresses the same fields through ``abi.x_addr``
/ ``f_addr`` / ``CPU_*`` directly.

A `snapshot` is the area's bytes; `CpuState.detached` views a snapshot (a thread that is not
running, a clone being prepared) through the same API.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from . import abi
from .memory import BufferMemory, RawMemory

MASK64 = (1 << 64) - 1
_X1 = abi.x_addr(1)
_XREGS = 32 * 8
# the vector CSRs (CPU_VL .. CPU_VCTRL) after reset_vector: vl = 0, vtype = vill, the rest 0
_VCSRS_INITIAL = (
    bytes(8) + abi.VTYPE_VILL.to_bytes(8, "little") + bytes(abi.CPU_VCTRL - abi.CPU_VSTART)
)
_VREGS_ZERO = bytes(32 * abi.VLENB)


def vctrl_init(ctrl: int) -> int:
    """Linux's riscv_v_vstate_ctrl_init at execve: the current setting becomes the "next" one,
    or on (the default, riscv_v_implicit_uacc) when that is DEFAULT; the next setting is kept
    only with the inherit bit."""
    nxt = ctrl >> 2 & 3
    cur = nxt or abi.VCTRL_ON
    inherit = ctrl & abi.VCTRL_INHERIT
    return cur | (nxt << 2 if inherit else 0) | inherit


ARGS = struct.Struct(
    "<8Q"
)  # a0..a7, as args() reads them (the machine unpacks them from its exit read)


class CpuState:
    __slots__ = ("_instret", "_off", "mem")

    def __init__(
        self, mem: RawMemory, instret: Callable[[], int] | None = None, base: int = abi.CPU
    ) -> None:
        """`mem` holds the CPU area at `base` (abi.CPU in a Wasm memory); `instret` counts the
        instructions retired (the rdinstret/rdcycle CSRs of interp.emulate)."""
        self.mem = mem
        self._instret = instret
        self._off = base - abi.CPU

    @classmethod
    def detached(cls, snapshot: bytes) -> CpuState:
        """A CpuState over a copy of `snapshot` (its changes show in `snapshot()`)."""
        return cls(BufferMemory(bytearray(snapshot)), base=0)

    def _u64(self, addr: int) -> int:
        return int.from_bytes(self.mem.read(addr + self._off, 8), "little")

    def _w64(self, addr: int, v: int) -> None:
        self.mem.write(addr + self._off, (v & MASK64).to_bytes(8, "little"))

    def _u32(self, addr: int) -> int:
        return int.from_bytes(self.mem.read(addr + self._off, 4), "little")

    def _w32(self, addr: int, v: int) -> None:
        self.mem.write(addr + self._off, (v & 0xFFFFFFFF).to_bytes(4, "little"))

    # --- single registers (interp.HartState) -----------------------------------------------------
    def get_x(self, r: int) -> int:
        return self._u64(abi.x_addr(r)) if r else 0

    def set_x(self, r: int, v: int) -> None:
        if r:
            self._w64(abi.x_addr(r), v)

    def get_f(self, r: int) -> int:
        return self._u64(abi.f_addr(r))

    def set_f(self, r: int, v: int) -> None:
        self._w64(abi.f_addr(r), v)

    def get_pc(self) -> int:
        return self._u64(abi.CPU_PC)

    def set_pc(self, pc: int) -> None:
        self._w64(abi.CPU_PC, pc)

    def get_fflags(self) -> int:
        return self._u32(abi.CPU_FFLAGS) & 0x1F

    def set_fflags(self, v: int) -> None:
        self._w32(abi.CPU_FFLAGS, v & 0x1F)

    def get_frm(self) -> int:
        return self._u32(abi.CPU_FRM) & 7

    def set_frm(self, v: int) -> None:
        self._w32(abi.CPU_FRM, v & 7)

    def get_fcsr(self) -> int:
        return self.get_frm() << 5 | self.get_fflags()

    def set_fcsr(self, v: int) -> None:
        self.set_fflags(v)
        self.set_frm(v >> 5)

    def get_vtype(self) -> int:
        return self._u64(abi.CPU_VTYPE)

    def get_vl(self) -> int:
        return self._u64(abi.CPU_VL)

    def reset_vector(self) -> None:
        """The vector state a new process starts with (Linux's execve): vtype = vill, vl = 0,
        vstart = vxrm = vxsat = 0, every v register zero; the vector control as `vctrl_init`
        makes it (on, for the first process)."""
        ctrl = vctrl_init(self.get_vctrl())
        self._w64(abi.CPU_VL, 0)
        self._w64(abi.CPU_VTYPE, abi.VTYPE_VILL)
        self.mem.write(abi.CPU_VSTART + self._off, bytes(abi.CPU + abi.CPU_SIZE - abi.CPU_VSTART))
        self.set_vctrl(ctrl)

    def get_vctrl(self) -> int:
        """The thread's vector control (abi.CPU_VCTRL: prctl PR_RISCV_V_GET_CONTROL's value)."""
        return self._u32(abi.CPU_VCTRL)

    def set_vctrl(self, ctrl: int) -> None:
        self._w32(abi.CPU_VCTRL, ctrl)

    def get_vreg(self, r: int) -> bytes:
        return self.mem.read(abi.v_addr(r) + self._off, abi.VLENB)

    def get_vstart(self) -> int:
        return self._u32(abi.CPU_VSTART)

    def set_vstart(self, v: int) -> None:
        self._w32(abi.CPU_VSTART, v)

    def get_vregs(self) -> bytes:
        """v0..v31, VLENB bytes each, in order (32 * VLENB bytes)."""
        return self.mem.read(abi.CPU_V + self._off, 32 * abi.VLENB)

    def set_vregs(self, raw: bytes) -> None:
        self.mem.write(abi.CPU_V + self._off, raw[: 32 * abi.VLENB])

    def get_vcsrs(self) -> tuple[int, int, int, int]:
        """(vstart, vl, vtype, vcsr): vcsr = vxrm << 1 | vxsat, as the vcsr CSR reads."""
        vcsr = (self._u32(abi.CPU_VXRM) & 3) << 1 | self._u32(abi.CPU_VXSAT) & 1
        return self._u32(abi.CPU_VSTART), self.get_vl(), self.get_vtype(), vcsr

    def set_vcsrs(self, vstart: int, vl: int, vtype: int, vcsr: int) -> None:
        """Set the vector CSRs as given (the caller makes vl and vtype a consistent pair)."""
        self._w32(abi.CPU_VSTART, vstart)
        self._w64(abi.CPU_VL, vl)
        self._w64(abi.CPU_VTYPE, vtype)
        self._w32(abi.CPU_VXRM, vcsr >> 1 & 3)
        self._w32(abi.CPU_VXSAT, vcsr & 1)

    def vector_initial(self) -> bool:
        """The vector state is still the one `reset_vector` leaves (the thread has not used V;
        the vector control aside)."""
        vcsrs = self.mem.read(abi.CPU_VL + self._off, abi.CPU_VCTRL - abi.CPU_VL)
        return vcsrs == _VCSRS_INITIAL and self.get_vregs() == _VREGS_ZERO

    def instret(self) -> int:
        return self._instret() if self._instret is not None else 0

    # --- groups ---------------------------------------------------------------------------------
    def args(self) -> tuple[int, ...]:
        """a0..a7 (a system call's arguments and number), in one read (one host call in a JS
        host, not eight)."""
        return ARGS.unpack(self.mem.read(abi.x_addr(10) + self._off, ARGS.size))

    def get_xregs(self) -> bytes:
        """x0..x31 as 32 little-endian u64 (x0's slot reads 0)."""
        return self.mem.read(abi.CPU_X + self._off, _XREGS)

    def set_xregs(self, raw: bytes) -> None:
        """x1..x31 from 32 u64 laid out as `get_xregs` gives them (x0's slot is ignored)."""
        self.mem.write(_X1 + self._off, raw[8:_XREGS])

    def get_fregs(self) -> bytes:
        """f0..f31, raw 64-bit (single floats NaN-boxed)."""
        return self.mem.read(abi.CPU_F + self._off, _XREGS)

    def set_fregs(self, raw: bytes) -> None:
        self.mem.write(abi.CPU_F + self._off, raw[:_XREGS])

    def clear_reservation(self) -> None:
        """Drop the LR reservation, as the kernel's trap return does."""
        self._w32(abi.CPU_RES_VALID, 0)

    # --- the whole area -------------------------------------------------------------------------
    def snapshot(self) -> bytes:
        return self.mem.read(abi.CPU + self._off, abi.CPU_SIZE)

    def restore(self, snapshot: bytes) -> None:
        """Load a snapshot, without its LR reservation (another hart's stores may have come
        between: a switched-in thread's sc must fail)."""
        self.mem.write(abi.CPU + self._off, snapshot)
        self.clear_reservation()


def clone_state(snapshot: bytes, sp: int, tp: int | None = None) -> bytes:
    """The CPU state a clone (thread or process) starts with: the caller's, with a0 = 0 (clone
    returns 0 in the child), sp = `sp` if non-zero, tp = `tp` if given, no LR reservation."""
    child = CpuState.detached(snapshot)
    child.set_x(10, 0)
    if sp:
        child.set_x(2, sp)
    if tp is not None:
        child.set_x(4, tp)
    child.clear_reservation()
    return child.snapshot()
