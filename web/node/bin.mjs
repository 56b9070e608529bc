#!/usr/bin/env node
// @ts-check
// The `tbwasm` command of the npm package:
//
//   tbwasm build-site DIR [--no-rootfs] [--no-snapshot] [--net RELAY_URL]   a static site (web/build/build-site.mjs)
//   tbwasm run [OPTIONS] PROG [ARGS...]                    run a riscv64 program (web/node/cli.mjs)
//   tbwasm relay [--port N] [--net-allow HOST[:PORT]]...  the guests' Wisp relay (web/node/relay.mjs)
//   tbwasm --version | --help
import fs from "node:fs";
import path from "node:path";
import { ROOT, assetDirs } from "../build/assets.mjs";

const USAGE = `usage: tbwasm build-site DIR [--no-rootfs] [--no-snapshot] [--net RELAY_URL]
       tbwasm run [--stats] [--tier tiered|interp|jit] [--rootfs DIR] [-L DIR] ... PROG [ARGS...]
       tbwasm relay [--host H] [--port N] [--net-allow HOST[:PORT]]... [--allow-origin ORIGIN]... [--max-streams N]
       tbwasm --version`;

const [cmd, ...rest] = process.argv.slice(2);
if (cmd === "build-site") {
  const { main } = await import("../build/build-site.mjs");
  process.exitCode = main(rest);
} else if (cmd === "run") {
  // web/node/cli.mjs reads process.argv itself; an installed package keeps its wheels in
  // dist/package-assets/wheels (web/build/assets.mjs), a checkout in static/wheels.
  const cli = path.join(ROOT, "web", "node", "cli.mjs");
  process.argv = [process.argv[0], cli, ...rest];
  process.env.TBWASM_WHEELS ??= assetDirs().wheels;
  await import("./cli.mjs");
} else if (cmd === "relay") {
  // web/node/relay.mjs runs its main() when it is the script named in argv[1]
  const relay = path.join(ROOT, "web", "node", "relay.mjs");
  process.argv = [process.argv[0], relay, ...rest];
  await import("./relay.mjs");
} else if (cmd === "--version" || cmd === "-V") {
  process.stdout.write(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version + "\n");
} else if (cmd === "--help" || cmd === "-h") {
  process.stdout.write(USAGE + "\n");
} else {
  process.stderr.write((cmd ? `tbwasm: unknown command ${cmd}\n` : "") + USAGE + "\n");
  process.exitCode = 2;
}
