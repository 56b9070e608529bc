#!/usr/bin/env node
// The npm package's prepack step (`npm pack` / `npm publish` run it): builds the assets with
// scripts/setup-web.sh (idempotent; quick when nothing changed) and copies what a page needs into
// dist/package-assets/ (git-ignored, listed in package.json's `files`):
//
//   wheels/    the tbwasm wheel (tier 0's module inside), pyelftools, micropip, manifest.json
//              (no snapshot: `tbwasm build-site` makes one for the installed Pyodide)
//   guests/    hello, args, echo, fpops, bench and every *.elf web/page/examples.json lists (no busybox:
//              the root filesystem image has it)
//   rootfs/    the root filesystem image: its index and the regular files it lists (symlinks and
//              directories live in the index; gzip copies are made by build-site)
//
//   node scripts/pack-assets.mjs [--no-setup]
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ROOT, SITE_GUESTS, STAGING, indexFiles, siteGuests } from "../web/build/assets.mjs";

const log = (/** @type {string} */ msg) => process.stderr.write(`pack-assets: ${msg}\n`);
/** @param {string} msg @returns {never} */
const fail = (msg) => {
  log(msg);
  process.exit(1);
};

const TIER0 = "py_backend/translate/tier0.wasm";
// Names npm never packs (npm-packlist); an image file with one of them would be lost silently.
const NPM_DROPS =
  /^(\.npmignore|\.gitignore|\.git|\.svn|\.hg|CVS|\.npmrc|\.DS_Store|npm-debug\.log|config\.gypi|package-lock\.json|yarn\.lock|pnpm-lock\.yaml|\.lock-wscript|\.wafpickle-\d+|\._.*|\..*\.swp|.*\.orig)$/;

if (!process.argv.includes("--no-setup")) {
  const r = spawnSync("bash", [path.join(ROOT, "scripts", "setup-web.sh")], { cwd: ROOT, stdio: ["ignore", 2, 2] });
  if (r.status !== 0) fail(`scripts/setup-web.sh failed (status ${r.status ?? r.signal})`);
}

const t0 = performance.now();
const final = path.join(ROOT, STAGING);
const out = `${final}.new`; // filled, then swapped in
fs.rmSync(out, { recursive: true, force: true });
/** @param {string} from @param {string} to */
const copy = (from, to) => {
  if (!fs.existsSync(from)) fail(`missing ${path.relative(ROOT, from)} (run scripts/setup-web.sh)`);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
};

// wheels
const wheelsDir = path.join(ROOT, "static", "wheels");
/** @type {Record<string, any>} */
let manifest = {};
try {
  manifest = JSON.parse(fs.readFileSync(path.join(wheelsDir, "manifest.json"), "utf8"));
} catch {
  fail("missing static/wheels/manifest.json (run scripts/setup-web.sh)");
}
const { tbwasm, pyelftools, micropip } = manifest;
for (const name of [tbwasm, pyelftools, micropip]) copy(path.join(wheelsDir, name), path.join(out, "wheels", name));
const unzip = spawnSync("python3", [
  "-c",
  "import sys, zipfile; sys.exit(sys.argv[2] not in zipfile.ZipFile(sys.argv[1]).namelist())",
  path.join(wheelsDir, tbwasm),
  TIER0,
]);
if (unzip.status !== 0) fail(`${tbwasm} has no ${TIER0} (FORCE=1 bash scripts/setup-web.sh --wheel)`);
fs.writeFileSync(
  path.join(out, "wheels", "manifest.json"),
  JSON.stringify({ tbwasm, pyelftools, micropip, test: [] }, null, 2) + "\n",
);

// example programs
const guestsDir = path.join(ROOT, "guests", "bin");
const guests = siteGuests(guestsDir);
for (const name of SITE_GUESTS) if (!guests.includes(name)) fail(`missing guests/bin/${name}`);
for (const name of guests) copy(path.join(guestsDir, name), path.join(out, "guests", name));

// the root filesystem image
const rootfs = path.join(ROOT, "static", "rootfs");
const indexPath = path.join(rootfs, ".tbwasm-index.json");
if (!fs.existsSync(indexPath)) fail("missing static/rootfs/.tbwasm-index.json (run scripts/fetch-rootfs.sh)");
const files = indexFiles(JSON.parse(fs.readFileSync(indexPath, "utf8")));
const dropped = files.filter((f) => f.split("/").some((part) => NPM_DROPS.test(part)));
if (dropped.length) fail(`npm would leave out these image files: ${dropped.slice(0, 5).join(" ")}`);
let bytes = 0;
for (const rel of files) {
  copy(path.join(rootfs, rel), path.join(out, "rootfs", rel));
  bytes += fs.statSync(path.join(rootfs, rel)).size;
}
copy(indexPath, path.join(out, "rootfs", ".tbwasm-index.json"));

fs.rmSync(final, { recursive: true, force: true });
fs.renameSync(out, final);
log(
  `${STAGING}: 3 wheels, ${guests.length} programs, rootfs ${files.length} files (${(bytes / 1e6).toFixed(1)} MB) ` +
    `in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
