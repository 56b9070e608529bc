// @ts-check
// The terminal page (static/index.html): examples, upload, arguments, Run/Stop, live stats, and
// files in and out of the guest's filesystem (Upload file, drop, Download).
// Guest I/O goes through web/page/client.mjs (one worker, one Pyodide); stdin is line-edited here and
// delivered to the worker through a SharedArrayBuffer ring.
import "./embed.mjs"; // window.tbwasm on every page
import { SHELL_ENV, getClient } from "./client.mjs";
import { notRun } from "../runtime/result.mjs";

/**
 * The elements of static/index.html this page script uses, by id.
 * @typedef {{
 *   examples: HTMLSelectElement, args: HTMLInputElement, run: HTMLButtonElement, stop: HTMLButtonElement,
 *   upload: HTMLInputElement, "put-file": HTMLInputElement, "get-file": HTMLButtonElement,
 *   "home-export": HTMLButtonElement, "home-import": HTMLInputElement, "store-reset": HTMLButtonElement,
 *   share: HTMLAnchorElement, loading: HTMLElement, "progress-bar": HTMLElement, "progress-text": HTMLElement,
 *   terminal: HTMLElement, "terminal-wrap": HTMLElement, status: HTMLElement, [stat: `st-${string}`]: HTMLElement,
 * }} PageElements
 */
/**
 * @template {keyof PageElements} K
 * @param {K} id
 * @returns {PageElements[K]}
 */
const $ = (id) => /** @type {PageElements[K]} */ (/** @type {unknown} */ (document.getElementById(id)));
// The worker (and Pyodide in it) starts loading now; the terminal's code (~350 KB) and the
// default program are fetched meanwhile, not before it.
const client = getClient();
const OUTPUT_KEEP = 2 << 20; // app.output is cut to its last half past this many characters
const params = new URLSearchParams(location.search);
const HOME = "/home/user"; // where uploads go in the guest's filesystem
// The site's files, relative to this module (the site may live under any path of its host).
const SITE = new URL("../../", import.meta.url);
const guestURL = (name) => new URL(`guests/${encodeURIComponent(name)}`, SITE).href;
if (!(params.get("program") ?? "").startsWith("/")) {
  client.prefetch(guestURL(params.get("program") || "hello.elf"));
}

// State, also read by the browser tests (tests/browser/test_page.py); set before the first await,
// so it exists once the page has loaded.
export const app = {
  program: null, // {name, url} for an example, {name, bytes} for an upload, {name, path} in the guest fs
  uploads: [], // guest paths of the files uploaded into the guest's filesystem
  running: false,
  output: "", // guest stdout+stderr of the current run, as text (its last 1-2 MiB)
  lastResult: null,
  runs: 0,
  firstOutputMs: null, // performance.now() at the first guest output since the page opened
  examples: [],
  shell: false, // the interactive shell runs (the page opens on it unless ?program= names one)
  shellExited: false, // it ended: Enter starts a new one
  shellRuns: 0,
  handle: null, // the run in progress (the shell or a program): client.start's handle
  notes: [], // the page's own one-line messages (the kept files: quota, another tab, import errors)
};
window.tbwasmApp = app;

const [{ Terminal }, { FitAddon }] = await Promise.all([
  // @ts-expect-error a URL of the site (serve.py, build-site: node_modules/@xterm), not a module path here
  import("../../vendor/xterm/lib/xterm.mjs"),
  // @ts-expect-error likewise
  import("../../vendor/xterm-addon-fit/lib/addon-fit.mjs"),
]);

// ---- terminal -------------------------------------------------------------------------------
const term = new Terminal({
  convertEol: true,
  cursorBlink: true,
  fontSize: 14,
  lineHeight: 1.2,
  fontFamily: "ui-monospace, 'DejaVu Sans Mono', monospace",
  theme: { background: "#14161a" },
  scrollback: 5000,
});
const fit = new FitAddon();
term.loadAddon(fit);
term.open($("terminal"));
fit.fit();
new ResizeObserver(() => fit.fit()).observe($("terminal-wrap"));
term.onResize(({ rows, cols }) => {
  if (app.shell) app.handle?.resize(rows, cols); // SIGWINCH for the guest's full-screen programs
});
const DIM = "\x1b[90m",
  RED = "\x1b[31m",
  RESET = "\x1b[0m";

let line = ""; // the line being edited; sent on Enter
term.onData((data) => {
  if (app.shell) {
    // the shell's terminal is the guest's own (its line discipline echoes and edits): raw keys
    app.handle?.pushStdin(data);
    return;
  }
  if (app.shellExited && (data === "\r" || data === "\n")) {
    startShell();
    return;
  }
  if (!app.running) return;
  if (data.startsWith("\x1b")) return; // arrows, function keys: no history or cursor movement
  for (const ch of data) {
    if (ch === "\r" || ch === "\n") {
      term.write("\r\n");
      app.handle?.pushStdin(line + "\n");
      line = "";
    } else if (ch === "\x7f" || ch === "\b") {
      if (line) {
        line = Array.from(line).slice(0, -1).join("");
        term.write("\b \b");
      }
    } else if (ch === "\x04") {
      // Ctrl-D: like a tty, flush a partial line, or signal EOF on an empty one
      if (line) app.handle?.pushStdin(line);
      else app.handle?.pushEOF();
      line = "";
    } else if (ch === "\x03") {
      term.write("^C\r\n");
      stop();
    } else if (ch >= " ") {
      line += ch;
      term.write(ch);
    }
  }
});

// ---- loading progress ---------------------------------------------------------------------
let shown = 0;
function setProgress(fraction, text) {
  shown = Math.max(shown, fraction);
  $("progress-bar").style.width = `${Math.round(shown * 100)}%`;
  if (text) $("progress-text").textContent = text;
}
// Pyodide's own load (the longest phase) reports nothing: creep toward the next milestone.
const creep = setInterval(() => {
  if (client.state === "loading" && shown < 0.65) setProgress(shown + 0.02);
}, 200);
client.addEventListener("progress", (ev) => setProgress(ev.detail.fraction, ev.detail.text));
function showLoading() {
  shown = 0;
  setProgress(0, "Restarting the emulator…");
  $("loading").classList.remove("done");
}

function setStatus(text, error = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", error);
}

// ---- stats ----------------------------------------------------------------------------------
// The tier entries of the panel, after "Instructions" (static/index.html has the others): which
// tier ran and how many instructions tier 0 (the interpreter) and compiled code executed.
for (const [id, label] of /** @type {[`st-${string}`, string][]} */ ([
  ["st-tier", "Tier"],
  ["st-interp", "Interpreted"],
  ["st-compiled", "Compiled"],
]).reverse()) {
  if ($(id)) continue;
  const div = document.createElement("div");
  div.innerHTML = `<dt>${label}</dt><dd id="${id}">–</dd>`;
  $("st-insns").parentElement.after(div);
}
const fmt = (n, d = 0) =>
  Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }) : "–";
function showStats(s) {
  $("st-mips").textContent = fmt(s.mips, 1);
  $("st-insns").textContent = fmt(s.guest_insns);
  $("st-tier").textContent = s.tier ?? "–";
  $("st-interp").textContent = fmt(s.interp_insns);
  $("st-compiled").textContent = fmt(s.interp_insns === undefined ? NaN : (s.guest_insns ?? 0) - s.interp_insns);
  $("st-tbs").textContent = fmt(s.tbs_translated);
  $("st-modules").textContent = fmt(s.modules_compiled);
  $("st-chain").textContent = fmt(s.chain_hits);
  $("st-translate").textContent = `${fmt((s.translate_seconds ?? 0) * 1000, 0)} ms`;
  $("st-elapsed").textContent = `${fmt((s.elapsed ?? 0) * 1000, 0)} ms`;
  app.stats = s;
}
function showTimings(t) {
  if (!t) return;
  $("st-pyodide").textContent = `${fmt(t.pyodide_load, 2)} s`;
  $("st-wheel").textContent = `${fmt(t.wheel_install, 2)} s`;
}

// ---- programs -------------------------------------------------------------------------------
async function loadExamples() {
  let list = [];
  try {
    const r = await fetch(new URL("examples.json", SITE));
    if (r.ok) list = await r.json();
  } catch {
    /* fall through */
  }
  if (!list.length) list = [{ name: "hello.elf", description: "", args: "" }];
  app.examples = list;
  const sel = $("examples");
  for (const e of list) {
    const opt = document.createElement("option");
    opt.value = e.name;
    opt.textContent = e.description ? `${e.name} — ${e.description}` : e.name;
    sel.append(opt);
  }
}

// Programs of the root filesystem image (static/rootfs/, scripts/fetch-rootfs.sh): a name that
// starts with "/" is a path in the guest's filesystem (also as ?program=/usr/bin/python3).
const ROOTFS_EXAMPLES = [
  {
    name: "/usr/bin/python3",
    description: "Python 3.13 (Debian, dynamically linked)",
    args: `-c "import sys; print('hello from Python', sys.version.split()[0]); print(6*7)"`,
  },
  { name: "/usr/bin/lua", description: "Lua 5.4", args: `-e "print(_VERSION, 6*7)"` },
  { name: "/usr/bin/sqlite3", description: "SQLite", args: `:memory: "select sqlite_version(), 6*7"` },
  { name: "/bin/ls", description: "busybox ls", args: "-l /home/user /usr/bin/python3" },
];

function addOption(value, text) {
  const sel = $("examples");
  let opt = Array.from(sel.options).find((o) => o.value === value);
  if (!opt) {
    opt = document.createElement("option");
    opt.value = value;
    opt.textContent = text;
    sel.append(opt);
  }
  return opt;
}

function selectExample(name, args) {
  const ex = app.examples.find((e) => e.name === name) ??
    ROOTFS_EXAMPLES.find((e) => e.name === name) ?? { name, args: "" };
  if (name.startsWith("/")) {
    app.program = { name, path: name };
    addOption(name, ex.description ? `${name} — ${ex.description}` : name);
  } else {
    app.program = { name: ex.name, url: guestURL(ex.name) };
  }
  $("examples").value = ex.name;
  $("args").value = args ?? ex.args ?? "";
}

function shareURL() {
  const u = new URL(location.href);
  u.search = "";
  for (const k of ["tier", "hot-threshold"]) if (params.get(k)) u.searchParams.set(k, params.get(k));
  if (app.program?.url || app.program?.path) u.searchParams.set("program", app.program.name);
  if ($("args").value) u.searchParams.set("args", $("args").value);
  return u.href;
}
function updateShare() {
  $("share").href = shareURL();
  $("share").style.visibility = app.program?.url || app.program?.path ? "visible" : "hidden";
}

function setRunning(on) {
  app.running = on;
  $("run").disabled = on || client.state !== "ready";
  $("stop").disabled = !on;
  if (on) term.focus();
}

async function run() {
  if (app.shell) return typeIntoShell();
  if (app.running || !app.program) return;
  const { name } = app.program;
  const args = $("args").value;
  setRunning(true);
  line = "";
  app.output = "";
  app.lastResult = null;
  app.runs++;
  if (app.program.url || app.program.path) history.replaceState(null, "", shareURL());
  updateShare();
  term.write(`${DIM}$ ${name}${args ? " " + args : ""}${RESET}\r\n`);
  setStatus(`running ${name}…`);
  let r;
  try {
    app.handle = client.start({
      program: app.program.bytes ?? app.program.url,
      path: app.program.path,
      argv0: name,
      args,
      stdin: "terminal",
      countTbs: true, // for the chain-hits statistic
      onOutput: (fd, bytes, text) => {
        app.firstOutputMs ??= performance.now();
        app.output += text;
        if (app.output.length > OUTPUT_KEEP) app.output = app.output.slice(-OUTPUT_KEEP / 2);
        // resolved when xterm has processed it: the worker's flow control waits for that
        return new Promise((done) => term.write(fd === 2 ? `${RED}${text}${RESET}` : bytes, done));
      },
      onStats: showStats,
    });
    r = await app.handle.result;
  } catch (e) {
    r = notRun(e.message);
    term.write(`${RED}${e.message}${RESET}\r\n`);
  }
  app.handle = null;
  app.lastResult = r;
  if (r.stats && Object.keys(r.stats).length) showStats(r.stats);
  if (r.error) setStatus(r.error, true);
  else if (r.stopped) setStatus(`${name}: stopped (status ${r.status})`);
  else setStatus(`${name}: exit status ${r.status} in ${fmt((r.stats?.elapsed ?? 0) * 1000)} ms`, r.status !== 0);
  term.write(`${DIM}[exit status ${r.status}]${RESET}\r\n`);
  setRunning(false);
}

// ---- the shell: busybox sh (ash) of the root filesystem image, on the guest's own terminal ----

async function startShell(state) {
  if (app.running) return;
  app.shell = true;
  app.shellExited = false;
  app.shellRuns++;
  app.output = "";
  app.lastResult = null;
  setRunning(true);
  $("run").disabled = false; // Run types the selected example into the shell
  term.options.convertEol = false; // the guest's terminal does its own output processing
  setStatus("busybox sh: type commands; drop files to upload them to /home/user");
  let r;
  try {
    app.handle = client.start({
      // a saved system (window.tbwasm.restoreState) goes on where it was, else a new login shell
      // (-l: /etc/profile sets the prompt)
      ...(state ? { state } : { path: "/bin/sh", argv0: "/bin/sh", args: ["-l"] }),
      env: SHELL_ENV,
      cwd: HOME,
      stdin: "terminal",
      terminal: { rows: term.rows, cols: term.cols },
      onOutput: (fd, bytes, text) => {
        app.firstOutputMs ??= performance.now();
        app.output += text;
        if (app.output.length > OUTPUT_KEEP) app.output = app.output.slice(-OUTPUT_KEEP / 2);
        return new Promise((done) => term.write(bytes, done));
      },
      onStats: (s) => {
        showStats(s);
        if (s.tier) app.onShellStart?.(); // (restoreShell: a machine runs; not a bad state)
      },
    });
    r = await app.handle.result;
  } catch (e) {
    r = notRun(e.message);
  }
  app.handle = null;
  app.lastResult = r;
  app.shell = false;
  term.options.convertEol = true;
  setRunning(false);
  app.shellExited = true;
  if (r.error) term.write(`${RED}${r.error}${RESET}\r\n`);
  term.write(`\r\n${DIM}[shell exited, status ${r.status}: press Enter for a new one]${RESET}\r\n`);
  setStatus(r.error ?? `shell exited (status ${r.status})`, !!r.error);
}

/** Run while the shell runs: the selected example becomes a command line typed into it. */
async function typeIntoShell() {
  const p = app.program;
  if (!p) return;
  let cmd = p.path;
  if (!cmd) {
    // an example of /guests/ (or an uploaded ELF): into /usr/local/bin, then run by name
    const bytes = p.bytes ?? new Uint8Array(await (await fetch(p.url)).arrayBuffer());
    const name = p.name.replaceAll("/", "_");
    await client.putFile(`/usr/local/bin/${name}`, bytes, 0o755);
    cmd = name;
  }
  const args = $("args").value;
  app.handle?.pushStdin(`${cmd}${args ? " " + args : ""}\r`);
  term.focus();
}
app.startShell = startShell;
/** window.tbwasm.restoreState on this page: the shell in progress ends, the saved one goes on. */
app.restoreShell = async (state) => {
  if (app.running) {
    app.handle?.stop();
    while (app.running) await new Promise((r) => setTimeout(r, 20));
  }
  const started = new Promise((resolve) => (app.onShellStart = resolve));
  const ended = startShell(state);
  await Promise.race([started, ended]);
  app.onShellStart = null;
  if (app.lastResult?.error) throw new Error(app.lastResult.error);
};

function stop() {
  if (!app.running) return;
  setStatus("stopping…");
  app.handle?.stop();
}

async function runFile(file) {
  if (!file) return;
  const bytes = new Uint8Array(await file.arrayBuffer());
  app.program = { name: file.name, bytes };
  const sel = $("examples");
  /** @type {HTMLOptionElement | null} */
  let opt = sel.querySelector("option[data-upload]");
  if (!opt) {
    opt = document.createElement("option");
    opt.dataset.upload = "1";
    sel.prepend(opt);
  }
  opt.value = `upload:${file.name}`;
  opt.textContent = `${file.name} (uploaded, ${bytes.length.toLocaleString("en-US")} bytes)`;
  sel.value = opt.value;
  updateShare();
  if (client.state === "ready") run();
}

// ---- files in and out of the guest's filesystem -------------------------------------------
const isElf = (b) => b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;

/** Put files into HOME (executable if ELF or script); they stay for the page's later runs. */
async function uploadFiles(files) {
  for (const file of files) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const path = `${HOME}/${file.name.replaceAll("/", "_")}`;
    const exec = isElf(bytes) || (bytes[0] === 0x23 && bytes[1] === 0x21); // ELF or #!
    try {
      await client.putFile(path, bytes, exec ? 0o755 : 0o644);
      app.uploads.push(path);
      term.write(`${DIM}uploaded ${file.name} -> ${path} (${bytes.length.toLocaleString("en-US")} bytes)${RESET}\r\n`);
      setStatus(`uploaded ${path}`);
    } catch (e) {
      term.write(`${RED}${e.message}${RESET}\r\n`);
      setStatus(e.message, true);
    }
  }
}

/** Hand bytes to the browser as a download named `name`. */
function saveBytes(bytes, name, type = "application/octet-stream") {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([bytes], { type }));
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** Ask for a guest path and save that file from the guest's filesystem. */
async function downloadFile(path) {
  path ??= prompt("File of the guest's filesystem to download:", app.uploads.at(-1) ?? `${HOME}/`);
  if (!path) return;
  try {
    const bytes = await client.getFile(path);
    saveBytes(bytes, path.split("/").pop() || "download");
    setStatus(`downloaded ${path} (${bytes.length.toLocaleString("en-US")} bytes)`);
  } catch (e) {
    term.write(`${RED}${e.message}${RESET}\r\n`);
    setStatus(e.message, true);
  }
}
app.uploadFiles = uploadFiles;
app.downloadFile = downloadFile;

// ---- the kept files (web/runtime/store.mjs): Export, Import, Reset, and what the store says ---------
/** A line of the page's own in the terminal (not the guest's output; also in app.notes). */
function note(text, error = false) {
  app.notes.push(text);
  term.write(`\r\n${error ? RED : DIM}${text}${RESET}\r\n`);
  setStatus(text, error);
}
client.addEventListener("store", (ev) => note(ev.detail.message, ev.detail.level === "error"));
if (client.store.message) note(client.store.message, client.store.state !== "read-only"); // said before this listened

async function exportHome() {
  try {
    const bytes = await client.exportHome(HOME);
    saveBytes(bytes, `home-user-${new Date().toISOString().slice(0, 10)}.tar.gz`, "application/gzip");
    setStatus(`exported ${HOME} (${bytes.length.toLocaleString("en-US")} bytes, .tar.gz)`);
  } catch (e) {
    note(e.message, true);
  }
}

async function importHome(file) {
  if (!file) return;
  try {
    await client.importHome(new Uint8Array(await file.arrayBuffer()), HOME);
    note(`imported ${file.name} into ${HOME}`);
  } catch (e) {
    note(e.message, true);
  }
}

/** Reset: after a confirmation, empty the store and start the shell again on a fresh home. */
async function resetFiles() {
  const ok = confirm("Delete the files this browser keeps for /home and /root, and restart the shell on a fresh home?");
  if (!ok) return;
  const shell = app.shell ? app.handle : null;
  if (shell) {
    shell.stop();
    await shell.result.catch(() => {});
    await new Promise((r) => setTimeout(r, 0)); // (startShell's own ending first)
  }
  try {
    await client.resetStore();
    note("the kept files were deleted: /home and /root are as the image has them");
  } catch (e) {
    note(e.message, true);
  }
  if (shell || app.shellExited) startShell();
}
app.exportHome = exportHome;
app.importHome = importHome;
app.resetFiles = resetFiles;

// ---- wiring ---------------------------------------------------------------------------------
$("run").addEventListener("click", run);
$("stop").addEventListener("click", stop);
$("examples").addEventListener("change", () => {
  const { value } = $("examples");
  if (value.startsWith("upload:")) return;
  selectExample(value);
  updateShare();
});
$("args").addEventListener("input", updateShare);
$("args").addEventListener("keydown", (ev) => {
  if (ev.key === "Enter") run();
});
$("upload").addEventListener("change", () => {
  runFile($("upload").files[0]);
  $("upload").value = "";
});
const wrap = $("terminal-wrap");
for (const t of ["dragenter", "dragover"]) {
  wrap.addEventListener(t, (ev) => {
    ev.preventDefault();
    wrap.classList.add("dragging");
  });
}
wrap.addEventListener("dragleave", (ev) => {
  const to = /** @type {Node | null} */ (ev.relatedTarget);
  if (ev.target === wrap || !wrap.contains(to)) wrap.classList.remove("dragging");
});
wrap.addEventListener("drop", async (ev) => {
  ev.preventDefault();
  wrap.classList.remove("dragging");
  // Dropped files go into the guest's filesystem; a single ELF also runs, as "Upload ELF" does.
  const files = Array.from(ev.dataTransfer.files);
  await uploadFiles(files);
  if (files.length === 1 && isElf(new Uint8Array(await files[0].slice(0, 4).arrayBuffer()))) runFile(files[0]);
});
$("put-file").addEventListener("change", async () => {
  const files = Array.from($("put-file").files);
  $("put-file").value = "";
  await uploadFiles(files);
});
$("get-file").addEventListener("click", () => downloadFile());
$("home-export").addEventListener("click", exportHome);
$("home-import").addEventListener("change", () => {
  const file = $("home-import").files[0];
  $("home-import").value = "";
  importHome(file);
});
$("store-reset").addEventListener("click", resetFiles);

client.addEventListener("restart", (ev) => {
  term.write(`${RED}${ev.detail.message}${RESET}\r\n`);
  showLoading();
  setRunning(false);
  client.ready.then(onReady, onFatal);
});

// The page opens on the shell when the root filesystem image is there and ?program= names no
// program (?shell=0: the single-program page of before).
const wantShell = !params.get("program") && params.get("shell") !== "0";

function onReady(timings) {
  clearInterval(creep);
  setProgress(1, "Ready");
  $("loading").classList.add("done");
  showTimings(timings);
  if (timings.rootfs_entries) {
    for (const e of ROOTFS_EXAMPLES) addOption(e.name, `${e.name} — ${e.description}`);
  }
  setRunning(false);
  setStatus(`ready (Pyodide ${fmt(timings.pyodide_load, 2)} s, wheels ${fmt(timings.wheel_install, 2)} s)`);
}
function onFatal(e) {
  clearInterval(creep);
  $("progress-text").textContent = e.message;
  setStatus(e.message, true);
  term.write(`${RED}${e.message}${RESET}\r\n`);
}

await loadExamples();
selectExample(params.get("program") || "hello.elf", params.get("args") ?? undefined);
updateShare();
term.write(`${DIM}tbwasm: loading Pyodide and the translator…${RESET}\r\n`);
try {
  const timings = await client.ready;
  onReady(timings);
  if (wantShell && timings.rootfs_entries) await startShell();
  else await run(); // the selected program runs when the page opens
} catch (e) {
  onFatal(e);
}
