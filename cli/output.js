// Output for people and for scripts: tables and short lines on a terminal (coloured only when
// stdout is a TTY and NO_COLOR is unset), one JSON document per command with --json, a spinner
// on stderr while a request waits (TTY only, so pipes and tests see clean output).
import pc from "picocolors";
import yoctoSpinner from "yocto-spinner";

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
const MAX_CELL_CHARS = 60;

/** @param {string} s */
const visibleLength = (s) => s.replace(ANSI, "").length;

/** @param {unknown} v */
export function cell(v) {
  if (v === null || v === undefined) return "";
  if (Array.isArray(v)) return v.join(",");
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/**
 * @typedef {{ header: string, get: (row: any) => unknown, color?: (value: string, row: any) => string }} Column
 * @typedef {ReturnType<typeof makeOutput>} Output
 */

/** @param {{ json: boolean, stdout?: NodeJS.WriteStream, stderr?: NodeJS.WriteStream }} opts */
export function makeOutput({ json, stdout = process.stdout, stderr = process.stderr }) {
  const color = pc.createColors(Boolean(stdout.isTTY) && !process.env.NO_COLOR);
  const errColor = pc.createColors(Boolean(stderr.isTTY) && !process.env.NO_COLOR);
  const spinnerAllowed = !json && Boolean(stderr.isTTY);

  /** @param {string} text */
  const line = (text) => void stdout.write(`${text}\n`);

  /** @param {unknown} value */
  const printJson = (value) => line(JSON.stringify(value, null, 2));

  /** @param {any[]} rows @param {Column[]} columns */
  const table = (rows, columns) => {
    const cells = rows.map((row) =>
      columns.map((c) => {
        let text = cell(c.get(row));
        if (text.length > MAX_CELL_CHARS) text = `${text.slice(0, MAX_CELL_CHARS - 1)}…`;
        return c.color ? c.color(text, row) : text;
      }),
    );
    const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => visibleLength(/** @type {string} */ (r[i])))));
    const pad = (/** @type {string} */ s, /** @type {number} */ w) => s + " ".repeat(Math.max(0, w - visibleLength(s)));
    line(color.bold(columns.map((c, i) => pad(c.header, /** @type {number} */ (widths[i]))).join("  ").trimEnd()));
    for (const r of cells) line(r.map((s, i) => pad(s, /** @type {number} */ (widths[i]))).join("  ").trimEnd());
    if (rows.length === 0) line(color.dim("(none)"));
  };

  /** Key: value lines for one object; nested values as compact JSON. @param {Record<string, unknown>} obj */
  const record = (obj) => {
    const width = Math.max(...Object.keys(obj).map((k) => k.length));
    for (const [k, v] of Object.entries(obj)) line(`${color.dim(k.padEnd(width))}  ${cell(v)}`);
  };

  /**
   * @template T
   * @param {string} text
   * @param {() => Promise<T>} work
   * @returns {Promise<T>}
   */
  const waitFor = async (text, work) => {
    if (!spinnerAllowed) return work();
    const spinner = yoctoSpinner({ text, stream: stderr }).start();
    try {
      return await work();
    } finally {
      spinner.stop();
    }
  };

  /** Colours an HTTP status or a call/webhook status word. @param {string} s */
  const status = (s) => {
    const n = Number(s);
    if (s === "succeeded" || s === "active" || (n >= 200 && n < 300)) return color.green(s);
    if (s === "retrying" || s === "inactive" || s === "pending") return color.yellow(s);
    if (s === "") return s;
    return color.red(s);
  };

  return { json, color, errColor, line, printJson, table, record, waitFor, status, err: (/** @type {string} */ t) => void stderr.write(`${t}\n`) };
}
