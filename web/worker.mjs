// Module worker that owns Pyodide and runs guests (new Worker(url, {type: "module"})).
// Protocol (web/client.mjs is the other side):
//   in : {type: "init", indexURL, wheelsURL, abiURL, snapshot, stdinSab, controlSab, flowSab}
//        {type: "run", id, program: Uint8Array, args, env, stdin: "ring" | Uint8Array, tier, hotThreshold}
//   out: {type: "progress", phase, fraction, text}  {type: "ready", timings}  {type: "fatal", message}
//        {type: "out", id, fd, data}  {type: "stats", id, stats}  {type: "input-wait", id}
//        {type: "exit", id, status, message, stopped, error, stats}
// Stop: the page sets control[0] = 1; the loop checks it after every exit to the host.
// Output flow control, as a terminal gives a process: flow[0] counts the bytes posted in "out"
// messages, flow[1] the bytes the page has consumed (an xterm write finished, an onOutput call
// returned; both mod 2^32).  A guest write blocks while more than OUT_WINDOW bytes are in
// flight, so a guest printing without end (`yes`) runs at the page's pace instead of queueing
// hundreds of MiB of messages, and Stop is not stuck behind them.
import { createRuntime } from "./runtime.mjs";
import { StdinRing } from "./stdin_ring.mjs";

const startedAt = performance.timeOrigin + performance.now(); // epoch ms, for start-up timings
let runtime = null;
let ring = null;
let control = null;
let flow = null;
const OUT_WINDOW = 1 << 18;

const post = (msg, transfer) => self.postMessage(msg, transfer ?? []);

async function init(m) {
  const initAt = performance.timeOrigin + performance.now();
  ring = new StdinRing(m.stdinSab);
  control = new Int32Array(m.controlSab);
  flow = new Int32Array(m.flowSab);
  try {
    // imported while the runtime fetches the manifest and the snapshot
    const pyodideModule = import(m.indexURL + "pyodide.mjs");
    pyodideModule.catch(() => {}); // awaited by loadPyodide
    const loadPyodide = async (config) => (await pyodideModule).loadPyodide(config);
    runtime = await createRuntime({
      indexURL: m.indexURL,
      wheelsURL: m.wheelsURL,
      abiURL: m.abiURL,
      snapshot: m.snapshot, // false: no memory snapshot (web/snapshot.mjs)
      loadPyodide,
      onProgress: (phase, fraction, text) => post({ type: "progress", phase, fraction, text }),
    });
    globalThis.tbwasmRuntime = runtime; // a handle for diagnostics (bench/soak_browser.py)
    Object.assign(runtime.timings, { worker_started_at: startedAt, init_at: initAt });
    post({ type: "ready", timings: runtime.timings });
  } catch (e) {
    post({ type: "fatal", message: String(e?.message ?? e) });
  }
}

function fixedStdin(bytes) {
  let off = 0;
  return (n) => {
    if (off >= bytes.length) return null;
    const out = bytes.slice(off, off + n);
    off += out.length;
    return out;
  };
}

const programs = new Map(); // URL -> bytes: the page sends a program given by URL only once

async function run(m) {
  const id = m.id;
  let program = m.program;
  if (m.programKey) {
    if (program) programs.set(m.programKey, program);
    else program = programs.get(m.programKey);
  }
  const stopped = () => Atomics.load(control, 0) !== 0;
  let stdin;
  if (m.stdin === "ring") {
    stdin = (n) => ring.read(n, stopped, () => post({ type: "input-wait", id }));
  } else {
    stdin = fixedStdin(m.stdin ?? new Uint8Array(0));
  }
  const out = (fd) => (data) => {
    for (;;) {
      const consumed = Atomics.load(flow, 1);
      if (((Atomics.load(flow, 0) - consumed) | 0) <= OUT_WINDOW) break;
      if (stopped()) return; // the run is being stopped: its output no longer matters
      Atomics.wait(flow, 1, consumed, 50);
    }
    Atomics.add(flow, 0, data.length);
    post({ type: "out", id, fd, data }); // copied: may view a shared buffer
  };
  const result = await runtime.run({
    program,
    argv0: m.argv0,
    args: m.args ?? [],
    env: m.env ?? undefined,
    stdin,
    stdout: out(1),
    stderr: out(2),
    shouldStop: stopped,
    onStats: (stats) => post({ type: "stats", id, stats }),
    budget: m.budget,
    countTbs: m.countTbs,
    tier: m.tier ?? undefined, // undefined: the machine's default (abi.json tiers.default)
    hotThreshold: m.hotThreshold ?? undefined,
    // A sleeping guest wakes up when Stop is pressed (client.stop notifies control[0]).
    sleep: (seconds) => Atomics.wait(control, 0, 0, Math.max(0, seconds * 1000)) !== "timed-out",
  });
  post({ type: "exit", id, ...result });
}

let queue = Promise.resolve();
self.onmessage = (ev) => {
  const m = ev.data;
  if (m.type === "init") queue = queue.then(() => init(m));
  else if (m.type === "run") {
    queue = queue
      .then(() => run(m))
      .catch((e) => {
        const message = `tbwasm: internal error: ${e?.message ?? e}`;
        post({ type: "exit", id: m.id, status: 70, error: message, message, stopped: false, stats: {} });
      });
  }
};
