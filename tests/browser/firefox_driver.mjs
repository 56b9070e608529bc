// Drive Debian's firefox-esr with puppeteer-core over WebDriver BiDi (no browser download) against
// a running serve.py, and print one JSON object with what the pages did; tests/browser/test_firefox.py
// runs it and compares the guests' output with qemu-riscv64's.
//
//   node tests/browser/firefox_driver.mjs http://127.0.0.1:PORT/ [--firefox /usr/bin/firefox-esr]
//
// Steps (each with a generous timeout; the machine may be loaded and Pyodide takes 10-30 s to load
// in Firefox):
//   default  /?shell=0: the page runs its default program (hello.elf): window.tbwasmApp.lastResult
//   runs     window.tbwasm.run of a few guests/bin programs, two in the JIT tier (the test compares
//            them with qemu)
//   stop     window.tbwasm.run of loop.elf, then window.tbwasm.stop(): the result and the ms it took
//   embed    /docs/: click the first <tbwasm-demo>'s Run; its result
//   persist  /?shell=0: a guest writes /home/user/ff.txt, the store (IndexedDB) gets it, the page
//            reloads, and a guest reads it back (web/runtime/store.mjs)
// Page errors and console errors of each page are collected in "errors".
//
// Like tests/browser/conftest.py, every page is opened with ?tier=&hot-threshold= from TBWASM_TIER and
// TBWASM_HOT_THRESHOLD when they are set.
/* global window, document, crossOriginIsolated -- the functions given to page.evaluate run in the page */
import { launchFirefox } from "../firefox_launch.mjs";

const args = process.argv.slice(2);
const base = args[0];
if (!base) {
  console.error("usage: firefox_driver.mjs BASE_URL [--firefox PATH]");
  process.exit(2);
}
const fi = args.indexOf("--firefox");
const executablePath = fi >= 0 ? args[fi + 1] : "/usr/bin/firefox-esr";
const LOAD_MS = 120_000; // page open -> Pyodide loaded and the default program finished
const RUN_MS = 60_000;
// tests/helpers.py's LIVENESS_S: the bound on "it happens" (Stop stops, a file is stored)
const LIVENESS_MS = 30_000;
// tier "jit" translates every block to a WebAssembly module that Firefox compiles
const RUNS = [
  { name: "args", program: "/guests/args.elf", args: ["a", "b c"] },
  { name: "intops", program: "/guests/intops.elf", args: [], tier: "jit" },
  { name: "fpops", program: "/guests/fpops.elf", args: [], tier: "jit" },
];

const out = { firefox: null, errors: [], ms: {} };
const t0 = performance.now();
const since = () => Math.round(performance.now() - t0);

async function openPage(browser, url) {
  const page = await browser.newPage();
  page.on("pageerror", (e) => out.errors.push(`${url}: ${e.message ?? e}`));
  page.on("console", (m) => m.type() === "error" && out.errors.push(`${url}: ${m.text()}`));
  page.setDefaultTimeout(LOAD_MS);
  const u = new URL(url, base);
  for (const [name, v] of [
    ["tier", process.env.TBWASM_TIER],
    ["hot-threshold", process.env.TBWASM_HOT_THRESHOLD],
  ]) {
    if (v && !u.searchParams.has(name)) u.searchParams.set(name, v);
  }
  await page.goto(u.href, { waitUntil: "load", timeout: LOAD_MS });
  return page;
}

let browser;
try {
  browser = await launchFirefox(executablePath);
  out.firefox = await browser.version();
  out.ms.launch = since();

  // (1) the single-program page runs hello.elf
  const page = await openPage(browser, "?shell=0");
  await page.waitForFunction(() => window.tbwasmApp && window.tbwasmApp.lastResult, {
    timeout: LOAD_MS,
    polling: 100,
  });
  out.default = await page.evaluate(() => window.tbwasmApp.lastResult);
  out.crossOriginIsolated = await page.evaluate(() => crossOriginIsolated);
  out.timings = await page.evaluate(() => window.tbwasm.timings);
  out.ms.default = since();

  // (2) a few guests through the script API
  await page.waitForFunction(() => !window.tbwasmApp.running, { timeout: RUN_MS, polling: 100 });
  out.runs = {};
  for (const r of RUNS) {
    out.runs[r.name] = await page.evaluate((o) => window.tbwasm.run(o), {
      program: r.program,
      args: r.args,
      stdin: "",
      tier: r.tier,
    });
  }
  out.ms.runs = since();

  // (3) Stop a guest that never ends
  out.stop = await page.evaluate(async (livenessMs) => {
    const p = window.tbwasm.run({ program: "/guests/loop.elf", args: [] });
    await new Promise((ok) => setTimeout(ok, 1500));
    const t = performance.now();
    window.tbwasm.stop();
    const r = await Promise.race([p, new Promise((ok) => setTimeout(() => ok({ timedOut: true }), livenessMs))]);
    return { ...r, stopMs: performance.now() - t };
  }, LIVENESS_MS);
  // the page keeps working after the Stop
  out.afterStop = await page.evaluate(() => window.tbwasm.run({ program: "/guests/hello.elf", args: [], stdin: "" }));
  out.ms.stop = since();
  await page.close();

  // (4) one embed on the docs page
  const docs = await openPage(browser, "docs/");
  await docs.evaluate(() => window.tbwasm.ready);
  out.embedCount = await docs.evaluate(() => document.querySelectorAll("tbwasm-demo").length);
  out.embedSrc = await docs.evaluate(() => document.querySelector("tbwasm-demo").getAttribute("src"));
  await docs.evaluate(() => document.querySelector("tbwasm-demo").shadowRoot.querySelector("button").click());
  await docs.waitForFunction(() => document.querySelector("tbwasm-demo").hasAttribute("status"), {
    timeout: LOAD_MS,
    polling: 100,
  });
  out.embed = await docs.evaluate(() => {
    const d = document.querySelector("tbwasm-demo");
    return { ...d.result, statusAttr: d.getAttribute("status"), pre: d.shadowRoot.querySelector("pre").textContent };
  });
  out.ms.embed = since();
  await docs.close();

  // (5) the guest's files are kept: written, stored, the page reloaded, read back
  const kept = await openPage(browser, "?shell=0");
  await kept.waitForFunction(() => window.tbwasmApp && window.tbwasmApp.lastResult, { timeout: LOAD_MS, polling: 100 });
  out.persistWrite = await kept.evaluate(async (livenessMs) => {
    const r = await window.tbwasm.run({ path: "/bin/sh", args: ["-c", "echo firefox > /home/user/ff.txt"] });
    const t = performance.now();
    while (performance.now() - t < livenessMs && !(window.tbwasm.store.flushes > 0 && !window.tbwasm.store.dirty)) {
      await new Promise((ok) => setTimeout(ok, 50));
    }
    return { status: r.status, storedMs: performance.now() - t, store: window.tbwasm.store };
  }, LIVENESS_MS);
  await kept.reload({ waitUntil: "load", timeout: LOAD_MS });
  await kept.waitForFunction(() => window.tbwasmApp && window.tbwasmApp.lastResult, { timeout: LOAD_MS, polling: 100 });
  out.persistRead = await kept.evaluate(() => window.tbwasm.run({ path: "/bin/cat", args: ["/home/user/ff.txt"] }));
  out.persistState = await kept.evaluate(() => window.tbwasm.store.state);
  out.ms.persist = since();
  await kept.close();
} catch (e) {
  out.failure = String(e && e.stack ? e.stack : e);
} finally {
  out.ms.total = since();
  if (browser) {
    await Promise.race([browser.close(), new Promise((ok) => setTimeout(ok, 10_000))]).catch(() => {});
  }
}
process.stdout.write(JSON.stringify(out) + "\n");
process.exit(out.failure ? 1 : 0);
