// @ts-check
// The guest's kept files in the browser: /home and /root (py_backend/linux/homestore.py says
// why those) in an IndexedDB database of the site's origin, from the worker (web/runtime/worker.mjs).
//
// Layout: database `tbwasm:<name>:<site path>` (IndexedDB version DB_VERSION) with the object
// stores "files" (one record per path that differs from the root filesystem image, keyPath
// "path": {path, kind: "dir"|"file"|"symlink"|"whiteout", mode, mtime_s, mtime_ns, data?,
// target?}) and "meta" ("format" -> {version: FORMAT_VERSION}).  A store written by a newer
// tbwasm (a higher format version, or a higher IndexedDB version) is opened read-only: nothing
// is loaded from it and nothing is written to it.
//
// Writing: a timer looks at the tree's change counter every TICK_MS; changes are flushed when
// the counter has stood still for one tick (a file was closed, a command ended) or after
// MAX_DIRTY_MS of changes without pause, so a closed file is stored within ~0.5 s.  Each flush
// is ONE transaction: when it fails (a full quota) the store keeps its previous state, the page
// gets one line, and the same changes are tried again after the guest's next change.
//
// Two tabs: the writer holds the Web Lock `<database name>` (navigator.locks) for the worker's
// life; a tab that cannot take it within LOCK_WAIT_MS loads the files and keeps its own changes
// in memory only (one line says so).
//
// The worker talks to the Python side only through py_backend/host/pyodide_bridge.py
// (home_open, home_changes, home_commit, home_reset).

export const FORMAT_VERSION = 1;
export const DB_VERSION = 1;
export const TICK_MS = 250;
export const MAX_DIRTY_MS = 750;
const OPEN_TIMEOUT_MS = 10_000;
const LOCK_WAIT_MS = 3000; // a tab waits this long for the writer's lock, then is read-only

/**
 * The database name of a store: `name` ("page" for the shell page, "demo:<attr>" for a
 * <tbwasm-demo persist=...>, the app's own for createEmulator({persist})) at a site.
 * @param {string} name
 * @param {string} siteURL
 */
export function databaseName(name, siteURL) {
  let path = "/";
  try {
    path = new URL(siteURL).pathname;
  } catch {
    /* a bad URL: the origin's root */
  }
  return `tbwasm:${name}:${path}`;
}

/** @template T @param {IDBRequest<T>} req @returns {Promise<T>} */
const done = (req) =>
  new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });

/** A transaction's end: resolves when committed, rejects with its error when aborted. */
const finished = (tx) =>
  new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve(undefined);
    tx.onabort = () => reject(tx.error ?? new DOMException("transaction aborted", "AbortError"));
    tx.onerror = () => {}; // (reported through onabort)
  });

/** One line for a storage error (a full quota gets its own words). */
function storageError(e, what) {
  const name = e?.name ?? "";
  if (name === "QuotaExceededError" || /quota/i.test(String(e?.message ?? ""))) {
    return `tbwasm: the browser's storage for this site is full: ${what} (files stored before are kept; free space or press Reset)`;
  }
  return `tbwasm: cannot store the files: ${what} (${name || "error"}: ${String(e?.message ?? e).split("\n")[0]})`;
}

export class HomeStore {
  /**
   * @param {object} runtime  web/runtime/runtime.mjs's Runtime (its bridge and rootfs)
   * @param {object} o
   * @param {string} o.name  the database name (databaseName())
   * @param {(level: string, message: string) => void} o.say  one line for the page
   * @param {(stats: object) => void} [o.onStats]  after every flush
   */
  constructor(runtime, { name, say, onStats }) {
    this.runtime = runtime;
    this.name = name;
    this.say = say;
    this.onStats = onStats ?? (() => {});
    this.db = null;
    this.py = null; // the Python HomeStore
    this.state = "closed"; // "writer" | "read-only" | "newer" | "off" | "closed"
    this.message = "";
    this.flushing = null; // the flush in progress (a promise)
    this.timer = null;
    this.seen = -1; // the change counter at the last tick
    this.dirtySince = null; // performance.now() of the first change not yet stored
    this.failedAt = null; // the change counter when the last flush failed
    this.releaseLock = null;
    this.stats = { flushes: 0, bytes: 0, ms: 0, entries: 0, loaded: 0, loadMs: 0, lastFlushAt: 0, failures: 0 };
  }

  get writable() {
    return this.state === "writer";
  }

  /** Open the store, load its files into the guest's tree, start the flush timer (writer). */
  async open() {
    const bridge = this.runtime.bridge;
    const t0 = performance.now();
    if (!globalThis.indexedDB) {
      return this._off("tbwasm: this browser gives no IndexedDB here: the guest's files are not kept");
    }
    const writer = await this._lock();
    let records;
    try {
      this.db = await this._openDb();
    } catch (e) {
      if (e?.name === "VersionError") return this._newer(`its database version is newer than ${DB_VERSION}`);
      return this._off(
        `tbwasm: cannot open the stored files (${e?.name ?? "error"}: ${e?.message ?? e}): they are not kept`,
      );
    }
    try {
      const tx = this.db.transaction(["files", "meta"], "readonly");
      const [meta, got] = await Promise.all([
        done(tx.objectStore("meta").get("format")),
        done(tx.objectStore("files").getAll()),
      ]);
      if (meta && !(Number(meta.version) <= FORMAT_VERSION)) {
        return this._newer(`format ${meta.version}, this page reads ${FORMAT_VERSION}`);
      }
      records = got;
    } catch (e) {
      return this._off(`tbwasm: cannot read the stored files (${e?.name ?? "error"}): they are not kept`);
    }
    try {
      this.py = bridge.home_open(this.runtime.rootfs, records);
    } catch (e) {
      const why = String(e?.message ?? e)
        .trim()
        .split("\n")
        .pop();
      this.py = bridge.home_open(this.runtime.rootfs, null);
      this._release();
      this.state = "read-only";
      this.message = `tbwasm: the stored files are damaged (${why}): not loaded, and nothing is written (Reset empties the store)`;
      this.say("error", this.message);
      return this.state;
    }
    this.stats.loaded = records.length;
    this.stats.loadMs = performance.now() - t0;
    if (!writer) {
      this.state = "read-only";
      this.message =
        "tbwasm: another tab of this site has the stored files open: files written here are not kept (read-only)";
      this.say("warning", this.message);
      return this.state;
    }
    this.state = "writer";
    this.seen = bridge.home_generation();
    this.timer = setInterval(() => this._tick(), TICK_MS);
    return this.state;
  }

  /** The Web Lock of this store, held until close(); false if another tab holds it. */
  _lock() {
    if (!globalThis.navigator?.locks) return Promise.resolve(true); // no Web Locks: one tab assumed
    // (a reload's new page may ask while the old page's worker is still going away: wait a
    // little before calling the store another tab's)
    return new Promise((resolve) => {
      navigator.locks
        .request(this.name, { signal: AbortSignal.timeout(LOCK_WAIT_MS) }, () => {
          resolve(true);
          return new Promise((release) => (this.releaseLock = release));
        })
        .catch(() => resolve(false));
    });
  }

  _release() {
    this.releaseLock?.();
    this.releaseLock = null;
  }

  _openDb() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(this.name, DB_VERSION);
      const timer = setTimeout(
        () =>
          reject(new DOMException(`no answer in ${OPEN_TIMEOUT_MS / 1000} s (another tab blocks it)`, "TimeoutError")),
        OPEN_TIMEOUT_MS,
      );
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains("files")) db.createObjectStore("files", { keyPath: "path" });
        if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta");
      };
      req.onsuccess = () => {
        clearTimeout(timer);
        const db = req.result;
        db.onversionchange = () => db.close(); // a newer tbwasm in another tab upgrades it
        resolve(db);
      };
      req.onerror = () => {
        clearTimeout(timer);
        reject(req.error);
      };
    });
  }

  _off(message) {
    this._release();
    this.py ??= this.runtime.bridge.home_open(this.runtime.rootfs, null);
    this.state = "off";
    this.message = message;
    this.say("warning", message);
    return this.state;
  }

  _newer(why) {
    this._release();
    this.db?.close();
    this.db = null;
    this.py ??= this.runtime.bridge.home_open(this.runtime.rootfs, null);
    this.state = "newer";
    this.message = `tbwasm: the stored files were written by a newer tbwasm (${why}): left as they are, not loaded, nothing written`;
    this.say("error", this.message);
    return this.state;
  }

  _tick() {
    if (!this.writable || this.flushing) return;
    const gen = this.runtime.bridge.home_generation();
    const now = performance.now();
    if (gen !== this.seen) {
      this.seen = gen;
      this.dirtySince ??= now;
      if (now - this.dirtySince < MAX_DIRTY_MS) return; // still changing: wait for a pause
    } else if (this.dirtySince === null || gen === this.failedAt) {
      return; // nothing new (or nothing new since a failed flush)
    }
    this.flush();
  }

  /** Store what changed now (resolves when the transaction ended; never rejects). */
  flush() {
    if (!this.writable) return Promise.resolve();
    if (this.flushing) return this.flushing.then(() => this.flush());
    this.flushing = this._flush().finally(() => (this.flushing = null));
    return this.flushing;
  }

  async _flush() {
    const bridge = this.runtime.bridge;
    const t0 = performance.now();
    const gen = bridge.home_generation();
    const ch = bridge.home_changes(this.py);
    if (!ch) {
      this.dirtySince = null;
      return;
    }
    try {
      const tx = this.db.transaction(["files", "meta"], "readwrite");
      const end = finished(tx);
      const files = tx.objectStore("files");
      tx.objectStore("meta").put({ version: FORMAT_VERSION }, "format");
      for (const rec of ch.puts) files.put(rec);
      for (const path of ch.deletes) files.delete(path);
      await end;
    } catch (e) {
      if (this.failedAt === null)
        this.say("error", storageError(e, `${ch.puts.length + ch.deletes.length} changes not stored`));
      this.failedAt = gen;
      this.stats.failures++;
      this.onStats(this.statsNow());
      return;
    }
    bridge.home_commit(this.py, ch.token);
    if (this.failedAt !== null) this.say("info", "tbwasm: the guest's files are stored again");
    this.failedAt = null;
    this.dirtySince = bridge.home_generation() === gen ? null : performance.now();
    const s = this.stats;
    s.flushes++;
    s.bytes += ch.bytes;
    s.entries += ch.puts.length + ch.deletes.length;
    s.ms += performance.now() - t0;
    s.lastFlushAt = performance.timeOrigin + performance.now();
    this.onStats(this.statsNow());
  }

  statsNow() {
    return { ...this.stats, state: this.state, message: this.message, dirty: this.dirtySince !== null };
  }

  /** Empty the store and give the guest the image's /home and /root again ("" or one line). */
  async reset() {
    if (!this.writable) {
      return this.message || "tbwasm: the guest's files are not kept in this page: nothing to reset";
    }
    clearInterval(this.timer);
    try {
      await this.flushing;
      const tx = this.db.transaction(["files", "meta"], "readwrite");
      const end = finished(tx);
      tx.objectStore("files").clear();
      tx.objectStore("meta").put({ version: FORMAT_VERSION }, "format");
      await end;
      this.runtime.bridge.home_reset(this.py);
      this.failedAt = null;
      this.dirtySince = null;
      this.seen = this.runtime.bridge.home_generation();
      return "";
    } catch (e) {
      return storageError(e, "the store was not emptied");
    } finally {
      this.timer = setInterval(() => this._tick(), TICK_MS);
    }
  }

  /** Stop writing and let another tab have the store. */
  close() {
    clearInterval(this.timer);
    this._release();
    this.db?.close();
    this.state = "closed";
  }
}
