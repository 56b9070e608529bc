// @ts-check
// @playwright/test fixtures for tbwasm sites (docs/testing.md):
//
//   import { test, expect } from "tbwasm/playwright";
//   test.use({ tbwasmSite: "/abs/path/to/site" });      // or a URL; default: built from node_modules/tbwasm
//   test("hello", async ({ tbwasmPage }) => {
//     const r = await tbwasmPage.run({ program: "guests/hello.elf" });   // window.tbwasm.run in the page
//     expect(r.status).toBe(0);
//     expect(await tbwasmPage.shell("echo hi | wc -c")).toBe("3\n");      // typed into the page's shell
//   });
//
// A site directory is served by a tiny static server (node:http, 127.0.0.1, no special headers: a
// stand-in for any static host). The browser is Chromium: $TBWASM_CHROMIUM or /usr/bin/chromium
// (launchOptions.executablePath) when there is one, else Playwright's own. @playwright/test is a
// peer dependency. The same fixture for pytest: py_backend.testing (the `tbwasm_page` fixture).
/* global process, Buffer, URL, fetch, AbortSignal, setTimeout, clearTimeout, atob, btoa, window -- Node, and the page for the functions given to page.evaluate */
import { test as base, expect } from "@playwright/test";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";

export { expect };

const DEFAULT_CHROMIUM = "/usr/bin/chromium";
const LOAD_TIMEOUT_MS = 120_000; // page open -> Pyodide loaded (the first load on a busy machine)
const CACHE = path.join("node_modules", ".cache", "tbwasm", "site"); // shared with the pytest plugin
const STAMP = ".tbwasm-site-stamp";

/** An error whose report is its one-line message (no stack: it is about the setup, not code). */
export class TbwasmError extends Error {
  constructor(message) {
    super(message);
    this.name = "TbwasmError";
    this.stack = `TbwasmError: ${message}`;
  }
}

// ---- the site ---------------------------------------------------------------------------------
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".mjs": "text/javascript",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".md": "text/markdown; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".zip": "application/zip",
};

const isURL = (s) => /^https?:\/\//.test(s);

/** `dir` if it looks like a built site, else a TbwasmError. */
function checkSite(dir) {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new TbwasmError(`tbwasm site ${dir}: no such directory`);
  const missing = ["index.html", "web/page/embed.mjs"].filter((p) => !fs.existsSync(path.join(dir, p)));
  if (missing.length) {
    throw new TbwasmError(
      `tbwasm site ${dir}: not a tbwasm site (no ${missing.join(", ")}; build one with \`npx tbwasm build-site DIR\`)`,
    );
  }
  return dir;
}

/** Rejects with a one-line TbwasmError unless `url` serves a tbwasm site (its web/page/embed.mjs answers). */
async function checkURL(url) {
  const probe = new URL("web/page/embed.mjs", url).href;
  let r;
  try {
    r = await fetch(probe, { signal: AbortSignal.timeout(15_000) });
  } catch (e) {
    throw new TbwasmError(`tbwasm site ${url}: cannot reach it (${e?.cause?.message ?? e?.message ?? e})`);
  }
  if (!r.ok) throw new TbwasmError(`tbwasm site ${url}: not a tbwasm site (${probe}: HTTP ${r.status})`);
}

/**
 * Serve `dir` on 127.0.0.1 (a free port) with plain static responses (no COOP/COEP headers).
 * @param {string} dir
 * @returns {Promise<{url: string, close: () => Promise<void>}>}
 */
export function serveSite(dir) {
  const root = path.resolve(dir);
  const server = http.createServer((req, res) => {
    const fail = (code) => {
      res.writeHead(code, { "Content-Type": "text/plain" });
      res.end(`${code}\n`);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return fail(405);
    let urlPath;
    try {
      urlPath = decodeURIComponent(new URL(req.url, "http://localhost").pathname);
    } catch {
      return fail(400);
    }
    if (urlPath.includes("\0")) return fail(400);
    let file = path.join(root, path.posix.normalize(urlPath));
    fs.stat(file, (err, st) => {
      if (err) return fail(404);
      if (st.isDirectory()) {
        if (!urlPath.endsWith("/")) {
          res.writeHead(301, { Location: urlPath + "/" + new URL(req.url, "http://localhost").search });
          return res.end();
        }
        file = path.join(file, "index.html");
        try {
          st = fs.statSync(file);
        } catch {
          return fail(404);
        }
      }
      const type = TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
      res.writeHead(200, { "Content-Type": type, "Content-Length": st.size });
      if (req.method === "HEAD") return res.end();
      fs.createReadStream(file)
        .on("error", () => res.destroy())
        .pipe(res);
    });
  });
  return new Promise((resolve, reject) => {
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      resolve({
        url: `http://127.0.0.1:${/** @type {import("node:net").AddressInfo} */ (server.address()).port}/`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** The nearest directory from `start` upwards with node_modules/tbwasm; null if none. */
function findProject(start) {
  for (let d = path.resolve(start); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, "node_modules", "tbwasm", "package.json"))) return d;
    if (path.dirname(d) === d) return null;
  }
}

/** The site of `project`'s installed tbwasm package, built once per installed version (cached). */
function buildSite(project) {
  const pkg = path.join(project, "node_modules", "tbwasm", "package.json");
  let version = "?";
  try {
    version = JSON.parse(fs.readFileSync(pkg, "utf8")).version ?? "?";
  } catch {
    /* the stamp says "?" */
  }
  const stamp = `${version} ${fs.statSync(pkg, { bigint: true }).mtimeNs}`;
  const site = path.join(project, CACHE);
  if (fs.existsSync(path.join(site, STAMP)) && fs.readFileSync(path.join(site, STAMP), "utf8") === stamp) return site;
  const tmp = `${site}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(tmp), { recursive: true });
  const bin = path.join(project, "node_modules", "tbwasm", "web", "node", "bin.mjs");
  const r = spawnSync(process.execPath, [bin, "build-site", tmp], { cwd: project, encoding: "utf8" });
  if (r.status !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    const last = ((r.stderr || r.stdout || "").trim().split("\n").pop() || r.error?.message) ?? "no output";
    throw new TbwasmError(`\`tbwasm build-site\` failed (status ${r.status}): ${last}`);
  }
  checkSite(tmp);
  fs.writeFileSync(path.join(tmp, STAMP), stamp);
  const old = `${site}.old-${process.pid}`;
  if (fs.existsSync(site)) fs.renameSync(site, old);
  try {
    fs.renameSync(tmp, site);
  } catch {
    fs.rmSync(tmp, { recursive: true, force: true }); // another worker built it meanwhile
  }
  fs.rmSync(old, { recursive: true, force: true });
  return site;
}

const NO_SITE =
  "tbwasmPage needs a tbwasm site: set the option tbwasmSite (test.use({tbwasmSite}) or use: {tbwasmSite} in " +
  "playwright.config) to a directory made by `npx tbwasm build-site DIR` or a URL, or $TBWASM_SITE, " +
  "or run in a project where `npm install tbwasm` was run";

// ---- the page ---------------------------------------------------------------------------------
const b64 = (bytes) => Buffer.from(bytes).toString("base64");

function toBytes(data) {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError("expected a string, a Uint8Array/Buffer or an ArrayBuffer");
}

const isTimeout = (e) => e?.name === "TimeoutError";

/** window.tbwasm.run in the page, with a timeout after which the guest is stopped. */
async function pageRun(o) {
  const dec = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const opts = { args: o.args, stdin: o.stdinB64 != null ? dec(o.stdinB64) : o.stdin };
  if (o.programB64 != null) opts.program = dec(o.programB64);
  else if (o.program != null) opts.program = o.program;
  if (o.path != null) opts.path = o.path;
  if (o.env != null) opts.env = o.env;
  if (o.tier != null) opts.tier = o.tier;
  const pick = (r) => ({
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    stopped: !!r.stopped,
    error: r.error ?? null,
    message: r.message ?? "",
    truncated: !!r.truncated,
    stats: r.stats ?? {},
  });
  const run = window.tbwasm.run(opts).then(pick, (e) => ({ thrown: String((e && e.message) || e) }));
  let timer;
  const late = new Promise((ok) => (timer = setTimeout(() => ok(null), o.timeoutMs)));
  const r = await Promise.race([run, late]);
  clearTimeout(timer);
  if (r) return r;
  window.tbwasm.stop();
  const after = await Promise.race([run, new Promise((ok) => setTimeout(() => ok(null), 5000))]);
  return { timedOut: true, after };
}

async function pagePut([p, data, mode]) {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  try {
    await window.tbwasm.putFile(p, bytes, mode ?? undefined);
    return null;
  } catch (e) {
    return String((e && e.message) || e);
  }
}

async function pageGet(p) {
  try {
    const b = await window.tbwasm.getFile(p);
    let s = "";
    for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
    return { b64: btoa(s) };
  } catch (e) {
    return { error: String((e && e.message) || e) };
  }
}

let pageCount = 0;

/**
 * One page of a tbwasm site, opened on first use: the shell page (the site's root) for shell(),
 * the single-program page (?shell=0) for anything else.
 */
export class TbwasmPage {
  /**
   * @param {import("@playwright/test").Page} page
   * @param {string} siteURL the site's root URL
   * @param {{loadTimeout?: number}} [options] ms a page may take to load the emulator
   */
  constructor(page, siteURL, { loadTimeout = LOAD_TIMEOUT_MS } = {}) {
    /** The Playwright page (about:blank until the site is opened: see open()). */
    this.page = page;
    this.siteURL = siteURL.endsWith("/") ? siteURL : siteURL + "/";
    this.loadTimeout = loadTimeout;
    /** @type {string[]} page errors and console errors */
    this.errors = [];
    /** @type {number|null} `$?` of the last shell() command */
    this.lastStatus = null;
    this._opened = null;
    this._tag = `${process.pid.toString(36)}${(pageCount++).toString(36)}`;
    this._commands = 0;
  }

  /**
   * Open the site (once) and wait until window.tbwasm is ready.
   * @param {{shell?: boolean}} [options] open the shell page (default: the single-program page)
   */
  open({ shell = false } = {}) {
    this._opened ??= this._open(shell);
    return this._opened;
  }

  async _open(shell) {
    const page = this.page;
    page.on("pageerror", (e) => this.errors.push(String(e)));
    page.on("console", (m) => m.type() === "error" && this.errors.push(m.text()));
    const url = shell ? this.siteURL : new URL("?shell=0", this.siteURL).href;
    try {
      await page.goto(url, { timeout: this.loadTimeout });
    } catch (e) {
      throw new TbwasmError(
        `${url}: ${
          String(e?.message ?? e)
            .trim()
            .split("\n")[0]
        }`,
      );
    }
    // A page may reload itself once while loading (the service worker that makes it cross-origin
    // isolated): an evaluation cut by that is tried again.
    const deadline = Date.now() + this.loadTimeout;
    for (;;) {
      let reason;
      try {
        await page.waitForFunction(() => window.tbwasm, null, { timeout: Math.max(deadline - Date.now(), 1) });
        reason = await page.evaluate(() =>
          window.tbwasm.ready.then(
            () => null,
            (e) => String((e && e.message) || e),
          ),
        );
      } catch (e) {
        const reloaded = /context was destroyed|navigat/i.test(String(e?.message));
        if (reloaded && Date.now() < deadline) continue;
        if (isTimeout(e))
          throw new TbwasmError(`${this.siteURL}: window.tbwasm did not become ready within ${this.loadTimeout} ms`);
        throw e;
      }
      if (reason != null) throw new TbwasmError(`${this.siteURL}: ${reason}`);
      return page;
    }
  }

  /**
   * Run a guest program through window.tbwasm.run. `program`: a URL (relative ones resolve against
   * the site: "guests/hello.elf") or the ELF's bytes; or `path`: a program of the guest's filesystem.
   * A run longer than `timeout` ms is stopped and rejects.
   * @param {import("./playwright.js").RunOptions} options
   * @returns {Promise<import("./playwright.js").RunResult>}
   */
  async run({ program, path: guestPath, args = [], stdin = "", env, tier, timeout = 60_000 } = {}) {
    if ((program == null) === (guestPath == null))
      throw new TypeError("run() takes a program (URL or bytes) or a guest path");
    const spec = { timeoutMs: timeout, tier: tier ?? null, path: guestPath ?? null };
    if (typeof program === "string" || program instanceof URL)
      spec.program = new URL(String(program), this.siteURL).href;
    else if (program != null) spec.programB64 = b64(toBytes(program));
    spec.args = typeof args === "string" ? args : args.map(String);
    if (typeof stdin === "string") spec.stdin = stdin;
    else spec.stdinB64 = b64(toBytes(stdin));
    if (env != null) spec.env = Array.isArray(env) ? env.map(String) : Object.entries(env).map(([k, v]) => `${k}=${v}`);
    const page = await this.open();
    const r = await page.evaluate(pageRun, spec);
    if (r.thrown) throw new TbwasmError(r.thrown);
    if (r.timedOut) throw new TbwasmError(`tbwasm run did not finish within ${timeout} ms (stopped it)`);
    return r;
  }

  /**
   * Put a file into the page's guest filesystem (directories are made; kept for the page's later runs).
   * @param {string} guestPath
   * @param {string|Uint8Array|ArrayBuffer} data
   * @param {number} [mode] default 0o644
   */
  async putFile(guestPath, data, mode) {
    const page = await this.open();
    const reason = await page.evaluate(pagePut, [guestPath, b64(toBytes(data)), mode ?? null]);
    if (reason != null) throw new TbwasmError(reason);
  }

  /**
   * A file of the page's guest filesystem.
   * @param {string} guestPath
   * @returns {Promise<Buffer>}
   */
  async getFile(guestPath) {
    const page = await this.open();
    const r = await page.evaluate(pageGet, guestPath);
    if (r.error != null) throw new TbwasmError(r.error);
    return Buffer.from(r.b64, "base64");
  }

  /**
   * Type `command` (one line) into the page's shell (busybox sh on the guest's terminal) and
   * resolve to what it printed ("\r\n" as "\n"); its `$?` is then `lastStatus`. A command still
   * running after `timeout` ms gets ^C and rejects.
   * @param {string} command
   * @param {{timeout?: number}} [options]
   * @returns {Promise<string>}
   */
  async shell(command, { timeout = 60_000 } = {}) {
    if (/[\r\n]/.test(command)) throw new TypeError("shell() takes one command line (no newlines)");
    const page = await this.open({ shell: true });
    await this._startShell(page);
    const n = this._commands++;
    // The markers the shell prints differ from what is typed (the quotes go), so the terminal's
    // echo of the command line never matches them.
    const tag = `__TBWASM_${this._tag}_`;
    const start = `${tag}S${n}`,
      end = `${tag}E${n}_`;
    let body = command.trim() || ":";
    const endsJob = body.endsWith("&") && !body.endsWith("&&");
    const sep = body.endsWith(";") || endsJob ? " " : "; ";
    body = `echo ${tag}""S${n}; ${body}${sep}echo ${tag}""E${n}_$?`;
    await page.locator(".xterm-helper-textarea").focus();
    await page.keyboard.type(body);
    await page.keyboard.press("Enter");
    const done = `${end.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(\\d+)\\r?\\n`;
    try {
      await page.waitForFunction(
        (src) => window.tbwasmApp.shellExited || new RegExp(src).test(window.tbwasmApp.output),
        done,
        { timeout },
      );
    } catch (e) {
      if (!isTimeout(e)) throw e;
      await page.keyboard.press("Control+C");
      throw new TbwasmError(`shell command ${JSON.stringify(command)} did not finish within ${timeout} ms (sent ^C)`);
    }
    const out = await page.evaluate(() => window.tbwasmApp.output);
    const m = new RegExp(done).exec(out);
    if (!m) throw new TbwasmError(`the shell exited while running ${JSON.stringify(command)}`);
    const head = out.slice(0, m.index);
    const s = new RegExp(`${start}\\r?\\n`).exec(head);
    this.lastStatus = Number(m[1]);
    return head.slice(s ? s.index + s[0].length : 0).replace(/\r\n/g, "\n");
  }

  async _startShell(page) {
    const timeout = this.loadTimeout;
    try {
      await page.waitForFunction(
        () => window.tbwasmApp && (window.tbwasmApp.shell || !window.tbwasmApp.running),
        null,
        { timeout },
      );
      await page.evaluate(() => {
        if (!window.tbwasmApp.shell) void window.tbwasmApp.startShell();
      });
      await page.waitForFunction(
        () => window.tbwasmApp.shellExited || (window.tbwasmApp.shell && /[#$] /.test(window.tbwasmApp.output)),
        null,
        { timeout },
      );
    } catch (e) {
      if (isTimeout(e)) throw new TbwasmError(`the page's shell showed no prompt within ${timeout} ms`);
      throw e;
    }
    const exited = await page.evaluate(
      () =>
        window.tbwasmApp.shellExited &&
        !window.tbwasmApp.shell &&
        ((window.tbwasmApp.lastResult && window.tbwasmApp.lastResult.error) || "the page's shell exited at once"),
    );
    if (exited) throw new TbwasmError(exited);
  }
}

// ---- the fixtures -----------------------------------------------------------------------------
/** The Chromium to launch: $TBWASM_CHROMIUM, /usr/bin/chromium if it exists, else Playwright's own. */
function chromiumPath() {
  const env = process.env.TBWASM_CHROMIUM;
  if (env) {
    if (!fs.existsSync(env)) throw new TbwasmError(`Chromium ${env} (from $TBWASM_CHROMIUM): no such file`);
    return env;
  }
  return fs.existsSync(DEFAULT_CHROMIUM) ? DEFAULT_CHROMIUM : undefined;
}

export const test = base.extend({
  // the site: a directory made by `tbwasm build-site` or a URL (default: $TBWASM_SITE, else built)
  tbwasmSite: [process.env.TBWASM_SITE || undefined, { scope: "worker", option: true }],

  // its root URL (a directory is served for the worker's lifetime)
  tbwasmSiteURL: [
    async ({ tbwasmSite }, use) => {
      if (tbwasmSite && isURL(tbwasmSite)) {
        const url = tbwasmSite.endsWith("/") ? tbwasmSite : tbwasmSite + "/";
        await checkURL(url);
        return use(url);
      }
      let dir;
      if (tbwasmSite) dir = checkSite(path.resolve(tbwasmSite));
      else {
        const project = findProject(process.cwd());
        if (!project) throw new TbwasmError(NO_SITE);
        dir = buildSite(project);
      }
      const server = await serveSite(dir);
      await use(server.url);
      await server.close();
    },
    { scope: "worker" },
  ],

  // Chromium from the system (no browser download) unless the project names one itself
  launchOptions: [
    async ({ launchOptions, browserName }, use) => {
      const exe = browserName === "chromium" && !launchOptions.executablePath ? chromiumPath() : undefined;
      await use(exe ? { ...launchOptions, executablePath: exe } : launchOptions);
    },
    { scope: "worker" },
  ],

  tbwasmPage: async ({ page, tbwasmSiteURL }, use) => {
    await use(new TbwasmPage(page, tbwasmSiteURL));
  },
});
