// @ts-check
// Page side of the browser host: ONE worker (one Pyodide) per page, shared by the terminal app
// (web/page/app.mjs), window.tbwasm and every <tbwasm-demo> (web/page/embed.mjs).  Each run is a machine
// of its own, and runs go on side by side in the worker (at most MAX_RUNNING at once; more wait).
//
//   const client = getClient();
//   await client.ready;                       // Pyodide loaded, wheel installed
//   const r = await client.run({program, args, stdin: "some text" | "terminal", onOutput, onStats, tier});
//   const h = client.start({...});            // the same, with a handle: h.result, h.stop(),
//                                             //   h.pushStdin(bytes), h.pushEOF(), h.resize(rows, cols)
//   client.stop();                            // stops every run within a budget slice
//   await client.putFile("/home/user/x", bytes); const bytes = await client.getFile("/etc/passwd");
//
// The page must be cross-origin isolated (SharedArrayBuffer, Atomics.wait).  A server that does
// not send the headers for it (any static host) gets it from tbwasm-sw.js, a service worker at
// the site's root: the first visit registers it and reloads once (ensureIsolation below).
//
// The worker keeps one guest filesystem for the page (the root filesystem image under /rootfs/
// when the server has one, read lazily; else an empty root), so what runs and uploads write
// stays from run to run.  Files put with putFile are also kept here and put again into a worker
// that replaces one that did not stop.
import { runResult, stoppedResult } from "../runtime/result.mjs";
import { StdinRing, createStdinBuffer } from "../runtime/stdin_ring.mjs";
import { databaseName } from "../runtime/store.mjs";

const SITE = new URL("../../", import.meta.url); // this file is web/page/client.mjs
const STOP_GRACE_MS = 3000; // after Stop, a worker that has not answered is replaced
const RESULT_LIMIT = 16 << 20; // characters of stdout (and of stderr) kept in a run's result
const MAX_RUNNING = 8; // machines running at once in the worker; later runs wait for a turn
const SW_TIMEOUT_MS = 15_000; // registering the service worker and its activation
const RELOAD_KEY = "tbwasm-isolation-reload"; // sessionStorage: the reload for isolation was made

/**
 * Make the page cross-origin isolated if it is not: register the site's service worker
 * (tbwasm-sw.js, which adds the headers to every response) and reload once.  Resolves to "" when
 * the page is isolated, never resolves while the page reloads, and resolves to a one-line
 * reason when isolation cannot be had here.
 * @param {URL} siteURL the site's root (where tbwasm-sw.js is)
 * @returns {Promise<string>}
 */
export async function ensureIsolation(siteURL) {
  if (globalThis.crossOriginIsolated && typeof SharedArrayBuffer !== "undefined") {
    try {
      sessionStorage.removeItem(RELOAD_KEY);
    } catch {
      /* storage may be off */
    }
    return "";
  }
  const why = "tbwasm: this page is not cross-origin isolated";
  if (typeof document === "undefined") return `${why} (no document)`;
  const meta = document.querySelector('meta[name="tbwasm-service-worker"]');
  if (meta?.getAttribute("content") === "off") {
    return `${why}, and its service worker is turned off: serve it with the COOP/COEP headers (see docs/embedding.md)`;
  }
  if (!globalThis.isSecureContext || !navigator.serviceWorker) {
    return `${why}: this browser gives it no service worker here (an https:// or localhost page is needed), and the server sends no COOP/COEP headers`;
  }
  const swURL = new URL(meta?.getAttribute("content") || "tbwasm-sw.js", siteURL);
  let reloaded = null;
  try {
    reloaded = sessionStorage.getItem(RELOAD_KEY);
  } catch {
    /* storage off: a reload loop is still prevented by the controller check below */
  }
  // (a browser that blocks service workers may leave these promises pending: never wait forever)
  const inTime = (promise, what) =>
    Promise.race([
      promise,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`${what} did not answer in ${SW_TIMEOUT_MS / 1000} s`)), SW_TIMEOUT_MS),
      ),
    ]);
  try {
    const reg = await inTime(
      navigator.serviceWorker.register(swURL, { scope: new URL("./", swURL).pathname }),
      "register()",
    );
    if (!reg || (!reg.active && !reg.installing && !reg.waiting)) throw new Error("the browser did not start it");
    await inTime(navigator.serviceWorker.ready, "the service worker");
    if (navigator.serviceWorker.controller && reloaded) {
      return `${why}, not even through its service worker (${swURL.pathname}): this browser does not support it; serve the page with the COOP/COEP headers`;
    }
  } catch (e) {
    return `${why}, and its service worker ${swURL.pathname} could not be registered (${e?.message ?? e})`;
  }
  if (reloaded) {
    return `${why}: the page is outside the scope of its service worker ${swURL.pathname} (put tbwasm-sw.js at the site's root, see docs/embedding.md)`;
  }
  try {
    sessionStorage.setItem(RELOAD_KEY, "1");
  } catch {
    /* see above */
  }
  location.reload();
  return new Promise(() => {}); // the page is going away
}

/** The environment of a login shell on a page's terminal (the shell page, interactive demos,
 *  createEmulator().attachShell): busybox sh of the root filesystem image as the user `user`. */
export const SHELL_ENV = Object.freeze([
  "HOME=/home/user",
  "USER=user",
  "LOGNAME=user",
  "SHELL=/bin/sh",
  "TERM=xterm-256color",
  "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
  "LANG=C.UTF-8",
]);

/** Split a command line like a POSIX shell would (quotes and backslashes; no expansions). */
export function splitArgs(line) {
  const out = [];
  let cur = "";
  let inWord = false;
  let quote = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < line.length && '"\\$`'.includes(line[i + 1])) cur += line[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** Program bytes from a Uint8Array, an ArrayBuffer, a Blob or a URL (string or URL). */
export async function programBytes(program) {
  if (program instanceof Uint8Array) return program;
  if (program instanceof ArrayBuffer) return new Uint8Array(program);
  if (typeof Blob !== "undefined" && program instanceof Blob) return new Uint8Array(await program.arrayBuffer());
  const url = new URL(String(program), document.baseURI);
  const r = await fetch(url);
  if (!r.ok) throw new Error(`tbwasm: cannot fetch ${url.pathname}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/**
 * The Wisp relay's ws(s):// URL for an option value (undefined: the page's meta tag
 * tbwasm-net), or null for none.
 * @param {string|URL|false|null|undefined} net
 * @returns {string|null}
 */
export function relayURL(net) {
  if (net === false || net === null) return null;
  const given = net ?? globalThis.document?.querySelector('meta[name="tbwasm-net"]')?.getAttribute("content");
  if (!given) return null;
  const url = new URL(String(given), globalThis.document?.baseURI ?? globalThis.location?.href);
  if (url.protocol === "http:") url.protocol = "ws:";
  else if (url.protocol === "https:") url.protocol = "wss:";
  if (!url.pathname.endsWith("/")) url.pathname += "/"; // Wisp endpoints end with "/"
  return url.href;
}

/**
 * What a run is (run(), start()): the program (a URL, bytes or a Blob) or a path in the guest's
 * filesystem, or a saved state; its arguments, input and callbacks.
 * @typedef {object} RunSpec
 * @property {string | URL | Uint8Array | ArrayBuffer | Blob} [program]
 * @property {string} [path]
 * @property {string | string[]} [args]
 * @property {string[]} [env]
 * @property {string | Uint8Array} [stdin]  "terminal": typed input (pushStdin)
 * @property {string} [argv0]
 * @property {(fd: number, text: string) => void} [onOutput]
 * @property {(stats: object) => void} [onStats]
 * @property {() => void} [onStart]
 * @property {() => void} [onInputWait]
 * @property {number} [budget]
 * @property {boolean} [countTbs]
 * @property {string} [tier]
 * @property {number} [hotThreshold]
 * @property {{rows: number, cols: number}} [terminal]
 * @property {string} [cwd]
 * @property {Uint8Array} [state]
 */

export class TbwasmClient extends EventTarget {
  /**
   * @param {object} [o]
   * @param {string|URL} [o.siteURL] the site's root (its web/, pyodide/, wheels/, rootfs/ and
   *   tbwasm-sw.js); default: the directory above this module
   * @param {boolean} [o.rootfs] false: no root filesystem image (an empty, writable root)
   * @param {string|URL|false} [o.net] the guests' network: a Wisp relay's URL (ws://, wss://,
   *   or http(s):// / relative, turned into ws(s)://); default: the page's
   *   `<meta name="tbwasm-net" content="URL">` (serve.py --net adds one), else none
   * @param {string|null} [o.persist] keep the guest's /home and /root in this browser, in the
   *   store of this name (web/runtime/store.mjs); default: not kept
   */
  constructor(o = {}) {
    super();
    const site = o.siteURL ? new URL(String(o.siteURL), globalThis.document?.baseURI) : SITE;
    this.site = site;
    const web = new URL("web/", site);
    this.urls = {
      worker: new URL("runtime/worker.mjs", web).href,
      indexURL: new URL("pyodide/", site).href,
      wheelsURL: new URL("wheels/", site).href,
      abiURL: new URL("abi.json", web).href,
      rootfsURL: o.rootfs === false ? null : new URL("rootfs/", site).href,
      netURL: relayURL(o.net),
    };
    // The kept files: the store's database (null: not kept), and what the worker said of it.
    this.persist = o.persist ? databaseName(String(o.persist), site.href) : null;
    this.store = { state: this.persist ? "opening" : "off", message: "", flushes: 0, bytes: 0, ms: 0 };
    this.files = new Map(); // guest path -> {data, mode}: every putFile, for a replacement worker
    this.terminalRun = undefined; // id of the latest run started on a terminal (saveState)
    this.fileOps = new Map(); // message id -> {resolve, reject} of a putFile/getFile in flight
    // The page's tier (?tier=tiered|interp|jit, ?hot-threshold=N), for runs that name none.
    const params = new URLSearchParams(globalThis.location?.search ?? "");
    this.tier = params.get("tier") || undefined;
    const hot = params.get("hot-threshold");
    this.hotThreshold = hot ? (/^[0-9]+$/.test(hot) ? Number(hot) : hot) : undefined; // a bad one: run error
    this.snapshot = params.get("snapshot") !== "0"; // ?snapshot=0: start Python without the memory snapshot
    this.programs = new Map(); // URL -> Promise of the bytes (see _startWorker)
    this.queue = [];
    this.runs = new Map(); // id -> job of every run sent to the worker and not yet ended
    this.nextId = 1;
    this.timings = null;
    this.host = null; // abi.json's "host" section, from the worker's "ready"
    this.progress = { phase: "start", fraction: 0, text: "Starting…" };
    this._start();
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  _start() {
    this.state = "loading";
    this.ready = new Promise((resolve, reject) => {
      this._readyResolve = resolve;
      this._readyReject = reject;
    });
    this.ready.catch(() => {}); // reported through the "fatal" event too
    ensureIsolation(this.site).then((why) => (why ? this._fatal(why) : this._startWorker()));
  }

  _startWorker() {
    this.worker = new Worker(this.urls.worker, { type: "module", name: "tbwasm" });
    // Programs given by URL are fetched once per page and sent to this worker once; later runs
    // name them by URL.  (Re-sending ~0.5 MB per run left garbage that V8 collects late.)
    this.workerPrograms = new Set();
    this.worker.onmessage = (ev) => this._onMessage(ev.data);
    this.worker.onerror = (ev) => this._fatal(`tbwasm: worker failed: ${ev.message ?? "load error"}`);
    this.worker.postMessage({
      type: "init",
      indexURL: this.urls.indexURL,
      wheelsURL: this.urls.wheelsURL,
      abiURL: this.urls.abiURL,
      rootfsURL: this.urls.rootfsURL,
      snapshot: this.snapshot,
      netURL: this.urls.netURL,
      persist: this.persist,
    });
    // the page's uploads, into a replacement worker (queued there after init)
    for (const [path, f] of this.files) {
      this.worker.postMessage({ type: "put-file", id: this.nextId++, path, data: f.data, mode: f.mode });
    }
  }

  _fatal(message) {
    this.state = "failed";
    this.fatal = message;
    this._readyReject(new Error(message));
    for (const job of this.queue.splice(0)) job.reject(new Error(message));
    for (const job of this.runs.values()) job.reject(new Error(message));
    this.runs.clear();
    for (const op of this.fileOps.values()) op.reject(new Error(message));
    this.fileOps.clear();
    this._emit("fatal", { message });
  }

  _onMessage(m) {
    const job = this.runs.get(m.id) ?? null;
    switch (m.type) {
      case "progress":
        this.progress = m;
        this._emit("progress", m);
        break;
      case "ready":
        this.state = "ready";
        this.timings = m.timings;
        this.host = m.host;
        this._readyResolve(m.timings);
        this._emit("ready", m.timings);
        this._pump();
        break;
      case "fatal":
        this._fatal(m.message);
        break;
      case "out": {
        // Consumed once onOutput has returned, or once the promise it returns settles (the
        // terminal: when xterm has processed the bytes); the worker then may send more.
        const flow = job?.flow;
        const n = m.data.length;
        const consumed = () => {
          if (!flow) return;
          Atomics.add(flow, 1, n);
          Atomics.notify(flow, 1);
        };
        let pending;
        if (job) {
          const text = job.decoders[m.fd].decode(m.data, { stream: true });
          const key = m.fd === 1 ? "stdout" : "stderr";
          // The result keeps the first RESULT_LIMIT characters of each stream.
          if (job[key].length < RESULT_LIMIT) job[key] += text.slice(0, RESULT_LIMIT - job[key].length);
          else job.truncated = true;
          try {
            pending = job.onOutput?.(m.fd, m.data, text);
          } catch (e) {
            console.error(e);
          }
          this._emit("output", { id: m.id, fd: m.fd, data: m.data, text });
        }
        if (pending && typeof pending.then === "function") pending.then(consumed, consumed);
        else consumed();
        break;
      }
      case "stats":
        job?.onStats?.(m.stats);
        break;
      case "file": {
        const op = this.fileOps.get(m.id);
        this.fileOps.delete(m.id);
        if (op && m.error) op.reject(new Error(m.error));
        else op?.resolve(m.data);
        break;
      }
      case "store": // one line about the kept files (a full quota, another tab, a newer store)
        this.store = { ...this.store, message: m.message };
        this._emit("store", { level: m.level, message: m.message });
        break;
      case "store-stats":
        this.store = { ...this.store, ...m.stats };
        this._emit("store-stats", this.store);
        break;
      case "input-wait":
        job?.onInputWait?.();
        break;
      case "exit":
        if (job) {
          clearTimeout(job.watchdog);
          this.runs.delete(job.id);
          job.resolve(runResult({ ...m, stdout: job.stdout, stderr: job.stderr, truncated: job.truncated }));
          this._emit("exit", { id: m.id, status: m.status });
          this._pump();
        }
        break;
    }
  }

  /**
   * Run a program in a machine of its own and resolve to its result (web/runtime/result.mjs).
   * stdin: a string or Uint8Array (then EOF), or "terminal" to read what the run handle's
   * pushStdin()/pushEOF() (start() below) deliver while the guest runs.  tier: "tiered" | "interp" | "jit" (default: the page's ?tier=,
   * else the machine's default); an unknown one ends the run with the usage status (abi.json
   * host.status.USAGE) and a one-line error.  terminal: {rows, cols} runs the guest on a
   * terminal of its own (Linux's line discipline in the emulator: pushStdin() then sends raw
   * keystrokes, ^C included; resize() follows the page's terminal); cwd: its working directory.
   */
  /** @param {RunSpec} [o] */
  run(o = {}) {
    return this.start(o).result;
  }

  /**
   * Start a run as run() does, and return its handle at once:
   * {id, result: Promise, stop(), pushStdin(bytes|string), pushEOF(), resize(rows, cols)}.
   * @param {RunSpec} [o]
   */
  start(o = {}) {
    const id = this.nextId++;
    const handle = {
      id,
      result: null,
      stop: () => this.stop(id),
      pushStdin: (bytes) => this._job(id)?.ring?.push(toBytes(bytes)),
      pushEOF: () => this._job(id)?.ring?.pushEOF(),
      resize: (rows, cols) => this.worker?.postMessage({ type: "resize", id, rows, cols }),
    };
    handle.result = this._prepare(id, o);
    return handle;
  }

  _job(id) {
    return this.runs.get(id) ?? this.queue.find((j) => j.id === id);
  }

  /** @param {number} id @param {RunSpec} spec */
  async _prepare(
    id,
    {
      program,
      path,
      args = [],
      env,
      stdin = "",
      argv0,
      onOutput,
      onStats,
      onStart,
      onInputWait,
      budget,
      countTbs,
      tier,
      hotThreshold,
      terminal,
      cwd,
      state,
    },
  ) {
    // The run's own shared buffers: Stop, output flow control (worker.mjs) and typed input.
    const job = {
      id,
      onOutput,
      onStats,
      onStart,
      onInputWait,
      stdout: "",
      stderr: "",
      decoders: { 1: new TextDecoder(), 2: new TextDecoder() },
      /** @type {Int32Array | null} [0]: Stop */
      control: null,
      /** @type {Int32Array | null} [0] bytes posted, [1] bytes consumed */
      flow: null,
      ring: null,
      stopRequested: false,
      msg: null,
    };
    this.queue.push(job); // (a placeholder until its program is here: stop() finds it)
    const done = new Promise((resolve, reject) => {
      job.resolve = resolve;
      job.reject = reject;
    });
    try {
      if (this.state === "failed") throw new Error(this.fatal);
      if (typeof SharedArrayBuffer === "undefined") await this.ready; // fails with the reason
      job.control = new Int32Array(new SharedArrayBuffer(4));
      job.flow = new Int32Array(new SharedArrayBuffer(8));
      if (stdin === "terminal") job.ring = new StdinRing(createStdinBuffer());
      const key = !path && typeof program === "string" ? new URL(program, document.baseURI).href : null;
      let bytes = key ? await this.programs.get(key)?.catch(() => undefined) : undefined;
      if (state) {
        bytes = null; // a saved system continues (saveState): no program
        state = new Uint8Array(state);
      } else if (path) {
        bytes = null; // the worker reads it from the guest's filesystem
        argv0 ??= path;
      } else if (program === undefined || program === null) {
        throw new Error("tbwasm: run() needs a program (URL or bytes) or a path in the guest's filesystem");
      } else if (bytes === undefined) {
        bytes = await programBytes(program);
        if (key) this.programs.set(key, Promise.resolve(bytes));
      }
      const argList = typeof args === "string" ? splitArgs(args) : Array.from(args, String);
      job.msg = {
        type: "run",
        id,
        program: bytes,
        programKey: key,
        path: path ?? null,
        argv0: argv0 ?? (typeof program === "string" ? "/" + program.split("/").pop() : "/program"),
        args: argList,
        env,
        budget,
        countTbs,
        tier: tier ?? this.tier,
        hotThreshold: hotThreshold ?? this.hotThreshold,
        stdin: stdin === "terminal" ? "ring" : typeof stdin === "string" ? new TextEncoder().encode(stdin) : stdin,
        terminal: terminal ?? null, // {rows, cols}: the guest gets a terminal of its own (raw input)
        cwd: cwd ?? null,
        state: state ?? null,
        controlSab: job.control.buffer,
        flowSab: job.flow.buffer,
        stdinSab: job.ring?.sab ?? null,
      };
    } catch (e) {
      this.queue = this.queue.filter((j) => j !== job);
      job.reject(e);
      return done;
    }
    if (this.state === "failed") {
      this.queue = this.queue.filter((j) => j !== job);
      job.reject(new Error(this.fatal));
      return done;
    }
    if (job.stopRequested) {
      this.queue = this.queue.filter((j) => j !== job);
      job.resolve(stoppedResult(this.host ?? undefined, {}));
      return done;
    }
    this._pump();
    return done;
  }

  _pump() {
    if (this.state !== "ready") return;
    while (this.runs.size < MAX_RUNNING) {
      const i = this.queue.findIndex((j) => j.msg !== null);
      if (i < 0) return;
      const [job] = this.queue.splice(i, 1);
      this.runs.set(job.id, job);
      const key = job.msg.programKey;
      if (key && this.workerPrograms.has(key))
        job.msg.program = null; // the worker has it
      else if (key) this.workerPrograms.add(key);
      if (job.msg.terminal) this.terminalRun = job.id; // (saveState's default)
      this.worker.postMessage(job.msg);
      job.onStart?.();
      this._emit("run", { id: job.id });
    }
  }

  /**
   * Put a file into the guest's filesystem (missing directories are made; an existing file is
   * replaced).  mode: permission bits (default 0o644).  Resolves when the worker has it; kept
   * for the rest of the page (see the top of this file).  Waits for a running guest to end.
   */
  putFile(path, data, mode = 0o644) {
    if (typeof data === "string") data = new TextEncoder().encode(data);
    data = new Uint8Array(data);
    this.files.set(path, { data, mode });
    return this._fileOp({ type: "put-file", path, data: data.slice(), mode });
  }

  /**
   * The whole running system of a run in progress (its processes, files, terminal, working
   * directory) as bytes; start({state: bytes, stdin: "terminal", terminal}) continues it, in
   * this page or a fresh one.  Default: the latest run on a terminal (the page's shell).
   * Rejects with a one-line error.
   * @param {number} [id]
   * @returns {Promise<Uint8Array>}
   */
  saveState(id = this.terminalRun) {
    if (id === undefined || !this.runs.has(id))
      return Promise.reject(new Error("tbwasm: STATE: no run in progress to save"));
    return this._fileOp({ type: "save-state", runId: id });
  }

  /** The bytes of a regular file of the guest's filesystem (rejects with a one-line error). */
  getFile(path) {
    return this._fileOp({ type: "get-file", path });
  }

  /** The guest directory `path` as .tar.gz bytes (rejects with a one-line error). */
  exportHome(path = "/home/user") {
    return this._fileOp({ type: "home-export", path });
  }

  /** Extract .tar.gz bytes into the guest directory `path`: all or nothing (one-line error). */
  importHome(data, path = "/home/user") {
    return this._fileOp({ type: "home-import", path, data: new Uint8Array(data).slice() });
  }

  /** Empty the kept files' store; /home and /root are the image's again (runs in progress
   *  keep what they have open: restart the shell). */
  resetStore() {
    return this._fileOp({ type: "store-reset" });
  }

  /** Store the guest's changes now (resolves when stored or failed; see the "store" event). */
  flushStore() {
    return this._fileOp({ type: "store-flush" });
  }

  _fileOp(msg) {
    if (this.state === "failed") return Promise.reject(new Error(this.fatal));
    if (!this.worker) return this.ready.then(() => this._fileOp(msg)); // isolation comes first
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.fileOps.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id });
    });
  }

  /** Start fetching a program given by URL (a later run of it then need not wait for it). */
  prefetch(program) {
    const key = new URL(String(program), document.baseURI).href;
    if (!this.programs.has(key)) {
      const p = programBytes(program);
      p.catch(() => this.programs.delete(key)); // run() fetches again and reports the error
      this.programs.set(key, p);
    }
  }

  get busy() {
    return this.runs.size > 0;
  }

  /** Bytes of guest output the worker has posted and the page not yet consumed (every run). */
  get outputInFlight() {
    let n = 0;
    for (const job of this.runs.values()) {
      const flow = /** @type {Int32Array} */ (job.flow);
      n += (Atomics.load(flow, 0) - Atomics.load(flow, 1)) | 0;
    }
    return n;
  }

  /** Stop one run (by id), or every run; replace the worker if a run does not stop in time. */
  stop(id) {
    for (const job of this.queue.filter((j) => id === undefined || j.id === id)) {
      if (job.msg === null) job.stopRequested = true;
      else {
        this.queue = this.queue.filter((j) => j !== job);
        job.resolve(stoppedResult(this.host ?? undefined, {}));
      }
    }
    for (const job of this.runs.values()) {
      if (id !== undefined && job.id !== id) continue;
      Atomics.store(job.control, 0, 1);
      Atomics.notify(job.control, 0); // a guest in nanosleep/pause
      job.ring?.wake();
      clearTimeout(job.watchdog);
      job.watchdog = setTimeout(() => this._restart(job), STOP_GRACE_MS);
    }
  }

  /** A run did not stop in time: the worker is replaced (every run in it ends). */
  _restart(stuck) {
    if (!this.runs.has(stuck.id)) return;
    this.worker.terminate();
    const message = "tbwasm: the worker did not stop; restarted it";
    for (const job of this.runs.values()) {
      clearTimeout(job.watchdog);
      job.resolve(
        stoppedResult(this.host, { message, stdout: job.stdout, stderr: job.stderr, truncated: job.truncated }),
      );
    }
    this.runs.clear();
    this._emit("restart", { message });
    for (const op of this.fileOps.values()) op.reject(new Error(message)); // putFile's are put again
    this.fileOps.clear();
    this._start();
  }

  /** The page's terminal changed size: runs with `terminal` get SIGWINCH. */
  resize(rows, cols) {
    this.worker?.postMessage({ type: "resize", rows, cols });
  }

  /** End the worker and every run in it; the client cannot be used after this. */
  destroy() {
    const message = "tbwasm: the emulator was destroyed";
    this.worker?.terminate();
    this.worker = null;
    this._fatal(message);
  }
}

const toBytes = (b) => (typeof b === "string" ? new TextEncoder().encode(b) : b);

let shared = null;
/** The page's one client (created on first use).  It keeps the guest's files when the page says
 *  so: <meta name="tbwasm-persist" content="NAME"> (the shell page: "page"; ?persist=0 turns
 *  it off for one visit). */
export function getClient() {
  shared ??= new TbwasmClient({ persist: pagePersist() });
  return shared;
}

function pagePersist() {
  const meta = globalThis.document?.querySelector('meta[name="tbwasm-persist"]');
  const name = meta?.getAttribute("content");
  if (!name || name === "off") return null;
  if (new URLSearchParams(globalThis.location?.search ?? "").get("persist") === "0") return null;
  return name;
}
