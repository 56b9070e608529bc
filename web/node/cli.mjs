#!/usr/bin/env node
// tbwasm on Node: the same runtime as the browser (web/runtime/runtime.mjs), Pyodide from node_modules,
// the tbwasm wheel from static/wheels (scripts/setup-web.sh builds it).
//
//   node web/node/cli.mjs [--stats] [--tier T] [--hot-threshold N] [--env NAME=VALUE]... [--argv0 NAME]
//                    [--mount GUEST=HOST]... [-L DIR] [--rootfs DIR] [--save-state FILE] PROG [ARGS...]
//   node web/node/cli.mjs [--save-state FILE] [-L DIR] [--mount ...] [--rootfs DIR] --resume FILE
//
// Options mirror `python -m py_backend.cli run`: --env (repeatable; without it the machine's
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
// Guest stdin is this process's stdin (read synchronously when the guest reads), stdout and
// stderr go to the process's, and the exit status is the guest's (128+signal for a fatal signal,
// after the same one-line message as `python -m py_backend.cli run`).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadPyodide } from "pyodide";
import { spawn } from "node:child_process";
import readline from "node:readline";
import { WispNet } from "../runtime/net.mjs";
import { RuntimeSetupError, checkTier, createRuntime } from "../runtime/runtime.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const ABI = JSON.parse(fs.readFileSync(new URL("../abi.json", import.meta.url), "utf8"));
const { USAGE, INTERNAL } = ABI.host.status; // exit statuses of the host itself, as the native CLI's

function usage(msg) {
  if (msg) process.stderr.write(`tbwasm-node: ${msg}\n`);
  process.stderr.write(
    "usage: tbwasm-node [--stats] [--tier tiered|interp|jit] [--hot-threshold N] [--env NAME=VALUE]... " +
      "[--argv0 NAME] [--mount GUEST=HOST]... [-L DIR] [--rootfs DIR] [--net[=ws://RELAY/]] [--net-allow HOST[:PORT]]... [--save-state FILE] PROG [ARGS...] | --resume FILE\n",
  );
  process.exit(USAGE);
}

const argv = process.argv.slice(2);
const opts = {
  stats: false,
  budget: ABI.host.default_budget,
  env: null,
  argv0: null,
  mounts: [],
  net: null,
  netAllow: [],
};
while (argv.length && (argv[0].startsWith("--") || argv[0] === "-L")) {
  const a = argv.shift();
  const value = () => (argv.length ? argv.shift() : usage(`${a} needs a value`));
  if (a === "--stats") opts.stats = true;
  else if (a === "--budget") opts.budget = Number(value());
  else if (a === "--max-tbs") opts.maxTbs = Number(value());
  else if (a === "--env") (opts.env ??= []).push(value());
  else if (a.startsWith("--env=")) (opts.env ??= []).push(a.slice(6));
  else if (a === "--argv0") opts.argv0 = value();
  else if (a === "--mount") opts.mounts.push(value());
  else if (a.startsWith("--mount=")) opts.mounts.push(a.slice(8));
  else if (a === "-L" || a === "--sysroot") opts.sysroot = value();
  else if (a === "--rootfs") opts.rootfs = value();
  else if (a === "--save-state") opts.saveState = value();
  else if (a === "--resume") opts.resume = value();
  else if (a === "--tier") opts.tier = value();
  else if (a.startsWith("--tier=")) opts.tier = a.slice(7);
  else if (a === "--hot-threshold") opts.hotThreshold = value();
  else if (a.startsWith("--hot-threshold=")) opts.hotThreshold = a.slice(16);
  else if (a === "--net") opts.net = /^wss?:\/\//.test(argv[0] ?? "") ? argv.shift() : true;
  else if (a.startsWith("--net=")) opts.net = a.slice(6);
  else if (a === "--net-allow") opts.netAllow.push(value());
  else if (a.startsWith("--net-allow=")) opts.netAllow.push(a.slice(12));
  else if (a === "--") break;
  else usage(`unknown option ${a}`);
}
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
const tier = opts.tier ?? (process.env.TBWASM_TIER || undefined);
let hotThreshold;
if (opts.hotThreshold !== undefined) {
  hotThreshold = /^[0-9]+$/.test(opts.hotThreshold) ? Number(opts.hotThreshold) : NaN;
  if (!(hotThreshold >= 1)) usage(`--hot-threshold ${opts.hotThreshold}: expected a positive integer`);
} else if (/^[0-9]+$/.test(process.env.TBWASM_HOT_THRESHOLD ?? "")) {
  // like the Machine: a value that is not a number is ignored
  hotThreshold = Math.max(1, Number(process.env.TBWASM_HOT_THRESHOLD));
}
const badTier = checkTier(ABI, tier, hotThreshold);
if (badTier) {
  process.stderr.write(`${badTier}\n`);
  process.exit(USAGE);
}
const [prog, ...args] = argv;
const lastLine = (text) => String(text).trim().split("\n").pop();

let rootfsIndex = null;
if (opts.rootfs !== undefined) {
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
for (const spec of opts.mounts) {
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
    machineModule: process.env.TBWASM_MACHINE_MODULE || undefined,
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
// the exit is serviced: a clean point to save at.
const runId = "cli";
let saveWanted = false;
let stopWanted = false;
if (opts.saveState !== undefined) {
  process.on("SIGUSR2", () => (saveWanted = true));
  process.on("SIGINT", () => (stopWanted = true));
}
function shouldStop() {
  if (!saveWanted && !stopWanted) return false;
  saveWanted = false;
  try {
    const bytes = rt.saveState(runId);
    fs.writeFileSync(opts.saveState + ".tmp", bytes);
    fs.renameSync(opts.saveState + ".tmp", opts.saveState);
  } catch (e) {
    process.stderr.write(`tbwasm: cannot save the state to ${opts.saveState}: ${lastLine(e.message)}\n`);
  }
  return stopWanted;
}

const result = await rt.run({
  runId,
  shouldStop,
  state,
  program,
  argv0: opts.argv0 ?? prog ?? "/program",
  name: prog,
  args,
  env: opts.env ?? undefined,
  stdin: stdinRead,
  stdout: (b) => writeAll(1, b),
  stderr: (b) => writeAll(2, b),
  budget: opts.budget,
  countTbs: opts.stats,
  maxTbs: opts.maxTbs,
  // the guest's sleeps (and the System's, when every process waits) block this thread idle
  sleep: (seconds) => Atomics.wait(sleeper, 0, 0, Math.max(0, seconds * 1000)) !== "timed-out",
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
process.exit(result.status);
