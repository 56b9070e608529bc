"""The CPU state API (py_backend/cpu.py) and the layout formulas Python and Wasm share."""

from __future__ import annotations

import random
from typing import Any

import pytest
import wasmtime

from py_backend import abi
from py_backend.cpu import CpuState, clone_state
from py_backend.memory import BufferMemory
from py_backend.translate.codegen import emit_jmp_cache_offset
from py_backend.wasm.builder import FunctionBuilder, ModuleBuilder, ValType

pytestmark = pytest.mark.all_tiers  # no guest code runs

M64 = (1 << 64) - 1


def fresh() -> tuple[BufferMemory, CpuState]:
    mem = BufferMemory(bytearray(abi.CPU + abi.CPU_SIZE + 64))
    return mem, CpuState(mem)


def test_registers_land_at_the_abi_offsets() -> None:
    mem, cpu = fresh()
    cpu.set_x(5, -1)
    cpu.set_f(31, 0x7FF8_0000_0000_0001)
    cpu.set_pc(0x1_0000_0004)
    assert mem.read(abi.x_addr(5), 8) == b"\xff" * 8
    assert int.from_bytes(mem.read(abi.f_addr(31), 8), "little") == 0x7FF8_0000_0000_0001
    assert int.from_bytes(mem.read(abi.CPU_PC, 8), "little") == 0x1_0000_0004
    assert cpu.get_x(5) == M64 and cpu.get_pc() == 0x1_0000_0004


def test_x0_is_zero_and_not_written() -> None:
    mem, cpu = fresh()
    cpu.set_x(0, 1234)
    assert cpu.get_x(0) == 0 and mem.read(abi.x_addr(0), 8) == bytes(8)


def test_fcsr_splits_into_fflags_and_frm() -> None:
    mem, cpu = fresh()
    cpu.set_fcsr(0b101_10011 | 0x700)  # bits above fcsr are dropped
    assert (cpu.get_frm(), cpu.get_fflags(), cpu.get_fcsr()) == (0b101, 0b10011, 0b101_10011)
    assert int.from_bytes(mem.read(abi.CPU_FRM, 4), "little") == 0b101
    assert int.from_bytes(mem.read(abi.CPU_FFLAGS, 4), "little") == 0b10011


def test_args_are_a0_to_a7() -> None:
    _, cpu = fresh()
    for i in range(8):
        cpu.set_x(10 + i, 100 + i)
    cpu.set_x(9, 1)
    cpu.set_x(18, 2)
    assert cpu.args() == tuple(100 + i for i in range(8))


def test_register_files_round_trip_without_x0() -> None:
    _, cpu = fresh()
    raw = b"".join((0x1111 * r).to_bytes(8, "little") for r in range(32))
    raw = bytes(8) + raw[8:]
    cpu.set_xregs(b"\xee" * 8 + raw[8:])  # x0's slot (a frame keeps pc there) is ignored
    cpu.set_fregs(raw[::-1])
    assert cpu.get_xregs() == raw and cpu.get_fregs() == raw[::-1]
    assert cpu.get_x(31) == 0x1111 * 31


def test_restore_drops_the_reservation() -> None:
    mem, cpu = fresh()
    mem.write(abi.CPU_RES_VALID, (1).to_bytes(4, "little"))
    cpu.set_x(7, 77)
    snap = cpu.snapshot()
    assert len(snap) == abi.CPU_SIZE
    cpu.set_x(7, 0)
    cpu.restore(snap)
    assert cpu.get_x(7) == 77 and mem.read(abi.CPU_RES_VALID, 4) == bytes(4)


def test_clone_state() -> None:
    mem, cpu = fresh()
    for r in range(1, 32):
        cpu.set_x(r, r)
    cpu.set_pc(0x4000)
    mem.write(abi.CPU_RES_VALID, (1).to_bytes(4, "little"))
    parent = cpu.snapshot()
    child = CpuState.detached(clone_state(parent, 0x9000, 0xABC))
    assert (child.get_x(10), child.get_x(2), child.get_x(4)) == (0, 0x9000, 0xABC)
    assert child.get_x(11) == 11 and child.get_pc() == 0x4000
    assert child.snapshot()[abi.CPU_RES_VALID - abi.CPU] == 0
    keep = CpuState.detached(clone_state(parent, 0))  # sp 0: the caller's; no tls: tp kept
    assert (keep.get_x(2), keep.get_x(4), keep.get_x(10)) == (2, 4, 0)
    assert cpu.snapshot() == parent  # the caller's state is untouched


def test_vector_state_starts_as_linux_starts_it_and_clones_keep_it() -> None:
    mem, cpu = fresh()
    mem.write(abi.CPU_VL, (5).to_bytes(8, "little"))
    mem.write(abi.CPU_VSTART, b"\x03\0\0\0")
    mem.write(abi.v_addr(31), b"\xab" * abi.VLENB)
    child = CpuState.detached(clone_state(cpu.snapshot(), 0x1000))
    assert child.get_vl() == 5 and child.get_vreg(31) == b"\xab" * abi.VLENB
    cpu.reset_vector()  # execve
    assert cpu.get_vtype() == abi.VTYPE_VILL and cpu.get_vl() == 0
    assert mem.read(abi.CPU_VSTART, 4) == bytes(4)
    assert all(cpu.get_vreg(r) == bytes(abi.VLENB) for r in range(32))
    assert abi.v_addr(0) % 16 == 0 and abi.v_addr(32) == abi.CPU + abi.CPU_SIZE


def test_instret_comes_from_the_machine() -> None:
    mem = BufferMemory(bytearray(abi.CPU + abi.CPU_SIZE))
    assert CpuState(mem, lambda: 42).instret() == 42


# --- formulas written once in abi.py and once in Wasm ---------------------------------------------


@pytest.fixture(scope="module")
def jmp_cache_offset() -> Any:
    """codegen's Wasm jump-cache index, as a function (pc: i64) -> i32."""
    m = ModuleBuilder()
    fb: FunctionBuilder = m.function(m.func_type([ValType.I64], [ValType.I32]))
    emit_jmp_cache_offset(fb, 0)
    m.export_func("f", fb.index)
    config = wasmtime.Config()
    store = wasmtime.Store(wasmtime.Engine(config))
    f = wasmtime.Instance(store, wasmtime.Module(store.engine, m.to_bytes()), []).exports(store)
    return lambda pc: f["f"](store, pc - (1 << 64) if pc >> 63 else pc) & 0xFFFFFFFF


def test_wasm_jump_cache_index_is_abis(jmp_cache_offset: Any) -> None:
    rng = random.Random(11)
    pcs = [0, 2, 0x10000, 0x1FFFE, 0x20000, 0x3FFF_FFFE, M64 - 1]
    pcs += [rng.getrandbits(64) & ~1 for _ in range(2000)]
    pcs += [rng.getrandbits(30) & ~1 for _ in range(2000)]
    for pc in pcs:
        want = abi.jmp_cache_entry(pc) - abi.JMP_CACHE
        assert jmp_cache_offset(pc) == want, hex(pc)
        # tier 0 finds the hot counter by shifting the entry's offset
        assert abi.HOT_COUNTERS + (want >> abi.HOT_COUNTER_SHIFT) == abi.hot_counter_addr(pc)


def test_code_128k_apart_does_not_alias() -> None:
    assert abi.jmp_cache_index(0x10000) != abi.jmp_cache_index(0x30000)


def test_link_slot_addresses_invert() -> None:
    seen = set()
    for tb in (0, 1, abi.FIRST_TB, 1000, abi.MAX_TBS - 1):
        for slot in range(abi.LINK_SLOTS_PER_TB):
            a = abi.link_slot_addr(tb, slot)
            assert abi.LINK_SLOTS <= a < abi.LINK_SLOTS_END and a % 4 == 0
            assert abi.link_slot_of(a) == (tb, slot)
            seen.add(a)
    assert len(seen) == 5 * abi.LINK_SLOTS_PER_TB
