// Machines side by side in one Runtime until the engine cannot reserve another guest memory
// (tests/node/test_node_machines.py runs this under `ulimit -v`):
//   node tests/node/many_machines.mjs MAX
// starts `busybox sleep 2` runs with asyncWaits (as the page's worker runs its demos) until the
// runtime refuses one or MAX are running, waits for all, then runs `busybox echo after` and prints one
// JSON line: how many ran, the statuses, the refused run's message, and the run after.
import fs from "node:fs";
import path from "node:path";
import { ROOT, checkoutRuntime } from "./checkout_runtime.mjs";

const rt = await checkoutRuntime();
const program = new Uint8Array(fs.readFileSync(path.join(ROOT, "guests", "bin", "busybox")));
const max = Number(process.argv[2]);

/** @param {string[]} args */
function start(args) {
  let out = "";
  let err = "";
  const dec = new TextDecoder();
  const done = rt
    .run({
      program,
      argv0: "/bin/busybox",
      args,
      asyncWaits: true,
      stdout: (/** @type {Uint8Array} */ b) => (out += dec.decode(b)),
      stderr: (/** @type {Uint8Array} */ b) => (err += dec.decode(b)),
    })
    .then((/** @type {any} */ r) => ({ status: r.status, message: r.message ?? "", out, err }));
  return done;
}

const runs = [];
for (let k = 0; k < max; k++) {
  // run() takes its machine's memory before its first await: whether this one started is known
  // at once (no timing), and the ones started before it are still sleeping
  const before = rt.running;
  runs.push(start(["sleep", "2"]));
  if (rt.running === before) break; // refused: its promise ends with the one line
}
const results = await Promise.all(runs);
const after = await start(["echo", "after"]);
console.log(
  JSON.stringify({
    started: runs.length,
    statuses: results.map((r) => r.status),
    refused: results.filter((r) => r.status !== 0).map((r) => r.err || r.message),
    after,
  }),
);
