// The terminal page (static/index.html): examples, upload, arguments, Run/Stop, live stats.
// Guest I/O goes through web/client.mjs (one worker, one Pyodide); stdin is line-edited here and
// delivered to the worker through a SharedArrayBuffer ring.
import "./embed.mjs"; // window.tbwasm on every page
import { getClient } from "./client.mjs";

const $ = (id) => document.getElementById(id);
// The worker (and Pyodide in it) starts loading now; the terminal's code (~350 KB) and the
// default program are fetched meanwhile, not before it.
const client = getClient();
const OUTPUT_KEEP = 2 << 20; // app.output is cut to its last half past this many characters
const params = new URLSearchParams(location.search);
client.prefetch(`/guests/${encodeURIComponent(params.get("program") || "hello.elf")}`);

// State, also read by the browser tests (tests/browser/test_page.py); set before the first await,
// so it exists once the page has loaded.
const app = {
  program: null, // {name, url} for an example, {name, bytes} for an upload
  running: false,
  output: "", // guest stdout+stderr of the current run, as text (its last 1-2 MiB)
  lastResult: null,
  runs: 0,
  firstOutputMs: null, // performance.now() at the first guest output since the page opened
  examples: [],
};
window.tbwasmApp = app;

const [{ Terminal }, { FitAddon }] = await Promise.all([
  import("../vendor/xterm/lib/xterm.mjs"),
  import("../vendor/xterm-addon-fit/lib/addon-fit.mjs"),
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
const DIM = "\x1b[90m", RED = "\x1b[31m", RESET = "\x1b[0m";

let line = ""; // the line being edited; sent on Enter
term.onData((data) => {
  if (!app.running) return;
  if (data.startsWith("\x1b")) return; // arrows, function keys: no history or cursor movement
  for (const ch of data) {
    if (ch === "\r" || ch === "\n") {
      term.write("\r\n");
      client.pushStdin(line + "\n");
      line = "";
    } else if (ch === "\x7f" || ch === "\b") {
      if (line) {
        line = Array.from(line).slice(0, -1).join("");
        term.write("\b \b");
      }
    } else if (ch === "\x04") {
      // Ctrl-D: like a tty, flush a partial line, or signal EOF on an empty one
      if (line) client.pushStdin(line);
      else client.pushEOF();
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
for (const [id, label] of [
  ["st-tier", "Tier"],
  ["st-interp", "Interpreted"],
  ["st-compiled", "Compiled"],
].reverse()) {
  if ($(id)) continue;
  const div = document.createElement("div");
  div.innerHTML = `<dt>${label}</dt><dd id="${id}">–</dd>`;
  $("st-insns").parentElement.after(div);
}
const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }) : "–");
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
    const r = await fetch("/examples.json");
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

function selectExample(name, args) {
  const ex = app.examples.find((e) => e.name === name) ?? { name, args: "" };
  app.program = { name: ex.name, url: `/guests/${encodeURIComponent(ex.name)}` };
  $("examples").value = ex.name;
  $("args").value = args ?? ex.args ?? "";
}

function shareURL() {
  const u = new URL(location.href);
  u.search = "";
  for (const k of ["tier", "hot-threshold"]) if (params.get(k)) u.searchParams.set(k, params.get(k));
  if (app.program?.url) u.searchParams.set("program", app.program.name);
  if ($("args").value) u.searchParams.set("args", $("args").value);
  return u.href;
}
function updateShare() {
  $("share").href = shareURL();
  $("share").style.visibility = app.program?.url ? "visible" : "hidden";
}

function setRunning(on) {
  app.running = on;
  $("run").disabled = on || client.state !== "ready";
  $("stop").disabled = !on;
  if (on) term.focus();
}

async function run() {
  if (app.running || !app.program) return;
  const { name } = app.program;
  const args = $("args").value;
  setRunning(true);
  line = "";
  app.output = "";
  app.lastResult = null;
  app.runs++;
  if (app.program.url) history.replaceState(null, "", shareURL());
  updateShare();
  term.write(`${DIM}$ ${name}${args ? " " + args : ""}${RESET}\r\n`);
  setStatus(`running ${name}…`);
  let r;
  try {
    r = await client.run({
      program: app.program.bytes ?? app.program.url,
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
  } catch (e) {
    r = { status: -1, error: e.message, stdout: "", stderr: "", stats: {} };
    term.write(`${RED}${e.message}${RESET}\r\n`);
  }
  app.lastResult = r;
  if (r.stats && Object.keys(r.stats).length) showStats(r.stats);
  if (r.error) setStatus(r.error, true);
  else if (r.stopped) setStatus(`${name}: stopped (status ${r.status})`);
  else setStatus(`${name}: exit status ${r.status} in ${fmt((r.stats?.elapsed ?? 0) * 1000)} ms`, r.status !== 0);
  term.write(`${DIM}[exit status ${r.status}]${RESET}\r\n`);
  setRunning(false);
}

function stop() {
  if (!app.running) return;
  setStatus("stopping…");
  client.stop();
}

async function runFile(file) {
  if (!file) return;
  const bytes = new Uint8Array(await file.arrayBuffer());
  app.program = { name: file.name, bytes };
  const sel = $("examples");
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

// ---- wiring ---------------------------------------------------------------------------------
$("run").addEventListener("click", run);
$("stop").addEventListener("click", stop);
$("examples").addEventListener("change", (ev) => {
  if (ev.target.value.startsWith("upload:")) return;
  selectExample(ev.target.value);
  updateShare();
});
$("args").addEventListener("input", updateShare);
$("args").addEventListener("keydown", (ev) => {
  if (ev.key === "Enter") run();
});
$("upload").addEventListener("change", (ev) => {
  runFile(ev.target.files[0]);
  ev.target.value = "";
});
const wrap = $("terminal-wrap");
for (const t of ["dragenter", "dragover"]) {
  wrap.addEventListener(t, (ev) => {
    ev.preventDefault();
    wrap.classList.add("dragging");
  });
}
wrap.addEventListener("dragleave", (ev) => {
  if (ev.target === wrap || !wrap.contains(ev.relatedTarget)) wrap.classList.remove("dragging");
});
wrap.addEventListener("drop", (ev) => {
  ev.preventDefault();
  wrap.classList.remove("dragging");
  runFile(ev.dataTransfer.files[0]);
});

client.addEventListener("restart", (ev) => {
  term.write(`${RED}${ev.detail.message}${RESET}\r\n`);
  showLoading();
  setRunning(false);
  client.ready.then(onReady, onFatal);
});

function onReady(timings) {
  clearInterval(creep);
  setProgress(1, "Ready");
  $("loading").classList.add("done");
  showTimings(timings);
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
  onReady(await client.ready);
  await run(); // the selected program runs when the page opens
} catch (e) {
  onFatal(e);
}
