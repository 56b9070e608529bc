"""Run single instructions through the real translator and wasmtime (no Linux layer).

    h = OneInsn()
    prog = h.compile("fadd.d", rm=7)           # rd=1, rs1=2, rs2=3, rs3=4 (x or f by instruction)
    out = h.run(prog, f={2: a, 3: b}, frm=0)   # -> Result(value, fflags, reason, emulated)

An EMULATE exit is finished by `interp.emulate` on a HartState over the same memory, as the
machine does; `Result.emulated` says whether that happened."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from py_backend import abi
from py_backend.abi import ExitReason, PageFlags
from py_backend.block import find_block
from py_backend.cpu import CpuState
from py_backend.exits import Action
from py_backend.host.native import NativeHost
from py_backend.isa.decode import decode
from py_backend.isa.encode import encode
from py_backend.translate import emit_fp, emit_int, softfloat  # noqa: F401  (semantics)
from py_backend.translate.codegen import translate_module
from py_backend.translate.hostemu import emulate

CODE = 0x10000  # guest address of the first test instruction
SLOT = 8  # bytes per test program: the instruction, then ebreak
RD, RS1, RS2, RS3 = 1, 2, 3, 4


@dataclass(frozen=True, slots=True)
class Program:
    tb: int
    pc: int
    name: str


@dataclass(frozen=True, slots=True)
class Result:
    value: int  # raw 64-bit rd (x or f register by instruction)
    fflags: int
    reason: int  # EBREAK when the instruction completed, ILLEGAL, ...
    emulated: bool


class OneInsn:
    def __init__(self) -> None:
        self.host = NativeHost()
        self.mem = self.host.raw
        self.mem.fill(abi.CTX, abi.LINK_SLOTS_END - abi.CTX, 0)
        self.next_tb = 1
        self.hart = CpuState(self.mem)
        self.cache: dict[tuple[str, int, tuple[int, int, int, int]], Program] = {}

    # raw CPU state
    def u64(self, off: int) -> int:
        return int.from_bytes(self.mem.read(off, 8), "little")

    def w64(self, off: int, v: int) -> None:
        self.mem.write(off, (v & (1 << 64) - 1).to_bytes(8, "little"))

    def u32(self, off: int) -> int:
        return int.from_bytes(self.mem.read(off, 4), "little")

    def w32(self, off: int, v: int) -> None:
        self.mem.write(off, (v & 0xFFFFFFFF).to_bytes(4, "little"))

    def _fetch16(self, addr: int) -> int | None:
        if not self.mem.read(abi.PAGE_TABLE + (addr >> abi.PAGE_SHIFT), 1)[0] & PageFlags.EXEC:
            return None
        return int.from_bytes(self.mem.read(abi.GUEST_BASE + addr, 2), "little")

    def compile(
        self, name: str, rm: int = 0, regs: tuple[int, int, int, int] = (RD, RS1, RS2, RS3)
    ) -> Program:
        key = (name, rm, regs)
        if key in self.cache:
            return self.cache[key]
        tb = self.next_tb
        self.next_tb += 1
        pc = CODE + SLOT * tb
        row_fields = {"rd": regs[0], "rs1": regs[1]}
        if name in ("fmadd.s", "fmsub.s", "fnmsub.s", "fnmadd.s", "fmadd.d", "fmsub.d",
                    "fnmsub.d", "fnmadd.d"):  # fmt: skip
            row_fields |= {"rs2": regs[2], "rs3": regs[3]}
        elif not (name.startswith(("fcvt.", "fsqrt.", "fclass.", "fmv."))):
            row_fields["rs2"] = regs[2]
        if name in softfloat.HAS_RM:
            row_fields["rm"] = rm
        word = encode(name, **row_fields)
        code = struct.pack("<II", word, encode("ebreak"))
        self.mem.write(abi.GUEST_BASE + pc, code)
        page = pc >> abi.PAGE_SHIFT
        self.mem.write(abi.PAGE_TABLE + page, bytes([PageFlags.READ | PageFlags.EXEC]))
        block = find_block(self._fetch16, pc)
        module = translate_module([(tb, block)])
        self.host._install_first(Action("run", tb=tb, modules=[module], table_size=tb + 1))
        prog = self.cache[key] = Program(tb, pc, name)
        return prog

    def run(
        self,
        prog: Program,
        f: dict[int, int] | None = None,
        x: dict[int, int] | None = None,
        frm: int = 0,
        fflags: int = 0,
    ) -> Result:
        for r, v in (f or {}).items():
            self.w64(abi.f_addr(r), v)
        for r, v in (x or {}).items():
            self.w64(abi.x_addr(r), v)
        self.w64(abi.f_addr(RD), 0x5A5A5A5A5A5A5A5A)
        self.w64(abi.x_addr(RD), 0x5A5A5A5A5A5A5A5A)
        self.w32(abi.CPU_FRM, frm)
        self.w32(abi.CPU_FFLAGS, fflags)
        self.w64(abi.CTX_BUDGET, 1 << 40)
        reason = self.host._run(self.host.store, prog.tb)
        emulated = False
        if reason == ExitReason.EMULATE:
            assert self.u64(abi.CPU_PC) == prog.pc
            insn = decode(int.from_bytes(self.mem.read(abi.GUEST_BASE + prog.pc, 4), "little"))
            assert insn is not None
            emulated = True
            reason = ExitReason.EBREAK if emulate(self.hart, insn) else ExitReason.ILLEGAL
        elif reason == ExitReason.EBREAK:
            assert self.u64(abi.CPU_PC) == prog.pc + 4
        x_dest = prog.name in softfloat.X_DEST or prog.name in ("fmv.x.w", "fmv.x.d")
        value = self.u64(abi.x_addr(RD) if x_dest else abi.f_addr(RD))
        return Result(value, self.u32(abi.CPU_FFLAGS), reason, emulated)
