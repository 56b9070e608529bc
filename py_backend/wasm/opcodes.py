"""The one table of WebAssembly instructions used by the encoder, the builder and the printer.

Each row gives the instruction's specification mnemonic, its opcode bytes (a single byte, or the
0xFC or 0xFD prefix followed by the sub-opcode, which the spec encodes as a u32 LEB128: one
byte below 0x80, two from there, as some SIMD ones), the kind of immediate that follows, and the
stack signature, for documentation.

`py_backend/wasm/_ops.py` holds one builder method per row, generated from this table
(`python -m py_backend.wasm.opcodes > py_backend/wasm/_ops.py`); a unit test checks that the
generated file is up to date.  Generated source rather than closures built at import keeps the
methods visible to type checkers and keeps each call as cheap as a hand-written one.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Imm(enum.Enum):
    """Kinds of immediate operands, named after the specification's binary grammar."""

    NONE = "none"
    LABEL = "labelidx"  # u32 relative depth
    FUNC = "funcidx"  # u32
    LOCAL = "localidx"  # u32
    GLOBAL = "globalidx"  # u32
    TABLE = "tableidx"  # u32
    TABLE_TABLE = "tableidx tableidx"  # table.copy: destination, source
    MEMARG = "memarg"  # u32 log2(align), u32 offset
    MEMARG_LANE = "memarg laneidx"  # v128.storeN_lane: memarg, then a lane index byte
    MEMORY = "memidx"  # memory.size/grow/fill: one memory index (0x00 in the MVP)
    MEMORY_MEMORY = "memidx memidx"  # memory.copy: destination, source
    I32 = "i32"  # signed LEB128
    I64 = "i64"  # signed LEB128
    F32 = "f32"  # 4 bytes little endian
    F64 = "f64"  # 8 bytes little endian
    BLOCKTYPE = "blocktype"  # 0x40 (empty) or a value type
    BR_TABLE = "vec(labelidx) labelidx"
    CALL_INDIRECT = "typeidx tableidx"
    REFTYPE = "reftype"  # ref.null


@dataclass(frozen=True, slots=True)
class Opcode:
    name: str  # specification mnemonic, e.g. "i64.add"
    code: bytes  # opcode bytes, e.g. b"\x7c" or b"\xfc\x02"
    imm: Imm
    stack: str  # "[i32 i32] -> [i32]"; informal for control instructions

    @property
    def method(self) -> str:
        """Builder method name: '.' -> '_', and a trailing '_' for Python keywords."""
        name = self.name.replace(".", "_")
        return name + "_" if name in _PY_KEYWORDS else name

    @property
    def natural_align(self) -> int:
        """Natural alignment in bytes of a load or store (its access width)."""
        assert self.imm in (Imm.MEMARG, Imm.MEMARG_LANE)
        return _ACCESS_WIDTH[self.name]


_PY_KEYWORDS = frozenset({"if", "else", "return"})

OPCODES: list[Opcode] = []


def _op(name: str, code: int | tuple[int, ...], imm: Imm, stack: str) -> None:
    raw = bytes([code]) if isinstance(code, int) else bytes(code)
    OPCODES.append(Opcode(name, raw, imm, stack))


def _sig(params: str, results: str) -> str:
    return f"[{params}] -> [{results}]"


# --- control -------------------------------------------------------------------------------
_op("unreachable", 0x00, Imm.NONE, "[t*] -> [t*]  (traps)")
_op("nop", 0x01, Imm.NONE, _sig("", ""))
_op("block", 0x02, Imm.BLOCKTYPE, "[] -> [t?]")
_op("loop", 0x03, Imm.BLOCKTYPE, "[] -> [t?]")
_op("if", 0x04, Imm.BLOCKTYPE, "[i32] -> [t?]")
_op("else", 0x05, Imm.NONE, "")
_op("end", 0x0B, Imm.NONE, "")
_op("br", 0x0C, Imm.LABEL, "[t* l*] -> [t*]")
_op("br_if", 0x0D, Imm.LABEL, "[l* i32] -> [l*]")
_op("br_table", 0x0E, Imm.BR_TABLE, "[t* l* i32] -> [t*]")
_op("return", 0x0F, Imm.NONE, "[t* r*] -> [t*]")
_op("call", 0x10, Imm.FUNC, "[p*] -> [r*]")
_op("call_indirect", 0x11, Imm.CALL_INDIRECT, "[p* i32] -> [r*]")
_op("return_call", 0x12, Imm.FUNC, "[t* p*] -> [t*]")
_op("return_call_indirect", 0x13, Imm.CALL_INDIRECT, "[t* p* i32] -> [t*]")

# --- parametric ----------------------------------------------------------------------------
_op("drop", 0x1A, Imm.NONE, "[t] -> []")
_op("select", 0x1B, Imm.NONE, "[t t i32] -> [t]")

# --- variables and tables ------------------------------------------------------------------
_op("local.get", 0x20, Imm.LOCAL, "[] -> [t]")
_op("local.set", 0x21, Imm.LOCAL, "[t] -> []")
_op("local.tee", 0x22, Imm.LOCAL, "[t] -> [t]")
_op("global.get", 0x23, Imm.GLOBAL, "[] -> [t]")
_op("global.set", 0x24, Imm.GLOBAL, "[t] -> []")
_op("table.get", 0x25, Imm.TABLE, "[i32] -> [ref]")
_op("table.set", 0x26, Imm.TABLE, "[i32 ref] -> []")

# --- memory --------------------------------------------------------------------------------
_ACCESS_WIDTH: dict[str, int] = {}
_MEMORY_OPS = [
    # name, opcode, width in bytes, value type
    ("i32.load", 0x28, 4, "i32"),
    ("i64.load", 0x29, 8, "i64"),
    ("f32.load", 0x2A, 4, "f32"),
    ("f64.load", 0x2B, 8, "f64"),
    ("i32.load8_s", 0x2C, 1, "i32"),
    ("i32.load8_u", 0x2D, 1, "i32"),
    ("i32.load16_s", 0x2E, 2, "i32"),
    ("i32.load16_u", 0x2F, 2, "i32"),
    ("i64.load8_s", 0x30, 1, "i64"),
    ("i64.load8_u", 0x31, 1, "i64"),
    ("i64.load16_s", 0x32, 2, "i64"),
    ("i64.load16_u", 0x33, 2, "i64"),
    ("i64.load32_s", 0x34, 4, "i64"),
    ("i64.load32_u", 0x35, 4, "i64"),
    ("i32.store", 0x36, 4, "i32"),
    ("i64.store", 0x37, 8, "i64"),
    ("f32.store", 0x38, 4, "f32"),
    ("f64.store", 0x39, 8, "f64"),
    ("i32.store8", 0x3A, 1, "i32"),
    ("i32.store16", 0x3B, 2, "i32"),
    ("i64.store8", 0x3C, 1, "i64"),
    ("i64.store16", 0x3D, 2, "i64"),
    ("i64.store32", 0x3E, 4, "i64"),
]
for _name, _code, _width, _t in _MEMORY_OPS:
    _ACCESS_WIDTH[_name] = _width
    _stack = _sig("i32", _t) if ".load" in _name else _sig(f"i32 {_t}", "")
    _op(_name, _code, Imm.MEMARG, _stack)
_op("memory.size", 0x3F, Imm.MEMORY, _sig("", "i32"))
_op("memory.grow", 0x40, Imm.MEMORY, _sig("i32", "i32"))

# --- constants -----------------------------------------------------------------------------
_op("i32.const", 0x41, Imm.I32, _sig("", "i32"))
_op("i64.const", 0x42, Imm.I64, _sig("", "i64"))
_op("f32.const", 0x43, Imm.F32, _sig("", "f32"))
_op("f64.const", 0x44, Imm.F64, _sig("", "f64"))


# --- numeric: runs of consecutive opcodes, as laid out in the spec's binary format --------
def _run(first: int, t: str, names: str, kind: str) -> None:
    shapes = {
        "test": _sig(t, "i32"),
        "rel": _sig(f"{t} {t}", "i32"),
        "un": _sig(t, t),
        "bin": _sig(f"{t} {t}", t),
    }
    for i, n in enumerate(names.split()):
        _op(f"{t}.{n}", first + i, Imm.NONE, shapes[kind])


_INT_REL = "eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u"
_FLOAT_REL = "eq ne lt gt le ge"
_INT_UN = "clz ctz popcnt"
_INT_BIN = "add sub mul div_s div_u rem_s rem_u and or xor shl shr_s shr_u rotl rotr"
_FLOAT_UN = "abs neg ceil floor trunc nearest sqrt"
_FLOAT_BIN = "add sub mul div min max copysign"

_run(0x45, "i32", "eqz", "test")
_run(0x46, "i32", _INT_REL, "rel")
_run(0x50, "i64", "eqz", "test")
_run(0x51, "i64", _INT_REL, "rel")
_run(0x5B, "f32", _FLOAT_REL, "rel")
_run(0x61, "f64", _FLOAT_REL, "rel")
_run(0x67, "i32", _INT_UN, "un")
_run(0x6A, "i32", _INT_BIN, "bin")
_run(0x79, "i64", _INT_UN, "un")
_run(0x7C, "i64", _INT_BIN, "bin")
_run(0x8B, "f32", _FLOAT_UN, "un")
_run(0x92, "f32", _FLOAT_BIN, "bin")
_run(0x99, "f64", _FLOAT_UN, "un")
_run(0xA0, "f64", _FLOAT_BIN, "bin")

# Conversions: the result type is the prefix, the operand type the suffix ("i64.extend_i32_s").
_CONVERSIONS = [
    "i32.wrap_i64",
    "i32.trunc_f32_s",
    "i32.trunc_f32_u",
    "i32.trunc_f64_s",
    "i32.trunc_f64_u",
    "i64.extend_i32_s",
    "i64.extend_i32_u",
    "i64.trunc_f32_s",
    "i64.trunc_f32_u",
    "i64.trunc_f64_s",
    "i64.trunc_f64_u",
    "f32.convert_i32_s",
    "f32.convert_i32_u",
    "f32.convert_i64_s",
    "f32.convert_i64_u",
    "f32.demote_f64",
    "f64.convert_i32_s",
    "f64.convert_i32_u",
    "f64.convert_i64_s",
    "f64.convert_i64_u",
    "f64.promote_f32",
    "i32.reinterpret_f32",
    "i64.reinterpret_f64",
    "f32.reinterpret_i32",
    "f64.reinterpret_i64",
]
for _i, _name in enumerate(_CONVERSIONS):
    _op(_name, 0xA7 + _i, Imm.NONE, _sig(_name.split("_")[1][-3:], _name[:3]))

# Sign-extension operators (post-MVP, standardized in Wasm 2.0).
_op("i32.extend8_s", 0xC0, Imm.NONE, _sig("i32", "i32"))
_op("i32.extend16_s", 0xC1, Imm.NONE, _sig("i32", "i32"))
_op("i64.extend8_s", 0xC2, Imm.NONE, _sig("i64", "i64"))
_op("i64.extend16_s", 0xC3, Imm.NONE, _sig("i64", "i64"))
_op("i64.extend32_s", 0xC4, Imm.NONE, _sig("i64", "i64"))

# --- reference types -----------------------------------------------------------------------
_op("ref.null", 0xD0, Imm.REFTYPE, "[] -> [ref]")
_op("ref.is_null", 0xD1, Imm.NONE, "[ref] -> [i32]")
_op("ref.func", 0xD2, Imm.FUNC, "[] -> [funcref]")

# --- 0xFC prefix: saturating truncation, bulk memory, table ops ----------------------------
for _i, _name in enumerate(
    [
        "i32.trunc_sat_f32_s",
        "i32.trunc_sat_f32_u",
        "i32.trunc_sat_f64_s",
        "i32.trunc_sat_f64_u",
        "i64.trunc_sat_f32_s",
        "i64.trunc_sat_f32_u",
        "i64.trunc_sat_f64_s",
        "i64.trunc_sat_f64_u",
    ]
):
    _op(_name, (0xFC, _i), Imm.NONE, _sig(_name[-5:-2], _name[:3]))
_op("memory.copy", (0xFC, 10), Imm.MEMORY_MEMORY, _sig("i32 i32 i32", ""))
_op("memory.fill", (0xFC, 11), Imm.MEMORY, _sig("i32 i32 i32", ""))
_op("table.copy", (0xFC, 14), Imm.TABLE_TABLE, _sig("i32 i32 i32", ""))
_op("table.grow", (0xFC, 15), Imm.TABLE, "[ref i32] -> [i32]")
_op("table.size", (0xFC, 16), Imm.TABLE, _sig("", "i32"))
_op("table.fill", (0xFC, 17), Imm.TABLE, "[i32 ref i32] -> []")

# --- 0xFD prefix: SIMD (128-bit vectors; the vector extension's element operations) -----------
# The sub-opcode is a u32 LEB128: those from 0x80 up take two bytes.
SIMD_PREFIX = 0xFD


def _simd(name: str, sub: int, imm: Imm, stack: str) -> None:
    leb = (sub,) if sub < 0x80 else (sub & 0x7F | 0x80, sub >> 7)
    _op(name, (SIMD_PREFIX, *leb), imm, stack)


_ACCESS_WIDTH["v128.load"] = _ACCESS_WIDTH["v128.store"] = 16
_simd("v128.load", 0x00, Imm.MEMARG, _sig("i32", "v128"))
_simd("v128.store", 0x0B, Imm.MEMARG, _sig("i32 v128", ""))
# ---- V: fractional LMUL (vfrac): a group of 2, 4 or 8 bytes read and written alone (so a
# narrow store before forwards to the read, and the tail bytes stay)
for _name, _code, _width in (("v128.load32_zero", 0x5C, 4), ("v128.load64_zero", 0x5D, 8)):
    _ACCESS_WIDTH[_name] = _width
    _simd(_name, _code, Imm.MEMARG, _sig("i32", "v128"))
for _name, _code, _width in (
    ("v128.load8_lane", 0x54, 1), ("v128.load16_lane", 0x55, 2), ("v128.load32_lane", 0x56, 4),
    ("v128.store16_lane", 0x59, 2), ("v128.store32_lane", 0x5A, 4), ("v128.store64_lane", 0x5B, 8)
):  # fmt: skip
    _ACCESS_WIDTH[_name] = _width
    _simd(_name, _code, Imm.MEMARG_LANE, _sig("i32 v128", "v128" if "load" in _name else ""))
for _i, _name in enumerate(["i8x16.splat", "i16x8.splat", "i32x4.splat", "i64x2.splat"]):
    _simd(_name, 0x0F + _i, Imm.NONE, _sig("i64" if _i == 3 else "i32", "v128"))
for _name, _code in (("v128.and", 0x4E), ("v128.or", 0x50), ("v128.xor", 0x51)):
    _simd(_name, _code, Imm.NONE, _sig("v128 v128", "v128"))
for _name, _code in (
    ("i8x16.add", 0x6E), ("i8x16.sub", 0x71), ("i16x8.add", 0x8E), ("i16x8.sub", 0x91),
    ("i32x4.add", 0xAE), ("i32x4.sub", 0xB1), ("i64x2.add", 0xCE), ("i64x2.sub", 0xD1),
):  # fmt: skip
    _simd(_name, _code, Imm.NONE, _sig("v128 v128", "v128"))
# ---- V: integer multiply (vint): vmul's whole-group path (Wasm has no i8x16.mul)
for _name, _code in (("i16x8.mul", 0x95), ("i32x4.mul", 0xB5), ("i64x2.mul", 0xD5)):
    _simd(_name, _code, Imm.NONE, _sig("v128 v128", "v128"))

# ---- V: integer speed (vsint): min/max, shifts, widening, compares of the whole-group paths
_simd("v128.bitselect", 0x52, Imm.NONE, _sig("v128 v128 v128", "v128"))
for _i, _t in enumerate(("i8x16", "i16x8", "i32x4")):
    for _j, _name in enumerate(("min_s", "min_u", "max_s", "max_u")):
        _simd(f"{_t}.{_name}", (0x76, 0x96, 0xB6)[_i] + _j, Imm.NONE, _sig("v128 v128", "v128"))
for _i, _t in enumerate(("i8x16", "i16x8", "i32x4", "i64x2")):
    for _j, _name in enumerate(("shl", "shr_s", "shr_u")):
        _simd(
            f"{_t}.{_name}", (0x6B, 0x8B, 0xAB, 0xCB)[_i] + _j, Imm.NONE, _sig("v128 i32", "v128")
        )
for _i, (_t, _n) in enumerate((("i16x8", "i8x16"), ("i32x4", "i16x8"), ("i64x2", "i32x4"))):
    for _j, _name in enumerate(("low_{}_s", "high_{}_s", "low_{}_u", "high_{}_u")):
        _simd(
            f"{_t}.extend_{_name.format(_n)}",
            (0x87, 0xA7, 0xC7)[_i] + _j,
            Imm.NONE,
            _sig("v128", "v128"),
        )
        _simd(
            f"{_t}.extmul_{_name.format(_n)}",
            (0x9C, 0xBC, 0xDC)[_i] + _j,
            Imm.NONE,
            _sig("v128 v128", "v128"),
        )
for _i, _t in enumerate(("i8x16", "i16x8", "i32x4")):
    for _j, _name in enumerate(
        ("eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u")
    ):
        _simd(f"{_t}.{_name}", 0x23 + 10 * _i + _j, Imm.NONE, _sig("v128 v128", "v128"))
for _j, _name in enumerate(("eq", "ne", "lt_s", "gt_s", "le_s", "ge_s")):
    _simd(f"i64x2.{_name}", 0xD6 + _j, Imm.NONE, _sig("v128 v128", "v128"))
for _i, _t in enumerate(("i8x16", "i16x8", "i32x4", "i64x2")):
    _simd(f"{_t}.bitmask", (0x64, 0x84, 0xA4, 0xC4)[_i], Imm.NONE, _sig("v128", "i32"))

BY_NAME: dict[str, Opcode] = {op.name: op for op in OPCODES}
BY_CODE: dict[bytes, Opcode] = {op.code: op for op in OPCODES}

del _name, _code, _width, _t, _i, _j, _n, _stack


# --- generator for _ops.py -----------------------------------------------------------------
# Methods written by hand in builder.py (labels, locals, constants, branches).
HAND_WRITTEN = frozenset(
    {
        "block",
        "loop",
        "if",
        "else",
        "end",
        "br",
        "br_if",
        "br_table",
        "i32.const",
        "i64.const",
        "f32.const",
        "f64.const",
        "local.get",
        "local.set",
        "local.tee",
    }
)


def _byte_literal(code: bytes) -> str:
    return 'b"' + "".join(f"\\x{b:02x}" for b in code) + '"'


def render_ops_module() -> str:
    """Source of `_ops.py`: the mixin with one method per table row."""
    out = [
        '"""Generated by `python -m py_backend.wasm.opcodes`; do not edit."""',
        "",
        "from __future__ import annotations",
        "",
        "",
        "class OpsMixin:",
        "    _code: bytearray",
        "",
        "    def _u32(self, v: int) -> None: ...",
        "    def _memarg(self, natural_log2: int, offset: int, align: int | None) -> None: ...",
        "",
    ]
    for op in OPCODES:
        if op.name in HAND_WRITTEN:
            continue
        m = op.method
        doc = f"        # {op.name} {op.stack}".rstrip()
        single = len(op.code) == 1
        emit_code = (
            f"self._code.append(0x{op.code[0]:02X})"
            if single
            else f"self._code += {_byte_literal(op.code)}"
        )
        if op.imm is Imm.NONE:
            out += [f"    def {m}(self) -> None:", doc, f"        {emit_code}", ""]
        elif op.imm in (Imm.FUNC, Imm.GLOBAL, Imm.TABLE, Imm.LOCAL, Imm.LABEL):
            arg = {Imm.FUNC: "func_idx", Imm.GLOBAL: "i", Imm.LOCAL: "i"}.get(op.imm, "table_idx")
            default = " = 0" if op.imm is Imm.TABLE else ""
            out += [
                f"    def {m}(self, {arg}: int{default}) -> None:",
                doc,
                f"        {emit_code}",
                f"        self._u32({arg})",
                "",
            ]
        elif op.imm is Imm.TABLE_TABLE:
            out += [
                f"    def {m}(self, dst_table: int = 0, src_table: int = 0) -> None:",
                doc,
                f"        {emit_code}",
                "        self._u32(dst_table)",
                "        self._u32(src_table)",
                "",
            ]
        elif op.imm is Imm.MEMARG:
            log2 = op.natural_align.bit_length() - 1
            out += [
                f"    def {m}(self, offset: int = 0, align: int | None = None) -> None:",
                doc,
                f"        {emit_code}",
                f"        self._memarg({log2}, offset, align)",
                "",
            ]
        elif op.imm is Imm.MEMARG_LANE:
            log2 = op.natural_align.bit_length() - 1
            params = "offset: int = 0, lane: int = 0, align: int | None = None"
            out += [
                f"    def {m}(self, {params}) -> None:",
                doc,
                f"        {emit_code}",
                f"        self._memarg({log2}, offset, align)",
                "        self._code.append(lane)",
                "",
            ]
        elif op.imm is Imm.MEMORY:
            out += [
                f"    def {m}(self) -> None:",
                doc,
                f"        self._code += {_byte_literal(op.code + bytes(1))}",
                "",
            ]
        elif op.imm is Imm.MEMORY_MEMORY:
            out += [
                f"    def {m}(self) -> None:",
                doc,
                f"        self._code += {_byte_literal(op.code + bytes(2))}",
                "",
            ]
        elif op.imm is Imm.CALL_INDIRECT:
            out += [
                f"    def {m}(self, type_idx: int, table_idx: int = 0) -> None:",
                doc,
                f"        {emit_code}",
                "        self._u32(type_idx)",
                "        self._u32(table_idx)",
                "",
            ]
        elif op.imm is Imm.REFTYPE:
            out += [
                f"    def {m}(self, t: int = 0x70) -> None:",
                doc + "  (t: a reference type byte, default funcref)",
                f"        {emit_code}",
                "        self._code.append(t)",
                "",
            ]
        else:  # pragma: no cover - every kind is handled above or by hand
            raise AssertionError(op)
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(render_ops_module(), end="")
