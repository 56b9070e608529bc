#!/usr/bin/env node
// @ts-check
// Make the Pyodide memory snapshot the JS hosts start from (scripts/setup-web.sh runs this after
// writing the wheel manifest):
//
//   node web/build/snapshot.mjs [WHEELS_DIR]        (default static/wheels)
//
// It loads Pyodide, unpacks the tbwasm and pyelftools wheels into site-packages, imports every
// py_backend module a JS host uses, builds the tier-0 interpreter and warms up with hello.elf
// (pyodide_bridge.prepare_snapshot), then writes Pyodide's heap to WHEELS_DIR/snapshot.bin (its
// zero pages left out: encodeSnapshot in web/runtime/runtime.mjs) and adds
//   "snapshot": {"file", "pyodide", "bytes", "tbwasm_sha256"}
// to WHEELS_DIR/manifest.json.  web/runtime/runtime.mjs restores it instead of starting Python,
// installing the wheels with micropip and importing py_backend (see loadFromSnapshot there).
// A snapshot holds the Python heap only, not the filesystem: whatever the hosts import later must
// be imported here.  Kept when WHEELS_DIR/snapshot.json says it was made from the same wheels,
// Pyodide and this script; FORCE=1 makes it again.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";
import { loadPyodide } from "pyodide";
import { decodeSnapshot, encodeSnapshot } from "../runtime/runtime.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const WHEELS = path.resolve(process.argv[2] ?? path.join(ROOT, "static", "wheels"));
const FILE = "snapshot.bin";

const sha256 = (bytes) => crypto.createHash("sha256").update(bytes).digest("hex");
const writeAtomic = (file, data) => {
  fs.writeFileSync(file + ".tmp", data);
  fs.renameSync(file + ".tmp", file); // a server never hands out half a file
};
const log = (msg) => process.stderr.write(`snapshot: ${msg}\n`);

const manifestPath = path.join(WHEELS, "manifest.json");
const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
const wheel = (name) => new Uint8Array(fs.readFileSync(path.join(WHEELS, name)));
const tbwasm = wheel(manifest.tbwasm);
const pyelftools = wheel(manifest.pyelftools);
const indexDir = path.dirname(fileURLToPath(import.meta.resolve("pyodide/pyodide.mjs")));
const pyodideVersion = JSON.parse(fs.readFileSync(path.join(indexDir, "package.json"), "utf8")).version;
const key = {
  pyodide: pyodideVersion,
  tbwasm_sha256: sha256(tbwasm),
  pyelftools_sha256: sha256(pyelftools),
  recipe_sha256: sha256(fs.readFileSync(fileURLToPath(import.meta.url))),
};

const sidecar = path.join(WHEELS, "snapshot.json");
let made = null;
try {
  made = JSON.parse(fs.readFileSync(sidecar, "utf8"));
} catch {
  /* none yet */
}
const same = made && Object.entries(key).every(([k, v]) => made[k] === v);
if (same && fs.existsSync(path.join(WHEELS, FILE)) && process.env.FORCE !== "1") {
  log(`up to date (${FILE}, ${(made.bytes / 2 ** 20).toFixed(1)} MiB)`);
} else {
  const t0 = performance.now();
  // A clean environment: os.environ is part of the heap, so TBWASM_* of this process must not
  // end up in every host (the hosts pass the tier to the Machine themselves).
  const pyodide = await loadPyodide({
    indexURL: indexDir + path.sep,
    env: { HOME: "/home/pyodide" },
    _makeSnapshot: true,
  });
  const site = pyodide.runPython("import site; site.getsitepackages()[0]");
  for (const bytes of [pyelftools, tbwasm]) pyodide.unpackArchive(bytes, "wheel", { extractDir: site });
  // A guest program to warm up with (machine creation and start, no engine): hello.elf
  // ($TBWASM_SNAPSHOT_PROGRAM: another copy of it, e.g. `tbwasm build-site`'s in an npm package).
  const hello = process.env.TBWASM_SNAPSHOT_PROGRAM || path.join(ROOT, "guests", "bin", "hello.elf");
  pyodide.globals.set("warm_program", fs.existsSync(hello) ? new Uint8Array(fs.readFileSync(hello)) : null);
  const skipped = pyodide.runPython(`
from py_backend.host import pyodide_bridge
skipped = pyodide_bridge.prepare_snapshot(warm_program)
del warm_program
skipped
`);
  if (skipped) log(`not imported: ${skipped}`);
  const snapshot = pyodide.makeMemorySnapshot();
  const encoded = encodeSnapshot(snapshot); // without its zero pages
  const back = decodeSnapshot(encoded);
  if (back.length !== snapshot.length || !back.every((b, i) => b === snapshot[i])) throw new Error("encoding");
  writeAtomic(path.join(WHEELS, FILE), encoded);
  made = { ...key, bytes: snapshot.length };
  writeAtomic(sidecar, JSON.stringify(made, null, 2) + "\n");
  const mib = (n) => (n / 2 ** 20).toFixed(1);
  log(
    `wrote ${FILE} (${mib(snapshot.length)} MiB, ${mib(encoded.length)} MiB without zero pages) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}
// A gzip copy for static hosts that do not compress it themselves: a first visit downloads
// about 40% of the bytes (web/runtime/runtime.mjs unpacks it with DecompressionStream).
const gz = path.join(WHEELS, FILE + ".gz");
const plain = fs.statSync(path.join(WHEELS, FILE));
if (!fs.existsSync(gz) || fs.statSync(gz).mtimeMs < plain.mtimeMs) {
  writeAtomic(gz, zlib.gzipSync(fs.readFileSync(path.join(WHEELS, FILE)), { level: 6 }));
}
manifest.snapshot = {
  file: FILE,
  gzip: FILE + ".gz",
  gzip_bytes: fs.statSync(gz).size,
  pyodide: pyodideVersion,
  bytes: made.bytes,
  tbwasm_sha256: key.tbwasm_sha256,
};
writeAtomic(manifestPath, JSON.stringify(manifest, null, 2) + "\n");
process.exit(0);
