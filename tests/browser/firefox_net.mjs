// Guest TCP in Firefox (Debian's firefox-esr over WebDriver BiDi with puppeteer-core, as
// firefox_driver.mjs): open a page of `serve.py --net`, run guests through window.tbwasm.run and
// print one JSON object {firefox, runs: [{status, stdout, stderr}], errors}.
//
//   node tests/browser/firefox_net.mjs BASE_URL RUNS_JSON [--firefox PATH]
//
// RUNS_JSON: an array of window.tbwasm.run options ({program, args}), run one after another.
/* global window -- the functions given to page.evaluate run in the page */
import { launchFirefox } from "../firefox_launch.mjs";

const [base, runsJson, ...rest] = process.argv.slice(2);
if (!base || !runsJson) {
  console.error("usage: firefox_net.mjs BASE_URL RUNS_JSON [--firefox PATH]");
  process.exit(2);
}
const fi = rest.indexOf("--firefox");
const executablePath = fi >= 0 ? rest[fi + 1] : "/usr/bin/firefox-esr";
const LOAD_MS = 120_000;
const out = { firefox: null, runs: [], errors: [] };
let browser;
try {
  browser = await launchFirefox(executablePath);
  out.firefox = await browser.version();
  const page = await browser.newPage();
  page.on("pageerror", (e) => out.errors.push(String(e.message ?? e)));
  page.on("console", (m) => m.type() === "error" && out.errors.push(m.text()));
  page.setDefaultTimeout(LOAD_MS);
  await page.goto(new URL("?shell=0", base).href, { waitUntil: "load", timeout: LOAD_MS });
  await page.waitForFunction(() => window.tbwasm && window.tbwasmApp && window.tbwasmApp.lastResult, {
    timeout: LOAD_MS,
    polling: 100,
  });
  for (const o of JSON.parse(runsJson)) {
    const r = await page.evaluate(
      (o) => window.tbwasm.run(o).then((r) => ({ status: r.status, stdout: r.stdout, stderr: r.stderr })),
      o,
    );
    out.runs.push(r);
  }
} catch (e) {
  out.failure = String(e?.stack ?? e);
} finally {
  await browser?.close();
}
process.stdout.write(JSON.stringify(out) + "\n");
process.exit(out.failure ? 1 : 0);
