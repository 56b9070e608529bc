// The Runtime the Node test drivers build: this checkout's web/runtime over npm's Pyodide and
// the wheels scripts/setup-web.sh writes to static/wheels/.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadPyodide } from "pyodide";
import { createRuntime } from "../../web/runtime/runtime.mjs";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const indexURL = path.dirname(fileURLToPath(import.meta.resolve("pyodide/pyodide.mjs"))) + path.sep;
export const wheelsURL = pathToFileURL(path.join(ROOT, "static", "wheels") + path.sep).href;

/**
 * A Runtime of this checkout.
 * @param {Record<string, unknown>} [extra] more createRuntime options (abi, ...)
 */
export function checkoutRuntime(extra = {}) {
  return createRuntime({ indexURL, wheelsURL, loadPyodide, ...extra });
}
