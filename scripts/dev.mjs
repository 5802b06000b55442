// `npm run dev`: wrangler dev, plus the cron triggers it does not fire. Miniflare never runs a
// scheduled handler on its own (wrangler warns "Miniflare does not currently trigger scheduled
// Workers automatically"); its documented way in is `--test-scheduled`, which serves
// GET /__scheduled?cron=…. This script starts wrangler dev with that flag and calls it for each
// cron in wrangler.toml on the minutes the cron names, as production would.
//
// A restart is when events are most likely stranded (the local queue keeps its messages in
// memory, so a killed workerd loses them), so the crons also fire once when the server is up and
// once more CATCH_UP_MS later, when events accepted just before a crash are old enough for the
// sweeper (it leaves events younger than a minute to the queue).
//
//   node scripts/dev.mjs [wrangler dev options]     (default --port 8787)
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

const CATCH_UP_MS = 65_000;
const args = process.argv.slice(2);
if (!args.some((a) => a === "--port" || a.startsWith("--port="))) args.push("--port", "8787");
const portArg = args.findIndex((a) => a === "--port" || a.startsWith("--port="));
const port = args[portArg].includes("=") ? args[portArg].split("=")[1] : args[portArg + 1];

/** The `crons = [...]` of wrangler.toml's [triggers] (a one-line array, as that file writes it). */
function readCrons() {
  const match = readFileSync("wrangler.toml", "utf8").match(/^\s*crons\s*=\s*(\[.*\])\s*$/m);
  return match ? JSON.parse(match[1]) : [];
}

/** One cron field (numbers, `*`, ranges, steps, lists) against a value. */
function fieldMatches(field, value, min, max) {
  return field.split(",").some((part) => {
    const [range, stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    let lo;
    let hi;
    if (range === "*") [lo, hi] = [min, max];
    else if (range.includes("-")) [lo, hi] = range.split("-").map(Number);
    else [lo, hi] = [Number(range), stepText === undefined ? Number(range) : max];
    if (![lo, hi, step].every(Number.isInteger)) throw new Error(`unsupported cron field "${field}"`);
    return value >= lo && value <= hi && (value - lo) % step === 0;
  });
}

/** Standard five-field cron in UTC (day-of-month and day-of-week: either, when both are set). */
export function cronMatches(expression, date) {
  const [minute, hour, dom, month, dow] = expression.trim().split(/\s+/);
  const weekday = (d) => fieldMatches(dow, d, 0, 7) || (d === 0 && fieldMatches(dow, 7, 0, 7));
  const dayOk =
    dom === "*" || dow === "*"
      ? fieldMatches(dom, date.getUTCDate(), 1, 31) && weekday(date.getUTCDay())
      : fieldMatches(dom, date.getUTCDate(), 1, 31) || weekday(date.getUTCDay());
  return fieldMatches(minute, date.getUTCMinutes(), 0, 59) && fieldMatches(hour, date.getUTCHours(), 0, 23) && fieldMatches(month, date.getUTCMonth() + 1, 1, 12) && dayOk;
}

async function fire(cron, why) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/__scheduled?cron=${encodeURIComponent(cron)}`);
    console.log(`[dev cron] ${cron} (${why}) → ${res.status}`);
  } catch (err) {
    console.log(`[dev cron] ${cron} (${why}) → not reachable: ${err.cause?.code ?? err.message}`);
  }
}

async function waitUntilUp() {
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

const crons = readCrons();
for (const c of crons) cronMatches(c, new Date()); // refuse an unsupported expression at start
const child = spawn("wrangler", ["dev", "--test-scheduled", ...args], { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

if (crons.length > 0) {
  await waitUntilUp();
  for (const c of crons) await fire(c, "startup");
  setTimeout(() => crons.forEach((c) => fire(c, "catch-up after start")), CATCH_UP_MS).unref();
  const everyMinute = () => {
    const now = new Date();
    for (const c of crons) if (cronMatches(c, now)) fire(c, "schedule");
    setTimeout(everyMinute, 60_000 - (Date.now() % 60_000) + 50).unref();
  };
  setTimeout(everyMinute, 60_000 - (Date.now() % 60_000) + 50).unref();
}
