// What every command action gets: the output helpers for --json or people, and the typed client
// for the deployment the flags, environment or config file name.
import { readFileSync } from "node:fs";
import { createClient } from "../client/index.js";
import { resolveTarget } from "./config.js";
import { CliError } from "./errors.js";
import { makeOutput } from "./output.js";

/** @typedef {{ json?: boolean, apiUrl?: string, apiKey?: string, account?: string }} GlobalOptions */

/** @param {import("commander").Command} cmd */
export function contextOf(cmd) {
  const opts = /** @type {GlobalOptions & Record<string, unknown>} */ (cmd.optsWithGlobals());
  const out = makeOutput({ json: Boolean(opts.json) });
  const target = () => resolveTarget({ url: opts.apiUrl, key: opts.apiKey });
  const client = () => {
    const t = target();
    return createClient({ baseUrl: t.url, apiKey: t.key, ...(opts.account ? { accountId: opts.account } : {}) });
  };
  return { out, opts, target, client };
}

/** @typedef {ReturnType<typeof contextOf>} Context */

/**
 * Wraps a command action so it receives the context, then its arguments (positionals, then the
 * command's own options), as commander passes them.
 * @param {(ctx: Context, ...args: any[]) => Promise<void>} fn
 */
export function act(fn) {
  return async (/** @type {any[]} */ ...args) => {
    const cmd = /** @type {import("commander").Command} */ (args[args.length - 1]);
    await fn(contextOf(cmd), ...args.slice(0, -1));
  };
}

/**
 * A JSON argument: inline text, `@path` for a file, or `-` for stdin.
 * @param {string} text @param {string} what
 */
export function parseJsonArg(text, what) {
  let source = text;
  if (text === "-") source = readFileSync(0, "utf8");
  else if (text.startsWith("@")) source = readFileSync(text.slice(1), "utf8");
  try {
    return JSON.parse(source);
  } catch (err) {
    throw new CliError(`${what} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, 2);
  }
}

/** `a,b c` → ["a","b","c"]; repeated flags accumulate. @param {string} value @param {string[]} [prev] */
export function list(value, prev = []) {
  return [...prev, ...value.split(/[,\s]+/).filter(Boolean)];
}

/** @param {string} value */
export function int(value) {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new CliError(`${value} is not an integer`, 2);
  return n;
}
