"""Builders for WebAssembly modules and function bodies, emitting binary directly.

`FunctionBuilder` has one method per opcode of `opcodes.OPCODES` ('.' -> '_', and `if_`,
`else_`, `return_` for the Python keywords); most come from the generated `_ops.OpsMixin`, the
ones that need labels, local indices or constants are written here.  Blocks return a `Label`;
branches take a label and the builder turns it into the relative depth the binary format wants.

`ModuleBuilder` collects types (de-duplicated), imports (de-duplicated by module, name and
description), functions, exports and active element segments, and writes the sections in the
order the specification requires.

Speed matters: the translator builds one module per translation block.  Everything is appended
to one `bytearray`, opcode bytes are constants in the generated methods, and the LEB128 encoders
take a one-byte fast path for small values.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from enum import IntEnum

from ._ops import OpsMixin
from .opcodes import BY_NAME, Imm

__all__ = [
    "FunctionBuilder",
    "Immediate",
    "Label",
    "ModuleBuilder",
    "ValType",
    "sleb128",
    "uleb128",
]


class ValType(IntEnum):
    I32 = 0x7F
    I64 = 0x7E
    F32 = 0x7D
    F64 = 0x7C
    FUNCREF = 0x70


_U32_MAX = 0xFFFF_FFFF
_BLOCKTYPE_EMPTY = 0x40
_END = 0x0B

_pack_f32 = struct.Struct("<f").pack
_pack_f64 = struct.Struct("<d").pack


# --- LEB128 --------------------------------------------------------------------------------
def _uleb_into(buf: bytearray, v: int) -> None:
    while v >= 0x80:
        buf.append((v & 0x7F) | 0x80)
        v >>= 7
    buf.append(v)


def _sleb_into(buf: bytearray, v: int) -> None:
    while True:
        b = v & 0x7F
        v >>= 7  # arithmetic shift: Python ints are infinitely sign-extended
        # Done when the remaining bits are all copies of the sign bit of this byte.
        if (v == 0 and not b & 0x40) or (v == -1 and b & 0x40):
            buf.append(b)
            return
        buf.append(b | 0x80)


def uleb128(v: int) -> bytes:
    """Unsigned LEB128 (any non-negative int)."""
    if v < 0:
        raise ValueError(f"uleb128 of negative value {v}")
    if v < 0x80:
        return bytes((v,))
    buf = bytearray()
    _uleb_into(buf, v)
    return bytes(buf)


def sleb128(v: int) -> bytes:
    """Signed LEB128 (any int), shortest form."""
    if -64 <= v < 64:
        return bytes((v & 0x7F,))
    buf = bytearray()
    _sleb_into(buf, v)
    return bytes(buf)


def _u32(v: int) -> bytes:
    if not 0 <= v <= _U32_MAX:
        raise ValueError(f"{v} does not fit in u32")
    return uleb128(v)


def _name(s: str) -> bytes:
    raw = s.encode("utf-8")
    return _u32(len(raw)) + raw


def _vec(items: Sequence[bytes]) -> bytes:
    return _u32(len(items)) + b"".join(items)


# Precomputed `local.get i` / `local.set i` / `local.tee i` for the one-byte indices.
_LOCAL_GET = [bytes((0x20, i)) for i in range(0x80)]
_LOCAL_SET = [bytes((0x21, i)) for i in range(0x80)]
_LOCAL_TEE = [bytes((0x22, i)) for i in range(0x80)]


# --- function bodies -----------------------------------------------------------------------
class Label:
    """An open block, loop or if; opaque to callers.  Valid as a branch target while open."""

    __slots__ = ("_builder", "_kind", "_pos")

    def __init__(self, builder: FunctionBuilder, kind: str, pos: int) -> None:
        self._builder = builder
        self._kind = kind  # "block", "loop", "if", "else"
        self._pos = pos  # index in the builder's control stack

    def __repr__(self) -> str:
        return f"<Label {self._kind} at depth {self._pos}>"


# What `FunctionBuilder.emit` passes on to an opcode's method.
Immediate = int | float | Label | Sequence[Label] | None


class FunctionBuilder(OpsMixin):
    """Builds one function body.  Get one from `ModuleBuilder.function`."""

    __slots__ = ("_body", "_code", "_labels", "_locals", "index", "params", "results")

    def __init__(
        self,
        params: Sequence[ValType] = (),
        results: Sequence[ValType] = (),
        index: int = -1,
    ) -> None:
        self.params: tuple[ValType, ...] = tuple(params)
        self.results: tuple[ValType, ...] = tuple(results)
        self.index = index  # function index in its module (-1 when built standalone)
        self._locals: list[ValType] = []
        self._code = bytearray()
        self._labels: list[Label] = []
        self._body: bytes | None = None

    # -- locals --
    def add_local(self, t: ValType) -> int:
        """Declare a local of type `t`; returns its index (locals are numbered after params)."""
        self._locals.append(ValType(t))
        return len(self.params) + len(self._locals) - 1

    def local_get(self, i: int) -> None:
        if 0 <= i < 0x80:
            self._code += _LOCAL_GET[i]
        else:
            self._code.append(0x20)
            self._u32(i)

    def local_set(self, i: int) -> None:
        if 0 <= i < 0x80:
            self._code += _LOCAL_SET[i]
        else:
            self._code.append(0x21)
            self._u32(i)

    def local_tee(self, i: int) -> None:
        if 0 <= i < 0x80:
            self._code += _LOCAL_TEE[i]
        else:
            self._code.append(0x22)
            self._u32(i)

    # -- immediates --
    def _u32(self, v: int) -> None:
        if 0 <= v < 0x80:
            self._code.append(v)
        elif v <= _U32_MAX and v > 0:
            _uleb_into(self._code, v)
        else:
            raise ValueError(f"{v} does not fit in u32")

    def _memarg(self, natural_log2: int, offset: int, align: int | None) -> None:
        """memarg: u32 log2(alignment), u32 offset.  `align` is in bytes, as in the text format;
        it is only a hint, but "the alignment must not be larger than the natural alignment"."""
        c = self._code
        if align is None:
            c.append(natural_log2)
        else:
            log2 = align.bit_length() - 1
            if align <= 0 or align & (align - 1) or log2 > natural_log2:
                raise ValueError(
                    f"align={align}: must be a power of two <= {1 << natural_log2} bytes"
                )
            c.append(log2)
        if 0 <= offset < 0x80:
            c.append(offset)
        elif 0 < offset <= _U32_MAX:
            _uleb_into(c, offset)
        else:
            raise ValueError(f"memarg offset {offset} does not fit in u32")

    # -- constants --
    def i32_const(self, v: int) -> None:
        """Any int; wrapped to 32-bit two's complement."""
        c = self._code
        c.append(0x41)
        if -64 <= v < 64:
            c.append(v & 0x7F)
            return
        v &= 0xFFFF_FFFF
        if v & 0x8000_0000:
            v -= 1 << 32
        _sleb_into(c, v)

    def i64_const(self, v: int) -> None:
        """-2**63 .. 2**64-1; values >= 2**63 are taken as their two's complement."""
        c = self._code
        c.append(0x42)
        if -64 <= v < 64:
            c.append(v & 0x7F)
            return
        if not -(1 << 63) <= v < (1 << 64):
            raise ValueError(f"i64.const {v} out of range")
        if v >= 1 << 63:
            v -= 1 << 64
        _sleb_into(c, v)

    def f32_const(self, v: float) -> None:
        self._code.append(0x43)
        self._code += _pack_f32(v)

    def f64_const(self, v: float) -> None:
        self._code.append(0x44)
        self._code += _pack_f64(v)

    def f32_const_bits(self, bits: int) -> None:
        """f32.const with the exact bit pattern (NaN payloads survive)."""
        self._code.append(0x43)
        self._code += (bits & 0xFFFF_FFFF).to_bytes(4, "little")

    def f64_const_bits(self, bits: int) -> None:
        self._code.append(0x44)
        self._code += (bits & 0xFFFF_FFFF_FFFF_FFFF).to_bytes(8, "little")

    # -- structured control --
    def _open(self, opcode: int, kind: str, result: ValType | None) -> Label:
        self._code.append(opcode)
        self._code.append(_BLOCKTYPE_EMPTY if result is None else int(result))
        label = Label(self, kind, len(self._labels))
        self._labels.append(label)
        return label

    def block(self, result: ValType | None = None) -> Label:
        return self._open(0x02, "block", result)

    def loop(self, result: ValType | None = None) -> Label:
        """A branch to a loop's label jumps back to its start."""
        return self._open(0x03, "loop", result)

    def if_(self, result: ValType | None = None) -> Label:
        return self._open(0x04, "if", result)

    def else_(self) -> None:
        if not self._labels or self._labels[-1]._kind != "if":
            raise ValueError("else_ without an open if_ as the innermost block")
        self._labels[-1]._kind = "else"
        self._code.append(0x05)

    def end(self) -> None:
        """Close the innermost block, loop or if.  `finish` writes the function's own end."""
        if not self._labels:
            raise ValueError("end with no open block")
        self._labels.pop()
        self._code.append(_END)

    def _depth(self, label: Label) -> int:
        labels = self._labels
        pos = label._pos
        if pos >= len(labels) or labels[pos] is not label:
            raise ValueError(f"branch to {label!r}, which is not open in this function")
        return len(labels) - 1 - pos

    def br(self, label: Label) -> None:
        depth = self._depth(label)
        self._code.append(0x0C)
        self._u32(depth)

    def br_if(self, label: Label) -> None:
        depth = self._depth(label)
        self._code.append(0x0D)
        self._u32(depth)

    def br_table(self, labels: Sequence[Label], default: Label) -> None:
        depths = [self._depth(label) for label in labels]
        default_depth = self._depth(default)
        self._code.append(0x0E)
        self._u32(len(depths))
        for depth in depths:
            self._u32(depth)
        self._u32(default_depth)

    # -- generic --
    def emit(self, name: str, *imms: Immediate) -> None:
        """Emit by specification name, e.g. `emit("i64.add")`, `emit("i64.load", 8)`,
        `emit("br", label)`; immediates as the named method takes them."""
        op = BY_NAME.get(name)
        if op is None:
            raise ValueError(f"unknown opcode {name!r}")
        method = getattr(self, op.method)
        method(*imms)

    def finish(self) -> bytes:
        """The function body as in a code-section entry, without its size prefix: the locals
        (consecutive locals of one type compressed into one run), the code and the final end."""
        if self._body is not None:
            return self._body
        if self._labels:
            raise ValueError(f"finish with {len(self._labels)} block(s) still open")
        runs: list[tuple[int, ValType]] = []
        for t in self._locals:
            if runs and runs[-1][1] == t:
                runs[-1] = (runs[-1][0] + 1, t)
            else:
                runs.append((1, t))
        out = bytearray()
        _uleb_into(out, len(runs))
        for n, t in runs:
            _uleb_into(out, n)
            out.append(t)
        out += self._code
        out.append(_END)
        self._body = bytes(out)
        return self._body

    @property
    def code(self) -> bytes:
        """The instructions emitted so far (no locals, no final end)."""
        return bytes(self._code)

    @property
    def size(self) -> int:
        """Bytes of code emitted so far: a position for `insert`."""
        return len(self._code)

    def insert(self, pos: int, other: FunctionBuilder) -> None:
        """Splice `other`'s code in at byte position `pos` (from `size`), e.g. a prologue that
        can only be written once the body is known.  `other` must have no open blocks (so it
        is structured on its own and no depth around `pos` changes) and no locals of its own
        (it uses this function's local indices)."""
        if other._labels:
            raise ValueError("insert of code with open blocks")
        if other._locals:
            raise ValueError("insert of code that declares locals; add them to this builder")
        if not 0 <= pos <= len(self._code):
            raise ValueError(f"insert position {pos} outside the code")
        if self._body is not None:
            raise ValueError("insert after finish")
        self._code[pos:pos] = other._code

    def prepend(self, other: FunctionBuilder) -> None:
        """`insert(0, other)`: put `other`'s code at the start of the body."""
        self.insert(0, other)


# --- modules -------------------------------------------------------------------------------
def _limits(min_: int, max_: int | None, shared: bool = False) -> bytes:
    if shared:
        if max_ is None:
            raise ValueError("a shared memory needs a maximum")
        return b"\x03" + _u32(min_) + _u32(max_)
    if max_ is None:
        return b"\x00" + _u32(min_)
    if max_ < min_:
        raise ValueError(f"limits max {max_} < min {min_}")
    return b"\x01" + _u32(min_) + _u32(max_)


_KIND_FUNC, _KIND_TABLE, _KIND_MEMORY, _KIND_GLOBAL = 0, 1, 2, 3


def _const_expr_i32(v: int) -> bytes:
    return b"\x41" + sleb128(v - (1 << 32) if v >= 1 << 31 else v) + b"\x0b"


class ModuleBuilder:
    """Builds one module.  Index spaces: imports first, then definitions, as in the spec."""

    def __init__(self) -> None:
        self._types: list[tuple[tuple[ValType, ...], tuple[ValType, ...]]] = []
        self._type_index: dict[tuple[tuple[ValType, ...], tuple[ValType, ...]], int] = {}
        self._imports: list[bytes] = []
        self._import_index: dict[tuple[str, str, int, bytes], int] = {}
        self._counts = [0, 0, 0, 0]  # imported funcs, tables, memories, globals
        self._funcs: list[FunctionBuilder] = []
        self._func_types: list[int] = []
        self._exports: list[bytes] = []
        self._export_names: set[str] = set()
        self._elems: list[bytes] = []

    def func_type(self, params: Sequence[ValType], results: Sequence[ValType]) -> int:
        """Index of the function type; equal signatures share one index."""
        key = (tuple(ValType(p) for p in params), tuple(ValType(r) for r in results))
        idx = self._type_index.get(key)
        if idx is None:
            idx = len(self._types)
            self._types.append(key)
            self._type_index[key] = idx
        return idx

    def _import(self, module: str, name: str, kind: int, desc: bytes) -> int:
        key = (module, name, kind, desc)
        idx = self._import_index.get(key)
        if idx is not None:
            return idx
        idx = self._counts[kind]
        self._counts[kind] += 1
        self._imports.append(_name(module) + _name(name) + bytes((kind,)) + desc)
        self._import_index[key] = idx
        return idx

    def import_func(self, module: str, name: str, type_idx: int) -> int:
        """Import a function (index space: imported functions come before defined ones, so this
        must be called before any `function`).  The same import twice returns the same index."""
        if self._funcs:
            raise ValueError("import_func after function(): imports must come first")
        self._check_type(type_idx)
        return self._import(module, name, _KIND_FUNC, _u32(type_idx))

    def import_table(
        self,
        module: str,
        name: str,
        min_size: int,
        max_size: int | None = None,
        elem: ValType = ValType.FUNCREF,
    ) -> int:
        return self._import(module, name, _KIND_TABLE, bytes((elem,)) + _limits(min_size, max_size))

    def import_memory(
        self,
        module: str,
        name: str,
        min_pages: int,
        max_pages: int | None = None,
        shared: bool = False,
    ) -> int:
        return self._import(module, name, _KIND_MEMORY, _limits(min_pages, max_pages, shared))

    def import_global(self, module: str, name: str, t: ValType, mutable: bool) -> int:
        return self._import(module, name, _KIND_GLOBAL, bytes((ValType(t), int(mutable))))

    def function(self, type_idx: int) -> FunctionBuilder:
        """Define a function of type `type_idx`; its `.index` is its function index."""
        params, results = self._types[self._check_type(type_idx)]
        fb = FunctionBuilder(params, results, self._counts[_KIND_FUNC] + len(self._funcs))
        self._funcs.append(fb)
        self._func_types.append(type_idx)
        return fb

    def _check_type(self, type_idx: int) -> int:
        if not 0 <= type_idx < len(self._types):
            raise ValueError(f"no function type {type_idx}")
        return type_idx

    def _export(self, name: str, kind: int, idx: int) -> None:
        if name in self._export_names:
            raise ValueError(f"duplicate export name {name!r}")
        self._export_names.add(name)
        self._exports.append(_name(name) + bytes((kind,)) + _u32(idx))

    def export_func(self, name: str, func_idx: int) -> None:
        self._export(name, _KIND_FUNC, func_idx)

    def export_table(self, name: str, idx: int) -> None:
        self._export(name, _KIND_TABLE, idx)

    def export_memory(self, name: str, idx: int) -> None:
        self._export(name, _KIND_MEMORY, idx)

    def elem_active(self, table_idx: int, offset: int, func_indices: Sequence[int]) -> None:
        """Active element segment: at instantiation, table[offset + i] = func_indices[i]."""
        funcs = _vec([_u32(f) for f in func_indices])
        if table_idx == 0:
            # flag 0: "0:u32 e:expr y*:vec(funcidx)" -- table 0, elemkind funcref implied
            self._elems.append(b"\x00" + _const_expr_i32(offset) + funcs)
        else:
            # flag 2: "2:u32 x:tableidx e:expr et:elemkind y*:vec(funcidx)"
            self._elems.append(
                b"\x02" + _u32(table_idx) + _const_expr_i32(offset) + b"\x00" + funcs
            )

    def declare_funcs_for_ref(self, func_indices: Sequence[int]) -> None:
        """Declarative element segment (flag 3), which `ref.func` of a function neither
        exported nor in another segment needs in order to validate."""
        self._elems.append(b"\x03\x00" + _vec([_u32(f) for f in func_indices]))

    def to_bytes(self) -> bytes:
        out = bytearray(b"\x00asm\x01\x00\x00\x00")

        def section(sid: int, items: Sequence[bytes]) -> None:
            if not items:
                return
            content = _vec(items)
            out.append(sid)
            _uleb_into(out, len(content))
            out.extend(content)

        section(
            1,
            [
                b"\x60" + _vec([bytes((p,)) for p in ps]) + _vec([bytes((r,)) for r in rs])
                for ps, rs in self._types
            ],
        )
        section(2, self._imports)
        section(3, [_u32(t) for t in self._func_types])
        section(7, self._exports)
        section(9, self._elems)
        bodies = []
        for fb in self._funcs:
            body = fb.finish()
            bodies.append(_u32(len(body)) + body)
        section(10, bodies)
        return bytes(out)


# Every opcode in the table must have a builder method.
for _op in BY_NAME.values():
    assert hasattr(FunctionBuilder, _op.method), _op.name
    assert _op.imm is not Imm.MEMARG or _op.natural_align in (1, 2, 4, 8, 16)
del _op
