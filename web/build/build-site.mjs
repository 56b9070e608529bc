// @ts-check
// `tbwasm build-site DIR [--no-rootfs] [--no-snapshot] [--net RELAY_URL]`: write a static site with serve.py's URL
// space as plain files, for any static host (GitHub Pages, `python3 -m http.server`, a CDN):
//
//   DIR/index.html          the shell page (static/index.html)
//   DIR/tbwasm-sw.js        the service worker (static/tbwasm-sw.js; COOP/COEP on a plain host)
//   DIR/web/                index.mjs, abi.json, page/ (the page) and runtime/ (the worker's runtime)
//   DIR/pyodide/            the files Pyodide fetches at run time (from the installed npm package)
//   DIR/vendor/xterm/, DIR/vendor/xterm-addon-fit/   lib/*.mjs and css/ of the @xterm packages
//   DIR/wheels/             the wheels, manifest.json and snapshot.bin (+ .gz; web/build/snapshot.mjs)
//   DIR/rootfs/             the root filesystem image, its index and gzip copies in .tbwasm-gz/
//   DIR/guests/             the example programs
//   DIR/docs/               the demos page and the .md guides
//   DIR/examples.json       web/page/examples.json filtered to the programs in DIR/guests
//   DIR/.nojekyll, DIR/.tbwasm-site.json   (GitHub Pages serves dot files; a rebuild may replace DIR)
//
// --net RELAY_URL: the pages name a Wisp relay (`<meta name="tbwasm-net" content="RELAY_URL">`,
// e.g. wss://relay.example/wisp/): the guests' TCP connections go through it (web/runtime/net.mjs).
//
// Every URL in the pages is relative, so DIR can be served under a sub-path (/project/).
// Errors (DIR not writable, assets missing) print one line and exit 1.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { EXAMPLES_JSON, ROOT, assetDirs, indexFiles, packageDir, presentExamples, siteGuests } from "./assets.mjs";

const PROG = "tbwasm build-site";
const USAGE = `usage: ${PROG} DIR [--no-rootfs] [--no-snapshot] [--net RELAY_URL]`;

/** An error reported as one line, exit status 1. */
export class SiteError extends Error {}

/** What the site serves of web/: the page, the shared runtime, the API module and abi.json (web/node/,
 * web/build/ and playwright.mjs only run in Node). */
const SITE_WEB = ["abi.json", "index.mjs", "page", "runtime"];

/** What Pyodide fetches at run time from its indexURL (checked in Chromium: nothing else). */
const PYODIDE_FILES = ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"];

/** gzip copies: files of at least this many bytes that shrink below MAX_RATIO (as rootfs.py). */
const GZ_MIN_SIZE = 1024;
const GZ_MAX_RATIO = 0.9;
const GZ_DIR = ".tbwasm-gz";
const INDEX = ".tbwasm-index.json";
const MARKER = ".tbwasm-site.json"; // DIR is a site of build-site: a rebuild may replace its files

/**
 * @typedef {object} SiteOptions
 * @property {boolean} [rootfs]    false: no root filesystem image (the page then runs on an empty /)
 * @property {boolean} [snapshot]  false: no Pyodide memory snapshot (the page starts Python itself)
 * @property {string} [net]  a Wisp relay's URL the pages name (meta tbwasm-net)
 * @property {(line: string) => void} [log]
 */

/**
 * @typedef {object} SiteSummary
 * @property {string} dir
 * @property {number} files
 * @property {number} bytes
 * @property {Record<string, {files: number, bytes: number}>} parts  per top-level entry of DIR
 * @property {number} seconds
 */

/**
 * Build the static site into `dir` (created if missing; files already there are overwritten).
 * @param {string} dir
 * @param {SiteOptions} [opts]
 * @returns {SiteSummary}
 */
export function buildSite(dir, opts = {}) {
  const t0 = performance.now();
  if (opts.net !== undefined && !/^(wss?|https?):\/\/[^\s"<>&]+$/.test(opts.net)) {
    throw new SiteError(`--net ${opts.net}: expected a ws://, wss://, http:// or https:// URL`);
  }
  const log = opts.log ?? ((line) => process.stderr.write(line + "\n"));
  const out = path.resolve(dir);
  prepareDir(out);
  const assets = assetDirs();
  // what an earlier build left in the directories this one writes (wheels/: see copyWheels)
  for (const sub of ["web", "pyodide", "vendor", "guests", "docs", "rootfs"]) {
    fs.rmSync(path.join(out, sub), { recursive: true, force: true });
  }
  const version = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version;
  writeFile(path.join(out, MARKER), JSON.stringify({ tbwasm: version }) + "\n");
  // GitHub Pages runs Jekyll unless told not to, and Jekyll leaves out dot files (the image's index)
  writeFile(path.join(out, ".nojekyll"), "");

  // the pages
  copy(need(path.join(ROOT, "static", "index.html")), path.join(out, "index.html"));
  const sw = path.join(ROOT, "static", "tbwasm-sw.js");
  if (fs.existsSync(sw)) copy(sw, path.join(out, "tbwasm-sw.js"));
  else log(`${PROG}: warning: ${path.relative(ROOT, sw)} missing: the site has no service worker`);
  for (const entry of SITE_WEB) {
    const from = path.join(ROOT, "web", entry);
    const names = fs.statSync(from).isDirectory()
      ? fs
          .readdirSync(from)
          .sort()
          .map((n) => path.join(entry, n))
      : [entry];
    for (const name of names) {
      if (/\.(mjs|css|json)$/.test(name)) copy(path.join(ROOT, "web", name), path.join(out, "web", name));
    }
  }
  const docs = path.join(ROOT, "docs");
  copy(need(path.join(docs, "index.html")), path.join(out, "docs", "index.html"));
  if (opts.net !== undefined) {
    for (const page of [path.join(out, "index.html"), path.join(out, "docs", "index.html")]) {
      const html = fs.readFileSync(page, "utf8");
      fs.writeFileSync(page, html.replace("<head>", `<head>\n<meta name="tbwasm-net" content="${opts.net}">`));
    }
  }
  for (const name of fs.readdirSync(docs).sort()) {
    if (name.endsWith(".md")) copy(path.join(docs, name), path.join(out, "docs", name));
  }

  // Pyodide and xterm, from the installed npm packages
  const pyodide = npmDir("pyodide");
  for (const name of PYODIDE_FILES) copy(need(path.join(pyodide, name)), path.join(out, "pyodide", name));
  for (const [pkg, to] of [
    ["@xterm/xterm", "xterm"],
    ["@xterm/addon-fit", "xterm-addon-fit"],
  ]) {
    const from = npmDir(pkg);
    const files = [
      ...listFiles(path.join(from, "lib"))
        .filter((f) => f.endsWith(".mjs"))
        .map((f) => path.join("lib", f)),
      ...listFiles(path.join(from, "css")).map((f) => path.join("css", f)),
    ];
    if (!files.some((f) => f.endsWith(".mjs"))) throw new SiteError(`${from}/lib has no .mjs module`);
    for (const f of files) copy(path.join(from, f), path.join(out, "vendor", to, f));
  }

  // guest programs and the examples menu
  const guests = siteGuests(assets.guests, EXAMPLES_JSON);
  if (!guests.includes("hello.elf")) throw new SiteError(`missing ${path.join(assets.guests, "hello.elf")}`);
  for (const name of guests) copy(path.join(assets.guests, name), path.join(out, "guests", name));
  const examples = presentExamples(EXAMPLES_JSON, guests);
  writeFile(path.join(out, "examples.json"), JSON.stringify(examples, null, 2) + "\n");

  // wheels, then the snapshot made from exactly these wheels
  copyWheels(assets.wheels, path.join(out, "wheels"));
  if (opts.snapshot !== false) {
    makeSnapshot(path.join(out, "wheels"), path.join(out, "guests", "hello.elf"), log);
  } else {
    for (const f of ["snapshot.bin", "snapshot.bin.gz", "snapshot.json"])
      fs.rmSync(path.join(out, "wheels", f), { force: true });
  }

  // the root filesystem image
  if (opts.rootfs !== false) copyRootfs(assets.rootfs, path.join(out, "rootfs"));

  const summary = summarize(out);
  summary.seconds = (performance.now() - t0) / 1000;
  return summary;
}

/** @param {string} out */
function prepareDir(out) {
  if (fs.existsSync(out) && !fs.statSync(out).isDirectory()) throw new SiteError(`${out} is not a directory`);
  try {
    fs.mkdirSync(out, { recursive: true });
  } catch (e) {
    throw new SiteError(`cannot create ${out}: ${reason(e)}`);
  }
  try {
    fs.accessSync(out, fs.constants.W_OK);
  } catch {
    throw new SiteError(`${out} is not writable`);
  }
  // a rebuild replaces web/, docs/ ...: never in a directory that holds something else
  const there = fs.readdirSync(out);
  if (there.length && !there.includes(MARKER)) {
    throw new SiteError(`${out} is not empty and not a site of build-site (no ${MARKER}): choose a new directory`);
  }
}

/**
 * One line for an error: a system error's code and path (EACCES, ENOSPC ...), else its message.
 * @param {unknown} e
 */
function reason(e) {
  if (!(e instanceof Error)) return String(e);
  const err = /** @type {Error & {code?: string, path?: string}} */ (e);
  if (err.code && err.path) return `${err.path}: ${err.code}`;
  return err.code ?? err.message.split("\n")[0];
}

/** @param {string} file @returns {string} the file, if it exists */
function need(file) {
  if (!fs.existsSync(file)) throw new SiteError(`missing ${file} (run scripts/setup-web.sh in a checkout)`);
  return file;
}

/** @param {string} name @returns {string} */
function npmDir(name) {
  try {
    return packageDir(name);
  } catch {
    throw new SiteError(`the npm package ${name} is not installed (npm install)`);
  }
}

/** @param {string} from @param {string} to */
function copy(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
}

/** @param {string} to @param {string | Uint8Array} data */
function writeFile(to, data) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.writeFileSync(to, data);
}

/**
 * Regular files below `dir` as paths relative to it (sorted), or [] if it does not exist.
 * @param {string} dir
 * @returns {string[]}
 */
function listFiles(dir) {
  /** @type {string[]} */
  const out = [];
  /** @param {string} rel */
  const walk = (rel) => {
    for (const d of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const sub = rel ? path.join(rel, d.name) : d.name;
      if (d.isDirectory()) walk(sub);
      else if (d.isFile()) out.push(sub);
    }
  };
  if (fs.existsSync(dir)) walk("");
  return out.sort();
}

/**
 * The three wheels the hosts install and a manifest naming them (no test wheels); a snapshot
 * already made from the same wheels comes along (web/build/snapshot.mjs keeps it if it still fits).
 * @param {string} from @param {string} to
 */
function copyWheels(from, to) {
  /** @type {Record<string, any>} */
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(from, "manifest.json"), "utf8"));
  } catch {
    throw new SiteError(`missing ${path.join(from, "manifest.json")} (run scripts/setup-web.sh in a checkout)`);
  }
  // a snapshot already there stays (web/build/snapshot.mjs keeps it only if made from the same wheels)
  for (const name of fs.existsSync(to) ? fs.readdirSync(to) : []) {
    if (!/^snapshot\.(bin|bin\.gz|json)$/.test(name)) fs.rmSync(path.join(to, name), { recursive: true, force: true });
  }
  for (const key of ["tbwasm", "pyelftools", "micropip"]) {
    if (typeof manifest[key] !== "string") throw new SiteError(`${from}/manifest.json names no ${key} wheel`);
    copy(need(path.join(from, manifest[key])), path.join(to, manifest[key]));
  }
  const { tbwasm, pyelftools, micropip } = manifest;
  if (fs.existsSync(path.join(from, "snapshot.bin")) && fs.existsSync(path.join(from, "snapshot.json"))) {
    copy(path.join(from, "snapshot.bin"), path.join(to, "snapshot.bin"));
    copy(path.join(from, "snapshot.json"), path.join(to, "snapshot.json"));
    if (fs.existsSync(path.join(from, "snapshot.bin.gz")))
      copy(path.join(from, "snapshot.bin.gz"), path.join(to, "snapshot.bin.gz"));
  }
  writeFile(path.join(to, "manifest.json"), JSON.stringify({ tbwasm, pyelftools, micropip, test: [] }, null, 2) + "\n");
}

/**
 * Run web/build/snapshot.mjs on the site's wheels (it adds "snapshot" to their manifest.json).
 * @param {string} wheels @param {string} warmProgram @param {(line: string) => void} log
 */
function makeSnapshot(wheels, warmProgram, log) {
  const env = { ...process.env };
  if (fs.existsSync(warmProgram)) env.TBWASM_SNAPSHOT_PROGRAM = warmProgram;
  const r = spawnSync(process.execPath, [path.join(ROOT, "web", "build", "snapshot.mjs"), wheels], {
    env,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (r.status !== 0) {
    // the site still works: the page then starts Python and installs the wheels itself
    log(`${PROG}: warning: no Pyodide snapshot (web/build/snapshot.mjs exited with ${r.status ?? r.signal})`);
    for (const f of ["snapshot.bin", "snapshot.bin.gz", "snapshot.json"])
      fs.rmSync(path.join(wheels, f), { force: true });
  }
}

/**
 * The image's regular files (those its index lists: symlinks live in the index), the index, and
 * gzip copies in .tbwasm-gz/ for hosts that can send them (Content-Encoding: gzip).  A plain
 * static host serves the files as they are; the page reads those.
 * @param {string} from @param {string} to
 */
function copyRootfs(from, to) {
  /** @type {any} */
  let index;
  try {
    index = JSON.parse(fs.readFileSync(path.join(from, INDEX), "utf8"));
  } catch {
    throw new SiteError(`no root filesystem image in ${from} (scripts/fetch-rootfs.sh; or --no-rootfs)`);
  }
  for (const rel of indexFiles(index)) {
    const src = path.join(from, rel);
    const dst = path.join(to, rel);
    copy(need(src), dst);
    const data = fs.readFileSync(src);
    if (data.length < GZ_MIN_SIZE) continue;
    const packed = zlib.gzipSync(data, { level: 6 });
    if (packed.length > data.length * GZ_MAX_RATIO) continue;
    const gz = path.join(to, GZ_DIR, rel + ".gz");
    writeFile(gz, packed);
    const st = fs.statSync(dst);
    fs.utimesSync(gz, st.atime, st.mtime); // serve.py sends a copy whose mtime is its file's
  }
  copy(path.join(from, INDEX), path.join(to, INDEX));
}

/** @param {string} dir @returns {SiteSummary} */
function summarize(dir) {
  /** @type {SiteSummary} */
  const s = { dir, files: 0, bytes: 0, parts: {}, seconds: 0 };
  for (const rel of listFiles(dir)) {
    const top = rel.split(path.sep)[0];
    const size = fs.statSync(path.join(dir, rel)).size;
    s.files += 1;
    s.bytes += size;
    const p = (s.parts[top] ??= { files: 0, bytes: 0 });
    p.files += 1;
    p.bytes += size;
  }
  return s;
}

/** @param {number} n */
const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;

/**
 * The command line: `tbwasm build-site DIR [--no-rootfs] [--no-snapshot]`.
 * @param {string[]} argv
 * @returns {number} exit status
 */
export function main(argv) {
  /** @type {SiteOptions} */
  const opts = {};
  /** @type {string[]} */
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--net" || a.startsWith("--net=")) {
      const v = a === "--net" ? argv[++i] : a.slice(6);
      if (v === undefined) {
        process.stderr.write(`${PROG}: --net needs a relay URL\n${USAGE}\n`);
        return 2;
      }
      opts.net = v;
    } else if (a === "--no-rootfs") opts.rootfs = false;
    else if (a === "--no-snapshot") opts.snapshot = false;
    else if (a === "-h" || a === "--help") {
      process.stdout.write(USAGE + "\n");
      return 0;
    } else if (a.startsWith("-")) {
      process.stderr.write(`${PROG}: unknown option ${a}\n${USAGE}\n`);
      return 2;
    } else rest.push(a);
  }
  if (rest.length !== 1) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  try {
    const s = buildSite(rest[0], opts);
    const big = Object.entries(s.parts).filter(([, v]) => v.bytes >= 50_000);
    const other = s.bytes - big.reduce((n, [, v]) => n + v.bytes, 0);
    const parts = [
      ...big.sort((a, b) => b[1].bytes - a[1].bytes).map(([k, v]) => `${k}/ ${mb(v.bytes)}`),
      `other ${mb(other)}`,
    ].join(", ");
    process.stdout.write(
      `${PROG}: ${s.dir}: ${s.files} files, ${mb(s.bytes)} (${parts}) in ${s.seconds.toFixed(1)} s\n`,
    );
    return 0;
  } catch (e) {
    process.stderr.write(`${PROG}: ${e instanceof SiteError ? e.message : reason(e)}\n`);
    return 1;
  }
}
