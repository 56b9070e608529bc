// A built site (`tbwasm build-site`) in Firefox: Debian's firefox-esr driven by puppeteer-core over
// WebDriver BiDi (no browser download), the site served by a plain static server (no COOP/COEP
// headers: the site's service worker must make the page cross-origin isolated). Prints one JSON
// object; tests/package/test_site_firefox.py runs it and compares the guest's output with qemu's.
//
//   node tests/package/firefox_site.mjs http://127.0.0.1:PORT/ [--firefox /usr/bin/firefox-esr]
//
// Steps: open BASE?shell=0, wait for window.tbwasm.ready (the page may reload itself once to come
// under its service worker: an evaluation cut by that is tried again), then window.tbwasm.run of
// guests/hello.elf (a relative URL) and of /bin/sh -c from the root filesystem image.
/* global window, crossOriginIsolated -- the functions given to page.evaluate run in the page */
import { launchFirefox } from "../firefox_launch.mjs";

const args = process.argv.slice(2);
const base = args[0];
if (!base) {
  console.error("usage: firefox_site.mjs BASE_URL [--firefox PATH]");
  process.exit(2);
}
const fi = args.indexOf("--firefox");
const executablePath = fi >= 0 ? args[fi + 1] : "/usr/bin/firefox-esr";
const LOAD_MS = 150_000; // page open -> Pyodide loaded, on a loaded machine
const RUN_MS = 90_000;

const out = { firefox: null, errors: [], ms: {} };
const t0 = performance.now();
const since = () => Math.round(performance.now() - t0);
const withTimeout = (p, ms, what) =>
  Promise.race([p, new Promise((_, no) => setTimeout(() => no(new Error(`${what}: no answer within ${ms} ms`)), ms))]);

/** page.evaluate, tried again while the page reloads itself (the service worker's first visit). */
async function evaluate(page, fn, arg, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await page.waitForFunction(() => window.tbwasm, { timeout: Math.max(deadline - Date.now(), 1), polling: 100 });
      return await withTimeout(page.evaluate(fn, arg), Math.max(deadline - Date.now(), 1), "evaluate");
    } catch (e) {
      if (/context|navigat|detached/i.test(String(e?.message)) && Date.now() < deadline) continue;
      throw e;
    }
  }
}

let browser;
try {
  browser = await launchFirefox(executablePath);
  out.firefox = await browser.version();
  out.ms.launch = since();
  const page = await browser.newPage();
  page.on("pageerror", (e) => out.errors.push(String(e?.message ?? e)));
  page.on("console", (m) => m.type() === "error" && out.errors.push(m.text()));
  page.setDefaultTimeout(LOAD_MS);
  await page.goto(new URL("?shell=0", base).href, { waitUntil: "load", timeout: LOAD_MS });
  out.ready = await evaluate(
    page,
    () =>
      window.tbwasm.ready.then(
        () => "ok",
        (e) => String(e?.message ?? e),
      ),
    null,
    LOAD_MS,
  );
  out.crossOriginIsolated = await page.evaluate(() => crossOriginIsolated);
  out.ms.ready = since();
  out.hello = await evaluate(
    page,
    () => window.tbwasm.run({ program: "guests/hello.elf", args: [], stdin: "" }),
    null,
    RUN_MS,
  );
  out.ms.hello = since();
  out.sh = await evaluate(
    page,
    () => window.tbwasm.run({ path: "/bin/sh", args: ["-c", "echo hi | wc -c"], stdin: "" }),
    null,
    RUN_MS,
  );
  out.ms.sh = since();
  await page.close();

  // the shell page, typed into as a person would: a pipeline, sleep, ^C on a long sleep
  const shell = await browser.newPage();
  shell.on("pageerror", (e) => out.errors.push(String(e?.message ?? e)));
  shell.setDefaultTimeout(LOAD_MS);
  await shell.goto(base, { waitUntil: "load", timeout: LOAD_MS });
  const outputHas = (n, re) =>
    shell.waitForFunction(
      (n, re) => new RegExp(re).test(window.tbwasmApp.output.slice(n)),
      { timeout: RUN_MS, polling: 100 },
      n,
      re,
    );
  await shell.waitForFunction(
    () => window.tbwasmApp && window.tbwasmApp.shell && window.tbwasmApp.output.includes("# "),
    {
      timeout: LOAD_MS,
      polling: 100,
    },
  );
  await shell.click(".xterm");
  const mark = () => shell.evaluate(() => window.tbwasmApp.output.length);
  let n = await mark();
  await shell.keyboard.type("echo typed-in-firefox | tr a-z A-Z\n");
  await outputHas(n, "TYPED-IN-FIREFOX\r\n[\\s\\S]*# ");
  n = await mark();
  await shell.keyboard.type("sleep 1; echo sl''ept\n");
  await outputHas(n, "\nslept\r\n[\\s\\S]*# ");
  n = await mark();
  await shell.keyboard.type("sleep 100\n");
  await new Promise((ok) => setTimeout(ok, 1000));
  await shell.keyboard.down("Control");
  await shell.keyboard.press("c");
  await shell.keyboard.up("Control");
  await outputHas(n, "\\^C[\\s\\S]*# ");
  out.shell = "ok";
  out.ms.shell = since();
  await shell.close();

  // Stop on a runaway program
  const loop = await browser.newPage();
  loop.setDefaultTimeout(LOAD_MS);
  await loop.goto(new URL("?shell=0&program=loop.elf", base).href, { waitUntil: "load", timeout: LOAD_MS });
  await loop.waitForFunction(() => window.tbwasmApp && window.tbwasmApp.running, { timeout: LOAD_MS, polling: 100 });
  await new Promise((ok) => setTimeout(ok, 1000));
  await loop.click("#stop");
  await loop.waitForFunction(() => window.tbwasmApp.lastResult, { timeout: RUN_MS, polling: 100 });
  out.stop = await loop.evaluate(() => window.tbwasmApp.lastResult);
  out.ms.stop = since();
  await loop.close();
} catch (e) {
  out.failure = String(e && e.stack ? e.stack : e);
} finally {
  out.ms.total = since();
  if (browser) await Promise.race([browser.close(), new Promise((ok) => setTimeout(ok, 10_000))]).catch(() => {});
}
process.stdout.write(JSON.stringify(out) + "\n");
process.exit(out.failure ? 1 : 0);
