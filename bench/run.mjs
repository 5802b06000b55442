#!/usr/bin/env node
// hookrelay benchmark harness. `npm run bench` (full) · `npm run bench:quick` (every scenario, short;
// CI). Options: --only=ingest,e2e,fanout,recovery,soak,storage,channels  --out=path.json
//
// Processes (each its own process group, all killed on any exit):
//   this one      orchestrates, keeps the books, prints the table, writes bench/results/latest.json
//   server        Miniflare → workerd running the bench build of hookrelay (and the ceiling Worker on demand)
//   receiver      Node HTTP server on 127.0.0.1 verifying every delivery's signature
//   load          one child per load run (autocannon closed loop, or an open-loop publisher)
//
// This file builds the context the scenarios (bench/scenarios/*.mjs) take, runs the ones asked
// for, and writes the report. Every figure is measured in the same run as its baseline.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { d1Stats } from "./lib/counters.mjs";
import { cpuMeter, noteNoise } from "./lib/cpu.mjs";
import { build, freePort, profiler, startReceiver, startServer } from "./lib/harness.mjs";
import { apiClient, http, receiverControl } from "./lib/http.mjs";
import { parseOptions, SCENARIO_NAMES } from "./lib/options.mjs";
import { killAll, rpc, runLoad } from "./lib/procs.mjs";
import { table, target } from "./lib/report.mjs";
import { now, round } from "./lib/stats.mjs";
import { channels } from "./scenarios/channels.mjs";
import { e2e } from "./scenarios/e2e.mjs";
import { fanout } from "./scenarios/fanout.mjs";
import { ingest } from "./scenarios/ingest.mjs";
import { recovery } from "./scenarios/recovery.mjs";
import { soak } from "./scenarios/soak.mjs";
import { storage } from "./scenarios/storage.mjs";

const SCENARIOS = { ingest, e2e, fanout, recovery, soak, storage, channels };
if (Object.keys(SCENARIOS).join() !== SCENARIO_NAMES.join()) throw new Error("bench: SCENARIOS and SCENARIO_NAMES disagree");

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const T0 = now();
const log = (...a) => console.error(`[bench ${((now() - T0) / 1000).toFixed(1)}s]`, ...a);

let options;
try {
  options = parseOptions(process.argv.slice(2), process.env, here);
} catch (err) {
  console.error(`bench: ${err.message}`);
  process.exit(1);
}
const { P } = options;

// ── Bookkeeping ──────────────────────────────────────────────────────────────────────────────────
const results = {
  mode: options.quick ? "quick" : "full",
  startedAt: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, memGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version, platform: `${os.type()} ${os.release()}`,
  },
  settings: {
    profile: options.profiling,
    ...P, retrySchedule: options.retrySchedule, stateDir: options.stateDir,
    queueBatchTimeoutOverride: process.env.BENCH_QUEUE_BATCH_TIMEOUT ?? null,
    orderingOverride: options.ordering,
  },
  scenarios: {},
  targets: [],
  skipped: [],
  errors: [],
  harnessFailures: [],
  runtimeRestarts: [],
};
let currentScenario = "startup";

// ── Hard limits: nothing hangs ───────────────────────────────────────────────────────────────────
const hardTimer = setTimeout(() => {
  console.error(`bench: hard timeout after ${P.hardTimeoutSec}s; killing everything`);
  killAll();
  process.exit(3);
}, P.hardTimeoutSec * 1000);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => { killAll(); process.exit(130); });

const work = mkdtempSync(join(options.stateDir, "hookrelay-bench-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));

// ── The context every scenario takes ─────────────────────────────────────────────────────────────
async function createContext() {
  const adminKey = `hr_bench_admin_${randomBytes(12).toString("hex")}`;
  const encryptionKey = randomBytes(32).toString("base64");
  const persistDir = join(work, "state");
  log(`mode ${results.mode}; building the bench entry with wrangler deploy --dry-run …`);
  const bundle = await build({ root, outdir: join(work, "build"), unminified: options.profiling });
  const inspectorPort = options.profiling ? await freePort() : null;
  let workerdPid;
  const [srv, rcv] = await Promise.all([
    startServer({
      root, bundle, persistDir, queueBatchTimeout: options.queueBatchTimeout, inspectorPort,
      vars: { ALLOW_PRIVATE_DESTINATIONS: "true", ADMIN_API_KEY: adminKey, ENCRYPTION_KEY: encryptionKey },
      onRestart: (pid) => {
        results.runtimeRestarts.push({ atSec: round((now() - T0) / 1000, 1), scenario: currentScenario, newPid: pid });
        log(`workerd crashed and was restarted by Miniflare during ${currentScenario} (new pid ${pid})`);
        if (pid) workerdPid = pid;
      },
    }),
    startReceiver(root),
  ]);
  workerdPid = srv.pid;
  results.machine.workerdPid = workerdPid;
  log(`hookrelay in workerd at ${srv.url} (workerd pid ${workerdPid}); migrations: ${srv.migrations.join(", ")}`);
  log(`receiver at ${rcv.url}`);
  const { api, routeExists } = apiClient(srv.url, adminKey);
  const loadScript = join(here, "lib", "load.mjs");
  return {
    options, P, quick: options.quick, run: randomBytes(3).toString("hex"), results, log,
    base: srv.url, recv: rcv.url, persistDir, server: srv.server, doClassOf: srv.doClassOf, vars: srv.vars,
    get workerdPid() {
      return workerdPid;
    },
    elapsedMs: () => now() - T0,
    api, routeExists, receiver: receiverControl(rcv.url),
    load: (job, extraMs = 60_000) => runLoad(loadScript, job, ((job.durationSec ?? 0) * 1000) + extraMs),
    cpuMeter: ({ workerd = workerdPid } = {}) => cpuMeter({ workerd, receiver: rcv.receiver.pid }),
    noteNoise: (what, cpu) => noteNoise(results, what, cpu),
    target: (...args) => target(results, ...args),
    maybeProfile: profiler({ inspectorPort, benchDir: here, errors: results.errors }),
    startCeiling: (secret) => rpc(srv.server, { type: "startCeiling", receiverUrl: rcv.url, secret }, 60_000),
    stopCeiling: () => rpc(srv.server, { type: "stopCeiling" }, 30_000),
  };
}

async function main() {
  const ctx = await createContext();
  const health = await http("GET", `${ctx.base}/healthz`);
  if (health.status !== 200) throw new Error(`/healthz → ${health.status}`);
  results.version = health.json?.version ?? null;
  const noop = await http("POST", `${ctx.base}/bench/noop`, { body: {} });
  if (noop.status !== 202) throw new Error(`POST /bench/noop → ${noop.status}: is the bench build's entry bench/worker/entry.ts?`);
  // The D1 counter is wired into the fetch path: one read through the app counts one statement.
  await ctx.api("POST", "/bench/stats/reset");
  await http("POST", `${ctx.base}/bench/d1-read`, { body: {} });
  const probe = await d1Stats(ctx);
  if (probe.statements !== 1) results.errors.push(`D1 counter: a one-statement request counted ${probe.statements}; does bench/worker/entry.ts hand countingEnv(env) to every handler?`);
  const { countedClasses = [] } = await ctx.api("GET", "/bench/stats");
  for (const cls of new Set(Object.values(ctx.doClassOf))) {
    if (!countedClasses.includes(cls)) results.errors.push(`Durable Object class ${cls} is not wrapped in bench/worker/entry.ts (countingDO): what its objects do is not counted`);
  }

  for (const [name, fn] of Object.entries(SCENARIOS)) {
    if (options.only && !options.only.includes(name)) continue;
    const t = now();
    currentScenario = name;
    log(`── ${name}`);
    try {
      await fn(ctx);
    } catch (err) {
      results.harnessFailures.push(`${name}: ${err?.stack ?? err}`);
      log(`${name} failed: ${err?.stack ?? err}`);
    }
    log(`${name} took ${round((now() - t) / 1000, 1)} s`);
  }
  if (results.scenarios.storage?.capacity) results.capacity = results.scenarios.storage.capacity;
  const logs = await rpc(ctx.server, { type: "logs" }, 10_000).catch(() => null);
  results.workerdLogLines = logs?.lines ?? null;
  results.workerdLogTail = logs?.tail?.slice(-20) ?? [];
  return ctx;
}

let exitCode = 0;
let ctx = null;
try {
  ctx = await main();
} catch (err) {
  results.harnessFailures.push(String(err?.stack ?? err));
  console.error(`bench: ${err?.stack ?? err}`);
}
results.durationSec = round((now() - T0) / 1000, 1);
if (results.runtimeRestarts.length) {
  results.harnessFailures.push(`workerd crashed and was restarted ${results.runtimeRestarts.length} time(s) (${results.runtimeRestarts.map((r) => `${r.scenario} at ${r.atSec}s`).join(", ")}); figures from those scenarios are compromised — see workerdLogTail`);
}
const hardMisses = results.targets.filter((t) => t.hard && !t.pass);
if (results.harnessFailures.length || hardMisses.length) exitCode = 1;
results.ok = exitCode === 0;
mkdirSync(dirname(options.out), { recursive: true });
writeFileSync(options.out, JSON.stringify(results, null, 2) + "\n");
console.log(`\nhookrelay bench (${results.mode}, ${results.durationSec}s, ${results.machine.cpus} cpus, ${results.machine.cpuModel})\n`);
console.log(table(results));
console.log(`\nwrote ${options.out}${exitCode ? " — FAILED (harness error or lost/duplicated deliveries)" : ""}`);
if (results.harnessFailures.length && results.workerdLogTail?.length) console.log(`last workerd output:\n${results.workerdLogTail.join("\n")}`);
if (ctx) await rpc(ctx.server, { type: "stop" }, 10_000).catch(() => undefined);
clearTimeout(hardTimer);
killAll();
process.exit(exitCode);
