// Page side of the browser host: ONE worker (one Pyodide) per page, shared by the terminal app
// (web/app.mjs) and every <tbwasm-demo> (web/embed.mjs). Runs are queued and run one at a time.
//
//   const client = getClient();
//   await client.ready;                       // Pyodide loaded, wheel installed
//   const r = await client.run({program, args, stdin: "some text" | "terminal", onOutput, onStats, tier});
//   client.stop();                            // stops the current run within a budget slice
//   await client.putFile("/home/user/x", bytes); const bytes = await client.getFile("/etc/passwd");
//
// The worker keeps one guest filesystem for the page (the root filesystem image under /rootfs/
// when the server has one, read lazily; else an empty root), so what runs and uploads write
// stays from run to run.  Files put with putFile are also kept here and put again into a worker
// that replaces one that did not stop.
import { runResult, stoppedResult } from "./result.mjs";
import { StdinRing, createStdinBuffer } from "./stdin_ring.mjs";

const WEB = new URL("./", import.meta.url);
const SITE = new URL("../", WEB);
const STOP_GRACE_MS = 3000; // after Stop, a worker that has not answered is replaced
const RESULT_LIMIT = 16 << 20; // characters of stdout (and of stderr) kept in a run's result

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

export class TbwasmClient extends EventTarget {
  constructor() {
    super();
    this.urls = {
      worker: new URL("worker.mjs", WEB).href,
      indexURL: new URL("pyodide/", SITE).href,
      wheelsURL: new URL("wheels/", SITE).href,
      abiURL: new URL("abi.json", WEB).href,
      rootfsURL: new URL("rootfs/", SITE).href,
    };
    this.files = new Map(); // guest path -> {data, mode}: every putFile, for a replacement worker
    this.fileOps = new Map(); // message id -> {resolve, reject} of a putFile/getFile in flight
    // The page's tier (?tier=tiered|interp|jit, ?hot-threshold=N), for runs that name none.
    const params = new URLSearchParams(globalThis.location?.search ?? "");
    this.tier = params.get("tier") || undefined;
    const hot = params.get("hot-threshold");
    this.hotThreshold = hot ? (/^[0-9]+$/.test(hot) ? Number(hot) : hot) : undefined; // a bad one: run error
    this.snapshot = params.get("snapshot") !== "0"; // ?snapshot=0: start Python without the memory snapshot
    this.queue = [];
    this.current = null;
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
    if (!globalThis.crossOriginIsolated || typeof SharedArrayBuffer === "undefined") {
      this._fatal(
        "tbwasm: this page is not cross-origin isolated (it needs the COOP/COEP headers that serve.py sends)",
      );
      return;
    }
    this.ring = new StdinRing(createStdinBuffer());
    this.control = new Int32Array(new SharedArrayBuffer(4));
    this.flow = new Int32Array(new SharedArrayBuffer(8)); // output flow control: see worker.mjs
    this.worker = new Worker(this.urls.worker, { type: "module", name: "tbwasm" });
    // Programs given by URL are fetched once per page and sent to this worker once; later runs
    // name them by URL.  (Re-sending ~0.5 MB per run left garbage that V8 collects late.)
    this.programs ??= new Map(); // URL -> Promise of the bytes
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
      stdinSab: this.ring.sab,
      controlSab: this.control.buffer,
      flowSab: this.flow.buffer,
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
    if (this.current) {
      this.current.reject(new Error(message));
      this.current = null;
    }
    for (const op of this.fileOps.values()) op.reject(new Error(message));
    this.fileOps.clear();
    this._emit("fatal", { message });
  }

  _onMessage(m) {
    const job = this.current && this.current.id === m.id ? this.current : null;
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
        const flow = this.flow;
        const n = m.data.length;
        const consumed = () => {
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
      case "input-wait":
        job?.onInputWait?.();
        break;
      case "exit":
        if (job) {
          clearTimeout(job.watchdog);
          this.current = null;
          job.resolve(runResult({ ...m, stdout: job.stdout, stderr: job.stderr, truncated: job.truncated }));
          this._emit("exit", { id: m.id, status: m.status });
          this._pump();
        }
        break;
    }
  }

  /**
   * Queue a run. stdin: a string or Uint8Array (then EOF), or "terminal" to read what
   * pushStdin()/pushEOF() deliver while the guest runs.  tier: "tiered" | "interp" | "jit"
   * (default: the page's ?tier=, else the machine's default); an unknown one ends the run with
   * the usage status (abi.json host.status.USAGE) and a one-line error.  terminal: {rows, cols}
   * runs the guest on a terminal of its own (Linux's line discipline in the emulator:
   * pushStdin() then sends raw keystrokes, ^C included; resize() follows the page's terminal);
   * cwd: its working directory.
   */
  async run({
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
  } = {}) {
    const key = !path && typeof program === "string" ? new URL(program, document.baseURI).href : null;
    let bytes = key ? await this.programs.get(key)?.catch(() => undefined) : undefined;
    if (path) {
      bytes = null; // the worker reads it from the guest's filesystem
      argv0 ??= path;
    } else if (bytes === undefined) {
      bytes = await programBytes(program);
      if (key) this.programs.set(key, Promise.resolve(bytes));
    }
    const argList = typeof args === "string" ? splitArgs(args) : Array.from(args, String);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const job = {
        id,
        resolve,
        reject,
        onOutput,
        onStats,
        onStart,
        onInputWait,
        stdout: "",
        stderr: "",
        decoders: { 1: new TextDecoder(), 2: new TextDecoder() },
        msg: {
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
        },
      };
      this.queue.push(job);
      this._pump();
    });
  }

  _pump() {
    if (this.current || this.state !== "ready" || !this.queue.length) return;
    const job = this.queue.shift();
    this.current = job;
    Atomics.store(this.control, 0, 0);
    // The worker is idle here, so the page may move the read index: input typed from now on
    // (even before the worker picks the run up) goes to this run, older input is dropped.
    if (job.msg.stdin === "ring") this.ring.reset();
    const key = job.msg.programKey;
    if (key && this.workerPrograms.has(key)) job.msg.program = null; // the worker has it
    else if (key) this.workerPrograms.add(key);
    this.worker.postMessage(job.msg);
    job.onStart?.();
    this._emit("run", { id: job.id });
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

  /** The bytes of a regular file of the guest's filesystem (rejects with a one-line error). */
  getFile(path) {
    return this._fileOp({ type: "get-file", path });
  }

  _fileOp(msg) {
    if (this.state === "failed") return Promise.reject(new Error(this.fatal));
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
    return !!this.current;
  }

  /** Bytes of guest output the worker has posted and the page not yet consumed. */
  get outputInFlight() {
    return (Atomics.load(this.flow, 0) - Atomics.load(this.flow, 1)) | 0;
  }

  /** Stop the current run; replace the worker if it does not answer in time. */
  stop() {
    const job = this.current;
    if (!job) return;
    Atomics.store(this.control, 0, 1);
    Atomics.notify(this.control, 0); // a guest in nanosleep/pause
    this.ring.wake();
    clearTimeout(job.watchdog);
    job.watchdog = setTimeout(() => {
      if (this.current !== job) return;
      this.worker.terminate();
      this.current = null;
      const message = "tbwasm: the worker did not stop; restarted it";
      job.resolve(stoppedResult(this.host, { message, stdout: job.stdout, stderr: job.stderr, truncated: job.truncated }));
      this._emit("restart", { message });
      for (const op of this.fileOps.values()) op.reject(new Error(message)); // putFile's are put again
      this.fileOps.clear();
      this._start();
    }, STOP_GRACE_MS);
  }

  /** The page's terminal changed size: a run with `terminal` gets SIGWINCH. */
  resize(rows, cols) {
    this.worker?.postMessage({ type: "resize", rows, cols });
  }

  pushStdin(bytes) {
    if (typeof bytes === "string") bytes = new TextEncoder().encode(bytes);
    this.ring?.push(bytes);
  }

  pushEOF() {
    this.ring?.pushEOF();
  }
}

let shared = null;
/** The page's one client (created on first use). */
export function getClient() {
  shared ??= new TbwasmClient();
  return shared;
}
