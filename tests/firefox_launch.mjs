// Debian's firefox-esr, headless, driven by puppeteer-core over WebDriver BiDi (no browser
// download): the one launch of tests/browser/firefox_*.mjs and tests/package/firefox_site.mjs.
import puppeteer from "puppeteer-core";

/** @param {string} executablePath */
export function launchFirefox(executablePath) {
  return puppeteer.launch({
    browser: "firefox",
    executablePath,
    protocol: "webDriverBiDi",
    headless: true,
    timeout: 60_000,
  });
}
