// Run one guest twice in one Runtime (one memory, one module cache); print what the test checks.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadPyodide } from "pyodide";
import { createRuntime } from "../../web/runtime.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const indexURL = path.dirname(fileURLToPath(import.meta.resolve("pyodide/pyodide.mjs"))) + path.sep;
const rt = await createRuntime({
  indexURL,
  wheelsURL: pathToFileURL(path.join(ROOT, "static", "wheels") + path.sep).href,
  loadPyodide,
});
const program = new Uint8Array(fs.readFileSync(process.argv[2]));
const runs = [];
for (let k = 0; k < 2; k++) {
  let out = "";
  const dec = new TextDecoder();
  const r = await rt.run({ program, args: process.argv.slice(3), stdout: (b) => (out += dec.decode(b)) });
  runs.push({ status: r.status, out, hits: rt.modules.hits, misses: rt.modules.misses, reused: rt.modules.reused });
}
console.log(JSON.stringify(runs));
