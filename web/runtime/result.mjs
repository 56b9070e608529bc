// @ts-check
// The result of one guest run, as every JS host reports it: web/runtime/runtime.mjs makes it, the worker
// posts it in its "exit" message, web/page/client.mjs adds the guest's output (see docs/embedding.md).
// Host statuses and the Stop message come from abi.json's "host" section (py_backend/abi.py:
// HostStatus, STOPPED_MESSAGE); `host` below is that section.

/** Status of a result the page makes when the run never happened (the client failed). */
export const NOT_RUN = -1;

/**
 * A run result with every field present.
 * @param {object} [r]
 * @param {number} [r.status]    the guest's exit status (128 + signal after a fatal one) or a
 *                               host status (abi.json host.status); default 0
 * @param {string} [r.message]   the one line the host said on stderr at the end ("" if none)
 * @param {string|null} [r.error] the one-line reason when the run failed before or outside the guest
 * @param {boolean} [r.stopped]  ended by the host's Stop
 * @param {object} [r.stats]     the run's statistics (web/runtime/runtime.mjs)
 * @param {string} [r.stdout]    (web/page/client.mjs only, as are stderr and truncated) the output kept
 * @param {string} [r.stderr]
 * @param {boolean} [r.truncated] more output came than was kept
 * @returns {{status: number, message: string, error: string|null, stopped: boolean, stats: object}}
 */
export function runResult({
  status = 0,
  message = "",
  error = null,
  stopped = false,
  stats = {},
  stdout,
  stderr,
  truncated,
} = {}) {
  const r = { status, message: message ?? "", error: error ?? null, stopped: !!stopped, stats: stats ?? {} };
  if (stdout !== undefined || stderr !== undefined || truncated !== undefined) {
    Object.assign(r, { stdout: stdout ?? "", stderr: stderr ?? "", truncated: !!truncated });
  }
  return r;
}

/**
 * Ended by Stop: status host.status.STOPPED (128 + SIGINT) and, unless given, host.stopped_message.
 * @param {{status: {STOPPED: number}, stopped_message: string}} host
 * @param {{message?: string} & Record<string, any>} [more]  other fields of the result
 */
export function stoppedResult(host, { message = host.stopped_message, ...more } = {}) {
  return runResult({ ...more, status: host.status.STOPPED, message, stopped: true });
}

/** A bad option or a program that cannot be loaded: status host.status.USAGE, `message` the one line. */
export function usageError(host, message, more = {}) {
  return runResult({ ...more, status: host.status.USAGE, message, error: message });
}

/** A bug in the emulator or a trap in generated code: status host.status.INTERNAL (EX_SOFTWARE). */
export function internalError(host, message, more = {}) {
  return runResult({ ...more, status: host.status.INTERNAL, message, error: message });
}

/** The page's result for a run that never happened (the client failed): status NOT_RUN. */
export function notRun(message, more = {}) {
  return runResult({ stdout: "", stderr: "", ...more, status: NOT_RUN, message, error: message });
}
