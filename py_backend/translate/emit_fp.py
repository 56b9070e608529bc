"""Semantics of the F and D extensions over the `Ctx` emitter API.

Registers hold raw 64-bit patterns; single-precision values are NaN-boxed."""

from __future__ import annotations

from ..isa.insn import Insn
from . import softfloat
from .codegen import SEMANTICS, Ctx, trans


@trans("fmv.x.w")
def _fmv_x_w(c: Ctx, i: Insn) -> None:
    # "FMV.X.W moves the single-precision value in floating-point register rs1 ... to the lower
    # 32 bits of integer register rd ... the higher 32 bits ... are filled with copies of the
    # floating-point number's sign bit" -- the raw low bits, no unboxing.
    c.get_f(i.rs1)
    c.f.i32_wrap_i64()
    c.set_x_i32s(i.rd)


@trans("fmv.w.x")
def _fmv_w_x(c: Ctx, i: Insn) -> None:
    c.get_x(i.rs1)
    c.f.i32_wrap_i64()
    c.set_f32_bits(i.rd)


@trans("fmv.x.d")
def _fmv_x_d(c: Ctx, i: Insn) -> None:
    c.get_f(i.rs1)
    c.set_x(i.rd)


@trans("fmv.d.x")
def _fmv_d_x(c: Ctx, i: Insn) -> None:
    c.get_x(i.rs1)
    c.set_f(i.rd)


@trans("fsgnj.d", "fsgnjn.d", "fsgnjx.d")
def _fsgnj_d(c: Ctx, i: Insn) -> None:
    f = c.f
    sign = 1 << 63
    c.get_f(i.rs1)
    f.i64_const(sign - 1)
    f.i64_and()
    c.get_f(i.rs2)
    if i.name == "fsgnjn.d":
        f.i64_const(-1)
        f.i64_xor()
    elif i.name == "fsgnjx.d":
        c.get_f(i.rs1)
        f.i64_xor()
    f.i64_const(sign)
    f.i64_and()
    f.i64_or()
    c.set_f(i.rd)


@trans("fsgnj.s", "fsgnjn.s", "fsgnjx.s")
def _fsgnj_s(c: Ctx, i: Insn) -> None:
    f = c.f
    sign = 1 << 31
    c.get_f32_bits(i.rs1)
    f.i32_const(sign - 1)
    f.i32_and()
    c.get_f32_bits(i.rs2)
    if i.name == "fsgnjn.s":
        f.i32_const(-1)
        f.i32_xor()
    elif i.name == "fsgnjx.s":
        c.get_f32_bits(i.rs1)
        f.i32_xor()
    f.i32_const(sign)
    f.i32_and()
    f.i32_or()
    c.set_f32_bits(i.rd)


# Everything not given a Wasm fast path below runs exactly in the host (interp.py, softfloat).
def _slow(c: Ctx, i: Insn) -> None:
    c.emulate()


for _name in sorted(softfloat.NAMES):
    if _name not in SEMANTICS:
        trans(_name)(_slow)
