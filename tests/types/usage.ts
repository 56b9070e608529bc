// Compiled by `tsc -p tsconfig.json` (make lint): a page builder's use of the public API must
// type-check against web/index.d.ts, and misuse must not (the @ts-expect-error lines).
import { createEmulator, splitArgs, type RunResult } from "../../web/index.js";

export async function usage(element: HTMLElement): Promise<number> {
  const emu = createEmulator({ siteURL: "/tbwasm/", tier: "tiered" });
  await emu.ready;
  const r: RunResult = await emu.run({ program: "guests/hello.elf", args: splitArgs("a 'b c'") });
  const h = emu.start({ path: "/bin/sh", stdin: "interactive", terminal: { rows: 24, cols: 80 } });
  h.write("echo hi\r");
  h.resize(30, 100);
  const shell = emu.attachShell(element, { cwd: "/root" });
  const saved: Uint8Array = await emu.saveState(h);
  const again = emu.attachShell(element, { state: await shell.saveState() });
  const continued = emu.start({ state: saved, stdin: "interactive", terminal: { rows: 24, cols: 80 } });
  await continued.saveState();
  again.dispose();
  // @ts-expect-error: a state is bytes
  emu.start({ state: "saved" });
  await emu.writeFile("/home/user/a.txt", "hello");
  const bytes: Uint8Array = await emu.readFile("/home/user/a.txt");
  emu.addEventListener("output", (e) => console.log(e.detail.fd, e.detail.text));
  emu.addEventListener("exit", (e) => console.log(e.detail.status));
  // @ts-expect-error: an unknown tier
  emu.run({ path: "/bin/true", tier: "fast" });
  // @ts-expect-error: status is a number
  const s: string = r.status;
  // the kept files: /home and /root in this browser, export/import as .tar.gz, reset
  const kept = createEmulator({ persist: "notes" });
  const tgz: Uint8Array = await kept.exportHome();
  await kept.importHome(tgz, "/home/user");
  await kept.flushStore();
  await kept.resetStore();
  kept.addEventListener("store", (e) => console.log(e.detail.level, e.detail.message));
  const state: string = kept.store.state;
  // @ts-expect-error: persist names a store (or true), not a number
  createEmulator({ persist: 3 });
  shell.dispose();
  emu.destroy();
  return r.status + bytes.length + (await h.result).status + s.length + state.length;
}
