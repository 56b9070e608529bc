// Types of tbwasm/playwright (web/playwright.mjs): @playwright/test fixtures for tbwasm sites.
import type {
  Page,
  PlaywrightTestArgs,
  PlaywrightTestOptions,
  PlaywrightWorkerArgs,
  PlaywrightWorkerOptions,
  TestType,
} from "@playwright/test";

export { expect } from "@playwright/test";

/** What window.tbwasm.run resolved to (docs/embedding.md). */
export interface RunResult {
  /** Exit status as a shell reports it: 128 + signal, 130 when stopped, 2 when not loaded. */
  status: number;
  stdout: string;
  stderr: string;
  stopped: boolean;
  /** One-line reason when the program could not run. */
  error: string | null;
  message: string;
  truncated: boolean;
  stats: Record<string, unknown>;
}

export interface RunOptions {
  /** A URL (relative ones resolve against the site: "guests/hello.elf") or the ELF's bytes. */
  program?: string | URL | Uint8Array | ArrayBuffer;
  /** Or: a program of the guest's filesystem, e.g. "/usr/bin/python3". */
  path?: string;
  /** A list, or a string split like a shell would. */
  args?: string[] | string;
  /** Given to the program, then end of file. */
  stdin?: string | Uint8Array | ArrayBuffer;
  /** ["NAME=value", ...] or {NAME: "value"}; default: the emulator's small default environment. */
  env?: string[] | Record<string, string>;
  tier?: "tiered" | "interp" | "jit";
  /** ms before the run is stopped and the call rejects (default 60000). */
  timeout?: number;
}

/** An error about the setup or the page, reported as its one-line message. */
export declare class TbwasmError extends Error {}

/**
 * One page of a tbwasm site, opened on first use: the shell page (the site's root) for shell(),
 * the single-program page (?shell=0) for anything else.
 */
export declare class TbwasmPage {
  constructor(page: Page, siteURL: string, options?: { loadTimeout?: number });
  /** The Playwright page (about:blank until the site is opened: see open()). */
  readonly page: Page;
  readonly siteURL: string;
  /** Page errors and console errors. */
  readonly errors: string[];
  /** `$?` of the last shell() command. */
  readonly lastStatus: number | null;
  /** Open the site (once) and wait until window.tbwasm is ready. */
  open(options?: { shell?: boolean }): Promise<Page>;
  /** Run a guest program through window.tbwasm.run. */
  run(options: RunOptions): Promise<RunResult>;
  /** Type one command line into the page's shell; resolves to what it printed ("\n" line ends). */
  shell(command: string, options?: { timeout?: number }): Promise<string>;
  /** Put a file into the page's guest filesystem (directories are made); mode default 0o644. */
  putFile(path: string, data: string | Uint8Array | ArrayBuffer, mode?: number): Promise<void>;
  /** A file of the page's guest filesystem. */
  getFile(path: string): Promise<Uint8Array>;
}

/** Serve a directory on 127.0.0.1 (a free port) as a plain static host would (no COOP/COEP). */
export declare function serveSite(dir: string): Promise<{ url: string; close: () => Promise<void> }>;

export interface TbwasmTestFixtures {
  tbwasmPage: TbwasmPage;
}

export interface TbwasmWorkerFixtures {
  /**
   * The site: a directory made by `npx tbwasm build-site DIR`, or an http(s) URL. Default:
   * $TBWASM_SITE, else the site of the project's node_modules/tbwasm (built and cached).
   */
  tbwasmSite: string | undefined;
  /** The site's root URL (a directory is served for the worker's lifetime). */
  tbwasmSiteURL: string;
}

export declare const test: TestType<
  PlaywrightTestArgs & PlaywrightTestOptions & TbwasmTestFixtures,
  PlaywrightWorkerArgs & PlaywrightWorkerOptions & TbwasmWorkerFixtures
>;
