"""Semantics of the extensions beyond RV64GC that work on integer registers and memory: the
bit-manipulation extensions (Zba, Zbb, Zbc, Zbs), Zicond, the cache-block operations (Zicbom,
Zicboz), Zawrs and the may-be-operations (Zimop), as the ratified specifications define them,
written against the same `Ctx` emitter API as `emit_int` (so tier 0 runs them too)."""

from __future__ import annotations

from collections.abc import Callable

from .. import abi
from ..isa.insn import Insn
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


# --- Zba: address generation --------------------------------------------------------------------

_SHADD = {"sh1add": 1, "sh2add": 2, "sh3add": 3, "sh1add.uw": 1, "sh2add.uw": 2, "sh3add.uw": 3}


@trans("add.uw", *_SHADD)
def _shadd(c: Ctx, i: Insn) -> None:
    # add.uw: rs2 + zext32(rs1); shNadd: rs2 + (rs1 << N); shNadd.uw: rs2 + (zext32(rs1) << N)
    f = c.f
    c.get_x(i.rs1)
    if i.name.endswith(".uw"):
        _zext32(c)
    if i.name in _SHADD:
        f.i64_const(_SHADD[i.name])
        f.i64_shl()
    c.get_x(i.rs2)
    f.i64_add()
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
    c.get_x(i.rs1)
    c.get_x(i.rs2)
    if i.name == "xnor":
        f.i64_xor()
        _not(c)
    else:
        _not(c)
        f.i64_and() if i.name == "andn" else f.i64_or()
    c.set_x(i.rd)


_MINMAX: dict[str, Op] = {"max": FB.i64_gt_s, "maxu": FB.i64_gt_u, "min": FB.i64_lt_s}
_MINMAX["minu"] = FB.i64_lt_u


@trans(*_MINMAX)
def _minmax(c: Ctx, i: Insn) -> None:
    f = c.f
    a, b = c.tmp(I64), c.tmp(I64)
    c.get_x(i.rs1)
    f.local_tee(a)
    c.get_x(i.rs2)
    f.local_tee(b)
    f.local_get(a)
    f.local_get(b)
    _MINMAX[i.name](f)  # rs1 if it wins the comparison, else rs2
    f.select()
    c.set_x(i.rd)


_ROT: dict[str, Op] = {"rol": FB.i64_rotl, "ror": FB.i64_rotr, "rori": FB.i64_rotr}
_ROTW: dict[str, Op] = {"rolw": FB.i32_rotl, "rorw": FB.i32_rotr, "roriw": FB.i32_rotr}


@trans(*_ROT)
def _rot(c: Ctx, i: Insn) -> None:
    # Wasm rotates take the count modulo 64, as rol/ror take rs2[5:0].
    c.get_x(i.rs1)
    if i.name == "rori":
        c.push_i64(i.imm)
    else:
        c.get_x(i.rs2)
    _ROT[i.name](c.f)
    c.set_x(i.rd)


@trans(*_ROTW)
def _rotw(c: Ctx, i: Insn) -> None:
    c.get_x(i.rs1)
    c.f.i32_wrap_i64()
    if i.name == "roriw":
        c.push_i32(i.imm)
    else:
        c.get_x(i.rs2)
        c.f.i32_wrap_i64()
    _ROTW[i.name](c.f)
    c.set_x_i32s(i.rd)


_COUNT: dict[str, Op] = {"clz": FB.i64_clz, "ctz": FB.i64_ctz, "cpop": FB.i64_popcnt}
_COUNTW: dict[str, Op] = {"clzw": FB.i32_clz, "ctzw": FB.i32_ctz, "cpopw": FB.i32_popcnt}


@trans(*_COUNT, *_COUNTW)
def _count(c: Ctx, i: Insn) -> None:
    c.get_x(i.rs1)
    if i.name in _COUNT:
        _COUNT[i.name](c.f)
    else:
        c.f.i32_wrap_i64()
        _COUNTW[i.name](c.f)
        c.f.i64_extend_i32_u()
    c.set_x(i.rd)


@trans("sext.b", "sext.h", "zext.h")
def _ext(c: Ctx, i: Insn) -> None:
    c.get_x(i.rs1)
    if i.name == "sext.b":
        c.f.i64_extend8_s()
    elif i.name == "sext.h":
        c.f.i64_extend16_s()
    else:
        c.f.i64_const(0xFFFF)
        c.f.i64_and()
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
    a, b, r, k = c.tmp(I64), c.tmp(I64), c.tmp(I64), c.tmp(I64)
    c.get_x(i.rs1)
    if i.name == "clmulh":  # rs1 >> (64 - k) == (rs1 >> 1) >> (63 - k), also for k = 0
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
    if i.name == "clmul":
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
    op = i.name.removesuffix("i")

    def index() -> None:  # the bit number, modulo 64 (Wasm shifts take it so)
        if i.name.endswith("i"):
            c.push_i64(i.imm)
        else:
            c.get_x(i.rs2)

    c.get_x(i.rs1)
    if op == "bext":
        index()
        f.i64_shr_u()
        f.i64_const(1)
        f.i64_and()
    else:
        f.i64_const(1)
        index()
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
    # czero.eqz: rd = rs2 == 0 ? 0 : rs1;  czero.nez: rd = rs2 != 0 ? 0 : rs1
    f = c.f
    c.get_x(i.rs1)
    f.i64_const(0)
    c.get_x(i.rs2)
    f.i64_eqz()
    if i.name == "czero.eqz":
        f.i32_eqz()
    f.select()  # rs1 if (eqz: rs2 != 0 / nez: rs2 == 0), else 0
    c.set_x(i.rd)


# --- Zicbom, Zicboz: cache-block operations (a 64-byte block, as hwprobe reports) -----------------

CBO_BLOCK = 64


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
