// @ts-check
// Where the built assets of tbwasm are, in this checkout or in an installed npm package (Node
// only; used by web/node/bin.mjs, web/build/build-site.mjs and scripts/pack-assets.mjs).
//
// A checkout keeps them where scripts/setup-web.sh builds them: static/wheels/, guests/bin/,
// static/rootfs/.  The npm package ships copies in dist/package-assets/ (written by
// scripts/pack-assets.mjs, the package's prepack script): wheels/, guests/, rootfs/.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** The package's (or checkout's) root directory: the parent of web/ (this file is web/build/assets.mjs). */
export const ROOT = path.resolve(fileURLToPath(import.meta.url), "../../..");

/** The staging directory of the npm package's built assets (relative to ROOT). */
export const STAGING = path.join("dist", "package-assets");

/** The examples menu of the page (serve.py and build-site filter it to the programs present). */
export const EXAMPLES_JSON = path.join(ROOT, "web", "page", "examples.json");

/** The example programs every site has (docs/index.html runs them); web/page/examples.json adds more. */
export const SITE_GUESTS = ["hello.elf", "args.elf", "echo.elf", "fpops.elf", "bench.elf"];

/**
 * The example programs a site (and the npm package) ships: SITE_GUESTS and every *.elf that
 * web/page/examples.json lists, those of them that are in `dir` (no busybox: the image has it).
 * @param {string} dir
 * @param {string} [examplesJson]
 * @returns {string[]} file names
 */
export function siteGuests(dir, examplesJson = EXAMPLES_JSON) {
  const listed = readExamples(examplesJson).map((e) => e.name);
  const names = [...new Set([...SITE_GUESTS, ...listed])].filter((n) => n.endsWith(".elf"));
  return names.filter((n) => fs.existsSync(path.join(dir, n))).sort();
}

/**
 * @typedef {object} AssetDirs
 * @property {string} wheels  directory with manifest.json and the wheels it names
 * @property {string} guests  directory of the example programs (*.elf)
 * @property {string} rootfs  the root filesystem image (with .tbwasm-index.json), may be absent
 * @property {"checkout"|"package"} layout
 */

/**
 * The asset directories: the checkout's when it has built wheels (they are the freshest), else
 * the package's staged copies.
 * @param {string} [root]
 * @returns {AssetDirs}
 */
export function assetDirs(root = ROOT) {
  const checkoutWheels = path.join(root, "static", "wheels");
  if (fs.existsSync(path.join(checkoutWheels, "manifest.json"))) {
    return {
      wheels: checkoutWheels,
      guests: path.join(root, "guests", "bin"),
      rootfs: path.join(root, "static", "rootfs"),
      layout: "checkout",
    };
  }
  const staged = path.join(root, STAGING);
  return {
    wheels: path.join(staged, "wheels"),
    guests: path.join(staged, "guests"),
    rootfs: path.join(staged, "rootfs"),
    layout: "package",
  };
}

/**
 * The directory of an installed npm package, found with Node's module resolution from this
 * file (so it works in this checkout and from an installed tbwasm alike).
 * @param {string} name  e.g. "pyodide", "@xterm/xterm"
 * @returns {string}
 */
export function packageDir(name) {
  const require = createRequire(import.meta.url);
  try {
    return path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    // the package's exports may not list package.json: walk up from its main file
    let dir = path.dirname(require.resolve(name));
    for (;;) {
      const pj = path.join(dir, "package.json");
      if (fs.existsSync(pj) && JSON.parse(fs.readFileSync(pj, "utf8")).name === name) return dir;
      const up = path.dirname(dir);
      if (up === dir) throw new Error(`cannot find the directory of the npm package ${name}`);
      dir = up;
    }
  }
}

/**
 * The rootfs index's regular files, as paths relative to the image (no leading "/").
 * @param {any} index  the parsed .tbwasm-index.json ({version, root: [mode, mtime, children]})
 * @returns {string[]}
 */
export function indexFiles(index) {
  /** @type {string[]} */
  const out = [];
  /** @param {Record<string, [number, number, any]>} children @param {string} prefix */
  const walk = (children, prefix) => {
    for (const [name, [, , extra]] of Object.entries(children)) {
      if (typeof extra === "number") out.push(prefix + name);
      else if (extra !== null && typeof extra === "object") walk(extra, prefix + name + "/");
    }
  };
  walk(index.root[2], "");
  return out;
}

/**
 * web/page/examples.json entries whose program is in `present` (file names), then the other *.elf
 * names there with an empty description: what serve.py sends as /examples.json.
 * @param {string} examplesJson  path of web/page/examples.json
 * @param {string[]} present
 * @returns {{name: string, description: string, args: string}[]}
 */
export function presentExamples(examplesJson, present) {
  const listed = readExamples(examplesJson);
  const have = new Set(present);
  const out = listed.filter((e) => have.has(e.name));
  const known = new Set(out.map((e) => e.name));
  const rest = present.filter((n) => n.endsWith(".elf") && !known.has(n)).sort();
  return [...out, ...rest.map((name) => ({ name, description: "", args: "" }))];
}

/**
 * web/page/examples.json's entries, or [] if it is missing or malformed (as serve.py reads it).
 * @param {string} file
 * @returns {{name: string, description: string, args: string}[]}
 */
function readExamples(file) {
  try {
    const list = JSON.parse(fs.readFileSync(file, "utf8"));
    return Array.isArray(list) ? list.filter((e) => e && typeof e.name === "string") : [];
  } catch {
    return [];
  }
}
