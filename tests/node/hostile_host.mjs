// Host-side failures of the JS runtime, each of which must give one line and leave it usable:
//   stale      a page whose abi.json is not its wheel's (different versions): createRuntime fails
//   oom        the engine cannot make another guest memory: the run ends with one line, and
//              the runtime still runs the next guest
//   together   two runs in one runtime at once with asyncWaits (as the page's worker runs its
//              machines): a guest that sleeps does not hold up the other
// Prints one JSON line for tests/node/test_hostile_host.py.
import fs from "node:fs";
import path from "node:path";
import { ROOT, checkoutRuntime } from "./checkout_runtime.mjs";

const abi = JSON.parse(fs.readFileSync(path.join(ROOT, "web", "abi.json"), "utf8"));
const guest = (name) => new Uint8Array(fs.readFileSync(path.join(ROOT, "guests", "bin", name)));
const out = {};

if (process.argv[2] === "stale") {
  const old = structuredClone(abi);
  old.layout.MAX_TBS = old.layout.MAX_TBS / 2;
  old.exit.BUDGET = 99;
  try {
    await checkoutRuntime({ abi: old });
    out.error = null;
  } catch (e) {
    out.error = e.message;
  }
} else {
  const rt = await checkoutRuntime();
  const run = async (o) => {
    let stdout = "";
    let stderr = "";
    const dec = new TextDecoder();
    const t0 = performance.now();
    const r = await rt.run({
      ...o,
      stdout: (b) => (stdout += dec.decode(b)),
      stderr: (b) => (stderr += dec.decode(b)),
    });
    return { status: r.status, error: r.error, stdout, stderr, ms: performance.now() - t0 };
  };
  if (process.argv[2] === "oom") {
    const make = rt.makeSpace;
    rt.makeSpace = () => {
      throw new RangeError("WebAssembly.Memory(): could not allocate memory");
    };
    out.failed = await run({ program: guest("hello.elf") });
    rt.makeSpace = make;
    out.after = await run({ program: guest("hello.elf") });
  } else {
    const busybox = guest("busybox");
    const slow = run({
      program: busybox,
      argv0: "/bin/busybox",
      args: ["sh", "-c", "sleep 2; echo slept"],
      asyncWaits: true,
    });
    const fast = run({ program: guest("hello.elf"), asyncWaits: true });
    out.fast = await fast;
    out.slow = await slow;
  }
}
console.log(JSON.stringify(out));
process.exit(0);
