// Run one guest twice in one Runtime (one memory, one module cache); print what the test checks.
import fs from "node:fs";
import { checkoutRuntime } from "./checkout_runtime.mjs";

const rt = await checkoutRuntime();
const program = new Uint8Array(fs.readFileSync(process.argv[2]));
const runs = [];
// TBWASM_GROW_MIB=n: grow the Pyodide heap by n MiB before the second run.  Its ArrayBuffer is
// then replaced, and the memory port's view of the Python scratch buffer must follow.
const grow = Number(process.env.TBWASM_GROW_MIB ?? 0);
const heap = () => rt.pyodide._module.HEAPU8.length;
const heaps = [heap()];
for (let k = 0; k < 2; k++) {
  if (k === 1 && grow) rt.pyodide.runPython(`import builtins; builtins._tbw_grow = bytearray(${grow} << 20)`);
  let out = "";
  const dec = new TextDecoder();
  const r = await rt.run({ program, args: process.argv.slice(3), stdout: (b) => (out += dec.decode(b)) });
  runs.push({ status: r.status, out, hits: rt.modules.hits, misses: rt.modules.misses, reused: rt.modules.reused });
  heaps.push(heap());
}
for (const r of runs) r.heaps = heaps;
console.log(JSON.stringify(runs));
