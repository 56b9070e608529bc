"""A disassembler from the binary format to a flat text form close to the WebAssembly text
format, driven by the opcode table.  For expect tests and `--trace`; not a full WAT printer
(no names section, indices as numbers, instructions flat with indentation for nesting)."""

from __future__ import annotations

import math
import struct

from .opcodes import BY_CODE, SIMD_PREFIX, Imm, Opcode

__all__ = ["code_to_wat", "to_wat"]

_VALTYPE = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x70: "funcref", 0x6F: "externref"}
_REFTYPE_SHORT = {0x70: "func", 0x6F: "extern"}
_KINDS = ("func", "table", "memory", "global")


class _Reader:
    __slots__ = ("data", "end", "pos")

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    def at_end(self) -> bool:
        return self.pos >= self.end

    def byte(self) -> int:
        if self.pos >= self.end:
            raise ValueError("unexpected end of data")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def leb(self, signed: bool) -> int:
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                if signed and b & 0x40:
                    result -= 1 << shift
                return result

    def u32(self) -> int:
        return self.leb(False)

    def sleb(self) -> int:
        return self.leb(True)

    def take(self, n: int) -> bytes:
        if self.pos + n > self.end:
            raise ValueError("unexpected end of data")
        raw = self.data[self.pos : self.pos + n]
        self.pos += n
        return raw

    def name(self) -> str:
        return self.take(self.u32()).decode("utf-8")

    def valtype(self) -> str:
        b = self.byte()
        return _VALTYPE.get(b, f"0x{b:02x}")


def _float(v: float, bits: int, mantissa_bits: int) -> str:
    if math.isnan(v):
        payload = bits & ((1 << mantissa_bits) - 1)
        sign = "-" if bits >> (mantissa_bits + (11 if mantissa_bits == 52 else 8)) else ""
        canonical = 1 << (mantissa_bits - 1)
        return f"{sign}nan" if payload == canonical else f"{sign}nan:0x{payload:x}"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


def _limits(r: _Reader) -> str:
    flags = r.byte()
    lo = r.u32()
    text = str(lo)
    if flags & 1:
        text += f" {r.u32()}"
    if flags & 2:
        text += " shared"
    return text


def _const_expr(r: _Reader) -> str:
    parts: list[str] = []
    while True:
        op = _read_opcode(r)
        if op.name == "end":
            return " ".join(parts)
        parts.append(_instr(r, op))


def _read_opcode(r: _Reader) -> Opcode:
    b = r.byte()
    key = bytes((b,))
    if b in (0xFC, SIMD_PREFIX):  # a u32 LEB128 sub-opcode, kept as encoded
        start = r.pos
        r.u32()
        key += r.data[start : r.pos]
    op = BY_CODE.get(key)
    if op is None:
        raise ValueError(f"unknown opcode {key.hex()} at offset {r.pos}")
    return op


def _instr(r: _Reader, op: Opcode) -> str:
    """The text of one instruction whose opcode has been read; reads its immediates."""
    imm = op.imm
    if imm is Imm.NONE:
        return op.name
    if imm in (Imm.LABEL, Imm.FUNC, Imm.LOCAL, Imm.GLOBAL):
        return f"{op.name} {r.u32()}"
    if imm is Imm.TABLE:
        table = r.u32()
        return f"{op.name} {table}" if table else op.name
    if imm is Imm.TABLE_TABLE:
        return f"{op.name} {r.u32()} {r.u32()}"
    if imm in (Imm.MEMARG, Imm.MEMARG_LANE):
        log2 = r.u32()
        offset = r.u32()
        text = op.name
        if offset:
            text += f" offset={offset}"
        if (1 << log2) != op.natural_align:
            text += f" align={1 << log2}"
        if imm is Imm.MEMARG_LANE:
            text += f" {r.byte()}"
        return text
    if imm is Imm.MEMORY:
        r.u32()  # memory index 0
        return op.name
    if imm is Imm.MEMORY_MEMORY:
        r.u32()
        r.u32()
        return op.name
    if imm in (Imm.I32, Imm.I64):
        return f"{op.name} {r.sleb()}"
    if imm is Imm.F32:
        raw = r.take(4)
        bits = int.from_bytes(raw, "little")
        return f"{op.name} {_float(struct.unpack('<f', raw)[0], bits, 23)}"
    if imm is Imm.F64:
        raw = r.take(8)
        bits = int.from_bytes(raw, "little")
        return f"{op.name} {_float(struct.unpack('<d', raw)[0], bits, 52)}"
    if imm is Imm.BLOCKTYPE:
        b = r.data[r.pos]
        if b == 0x40:
            r.pos += 1
            return op.name
        if b in _VALTYPE:
            r.pos += 1
            return f"{op.name} (result {_VALTYPE[b]})"
        return f"{op.name} (type {r.sleb()})"
    if imm is Imm.BR_TABLE:
        n = r.u32()
        depths = [str(r.u32()) for _ in range(n + 1)]
        return f"{op.name} {' '.join(depths)}"
    if imm is Imm.CALL_INDIRECT:
        type_idx = r.u32()
        table = r.u32()
        prefix = f"{op.name} {table}" if table else op.name
        return f"{prefix} (type {type_idx})"
    if imm is Imm.REFTYPE:
        t = r.byte()
        return f"{op.name} {_REFTYPE_SHORT.get(t, hex(t))}"
    raise AssertionError(imm)  # pragma: no cover


def _body_lines(r: _Reader, indent: str) -> list[str]:
    """Instructions up to and including the function's final `end` (not printed)."""
    lines: list[str] = []
    depth = 0
    while True:
        op = _read_opcode(r)
        name = op.name
        if name == "end":
            if depth == 0:
                if not r.at_end():
                    raise ValueError("code after the function's end")
                return lines
            depth -= 1
        elif name == "else":
            depth -= 1
        lines.append(indent + "  " * depth + _instr(r, op))
        if name in ("block", "loop", "if", "else"):
            depth += 1


def code_to_wat(body: bytes, indent: str = "") -> str:
    """Text of one function body as `FunctionBuilder.finish()` returns it (locals + code)."""
    r = _Reader(body)
    lines = _locals_lines(r, indent)
    lines += _body_lines(r, indent)
    return "\n".join(lines)


def _locals_lines(r: _Reader, indent: str) -> list[str]:
    types: list[str] = []
    for _ in range(r.u32()):
        n = r.u32()
        types += [r.valtype()] * n
    return [f"{indent}(local {' '.join(types)})"] if types else []


def _functype(params: list[str], results: list[str]) -> str:
    text = "func"
    if params:
        text += f" (param {' '.join(params)})"
    if results:
        text += f" (result {' '.join(results)})"
    return text


def to_wat(module_bytes: bytes) -> str:
    """A readable text form of a module, one instruction per line."""
    data = bytes(module_bytes)
    if data[:8] != b"\x00asm\x01\x00\x00\x00":
        raise ValueError("not a WebAssembly 1.0 binary module")
    r = _Reader(data, 8)
    out = ["(module"]
    types: list[tuple[list[str], list[str]]] = []
    counts = [0, 0, 0, 0]  # imported funcs, tables, memories, globals
    func_types: list[int] = []
    while not r.at_end():
        sid = r.byte()
        size = r.u32()
        s = _Reader(data, r.pos, r.pos + size)
        r.pos += size
        if sid == 0:
            out.append(f'  ;; custom section "{s.name()}"')
            continue
        if sid == 10:
            for i in range(s.u32()):
                n = s.u32()
                body = _Reader(data, s.pos, s.pos + n)
                s.pos += n
                idx = counts[0] + i
                params, results = types[func_types[i]]
                header = f"  (func (;{idx};) (type {func_types[i]})"
                sig = _functype(params, results)[4:]
                out.append(header + sig)
                out += _locals_lines(body, "    ")
                out += _body_lines(body, "    ")
                out.append("  )")
            continue
        if sid not in (1, 2, 3, 7, 9):
            out.append(f"  ;; section {sid} ({size} bytes) not shown")
            continue
        for _ in range(s.u32()):
            if sid == 1:
                if s.byte() != 0x60:
                    raise ValueError("unsupported type form")
                params = [s.valtype() for _ in range(s.u32())]
                results = [s.valtype() for _ in range(s.u32())]
                out.append(f"  (type (;{len(types)};) ({_functype(params, results)}))")
                types.append((params, results))
            elif sid == 2:
                module, name, kind = s.name(), s.name(), s.byte()
                idx = counts[kind]
                counts[kind] += 1
                if kind == 0:
                    desc = f"(type {s.u32()})"
                elif kind == 1:
                    elem = s.valtype()
                    desc = f"{_limits(s)} {elem}"
                elif kind == 2:
                    desc = _limits(s)
                else:
                    t = s.valtype()
                    desc = f"(mut {t})" if s.byte() else t
                out.append(f'  (import "{module}" "{name}" ({_KINDS[kind]} (;{idx};) {desc}))')
            elif sid == 3:
                func_types.append(s.u32())
            elif sid == 7:
                name, kind, idx = s.name(), s.byte(), s.u32()
                out.append(f'  (export "{name}" ({_KINDS[kind]} {idx}))')
            else:
                out.append("  " + _elem(s))
    out.append(")")
    return "\n".join(out) + "\n"


def _elem(s: _Reader) -> str:
    flags = s.u32()
    if flags == 0:
        offset = _const_expr(s)
        funcs = [str(s.u32()) for _ in range(s.u32())]
        return f"(elem ({offset}) func {' '.join(funcs)})"
    if flags == 2:
        table = s.u32()
        offset = _const_expr(s)
        s.byte()  # elemkind 0x00 = funcref
        funcs = [str(s.u32()) for _ in range(s.u32())]
        return f"(elem (table {table}) ({offset}) func {' '.join(funcs)})"
    if flags == 3:
        s.byte()
        funcs = [str(s.u32()) for _ in range(s.u32())]
        return f"(elem declare func {' '.join(funcs)})"
    raise ValueError(f"unsupported element segment flags {flags}")
