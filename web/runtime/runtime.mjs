// @ts-check
// The tbwasm JavaScript runtime, shared by the browser worker (web/runtime/worker.mjs) and Node
// (web/node/cli.mjs). It loads Pyodide (restoring the memory snapshot of web/build/snapshot.mjs when the
// wheel manifest lists one, else installing the tbwasm wheel), and runs the dispatch loop of
// docs/architecture.md: Python (py_backend/host/pyodide_bridge.py) translates, V8 compiles and runs.
//
//   const rt = await createRuntime({indexURL, wheelsURL, loadPyodide, onProgress});
//   const {status} = await rt.run({program, args, env, stdin, stdout, stderr, onStats, shouldStop});
//
// The host passes its own `loadPyodide` (imported from pyodide.mjs) so this file imports nothing
// but the run result's constructors.
import { internalError, runResult, stoppedResult, usageError } from "./result.mjs";

const isNode = typeof process !== "undefined" && !!process.versions?.node;

/** Thrown (and reported) when the Python side is missing or broken. */
export class RuntimeSetupError extends Error {}

async function readJSON(url) {
  if (isNode && url.startsWith("file:")) {
    const fs = await import("node:fs");
    return JSON.parse(fs.readFileSync(new URL(url), "utf8"));
  }
  const r = await fetch(url);
  if (!r.ok) throw new RuntimeSetupError(`tbwasm: cannot fetch ${url}: HTTP ${r.status}`);
  return r.json();
}

/** loadPackage wants a path in Node and a URL in the browser. */
async function packageLocation(url) {
  if (isNode && url.startsWith("file:")) {
    const { fileURLToPath } = await import("node:url");
    return fileURLToPath(url);
  }
  return url;
}

const now = () => performance.now();
const lastLine = (text) => String(text).trim().split("\n").pop();

/**
 * @param {object} o
 * @param {string} o.indexURL   Pyodide directory (URL in the browser, path or file URL in Node), ends with "/"
 * @param {string} o.wheelsURL  URL (file: in Node) of the directory holding manifest.json and the wheels, ends with "/"
 * @param {object|Promise<object>} [o.abi] web/abi.json's contents (then o.abiURL is not read)
 * @param {string} [o.abiURL]   web/abi.json (default: next to this file)
 * @param {Function} o.loadPyodide
 * @param {(phase: string, fraction: number, text: string) => void} [o.onProgress]
 * @param {string[]} [o.extraWheels] more wheel file names (relative to wheelsURL) to loadPackage
 * @param {string} [o.machineModule] Python module defining Machine (tests substitute a fake)
 * @param {(pyodide) => Promise<void>} [o.setup] called after installing, before the import check
 * @param {string} [o.tier]          default tier of every run (in Node: else $TBWASM_TIER)
 * @param {number} [o.hotThreshold]  default hot threshold (in Node: else $TBWASM_HOT_THRESHOLD)
 * @param {boolean} [o.snapshot]     false: start Python and install the wheels even when the
 *                                   manifest lists a memory snapshot (web/build/snapshot.mjs)
 */
export async function createRuntime(o) {
  const progress = o.onProgress ?? (() => {});
  const timings = {};
  const t0 = now();
  const [abi, manifest] = await Promise.all([
    o.abi ?? readJSON(o.abiURL ?? new URL("../abi.json", import.meta.url).href),
    readJSON(o.wheelsURL + "manifest.json"),
  ]);

  progress("pyodide", 0.05, "Loading Pyodide…");
  const pyConfig = {
    indexURL: o.indexURL,
    stdout: (s) => console.log("[py]", s),
    stderr: (s) => console.warn("[py]", s),
  };
  // The memory snapshot (web/build/snapshot.mjs, made by scripts/setup-web.sh): Pyodide with tbwasm
  // imported and tier 0 built, restored instead of starting Python, installing the wheels and
  // importing.  Not with test hooks (they add modules), nor when it does not load.
  const custom = o.extraWheels?.length || o.setup || (o.machineModule && o.machineModule !== "py_backend.machine");
  let pyodide = null;
  if (o.snapshot !== false && manifest.snapshot && !custom) {
    try {
      pyodide = await loadFromSnapshot(
        o,
        pyConfig,
        manifest.snapshot,
        (phase) => (timings[phase] = (now() - t0) / 1000),
      );
      timings.snapshot = true;
    } catch (e) {
      timings.snapshot_error = lastLine(e?.message ?? e);
      console.warn(`tbwasm: the Pyodide snapshot did not load (${timings.snapshot_error}); starting Python`);
      pyodide = null;
    }
  }
  if (pyodide === null) {
    timings.snapshot = false;
    pyodide = await o.loadPyodide(pyConfig);
  }
  timings.pyodide_load = (now() - t0) / 1000;

  const t1 = now();
  if (!timings.snapshot) {
    progress("wheels", 0.7, "Installing micropip…");
    const loc = (name) => packageLocation(o.wheelsURL + name);
    await pyodide.loadPackage(await loc(manifest.micropip), { messageCallback: () => {} });
    const micropip = pyodide.pyimport("micropip");
    progress("wheels", 0.8, "Installing tbwasm and pyelftools…");
    // micropip wants a URL (http:, file: or emfs:), never a bare path.
    for (const name of [manifest.pyelftools, manifest.tbwasm]) {
      await micropip.install.callKwargs(new URL(name, o.wheelsURL).href, { deps: false });
    }
    micropip.destroy?.();
    if (o.extraWheels?.length) {
      await pyodide.loadPackage(await Promise.all(o.extraWheels.map(loc)), { messageCallback: () => {} });
    }
  }
  timings.wheel_install = (now() - t1) / 1000;

  if (o.setup) await o.setup(pyodide); // tests: add modules before the import check
  progress("check", 0.95, "Checking the tbwasm package…");
  const machineModule = o.machineModule ?? "py_backend.machine";
  const stale = (why) =>
    new RuntimeSetupError(
      `tbwasm: the installed wheel ${manifest.tbwasm} cannot import ${why}; ` + "rebuild it with scripts/setup-web.sh",
    );
  let bridge;
  try {
    bridge = pyodide.pyimport("py_backend.host.pyodide_bridge");
  } catch (e) {
    throw stale(`py_backend.host.pyodide_bridge (${lastLine(e.message)})`);
  }
  const problem = bridge.check_import(machineModule);
  if (problem) throw stale(`${machineModule} (${problem})`);
  // the page's files and the wheel must be of one version (a stale copy of either: one line)
  const mismatch = bridge.check_abi?.(JSON.stringify(abi));
  if (mismatch) {
    throw new RuntimeSetupError(
      `tbwasm: the page and its wheel ${manifest.tbwasm} are of different versions (${mismatch}); ` +
        "copy the whole site again (npx tbwasm build-site) or rebuild the wheel (scripts/setup-web.sh)",
    );
  }
  timings.total = (now() - t0) / 1000;
  // epoch ms (performance.timeOrigin differs between a worker and its page)
  timings.started_at = performance.timeOrigin + t0;
  timings.ready_at = performance.timeOrigin + now();
  progress("ready", 1, "Ready");
  const rt = new Runtime(pyodide, bridge, abi, machineModule, timings);
  const env = envSettings();
  rt.tier = o.tier ?? env.tier;
  rt.hotThreshold = o.hotThreshold ?? env.hotThreshold;
  return rt;
}

/**
 * The environment settings of a JS host, read in this one place.  The machine reads TBWASM_TIER
 * and TBWASM_HOT_THRESHOLD from the environment natively; Pyodide's os.environ is not the
 * process's, so a Node host forwards them (how the suites run each tier).  In a browser: none.
 * @param {Record<string, string | undefined>} [env]  default: the Node process's environment
 * @returns {{tier: string | undefined, hotThreshold: number | undefined, machineModule: string | undefined}}
 */
export function envSettings(env = isNode ? process.env : {}) {
  const threshold = /^[0-9]+$/.test(env.TBWASM_HOT_THRESHOLD ?? "") ? Number(env.TBWASM_HOT_THRESHOLD) : undefined;
  return {
    tier: env.TBWASM_TIER || undefined,
    hotThreshold: threshold === undefined ? undefined : Math.max(1, threshold),
    machineModule: env.TBWASM_MACHINE_MODULE || undefined, // tests substitute a fake Machine
  };
}

/**
 * The machine options (abi.json "options": py_backend's MachineOptions) found in `o` under their
 * JS names, as create_machine takes them; undefined and null are left out (the machine's default).
 * @param {{options: {name: string, js: string, type: string}[]}} abi
 * @param {Record<string, any>} o
 * @returns {Record<string, any>}
 */
export function machineOptions(abi, o) {
  /** @type {Record<string, any>} */
  const out = {};
  for (const { js, type } of abi.options) {
    const v = o[js];
    if (v === undefined || v === null) continue;
    out[js] = type === "bool" ? !!v : v;
  }
  return out;
}

/**
 * Where a negative action (another process, nothing to install) sends the loop: it encodes
 * -1 - (space * base + tb), base = abi.json action.other_space.base.
 * @param {{action: {other_space: {base: number}}}} abi
 * @param {number} action  a negative number
 * @returns {{space: number, tb: number}}
 */
export function otherSpace(abi, action) {
  const v = -1 - action;
  const base = abi.action.other_space.base;
  return { space: Math.floor(v / base), tb: v % base };
}

export class Runtime {
  constructor(pyodide, bridge, abi, machineModule, timings) {
    /** @type {string | undefined} the tier of runs that name none (createRuntime's, else $TBWASM_TIER) */
    this.tier = undefined;
    /** @type {number | undefined} likewise, the hot threshold */
    this.hotThreshold = undefined;
    this.pyodide = pyodide;
    this.bridge = bridge;
    this.abi = abi;
    this.machineModule = machineModule;
    this.timings = timings;
    this.modules = new ModuleCache(4096);
    this.firstSpaces = []; // first-process memories and tables of runs that ended, for later runs
    this.spare = []; // memories and tables of processes that ended, for later forks
    this.sessions = new Map(); // runId -> the Python Session of a run in progress
    this.running = 0; // runs in progress (a worker may run several machines at once)
    // During a run every ended process's space is kept (up to the process table's limit): they
    // were all alive at once a moment ago, so keeping them does not raise the peak, and each new
    // 1 GiB WebAssembly.Memory costs V8 an "external memory pressure" GC (1-40 ms measured in
    // Node with Pyodide's heap).  Between runs only a couple are kept.
    this.maxSpareSpaces = 64;
    this.idleSpareSpaces = 2;
    this.spacesMade = 0;
    this.spacesDropped = 0;
    this.spacesUsed = 0; // most spaces alive at once (over all runs)
  }

  // ---- the guest's root filesystem (py_backend/linux/rootfs.py) ----------------------------
  // One per runtime, kept from run to run: files guests write and files put here stay.

  /**
   * Use a root filesystem image as every later run's /: `index` is its index (JSON text, e.g.
   * static/rootfs/.tbwasm-index.json; null: an empty root, still writable), `fetch(path)` returns
   * an image file's bytes (Uint8Array) synchronously, on first read.  Throws on a bad index.
   */
  openRootfs({ index = null, fetch = null } = {}) {
    this.rootfs?.destroy?.();
    this.rootfs = this.bridge.open_rootfs(index, fetch);
    return this.rootfs;
  }

  /** A running guest's terminal (a run with `terminal`) changed size: SIGWINCH.  runId: which
   *  run (default: every run in progress). */
  resize(rows, cols, runId) {
    for (const [id, session] of this.sessions) if (runId === undefined || runId === id) session?.resize?.(rows, cols);
  }

  /** Put a file into the guest's filesystem (directories are made); "" or a one-line error. */
  writeFile(path, bytes, mode) {
    this.rootfs ?? this.openRootfs();
    return this.bridge.rootfs_write(this.rootfs, path, bytes, mode ?? undefined);
  }

  /** A regular file of the guest's filesystem: its bytes (Uint8Array), or a one-line error string. */
  readFile(path) {
    this.rootfs ?? this.openRootfs();
    const r = this.bridge.rootfs_read(this.rootfs, path);
    return typeof r === "string" ? r : r instanceof Uint8Array ? r : (r.toJs?.() ?? r);
  }

  /**
   * Run one guest program to completion.
   * @param {object} o
   * @param {Uint8Array} o.program  the ELF bytes
   * @param {string[]} [o.args]     argv[1..]; argv[0] is o.argv0 (default "/program")
   * @param {string[]} [o.env]      environment ("NAME=value"); null lets the machine choose
   * @param {(n: number) => Uint8Array|null} [o.stdin]  may block; null = EOF
   * @param {(b: Uint8Array) => void} [o.stdout]
   * @param {(b: Uint8Array) => void} [o.stderr]
   * @param {(s: object) => void} [o.onStats]  called every statsInterval ms and at the end
   * @param {() => boolean} [o.shouldStop]     checked after every exit to the host
   * @param {number} [o.budget]  guest instructions per slice (default abi.json host.default_budget)
   * @param {string} [o.name]    program name for the ELF error line (default argv0)
   * @param {string} [o.argv0]   the guest's argv[0] (default "/program")
   * @param {number} [o.maxTbs]  live TB ids, the table's size (default 8192: see below)
   * @param {number} [o.statsInterval]  ms between onStats calls (default 250)
   * @param {number} [o.yieldInterval]  ms between yields to the event loop while the guest runs (default 100)
   * @param {boolean} [o.countTbs] count TB entries, for the chain-hits statistic (slower)
   * @param {(seconds: number) => boolean} [o.sleep] how the guest sleeps; true = cut short (EINTR)
   * @param {string} [o.sysroot] a directory of Pyodide's filesystem overlaid on the guest's paths (-L)
   * @param {Object<string, string>} [o.mounts] guest directory -> directory of Pyodide's filesystem
   *   (read/write; the Node CLI's --mount mounts host directories with NODEFS)
   * @param {string} [o.tier]    "tiered" | "interp" | "jit" (abi.json tiers.names; default tiers.default)
   * @param {number} [o.hotThreshold] block entries before tier 0 hands a block to the JIT (tiered)
   * @param {boolean} [o.processes] false: fork answers ENOSYS (no memory per guest process)
   * @param {object} [o.rootfs]  the guest's / (default: the one openRootfs made, if any)
   * @param {{rows: number, cols: number}} [o.terminal] run on a terminal of this size (the
   *   guest gets Linux's line discipline: echo, line editing, ^C; it wants raw keystrokes on
   *   stdin and `o.stdinPoll`); `runtime.resize(rows, cols)` follows the page's terminal
   * @param {(n: number, timeoutMs: number) => Uint8Array|null|undefined} [o.stdinPoll] input that
   *   arrives within timeoutMs (-1: no limit); undefined when none came, null at EOF
   * @param {string} [o.cwd]     the first process's working directory
   * @param {*} [o.runId]        names the run for resize() (default: a number of its own)
   * @param {boolean} [o.asyncWaits] the host runs several machines in this thread: guest waits
   *   (sleeps, timeouts, a terminal without input) never block it; they come back as "idle"
   *   actions and the loop awaits `o.idleWait(timeoutSeconds|null)` (default: a short timer)
   * @param {(timeout: number|null) => Promise<void>} [o.idleWait]
   * @param {object} [o.net]  the guest's network: a view of a WispNet (web/runtime/net.mjs: its methods,
   *   `seq` and `nextEvent()`); needs asyncWaits, its events end idle waits (absent: no network)
   * @param {Uint8Array} [o.state] continue this saved system (saveState) instead of o.program
   * @param {(line: string) => void} [o.trace]   each TB translated (the CLI's --trace)
   * @param {(line: string) => void} [o.strace]  each system call (the CLI's --strace)
   * @param {() => string | undefined} [o.stopMessage]  the line said when the run is stopped
   *   (undefined: abi.json's host.stopped_message; the CLI's --timeout names itself)
   * @returns {Promise<{status: number, message: string, stopped: boolean, error: string|null, stats: object}>}
   *   (web/runtime/result.mjs)
   */
  async run(o) {
    const { exit: EXIT, host } = this.abi;
    const KIND = this.abi.action.kinds;
    const BUDGET = EXIT.BUDGET;
    const stdout = o.stdout ?? (() => {});
    const stderr = o.stderr ?? (() => {});
    const shouldStop = o.shouldStop ?? (() => false);
    const onStats = o.onStats ?? (() => {});
    const statsInterval = o.statsInterval ?? 250;
    const yieldInterval = o.yieldInterval ?? 100;
    const enc = new TextEncoder();
    const say = (line) => stderr(enc.encode(line + "\n"));
    const stopLine = () => o.stopMessage?.() ?? host.stopped_message;

    // The first process's memory is reused by later runs of this runtime: a fresh 1 GiB memory
    // per run left garbage that V8 collects late (the page's footprint grew by ~0.6 MiB a run).
    // The machine zeroes its own state and every page an earlier guest wrote before reuse.
    // Its table too, and the instances made for it are cached by module content (below).  A
    // new machine starts with every link slot and jump-cache entry zeroed and installs each TB
    // id it hands out before calling it, so entries left by an earlier run are never reached.
    // Runs in progress at the same time (several machines in one worker) each have their own.
    // Space 0 is that memory and table; every other guest process gets a space of its own
    // (newSpace below), kept for later forks and runs when it ends (this.spare).
    let space0;
    try {
      space0 = this.firstSpaces.pop() ?? this.makeSpace();
    } catch (e) {
      // the engine cannot reserve another guest memory (too many machines at once)
      const message = `tbwasm: out of memory for another machine (${this.running} running): ${lastLine(e?.message ?? e)}`;
      stderr(new TextEncoder().encode(message + "\n"));
      return internalError(host, message);
    }
    const runId = o.runId ?? Symbol("run");
    this.running++;
    const spaces = new Map([[0, space0]]);
    let nextSpace = 1;
    const newSpace = () => {
      const space = this.spare.pop() ?? this.makeSpace();
      space.id = nextSpace++;
      spaces.set(space.id, space);
      this.spacesUsed = Math.max(this.spacesUsed, spaces.size);
      return { id: space.id, port: space.port };
    };
    const freeSpace = (id) => {
      const space = spaces.get(id);
      if (space === undefined || id === 0) return;
      spaces.delete(id);
      this.keepSpace(space);
    };
    let current = space0; // the space (process) whose TB runs next
    let tbl = current.table;
    const argv = [o.argv0 ?? "/program", ...(o.args ?? [])];

    const t0 = now();
    let lastStats = t0;
    let lastYield = t0;
    let session = null;
    let result = runResult();
    const compile0 = this.modules.compileSeconds;
    const stats = () => {
      const s = session ? session.stats() : {};
      s.engine_compile_seconds = this.modules.compileSeconds - compile0;
      const elapsed = (now() - t0) / 1000;
      s.elapsed = elapsed;
      s.mips = elapsed > 0 ? (s.guest_insns ?? 0) / elapsed / 1e6 : 0;
      // TB entries are only counted with countTbs; without them chain hits are unknown
      s.chain_hits = s.tb_entries ? (s.chain_hits ?? s.tb_entries - (s.host_calls ?? 0)) : null;
      return s;
    };
    try {
      const tier = o.tier ?? this.tier;
      const hotThreshold = o.hotThreshold ?? this.hotThreshold;
      const bad = checkTier(this.abi, tier, hotThreshold);
      if (bad) {
        // a usage error, reported like a program the loader rejects (one line)
        result = usageError(host, bad);
        say(bad);
        return result;
      }
      // the options of pyodide_bridge.create_machine (undefined and null: not given)
      session = this.bridge.create_machine(space0.port, {
        // budget, countTbs, tier, hotThreshold, maxTbs (abi.json options)
        ...machineOptions(this.abi, {
          ...o,
          tier,
          hotThreshold,
          // Live TB ids (= table size).  Each instance that imports the table costs memory in
          // proportion to its size in some engines (V8 11, Node 20), so a JS host keeps it
          // moderate; past it the machine flushes and we swap in a fresh table.
          maxTbs: o.maxTbs ?? 8192,
        }),
        program: o.program,
        argv,
        env: o.env,
        stdin: o.stdin,
        stdout,
        stderr,
        machineModule: this.machineModule,
        name: o.name ?? argv[0],
        sleep: o.sleep,
        sysroot: o.sysroot,
        trace: o.trace,
        strace: o.strace,
        newSpace: o.processes === false ? undefined : newSpace,
        freeSpace: o.processes === false ? undefined : freeSpace,
        mounts: o.mounts,
        rootfs: o.rootfs ?? this.rootfs,
        terminal: o.terminal,
        stdinPoll: o.stdinPoll ? (n, ms) => o.stdinPoll(n, ms < 0 ? Infinity : ms) : undefined,
        cwd: o.cwd,
        asyncWaits: !!o.asyncWaits,
        net: o.net,
        state: o.state, // a saved system to continue (py_backend/state.py) instead of program
      });
      // a restored system brings its own filesystem tree: the page's from now on
      if (o.state && session.rootfs) this.rootfs = session.rootfs;
      this.sessions.set(runId, session);
      let action = session.start();
      for (;;) {
        let tb;
        if (typeof action === "number") {
          tb = action;
          if (tb < 0) {
            // another process (space) and nothing to install
            const to = otherSpace(this.abi, tb);
            current = spaces.get(to.space);
            if (current === undefined) throw new Error(`no space ${to.space} for TB ${to.tb}`);
            tbl = current.table;
            tb = to.tb;
          }
        } else if (action.kind === KIND.run) {
          current = spaces.get(action.space ?? 0);
          if (current === undefined) throw new Error(`no space ${action.space} for TB ${action.tb}`);
          // Every TB of that process was dropped: old instances become garbage once the
          // table lets go of them.
          if (action.reset_table) this.resetTable(current);
          tbl = current.table;
          if (action.table_size > tbl.length) tbl.grow(action.table_size - tbl.length);
          for (const m of action.modules) this.modules.instantiate(m, current);
          tb = action.tb;
        } else if (action.kind === KIND.idle) {
          // every guest process waits (for the terminal's input, or with asyncWaits for a
          // deadline): let page events (resize, files, Stop) in, then the System goes on waiting
          const t = now();
          if (t - lastStats >= statsInterval) {
            lastStats = t;
            onStats(stats());
          }
          if (o.asyncWaits) {
            const wait = (o.idleWait ?? idleTimer)(action.timeout ?? null);
            // the guest's network (web/runtime/net.mjs): bytes or a state change end the wait at once
            if (o.net) {
              const seq = o.net.seq;
              await Promise.race([wait, o.net.nextEvent()]);
              // woken by the network: let in the other messages that are there before the
              // guest runs again (one per wake made a download crawl: ~1.7x faster in Node)
              if (o.net.seq !== seq) await yieldToEventLoop();
            } else await wait;
          } else await yieldToEventLoop();
          lastYield = now();
          if (shouldStop()) {
            result = stoppedResult(host);
            say(stopLine());
            break;
          }
          action = session.service(EXIT.IDLE);
          continue;
        } else {
          const message = action.message ?? "";
          result = runResult({
            status: action.status,
            message,
            error: action.kind === KIND.error ? message : null,
            // the System's sleep (every process waits) was cut short by the host's Stop
            stopped:
              action.kind === KIND.exit && action.status === host.status.STOPPED && message === host.stopped_message,
          });
          if (result.message) say(result.stopped ? stopLine() : result.message);
          break;
        }
        const reason = tbl.get(tb)();
        if (shouldStop()) {
          result = stoppedResult(host); // as if killed by SIGINT
          say(stopLine());
          break;
        }
        if (reason === BUDGET) {
          const t = now();
          if (t - lastStats >= statsInterval) {
            lastStats = t;
            onStats(stats());
          }
          if (t - lastYield >= yieldInterval) {
            await yieldToEventLoop();
            lastYield = now();
          }
        }
        action = session.service(reason);
      }
    } catch (e) {
      // A bug in the emulator (a Python exception) or a trap in generated code: report, don't hang.
      const text = e?.type ? `${e.message}` : `${e?.stack ?? e}`;
      result = internalError(host, `tbwasm: internal error: ${lastLine(text)}`);
      say(text.trim());
      say(result.error);
    } finally {
      result.stats = stats();
      onStats(result.stats);
      session?.destroy?.();
      this.sessions.delete(runId);
      this.running--;
      // Processes still alive (a Stop, an error): their spaces are kept or let go as at an exit.
      for (const [id, other] of spaces) if (id !== 0) this.keepSpace(other);
      spaces.clear();
      space0.id = 0;
      if (this.firstSpaces.length < this.idleSpareSpaces) this.firstSpaces.push(space0);
      else this.dropSpace(space0);
      // Between runs keep only a few (each holds the pages its processes touched, zeroed).
      for (const extra of this.spare.splice(this.idleSpareSpaces)) this.dropSpace(extra);
      this.bridge.collect?.();
    }
    return result;
  }

  /**
   * The whole running system of run `runId` (every process, its files, the terminal) as bytes
   * that `run({state})` continues, here or in another page (py_backend/state.py).  Safe while
   * the run's loop awaits (every message reaches the worker there).  Throws a one-line Error.
   * @returns {Uint8Array}
   */
  saveState(runId) {
    const session = this.sessions.get(runId);
    if (!session) throw new Error("tbwasm: STATE: no such run in progress");
    const got = session.save_state();
    if (typeof got === "string") throw new Error(got);
    return got;
  }

  /** A memory of the ABI's size, its port for Python and a funcref table, with the imports of
   *  every module instantiated in it and those instances (by ModuleCache entry). */
  makeSpace(id = 0) {
    const { layout } = this.abi;
    const memory = new WebAssembly.Memory({ initial: layout.MEMORY_PAGES });
    const space = { id, memory, port: memoryPort(memory), table: null, imports: null, instances: null };
    this.spacesMade++;
    this.resetTable(space);
    return space;
  }

  /** A fresh table for a space; the instances made for the old one go with it. */
  resetTable(space) {
    const { layout } = this.abi;
    space.table = new WebAssembly.Table({ element: "anyfunc", initial: 1024 });
    space.imports = {
      [layout.IMPORT_MODULE]: { [layout.IMPORT_MEMORY]: space.memory, [layout.IMPORT_TABLE]: space.table },
    };
    space.instances = new WeakMap();
  }

  /** A process space that ended: kept for the next fork (the Python side zeroes what its last
   *  process wrote before reuse), or let go past `maxSpareSpaces`; `idleSpareSpaces` are kept
   *  from one run to the next. */
  keepSpace(space) {
    if (this.spare.length < this.maxSpareSpaces) this.spare.push(space);
    else this.dropSpace(space);
  }

  /** Let go of a process space: its memory is collected with the last reference to it. */
  dropSpace(space) {
    this.bridge.forget_memory?.(space.port);
    this.spacesDropped++;
  }
}

// The snapshot file: Pyodide's snapshot without its all-zero 64 KiB pages (about half of a
// fresh heap is zeros).  "TBSP", total length, page count, a bitmap of the pages present (LSB
// first), then those pages in order (the last one may be short).
const SPARSE_MAGIC = 0x50534254; // "TBSP" little-endian
const SPARSE_PAGE = 1 << 16;

/** Encode a Pyodide memory snapshot (web/build/snapshot.mjs). */
export function encodeSnapshot(bytes) {
  const pages = Math.ceil(bytes.length / SPARSE_PAGE);
  const head = 12 + Math.ceil(pages / 32) * 4;
  const bitmap = new Uint32Array(Math.ceil(pages / 32));
  const present = [];
  for (let p = 0; p < pages; p++) {
    const page = bytes.subarray(p * SPARSE_PAGE, (p + 1) * SPARSE_PAGE);
    if (page.some((b) => b !== 0)) {
      bitmap[p >> 5] |= 1 << (p & 31);
      present.push(page);
    }
  }
  const out = new Uint8Array(head + present.reduce((n, page) => n + page.length, 0));
  const words = new Uint32Array(out.buffer, 0, head / 4);
  words.set([SPARSE_MAGIC, bytes.length, pages]);
  words.set(bitmap, 3);
  let off = head;
  for (const page of present) {
    out.set(page, off);
    off += page.length;
  }
  return out;
}

/** The Pyodide snapshot in an encoded one (or the bytes as they are, if not encoded). */
export function decodeSnapshot(data) {
  if (data.length < 12 || new Uint32Array(data.buffer, data.byteOffset, 1)[0] !== SPARSE_MAGIC) return data;
  const [, length, pages] = new Uint32Array(data.buffer.slice(data.byteOffset, data.byteOffset + 12));
  const head = 12 + Math.ceil(pages / 32) * 4;
  const bitmap = new Uint32Array(data.buffer.slice(data.byteOffset + 12, data.byteOffset + head));
  const out = new Uint8Array(length);
  let off = head;
  for (let p = 0; p < pages; p++) {
    if (!(bitmap[p >> 5] & (1 << (p & 31)))) continue;
    const n = Math.min(SPARSE_PAGE, length - p * SPARSE_PAGE);
    if (off + n > data.length) throw new Error("the snapshot file is truncated");
    out.set(data.subarray(off, off + n), p * SPARSE_PAGE);
    off += n;
  }
  if (off !== data.length) throw new Error("the snapshot file has trailing bytes");
  return out;
}

/** Bytes of a file: URL (Node) or of an http(s) URL. */
async function readBytes(url) {
  if (isNode && url.startsWith("file:")) {
    const fs = await import("node:fs");
    return new Uint8Array(fs.readFileSync(new URL(url)));
  }
  const r = await fetch(url);
  if (!r.ok) throw new RuntimeSetupError(`tbwasm: cannot fetch ${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** The bytes of a gzip file (as they are if a server already unpacked it: Content-Encoding). */
async function gunzip(bytes) {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * loadPyodide from the memory snapshot described by manifest.snapshot ({file, bytes, pyodide}).
 * Pyodide waits for `_loadSnapshot` before it even creates its module (compiles the wasm, mounts
 * the standard library), so it gets an empty placeholder at once, the download runs meanwhile,
 * and its restoreSnapshot is handed the real bytes once both are done.  Pyodide 314 restores a
 * snapshot into the heap the wasm module starts with and fails when the snapshot is larger
 * ("offset is out of bounds"), so the heap is grown to its size first.  Only the Python heap is
 * restored: the filesystem is fresh, so the snapshot has every module the machine needs imported
 * already (web/build/snapshot.mjs).
 */
async function loadFromSnapshot(o, pyConfig, meta, mark) {
  let asmURL = (o.indexURL.endsWith("/") ? o.indexURL : o.indexURL + "/") + "pyodide.asm.mjs";
  if (isNode && !asmURL.startsWith("file:")) asmURL = (await import("node:url")).pathToFileURL(asmURL).href;
  // the gzip copy where the host can unpack it (a browser; Node reads the plain file from disk)
  const packed = meta.gzip && !isNode && typeof DecompressionStream === "function";
  const download = readBytes(new URL(packed ? meta.gzip : meta.file, o.wheelsURL).href)
    .then((b) => (packed ? gunzip(b) : b))
    .then((b) => (mark("snapshot_fetched"), decodeSnapshot(b)));
  download.catch(() => {}); // awaited below; an error then fails loadPyodide
  const asm = await import(asmURL);
  mark("asm_imported");
  const pyodide = await o.loadPyodide({
    ...pyConfig,
    _loadSnapshot: new Uint8Array(0), // a placeholder: see above
    createPyodideModule: async (settings) => {
      const module = await asm.default(settings);
      mark("module_created");
      const snapshot = await download;
      if (meta.bytes && snapshot.length !== meta.bytes) {
        throw new Error(`${meta.file} is ${snapshot.length} bytes long, not ${meta.bytes}`);
      }
      const heapSize = snapshot.length - new Uint32Array(snapshot.buffer, snapshot.byteOffset, 2)[1];
      if (module.HEAP8.length < heapSize && !module._emscripten_resize_heap(heapSize)) {
        throw new Error(`cannot grow the Pyodide heap to ${heapSize} bytes`);
      }
      const restore = module.API.restoreSnapshot;
      module.API.restoreSnapshot = () => restore(snapshot);
      return module;
    },
  });
  mark("restored");
  if (meta.pyodide && pyodide.version !== meta.pyodide) {
    throw new Error(`made with Pyodide ${meta.pyodide}, not ${pyodide.version}`);
  }
  return pyodide;
}

/**
 * A one-line reason if `tier` or `hotThreshold` is not valid (undefined/null/"" means the default),
 * else "".  The names come from abi.json (`tiers.names`), as the native CLI's --tier choices.
 */
export function checkTier(abi, tier, hotThreshold) {
  const names = abi.tiers?.names ?? ["tiered", "interp", "jit"];
  if (tier !== undefined && tier !== null && tier !== "" && !names.includes(tier)) {
    return `tbwasm: unknown tier ${JSON.stringify(String(tier))} (one of ${names.join(", ")})`;
  }
  if (hotThreshold !== undefined && hotThreshold !== null && !(Number.isInteger(hotThreshold) && hotThreshold >= 1)) {
    return `tbwasm: the hot threshold must be a positive integer, not ${JSON.stringify(String(hotThreshold))}`;
  }
  return "";
}

/**
 * How the Python side reads and writes guest memory (JsMemory in pyodide_bridge.py).  Python
 * binds a bytearray of its own (a PyProxy); the port keeps a view of it into the Pyodide heap
 * and copies between that and the guest memory.  Every call takes and returns numbers only, so
 * Pyodide makes no proxy for it: the obvious `Uint8Array.new(memory.buffer, off, n)` from Python
 * makes three or four, which was most of the worker's garbage (see bench/soak_browser.py).
 */
export function memoryPort(memory) {
  let guest = new Uint8Array(memory.buffer);
  let proxy = null;
  let pybuf = null;
  let scratch = new Uint8Array(0);
  let scanner = null;
  const scan = () => (scanner ??= pageScanner(memory));
  // Views die when their memory grows (guest: never, by design; Pyodide's heap: at any time).
  const guestView = () => (guest.byteLength ? guest : (guest = new Uint8Array(memory.buffer)));
  const scratchView = () => {
    if (scratch.byteLength === 0 && proxy) {
      pybuf?.release();
      pybuf = proxy.getBuffer("u8");
      scratch = pybuf.data;
    }
    return scratch;
  };
  return {
    memory,
    bind(p) {
      pybuf?.release();
      proxy = p;
      pybuf = null;
      scratch = new Uint8Array(0);
      scratchView();
    },
    read(off, n) {
      const g = guestView();
      const s = scratchView();
      if (n <= 32) for (let i = 0; i < n; i++) s[i] = g[off + i];
      else s.set(g.subarray(off, off + n));
    },
    write(off, n) {
      const g = guestView();
      const s = scratchView();
      if (n <= 32) for (let i = 0; i < n; i++) g[off + i] = s[i];
      else g.set(s.subarray(0, n), off);
    },
    fill(off, n, value) {
      const g = guestView();
      if (value !== 0 || n < ZERO_SCAN_MIN) {
        g.fill(value, off, off + n);
        return;
      }
      // Large zero fills (a machine's state and page table when it starts, a freed mapping)
      // write only the pages that are not zero: a fresh memory (a forked process's) stays
      // untouched, so it neither costs page faults nor becomes resident.
      const a = Math.min(off + n, Math.ceil(off / PAGE) * PAGE);
      const b = Math.max(a, Math.floor((off + n) / PAGE) * PAGE);
      g.fill(0, off, a);
      nonzeroRuns(scan(), a, b - a, (x, y) => g.fill(0, x, y));
      g.fill(0, b, off + n);
    },
    view: guestView,
    /** Copy [off, off + n) to the same place in another port's memory (fork), skipping the
     *  4 KiB pages that are all zeros (the other memory is fresh: they stay untouched there). */
    copyTo(dst, off, n) {
      const g = guestView();
      const d = dst.view();
      nonzeroRuns(scan(), off, n, (a, b) => d.set(g.subarray(a, b), a));
      return true;
    },
    /** Zero [off, off + n), writing only the pages that are not zero already (a page never
     *  touched stays so, instead of becoming resident). */
    zeroPages(off, n) {
      const g = guestView();
      nonzeroRuns(scan(), off, n, (a, b) => g.fill(0, a, b));
    },
  };
}

const PAGE = 4096;
const ZERO_SCAN_MIN = 1 << 16;

/** Calls fn(start, end) for each run of 4 KiB pages in [off, off + n) that hold a nonzero byte
 *  (the whole range when it is not page-aligned); `scan` is the memory's pageScanner. */
function nonzeroRuns(scan, off, n, fn) {
  if (off % PAGE || n % PAGE) {
    if (n > 0) fn(off, off + n);
    return;
  }
  const end = off + n;
  for (let p = off; p < end;) {
    const a = scan.firstNonzero(p, end);
    if (a >= end) break;
    const b = Math.min(end, scan.firstZero(a, end));
    fn(a, b);
    p = b;
  }
}

/**
 * firstNonzero(p, end) / firstZero(p, end): the first 4 KiB page at or after p (page-aligned)
 * below end that holds a nonzero byte / only zeros, else a value >= end.  A small Wasm module
 * over the memory does it with 16-byte loads: ~10x faster than a JavaScript loop, and steady
 * (the JS loop's speed swung between 2 and 40 ms per 8 MiB as V8 re-optimized it).  A fork
 * scans every mapped page of the parent, most of them never touched (an 8 MiB stack).
 */
function pageScanner(memory) {
  try {
    scannerModule ??= new WebAssembly.Module(scannerBytes());
    return new WebAssembly.Instance(scannerModule, { m: { m: memory } }).exports;
  } catch {
    const words = new Int32Array(memory.buffer);
    const zero = (p) => {
      for (let i = p >> 2, e = i + (PAGE >> 2); i < e; i++) if (words[i] !== 0) return false;
      return true;
    };
    return {
      firstNonzero: (p, end) => {
        while (p < end && zero(p)) p += PAGE;
        return p;
      },
      firstZero: (p, end) => {
        while (p < end && !zero(p)) p += PAGE;
        return p;
      },
    };
  }
}

let scannerModule = null;

function scannerBytes() {
  const str = (t) => [t.length, ...new TextEncoder().encode(t)];
  const section = (id, body) => [id, ...uleb(body.length), ...body];
  // (func (param $p i32) (param $end i32) (result i32) (local $i i32) (local $acc v128)
  //   block loop                                       ;; over pages
  //     $p >= $end br_if 1
  //     $acc = 0; $i = 0
  //     loop $acc |= load($p+$i) | load(+16) | load(+32) | load(+48); $i += 64; br_if $i < 4096
  //     any_true($acc) [eqz for firstZero] br_if 1; $p += 4096; br 0
  //   end end $p)
  const load = (offset) => [0x20, 0, 0x20, 2, 0x6a, 0xfd, 0x00, 4, offset];
  const body = (wantZero) => [
    2,
    1,
    0x7f,
    1,
    0x7b, // locals: 1 i32, 1 v128
    0x02,
    0x40,
    0x03,
    0x40,
    0x20,
    0,
    0x20,
    1,
    0x4f,
    0x0d,
    1,
    0xfd,
    0x0c,
    ...new Array(16).fill(0),
    0x21,
    3,
    0x41,
    0,
    0x21,
    2,
    0x03,
    0x40,
    0x20,
    3,
    ...load(0),
    0xfd,
    0x50,
    ...load(16),
    0xfd,
    0x50,
    ...load(32),
    0xfd,
    0x50,
    ...load(48),
    0xfd,
    0x50,
    0x21,
    3,
    0x20,
    2,
    0x41,
    0xc0,
    0x00,
    0x6a,
    0x22,
    2,
    0x41,
    0x80,
    0x20,
    0x49,
    0x0d,
    0,
    0x0b,
    0x20,
    3,
    0xfd,
    0x53,
    ...(wantZero ? [0x45] : []),
    0x0d,
    1,
    0x20,
    0,
    0x41,
    0x80,
    0x20,
    0x6a,
    0x21,
    0,
    0x0c,
    0,
    0x0b,
    0x0b,
    0x20,
    0,
    0x0b,
  ];
  const code = (b) => [...uleb(b.length), ...b];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 2, 0x7f, 0x7f, 1, 0x7f]),
    ...section(2, [1, ...str("m"), ...str("m"), 0x02, 0x00, 0x00]),
    ...section(3, [2, 0, 0]),
    ...section(7, [2, ...str("firstNonzero"), 0x00, 0, ...str("firstZero"), 0x00, 1]),
    ...section(10, [2, ...code(body(false)), ...code(body(true))]),
  ]); // prettier-ignore
}

function uleb(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}

/**
 * Compiled modules, and their instances, by content.  The translator is deterministic, so
 * running a program again produces the same module bytes: reusing the module skips V8's
 * compile (a forked process reuses its parent's), and reusing the instance (each space's memory
 * and table are the runtime's own, kept across runs) puts its
 * exported TB entry points back into the table instead of creating a new instance.  A page that
 * runs programs over and over then stops piling up code and instances that V8 would collect only
 * late (its heap of JS objects stays small, so major GCs are rare).  Hits are confirmed byte for
 * byte; at most `limit` entries are kept, least recently used first out.
 */
class ModuleCache {
  constructor(limit) {
    this.limit = limit;
    this.map = new Map(); // key -> {bytes, module, instance}; Map order = least recently used first
    this.hits = 0; // modules not compiled again
    this.misses = 0;
    this.reused = 0; // instances not created again
    this.compileSeconds = 0; // V8's compile of the modules it had not seen (all runs)
  }

  static key(bytes) {
    // two 32-bit FNV-1a style hashes with different multipliers, and the length
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (let i = 0; i < bytes.length; i++) {
      h1 = Math.imul(h1 ^ bytes[i], 0x01000193);
      h2 = Math.imul(h2 ^ bytes[i], 0x5bd1e995);
    }
    return `${bytes.length}:${h1 >>> 0}:${h2 >>> 0}`;
  }

  entry(bytes) {
    const key = ModuleCache.key(bytes);
    let e = this.map.get(key);
    if (e && sameBytes(e.bytes, bytes)) {
      this.map.delete(key);
      this.hits++;
    } else {
      const t = now();
      e = { bytes: bytes.slice(), module: new WebAssembly.Module(bytes) };
      this.compileSeconds += (now() - t) / 1000;
      this.misses++;
    }
    this.map.set(key, e);
    if (this.map.size > this.limit) this.map.delete(this.map.keys().next().value);
    return e;
  }

  /** The compiled module for these bytes. */
  get(bytes) {
    return this.entry(bytes).module;
  }

  /**
   * Instantiate in a space (its element segment fills the space's table), or reinstall the
   * instance made there before.  Compiled modules are shared by every space; an instance is
   * bound to the memory and table it imported, so each space has its own (Runtime.makeSpace).
   */
  instantiate(bytes, space) {
    const e = this.entry(bytes);
    const instance = space.instances.get(e);
    if (instance === undefined) {
      space.instances.set(e, new WebAssembly.Instance(e.module, space.imports));
      return;
    }
    this.reused++;
    for (const [id, fn] of Object.entries(instance.exports)) space.table.set(Number(id), fn);
  }
}

function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The default idle wait of a run with asyncWaits: up to 20 ms (the earliest deadline, if
 *  sooner), so that input and Stop are seen soon without spinning. */
function idleTimer(timeout) {
  const ms = timeout === null ? 20 : Math.min(20, timeout * 1000);
  return ms <= 0 ? yieldToEventLoop() : new Promise((r) => setTimeout(r, ms));
}

/** Let queued events run (a macrotask), cheaper than setTimeout's clamped delay. */
function yieldToEventLoop() {
  if (typeof setImmediate === "function") return new Promise((r) => setImmediate(r));
  return new Promise((r) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      r();
    };
    ch.port2.postMessage(0);
  });
}
