// Run bench.elf N times in one Runtime with V8's sampling heap profiler counting every
// allocation (also those already collected), and print the JavaScript bytes allocated per run
// and where: the garbage the worker makes, which decides how far V8 grows its heap.
import fs from "node:fs";
import { Session } from "node:inspector/promises";
import { checkoutRuntime } from "./checkout_runtime.mjs";

const [elf, iters, runsArg] = process.argv.slice(2);
const rt = await checkoutRuntime();
const program = new Uint8Array(fs.readFileSync(elf));
let out = "";
const dec = new TextDecoder();
const runOnce = () => rt.run({ program, args: [iters], stdout: (b) => (out += dec.decode(b)) });
await runOnce(); // compiles and instantiates: not the steady state

const session = new Session();
session.connect();
await session.post("HeapProfiler.enable");
await session.post("HeapProfiler.startSampling", {
  samplingInterval: 4096,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
const runs = Number(runsArg ?? 3);
const statuses = [];
for (let i = 0; i < runs; i++) statuses.push((await runOnce()).status);
const { profile } = await session.post("HeapProfiler.stopSampling");

let total = 0;
const byFunction = new Map();
(function walk(node) {
  const f = node.callFrame;
  const name = `${f.functionName || "(anonymous)"} ${f.url.split("/").pop()}`;
  total += node.selfSize;
  byFunction.set(name, (byFunction.get(name) ?? 0) + node.selfSize);
  node.children.forEach(walk);
})(profile.head);
const top = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 8);
console.log(JSON.stringify({ statuses, out, bytesPerRun: total / runs, top: top.map(([k, v]) => [k, v / runs]) }));
process.exit(0);
