// @ts-check
// tbwasm's public JavaScript API (the npm package's main module; types in web/index.d.ts).
//
//   import { createEmulator } from "tbwasm";            // or "<your site>/web/index.mjs"
//   const emu = createEmulator();                       // a worker with Pyodide and the JIT
//   await emu.ready;
//   const r = await emu.run({ program: "guests/hello.elf" });   // {status, stdout, stderr, ...}
//   const r2 = await emu.run({ path: "/bin/sh", args: ["-c", "ls / | wc -l"] });
//   const shell = emu.attachShell(document.querySelector("#term"));  // busybox sh on xterm.js
//   await emu.writeFile("/home/user/a.txt", "hello"); const bytes = await emu.readFile("/etc/os-release");
//   emu.addEventListener("output", (e) => console.log(e.detail.fd, e.detail.text));
//   emu.addEventListener("exit", (e) => console.log(e.detail.id, e.detail.status));
//   const saved = await emu.saveState(shell);   // the whole running system, as bytes
//   emu.attachShell(element, { state: saved });   // ... continued (here or in another page)
//   emu.stop(); emu.destroy();
//   const kept = createEmulator({ persist: "notes" });  // /home and /root kept in this browser
//   const tgz = await kept.exportHome(); await kept.importHome(tgz); await kept.resetStore();
//
// The files a page needs (web/, pyodide/, vendor/, wheels/, rootfs/, tbwasm-sw.js) are a site
// that `npx tbwasm build-site DIR` writes; `siteURL` says where it is served (default: the
// directory above this module, which is right when the page loads DIR/web/index.mjs).
// Every run is a machine of its own; runs of one emulator go on side by side in its worker and
// share its guest filesystem.
import { SHELL_ENV, TbwasmClient, getClient, splitArgs } from "./page/client.mjs";

export { splitArgs };

/** One emulator: a worker with Pyodide, the translator and a guest filesystem. */
export class Emulator extends EventTarget {
  /** @param {import("./index.js").EmulatorOptions} [options] */
  constructor(options = {}) {
    super();
    this.client = options.shared
      ? getClient()
      : new TbwasmClient({
          siteURL: options.siteURL,
          rootfs: options.rootfs,
          persist: options.persist ? (options.persist === true ? "emulator" : options.persist) : null,
          net: options.net,
        });
    this.defaults = { tier: options.tier, hotThreshold: options.hotThreshold };
    this.ready = this.client.ready.then(() => undefined);
    this.ready.catch(() => {}); // callers see the rejection; the "error" event says it too
    this.handles = new Set();
    for (const type of ["output", "exit", "fatal", "restart", "store"]) {
      this.client.addEventListener(type, (ev) => {
        const detail = /** @type {CustomEvent} */ (ev).detail;
        if ((type === "output" || type === "exit") && !this._owns(detail.id)) return;
        this.dispatchEvent(new CustomEvent(type === "fatal" ? "error" : type, { detail }));
      });
    }
  }

  _owns(id) {
    for (const h of this.handles) if (h.id === id) return true;
    return false;
  }

  /**
   * Start a program in a machine of its own; the handle's `result` resolves when it ends.
   * @param {import("./index.js").RunOptions} o
   */
  start(o) {
    if (!o || (o.program == null && !o.path && !o.state)) {
      const error = new Error(
        "tbwasm: run() needs {program: URL or bytes} or {path: a file of the guest's filesystem}",
      );
      const result = Promise.reject(error);
      result.catch(() => {});
      return { id: -1, result, stop() {}, write() {}, end() {}, resize() {}, saveState: () => Promise.reject(error) };
    }
    const h = this.client.start({
      program: o.program,
      path: o.path,
      args: o.args ?? [],
      env: o.env,
      cwd: o.cwd,
      stdin: o.stdin === "interactive" ? "terminal" : (o.stdin ?? ""),
      terminal: o.terminal,
      tier: o.tier ?? this.defaults.tier,
      hotThreshold: o.hotThreshold ?? this.defaults.hotThreshold,
      onOutput: o.onOutput,
      state: o.state,
    });
    const handle = {
      id: h.id,
      result: h.result,
      stop: () => h.stop(),
      write: (data) => h.pushStdin(data),
      end: () => h.pushEOF(),
      resize: (rows, cols) => h.resize(rows, cols),
      saveState: () => this.client.saveState(h.id),
    };
    this.handles.add(handle);
    const forget = () => this.handles.delete(handle);
    h.result.then(forget, forget);
    return handle;
  }

  /**
   * Run a program to its end.
   * @param {import("./index.js").RunOptions} o
   */
  run(o) {
    return this.start(o).result;
  }

  /**
   * A shell (busybox sh of the root filesystem image, or `o.path`) on an xterm.js terminal in
   * `element`, on the guest's own terminal (line editing, ^C, job control, vi).
   * @param {HTMLElement} element
   * @param {import("./index.js").ShellOptions} [o]
   */
  attachShell(element, o = {}) {
    const site = this.client.site;
    let handle = null;
    let term = null;
    let disposed = false;
    const early = []; // input written before the shell started
    const write = (data) => (handle ? handle.write(data) : early.push(data));
    const started = (async () => {
      const [{ Terminal }, { FitAddon }] = await Promise.all([
        import(new URL("vendor/xterm/lib/xterm.mjs", site).href),
        import(new URL("vendor/xterm-addon-fit/lib/addon-fit.mjs", site).href),
      ]);
      if (!document.querySelector(`link[data-tbwasm-xterm]`)) {
        const css = document.createElement("link");
        css.rel = "stylesheet";
        css.href = new URL("vendor/xterm/css/xterm.css", site).href;
        css.dataset.tbwasmXterm = "";
        document.head.append(css);
      }
      term = new Terminal({
        fontSize: 14,
        scrollback: 5000,
        theme: { background: "#14161a" },
        ...(o.terminalOptions ?? {}),
      });
      const fit = new FitAddon();
      term.loadAddon(fit);
      term.open(element);
      fit.fit();
      const observer = new ResizeObserver(() => fit.fit());
      observer.observe(element);
      term.onData(write);
      term.onResize(({ rows, cols }) => handle?.resize(rows, cols));
      await this.ready;
      if (disposed)
        return {
          status: 130,
          message: "tbwasm: shell disposed",
          error: null,
          stopped: true,
          stats: {},
          stdout: "",
          stderr: "",
        };
      handle = this.start({
        ...(o.state ? { state: o.state } : { path: o.path ?? "/bin/sh", args: o.args ?? (o.path ? [] : ["-l"]) }),
        env: o.env ?? [...SHELL_ENV],
        cwd: o.cwd ?? "/home/user",
        stdin: "interactive",
        terminal: { rows: term.rows, cols: term.cols },
        tier: o.tier,
        onOutput: (_fd, bytes) => new Promise((done) => term.write(bytes, done)),
      });
      for (const data of early.splice(0)) handle.write(data);
      term.focus();
      try {
        return await handle.result;
      } finally {
        observer.disconnect();
      }
    })();
    return {
      result: started,
      get terminal() {
        return term;
      },
      write,
      saveState: () =>
        handle ? handle.saveState() : Promise.reject(new Error("tbwasm: STATE: the shell has not started")),
      stop: () => handle?.stop(),
      dispose: () => {
        disposed = true;
        handle?.stop();
        term?.dispose();
      },
    };
  }

  /** Put a file into the guest's filesystem (missing directories are made). */
  writeFile(path, data, mode) {
    return this.client.putFile(path, data, mode);
  }

  /** The bytes of a regular file of the guest's filesystem. */
  readFile(path) {
    return this.client.getFile(path);
  }

  /** The guest directory `path` (default "/home/user") as .tar.gz bytes. */
  exportHome(path) {
    return this.client.exportHome(path);
  }

  /** Extract .tar.gz bytes into the guest directory `path` (default "/home/user"): all or
   *  nothing; rejects with a one-line reason. */
  importHome(data, path) {
    return this.client.importHome(data, path).then(() => undefined);
  }

  /** Empty the store of kept files: /home and /root are the image's again. */
  resetStore() {
    return this.client.resetStore().then(() => undefined);
  }

  /** Store the guest's changes now (they are stored within ~1 s anyway). */
  flushStore() {
    return this.client.flushStore().then(() => undefined);
  }

  /** What the store of kept files says: state, message, flushes, bytes, ms. */
  get store() {
    return this.client.store;
  }

  /**
   * The whole running system of a run (its processes, files, terminal, working directory) as
   * bytes that `start({state})` / `attachShell(element, {state})` continue, here or in a fresh
   * page.  Default: the latest run on a terminal.  Rejects with a one-line reason.
   * @param {{id: number}} [handle]
   * @returns {Promise<Uint8Array>}
   */
  saveState(handle) {
    return this.client.saveState(handle?.id ?? this.client.terminalRun);
  }

  /** Stop every run of this emulator. */
  stop() {
    for (const h of this.handles) h.stop();
  }

  /** End the worker (and every run in it); the emulator cannot be used after this. */
  destroy() {
    if (this.client === getClient()) this.stop();
    else this.client.destroy();
  }
}

/**
 * A new emulator (a worker of its own; `shared: true` uses the page's, which <tbwasm-demo>
 * elements and window.tbwasm share).
 * @param {import("./index.js").EmulatorOptions} [options]
 */
export function createEmulator(options) {
  return new Emulator(options);
}
