// Runs web/runtime/runtime.mjs against tests/node/fake_machine.py (no translator needed):
//   node tests/node/fake_run.mjs PROGFILE [ARGS...]   (stdin: this process's stdin)
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadPyodide } from "pyodide";
import { createRuntime } from "../../web/runtime/runtime.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const [prog, ...args] = process.argv.slice(2);
const rt = await createRuntime({
  indexURL: path.join(ROOT, "node_modules/pyodide/"),
  wheelsURL: pathToFileURL(path.join(ROOT, "static/wheels/")).href,
  loadPyodide,
  machineModule: "fake_machine",
  setup: async (py) => {
    py.FS.mkdirTree("/fake");
    py.FS.writeFile("/fake/fake_machine.py", fs.readFileSync(path.join(HERE, "fake_machine.py")));
    py.runPython("import sys; sys.path.insert(0, '/fake')");
  },
});
const stopAfter = Number(process.env.FAKE_STOP_MS ?? 0);
const t0 = performance.now();
const res = await rt.run({
  program: new Uint8Array(fs.readFileSync(prog)),
  args,
  stdin: (n) => {
    const b = Buffer.alloc(n);
    const got = fs.readSync(0, b, 0, n, null);
    return got ? new Uint8Array(b.buffer, 0, got) : null;
  },
  stdout: (b) => process.stdout.write(b),
  stderr: (b) => process.stderr.write(b),
  shouldStop: () => stopAfter > 0 && performance.now() - t0 > stopAfter,
  budget: 1000,
});
process.stderr.write(
  `RESULT ${JSON.stringify({ status: res.status, stopped: res.stopped, error: res.error, chain: res.stats.chain_hits, timings: rt.timings })}\n`,
);
process.exit(res.status);
