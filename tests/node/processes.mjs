// Guest processes in one Runtime, run after run (tests/node/test_node_processes.py):
//   node tests/node/processes.mjs RUNS SCRIPT [STOP_MS]
// runs `busybox sh -c SCRIPT` RUNS times and prints one JSON line per run: status, stdout,
// stopped, processes, and the runtime's process memories (made, kept, let go, the Python
// JsMemory objects alive).  STOP_MS: Stop is requested that long after the guest's first
// output; the guest's sleep is cut short then, as the worker's (Atomics.wait on the Stop flag) is.
import fs from "node:fs";
import path from "node:path";
import { ROOT, checkoutRuntime } from "./checkout_runtime.mjs";

const rt = await checkoutRuntime();
const program = new Uint8Array(fs.readFileSync(path.join(ROOT, "guests", "bin", "busybox")));
const [runs, script, stopMs] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4] ?? 0)];
const nap = new Int32Array(new SharedArrayBuffer(4));
const then = process.env.TBW_THEN;
for (let k = 0; k < runs + (then ? 1 : 0); k++) {
  const last = k === runs;
  let out = "";
  const dec = new TextDecoder();
  const t0 = performance.now();
  let stopAt = Infinity;
  const stop = () => performance.now() >= stopAt;
  const r = await rt.run({
    program: last ? new Uint8Array(fs.readFileSync(then)) : program,
    argv0: last ? path.basename(then) : "/bin/busybox",
    args: last ? [] : ["sh", "-c", script],
    stdout: (b) => {
      out += dec.decode(b);
      if (stopMs && stopAt === Infinity) stopAt = performance.now() + stopMs;
    },
    shouldStop: stop,
    sleep: (seconds) => {
      const until = Math.min(performance.now() + seconds * 1000, stopAt);
      while (performance.now() < until) Atomics.wait(nap, 0, 0, until - performance.now());
      return stop();
    },
  });
  const memories = rt.pyodide.runPython("from py_backend.host import pyodide_bridge as b; len(b._MEMORIES)");
  console.log(
    JSON.stringify({
      status: r.status,
      out,
      stopped: r.stopped,
      message: r.message,
      ms: Math.round(performance.now() - t0),
      stop_ms: stopAt === Infinity ? null : Math.round(performance.now() - stopAt),
      processes: r.stats.processes,
      made: rt.spacesMade,
      spare: rt.spare.length,
      dropped: rt.spacesDropped,
      memories,
    }),
  );
}
