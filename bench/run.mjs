#!/usr/bin/env node
// hookrelay benchmark harness. `npm run bench` (full) · `npm run bench:quick` (every scenario, short,
// under a minute; CI). Options: --only=ingest,e2e,fanout,recovery,soak  --out=path.json
//
// Processes (each its own process group, all killed on any exit):
//   this one      orchestrates, keeps the books, prints the table, writes bench/results/latest.json
//   server        Miniflare → workerd running the built hookrelay (and the ceiling Worker on demand)
//   receiver      Node HTTP server on 127.0.0.1 verifying every delivery's signature
//   load          one child per load run (autocannon closed loop, or an open-loop publisher)
//
// Every figure is measured in the same run as its baseline; ratios are taken within one run.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer } from "node:net";
import { killAll, rpc, runLoad, spawnChild, waitMessage } from "./lib/procs.mjs";
import { startProfile, summarizeProfile } from "./lib/profiler.mjs";
import { median, now, round, sleep, summarize } from "./lib/stats.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const argv = process.argv.slice(2);
const opt = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const QUICK = argv.includes("--quick");
const ONLY = opt("only")?.split(",") ?? null;
const OUT = opt("out") ?? join(here, "results", QUICK ? "quick.json" : "latest.json");

// ── Profiles ─────────────────────────────────────────────────────────────────────────────────────
const P = QUICK
  ? {
      hardTimeoutSec: 100,
      ingest: { connections: 32, durationSec: 1.5, probes: false },
      e2e: { webhooks: 20, rate: 200, durationSec: 3, ceilingSec: 2, ceilingConnections: 8, burstEvents: 100 },
      fanout: { small: 10, large: 100, rounds: 1 },
      recovery: { webhooks: 5, rate: 50, failMs: 3000, leadMs: 1000, tailMs: 1000 },
      soak: { events: 2000, webhooks: 10, maxRate: 1000 },
      drainTimeoutMs: 20_000,
    }
  : {
      hardTimeoutSec: 3600,
      ingest: { connections: 32, durationSec: 10, probes: true },
      e2e: { webhooks: 20, rate: 200, durationSec: 30, ceilingSec: 10, ceilingConnections: 8, burstEvents: 1000 },
      fanout: { small: 100, large: 1000, rounds: 3 },
      recovery: { webhooks: 5, rate: 50, failMs: 10_000, leadMs: 2000, tailMs: 5000 },
      soak: { events: 100_000, webhooks: 10, maxRate: 1000 },
      drainTimeoutMs: 180_000,
    };
// Experiment knob: BENCH_INGEST_SEC sets the length of each ingest load run (e.g. a longer --quick).
if (process.env.BENCH_INGEST_SEC) P.ingest.durationSec = Number(process.env.BENCH_INGEST_SEC);
// A short retry schedule on every bench webhook (the default's first step is 5 s, then 5 min): the
// recovery scenario measures draining, not waiting out a production backoff.
const RETRY_SCHEDULE = [1, 1, 2, 2, 5, 5, 10, 30];
// Experiment knob: BENCH_ORDERING=parallel creates the bench webhooks with delivery.ordering
// "parallel" (default: the product's default, "ordered", one request in flight per webhook).
const ORDERING = process.env.BENCH_ORDERING ?? null;
const ADMIN_KEY = `hr_bench_admin_${randomBytes(12).toString("hex")}`;
const ENCRYPTION_KEY = randomBytes(32).toString("base64");
const RUN = randomBytes(3).toString("hex");

// ── Bookkeeping ──────────────────────────────────────────────────────────────────────────────────
const results = {
  mode: QUICK ? "quick" : "full",
  startedAt: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, memGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version, platform: `${os.type()} ${os.release()}`,
  },
  settings: {
    profile: process.env.BENCH_PROFILE === "1",
    ...P, retrySchedule: RETRY_SCHEDULE, stateDir: process.env.BENCH_STATE_DIR ?? os.tmpdir(),
    queueBatchTimeoutOverride: process.env.BENCH_QUEUE_BATCH_TIMEOUT ?? null,
    orderingOverride: ORDERING,
  },
  scenarios: {},
  targets: [],
  skipped: [],
  errors: [],
  harnessFailures: [],
  runtimeRestarts: [],
};
let currentScenario = "startup";
const log = (...a) => console.error(`[bench ${((now() - T0) / 1000).toFixed(1)}s]`, ...a);
const T0 = now();

function target(id, description, value, op, threshold, extra = {}) {
  const pass = value === null || value === undefined ? false : op === "<=" ? value <= threshold : op === "<" ? value < threshold : value >= threshold;
  results.targets.push({ id, description, value: round(value, 3), op, threshold, pass, ...extra });
}

// ── Hard limits: nothing hangs ───────────────────────────────────────────────────────────────────
if (process.env.BENCH_PROFILE === "1") P.hardTimeoutSec *= 4; // fetching profiles takes a while
const hardTimer = setTimeout(() => {
  console.error(`bench: hard timeout after ${P.hardTimeoutSec}s; killing everything`);
  killAll();
  process.exit(3);
}, P.hardTimeoutSec * 1000);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => { killAll(); process.exit(130); });

function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([promise, new Promise((_, rej) => (t = setTimeout(() => rej(new Error(`${what} timed out after ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}

// ── Processes ────────────────────────────────────────────────────────────────────────────────────
let server;
let receiver;
let base; // hookrelay URL
let recv; // receiver URL
let workerdPid;
// BENCH_STATE_DIR=/dev/shm puts the local D1/DO/queue state on tmpfs (no fsync cost), to show how
// much of a figure is the disk; the default is the OS temp dir, as `wrangler dev` would use a disk.
const work = mkdtempSync(join(process.env.BENCH_STATE_DIR ?? os.tmpdir(), "hookrelay-bench-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));

function build() {
  const outdir = join(work, "build");
  return new Promise((resolve, reject) => {
    execFile(
      join(root, "node_modules", ".bin", "wrangler"),
      // Profiles want readable names: unminified bundle then (BENCH_PROFILE=1 only).
      ["deploy", "--dry-run", "--outdir", outdir, ...(process.env.BENCH_PROFILE === "1" ? ["--minify=false"] : [])],
      { cwd: root, timeout: 120_000, env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true", NO_COLOR: "1", FORCE_COLOR: "0" }, maxBuffer: 16 << 20 },
      (err, _stdout, stderr) => (err ? reject(new Error(`wrangler build failed (exit ${err.code ?? err.signal}):\n${stderr.trim()}`)) : resolve(outdir)),
    );
  });
}

// BENCH_PROFILE=1: CPU profiles of the Worker during the ingest runs and the e2e burst, written to
// bench/results/profiles/*.cpuprofile and summarized (top self time) in the JSON.
const PROFILE = process.env.BENCH_PROFILE === "1";
let inspectorPort = null;

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts a profile when BENCH_PROFILE=1; the returned stop() saves it and returns a summary. */
async function maybeProfile(name) {
  if (!PROFILE) return async () => undefined;
  try {
    const url = `ws://127.0.0.1:${inspectorPort}/hookrelay`;
    // The inspector sometimes misses the first command right after the previous session closed.
    const stop = await startProfile(url, { timeoutMs: 5000 }).catch(() => sleep(1000).then(() => startProfile(url)));
    return async () => {
      try {
        const profile = await stop();
        const dir = join(here, "results", "profiles");
        mkdirSync(dir, { recursive: true });
        const file = join(dir, `${name.replace(/[^\w.-]+/g, "_")}.cpuprofile`);
        writeFileSync(file, JSON.stringify(profile));
        return { file, ...summarizeProfile(profile) };
      } catch (err) {
        return { error: String(err) };
      }
    };
  } catch (err) {
    results.errors.push(`profile ${name}: ${err}`);
    return async () => undefined;
  }
}

async function startServer(buildDir) {
  if (PROFILE) inspectorPort = await freePort();
  server = spawnChild(join(here, "lib", "server.mjs"), {
    env: {
      BENCH_SERVER_CONFIG: JSON.stringify({
        root, buildDir, persistDir: join(work, "state"),
        queueBatchTimeout: process.env.BENCH_QUEUE_BATCH_TIMEOUT === undefined ? undefined : Number(process.env.BENCH_QUEUE_BATCH_TIMEOUT),
        inspectorPort,
        vars: { BENCH_MODE: "true", ALLOW_PRIVATE_DESTINATIONS: "true", ADMIN_API_KEY: ADMIN_KEY, ENCRYPTION_KEY },
      }),
    },
  });
  await waitMessage(server, (m) => m?.type === "hello", 15_000, "server process");
  server.on("message", (m) => {
    if (m?.type !== "runtimeRestart") return;
    results.runtimeRestarts.push({ atSec: round((now() - T0) / 1000, 1), scenario: currentScenario, newPid: m.pid });
    log(`workerd crashed and was restarted by Miniflare during ${currentScenario} (new pid ${m.pid})`);
    if (m.pid) workerdPid = m.pid;
  });
  const started = await rpc(server, { type: "start" }, 60_000);
  base = started.url;
  workerdPid = started.pid;
  results.machine.workerdPid = workerdPid;
  log(`hookrelay in workerd at ${base} (workerd pid ${workerdPid}); migrations: ${started.migrations.join(", ")}`);
}

async function startReceiver() {
  receiver = spawnChild(join(here, "lib", "receiver.mjs"));
  const ready = await waitMessage(receiver, (m) => m?.type === "ready", 15_000, "receiver");
  recv = ready.url;
  log(`receiver at ${recv}`);
}

// ── HTTP helpers (setup and probes only; load goes through the load child) ─────────────────────
async function http(method, url, { body, headers = {}, timeoutMs = 30_000 } = {}) {
  const res = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not json */
  }
  return { status: res.status, json, text, headers: res.headers };
}

async function api(method, path, body, key = ADMIN_KEY, expect = [200, 201, 202]) {
  const r = await http(method, base + path, { body, headers: { "x-api-key": key } });
  if (!expect.includes(r.status)) throw new Error(`${method} ${path} → ${r.status}: ${r.text.slice(0, 500)}`);
  return r.json;
}

const receiverCtl = {
  reset: (secrets) => http("POST", `${recv}/_bench/reset`, { body: { secrets } }),
  fail: (ms) => http("POST", `${recv}/_bench/fail`, { body: { ms } }).then((r) => r.json),
  summary: () => http("GET", `${recv}/_bench/summary`).then((r) => r.json),
  arrivals: () => http("GET", `${recv}/_bench/arrivals`, { timeoutMs: 120_000 }).then((r) => r.json),
};

const whSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

async function newAccount(name) {
  const r = await api("POST", "/api/accounts", { name: `bench ${name} ${RUN}` });
  return r.apiKey.key;
}

/** Creates webhooks (concurrency-limited), each at recv/h/<prefix><i>, returning the secrets map. */
async function createWebhooks(key, prefix, count, topicsFor, concurrency = 8) {
  const secrets = {};
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const secret = whSecret();
      secrets[`${prefix}${i}`] = secret;
      await api("POST", "/api/webhooks", {
        url: `${recv}/h/${prefix}${i}`, topics: topicsFor(i), secret,
        description: `bench ${prefix}${i}`, delivery: { retrySchedule: RETRY_SCHEDULE, ...(ORDERING ? { ordering: ORDERING } : {}) },
      }, key);
    }
  };
  const t = now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { secrets, createMs: now() - t };
}

/** Polls the receiver until `expected` distinct deliveries arrived (or the timeout / stall). */
async function waitDeliveries(expected, timeoutMs, { stallMs = Infinity } = {}) {
  const until = now() + timeoutMs;
  let last = -1;
  let lastChange = now();
  let s;
  for (;;) {
    s = await receiverCtl.summary();
    if (s.distinctOk >= expected) return { complete: true, summary: s };
    if (s.distinctOk !== last) {
      last = s.distinctOk;
      lastChange = now();
    }
    if (now() > until || now() - lastChange > stallMs) return { complete: false, summary: s };
    await sleep(100);
  }
}

/** Harness-side probe: how many accepted events the consumer has not fanned out yet. */
async function unfannedCount() {
  try {
    const r = await rpc(server, { type: "sql", sql: "SELECT count(*) AS n FROM events WHERE fanned_out_at IS NULL" }, 30_000);
    return r.rows[0]?.n ?? 0;
  } catch {
    return null;
  }
}

/**
 * Wait until the queue consumer has fanned out everything accepted (so runs do not overlap). Gives
 * up when the count stops moving for `stallMs` (no consumer, or one that does not stamp the row).
 */
async function waitQueueIdle(timeoutMs, stallMs = 5000) {
  const t = now();
  let last = null;
  let lastChange = now();
  for (;;) {
    const n = await unfannedCount();
    if (n === 0 || n === null) return { idle: n === 0, waitedMs: round(now() - t, 0) };
    if (n !== last) {
      last = n;
      lastChange = now();
    }
    if (now() - t > timeoutMs || now() - lastChange > stallMs) {
      results.errors.push(`queue did not drain: ${n} accepted events still not fanned out after ${round((now() - t) / 1000, 1)} s`);
      return { idle: false, waitedMs: round(now() - t, 0), left: n };
    }
    await sleep(250);
  }
}

async function routeExists(method, path) {
  const r = await http(method, base + path, { body: {}, headers: { "x-api-key": ADMIN_KEY } });
  return !(r.status === 404 && /No route/.test(r.text));
}

const loadScript = join(here, "lib", "load.mjs");
const load = (job, extraMs = 60_000) => runLoad(loadScript, job, ((job.durationSec ?? 0) * 1000) + extraMs);

function rssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** CPU time of a process (all threads) and of its busiest thread, in clock ticks. */
function cpuTicks(pid) {
  const parse = (path) => {
    try {
      const st = readFileSync(path, "utf8");
      const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
      return Number(f[11]) + Number(f[12]); // utime + stime
    } catch {
      return null;
    }
  };
  const threads = {};
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) threads[t] = parse(`/proc/${pid}/task/${t}/stat`);
  } catch {
    /* gone */
  }
  return { total: parse(`/proc/${pid}/stat`), threads };
}

function systemTicks() {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + f[4];
  return { idle, total: f.reduce((a, b) => a + b, 0) };
}

/**
 * Starts measuring CPU: workerd (whole process and its busiest thread), the receiver, and the
 * machine. Returns stop() → shares of one core (1.0 = one core busy) and the machine's busy share.
 */
function cpuMeter({ workerd = workerdPid } = {}) {
  const TICK = 100; // USER_HZ
  const pids = { workerd, receiver: receiver?.pid };
  const start = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, p ? cpuTicks(p) : null]));
  const sys0 = systemTicks();
  const t0 = now();
  // loadGenCpuSec: what the load child(ren) reported using; the rest of the machine's busy time is
  // other processes (noise on a shared machine), reported as externalCores.
  return (loadGenCpuSec = 0) => {
    const secs = (now() - t0) / 1000;
    const loadGenCores = loadGenCpuSec / secs;
    const out = {};
    for (const [k, p] of Object.entries(pids)) {
      if (!p || !start[k]) continue;
      const end = cpuTicks(p);
      out[`${k}Cores`] = round((end.total - start[k].total) / TICK / secs, 2);
      if (k === "workerd") {
        let busiest = 0;
        for (const [tid, v] of Object.entries(end.threads)) busiest = Math.max(busiest, (v - (start[k].threads[tid] ?? 0)) / TICK / secs);
        out.workerdBusiestThreadCores = round(busiest, 2);
      }
    }
    const sys1 = systemTicks();
    out.machineBusy = round(1 - (sys1.idle - sys0.idle) / (sys1.total - sys0.total), 2);
    out.loadGenCores = round(loadGenCores, 2);
    const ours = (out.workerdCores ?? 0) + (out.receiverCores ?? 0) + loadGenCores;
    out.externalCores = round(Math.max(0, out.machineBusy * os.cpus().length - ours), 2);
    out.seconds = round(secs, 2);
    return out;
  };
}

/** Other processes took a real share of the machine during a measurement: say so next to the figure. */
function noteNoise(what, cpu) {
  if (cpu.externalCores > 0.3) results.errors.push(`${what}: other processes used ${cpu.externalCores} cores during the measurement (shared machine); treat this figure as noisy`);
}

async function d1Stats() {
  return (await api("GET", "/bench/stats")).d1;
}

/**
 * Follows the isolate's D1 counts through a run. workerd may replace the isolate (one that outgrows
 * its memory limit is condemned); the counts live in the isolate, so they are summed per isolate
 * id, each at its last reading (what a dying isolate counted after that reading is missed).
 */
function d1Watcher(everyMs) {
  const last = new Map(); // isolate id → {isolate, d1}
  let polling = Promise.resolve();
  const poll = () =>
    (polling = api("GET", "/bench/stats")
      .then((r) => void last.set(r.isolate?.id ?? "unknown", r))
      .catch(() => undefined));
  const timer = setInterval(poll, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await polling;
      await poll();
      const sum = { statements: 0, roundTrips: 0, batches: 0, bySql: {} };
      for (const { d1 } of last.values()) {
        sum.statements += d1.statements;
        sum.roundTrips += d1.roundTrips;
        sum.batches += d1.batches;
        for (const [k, v] of Object.entries(d1.bySql)) sum.bySql[k] = (sum.bySql[k] ?? 0) + v;
      }
      return { ...sum, isolates: [...last.values()].map((r) => r.isolate) };
    },
  };
}

// ── Scenario: ingest ─────────────────────────────────────────────────────────────────────────────
async function scenarioIngest() {
  const { connections, durationSec } = P.ingest;
  const out = { connections, durationSec };
  const key = await newAccount("ingest");
  const topic = `bench.ingest.${RUN}`; // nobody subscribes: this measures accepting only
  const hasEvents = await routeExists("POST", "/api/events");
  const hasBatch = await routeExists("POST", "/api/events/batch");
  const hasSources = await routeExists("POST", "/api/sources");

  const cannon = async (name, url, pool, headers = {}, hmac = undefined) => {
    const commitsBefore = (await api("GET", "/bench/stats")).groupCommit;
    const stopProfile = await maybeProfile(`ingest ${name}`);
    const cpu = cpuMeter();
    return load({ kind: "cannon", url, connections, durationSec, pool, headers, hmac }).then(async (r) => {
      const ok = r.requests - r.non2xx;
      const res = { rps: round(ok / r.durationSec), requests: r.requests, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, statuses: r.statuses, latencyMs: r.latencyMs, cpu: cpu(r.loadGenCpuSec) };
      // workerd CPU per request: far less sensitive to other processes than req/s is.
      res.workerdCpuMsPerRequest = round((res.cpu.workerdCores * 1000) / Math.max(1, res.rps), 3);
      const prof = await stopProfile();
      if (prof) res.profile = prof;
      const commitsAfter = (await api("GET", "/bench/stats")).groupCommit;
      if (commitsBefore && commitsAfter && commitsAfter.rounds > commitsBefore.rounds) {
        // Group commit (src/delivery/group-commit.ts): how many requests shared each D1 round trip.
        const rounds = commitsAfter.rounds - commitsBefore.rounds;
        res.groupCommit = { rounds, requestsPerRound: round((commitsAfter.requests - commitsBefore.requests) / rounds, 2) };
      }
      noteNoise(`ingest ${name}`, res.cpu);
      log(`ingest ${name}: ${res.rps} req/s ok${res.groupCommit ? ` (${res.groupCommit.requestsPerRound} requests per group commit)` : ""}, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, statuses ${JSON.stringify(r.statuses)}, cpu ${JSON.stringify(res.cpu)}`);
      if (r.non2xx > 0 || r.errors > 0) results.errors.push(`ingest ${name}: ${r.non2xx} non-2xx, ${r.errors} errors (${JSON.stringify(r.statuses)})`);
      return res;
    });
  };

  const noopPool = [{ body: "{}" }];
  out.noopBefore = await cannon("noop (before)", `${base}/bench/noop`, noopPool);
  if (P.ingest.probes) {
    // Cost split: the same route shape plus one D1 read, or one D1 write transaction.
    out.d1ReadProbe = await cannon("probe: 1 D1 read", `${base}/bench/d1-read`, noopPool);
    out.d1WriteProbe = await cannon("probe: 1 D1 write", `${base}/bench/d1-write`, noopPool);
  }

  if (hasEvents) {
    const pool = Array.from({ length: 2000 }, (_, i) => ({ body: JSON.stringify({ topic, payload: { n: i, text: "hello from the bench", amount: i * 3 } }) }));
    out.single = await cannon("single publish", `${base}/api/events`, pool, { "x-api-key": key, "content-type": "application/json" });
    out.single.eventsPerSec = out.single.rps;
    await waitQueueIdle(P.drainTimeoutMs);
  } else results.skipped.push("ingest.single: POST /api/events not mounted yet");

  if (hasBatch) {
    const pool = Array.from({ length: 50 }, (_, b) => ({
      body: JSON.stringify({ events: Array.from({ length: 100 }, (_, i) => ({ topic, payload: { n: b * 100 + i, text: "hello from the bench", amount: i * 3 } })) }),
    }));
    out.batch = await cannon("batch publish (100)", `${base}/api/events/batch`, pool, { "x-api-key": key, "content-type": "application/json" });
    out.batch.eventsPerSec = round(out.batch.rps * 100);
    await waitQueueIdle(P.drainTimeoutMs);
  } else results.skipped.push("ingest.batch: POST /api/events/batch not mounted yet");

  if (hasSources) {
    const secret = randomBytes(24).toString("hex");
    const src = await api("POST", "/api/sources", {
      name: `bench hmac ${RUN}`, topic: { value: topic }, dedupe: { path: "id" },
      verification: { type: "hmac", header: "X-Signature", prefix: "sha256=", encoding: "hex" }, secret,
    }, key);
    // Unique provider ids (deduplicated by the source), each body signed at send time.
    const pool = Array.from({ length: 50 }, (_, i) => ({
      body: JSON.stringify({ id: `prov_${RUN}___N__`, type: "message.received", data: { n: i, text: "hello from a provider" } }),
      headers: { "content-type": "application/json" },
    }));
    out.inbound = await cannon("inbound /in (hmac)", `${base}/in/${src.id}`, pool, {}, { secret, header: "x-signature", prefix: "sha256=" });
    out.inbound.eventsPerSec = out.inbound.rps;
    await waitQueueIdle(P.drainTimeoutMs);
  } else results.skipped.push("ingest.inbound: POST /api/sources not mounted yet");

  out.noopAfter = await cannon("noop (after)", `${base}/bench/noop`, noopPool);
  out.noopRps = round((out.noopBefore.rps + out.noopAfter.rps) / 2);
  if (out.single) {
    out.single.ratioToNoop = round(out.single.rps / out.noopRps, 3);
    target("publish_vs_noop", "POST /api/events req/s ≥ 0.6 × no-op req/s", out.single.ratioToNoop, ">=", 0.6, { evidence: ingestEvidence(out, out.single) });
  }
  if (out.inbound) {
    out.inbound.ratioToNoop = round(out.inbound.rps / out.noopRps, 3);
    target("inbound_vs_noop", "POST /in (HMAC) req/s ≥ 0.55 × no-op req/s", out.inbound.ratioToNoop, ">=", 0.55, { evidence: ingestEvidence(out, out.inbound) });
  }
  if (out.batch) {
    out.batch.ratioToNoop = round(out.batch.rps / out.noopRps, 3);
    if (out.single) {
      out.batchEventsVsSingle = round(out.batch.eventsPerSec / out.single.eventsPerSec, 2);
      target("batch_vs_single", "batch publish events/s ≥ 10 × single publish events/s", out.batchEventsVsSingle, ">=", 10);
    }
  }
  results.scenarios.ingest = out;
}

/** Measured context for an ingest target: what one D1 round trip alone costs, and the CPU split. */
function ingestEvidence(out, r) {
  return {
    d1ReadProbeVsNoop: out.d1ReadProbe ? round(out.d1ReadProbe.rps / out.noopRps, 3) : null,
    d1WriteProbeVsNoop: out.d1WriteProbe ? round(out.d1WriteProbe.rps / out.noopRps, 3) : null,
    workerdCpuMsPerRequest: r.workerdCpuMsPerRequest,
    noopWorkerdCpuMsPerRequest: out.noopBefore.workerdCpuMsPerRequest,
    workerdBusiestThreadCores: r.cpu.workerdBusiestThreadCores,
    externalCores: r.cpu.externalCores,
  };
}

// ── Scenario: end to end ─────────────────────────────────────────────────────────────────────────
function joinLatencies(arrivals, acceptedAt, keyPrefix) {
  const lat = [];
  for (const [k, id, t] of arrivals) {
    if (!k.startsWith(keyPrefix) || t === null) continue;
    const a = acceptedAt.get(id);
    if (a !== undefined) lat.push(t - a);
  }
  return lat;
}

/**
 * Where the time goes, from the rows themselves: events.created_at (accepted) → events.fanned_out_at
 * (the queue consumer finished handing the batch to the DOs) → arrival at the receiver.
 */
async function latencyStages(arrivals, idPrefix) {
  try {
    const { rows } = await rpc(server, { type: "sql", sql: "SELECT id, created_at, fanned_out_at FROM events WHERE id LIKE ?1", params: [`${idPrefix}%`] }, 60_000);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const queue = [];
    const deliver = [];
    for (const [, id, t] of arrivals) {
      const r = byId.get(id);
      if (!r || r.fanned_out_at === null || t === null) continue;
      queue.push(r.fanned_out_at - r.created_at);
      deliver.push(t - r.fanned_out_at);
    }
    return { acceptedToFannedOut: summarize(queue), fannedOutToReceived: summarize(deliver) };
  } catch (err) {
    return { error: String(err) };
  }
}

async function scenarioE2E() {
  const c = P.e2e;
  // Topology: webhook i subscribes to its own topic (…​.i) and to a shared one (….all). The fixed
  // load spreads events round-robin over the 20 own topics (one delivery per event, every endpoint
  // busy); the burst and the ceiling send each event to all 20 (20 signed fetches per event).
  const out = { webhooks: c.webhooks, offeredEventsPerSec: c.rate, durationSec: c.durationSec, fixedDeliveriesPerEvent: 1, burstDeliveriesPerEvent: c.webhooks };

  // Ceiling: the fetch-only Worker, n = webhooks fetches per request, closed loop.
  const ceilSecret = whSecret();
  await receiverCtl.reset(Object.fromEntries(Array.from({ length: c.webhooks }, (_, i) => [`c${i}`, ceilSecret])));
  const ceil = await rpc(server, { type: "startCeiling", receiverUrl: recv, secret: ceilSecret }, 60_000);
  const pool = Array.from({ length: 5000 }, (_, i) => ({ body: JSON.stringify({ id: `ceil_${i}`, topic: "bench.ceiling", payload: { n: i } }), headers: { "x-event-id": `ceil_${RUN}_${i}` } }));
  await load({ kind: "cannon", url: `${ceil.url}/?n=${c.webhooks}`, connections: c.ceilingConnections, durationSec: 1, pool }); // warm-up
  await receiverCtl.reset(Object.fromEntries(Array.from({ length: c.webhooks }, (_, i) => [`c${i}`, ceilSecret])));
  const cpuC = cpuMeter({ workerd: ceil.pid });
  const r = await load({ kind: "cannon", url: `${ceil.url}/?n=${c.webhooks}`, connections: c.ceilingConnections, durationSec: c.ceilingSec, pool });
  const cs = await receiverCtl.summary();
  const ceilCpu = cpuC(r.loadGenCpuSec);
  await rpc(server, { type: "stopCeiling" }, 30_000);
  out.ceiling = {
    connections: c.ceilingConnections, requestsPerSec: round(r.rps), deliveriesPerSec: round(cs.ok / r.durationSec),
    requestLatencyMs: r.latencyMs, badSignature: cs.badSignature, non2xx: r.non2xx, cpu: ceilCpu,
  };
  out.ceiling.workerdCpuMsPerDelivery = round((ceilCpu.workerdCores * ceilCpu.seconds * 1000) / Math.max(1, cs.ok), 3);
  noteNoise("e2e ceiling", out.ceiling.cpu);
  log(`e2e ceiling (fetch-only Worker, ${c.webhooks} fetches/request): ${out.ceiling.deliveriesPerSec} deliveries/s`);
  if (cs.badSignature) results.harnessFailures.push(`ceiling: receiver rejected ${cs.badSignature} signatures`);

  if (!(await routeExists("POST", "/api/events"))) {
    results.skipped.push("e2e.hookrelay: POST /api/events not mounted yet");
    results.scenarios.e2e = out;
    return;
  }
  const key = await newAccount("e2e");
  const own = Array.from({ length: c.webhooks }, (_, i) => `bench.e2e.${RUN}.${i}`);
  const all = `bench.e2e.${RUN}.all`;
  const { secrets } = await createWebhooks(key, "e", c.webhooks, (i) => [own[i], all]);
  await receiverCtl.reset(secrets);

  // Warm-up: a few events through every webhook (DOs created, keys imported, code paths hot).
  await load({ kind: "publish", url: `${base}/api/events`, headers: { "x-api-key": key }, rate: 0, count: 5, connections: 5, template: { idPrefix: `w_${RUN}_`, topics: [all] } });
  const warm = await waitDeliveries(5 * c.webhooks, 30_000);
  if (!warm.complete) results.harnessFailures.push(`e2e warm-up: only ${warm.summary.distinctOk}/${5 * c.webhooks} deliveries arrived in 30 s`);
  await receiverCtl.reset(secrets);

  // Fixed offered load, open loop.
  const count = c.rate * c.durationSec;
  const cpuF = cpuMeter();
  const pub = await load({
    kind: "publish", url: `${base}/api/events`, headers: { "x-api-key": key }, rate: c.rate, count, connections: 64,
    template: { idPrefix: `e_${RUN}_`, topics: own },
  }, 60_000);
  const acceptedAt = new Map();
  let firstSent = Infinity;
  for (const [n, sentAt, at, status] of pub.accepted) {
    firstSent = Math.min(firstSent, sentAt);
    if (status === 202 || status === 200) acceptedAt.set(`e_${RUN}_${n}`, at);
  }
  const expected = acceptedAt.size;
  const w = await waitDeliveries(expected, P.drainTimeoutMs, { stallMs: 30_000 });
  const arrivals = await receiverCtl.arrivals();
  const lat = joinLatencies(arrivals, acceptedAt, "e");
  // Latency by the second the event was accepted in: a steady line is noise, a ramp is a backlog.
  const perSecond = new Map();
  for (const [k, id, t] of arrivals) {
    const a = acceptedAt.get(id);
    if (!k.startsWith("e") || t === null || a === undefined) continue;
    const sec = Math.floor((a - firstSent) / 1000);
    if (!perSecond.has(sec)) perSecond.set(sec, []);
    perSecond.get(sec).push(t - a);
  }
  const latencyBySecond = [...perSecond].sort((x, y) => x[0] - y[0]).map(([sec, v]) => {
    const m = summarize(v);
    return [sec, m.n, m.p50, m.max];
  });
  const stages = await latencyStages(arrivals, `e_${RUN}_`);
  const lastArrival = Math.max(...arrivals.map((a) => a[2] ?? 0));
  out.fixed = {
    published: count, accepted: acceptedAt.size, publishStatuses: pub.statuses, publishErrors: pub.errors,
    publishLatencyMs: pub.latencyMs, expectedDeliveries: expected, delivered: w.summary.distinctOk,
    lost: expected - w.summary.distinctOk, duplicated: w.summary.duplicates, badSignature: w.summary.badSignature,
    deliveriesPerSec: round(w.summary.distinctOk / ((lastArrival - firstSent) / 1000)),
    latencyMs: summarize(lat), stagesMs: stages, latencyBySecond, cpu: cpuF(pub.loadGenCpuSec),
  };
  noteNoise("e2e fixed load", out.fixed.cpu);
  if (acceptedAt.size < count) results.errors.push(`e2e fixed load: ${count - acceptedAt.size} of ${count} publishes were refused or failed (${JSON.stringify(pub.statuses)}, ${pub.errors} network errors)`);
  log(`e2e fixed ${c.rate} ev/s over ${c.webhooks} webhooks: delivered ${out.fixed.delivered}/${expected}, dup ${out.fixed.duplicated}, p50 ${out.fixed.latencyMs.p50} p99 ${out.fixed.latencyMs.p99} ms`);

  // Saturation: a burst published as fast as the batch endpoint takes it; the delivery rate is the
  // engine's throughput (fan-out, DO, signing, fetch, call log), comparable with the ceiling.
  let burst = null;
  if (await routeExists("POST", "/api/events/batch")) {
    await receiverCtl.reset(secrets);
    const n = c.burstEvents;
    const stopProfile = await maybeProfile("e2e burst");
    const cpuB = cpuMeter();
    const bp = await load({
      kind: "publish", url: `${base}/api/events/batch`, headers: { "x-api-key": key }, rate: 0, count: n / 100, connections: 4,
      template: { idPrefix: `b_${RUN}_`, topics: [all], batch: 100 },
    });
    const bexp = n * c.webhooks;
    const bw = await waitDeliveries(bexp, P.drainTimeoutMs, { stallMs: 30_000 });
    const barr = (await receiverCtl.arrivals()).map((a) => a[2]).filter((t) => t !== null).sort((a, b) => a - b);
    const lo = barr[Math.floor(barr.length * 0.1)];
    const hi = barr[Math.floor(barr.length * 0.9)];
    const publishStart = Math.min(...bp.accepted.map((a) => a[1]));
    burst = {
      events: n, expectedDeliveries: bexp, delivered: bw.summary.distinctOk, lost: bexp - bw.summary.distinctOk,
      duplicated: bw.summary.duplicates, publishSpanMs: round(bp.sendSpanMs, 0),
      drainMs: round((barr.at(-1) ?? publishStart) - publishStart, 0),
      deliveriesPerSec: round((0.8 * barr.length) / ((hi - lo) / 1000)), cpu: cpuB(bp.loadGenCpuSec),
    };
    const prof = await stopProfile();
    if (prof) burst.profile = prof;
    burst.workerdCpuMsPerDelivery = round((burst.cpu.workerdCores * burst.cpu.seconds * 1000) / Math.max(1, bw.summary.distinctOk), 3);
    noteNoise("e2e burst", burst.cpu);
    out.burst = burst;
    log(`e2e burst ${n} events × ${c.webhooks}: ${burst.deliveriesPerSec} deliveries/s (10–90 %), drained in ${burst.drainMs} ms, lost ${burst.lost}, dup ${burst.duplicated}`);
  } else results.skipped.push("e2e.burst: POST /api/events/batch not mounted yet");

  const throughput = burst?.deliveriesPerSec ?? out.fixed.deliveriesPerSec;
  out.throughputVsCeiling = round(throughput / out.ceiling.deliveriesPerSec, 3);
  target("e2e_throughput_vs_ceiling", "delivery throughput ≥ 0.5 × fetch-only ceiling", out.throughputVsCeiling, ">=", 0.5, {
    measuredWith: burst ? "burst (saturation)" : "fixed load",
    evidence: {
      workerdCpuMsPerDelivery: burst?.workerdCpuMsPerDelivery ?? null, ceilingWorkerdCpuMsPerDelivery: out.ceiling.workerdCpuMsPerDelivery,
      workerdBusiestThreadCores: burst?.cpu.workerdBusiestThreadCores ?? null, externalCores: burst?.cpu.externalCores ?? null,
    },
  });
  target("e2e_p99_under_1s", `p99 publish-accepted→received < 1000 ms at ${c.rate} ev/s over ${c.webhooks} webhooks`, out.fixed.latencyMs.p99, "<", 1000, {
    evidence: { stagesP99Ms: { queue: out.fixed.stagesMs?.acceptedToFannedOut?.p99 ?? null, doAndFetch: out.fixed.stagesMs?.fannedOutToReceived?.p99 ?? null }, externalCores: out.fixed.cpu.externalCores },
  });
  const lost = out.fixed.lost + (burst?.lost ?? 0);
  const dup = out.fixed.duplicated + (burst?.duplicated ?? 0);
  target("e2e_lost_zero", "lost deliveries = 0", lost, "<=", 0, { hard: true });
  target("e2e_duplicated_zero", "duplicated deliveries = 0", dup, "<=", 0, { hard: true });
  if (out.fixed.badSignature) results.harnessFailures.push(`e2e: ${out.fixed.badSignature} deliveries failed signature verification`);
  results.scenarios.e2e = out;
}

// ── Scenario: fan-out ────────────────────────────────────────────────────────────────────────────
async function scenarioFanout() {
  if (!(await routeExists("POST", "/api/events"))) return void results.skipped.push("fanout: POST /api/events not mounted yet");
  const { small, large, rounds } = P.fanout;
  const key = await newAccount("fanout");
  const tSmall = `bench.fan.small.${RUN}`;
  const tLarge = `bench.fan.large.${RUN}`;
  const { secrets, createMs } = await createWebhooks(key, "f", large, (i) => (i < small ? [tSmall, tLarge] : [tLarge]));
  log(`fanout: created ${large} webhooks in ${round(createMs / 1000, 1)} s`);
  const out = { small, large, rounds, createWebhooksMs: round(createMs, 0), runs: { small: [], large: [] } };

  const one = async (topic, n, label) => {
    await receiverCtl.reset(secrets);
    const id = `fan_${label}_${RUN}_${Math.random().toString(36).slice(2, 8)}`;
    const t0 = now();
    const r = await http("POST", `${base}/api/events`, { body: { id, topic, payload: { fanout: n } }, headers: { "x-api-key": key } });
    const accepted = now();
    if (r.status !== 202 && r.status !== 200) throw new Error(`fanout publish → ${r.status} ${r.text}`);
    const w = await waitDeliveries(n, P.drainTimeoutMs, { stallMs: 30_000 });
    const arr = (await receiverCtl.arrivals()).map((a) => a[2]).filter((t) => t !== null).sort((a, b) => a - b);
    return {
      delivered: w.summary.distinctOk, lost: n - w.summary.distinctOk, duplicated: w.summary.duplicates,
      firstMs: round(arr[0] - accepted, 1), lastMs: round(arr.at(-1) - accepted, 1), publishMs: round(accepted - t0, 1),
    };
  };
  // Warm-up (not counted): every DO wakes once.
  await one(tLarge, large, "warm");
  for (let i = 0; i < rounds; i++) {
    out.runs.small.push(await one(tSmall, small, "s"));
    out.runs.large.push(await one(tLarge, large, "l"));
  }
  out.smallLastMs = median(out.runs.small.map((r) => r.lastMs));
  out.largeLastMs = median(out.runs.large.map((r) => r.lastMs));
  out.ratio = round(out.largeLastMs / out.smallLastMs, 2);
  out.lost = [...out.runs.small, ...out.runs.large].reduce((a, r) => a + r.lost, 0);
  out.duplicated = [...out.runs.small, ...out.runs.large].reduce((a, r) => a + r.duplicated, 0);
  log(`fanout: ${small} → last delivery ${out.smallLastMs} ms; ${large} → ${out.largeLastMs} ms; ratio ${out.ratio}`);
  target("fanout_cost_ratio", `time to last delivery, ${large} webhooks ≤ ${large / small * 1.2} × ${small} webhooks`, out.ratio, "<=", (large / small) * 1.2);
  target("fanout_lost_zero", "fan-out: lost = 0 and duplicated = 0", out.lost + out.duplicated, "<=", 0, { hard: true });
  results.scenarios.fanout = out;
}

// ── Scenario: recovery ───────────────────────────────────────────────────────────────────────────
async function scenarioRecovery() {
  if (!(await routeExists("POST", "/api/events"))) return void results.skipped.push("recovery: POST /api/events not mounted yet");
  const c = P.recovery;
  const key = await newAccount("recovery");
  const topic = `bench.recovery.${RUN}`;
  const { secrets } = await createWebhooks(key, "r", c.webhooks, () => [topic]);
  await receiverCtl.reset(secrets);
  const totalMs = c.leadMs + c.failMs + c.tailMs;
  const count = Math.round((c.rate * totalMs) / 1000);
  const publishing = load({
    kind: "publish", url: `${base}/api/events`, headers: { "x-api-key": key }, rate: c.rate, count, connections: 16,
    template: { idPrefix: `r_${RUN}_`, topics: [topic] },
  }, totalMs + 60_000);
  await sleep(c.leadMs);
  const f = await receiverCtl.fail(c.failMs);
  const recoveredAt = f.failUntil;
  const pub = await publishing;
  const acceptedAt = new Map(pub.accepted.filter((a) => a[3] === 202 || a[3] === 200).map(([n, , at]) => [`r_${RUN}_${n}`, at]));
  const expected = acceptedAt.size * c.webhooks;
  const w = await waitDeliveries(expected, P.drainTimeoutMs + c.failMs, { stallMs: 60_000 });
  const arrivals = await receiverCtl.arrivals();
  // The backlog: deliveries of events accepted before the receiver recovered.
  let drainedAt = recoveredAt;
  let backlog = 0;
  let retried = 0;
  for (const [, id, t, , attempts] of arrivals) {
    if (attempts > 1) retried += 1;
    const a = acceptedAt.get(id);
    if (a !== undefined && a < recoveredAt && t !== null) {
      backlog += 1;
      drainedAt = Math.max(drainedAt, t);
    }
  }
  const out = {
    webhooks: c.webhooks, offeredEventsPerSec: c.rate, failMs: c.failMs, retrySchedule: RETRY_SCHEDULE,
    published: count, publishStatuses: pub.statuses, publishErrors: pub.errors,
    accepted: acceptedAt.size, expectedDeliveries: expected, delivered: w.summary.distinctOk,
    lost: expected - w.summary.distinctOk, duplicated: w.summary.duplicates, failedOnPurpose: w.summary.failedOnPurpose,
    backlogDeliveries: backlog, deliveriesRetried: retried, drainAfterRecoveryMs: round(drainedAt - recoveredAt, 0),
  };
  log(`recovery: ${out.failedOnPurpose} answers failed on purpose; backlog of ${backlog} drained ${out.drainAfterRecoveryMs} ms after recovery; lost ${out.lost}, dup ${out.duplicated}`);
  if (out.failedOnPurpose === 0) results.harnessFailures.push("recovery: no delivery arrived during the failure window, so nothing was tested");
  target("recovery_lost_zero", "recovery: lost = 0 and duplicated = 0", out.lost + out.duplicated, "<=", 0, { hard: true });
  results.scenarios.recovery = out;
}

// ── Scenario: soak ───────────────────────────────────────────────────────────────────────────────
async function scenarioSoak() {
  if (!(await routeExists("POST", "/api/events/batch"))) return void results.skipped.push("soak: POST /api/events/batch not mounted yet");
  const c = P.soak;
  const key = await newAccount("soak");
  const topics = Array.from({ length: c.webhooks }, (_, i) => `bench.soak.${RUN}.${i}`);
  const { secrets } = await createWebhooks(key, "s", c.webhooks, (i) => [topics[i]]);
  await receiverCtl.reset(secrets);
  // Offered rate: the engine's measured burst throughput (one delivery per event here) keeps the
  // backlog bounded, so memory growth would be a leak, not a queue.
  const burstRate = results.scenarios.e2e?.burst?.deliveriesPerSec ?? c.maxRate;
  const rate = Math.max(100, Math.min(c.maxRate, Math.floor((burstRate * 0.6) / 100) * 100));
  const isolateBefore = (await api("POST", "/bench/stats/reset")).isolate;
  const watcher = d1Watcher(QUICK ? 1000 : 5000);
  const samples = [];
  const sample = () => samples.push([round(now() - T0, 0), rssKiB(workerdPid)]);
  sample();
  const sampler = setInterval(sample, QUICK ? 250 : 1000);
  const cpuS = cpuMeter();
  const t0 = now();
  const pub = await load({
    kind: "publish", url: `${base}/api/events/batch`, headers: { "x-api-key": key }, rate: rate / 100, count: c.events / 100, connections: 8,
    template: { idPrefix: `s_${RUN}_`, topics, batch: 100 },
  }, (c.events / rate) * 1000 + 120_000);
  const accepted = pub.accepted.filter((a) => a[3] === 202 || a[3] === 200).length * 100;
  const w = await waitDeliveries(accepted, P.drainTimeoutMs + (c.events / rate) * 1000, { stallMs: 60_000 });
  const t1 = now();
  clearInterval(sampler);
  sample();
  const d1 = await watcher.stop();
  if (d1.isolates.length > 1 || d1.isolates[0]?.id !== isolateBefore?.id) {
    results.errors.push(`soak: workerd replaced the Worker's isolate during the run (${d1.isolates.length} isolates seen${isolateBefore ? ", none of them the one before the run" : ""}); D1 counts are summed over isolates and miss what each counted after its last reading`);
  }
  const publishFailed = pub.requests - pub.accepted.filter((a) => a[3] === 202 || a[3] === 200).length;
  if (publishFailed) results.errors.push(`soak: ${publishFailed} of ${pub.requests} batch publishes were refused or failed (${JSON.stringify(pub.statuses)}, ${pub.errors} network errors); their events were never accepted`);
  const rss = samples.map((s) => s[1]).filter((v) => v !== null);
  const q = Math.max(1, Math.floor(rss.length / 4));
  const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
  const firstQ = mean(rss.slice(0, q));
  const lastQ = mean(rss.slice(-q));
  const out = {
    events: c.events, offeredEventsPerSec: rate, webhooks: c.webhooks, accepted, delivered: w.summary.distinctOk,
    lost: accepted - w.summary.distinctOk, duplicated: w.summary.duplicates, durationSec: round((t1 - t0) / 1000, 1),
    rssMiB: { first: round(rss[0] / 1024), firstQuarterMean: round(firstQ / 1024), lastQuarterMean: round(lastQ / 1024), max: round(Math.max(...rss) / 1024), samples: samples.length },
    rssLastVsFirstQuarter: round(lastQ / firstQ, 3), cpu: cpuS(pub.loadGenCpuSec),
    publishStatuses: pub.statuses, publishErrors: pub.errors, publishLatencyMs: pub.latencyMs,
    d1: { statements: d1.statements, roundTrips: d1.roundTrips, batches: d1.batches, bySql: d1.bySql, isolates: d1.isolates },
    d1StatementsPerDelivery: round(d1.statements / Math.max(1, w.summary.distinctOk), 3),
    d1RoundTripsPerDelivery: round(d1.roundTrips / Math.max(1, w.summary.distinctOk), 3),
    rssSeries: samples,
  };
  log(`soak: ${out.delivered}/${accepted} delivered in ${out.durationSec} s at ${rate} ev/s; RSS ${out.rssMiB.firstQuarterMean} → ${out.rssMiB.lastQuarterMean} MiB; D1 ${out.d1StatementsPerDelivery} statements/delivery`);
  if (d1.statements === 0) results.harnessFailures.push("soak: the D1 counter saw no statements — is benchEnv() wired in src/index.ts and the WebhookDO?");
  target("soak_memory_flat", "workerd RSS: last-quarter mean within 20 % of first-quarter mean", out.rssLastVsFirstQuarter, "<=", 1.2);
  target("soak_d1_per_delivery", "≤ 2 D1 statements per delivered event", out.d1StatementsPerDelivery, "<=", 2);
  target("soak_lost_zero", "soak: lost = 0 and duplicated = 0", out.lost + out.duplicated, "<=", 0, { hard: true });
  results.scenarios.soak = out;
}

// ── Table ────────────────────────────────────────────────────────────────────────────────────────
function table() {
  const s = results.scenarios;
  const rows = [];
  const row = (scenario, metric, value, baseline = "", ratio = "") => rows.push([scenario, metric, String(value ?? "—"), String(baseline ?? ""), String(ratio ?? "")]);
  if (s.ingest) {
    const i = s.ingest;
    row("ingest", `no-op route req/s (${i.connections} conns)`, i.noopRps, `before ${i.noopBefore.rps} / after ${i.noopAfter.rps}`);
    row("ingest", "no-op workerd CPU ms/req", i.noopBefore.workerdCpuMsPerRequest);
    for (const [name, r] of [["POST /api/events", i.single], ["POST /api/events/batch ×100", i.batch], ["POST /in (HMAC)", i.inbound]]) {
      if (!r) continue;
      row("ingest", `${name} req/s`, r.rps, i.noopRps, `${r.ratioToNoop} × no-op`);
      row("ingest", `${name} events/s · p50/p99 ms · workerd CPU ms/req`, `${r.eventsPerSec} · ${r.latencyMs.p50}/${r.latencyMs.p99} · ${r.workerdCpuMsPerRequest}`);
    }
    if (i.batchEventsVsSingle) row("ingest", "batch events/s vs single", i.batchEventsVsSingle, "", "× single");
    if (i.d1ReadProbe) row("ingest", "probe: no-op + 1 D1 read req/s · CPU ms/req", `${i.d1ReadProbe.rps} · ${i.d1ReadProbe.workerdCpuMsPerRequest}`, i.noopRps, `${round(i.d1ReadProbe.rps / i.noopRps, 3)} × no-op`);
    if (i.d1WriteProbe) row("ingest", "probe: no-op + 1 D1 write req/s · CPU ms/req", `${i.d1WriteProbe.rps} · ${i.d1WriteProbe.workerdCpuMsPerRequest}`, i.noopRps, `${round(i.d1WriteProbe.rps / i.noopRps, 3)} × no-op`);
  }
  if (s.e2e) {
    const e = s.e2e;
    row("e2e", `ceiling: fetch-only Worker deliveries/s · workerd CPU ms/delivery`, `${e.ceiling.deliveriesPerSec} · ${e.ceiling.workerdCpuMsPerDelivery}`, `${e.ceiling.connections} conns × ${e.webhooks} fetches`);
    if (e.fixed) {
      row("e2e", `fixed ${e.offeredEventsPerSec} ev/s over ${e.webhooks} webhooks, ${e.durationSec}s: deliveries/s`, e.fixed.deliveriesPerSec, `${e.offeredEventsPerSec} offered`);
      row("e2e", "accepted→received p50/p95/p99 ms", `${e.fixed.latencyMs.p50}/${e.fixed.latencyMs.p95}/${e.fixed.latencyMs.p99}`);
      const st = e.fixed.stagesMs;
      if (st?.acceptedToFannedOut) row("e2e", " ├ accepted→fanned out (queue) p50/p99 ms", `${st.acceptedToFannedOut.p50}/${st.acceptedToFannedOut.p99}`);
      if (st?.fannedOutToReceived) row("e2e", " └ fanned out→received (DO+fetch) p50/p99 ms", `${st.fannedOutToReceived.p50}/${st.fannedOutToReceived.p99}`);
      row("e2e", "lost / duplicated", `${e.fixed.lost} / ${e.fixed.duplicated}`);
    }
    if (e.burst) {
      row("e2e", `burst ${e.burst.events} events × ${e.webhooks} webhooks: deliveries/s (lost/dup)`, `${e.burst.deliveriesPerSec} (${e.burst.lost}/${e.burst.duplicated})`, e.ceiling.deliveriesPerSec, `${e.throughputVsCeiling} × ceiling`);
      row("e2e", "burst: workerd CPU ms/delivery · busiest thread", `${e.burst.workerdCpuMsPerDelivery} · ${e.burst.cpu.workerdBusiestThreadCores} cores`, e.ceiling.workerdCpuMsPerDelivery);
    }
  }
  if (s.fanout) {
    const f = s.fanout;
    row("fanout", `1 event → ${f.small} webhooks: last delivery ms`, f.smallLastMs);
    row("fanout", `1 event → ${f.large} webhooks: last delivery ms`, f.largeLastMs, f.smallLastMs, `${f.ratio} ×`);
  }
  if (s.recovery) {
    const r = s.recovery;
    row("recovery", `receiver down ${r.failMs / 1000}s: drain after recovery ms`, r.drainAfterRecoveryMs, `${r.backlogDeliveries} backlog deliveries`);
    row("recovery", "lost / duplicated", `${r.lost} / ${r.duplicated}`);
  }
  if (s.soak) {
    const k = s.soak;
    row("soak", `${k.events} events @ ${k.offeredEventsPerSec}/s: accepted · delivered (lost/dup)`, `${k.accepted} · ${k.delivered} (${k.lost}/${k.duplicated})`);
    row("soak", "workerd RSS MiB first¼ → last¼ (max)", `${k.rssMiB.firstQuarterMean} → ${k.rssMiB.lastQuarterMean} (${k.rssMiB.max})`, "", `${k.rssLastVsFirstQuarter} ×`);
    row("soak", "D1 statements / round trips per delivery", `${k.d1StatementsPerDelivery} / ${k.d1RoundTripsPerDelivery}`);
  }
  const head = ["scenario", "metric", "value", "baseline", "ratio"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r) => r.map((c, i) => c.padEnd(widths[i])).join(" │ ");
  const lines = [fmt(head), widths.map((w) => "─".repeat(w)).join("─┼─"), ...rows.map(fmt)];
  lines.push("", "targets:");
  for (const t of results.targets) lines.push(`  ${t.pass ? "PASS" : "FAIL"}  ${t.description}: ${t.value} (${t.op} ${t.threshold})`);
  for (const s2 of results.skipped) lines.push(`  SKIP  ${s2}`);
  for (const e of results.errors) lines.push(`  WARN  ${e}`);
  for (const e of results.harnessFailures) lines.push(`  ERROR ${e}`);
  return lines.join("\n");
}

// ── Main ─────────────────────────────────────────────────────────────────────────────────────────
const SCENARIOS = { ingest: scenarioIngest, e2e: scenarioE2E, fanout: scenarioFanout, recovery: scenarioRecovery, soak: scenarioSoak };

async function main() {
  log(`mode ${results.mode}; building with wrangler deploy --dry-run …`);
  const buildDir = await build();
  await Promise.all([startServer(buildDir), startReceiver()]);
  const health = await http("GET", `${base}/healthz`);
  if (health.status !== 200) throw new Error(`/healthz → ${health.status}`);
  results.version = health.json?.version ?? null;
  const noop = await http("POST", `${base}/bench/noop`, { body: {} });
  if (noop.status !== 202) throw new Error(`POST /bench/noop → ${noop.status}: mount src/api/bench.ts in src/app.ts (app.route("/bench", bench))`);
  // The D1 counter is wired into the fetch path: one read through the app counts one statement.
  await api("POST", "/bench/stats/reset");
  await http("POST", `${base}/bench/d1-read`, { body: {} });
  const probe = await d1Stats();
  if (probe.statements !== 1) results.errors.push(`D1 counter: a one-statement request counted ${probe.statements}; is benchEnv(env) passed to app.fetch in src/index.ts?`);

  for (const [name, fn] of Object.entries(SCENARIOS)) {
    if (ONLY && !ONLY.includes(name)) continue;
    const t = now();
    currentScenario = name;
    log(`── ${name}`);
    try {
      await fn();
    } catch (err) {
      results.harnessFailures.push(`${name}: ${err?.stack ?? err}`);
      log(`${name} failed: ${err?.stack ?? err}`);
    }
    log(`${name} took ${round((now() - t) / 1000, 1)} s`);
  }
  const logs = await rpc(server, { type: "logs" }, 10_000).catch(() => null);
  results.workerdLogLines = logs?.lines ?? null;
  results.workerdLogTail = logs?.tail?.slice(-20) ?? [];
}

let exitCode = 0;
try {
  await main();
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
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, JSON.stringify(results, null, 2) + "\n");
console.log(`\nhookrelay bench (${results.mode}, ${results.durationSec}s, ${results.machine.cpus} cpus, ${results.machine.cpuModel})\n`);
console.log(table());
console.log(`\nwrote ${OUT}${exitCode ? " — FAILED (harness error or lost/duplicated deliveries)" : ""}`);
if (results.harnessFailures.length && results.workerdLogTail?.length) console.log(`last workerd output:\n${results.workerdLogTail.join("\n")}`);
await rpc(server, { type: "stop" }, 10_000).catch(() => undefined);
clearTimeout(hardTimer);
killAll();
process.exit(exitCode);
