// @ts-check
// Module worker that owns Pyodide and runs guests (new Worker(url, {type: "module"})).
// It runs several guests at once, each in a machine of its own (the page's shell, API runs,
// every <tbwasm-demo>): their loops take turns at the event loop, and no guest wait blocks the
// worker (the runtime's asyncWaits: sleeps, timeouts and a terminal without input come back as
// "idle" actions that this worker awaits).
// Protocol (web/page/client.mjs is the other side):
//   in : {type: "init", indexURL, wheelsURL, abiURL, rootfsURL, snapshot, persist, netURL}
//        (persist: the IndexedDB database that keeps /home and /root, or null)
//        (netURL: a Wisp relay's ws:// URL: the guests' TCP connections go through it, one
//        WebSocket for the worker; null: no network)
//        {type: "run", id, program: Uint8Array, args, env, stdin: "ring" | Uint8Array, tier, hotThreshold,
//         terminal: {rows, cols} (the guest's own terminal: raw keystrokes through the ring), cwd,
//         controlSab, flowSab, stdinSab (the run's own shared buffers: Stop, output flow, input)}
//        (or path: a file of the guest's filesystem instead of program)
//        {type: "resize", id, rows, cols}  (a run's terminal; SIGWINCH in the guest)
//        {type: "put-file", id, path, data: Uint8Array, mode}   {type: "get-file", id, path}
//        {type: "home-export", id, path}  {type: "home-import", id, path, data}  (.tar.gz of a directory)
//        {type: "store-reset", id}  {type: "store-flush", id}  (the kept files: web/runtime/store.mjs)
//        {type: "save-state", id, runId}  (a run's whole system; answered as get-file is)
//        a "run" with state: Uint8Array continues a saved system instead of a program
//   out: {type: "progress", phase, fraction, text}  {type: "fatal", message}
//        {type: "ready", timings, host}  (host: abi.json's "host" section: statuses, stop message)
//        {type: "out", id, fd, data}  {type: "stats", id, stats}  {type: "input-wait", id}
//        {type: "exit", id, status, message, stopped, error, stats}  (a run result: web/runtime/result.mjs)
//        {type: "file", id, data?: Uint8Array, error?: string}   (answers put-file, get-file and
//        the home-* and store-* requests)
//        {type: "store", level, message}  (one line about the kept files)  {type: "store-stats", stats}
// Stop: the page sets the run's control[0] = 1; its loop checks it after every exit to the host.
// Output flow control, as a terminal gives a process: flow[0] counts the bytes posted in "out"
// messages, flow[1] the bytes the page has consumed (an xterm write finished, an onOutput call
// returned; both mod 2^32).  A guest write blocks while more than OUT_WINDOW bytes are in
// flight, so a guest printing without end (`yes`) runs at the page's pace instead of queueing
// hundreds of MiB of messages, and Stop is not stuck behind them.
import { internalError, usageError } from "./result.mjs";
import { WispNet } from "./net.mjs";
import { createRuntime, machineOptions } from "./runtime.mjs";
import { StdinRing } from "./stdin_ring.mjs";
import { HomeStore } from "./store.mjs";

const startedAt = performance.timeOrigin + performance.now(); // epoch ms, for start-up timings
let runtime = null;
let store = null; // the kept files (web/runtime/store.mjs), when the page asked for them
let abi = null; // web/abi.json, as init read it (its host section is needed even if Pyodide fails)
let net = null; // the guests' network (web/runtime/net.mjs), when the page has a relay
const OUT_WINDOW = 1 << 18;
const IDLE_WAIT_MS = 50; // longest wait of an idle run before it looks again (Stop, deadlines)

const post = (msg, transfer) => self.postMessage(msg, transfer ?? []);

async function init(m) {
  const initAt = performance.timeOrigin + performance.now();
  if (m.netURL) net = new WispNet(m.netURL); // its WebSocket opens at the first connect
  // The root filesystem's index is fetched while Pyodide loads (absent: an empty, writable root).
  const rootfsIndex = m.rootfsURL
    ? fetch(m.rootfsURL + ".tbwasm-index.json")
        .then((r) => (r.ok ? r.text() : null))
        .catch(() => null)
    : Promise.resolve(null);
  // Read here rather than by the runtime: the worker has abi.host even if Pyodide fails to load.
  const abiLoad = fetch(m.abiURL).then((r) => {
    if (!r.ok) throw new Error(`tbwasm: cannot fetch ${m.abiURL}: HTTP ${r.status}`);
    return r.json().then((got) => (abi = got));
  });
  abiLoad.catch(() => {}); // awaited by createRuntime
  try {
    // imported while the runtime fetches the manifest and the snapshot
    const pyodideModule = import(m.indexURL + "pyodide.mjs");
    pyodideModule.catch(() => {}); // awaited by loadPyodide
    const loadPyodide = async (config) => (await pyodideModule).loadPyodide(config);
    runtime = await createRuntime({
      indexURL: m.indexURL,
      wheelsURL: m.wheelsURL,
      abi: abiLoad,
      snapshot: m.snapshot, // false: no memory snapshot (web/build/snapshot.mjs)
      loadPyodide,
      onProgress: (phase, fraction, text) => post({ type: "progress", phase, fraction, text }),
    });
    globalThis.tbwasmRuntime = runtime; // a handle for diagnostics (bench/soak_browser.py)
    await openRootfs(m.rootfsURL, await rootfsIndex);
    if (m.persist) await openStore(m.persist);
    Object.assign(runtime.timings, { worker_started_at: startedAt, init_at: initAt });
    post({ type: "ready", timings: runtime.timings, host: abi.host });
  } catch (e) {
    post({ type: "fatal", message: String(e?.message ?? e) });
  }
}

// ---- the guest's filesystem (kept from run to run; py_backend/linux/rootfs.py) --------------

/** An image file's bytes, synchronously (the guest is inside a read): a synchronous XHR, which
 * workers may still make; "arraybuffer" responses are allowed there. */
function fetchSync(url) {
  const xhr = new XMLHttpRequest();
  xhr.open("GET", url, false);
  xhr.responseType = "arraybuffer";
  xhr.send();
  if (xhr.status !== 200) throw new Error(`HTTP ${xhr.status} for ${url}`);
  return new Uint8Array(xhr.response);
}

async function openRootfs(baseURL, index) {
  const t0 = performance.now();
  const urlOf = (path) => baseURL + path.split("/").slice(1).map(encodeURIComponent).join("/");
  try {
    runtime.openRootfs({ index, fetch: index === null ? null : (path) => fetchSync(urlOf(path)) });
  } catch (e) {
    // a bad index: an empty root instead, and say why on the console
    console.warn(`tbwasm: root filesystem not used: ${e?.message ?? e}`);
    runtime.openRootfs({});
    index = null;
  }
  Object.assign(runtime.timings, {
    rootfs_open: (performance.now() - t0) / 1000,
    rootfs_entries: index === null ? 0 : Number(runtime.rootfs.entries),
  });
}

async function openStore(name) {
  store = new HomeStore(runtime, {
    name,
    say: (level, message) => post({ type: "store", level, message }),
    onStats: (stats) => post({ type: "store-stats", stats }),
  });
  await store.open();
  post({ type: "store-stats", stats: store.statsNow() });
  runtime.timings.store_open = store.stats.loadMs / 1000;
}

/** The .tar.gz and store requests (answered as "file" messages). */
async function homeOp(m) {
  /** @type {string | Uint8Array | {toJs(): Uint8Array}} the bridge's answer: an error line or the bytes */
  let got = "";
  if (m.type === "home-export") got = runtime.bridge.home_export(runtime.rootfs, m.path);
  else if (m.type === "home-import") got = runtime.bridge.home_import(runtime.rootfs, m.path, m.data);
  else if (!store) got = "tbwasm: this page does not keep the guest's files";
  else if (m.type === "store-reset") got = await store.reset();
  else await store.flush();
  if (typeof got === "string") post({ type: "file", id: m.id, error: got || null });
  else {
    const data = got instanceof Uint8Array ? got : got.toJs();
    post({ type: "file", id: m.id, data }, [data.buffer]);
  }
}

function fileOp(m) {
  if (m.type.startsWith("home-") || m.type.startsWith("store-")) {
    return homeOp(m).catch((e) => post({ type: "file", id: m.id, error: `tbwasm: ${e?.message ?? e}` }));
  }
  if (m.type === "put-file") {
    const error = runtime.writeFile(m.path, m.data, m.mode);
    post({ type: "file", id: m.id, error: error || null });
  } else {
    const got = runtime.readFile(m.path);
    if (typeof got === "string") post({ type: "file", id: m.id, error: got });
    else post({ type: "file", id: m.id, data: got }, [got.buffer]);
  }
}

function saveState(m) {
  const data = runtime.saveState(m.runId);
  post({ type: "file", id: m.id, data }, [data.buffer]);
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

/** Wait until `ints[index]` may have changed or `ms` passed, without blocking the worker. */
function waitAsync(ints, index, value, ms) {
  if (ms <= 0) return new Promise((r) => setTimeout(r, 0));
  if (typeof Atomics.waitAsync === "function") {
    const w = Atomics.waitAsync(ints, index, value, ms);
    return w.async ? w.value : Promise.resolve();
  }
  return new Promise((r) => setTimeout(r, Math.min(ms, 10))); // no waitAsync: look again soon
}

async function run(m) {
  const id = m.id;
  const control = new Int32Array(m.controlSab);
  const flow = new Int32Array(m.flowSab);
  const ring = m.stdinSab ? new StdinRing(m.stdinSab) : null;
  let program = m.program;
  if (m.programKey) {
    if (program) programs.set(m.programKey, program);
    else program = programs.get(m.programKey);
  }
  if (m.path && !m.state) {
    // a program of the guest's filesystem (e.g. /usr/bin/python3)
    const got = runtime.readFile(m.path);
    if (typeof got === "string") {
      const data = new TextEncoder().encode(got + "\n"); // on stderr, as a loader error is
      Atomics.add(flow, 0, data.length);
      post({ type: "out", id, fd: 2, data });
      post({ type: "exit", id, ...usageError(abi.host, got) });
      return;
    }
    program = got;
  }
  const stopped = () => Atomics.load(control, 0) !== 0;
  let stdin;
  let stdinPoll;
  if (m.stdin === "ring" && ring) {
    stdin = (n) => ring.read(n, stopped, () => post({ type: "input-wait", id }));
    // a run on a terminal looks for keystrokes this way while its processes wait (never
    // blocking: the idle wait below waits for them)
    if (m.terminal) {
      stdinPoll = (n) => {
        const got = ring.poll(n, 0, stopped);
        return got === null && stopped() ? undefined : got; // Stop is not end of input
      };
    }
  } else {
    stdin = fixedStdin(m.stdin ?? new Uint8Array(0));
  }
  let announced = false;
  const idleWait = (timeout) => {
    const ms = timeout === null ? IDLE_WAIT_MS : Math.min(IDLE_WAIT_MS, timeout * 1000);
    if (ring && m.terminal) {
      if (!announced) post({ type: "input-wait", id });
      announced = true;
      // wakes at a keystroke, EOF or Stop (the page bumps the ring's sequence number for each)
      return waitAsync(ring.hdr, 3, Atomics.load(ring.hdr, 3), ms);
    }
    return waitAsync(control, 0, 0, ms);
  };
  const out = (fd) => (data) => {
    announced = false;
    for (;;) {
      const consumed = Atomics.load(flow, 1);
      if (((Atomics.load(flow, 0) - consumed) | 0) <= OUT_WINDOW) break;
      if (stopped()) return; // the run is being stopped: its output no longer matters
      Atomics.wait(flow, 1, consumed, 50);
    }
    Atomics.add(flow, 0, data.length);
    post({ type: "out", id, fd, data }); // copied: may view a shared buffer
  };
  // the relay's one-line messages (unreachable, gone) on this run's stderr
  const netLog = (line) => out(2)(new TextEncoder().encode(line + "\n"));
  const netView = net?.view(netLog);
  const result = await runtime.run({
    runId: id,
    net: netView,
    program,
    argv0: m.argv0,
    args: m.args ?? [],
    env: m.env ?? undefined,
    stdin,
    stdout: out(1),
    stderr: out(2),
    shouldStop: stopped,
    onStats: (stats) => post({ type: "stats", id, stats }),
    // budget, countTbs, tier, hotThreshold (abi.json options; absent: the machine's default)
    ...machineOptions(runtime.abi, m),
    terminal: m.terminal ?? undefined, // {rows, cols}: the guest's own terminal (raw keystrokes in)
    stdinPoll,
    cwd: m.cwd ?? undefined,
    asyncWaits: true,
    idleWait,
    state: m.state ?? undefined,
    // (not used with asyncWaits; a sleeping guest would wake up when Stop is pressed)
    sleep: (seconds) => Atomics.wait(control, 0, 0, Math.max(0, seconds * 1000)) !== "timed-out",
  });
  netView?.closeAll(); // what a stopped guest left open
  post({ type: "exit", id, ...result });
}

const FILE_OPS = new Set(["put-file", "get-file", "home-export", "home-import", "store-reset", "store-flush"]);
let ready = Promise.resolve();
self.onmessage = (ev) => {
  const m = ev.data;
  if (m.type === "init") ready = ready.then(() => init(m));
  else if (m.type === "resize") runtime?.resize(m.rows, m.cols, m.id ?? undefined);
  else if (m.type === "save-state") {
    // at once: a run's loop only yields at clean points (between two host calls)
    ready.then(() => saveState(m)).catch((e) => post({ type: "file", id: m.id, error: `${e?.message ?? e}` }));
  } else if (FILE_OPS.has(m.type) && runtime) {
    // at once, also while guests run (their loops yield to messages between slices)
    try {
      fileOp(m);
    } catch (e) {
      post({ type: "file", id: m.id, error: `tbwasm: ${e?.message ?? e}` });
    }
  } else if (FILE_OPS.has(m.type)) {
    ready.then(() => fileOp(m)).catch((e) => post({ type: "file", id: m.id, error: `tbwasm: ${e?.message ?? e}` }));
  } else if (m.type === "run") {
    // every run starts as soon as the runtime is ready, beside the runs in progress
    ready
      .then(() => run(m))
      .catch((e) => {
        const message = `tbwasm: internal error: ${e?.message ?? e}`;
        post({ type: "exit", id: m.id, ...internalError(abi.host, message) });
      });
  }
};
