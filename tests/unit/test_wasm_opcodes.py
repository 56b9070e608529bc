"""The opcode table, the generated builder methods and the LEB128 encoders."""

from __future__ import annotations

from pathlib import Path

import pytest

from py_backend.wasm import opcodes
from py_backend.wasm.builder import FunctionBuilder, Immediate, ValType, sleb128, uleb128
from py_backend.wasm.opcodes import BY_CODE, BY_NAME, OPCODES, Imm


def test_no_duplicate_names_or_codes() -> None:
    names = [op.name for op in OPCODES]
    codes = [op.code for op in OPCODES]
    assert len(names) == len(set(names))
    assert len(codes) == len(set(codes))
    assert len(BY_NAME) == len(BY_CODE) == len(OPCODES)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("unreachable", b"\x00"),
        ("return_call", b"\x12"),
        ("return_call_indirect", b"\x13"),
        ("table.get", b"\x25"),
        ("table.set", b"\x26"),
        ("i32.load8_u", b"\x2d"),
        ("i64.store32", b"\x3e"),
        ("memory.grow", b"\x40"),
        ("i32.ge_u", b"\x4f"),
        ("i64.ge_u", b"\x5a"),
        ("f64.ge", b"\x66"),
        ("i32.rotr", b"\x78"),
        ("i64.add", b"\x7c"),
        ("i64.rotr", b"\x8a"),
        ("f32.copysign", b"\x98"),
        ("f64.copysign", b"\xa6"),
        ("i32.wrap_i64", b"\xa7"),
        ("i64.extend_i32_s", b"\xac"),
        ("f32.demote_f64", b"\xb6"),
        ("f64.promote_f32", b"\xbb"),
        ("f64.reinterpret_i64", b"\xbf"),
        ("i32.extend8_s", b"\xc0"),
        ("i64.extend32_s", b"\xc4"),
        ("ref.func", b"\xd2"),
        ("i32.trunc_sat_f32_s", b"\xfc\x00"),
        ("i32.trunc_sat_f64_s", b"\xfc\x02"),
        ("i64.trunc_sat_f64_u", b"\xfc\x07"),
        ("memory.copy", b"\xfc\x0a"),
        ("memory.fill", b"\xfc\x0b"),
        ("v128.load", b"\xfd\x00"),
        ("v128.store", b"\xfd\x0b"),
        ("i8x16.splat", b"\xfd\x0f"),
        ("i64x2.splat", b"\xfd\x12"),
        ("v128.xor", b"\xfd\x51"),
        ("i8x16.add", b"\xfd\x6e"),
        ("i16x8.sub", b"\xfd\x91\x01"),
        ("i64x2.add", b"\xfd\xce\x01"),
    ],
)
def test_known_codes(name: str, code: bytes) -> None:
    assert BY_NAME[name].code == code


def test_table_covers_numeric_ops() -> None:
    n = len(
        [
            op
            for op in OPCODES
            if op.imm is Imm.NONE and op.name[:3] in ("i32", "i64") and op.code[0] != 0xFD
        ]
    )  # (scalar ones: not i32x4.* and i64x2.*)
    # 2 eqz + 20 rel + 6 unary + 30 binary + 11 int conversions + 2 reinterpret + 5 extend + 8 sat
    assert n == 2 + 20 + 6 + 30 + 11 + 2 + 5 + 8
    for t in ("f32", "f64"):
        for f in "abs neg ceil floor trunc nearest sqrt add sub mul div min max copysign".split():
            assert f"{t}.{f}" in BY_NAME


def test_generated_ops_up_to_date() -> None:
    path = Path(opcodes.__file__).with_name("_ops.py")
    assert path.read_text() == opcodes.render_ops_module(), (
        "regenerate: python -m py_backend.wasm.opcodes > py_backend/wasm/_ops.py"
    )


_DUMMY: dict[Imm, tuple[Immediate, ...]] = {
    Imm.NONE: (),
    Imm.FUNC: (5,),
    Imm.LOCAL: (1,),
    Imm.GLOBAL: (2,),
    Imm.TABLE: (0,),
    Imm.TABLE_TABLE: (0, 0),
    Imm.MEMARG: (16,),
    Imm.MEMARG_LANE: (16, 1),
    Imm.MEMORY: (),
    Imm.MEMORY_MEMORY: (),
    Imm.I32: (-1,),
    Imm.I64: (-1,),
    Imm.F32: (1.5,),
    Imm.F64: (1.5,),
    Imm.BLOCKTYPE: (),
    Imm.CALL_INDIRECT: (3, 0),
    Imm.REFTYPE: (),
}


@pytest.mark.parametrize("op", OPCODES, ids=lambda op: op.name)
def test_every_opcode_encodes(op: opcodes.Opcode) -> None:
    fb = FunctionBuilder((ValType.I32, ValType.I32))
    outer = fb.block()
    start = len(fb.code)
    if op.name == "else":
        fb.if_()
        start = len(fb.code)
        fb.else_()
        fb.end()
    elif op.name == "end":
        fb.block()
        start = len(fb.code)
        fb.end()
    elif op.imm is Imm.LABEL:
        fb.emit(op.name, outer)
    elif op.imm is Imm.BR_TABLE:
        fb.emit(op.name, [outer], outer)
    else:
        fb.emit(op.name, *_DUMMY[op.imm])
        if op.imm is Imm.BLOCKTYPE:
            fb.end()
    assert fb.code[start:].startswith(op.code)
    fb.end()
    assert fb.finish().endswith(b"\x0b")


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0, b"\x00"),
        (63, b"\x3f"),
        (64, b"\xc0\x00"),
        (-1, b"\x7f"),
        (-64, b"\x40"),
        (-65, b"\xbf\x7f"),
        (127, b"\xff\x00"),
        (-128, b"\x80\x7f"),
        (2**63 - 1, b"\xff" * 9 + b"\x00"),
        (-(2**63), b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7f"),
    ],
)
def test_sleb128(value: int, encoded: bytes) -> None:
    assert sleb128(value) == encoded
    assert _decode_sleb(encoded) == value


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0, b"\x00"),
        (63, b"\x3f"),
        (64, b"\x40"),
        (127, b"\x7f"),
        (128, b"\x80\x01"),
        (624485, b"\xe5\x8e\x26"),
        (2**32 - 1, b"\xff\xff\xff\xff\x0f"),
    ],
)
def test_uleb128(value: int, encoded: bytes) -> None:
    assert uleb128(value) == encoded


def test_uleb128_rejects_negative() -> None:
    with pytest.raises(ValueError):
        uleb128(-1)


def test_sleb128_roundtrip_exhaustive_small() -> None:
    for v in range(-70000, 70000, 7):
        assert _decode_sleb(sleb128(v)) == v


def _decode_sleb(data: bytes) -> int:
    result = shift = 0
    for b in data:
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            if b & 0x40:
                result -= 1 << shift
            break
    return result


def test_const_wrapping() -> None:
    fb = FunctionBuilder()
    fb.i32_const(0xFFFF_FFFF)  # wraps to -1
    fb.i32_const(2**31)  # wraps to -2**31
    fb.i64_const(2**64 - 1)  # -1
    fb.i64_const(2**63)  # -2**63
    assert fb.code == (
        b"\x41\x7f"
        + b"\x41" + sleb128(-(2**31))
        + b"\x42\x7f"
        + b"\x42" + sleb128(-(2**63))
    )  # fmt: skip
    with pytest.raises(ValueError):
        fb.i64_const(2**64)


def test_memarg_encoding() -> None:
    fb = FunctionBuilder()
    fb.i64_load()
    fb.i32_load8_u(offset=2**32 - 1)
    fb.i64_store(offset=200, align=1)
    assert fb.code == b"\x29\x03\x00" + b"\x2d\x00\xff\xff\xff\xff\x0f" + b"\x37\x00\xc8\x01"
    with pytest.raises(ValueError):
        fb.i32_load(align=8)  # above natural alignment
    with pytest.raises(ValueError):
        fb.i32_load(offset=2**32)


def test_labels() -> None:
    fb = FunctionBuilder()
    a = fb.block()
    b = fb.loop()
    fb.br(a)
    fb.br(b)
    fb.end()
    with pytest.raises(ValueError):
        fb.br(b)  # closed
    with pytest.raises(ValueError):
        fb.finish()  # a still open
    fb.end()
    with pytest.raises(ValueError):
        fb.end()
    with pytest.raises(ValueError):
        fb.else_()
    other = FunctionBuilder()
    with pytest.raises(ValueError):
        other.br(a)
    assert fb.finish() == b"\x00" + b"\x02\x40\x03\x40\x0c\x01\x0c\x00\x0b\x0b" + b"\x0b"


def test_locals_compressed_into_runs() -> None:
    fb = FunctionBuilder((ValType.I32,))
    idx = [fb.add_local(t) for t in (ValType.I64, ValType.I64, ValType.F64, ValType.I64)]
    assert idx == [1, 2, 3, 4]
    assert fb.finish() == b"\x03\x02\x7e\x01\x7c\x01\x7e\x0b"
