"""Semantics of the extensions beyond RV64GC that work on integer registers and memory: the
bit-manipulation extensions (Zba, Zbb, Zbc, Zbs), Zicond, the cache-block operations (Zicbom,
Zicboz), Zawrs and the may-be-operations (Zimop), as the ratified specifications define them,
written against the same `Ctx` emitter API as `emit_int` (so tier 0 runs them too)."""

from __future__ import annotations

from collections.abc import Callable

from .. import abi
from ..abi import CBO_BLOCK
from ..isa.insn import Insn
from ..isa.table import ATTRS
from ..wasm.builder import FunctionBuilder as FB
from .codegen import I32, I64, Ctx, trans

Op = Callable[[FB], None]


def _zext32(c: Ctx) -> None:
    """x -> x[31:0] zero-extended (the ".uw" operand)."""
    c.f.i32_wrap_i64()
    c.f.i64_extend_i32_u()


def _not(c: Ctx) -> None:
    c.f.i64_const(-1)
    c.f.i64_xor()


def _operand2(c: Ctx, i: Insn) -> None:
    """Push the second operand: the immediate (shift amount, bit number) or rs2."""
    if ATTRS[i.name].imm:
        c.push_i64(i.imm)
    else:
        c.get_x(i.rs2)


# --- Zba: address generation --------------------------------------------------------------------

_SHADD = {"add": 0, "sh1add": 1, "sh2add": 2, "sh3add": 3}


@trans("add.uw", "sh1add", "sh2add", "sh3add", "sh1add.uw", "sh2add.uw", "sh3add.uw")
def _shadd(c: Ctx, i: Insn) -> None:
    # rs2 + (rs1 << N), with rs1 zero-extended from 32 bits for the .uw forms (width 4)
    at = ATTRS[i.name]
    c.get_x(i.rs1)
    if at.width == 4:
        _zext32(c)
    if _SHADD[at.op]:
        c.f.i64_const(_SHADD[at.op])
        c.f.i64_shl()
    c.get_x(i.rs2)
    c.f.i64_add()
    c.set_x(i.rd)


@trans("slli.uw")
def _slli_uw(c: Ctx, i: Insn) -> None:
    c.get_x(i.rs1)
    _zext32(c)
    c.push_i64(i.imm)
    c.f.i64_shl()
    c.set_x(i.rd)


# --- Zbb: basic bit manipulation ----------------------------------------------------------------


@trans("andn", "orn", "xnor")
def _logic_not(c: Ctx, i: Insn) -> None:
    f = c.f
    op = ATTRS[i.name].op
    c.get_x(i.rs1)
    c.get_x(i.rs2)
    if op == "xnor":
        f.i64_xor()
        _not(c)
    else:
        _not(c)
        f.i64_and() if op == "andn" else f.i64_or()
    c.set_x(i.rd)


_MINMAX: dict[tuple[str, bool], Op] = {  # (op, signed): rs1 wins the comparison
    ("max", True): FB.i64_gt_s,
    ("max", False): FB.i64_gt_u,
    ("min", True): FB.i64_lt_s,
    ("min", False): FB.i64_lt_u,
}


@trans("max", "maxu", "min", "minu")
def _minmax(c: Ctx, i: Insn) -> None:
    f = c.f
    at = ATTRS[i.name]
    a, b = c.tmp(I64), c.tmp(I64)
    c.get_x(i.rs1)
    f.local_tee(a)
    c.get_x(i.rs2)
    f.local_tee(b)
    f.local_get(a)
    f.local_get(b)
    _MINMAX[at.op, at.signed](f)
    f.select()
    c.set_x(i.rd)


_ROT: dict[tuple[str, int], Op] = {  # (op, width)
    ("rol", 0): FB.i64_rotl,
    ("ror", 0): FB.i64_rotr,
    ("rol", 4): FB.i32_rotl,
    ("ror", 4): FB.i32_rotr,
}


@trans("rol", "ror", "rori", "rolw", "rorw", "roriw")
def _rot(c: Ctx, i: Insn) -> None:
    # Wasm rotates take the count modulo the width, as rol/ror take rs2[5:0] (rolw: rs2[4:0]).
    at = ATTRS[i.name]
    c.get_x(i.rs1)
    if at.width == 4:
        c.f.i32_wrap_i64()
        if at.imm:
            c.push_i32(i.imm)
        else:
            c.get_x(i.rs2)
            c.f.i32_wrap_i64()
        _ROT[at.op, 4](c.f)
        c.set_x_i32s(i.rd)
    else:
        _operand2(c, i)
        _ROT[at.op, 0](c.f)
        c.set_x(i.rd)


_COUNT: dict[tuple[str, int], Op] = {  # (op, width)
    ("clz", 0): FB.i64_clz,
    ("ctz", 0): FB.i64_ctz,
    ("cpop", 0): FB.i64_popcnt,
    ("clz", 4): FB.i32_clz,
    ("ctz", 4): FB.i32_ctz,
    ("cpop", 4): FB.i32_popcnt,
}


@trans("clz", "ctz", "cpop", "clzw", "ctzw", "cpopw")
def _count(c: Ctx, i: Insn) -> None:
    at = ATTRS[i.name]
    c.get_x(i.rs1)
    if at.width == 4:
        c.f.i32_wrap_i64()
        _COUNT[at.op, 4](c.f)
        c.f.i64_extend_i32_u()
    else:
        _COUNT[at.op, 0](c.f)
    c.set_x(i.rd)


_EXT: dict[tuple[str, int], Op] = {
    ("sext", 1): FB.i64_extend8_s,
    ("sext", 2): FB.i64_extend16_s,
}


@trans("sext.b", "sext.h", "zext.h")
def _ext(c: Ctx, i: Insn) -> None:
    at = ATTRS[i.name]
    c.get_x(i.rs1)
    if at.op == "zext":
        c.f.i64_const((1 << (8 * at.width)) - 1)
        c.f.i64_and()
    else:
        _EXT[at.op, at.width](c.f)
    c.set_x(i.rd)


_LOW7 = 0x7F7F_7F7F_7F7F_7F7F
_HIGH = 0x8080_8080_8080_8080


@trans("orc.b")
def _orc_b(c: Ctx, i: Insn) -> None:
    # A byte's top bit after ((x & 0x7f..) + 0x7f..) | x is set iff the byte is non-zero (no carry
    # crosses a byte); (that bit >> 7) * 0xff fills the byte.
    f = c.f
    x = c.tmp(I64)
    c.get_x(i.rs1)
    f.local_tee(x)
    f.i64_const(_LOW7)
    f.i64_and()
    f.i64_const(_LOW7)
    f.i64_add()
    f.local_get(x)
    f.i64_or()
    f.i64_const(_HIGH)
    f.i64_and()
    f.i64_const(7)
    f.i64_shr_u()
    f.i64_const(0xFF)
    f.i64_mul()
    c.set_x(i.rd)


@trans("rev8")
def _rev8(c: Ctx, i: Insn) -> None:
    # Swap bytes within halfwords, halfwords within words, then the two words.
    f = c.f
    x = c.tmp(I64)
    c.get_x(i.rs1)
    f.local_set(x)
    for shift, mask in ((8, 0x00FF_00FF_00FF_00FF), (16, 0x0000_FFFF_0000_FFFF)):
        f.local_get(x)
        f.i64_const(mask)
        f.i64_and()
        f.i64_const(shift)
        f.i64_shl()
        f.local_get(x)
        f.i64_const(shift)
        f.i64_shr_u()
        f.i64_const(mask)
        f.i64_and()
        f.i64_or()
        f.local_set(x)
    f.local_get(x)
    f.i64_const(32)
    f.i64_rotl()
    c.set_x(i.rd)


# --- Zbc: carry-less multiplication -------------------------------------------------------------


@trans("clmul", "clmulh", "clmulr")
def _clmul(c: Ctx, i: Insn) -> None:
    """For each set bit k of rs2, xor in rs1 << k (clmul: bits 63..0 of the 128-bit product),
    rs1 >> (64 - k) (clmulh: bits 127..64) or rs1 >> (63 - k) (clmulr: bits 126..63)."""
    f = c.f
    op = ATTRS[i.name].op
    a, b, r, k = c.tmp(I64), c.tmp(I64), c.tmp(I64), c.tmp(I64)
    c.get_x(i.rs1)
    if op == "clmulh":  # rs1 >> (64 - k) == (rs1 >> 1) >> (63 - k), also for k = 0
        f.i64_const(1)
        f.i64_shr_u()
    f.local_set(a)
    c.get_x(i.rs2)
    f.local_set(b)
    f.i64_const(0)
    f.local_set(r)
    f.i64_const(0)
    f.local_set(k)
    top = f.loop()
    f.local_get(r)
    f.local_get(a)
    if op == "clmul":
        f.local_get(k)
        f.i64_shl()
    else:
        f.i64_const(63)
        f.local_get(k)
        f.i64_sub()
        f.i64_shr_u()
    f.i64_const(0)  # & -(bit k of rs2)
    f.local_get(b)
    f.local_get(k)
    f.i64_shr_u()
    f.i64_const(1)
    f.i64_and()
    f.i64_sub()
    f.i64_and()
    f.i64_xor()
    f.local_set(r)
    f.local_get(k)
    f.i64_const(1)
    f.i64_add()
    f.local_tee(k)
    f.i64_const(64)
    f.i64_lt_u()
    f.br_if(top)
    f.end()
    f.local_get(r)
    c.set_x(i.rd)


# --- Zbs: single-bit instructions ---------------------------------------------------------------


@trans("bclr", "bext", "binv", "bset", "bclri", "bexti", "binvi", "bseti")
def _bit(c: Ctx, i: Insn) -> None:
    f = c.f
    op = ATTRS[i.name].op
    c.get_x(i.rs1)
    if op == "bext":
        _operand2(c, i)  # the bit number, modulo 64 (Wasm shifts take it so)
        f.i64_shr_u()
        f.i64_const(1)
        f.i64_and()
    else:
        f.i64_const(1)
        _operand2(c, i)
        f.i64_shl()
        if op == "bclr":
            _not(c)
            f.i64_and()
        elif op == "binv":
            f.i64_xor()
        else:
            f.i64_or()
    c.set_x(i.rd)


# --- Zicond: conditional zero -------------------------------------------------------------------


@trans("czero.eqz", "czero.nez")
def _czero(c: Ctx, i: Insn) -> None:
    # czero.eqz (op eq): rd = rs2 == 0 ? 0 : rs1;  czero.nez (op ne): rd = rs2 != 0 ? 0 : rs1
    f = c.f
    c.get_x(i.rs1)
    f.i64_const(0)
    c.get_x(i.rs2)
    f.i64_eqz()
    if ATTRS[i.name].op == "eq":
        f.i32_eqz()
    f.select()  # rs1 when the condition for keeping it holds, else 0
    c.set_x(i.rd)


# --- Zicbom, Zicboz: cache-block operations (a 64-byte block, as hwprobe reports) -----------------


@trans("cbo.zero")
def _cbo_zero(c: Ctx, i: Insn) -> None:
    """Zero the aligned block holding rs1 (a store: faults and code invalidation as for sd)."""
    f = c.f
    a = c.tmp(I64)
    c.get_x(i.rs1)
    f.i64_const(-CBO_BLOCK)
    f.i64_and()
    f.local_set(a)
    w = c.tmp(I32)

    def emit() -> None:  # the i32 address is on the stack
        f.local_set(w)
        for k in range(0, CBO_BLOCK, 8):
            f.local_get(w)
            f.i64_const(0)
            f.i64_store(abi.GUEST_BASE + k)

    c.store(a, CBO_BLOCK, emit)


@trans("cbo.clean", "cbo.flush", "cbo.inval")
def _cbo_manage(c: Ctx, i: Insn) -> None:
    # Linux leaves menvcfg/senvcfg.CBCFE/CBIE clear for user mode: an illegal instruction there
    # (qemu-riscv64 does the same).
    c.illegal()


# --- Zawrs, Zimop --------------------------------------------------------------------------------


@trans("wrs.nto", "wrs.sto")
def _wrs(c: Ctx, i: Insn) -> None:
    pass  # one hart runs at a time: the reservation cannot change while we wait, so no wait


@trans("mop.r", "mop.rr")
def _mop(c: Ctx, i: Insn) -> None:
    # "Unless redefined by another extension, these instructions simply write 0 to x[rd]."
    c.push_i64(0)
    c.set_x(i.rd)
