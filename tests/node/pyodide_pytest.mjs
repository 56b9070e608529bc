// Run pytest INSIDE Pyodide on Node, against this checkout's sources (not the wheel).
//   node tests/node/pyodide_pytest.mjs [PYTEST ARGS...]      (paths relative to the repo root)
// The repo is mounted with NODEFS at /repo; pytest and its dependencies are loaded from the wheels
// that scripts/setup-web.sh downloads into static/wheels/test/ (listed in manifest.json).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadPyodide } from "pyodide";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const WHEELS = path.join(ROOT, "static", "wheels");
const manifest = JSON.parse(fs.readFileSync(path.join(WHEELS, "manifest.json"), "utf8"));

const t0 = performance.now();
// The tier variables reach the Machine through Pyodide's os.environ (TBWASM_TIER=interp ...).
const env = { HOME: "/home/pyodide" };
for (const k of ["TBWASM_TIER", "TBWASM_HOT_THRESHOLD"]) if (process.env[k]) env[k] = process.env[k];
const pyodide = await loadPyodide({
  indexURL: path.join(ROOT, "node_modules", "pyodide") + path.sep,
  env,
});
// Raw writes, so pytest's progress dots are not split into lines.
const writer = (fd) => ({ write: (buf) => fs.writeSync(fd, buf) });
pyodide.setStdout(writer(1));
pyodide.setStderr(writer(2));
const wheels = [...manifest.test.map((w) => path.join(WHEELS, "test", w)), path.join(WHEELS, manifest.pyelftools)];
await pyodide.loadPackage(wheels, { messageCallback: () => {} });
pyodide.FS.mkdirTree("/repo");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: ROOT }, "/repo");
process.stderr.write(
  `pyodide_pytest: Pyodide ${pyodide.version} ready in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
);
pyodide.globals.set("pytest_args", pyodide.toPy(process.argv.slice(2)));
const status = await pyodide.runPythonAsync(`
import os, sys
sys.dont_write_bytecode = True
os.chdir("/repo")
sys.path.insert(0, "/repo")
import pytest
int(pytest.main(["-p", "no:cacheprovider", *pytest_args]))
`);
process.exit(status);
