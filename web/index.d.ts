// Types of tbwasm's public JavaScript API (web/index.mjs), checked by `tsc` in `make lint`.

/** Where the emulator's files are and how its runs behave by default. */
export interface EmulatorOptions {
  /** The site's root URL (its web/, pyodide/, wheels/, rootfs/, vendor/, tbwasm-sw.js), as
   *  `npx tbwasm build-site DIR` writes it.  Default: the directory above web/index.mjs. */
  siteURL?: string | URL;
  /** false: no root filesystem image (an empty, writable root). */
  rootfs?: boolean;
  /** The guests' network: a Wisp relay's URL (ws://, wss://, or an http(s)/relative URL of it,
   *  e.g. "wisp/" beside a page served by `python3 serve.py --net`); false: none.  Default: the
   *  page's `<meta name="tbwasm-net" content="URL">`, else none. */
  net?: string | URL | false;
  /** Use the page's shared worker (the one <tbwasm-demo> elements and window.tbwasm use). */
  shared?: boolean;
  /** Keep the guest's /home and /root in this browser (IndexedDB), in the store of this name
   *  (true: "emulator").  Default: not kept.  See docs/embedding.md ("Kept files"). */
  persist?: string | boolean;
  /** Default tier of every run. */
  tier?: Tier;
  /** Block entries before tier 0 hands a block to the JIT (tier "tiered"). */
  hotThreshold?: number;
}

export type Tier = "tiered" | "interp" | "jit";

/** One program to run, in a machine of its own. */
export interface RunOptions {
  /** The program: a URL (relative to the page), or its bytes. */
  program?: string | URL | Uint8Array | ArrayBuffer | Blob;
  /** Or a file of the guest's filesystem, e.g. "/usr/bin/python3" or "/bin/sh". */
  path?: string;
  /** argv[1..]: an array, or one string split as a POSIX shell would (quotes, no expansion). */
  args?: string[] | string;
  /** The environment, as "NAME=value" strings (default: the machine's). */
  env?: string[];
  /** The first process's working directory. */
  cwd?: string;
  /** Standard input: text or bytes (then end of file), or "interactive": what `write()` sends. */
  stdin?: string | Uint8Array | "interactive";
  /** Run on a terminal of this size (the guest's own tty: echo, line editing, ^C), with
   *  stdin "interactive"; `write()` then sends keystrokes. */
  terminal?: { rows: number; cols: number };
  tier?: Tier;
  hotThreshold?: number;
  /** Called with every chunk of output (fd 1 or 2); a returned promise holds the guest back
   *  until it settles (flow control, as a terminal gives). */
  onOutput?: (fd: 1 | 2, data: Uint8Array, text: string) => void | Promise<unknown>;
  /** Continue a saved system (`saveState`) instead of starting a program. */
  state?: Uint8Array;
}

/** What a run ended with. */
export interface RunResult {
  /** The guest's exit status (128 + signal after a fatal one), or a host status: 2 the
   *  program could not be loaded, 70 an emulator bug, 130 stopped, -1 never run. */
  status: number;
  stdout: string;
  stderr: string;
  /** The one line the host said on stderr at the end ("" if none). */
  message: string;
  /** A one-line reason when the run failed before or outside the guest, else null. */
  error: string | null;
  /** Ended by stop(). */
  stopped: boolean;
  /** More output came than the result keeps (16 Mi characters of each stream). */
  truncated: boolean;
  /** Statistics: guest_insns, mips, elapsed, tier, tbs_translated, ... */
  stats: Record<string, unknown>;
}

/** A run in progress. */
export interface RunHandle {
  readonly id: number;
  readonly result: Promise<RunResult>;
  stop(): void;
  /** Send input (stdin "interactive"). */
  write(data: string | Uint8Array): void;
  /** End of input (stdin "interactive" without a terminal). */
  end(): void;
  /** The terminal's new size (a run with `terminal`): SIGWINCH in the guest. */
  resize(rows: number, cols: number): void;
  /** The whole running system, as bytes for `start({state})` (rejects with one line). */
  saveState(): Promise<Uint8Array>;
}

export interface ShellOptions {
  /** The program (default "/bin/sh", a login shell). */
  path?: string;
  args?: string[];
  env?: string[];
  /** Default "/home/user". */
  cwd?: string;
  tier?: Tier;
  /** Passed to xterm.js's Terminal. */
  terminalOptions?: Record<string, unknown>;
  /** Continue a saved system (`saveState`) on this terminal instead of a new shell. */
  state?: Uint8Array;
}

/** A shell on an xterm.js terminal in an element of the page. */
export interface ShellHandle {
  /** Resolves when the shell exits (or is stopped). */
  readonly result: Promise<RunResult>;
  /** The xterm.js Terminal, once made. */
  readonly terminal: unknown;
  /** Type into the shell. */
  write(data: string | Uint8Array): void;
  /** The whole running system (the shell, its jobs, files, terminal), as bytes. */
  saveState(): Promise<Uint8Array>;
  stop(): void;
  /** Stop the shell and remove its terminal. */
  dispose(): void;
}

export interface OutputEventDetail {
  id: number;
  fd: 1 | 2;
  data: Uint8Array;
  text: string;
}

export interface ExitEventDetail {
  id: number;
  status: number;
}

/** What the store of kept files says (Emulator.store). */
export interface StoreStatus {
  /** "opening", "writer" (files are kept), "read-only" (another tab keeps them), "newer" (a
   *  store of a newer tbwasm: left alone), "off" (not kept). */
  state: string;
  /** The last one-line message about the store ("" if none). */
  message: string;
  /** Transactions written, the guest's bytes they held, and the time they took (ms). */
  flushes: number;
  bytes: number;
  ms: number;
}

export declare class Emulator extends EventTarget {
  constructor(options?: EmulatorOptions);
  /** Resolves when Pyodide and the translator are loaded; rejects with a one-line reason. */
  readonly ready: Promise<void>;
  start(options: RunOptions): RunHandle;
  run(options: RunOptions): Promise<RunResult>;
  attachShell(element: HTMLElement, options?: ShellOptions): ShellHandle;
  /** Put a file into the guest's filesystem (missing directories are made; mode default 0o644). */
  writeFile(path: string, data: string | Uint8Array | ArrayBuffer, mode?: number): Promise<void>;
  /** A regular file of the guest's filesystem (rejects with a one-line reason). */
  readFile(path: string): Promise<Uint8Array>;
  /** The guest directory `path` (default "/home/user") as .tar.gz bytes. */
  exportHome(path?: string): Promise<Uint8Array>;
  /** Extract .tar.gz bytes into `path` (default "/home/user"): all or nothing. */
  importHome(data: Uint8Array | ArrayBuffer, path?: string): Promise<void>;
  /** Empty the store of kept files (options.persist): /home and /root are the image's again. */
  resetStore(): Promise<void>;
  /** Store the guest's changes now. */
  flushStore(): Promise<void>;
  /** The store of kept files. */
  readonly store: StoreStatus;
  /** The whole running system of a run (default: the latest on a terminal), as bytes that
   *  `start({state})` or `attachShell(element, {state})` continue, here or in a fresh page. */
  saveState(handle?: { id: number }): Promise<Uint8Array>;
  /** Stop every run of this emulator. */
  stop(): void;
  /** End its worker; the emulator cannot be used after this. */
  destroy(): void;
  addEventListener(type: "output", listener: (event: CustomEvent<OutputEventDetail>) => void): void;
  addEventListener(type: "exit", listener: (event: CustomEvent<ExitEventDetail>) => void): void;
  addEventListener(type: "error", listener: (event: CustomEvent<{ message: string }>) => void): void;
  /** One line about the kept files (a full quota, another tab, a newer store). */
  addEventListener(type: "store", listener: (event: CustomEvent<{ level: string; message: string }>) => void): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null): void;
}

/** A new emulator with a worker of its own (`shared: true`: the page's). */
export declare function createEmulator(options?: EmulatorOptions): Emulator;

/** Split a command line as a POSIX shell would (quotes and backslashes, no expansion). */
export declare function splitArgs(line: string): string[];
