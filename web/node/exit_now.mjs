// @ts-check
// Ending the Node CLI without Node's teardown.  process.exit() disposes V8's platform, which
// joins its worker threads; those may be in the middle of an optimizing (TurboFan) compile of
// one of Pyodide's big functions, which V8 does not interrupt: after a short run the exit waited
// 0.1-0.5 s for compiles whose code would never run.  WASI's proc_exit ends the process with the
// C library's exit() instead, as soon as it is called.  The guest's output is written already
// (fs.writeSync; process.stderr is synchronous for files, pipes and terminals on POSIX).
// TBWASM_NODE_EXIT=process: process.exit as before (to compare; bench/startup.py).
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** @param {string} s the bytes of a WebAssembly name (length-prefixed UTF-8) */
const name = (s) => [s.length, ...Buffer.from(s)];
/** @param {number} id @param {number[]} body a WebAssembly section */
const section = (id, body) => [id, body.length, ...body];

// (module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
//         (import "env" "status" (func (result i32)))
//         (memory (export "memory") 1)
//         (func (export "_start") (call 0 (call 1))))
const EXIT_MODULE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
  ...section(1, [3, 0x60, 1, 0x7f, 0, 0x60, 0, 1, 0x7f, 0x60, 0, 0]),
  ...section(2, [
    2,
    ...name("wasi_snapshot_preview1"),
    ...name("proc_exit"),
    0,
    0,
    ...name("env"),
    ...name("status"),
    0,
    1,
  ]),
  ...section(3, [1, 2]),
  ...section(5, [1, 0, 1]),
  ...section(7, [2, ...name("_start"), 0, 2, ...name("memory"), 2, 0]),
  ...section(10, [1, 6, 0, 0x10, 1, 0x10, 0, 0x0b]),
]);

/**
 * End the process with `status` now: the "exit" event's listeners run (as for process.exit),
 * then exit(3).  Falls back to process.exit where WASI is missing.
 * @param {number} status
 * @returns {never}
 */
export function exitNow(status) {
  process.exitCode = status;
  process.emit("exit", status);
  if (process.env.TBWASM_NODE_EXIT !== "process") {
    const warn = process.emitWarning;
    try {
      process.emitWarning = () => {}; // Node 20: "WASI is an experimental feature"
      const { WASI } = require("node:wasi");
      process.emitWarning = warn;
      const wasi = new WASI({ version: "preview1", returnOnExit: false });
      const imports = { ...wasi.getImportObject(), env: { status: () => status } };
      wasi.start(new WebAssembly.Instance(new WebAssembly.Module(EXIT_MODULE), imports));
    } catch {
      process.emitWarning = warn; // (no WASI: the usual exit)
    }
  }
  process.exit(status);
}
