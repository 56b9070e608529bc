#!/usr/bin/env node
// @ts-check
// tbwasm on Node: the same runtime as the browser (web/runtime/runtime.mjs), Pyodide from node_modules,
// the tbwasm wheel from static/wheels (scripts/setup-web.sh builds it).
//
//   node web/node/cli.mjs [OPTIONS] PROG [ARGS...]
//   node web/node/cli.mjs [--save-state FILE] [-L DIR] [--mount ...] [--rootfs DIR] --resume FILE
//
// The options are those of `python -m py_backend.cli run`, parsed by the one table both CLIs are
// built from (py_backend/cli_options.py, exported to web/node/cli_options.json; docs/cli.md).
// How they work here: --env (repeatable; without it the machine's
// default environment), --argv0 (default: PROG as given), --mount GUEST_DIR=HOST_DIR
// (repeatable: the host directory, read/write, at GUEST_DIR; mounted into Pyodide's
// filesystem with NODEFS), -L/--sysroot DIR (or QEMU_LD_PREFIX)
// for dynamically linked programs: DIR is mounted into Pyodide's filesystem (NODEFS) and
// overlaid read-only on the guest's absolute paths, as `qemu-riscv64 -L DIR` does.
// --rootfs DIR: the root filesystem image DIR (scripts/fetch-rootfs.sh: static/rootfs) is the
// guest's /, read lazily through its index and writable in memory, as in the page; an absolute
// PROG is then looked up in it first.
// --tier tiered|interp|jit and --hot-threshold N (default: $TBWASM_TIER / $TBWASM_HOT_THRESHOLD,
// else abi.json's tiers.default / tiers.hot_threshold), as the native CLI's Machine takes them.
//
// --net: the guest's TCP connections go out through a Wisp relay (web/node/relay.mjs) that this
// process starts on 127.0.0.1 (a child process) with the --net-allow HOST[:PORT] entries
// (repeatable: loopback/private destinations it may reach); --net=ws://HOST:PORT/PATH/ (or
// `--net ws://...`) uses a running relay instead.  Off by default.
// --save-state FILE: the whole running system (py_backend/state.py) is written to FILE when this
// process gets SIGUSR2 (the run goes on) or SIGINT (saved, then stopped: status 130); --resume
// FILE continues it (give the same -L, --mount and --rootfs again: they are the host's).
//
// --timeout SECONDS stops the guest (status 130); --strace and --trace log to stderr; --tty: see
// below.  Guest stdin is this process's stdin (read synchronously when the guest reads), stdout and
// stderr go to the process's, and the exit status is the guest's (128+signal for a fatal signal,
// after the same one-line message as `python -m py_backend.cli run`).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadPyodide } from "pyodide";
import { spawn } from "node:child_process";
import readline from "node:readline";
import { Worker } from "node:worker_threads";
import { WispNet } from "../runtime/net.mjs";
import { StdinRing, createStdinBuffer } from "../runtime/stdin_ring.mjs";
import { exitNow } from "./exit_now.mjs";
import { RuntimeSetupError, checkTier, createRuntime, envSettings } from "../runtime/runtime.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const ABI = JSON.parse(fs.readFileSync(new URL("../abi.json", import.meta.url), "utf8"));
const { USAGE, INTERNAL } = ABI.host.status; // exit statuses of the host itself, as the native CLI's

/**
 * One option of web/node/cli_options.json, made by `python -m py_backend.cli_options` from the
 * table the native CLI's parser is built from (docs/cli.md lists them).
 * @typedef {object} CliOption
 * @property {string[]} flags  e.g. ["-L", "--sysroot"]
 * @property {string} name  the long flag without dashes ("hot-threshold")
 * @property {"flag" | "value" | "append" | "switch"} kind
 * @property {"str" | "int" | "float"} type
 * @property {any} default
 * @property {string | null} metavar
 * @property {string[] | null} choices
 * @property {string} help
 */
/** @type {CliOption[]} */
const OPTIONS = JSON.parse(fs.readFileSync(new URL("./cli_options.json", import.meta.url), "utf8")).options;

/** @param {string} [msg] @returns {never} */
function usage(msg) {
  if (msg) process.stderr.write(`tbwasm-node: ${msg}\n`);
  const shown = OPTIONS.filter((o) => o.help).map((o) => {
    const arg = o.choices
      ? ` ${o.choices.join("|")}`
      : o.kind === "flag"
        ? ""
        : ` ${o.metavar ?? o.name.toUpperCase()}`;
    const net = o.name === "net" ? "[=ws://RELAY/]" : "";
    return `[${o.flags[0]}${net}${arg}]${o.kind === "append" ? "..." : ""}`;
  });
  process.stderr.write(`usage: tbwasm-node ${shown.join(" ")} PROG [ARGS...] | --resume FILE\n`);
  process.exit(USAGE);
}

/** "hot-threshold" -> "hotThreshold": the key of an option in `opts`. */
const camel = (/** @type {string} */ name) => name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());

/**
 * The options before PROG, by the table; what is left of `argv` is PROG and its arguments.
 * Node only: --resume FILE (the native CLI's `resume FILE`), and --net's optional relay URL.
 * @param {string[]} argv  consumed
 * @returns {Record<string, any>}
 */
function parseOptions(argv) {
  /** @type {Record<string, any>} */
  const opts = {};
  /** @type {Map<string, CliOption>} */
  const byFlag = new Map();
  for (const o of OPTIONS) {
    opts[camel(o.name)] = o.kind === "append" ? [] : o.kind === "flag" ? false : o.default;
    for (const f of o.flags) byFlag.set(f, o);
  }
  opts.net = null; // or true (a relay of our own), or a running relay's URL
  while (argv.length && argv[0].startsWith("-") && argv[0] !== "-") {
    const a = /** @type {string} */ (argv.shift());
    if (a === "--") break;
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const flag = eq < 0 ? a : a.slice(0, eq);
    const given = eq < 0 ? undefined : a.slice(eq + 1);
    if (flag === "--resume") {
      opts.resume = given ?? argv.shift() ?? usage(`${a} needs a value`);
      continue;
    }
    const o = byFlag.get(flag);
    if (o === undefined) usage(`unknown option ${a}`);
    const key = camel(o.name);
    if (o.name === "net") {
      opts.net = given ?? (/^wss?:\/\//.test(argv[0] ?? "") ? argv.shift() : true);
      continue;
    }
    if (o.kind === "flag" || o.kind === "switch") {
      if (given !== undefined) usage(`${flag} takes no value`);
      opts[key] = true;
      continue;
    }
    const text = given ?? argv.shift() ?? usage(`${a} needs a value`);
    let value;
    if (o.type === "int") {
      value = /^-?[0-9]+$/.test(text) ? Number(text) : usage(`${flag} ${text}: expected an integer`);
    } else if (o.type === "float") {
      value =
        text.trim() !== "" && Number.isFinite(Number(text))
          ? Number(text)
          : usage(`${flag} ${text}: expected a number`);
    } else value = text;
    // (a bad --tier is reported by checkTier, as a bad $TBWASM_TIER and the page's ?tier=)
    if (o.choices && o.name !== "tier" && !o.choices.includes(text)) {
      usage(`${flag} ${text}: expected one of ${o.choices.join(", ")}`);
    }
    if (o.kind === "append") opts[key].push(value);
    else opts[key] = value;
  }
  return opts;
}

const argv = process.argv.slice(2);
const opts = parseOptions(argv);
if (!argv.length && opts.resume === undefined) usage("missing PROG");
if (opts.netAllow.length && opts.net !== true) usage("--net-allow needs --net (the relay this process starts)");
if (typeof opts.net === "string" && !/^wss?:\/\//.test(opts.net))
  usage(`--net=${opts.net}: expected a ws:// or wss:// URL`);
let state;
if (opts.resume !== undefined) {
  try {
    state = new Uint8Array(fs.readFileSync(opts.resume));
  } catch (e) {
    process.stderr.write(`tbwasm: cannot read ${opts.resume}: ${e.code ?? e.message}\n`);
    process.exit(USAGE);
  }
}

// The tier: the option, else $TBWASM_TIER (as the native CLI's Machine reads it; Pyodide's
// os.environ is not this process's), else the machine's default.  Checked before Pyodide loads.
// (like the Machine: a TBWASM_HOT_THRESHOLD that is not a number is ignored)
const ENV = envSettings();
const tier = opts.tier ?? ENV.tier;
let hotThreshold = ENV.hotThreshold;
if (opts.hotThreshold !== null) {
  if (!(opts.hotThreshold >= 1)) usage(`--hot-threshold ${opts.hotThreshold}: expected a positive integer`);
  hotThreshold = opts.hotThreshold;
}
const badTier = checkTier(ABI, tier, hotThreshold);
if (badTier) {
  process.stderr.write(`${badTier}\n`);
  process.exit(USAGE);
}
const [prog, ...args] = argv;
const lastLine = (text) => String(text).trim().split("\n").pop();

let rootfsIndex = null;
if (opts.rootfs !== null) {
  try {
    rootfsIndex = fs.readFileSync(path.join(opts.rootfs, ".tbwasm-index.json"), "utf8");
  } catch (e) {
    process.stderr.write(
      `tbwasm: --rootfs ${opts.rootfs}: no image index (${e.code ?? e.message}); run scripts/fetch-rootfs.sh\n`,
    );
    process.exit(USAGE);
  }
}
let program;
if (state === undefined && (rootfsIndex === null || !prog.startsWith("/"))) {
  try {
    program = new Uint8Array(fs.readFileSync(prog));
  } catch (e) {
    process.stderr.write(`tbwasm: cannot read ${prog}: ${e.code ?? e.message}\n`);
    process.exit(USAGE);
  }
}

// a checkout's static/wheels, else the npm package's staged copy (scripts/pack-assets.mjs)
const wheels =
  process.env.TBWASM_WHEELS ??
  [path.join(ROOT, "static", "wheels"), path.join(ROOT, "dist", "package-assets", "wheels")].find((d) =>
    fs.existsSync(path.join(d, "manifest.json")),
  ) ??
  path.join(ROOT, "static", "wheels");
if (!fs.existsSync(path.join(wheels, "manifest.json"))) {
  // a missing prerequisite, as the native CLI's missing wasmtime
  process.stderr.write(`tbwasm-node: ${wheels}/manifest.json missing; run scripts/setup-web.sh\n`);
  process.exit(USAGE);
}
const indexURL = path.dirname(fileURLToPath(import.meta.resolve("pyodide/pyodide.mjs"))) + path.sep;

// Synchronous stdin: the guest's read() blocks here, like a native process.
const sleeper = new Int32Array(new SharedArrayBuffer(4));
function stdinRead(n) {
  const buf = Buffer.alloc(Math.min(n, 1 << 16));
  for (;;) {
    try {
      const got = fs.readSync(0, buf, 0, buf.length, null);
      return got > 0 ? new Uint8Array(buf.buffer, buf.byteOffset, got) : null;
    } catch (e) {
      if (e.code === "EAGAIN") {
        Atomics.wait(sleeper, 0, 0, 10); // non-blocking tty or pipe: poll
        continue;
      }
      if (e.code === "EOF") return null;
      throw e;
    }
  }
}

function writeAll(fd, bytes) {
  let off = 0;
  while (off < bytes.length) {
    try {
      off += fs.writeSync(fd, bytes, off, bytes.length - off);
    } catch (e) {
      if (e.code === "EAGAIN") {
        Atomics.wait(sleeper, 0, 0, 1);
        continue;
      }
      if (e.code === "EPIPE") return;
      throw e;
    }
  }
}

// -L wins over QEMU_LD_PREFIX; a QEMU_LD_PREFIX that is not a directory is ignored (as qemu)
let sysroot = opts.sysroot ?? null;
if (sysroot !== null && !fs.statSync(sysroot, { throwIfNoEntry: false })?.isDirectory()) {
  process.stderr.write(`tbwasm: -L ${sysroot}: not a directory\n`);
  process.exit(USAGE);
}
const mounts = [];
for (const spec of opts.mount) {
  const eq = spec.indexOf("=");
  const [guest, host] = eq < 0 ? [spec, ""] : [spec.slice(0, eq), spec.slice(eq + 1)];
  if (!guest.startsWith("/") || !host) {
    process.stderr.write(`tbwasm: --mount wants GUEST_DIR=HOST_DIR, got ${JSON.stringify(spec)}\n`);
    process.exit(USAGE);
  }
  if (!fs.statSync(host, { throwIfNoEntry: false })?.isDirectory()) {
    process.stderr.write(`tbwasm: --mount ${spec}: not a directory\n`);
    process.exit(USAGE);
  }
  mounts.push([guest, path.resolve(host)]);
}
if (sysroot === null && process.env.QEMU_LD_PREFIX) {
  const d = process.env.QEMU_LD_PREFIX;
  if (fs.statSync(d, { throwIfNoEntry: false })?.isDirectory()) sysroot = d;
}

let rt;
try {
  rt = await createRuntime({
    indexURL,
    wheelsURL: pathToFileURL(wheels + path.sep).href,
    loadPyodide,
    machineModule: ENV.machineModule,
  });
} catch (e) {
  // a stale or missing wheel (RuntimeSetupError) is a missing prerequisite; anything else a bug
  process.stderr.write(`${e instanceof RuntimeSetupError ? e.message : (e?.stack ?? e)}\n`);
  process.exit(e instanceof RuntimeSetupError ? USAGE : INTERNAL);
}

// The host directory appears inside Pyodide at its own path (so messages name it), unless that
// path already exists there (/tmp, /lib, ...): then under /tbwasm-sysroot.
function mountHost(host, prefix) {
  const at = rt.pyodide.FS.analyzePath(host).exists ? prefix + host : host;
  rt.pyodide.FS.mkdirTree(at);
  rt.pyodide.mountNodeFS(at, host);
  return at;
}
const sysrootMount = sysroot === null ? undefined : mountHost(path.resolve(sysroot), "/tbwasm-sysroot");
// --mount: each host directory in Pyodide's filesystem, then at its guest path (linux/vfs.py)
const hostDirs = mounts.length ? {} : undefined;
const mounted = new Map();
for (const [guest, host] of mounts) {
  if (!mounted.has(host)) mounted.set(host, mountHost(host, "/tbwasm-mount"));
  hostDirs[guest] = mounted.get(host);
}

if (rootfsIndex !== null) {
  const tree = path.resolve(opts.rootfs);
  try {
    rt.openRootfs({ index: rootfsIndex, fetch: (p) => new Uint8Array(fs.readFileSync(path.join(tree, p))) });
  } catch (e) {
    process.stderr.write(`tbwasm: --rootfs ${opts.rootfs}: ${lastLine(e.message)}\n`);
    process.exit(USAGE);
  }
  if (program === undefined && state === undefined) {
    // an absolute PROG: the image's file, else the host's (as the native CLI)
    const got = rt.readFile(prog);
    if (typeof got !== "string") program = got;
    else if (fs.existsSync(prog)) program = new Uint8Array(fs.readFileSync(prog));
    else {
      process.stderr.write(`${got}\n`);
      process.exit(USAGE);
    }
  }
}

// The guest's network: a relay of our own (a child process, so that it runs beside the guest)
// or the one named; the machine's idle waits end when the relay's events come in.
let relay = null;
let net;
if (opts.net !== null) {
  let url = opts.net;
  if (url === true) {
    try {
      ({ relay, url } = await startRelayProcess(opts.netAllow));
    } catch (e) {
      process.stderr.write(`${e.message}\n`);
      process.exit(USAGE);
    }
  }
  const { default: WebSocket } = await import("ws");
  net = new WispNet(/** @type {string} */ (url), { WebSocket, log: (line) => process.stderr.write(line + "\n") });
}

/** `node web/node/relay.mjs` on a free port of 127.0.0.1; resolves when it says where it listens. */
function startRelayProcess(allow) {
  // --with-parent: it exits when this process does, however that happens (its stdin closes)
  const args = [path.join(HERE, "relay.mjs"), "--port", "0", "--with-parent", ...allow.flatMap((a) => ["--allow", a])];
  const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.once("line", (line) => {
      if (!line.startsWith("Relay ")) reject(new Error(`tbwasm-node: the network relay did not start: ${line}`));
      child.stderr.removeAllListeners("data");
      child.stderr.pipe(process.stderr);
      resolve({ relay: child, url: line.split(" ")[1] });
    });
    child.once("exit", () =>
      reject(new Error(err.trim().split("\n")[0] || "tbwasm-node: the network relay did not start")),
    );
  });
}

// --save-state: SIGUSR2 saves (the run goes on), SIGINT saves and stops.  Node runs the
// handlers when the run's loop yields; shouldStop is called right after a TB returned, before
// the exit is serviced: a clean point to save at.  --timeout SECONDS stops the guest (and saves,
// with --save-state) as the native CLI does: status 130, "tbwasm: stopped after --timeout Ns".
const runId = "cli";
let saveWanted = false;
let stopWanted = false;
if (opts.saveState !== null) {
  process.on("SIGUSR2", () => (saveWanted = true));
  process.on("SIGINT", () => (stopWanted = true));
}
const deadline = opts.timeout > 0 ? performance.now() + opts.timeout * 1000 : Infinity;
const timedOut = () => performance.now() >= deadline;
// as Python prints the float (--timeout 1 -> "1.0s")
const timeoutText = Number.isInteger(opts.timeout) ? opts.timeout.toFixed(1) : String(opts.timeout);
function shouldStop() {
  const stop = stopWanted || timedOut();
  if (opts.saveState === null || (!saveWanted && !stop)) return stop;
  saveWanted = false;
  try {
    const bytes = rt.saveState(runId);
    fs.writeFileSync(opts.saveState + ".tmp", bytes);
    fs.renameSync(opts.saveState + ".tmp", opts.saveState);
  } catch (e) {
    process.stderr.write(`tbwasm: cannot save the state to ${opts.saveState}: ${lastLine(e.message)}\n`);
  }
  return stop;
}
/** The guest's sleeps (and the System's, when every process waits) block this thread idle; true
 *  when cut short (by the --timeout deadline: the run then stops). */
function sleep(/** @type {number} */ seconds) {
  const ms = Math.max(0, Math.min(seconds * 1000, deadline - performance.now()));
  return Atomics.wait(sleeper, 0, 0, ms) !== "timed-out" || timedOut();
}

// --tty on (auto: when stdin and stdout are terminals): the guest runs on an emulated terminal
// (line editing, ^C, job control) of this terminal's size (24x80 if stdout is not one), as the
// native CLI's.  Its input comes through a ring a reader thread fills (stdin_reader.mjs), so
// that the terminal can wait for keys with a timeout.
const onTty = opts.tty === "on" || (opts.tty === "auto" && !!process.stdin.isTTY && !!process.stdout.isTTY);
/** @type {{stdin: (n: number) => Uint8Array | null, terminal?: {rows: number, cols: number}, stdinPoll?: (n: number, ms: number) => Uint8Array | null | undefined}} */
let input = { stdin: stdinRead };
if (onTty) {
  const ring = new StdinRing(createStdinBuffer());
  new Worker(new URL("./stdin_reader.mjs", import.meta.url), { workerData: ring.sab }).unref();
  const never = () => false;
  const size = () => ({ rows: process.stdout.rows || 24, cols: process.stdout.columns || 80 });
  input = { stdin: (n) => ring.read(n, never), terminal: size(), stdinPoll: (n, ms) => ring.poll(n, ms, never) };
  if (process.stdin.isTTY) {
    process.stdin.setRawMode(true);
    process.on("exit", () => process.stdin.setRawMode(false));
  }
  process.stdout.on("resize", () => rt.resize(size().rows, size().cols, runId));
}
/** --trace and --strace: the machine's lines, as the native CLI prints them. */
const logTo = (/** @type {string} */ prefix) => (/** @type {string} */ line) =>
  writeAll(2, Buffer.from(`[${prefix}] ${line}\n`));

const result = await rt.run({
  runId,
  shouldStop,
  state,
  program,
  argv0: opts.argv0 ?? prog ?? "/program",
  name: prog,
  args,
  env: opts.env.length ? opts.env : undefined, // none: the machine's default environment
  ...input,
  stdout: (b) => writeAll(1, b),
  stderr: (b) => writeAll(2, b),
  budget: opts.budget,
  countTbs: opts.stats,
  maxTbs: opts.maxTbs || undefined, // 0: the runtime's own limit
  sleep,
  trace: opts.trace ? logTo("trace") : undefined,
  strace: opts.strace ? logTo("strace") : undefined,
  stopMessage: () => (timedOut() ? `${ABI.host.stopped_message} after --timeout ${timeoutText}s` : undefined),
  sysroot: sysrootMount,
  mounts: hostDirs,
  tier,
  hotThreshold,
  // with a network, guest waits must not block this thread (the relay's messages come in on it)
  ...(net ? { asyncWaits: true, net: net.view(net.log), idleWait: netIdleWait } : {}),
});
relay?.kill();
/** An idle wait of a networked run: the earliest deadline, or at most a second (the relay's
 *  events end it sooner: runtime.run races them). */
function netIdleWait(timeout) {
  const ms = timeout === null ? 1000 : Math.max(0, Math.min(1000, timeout * 1000));
  return new Promise((r) => setTimeout(r, ms));
}
if (opts.stats) {
  const s = result.stats;
  const t = rt.timings;
  process.stderr.write(
    `tbwasm-node: pyodide ${t.pyodide_load.toFixed(2)} s, wheels ${t.wheel_install.toFixed(2)} s; ` +
      `${s.guest_insns} insns in ${s.elapsed.toFixed(3)} s = ${s.mips.toFixed(1)} MIPS; ` +
      `${s.tbs_translated} TBs, ${s.modules_compiled} modules, ${s.chain_hits ?? "?"} chain hits, ` +
      `translate ${Number(s.translate_seconds ?? 0).toFixed(3)} s, ` +
      `code flushes ${s.code_flushes ?? 0}` +
      (s.processes > 1 ? `; ${s.processes} processes, ${s.execs ?? 0} execs` : "") +
      "\n",
  );
  if (s.tier !== undefined) {
    process.stderr.write(
      `tbwasm-node: tier ${s.tier}: interpreted ${s.interp_insns ?? 0} instructions, ` +
        `compiled ${(s.guest_insns ?? 0) - (s.interp_insns ?? 0)}, hot exits ${s.hot_exits ?? 0}, ` +
        `engine compile ${((s.engine_compile_seconds ?? 0) * 1e3).toFixed(1)} ms\n`,
    );
  }
}
exitNow(result.status); // (without waiting for V8's background compiles: exit_now.mjs)
