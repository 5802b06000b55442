// What a command can fail with, and how a failure is shown: the API's message, then one line per
// field detail (`body.url: url must use https`), on stderr; the process exits non-zero.
import { HookrelayError } from "../client/index.js";

/** A failure the CLI itself detects (bad flag value, not logged in). */
export class CliError extends Error {
  /** @param {string} message @param {number} [exitCode] */
  constructor(message, exitCode = 1) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/** @param {unknown} details @returns {string[]} */
function detailLines(details) {
  if (!Array.isArray(details)) return details === undefined || details === null ? [] : [JSON.stringify(details)];
  return details.map((d) => {
    if (typeof d !== "object" || d === null) return String(d);
    const { path, message } = /** @type {{ path?: unknown, message?: unknown }} */ (d);
    return path ? `${String(path)}: ${String(message ?? "")}` : String(message ?? JSON.stringify(d));
  });
}

/**
 * @param {unknown} err
 * @param {{ json: boolean, red: (s: string) => string, dim: (s: string) => string }} out
 * @returns {{ text: string, exitCode: number }}
 */
export function describeError(err, out) {
  if (err instanceof HookrelayError) {
    if (out.json) {
      return { text: JSON.stringify({ error: { status: err.status, code: err.code, message: err.message, details: err.details, requestId: err.requestId } }), exitCode: 1 };
    }
    const lines = [`${out.red("error")}: ${err.message} ${out.dim(`(${err.status} ${err.code}${err.requestId ? `, request ${err.requestId}` : ""})`)}`];
    for (const line of detailLines(err.details)) lines.push(`  ${line}`);
    return { text: lines.join("\n"), exitCode: 1 };
  }
  const exitCode = err instanceof CliError ? err.exitCode : 1;
  let message = err instanceof Error ? err.message : String(err);
  // fetch() hides the reason (ECONNREFUSED, ENOTFOUND) in `cause`.
  if (err instanceof TypeError && err.cause instanceof Error) message = `${message}: ${err.cause.message}`;
  if (out.json) return { text: JSON.stringify({ error: { code: "cli_error", message } }), exitCode };
  return { text: `${out.red("error")}: ${message}`, exitCode };
}
