// @ts-check
// Embeds: <tbwasm-demo src="guests/hello.elf" args="a 'b c'" stdin="text"> and a script API.
//
//   <script type="module" src="web/page/embed.mjs"></script>
//   <tbwasm-demo src="guests/args.elf" args="one two"></tbwasm-demo>        (runs when first visible)
//   <tbwasm-demo src="guests/bench.elf" args="20" tier="interp" start="click"></tbwasm-demo>
//   <tbwasm-demo command="ls /usr/bin | sort | head -3"></tbwasm-demo>   (/bin/sh -c of the guest's filesystem)
//   <tbwasm-demo command="sh" interactive></tbwasm-demo>   (a terminal you type into: the guest's own tty)
//   <tbwasm-demo command="sh" interactive persist="notes"></tbwasm-demo>  (its /home and /root kept in
//        this browser, in a store of its own; a worker of its own too.  Default: not kept)
//   <tbwasm-demo state="python3.state"></tbwasm-demo>   (a saved system, window.tbwasm.saveState():
//        fetched and restored at once, before the demo is visible, on a terminal of its own; the
//        attribute then says the demo's state as for any demo: idle, running, done)
//
//   await window.tbwasm.ready;
//   const {status, stdout, stderr} = await window.tbwasm.run({program: "guests/hello.elf", args: "x y", stdin: ""});
//   window.tbwasm.run({program, tier: "interp"})   // tier: "tiered" | "interp" | "jit" (default: ?tier= of the page)
//   window.tbwasm.run({path: "/usr/bin/python3", args: ["-c", "print(1)"]})   // a program of the guest's filesystem
//   await window.tbwasm.putFile("/home/user/a.txt", "text or bytes"); await window.tbwasm.getFile(path)
//
// Every embed on a page shares one worker and one Pyodide (web/page/client.mjs); each run and each
// demo is a machine of its own, and they run side by side (a run beside the page's shell too).
// A demo starts when it first becomes visible (start="click": when its Run is clicked;
// autorun: at once).  The page must be cross-origin isolated: serve.py sends the headers, and
// elsewhere the site's service worker (tbwasm-sw.js) provides them. See docs/embedding.md.
import { SHELL_ENV, TbwasmClient, getClient, splitArgs } from "./client.mjs";
import { notRun } from "../runtime/result.mjs";

const client = getClient();
const EMBED_KEEP = 256 << 10; // characters a demo shows at most (the last ones)
const XTERM = new URL("../../vendor/xterm/", import.meta.url);
const apiRuns = new Set(); // handles of the runs started through window.tbwasm

export const api = {
  /** Resolves when Pyodide and the tbwasm wheel are loaded (rejects with a one-line reason). */
  ready: client.ready.then(() => true),
  /**
   * Run a program in a machine of its own (beside any other run, the page's shell included).
   * @param {{program?: string|URL|Uint8Array|ArrayBuffer|Blob, path?: string, args?: string|string[], stdin?: string|Uint8Array, env?: string[], tier?: string, hotThreshold?: number, cwd?: string, onOutput?: (fd: number, text: string) => void}} o
   * @returns {Promise<{status: number, stdout: string, stderr: string, message: string, error: string|null, stopped: boolean, stats: object}>}
   */
  run: (o = {}) => {
    if (o.program == null && !o.path) {
      return Promise.reject(
        new Error("tbwasm: run() needs {program: URL or bytes} or {path: a file of the guest's filesystem}"),
      );
    }
    const h = client.start({
      program: o.program,
      path: o.path,
      args: o.args ?? [],
      stdin: o.stdin ?? "",
      env: o.env,
      cwd: o.cwd,
      onOutput: o.onOutput,
      tier: o.tier,
      hotThreshold: o.hotThreshold,
    });
    apiRuns.add(h);
    const forget = () => apiRuns.delete(h);
    h.result.then(forget, forget);
    return h.result;
  },
  /** Stop the runs started through this API (not the page's shell or demos). */
  stop: () => {
    for (const h of apiRuns) h.stop();
  },
  /** Put a file into the page's guest filesystem (kept for the page's later runs). */
  putFile: (path, data, mode) => client.putFile(path, data, mode),
  /** A file of the page's guest filesystem, as a Uint8Array. */
  getFile: (path) => client.getFile(path),
  /** The guest directory `path` (default /home/user) as .tar.gz bytes. */
  exportHome: (path) => client.exportHome(path),
  /** Extract .tar.gz bytes into `path` (default /home/user): all or nothing. */
  importHome: (data, path) => client.importHome(data, path),
  /** Empty the store of kept files (/home and /root are the image's again). */
  resetStore: () => client.resetStore(),
  /** Store the guest's changes now. */
  flushStore: () => client.flushStore(),
  /**
   * The page's running system (its shell: every process, the terminal, cwd, the files) as bytes.
   * @returns {Promise<Uint8Array>}
   */
  saveState: () => client.saveState(),
  /**
   * Continue a saved system: on the page's terminal when the page has one (the shell page),
   * else as a run of its own.  Resolves when it runs; a bad state rejects with one line.
   * @param {Uint8Array|ArrayBuffer} bytes
   */
  restoreState: (bytes) => {
    const app = window.tbwasmApp;
    if (app?.restoreShell) return app.restoreShell(new Uint8Array(bytes));
    const h = client.start({ state: new Uint8Array(bytes), stdin: "" });
    apiRuns.add(h);
    const forget = () => apiRuns.delete(h);
    h.result.then(forget, forget);
    return Promise.resolve(h);
  },
  splitArgs,
  client,
};
Object.defineProperty(api, "store", { get: () => client.store });
Object.defineProperty(api, "timings", { get: () => client.timings });
api.ready.catch(() => {}); // reported on the page; callers still see the rejection
window.tbwasm = api;

/** Clients of demos that keep their files (persist="NAME"): one worker per name, its own store. */
const demoClients = new Map();
/** The client a demo runs in: the page's, or (persist="NAME") one of its own whose /home and
 *  /root are kept in the store "demo:NAME" (web/runtime/store.mjs). */
function clientOf(el) {
  const name = el.getAttribute("persist");
  if (!name) return client;
  if (!demoClients.has(name)) demoClients.set(name, new TbwasmClient({ persist: `demo:${name}` }));
  return demoClients.get(name);
}

/** xterm.js, loaded once for the page's interactive demos. */
let xtermModule = null;
const loadXterm = () =>
  (xtermModule ??= Promise.all([
    import(new URL("lib/xterm.mjs", XTERM).href),
    import(new URL("../xterm-addon-fit/lib/addon-fit.mjs", XTERM).href),
  ]));

/** Demos waiting to become visible. */
const visibility =
  typeof IntersectionObserver === "function"
    ? new IntersectionObserver(
        (entries) => {
          for (const e of entries) {
            if (!e.isIntersecting) continue;
            visibility.unobserve(e.target);
            const demo = /** @type {TbwasmDemo} */ (e.target);
            if (demo.getAttribute("state") === "idle") demo.run();
          }
        },
        { rootMargin: "0px" },
      )
    : null;

const STYLE = `
:host { display: block; font: 14px/1.4 system-ui, sans-serif; margin: 1em 0; }
.box { border: 1px solid #c8ccd4; border-radius: 6px; overflow: hidden; background: #fff; }
.bar { display: flex; gap: .6em; align-items: center; padding: .4em .6em; background: #f2f4f7; border-bottom: 1px solid #c8ccd4; }
.cmd { font-family: ui-monospace, monospace; flex: 1; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
button { font: inherit; padding: .2em .9em; border-radius: 4px; border: 1px solid #2a6df4; background: #2a6df4; color: #fff; cursor: pointer; }
button:disabled { opacity: .55; cursor: default; }
button.stop { border-color: #c0392b; background: #c0392b; }
button[hidden] { display: none; }
pre { margin: 0; padding: .6em; min-height: 2.8em; max-height: 22em; overflow: auto; background: #14161a; color: #e6e6e6; font: 13px/1.35 ui-monospace, monospace; white-space: pre-wrap; }
.err { color: #ff8a80; }
.status { padding: .3em .6em; font-size: 12px; color: #555; border-top: 1px solid #e3e6eb; }
.term { height: 22em; padding: .3em; background: #14161a; }
.term[hidden] { display: none; }
`;

class TbwasmDemo extends HTMLElement {
  static observedAttributes = ["src", "args", "stdin", "command"];

  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    root.innerHTML = `<style>${STYLE}</style>
      <link rel="stylesheet" href="${new URL("css/xterm.css", XTERM).href}">
      <div class="box" part="box">
        <div class="bar"><span class="cmd" part="command"></span><button part="run">Run</button><button part="stop" class="stop" hidden>Stop</button></div>
        <pre part="output" aria-live="polite"></pre>
        <div class="term" part="terminal" hidden></div>
        <div class="status" part="status">Loading the emulator…</div>
      </div>`;
    this.$cmd = root.querySelector(".cmd");
    this.$run = /** @type {HTMLButtonElement} */ (root.querySelector("button[part=run]"));
    this.$stop = /** @type {HTMLButtonElement} */ (root.querySelector("button[part=stop]"));
    this.$out = root.querySelector("pre");
    this.$term = /** @type {HTMLElement} */ (root.querySelector(".term"));
    this.$status = root.querySelector(".status");
    this.handle = null; // the run in progress (its own machine in the page's worker)
    this.$run.addEventListener("click", () => this.run());
    this.$stop.addEventListener("click", () => this.stop());
  }

  connectedCallback() {
    // (not in the constructor: an element made by createElement may not get attributes there)
    const given = this.getAttribute("state");
    if (given && !["idle", "running", "done"].includes(given)) {
      // state=URL: a saved system, fetched now (the demo restores it before it is visible)
      this.stateURL = new URL(given, document.baseURI).href;
      this.stateBytes = fetch(this.stateURL).then((r) => {
        if (!r.ok) throw new Error(`tbwasm-demo: cannot fetch ${given}: HTTP ${r.status}`);
        return r.arrayBuffer();
      });
      this.stateBytes.catch(() => {}); // (reported by run)
      this.setAttribute("state", "idle");
    }
    if (!this.hasAttribute("state")) this.setAttribute("state", "idle");
    this._render();
    const onProgress = (ev) => {
      if (this.getAttribute("state") === "idle")
        this.$status.textContent = `${ev.detail.text} ${Math.round(ev.detail.fraction * 100)}%`;
    };
    const client = clientOf(this);
    client.addEventListener("progress", onProgress);
    if (client !== getClient())
      client.addEventListener("store", (ev) => (this.$status.textContent = ev.detail.message));
    client.ready.then(
      () => {
        client.removeEventListener("progress", onProgress);
        if (this.getAttribute("state") === "idle") this.$status.textContent = "Ready: press Run";
      },
      (e) => (this.$status.textContent = e.message),
    );
    const start = this.getAttribute("start") ?? "visible";
    if (this.hasAttribute("autorun") || this.stateURL) this.run();
    else if (start === "visible" && visibility) visibility.observe(this);
  }

  disconnectedCallback() {
    visibility?.unobserve(this);
    this.stop();
  }

  attributeChangedCallback() {
    this._render();
  }

  _render() {
    if (this.stateURL) {
      this.$cmd.textContent = `$ (saved: ${this.stateURL.split("/").pop()})`;
      return;
    }
    if (this.hasAttribute("command")) {
      this.$cmd.textContent = `$ ${this.getAttribute("command")}`;
      return;
    }
    const src = this.getAttribute("src") ?? "";
    const args = this.getAttribute("args") ?? "";
    const stdin = this.getAttribute("stdin");
    this.$cmd.textContent = `$ ${src.split("/").pop()}${args ? " " + args : ""}${stdin ? ` <<< ${JSON.stringify(stdin)}` : ""}`;
  }

  /** Stop this demo's run. */
  stop() {
    this.handle?.stop();
  }

  /** A terminal of the demo's own (interactive demos): xterm.js, raw keys to the guest's tty. */
  async _terminal() {
    if (this.term) return this.term;
    const [{ Terminal }, { FitAddon }] = await loadXterm();
    this.$out.hidden = true;
    this.$term.hidden = false;
    const term = new Terminal({ convertEol: false, fontSize: 13, scrollback: 2000, theme: { background: "#14161a" } });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(this.$term);
    fit.fit();
    new ResizeObserver(() => fit.fit()).observe(this.$term);
    term.onData((data) => this.handle?.pushStdin(data));
    term.onResize(({ rows, cols }) => this.handle?.resize(rows, cols));
    this.term = term;
    return term;
  }

  /** Run the program; resolves to the result (also stored in this.result). */
  async run() {
    if (this.getAttribute("state") === "running") return this.result;
    visibility?.unobserve(this);
    this.setAttribute("state", "running");
    this.removeAttribute("status");
    this.$run.disabled = true;
    this.$stop.hidden = false;
    this.$out.textContent = "";
    this.output = "";
    let shown = 0;
    const client = clientOf(this);
    this.$status.textContent = client.state === "ready" ? "Starting…" : "Waiting for the emulator to load…";
    const t0 = performance.now();
    try {
      const command = this.getAttribute("command");
      const saved = this.stateBytes ? new Uint8Array(await this.stateBytes) : null;
      const interactive = this.hasAttribute("interactive") || saved !== null;
      const term = interactive ? await this._terminal() : null;
      if (term) term.reset();
      const src = this.getAttribute("src");
      if (command === null && !src && !saved)
        throw new Error("tbwasm-demo: give it a src (a program's URL), a command or a state");
      this.handle = client.start({
        // a command line runs in the guest filesystem's shell (the root filesystem image)
        ...(saved
          ? { state: saved }
          : command !== null
            ? { path: "/bin/sh", argv0: "sh", args: interactive && command.trim() === "sh" ? ["-l"] : ["-c", command] }
            : { program: src, args: this.getAttribute("args") ?? "" }),
        tier: this.getAttribute("tier") || undefined, // default: the page's ?tier=, else the machine's
        ...(term
          ? { stdin: "terminal", terminal: { rows: term.rows, cols: term.cols }, cwd: "/home/user", env: SHELL_ENV }
          : { stdin: (this.getAttribute("stdin") ?? "").replace(/\\n/g, "\n") }),
        onStart: () => (this.$status.textContent = interactive ? "Running: type into the terminal" : "Running…"),
        onInputWait: () => this.dispatchEvent(new CustomEvent("input-wait")), // (waits for the user)
        onOutput: (fd, bytes, text) => {
          this.output += text;
          if (this.output.length > EMBED_KEEP) this.output = this.output.slice(-EMBED_KEEP / 2);
          if (term) return new Promise((done) => term.write(bytes, done));
          if (fd === 1) this.$out.append(text);
          else {
            const span = document.createElement("span");
            span.className = "err";
            span.textContent = text;
            this.$out.append(span);
          }
          shown += text.length;
          if (shown > EMBED_KEEP) {
            // a program that prints without end: keep the last part (as plain text)
            this.$out.textContent = this.$out.textContent.slice(-EMBED_KEEP / 2);
            shown = this.$out.textContent.length;
          }
          this.$out.scrollTop = this.$out.scrollHeight;
          return undefined;
        },
      });
      if (term) term.focus();
      const r = await this.handle.result;
      this.result = r;
      const ms = (performance.now() - t0).toFixed(0);
      const mips = r.stats?.mips ? ` · ${r.stats.mips.toFixed(1)} MIPS` : "";
      this.$status.textContent = r.error ? r.error : `exit status ${r.status} · ${ms} ms${mips}`;
      this.setAttribute("status", String(r.status));
      this.dispatchEvent(new CustomEvent("exit", { detail: r }));
      return r;
    } catch (e) {
      this.$status.textContent = e.message;
      this.setAttribute("status", "error");
      this.result = notRun(e.message, { stderr: e.message });
      return this.result;
    } finally {
      this.handle = null;
      this.setAttribute("state", "done");
      this.$run.disabled = false;
      this.$stop.hidden = true;
    }
  }
}

if (!customElements.get("tbwasm-demo")) customElements.define("tbwasm-demo", TbwasmDemo);
