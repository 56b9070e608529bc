"""The text printer: exact output for a small module (sections in binary order), and every
opcode round-trips."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from py_backend.wasm.builder import FunctionBuilder, Immediate, ModuleBuilder, ValType
from py_backend.wasm.opcodes import OPCODES, Imm, Opcode
from py_backend.wasm.wat import code_to_wat, to_wat

I32, I64 = ValType.I32, ValType.I64

EXPECTED = """\
(module
  (type (;0;) (func (result i32)))
  (type (;1;) (func (param i64 i32) (result i64)))
  (import "env" "mem" (memory (;0;) 1))
  (import "env" "table" (table (;0;) 16 32 funcref))
  (import "env" "helper" (func (;0;) (type 1)))
  (import "env" "g" (global (;0;) (mut i64)))
  (export "tb" (func 1))
  (elem (i32.const 5) func 1)
  (func (;1;) (type 0) (result i32)
    (local i64 i64 i32)
    block (result i32)
      loop
        local.get 0
        i64.const -9223372036854775808
        i32.const 7
        call 0
        global.get 0
        i64.add
        local.tee 1
        i32.wrap_i64
        i64.load offset=4096 align=4
        local.set 0
        local.get 2
        br_if 0
      end
      i32.const 0
      if
        nop
      else
        i32.const 1
        br_table 1 0 1
      end
      f64.const -1.5
      i32.trunc_sat_f64_s
      i32.const 3
      return_call_indirect (type 0)
    end
  )
)
"""


def test_expected_text() -> None:
    m = ModuleBuilder()
    tb = m.func_type([], [I32])
    helper_type = m.func_type([I64, I32], [I64])
    m.import_memory("env", "mem", 1)
    m.import_table("env", "table", 16, 32)
    helper = m.import_func("env", "helper", helper_type)
    g = m.import_global("env", "g", I64, mutable=True)
    fb = m.function(tb)
    a, b, c = fb.add_local(I64), fb.add_local(I64), fb.add_local(I32)
    out = fb.block(I32)
    top = fb.loop()
    fb.local_get(a)
    fb.i64_const(-(2**63))
    fb.i32_const(7)
    fb.call(helper)
    fb.global_get(g)
    fb.i64_add()
    fb.local_tee(b)
    fb.i32_wrap_i64()
    fb.i64_load(offset=4096, align=4)
    fb.local_set(a)
    fb.local_get(c)
    fb.br_if(top)
    fb.end()
    fb.i32_const(0)
    cond = fb.if_()
    fb.nop()
    fb.else_()
    fb.i32_const(1)
    fb.br_table([out, cond], out)
    fb.end()
    fb.f64_const(-1.5)
    fb.i32_trunc_sat_f64_s()
    fb.i32_const(3)
    fb.return_call_indirect(tb)
    fb.end()
    m.export_func("tb", fb.index)
    m.elem_active(0, 5, [fb.index])
    assert to_wat(m.to_bytes()) == EXPECTED


def test_elem_on_other_table_and_declare() -> None:
    m = ModuleBuilder()
    m.import_table("env", "t0", 1)
    t1 = m.import_table("env", "t1", 1)
    fb = m.function(m.func_type([], []))
    fb.ref_func(fb.index)
    fb.drop()
    m.elem_active(t1, 70_000, [fb.index, fb.index])
    m.declare_funcs_for_ref([fb.index])
    text = to_wat(m.to_bytes())
    assert "(elem (table 1) (i32.const 70000) func 0 0)" in text
    assert "(elem declare func 0)" in text
    assert "    ref.func 0\n    drop\n" in text


@pytest.mark.parametrize(
    ("emit", "text"),
    [
        (lambda fb: fb.f64_const_bits(0x7FF8_0000_0000_0001), "f64.const nan:0x8000000000001"),
        (lambda fb: fb.f64_const_bits(0xFFF8_0000_0000_0000), "f64.const -nan"),
        (lambda fb: fb.f32_const(float("inf")), "f32.const inf"),
        (lambda fb: fb.f32_const(0.5), "f32.const 0.5"),
        (lambda fb: fb.i64_const(2**64 - 1), "i64.const -1"),
        (lambda fb: fb.i32_store8(offset=1), "i32.store8 offset=1"),
        (lambda fb: fb.i32_store16(align=1), "i32.store16 align=1"),
        (lambda fb: fb.call_indirect(2, 1), "call_indirect 1 (type 2)"),
        (lambda fb: fb.ref_null(), "ref.null func"),
        (lambda fb: fb.table_get(3), "table.get 3"),
    ],
)
def test_immediates(emit: Callable[[FunctionBuilder], None], text: str) -> None:
    fb = FunctionBuilder()
    emit(fb)
    assert code_to_wat(fb.finish()) == text


_ARGS: dict[Imm, tuple[Immediate, ...]] = {
    Imm.FUNC: (1,),
    Imm.LOCAL: (200,),
    Imm.GLOBAL: (0,),
    Imm.TABLE: (0,),
    Imm.TABLE_TABLE: (0, 0),
    Imm.MEMARG: (),
    Imm.I32: (-123456,),
    Imm.I64: (2**40,),
    Imm.F32: (2.5,),
    Imm.F64: (2.5,),
    Imm.CALL_INDIRECT: (0, 0),
}


@pytest.mark.parametrize("op", OPCODES, ids=lambda op: op.name)
def test_every_opcode_round_trips(op: Opcode) -> None:
    fb = FunctionBuilder()
    label = fb.block()
    if op.name in ("block", "loop", "if", "else", "end"):
        fb.if_()
        fb.else_()
        fb.end()
        fb.loop()
        fb.end()
        fb.block()
        fb.end()
    elif op.imm is Imm.LABEL:
        fb.emit(op.name, label)
    elif op.imm is Imm.BR_TABLE:
        fb.emit(op.name, [label], label)
    else:
        fb.emit(op.name, *_ARGS.get(op.imm, ()))
    fb.end()
    lines = code_to_wat(fb.finish()).splitlines()
    assert lines[0] == "block" and lines[-1] == "end"
    names = [line.split()[0] for line in lines[1:-1]]
    if op.name in ("block", "loop", "if", "else", "end"):
        assert names == ["if", "else", "end", "loop", "end", "block", "end"]
    else:
        assert names == [op.name]
