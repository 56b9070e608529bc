"""Zfhmin and Zfh: IEEE 754 binary16 in the f registers, NaN-boxed in 64 bits (the upper 48 bits
all ones; anything else reads as the canonical NaN), as the ratified Zfh 1.0 defines it.

flh and fsh are Wasm (they touch memory, see `_flh`/`_fsh`); everything else is the exact
`softfloat` arithmetic in a binary16 format, run by the host after an EMULATE exit from either
tier (`run_zfh`). Zfa's .h forms live in `zfa` and use `H`, `box` and `unbox` from here."""

from __future__ import annotations

from .. import abi
from ..isa.insn import Insn
from . import softfloat as sf
from .codegen import I64, Ctx, trans
from .hostemu import emulates, fp_emulator

H = sf.Fmt("h", 5, 10)
BOX = 0xFFFF_FFFF_FFFF_0000


def unbox(x: int) -> int:
    return x & 0xFFFF if x & BOX == BOX else H.qnan


def box(x: int) -> int:
    return x | BOX


_INT = {"w": (32, True), "wu": (32, False), "l": (64, True), "lu": (64, False)}
_FMT = {"h": H, "s": sf.S, "d": sf.D}
_R4 = ("fmadd.h", "fmsub.h", "fnmsub.h", "fnmadd.h")
HAS_RM = frozenset(
    {f"{op}.h" for op in ("fadd", "fsub", "fmul", "fdiv", "fsqrt")}
    | set(_R4)
    | {f"fcvt.{k}.h" for k in _INT}
    | {f"fcvt.h.{k}" for k in _INT}
    | {"fcvt.s.h", "fcvt.h.s", "fcvt.d.h", "fcvt.h.d"}
)
NAMES = HAS_RM | {
    "fmv.x.h", "fmv.h.x", "fsgnj.h", "fsgnjn.h", "fsgnjx.h", "fmin.h", "fmax.h",
    "feq.h", "flt.h", "fle.h", "fclass.h",
}  # fmt: skip
X_DEST = frozenset(
    {"fmv.x.h", "feq.h", "flt.h", "fle.h", "fclass.h"} | {f"fcvt.{k}.h" for k in _INT}
)
X_SRC = frozenset({"fmv.h.x"} | {f"fcvt.h.{k}" for k in _INT})


def _get(x: int, fmt: sf.Fmt) -> int:
    return unbox(x) if fmt is H else sf.unbox(x) if fmt is sf.S else x


def _put(x: int, fmt: sf.Fmt) -> int:
    return box(x) if fmt is H else sf.box(x) if fmt is sf.S else x


def _sext(v: int, bits: int) -> int:
    v &= (1 << bits) - 1
    return (v - (1 << bits) if v >> (bits - 1) else v) & sf.MASK64


def run_zfh(name: str, r1: int, r2: int = 0, r3: int = 0, rm: int = sf.RNE) -> tuple[int, int]:
    """One Zfh/Zfhmin instruction (not flh/fsh) on raw 64-bit register values."""
    op, _, rest = name.partition(".")
    if name == "fmv.x.h":
        return _sext(r1, 16), 0
    if name == "fmv.h.x":
        return box(r1 & 0xFFFF), 0
    if op == "fcvt":
        dst, src = rest.split(".")
        if dst in _INT:
            width, signed = _INT[dst]
            v, fl = sf.to_int(unbox(r1), H, rm, width, signed)
            return (_sext(v, 32) if width == 32 else v & sf.MASK64), fl
        if src in _INT:
            width, signed = _INT[src]
            v = r1 & ((1 << width) - 1)
            if signed and v >> (width - 1):
                v -= 1 << width
            res, fl = sf.from_int(v, H, rm)
            return box(res), fl
        fa, fb = _FMT[src], _FMT[dst]
        res, fl = sf.convert(_get(r1, fa), fa, fb, rm)
        return _put(res, fb), fl
    a, b, c = unbox(r1), unbox(r2), unbox(r3)
    if op.startswith("fsgnj"):
        sign = {"fsgnj": b, "fsgnjn": b ^ H.sign_bit, "fsgnjx": a ^ b}[op] & H.sign_bit
        return box(a & ~H.sign_bit | sign), 0
    if op in ("feq", "flt", "fle"):
        return sf.compare(op[1:], a, b, H)
    if op == "fclass":
        return sf.fclass(a, H), 0
    if op in ("fmin", "fmax"):
        res, fl = sf.minmax(a, b, H, op == "fmax")
    elif op in ("fadd", "fsub", "fmul", "fdiv"):
        res, fl = getattr(sf, op[1:])(a, b, H, rm)
    elif op == "fsqrt":
        res, fl = sf.sqrt(a, H, rm)
    elif name in _R4:
        neg_p, neg_c = op.startswith("fn"), op in ("fmsub", "fnmadd")
        res, fl = sf.fma(a ^ (H.sign_bit if neg_p else 0), b, c ^ (H.sign_bit if neg_c else 0),
                         H, rm)  # fmt: skip
    else:
        raise KeyError(name)
    return box(res), fl


emulates(*sorted(NAMES))(fp_emulator(run_zfh, HAS_RM, X_SRC, X_DEST))


@trans(*sorted(NAMES))
def _translate(c: Ctx, i: Insn) -> None:
    c.emulate()  # the host runs `_emulate`; the block ends here


@trans("flh")
def _flh(c: Ctx, i: Insn) -> None:
    a = c.addr(i.rs1, i.imm)
    c.check_read(a, 2)
    c.wasm_addr(a)
    c.f.i64_load16_u(abi.GUEST_BASE, 1)
    c.f.i64_const(BOX)
    c.f.i64_or()
    c.set_f(i.rd)


@trans("fsh")
def _fsh(c: Ctx, i: Insn) -> None:
    v = c.tmp(I64)
    c.get_f(i.rs2)  # the raw low 16 bits, boxed or not
    c.f.local_set(v)
    a = c.addr(i.rs1, i.imm)

    def emit() -> None:
        c.f.local_get(v)
        c.f.i64_store16(abi.GUEST_BASE, 1)

    c.store(a, 2, emit)
