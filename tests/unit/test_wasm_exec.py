"""Modules from the builder validate and run in wasmtime."""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from typing import Any

import pytest
import wasmtime

from py_backend.wasm.builder import FunctionBuilder, ModuleBuilder, ValType

I32, I64, F32, F64 = ValType.I32, ValType.I64, ValType.F32, ValType.F64


@pytest.fixture
def store() -> Any:
    config = wasmtime.Config()
    config.wasm_tail_call = True
    return wasmtime.Store(wasmtime.Engine(config))


def instantiate(store: Any, m: ModuleBuilder, imports: list[Any] | None = None) -> Any:
    module = wasmtime.Module(store.engine, m.to_bytes())
    return wasmtime.Instance(store, module, imports or [])


def one_func(
    store: Any,
    params: list[ValType],
    results: list[ValType],
    body: Callable[[FunctionBuilder], None],
) -> Callable[..., Any]:
    """A module exporting one function `f`; returns a Python callable for it."""
    m = ModuleBuilder()
    fb = m.function(m.func_type(params, results))
    body(fb)
    m.export_func("f", fb.index)
    f = instantiate(store, m).exports(store)["f"]
    return lambda *args: f(store, *args)


def test_i64_arithmetic(store: Any) -> None:
    def body(fb: FunctionBuilder) -> None:
        # ((a * b) - (a >>u 3)) ^ rotl(b, 17), then sign-extend the low 32 bits and add
        fb.local_get(0)
        fb.local_get(1)
        fb.i64_mul()
        fb.local_get(0)
        fb.i64_const(3)
        fb.i64_shr_u()
        fb.i64_sub()
        fb.local_get(1)
        fb.i64_const(17)
        fb.i64_rotl()
        fb.i64_xor()
        fb.local_tee(2)
        fb.local_get(2)
        fb.i64_extend32_s()
        fb.i64_add()

    def fb_with_local(fb: FunctionBuilder) -> None:
        assert fb.add_local(I64) == 2
        body(fb)

    f = one_func(store, [I64, I64], [I64], fb_with_local)
    mask = (1 << 64) - 1

    def model(a: int, b: int) -> int:
        a &= mask
        b &= mask
        v = ((a * b) - (a >> 3)) & mask
        v ^= ((b << 17) | (b >> 47)) & mask
        low = v & 0xFFFF_FFFF
        low -= (low & 0x8000_0000) << 1
        r = (v + low) & mask
        return r - (1 << 64) if r >> 63 else r

    for a, b in [(3, 4), (-1, 7), (2**63 - 1, -(2**63)), (0x1234_5678_9ABC_DEF0, 0x0FED_CBA9)]:
        assert f(a, b) == model(a, b)


def test_i32_ops_and_select(store: Any) -> None:
    def body(fb: FunctionBuilder) -> None:
        fb.local_get(0)
        fb.i32_const(0xFF)
        fb.i32_and()
        fb.i32_extend8_s()  # signed low byte
        fb.local_get(0)
        fb.i32_popcnt()
        fb.local_get(0)
        fb.i32_const(0)
        fb.i32_lt_s()
        fb.select()

    f = one_func(store, [I32], [I32], body)
    assert f(-2) == -2  # negative -> low byte sign-extended
    assert f(0x7F) == 7  # positive -> popcount
    assert f(0x80) == 1


@pytest.mark.parametrize(
    "value", [0, 1, -1, 63, 64, -64, -65, 2**31, -(2**31) - 1, 2**63 - 1, -(2**63)]
)
def test_i64_const_extremes(store: Any, value: int) -> None:
    f = one_func(store, [], [I64], lambda fb: fb.i64_const(value))
    assert f() == value


@pytest.mark.parametrize(("value", "expect"), [(2**64 - 1, -1), (2**63, -(2**63))])
def test_i64_const_unsigned_input(store: Any, value: int, expect: int) -> None:
    assert one_func(store, [], [I64], lambda fb: fb.i64_const(value))() == expect


@pytest.mark.parametrize(("value", "expect"), [(0xFFFF_FFFF, -1), (2**31, -(2**31)), (-5, -5)])
def test_i32_const_wraps(store: Any, value: int, expect: int) -> None:
    assert one_func(store, [], [I32], lambda fb: fb.i32_const(value))() == expect


def test_f64_ops(store: Any) -> None:
    def body(fb: FunctionBuilder) -> None:
        # sqrt(a*a + b*b) + copysign(0.25, b)
        fb.local_get(0)
        fb.local_get(0)
        fb.f64_mul()
        fb.local_get(1)
        fb.local_get(1)
        fb.f64_mul()
        fb.f64_add()
        fb.f64_sqrt()
        fb.f64_const(0.25)
        fb.local_get(1)
        fb.f64_copysign()
        fb.f64_add()

    f = one_func(store, [F64, F64], [F64], body)
    assert f(3.0, 4.0) == 5.25
    assert f(3.0, -4.0) == 4.75


def test_f64_bits_and_conversions(store: Any) -> None:
    nan_bits = 0x7FF8_0000_0000_1234

    def bits(fb: FunctionBuilder) -> None:
        fb.f64_const_bits(nan_bits)
        fb.i64_reinterpret_f64()

    assert one_func(store, [], [I64], bits)() == nan_bits

    def sat(fb: FunctionBuilder) -> None:
        fb.local_get(0)
        fb.i32_trunc_sat_f64_s()

    f = one_func(store, [F64], [I32], sat)
    assert f(1e20) == 2**31 - 1
    assert f(-1e20) == -(2**31)
    assert f(math.nan) == 0
    assert f(-7.9) == -7

    def f32_roundtrip(fb: FunctionBuilder) -> None:
        fb.f32_const(1.5)
        fb.f64_promote_f32()
        fb.f32_const_bits(0x4000_0000)  # 2.0
        fb.f64_promote_f32()
        fb.f64_mul()
        fb.i64_trunc_f64_s()
        fb.f32_convert_i64_s()
        fb.i32_reinterpret_f32()

    got = one_func(store, [], [I32], f32_roundtrip)()
    assert struct.unpack("<f", struct.pack("<i", got))[0] == 3.0


def test_nested_blocks_br_table(store: Any) -> None:
    """br_table over 4 nested blocks plus a default; each exit returns a distinct value."""

    def body(fb: FunctionBuilder) -> None:
        outer = fb.block(I32)
        labels = [fb.block() for _ in range(4)]
        fb.local_get(0)
        # index 0 -> innermost, 1 -> next, ... ; default -> labels[0] (the outermost of the 4)
        fb.br_table([labels[3], labels[2], labels[1]], labels[0])
        for i in range(3, -1, -1):
            fb.end()  # close labels[i]; code after it runs when labels[i] is taken
            fb.i32_const(100 + i)
            fb.br(outer)
        fb.end()

    f = one_func(store, [I32], [I32], body)
    assert [f(i) for i in range(6)] == [103, 102, 101, 100, 100, 100]


def test_br_if_and_if_else(store: Any) -> None:
    def body(fb: FunctionBuilder) -> None:
        done = fb.block(I32)
        fb.i32_const(-1)
        fb.local_get(0)
        fb.i32_eqz()
        fb.br_if(done)  # x == 0 -> -1
        fb.drop()
        fb.local_get(0)
        fb.i32_const(10)
        fb.i32_gt_u()
        fb.if_(I32)
        fb.i32_const(1)
        fb.else_()
        inner = fb.block(I32)
        fb.i32_const(2)
        fb.local_get(0)
        fb.i32_const(5)
        fb.i32_eq()
        fb.br_if(inner)
        fb.drop()
        fb.i32_const(3)
        fb.end()
        fb.end()
        fb.end()

    f = one_func(store, [I32], [I32], body)
    assert [f(0), f(11), f(5), f(6)] == [-1, 1, 2, 3]


def test_loop_sum(store: Any) -> None:
    def body(fb: FunctionBuilder) -> None:
        acc = fb.add_local(I64)
        top = fb.loop()
        fb.local_get(acc)
        fb.local_get(0)
        fb.i64_extend_i32_u()
        fb.i64_add()
        fb.local_set(acc)
        fb.local_get(0)
        fb.i32_const(1)
        fb.i32_sub()
        fb.local_tee(0)
        fb.br_if(top)
        fb.end()
        fb.local_get(acc)

    f = one_func(store, [I32], [I64], body)
    assert f(100) == 5050
    assert f(100_000) == 100_000 * 100_001 // 2


def test_many_locals_and_big_indices(store: Any) -> None:
    def body(fb: FunctionBuilder) -> None:
        idx = [fb.add_local(I32 if i % 3 else I64) for i in range(300)]
        assert idx[-1] == 299
        i32_local = next(i for i in reversed(idx) if i % 3)  # > 127: two-byte index
        fb.i32_const(7)
        fb.local_set(i32_local)
        fb.local_get(i32_local)
        fb.local_tee(i32_local)

    assert one_func(store, [], [I32], body)() == 7


def test_imported_memory_store(store: Any) -> None:
    mem = wasmtime.Memory(store, wasmtime.MemoryType(wasmtime.Limits(2, 4)))
    m = ModuleBuilder()
    assert m.import_memory("env", "mem", 2, 4) == 0
    fb = m.function(m.func_type([I32, I64], [I32]))
    fb.local_get(0)
    fb.local_get(1)
    fb.i64_store(offset=8)
    fb.local_get(0)
    fb.local_get(1)
    fb.i64_const(32)
    fb.i64_shr_u()
    fb.i64_store32(offset=70_000)  # > 1 page: multi-byte offset
    fb.local_get(0)
    fb.i32_const(0xAB)
    fb.i32_const(4)
    fb.memory_fill()
    fb.i32_const(0x100)
    fb.local_get(0)
    fb.i32_const(16)
    fb.memory_copy()
    fb.memory_size()
    m.export_func("f", fb.index)
    f = instantiate(store, m, [mem]).exports(store)["f"]
    assert f(store, 16, 0x1122_3344_5566_7788) == 2
    data = mem.read(store, 0, 70_100)
    assert data[16:20] == b"\xab" * 4
    assert data[24:32] == (0x1122_3344_5566_7788).to_bytes(8, "little")
    assert data[0x100:0x110] == data[16:32]
    assert data[70_016:70_020] == (0x1122_3344).to_bytes(4, "little")


def _tail_call_module(
    table_slot: int, next_slot: int, counter_addr: int, table_idx: int = 0
) -> ModuleBuilder:
    """A TB-like module: () -> i32 at table[table_slot]; decrement the counter in memory and
    return its address when it reaches 0, else return_call_indirect table[next_slot]."""
    m = ModuleBuilder()
    m.import_memory("env", "mem", 1)
    tables = [m.import_table("env", f"table{i}", 16) for i in range(table_idx + 1)]
    tb_type = m.func_type([], [I32])
    fb = m.function(tb_type)
    fb.i32_const(counter_addr)
    fb.i32_const(counter_addr)
    fb.i32_load()
    fb.i32_const(1)
    fb.i32_sub()
    fb.local_tee(fb.add_local(I32))
    fb.i32_store()
    fb.local_get(0)
    fb.i32_eqz()
    fb.if_()
    fb.i32_const(counter_addr)
    fb.return_()
    fb.end()
    fb.i32_const(next_slot)
    fb.return_call_indirect(tb_type, tables[table_idx])
    m.elem_active(tables[table_idx], table_slot, [fb.index])
    return m


@pytest.mark.parametrize("table_idx", [0, 1])
def test_return_call_indirect_chain_between_modules(store: Any, table_idx: int) -> None:
    """Two modules share memory and table; each tail-calls the other through the table.
    200k alternations would overflow the stack without real tail calls."""
    mem = wasmtime.Memory(store, wasmtime.MemoryType(wasmtime.Limits(1, None)))
    tables = [
        wasmtime.Table(
            store, wasmtime.TableType(wasmtime.ValType.funcref(), wasmtime.Limits(16, None)), None
        )
        for _ in range(table_idx + 1)
    ]
    imports = [mem, *tables]
    instantiate(store, _tail_call_module(5, 9, 64, table_idx), imports)
    instantiate(store, _tail_call_module(9, 5, 64, table_idx), imports)
    mem.write(store, (200_000).to_bytes(4, "little"), 64)
    entry = tables[table_idx].get(store, 5)
    assert entry is not None
    assert entry(store) == 64
    assert mem.read(store, 64, 68) == bytes(4)


def test_import_dedup_and_func_types(store: Any) -> None:
    m = ModuleBuilder()
    t1 = m.func_type([I64, I32], [I64])
    t2 = m.func_type((I64, I32), (I64,))
    assert t1 == t2
    helper_a = m.import_func("env", "a", t1)
    helper_b = m.import_func("env", "b", t2)
    assert m.import_func("env", "a", t1) == helper_a
    assert (helper_a, helper_b) == (0, 1)
    g = m.import_global("env", "g", I64, mutable=True)
    fb = m.function(m.func_type([], [I64]))
    assert fb.index == 2
    with pytest.raises(ValueError):
        m.import_func("env", "late", t1)
    fb.i64_const(40)
    fb.i32_const(1)
    fb.call(helper_a)
    fb.i32_const(2)
    fb.call(helper_b)
    fb.global_get(g)
    fb.i64_add()
    m.export_func("f", fb.index)
    data = m.to_bytes()
    # the type section holds exactly two types: (i64 i32) -> i64 and () -> i64
    assert data[8] == 1 and data[10] == 2

    ft = wasmtime.FuncType(
        [wasmtime.ValType.i64(), wasmtime.ValType.i32()], [wasmtime.ValType.i64()]
    )
    a = wasmtime.Func(store, ft, lambda x, y: x + y)
    b = wasmtime.Func(store, ft, lambda x, y: x * y)
    glob = wasmtime.Global(store, wasmtime.GlobalType(wasmtime.ValType.i64(), True), 1000)
    f = instantiate(store, m, [a, b, glob]).exports(store)["f"]
    assert f(store) == (40 + 1) * 2 + 1000


def test_exports_of_memory_and_table(store: Any) -> None:
    mem = wasmtime.Memory(store, wasmtime.MemoryType(wasmtime.Limits(1, None)))
    table = wasmtime.Table(
        store, wasmtime.TableType(wasmtime.ValType.funcref(), wasmtime.Limits(4, None)), None
    )
    m = ModuleBuilder()
    m.import_memory("env", "mem", 1)
    m.import_table("env", "table", 4)
    m.export_memory("m", 0)
    m.export_table("t", 0)
    fb = m.function(m.func_type([], [I32]))
    fb.i32_const(0)
    fb.table_get()
    fb.ref_is_null()
    fb.table_size()
    fb.i32_add()
    m.export_func("f", fb.index)
    with pytest.raises(ValueError):
        m.export_func("f", fb.index)
    exports = instantiate(store, m, [mem, table]).exports(store)
    assert exports["f"](store) == 5
    assert isinstance(exports["m"], wasmtime.Memory)


def test_ref_func_needs_declaration(store: Any) -> None:
    table = wasmtime.Table(
        store, wasmtime.TableType(wasmtime.ValType.funcref(), wasmtime.Limits(4, None)), None
    )
    m = ModuleBuilder()
    m.import_table("env", "table", 4)
    t = m.func_type([], [I32])
    target = m.function(t)
    target.i32_const(77)
    fb = m.function(t)
    fb.i32_const(3)
    fb.ref_func(target.index)
    fb.table_set()
    fb.i32_const(3)
    fb.call_indirect(t)
    m.declare_funcs_for_ref([target.index])
    m.export_func("f", fb.index)
    assert instantiate(store, m, [table]).exports(store)["f"](store) == 77


def test_invalid_module_is_rejected(store: Any) -> None:
    """Sanity check that validation is really on: an i32 result from an i64 function."""
    m = ModuleBuilder()
    fb = m.function(m.func_type([], [I64]))
    fb.i32_const(1)
    with pytest.raises(wasmtime.WasmtimeError):
        wasmtime.Module(store.engine, m.to_bytes())


def test_prepend_prologue(store: Any) -> None:
    """A prologue written after the body (as the translator does for register loads)."""

    def body(fb: FunctionBuilder) -> None:
        x = fb.add_local(I64)
        out = fb.block()
        fb.local_get(x)
        fb.i64_eqz()
        fb.br_if(out)
        fb.local_get(x)
        fb.i64_const(3)
        fb.i64_mul()
        fb.local_set(x)
        fb.end()
        fb.local_get(x)
        pro = FunctionBuilder()
        pro.local_get(0)
        pro.local_set(x)
        with pytest.raises(ValueError):
            fb.insert(fb.size + 1, pro)
        fb.prepend(pro)

    f = one_func(store, [I64], [I64], body)
    assert f(5) == 15
    assert f(0) == 0


def _lanes_fn(op: str, s: str, w: int) -> Callable[[int, int], int]:
    """Python's lane operation for a min/max/compare of w-byte lanes (s: "_s" signed)."""

    def fn(x: int, y: int) -> int:
        if s == "_s":
            x, y = (v - (v >> (8 * w - 1) << 8 * w) for v in (x, y))
        if op in ("min", "max"):
            return (min if op == "min" else max)(x, y)
        cmp = {"eq": x == y, "ne": x != y, "lt": x < y, "gt": x > y, "le": x <= y, "ge": x >= y}
        return -1 if cmp[op] else 0

    return fn


# The SIMD operations the vector extension's semantics use, on a memory of two 16-byte
# operands (a at 0, b at 16): each result is stored at 32 and compared with Python's lanes.
_SIMD_CASES: list[tuple[str, int, Callable[[int, int], int]]] = [
    *((f"i{8 * w}x{16 // w}.add", w, lambda x, y: x + y) for w in (1, 2, 4, 8)),
    *((f"i{8 * w}x{16 // w}.sub", w, lambda x, y: x - y) for w in (1, 2, 4, 8)),
    *((f"i{8 * w}x{16 // w}.mul", w, lambda x, y: x * y) for w in (2, 4, 8)),
    ("v128.and", 8, lambda x, y: x & y),
    ("v128.or", 8, lambda x, y: x | y),
    ("v128.xor", 8, lambda x, y: x ^ y),
    *(
        (f"i{8 * w}x{16 // w}.{op}{s}", w, _lanes_fn(op, s, w))
        for w in (1, 2, 4)
        for op in ("min", "max", "lt", "gt", "le", "ge")
        for s in ("_s", "_u")
    ),
    *(
        (f"i{8 * w}x{16 // w}.{op}", w, _lanes_fn(op, "_u", w))
        for w in (1, 2, 4, 8)
        for op in ("eq", "ne")
    ),
    *((f"i64x2.{op}_s", 8, _lanes_fn(op, "_s", 8)) for op in ("lt", "gt", "le", "ge")),
]


@pytest.mark.parametrize(("name", "width", "fn"), _SIMD_CASES, ids=[c[0] for c in _SIMD_CASES])
def test_simd_lanes(store: Any, name: str, width: int, fn: Callable[[int, int], int]) -> None:
    mem = wasmtime.Memory(store, wasmtime.MemoryType(wasmtime.Limits(1, None)))
    m = ModuleBuilder()
    m.import_memory("env", "mem", 1)
    fb = m.function(m.func_type([], []))
    fb.i32_const(32)
    fb.i32_const(0)
    fb.v128_load()
    fb.i32_const(16)
    fb.v128_load(0)
    fb.emit(name)
    fb.v128_store()
    m.export_func("f", fb.index)
    a = bytes((k * 37 + 200) & 0xFF for k in range(16))
    b = bytes((k * 91 + 77) & 0xFF for k in range(16))
    mem.write(store, a + b, 0)
    instantiate(store, m, [mem]).exports(store)["f"](store)
    got = mem.read(store, 32, 48)
    mask = (1 << 8 * width) - 1
    want = b"".join(
        (fn(int.from_bytes(a[k : k + width], "little"), int.from_bytes(b[k : k + width], "little"))
         & mask).to_bytes(width, "little")
        for k in range(0, 16, width)
    )  # fmt: skip
    assert got == want


@pytest.mark.parametrize("width", [1, 2, 4, 8])
def test_simd_splat(store: Any, width: int) -> None:
    mem = wasmtime.Memory(store, wasmtime.MemoryType(wasmtime.Limits(1, None)))
    m = ModuleBuilder()
    m.import_memory("env", "mem", 1)
    fb = m.function(m.func_type([I64], []))
    fb.i32_const(0)
    fb.local_get(0)
    if width < 8:
        fb.i32_wrap_i64()
    fb.emit(f"i{8 * width}x{16 // width}.splat")
    fb.v128_store()
    m.export_func("f", fb.index)
    instantiate(store, m, [mem]).exports(store)["f"](store, -0x0123456789ABCDEF)
    lane = ((-0x0123456789ABCDEF) & ((1 << 8 * width) - 1)).to_bytes(width, "little")
    assert mem.read(store, 0, 16) == lane * (16 // width)


def _run_simd(
    store: Any, body: Callable[[Any], None], a: bytes, b: bytes, ret: bool = False
) -> Any:
    """Run body with a at 0 and b at 16 in memory; its v128 result is stored at 32 (ret: an i32
    result is returned); return the 16 bytes at 32 or the i32."""
    mem = wasmtime.Memory(store, wasmtime.MemoryType(wasmtime.Limits(1, None)))
    m = ModuleBuilder()
    m.import_memory("env", "mem", 1)
    fb = m.function(m.func_type([], [I32] if ret else []))
    if not ret:
        fb.i32_const(32)
    body(fb)
    if not ret:
        fb.v128_store()
    m.export_func("f", fb.index)
    mem.write(store, a + b, 0)
    got = instantiate(store, m, [mem]).exports(store)["f"](store)
    return got if ret else mem.read(store, 32, 48)


_A = bytes((k * 37 + 200) & 0xFF for k in range(16))
_B = bytes((k * 91 + 77) & 0xFF for k in range(16))


def _lanes(data: bytes, w: int, signed: bool) -> list[int]:
    return [int.from_bytes(data[k : k + w], "little", signed=signed) for k in range(0, 16, w)]


def _pack(values: list[int], w: int) -> bytes:
    return b"".join((v & ((1 << 8 * w) - 1)).to_bytes(w, "little") for v in values)


@pytest.mark.parametrize("w", [1, 2, 4])
@pytest.mark.parametrize("half", ["low", "high"])
@pytest.mark.parametrize("s", ["s", "u"])
def test_simd_extend_extmul(store: Any, w: int, half: str, s: str) -> None:
    wide, narrow = f"i{16 * w}x{8 // w}", f"i{8 * w}x{16 // w}"
    xs, ys = _lanes(_A, w, s == "s"), _lanes(_B, w, s == "s")
    part = slice(0, 8 // w) if half == "low" else slice(8 // w, 16 // w)

    def ext(fb: Any) -> None:
        fb.i32_const(0)
        fb.v128_load()
        fb.emit(f"{wide}.extend_{half}_{narrow}_{s}")

    def extmul(fb: Any) -> None:
        fb.i32_const(0)
        fb.v128_load()
        fb.i32_const(16)
        fb.v128_load()
        fb.emit(f"{wide}.extmul_{half}_{narrow}_{s}")

    assert _run_simd(store, ext, _A, _B) == _pack(xs[part], 2 * w)
    prods = [x * y for x, y in zip(xs[part], ys[part], strict=True)]
    assert _run_simd(store, extmul, _A, _B) == _pack(prods, 2 * w)


@pytest.mark.parametrize("w", [1, 2, 4, 8])
@pytest.mark.parametrize("op", ["shl", "shr_s", "shr_u"])
def test_simd_shift_bitmask(store: Any, w: int, op: str) -> None:
    shape = f"i{8 * w}x{16 // w}"
    n = 8 * w + 3  # the amount is taken modulo the lane width

    def shift(fb: Any) -> None:
        fb.i32_const(0)
        fb.v128_load()
        fb.i32_const(n)
        fb.emit(f"{shape}.{op}")

    xs = _lanes(_A, w, op == "shr_s")
    want = [x << 3 if op == "shl" else x >> 3 for x in xs]
    assert _run_simd(store, shift, _A, _B) == _pack(want, w)

    def bitmask(fb: Any) -> None:
        fb.i32_const(0)
        fb.v128_load()
        fb.emit(f"{shape}.bitmask")

    bits = sum(1 << k for k, x in enumerate(_lanes(_A, w, True)) if x < 0)
    assert _run_simd(store, bitmask, _A, _B, ret=True) == bits


def test_simd_bitselect(store: Any) -> None:
    def sel(fb: Any) -> None:
        for a in (0, 16, 0):
            fb.i32_const(a)
            fb.v128_load()
        fb.i32_const(16)
        fb.v128_load()
        fb.v128_xor()
        fb.emit("v128.bitselect")

    a, b = int.from_bytes(_A, "little"), int.from_bytes(_B, "little")
    m = a ^ b
    want = (a & m | b & ~m) & ((1 << 128) - 1)
    assert _run_simd(store, sel, _A, _B) == want.to_bytes(16, "little")
