// @ts-check
// The Node CLI's --tty input: a worker thread that reads this process's stdin (fd 0) and fills the
// StdinRing (web/runtime/stdin_ring.mjs) the emulated terminal polls, so that the guest's
// terminal can wait for keystrokes with a timeout (the main thread's blocking read cannot).
//
//   new Worker(new URL("./stdin_reader.mjs", import.meta.url), { workerData: ring.sab })
import fs from "node:fs";
import { workerData } from "node:worker_threads";
import { StdinRing } from "../runtime/stdin_ring.mjs";

const ring = new StdinRing(workerData);
const pause = new Int32Array(new SharedArrayBuffer(4));
const buf = Buffer.alloc(4096);
for (;;) {
  let n;
  try {
    n = fs.readSync(0, buf, 0, buf.length, null);
  } catch (e) {
    const code = /** @type {NodeJS.ErrnoException} */ (e).code;
    if (code === "EAGAIN") {
      Atomics.wait(pause, 0, 0, 10); // a non-blocking tty or pipe: poll
      continue;
    }
    if (code !== "EOF") throw e;
    n = 0;
  }
  if (n === 0) {
    ring.endInput();
    break;
  }
  // the ring is full while the guest does not read: wait for room (nothing is dropped)
  for (let off = 0; off < n;) {
    off += ring.push(buf.subarray(off, n));
    if (off < n) Atomics.wait(pause, 0, 0, 5);
  }
}
