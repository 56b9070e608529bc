"""Modules from the builder validate and run in V8, through Node (`node -e`)."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from typing import Any

import pytest

from py_backend.wasm.builder import ModuleBuilder, ValType

pytestmark = pytest.mark.node

NODE = shutil.which("node")

# Compiles every module (base64 in argv), instantiates them in order with one shared memory
# (env.mem) and funcref table (env.table0), then calls table[entry] and reports the result.
_RUNNER = r"""
const [entry, counter, ...mods] = process.argv.slice(1);
const mem = new WebAssembly.Memory({ initial: 1 });
const table0 = new WebAssembly.Table({ initial: 16, element: "anyfunc" });
const env = { mem, table0 };
for (const b64 of mods) {
  const module = new WebAssembly.Module(Buffer.from(b64, "base64"));
  new WebAssembly.Instance(module, { env });
}
new DataView(mem.buffer).setInt32(64, Number(counter), true);
const result = table0.get(Number(entry))();
const left = new DataView(mem.buffer).getInt32(64, true);
console.log(JSON.stringify({ result, left, v8: process.versions.v8 }));
"""


def run_in_node(entry: int, counter: int, modules: list[bytes]) -> dict[str, Any]:
    """Helper: run modules in Node's V8 (no flags) and return the runner's JSON report.
    A validation error comes back as a CalledProcessError carrying V8's message."""
    assert NODE is not None
    args = [NODE, "-e", _RUNNER, str(entry), str(counter)]
    args += [base64.b64encode(m).decode("ascii") for m in modules]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, "node", proc.stdout, proc.stderr)
    report: dict[str, Any] = json.loads(proc.stdout)
    return report


def _tb_module(table_slot: int, next_slot: int, counter_addr: int) -> bytes:
    m = ModuleBuilder()
    m.import_memory("env", "mem", 1)
    table = m.import_table("env", "table0", 16)
    tb_type = m.func_type([], [ValType.I32])
    fb = m.function(tb_type)
    n = fb.add_local(ValType.I32)
    fb.i32_const(counter_addr)
    fb.i32_const(counter_addr)
    fb.i32_load()
    fb.i32_const(1)
    fb.i32_sub()
    fb.local_tee(n)
    fb.i32_store()
    fb.local_get(n)
    fb.i32_eqz()
    fb.if_()
    fb.i32_const(counter_addr)
    fb.return_()
    fb.end()
    fb.i32_const(next_slot)
    fb.return_call_indirect(tb_type, table)
    m.elem_active(table, table_slot, [fb.index])
    return m.to_bytes()


def test_return_call_indirect_chain_in_v8() -> None:
    """Node 20 (V8 11.3) has tail calls on by default: no --experimental-wasm-return-call.
    A million alternations between two modules would overflow V8's stack without them."""
    mods = [_tb_module(5, 9, 64), _tb_module(9, 5, 64)]
    report = run_in_node(entry=5, counter=1_000_000, modules=mods)
    assert report["result"] == 64
    assert report["left"] == 0


def test_v8_rejects_invalid_module() -> None:
    m = ModuleBuilder()
    fb = m.function(m.func_type([], [ValType.I64]))
    fb.i32_const(1)
    with pytest.raises(subprocess.CalledProcessError) as err:
        run_in_node(0, 0, [m.to_bytes()])
    assert "CompileError" in err.value.stderr
