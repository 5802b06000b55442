// Child process: runs hookrelay (the bench bundle `wrangler deploy --dry-run` built from
// bench/worker/entry.ts: the production Worker plus counters and /bench routes) in workerd through
// Miniflare's API, with local D1 (migrations applied first), Queues and Durable Objects, request
// logging off. On demand it also runs the fetch-only ceiling Worker (bench/ceiling-worker.js) in a
// second workerd. Talks to the orchestrator over the IPC channel; dies with it.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions, unstable_splitSqlQuery } from "wrangler";

const cfg = JSON.parse(process.env.BENCH_SERVER_CONFIG ?? "{}");
const { root, buildDir, persistDir, vars } = cfg;

// The Worker's console output (workerd's structured logs): kept out of the terminal, the last lines
// kept for diagnosing a failure, all of them counted.
const tail = [];
let logLines = 0;
const echo = process.env.BENCH_WORKER_LOGS === "1";
function handleStructuredLogs({ level, message }) {
  if (echo) process.stderr.write(`[workerd ${level}] ${message}\n`);
  logLines += 1;
  tail.push(`${level}: ${String(message).slice(0, 2000)}`);
  if (tail.length > 200) tail.shift();
}

/** Miniflare's own warnings and errors (a runtime crash and restart is one), kept with the rest. */
class CaptureLog extends Log {
  constructor() {
    super(LogLevel.WARN);
  }
  log(message) {
    handleStructuredLogs({ level: "miniflare", message: String(message).replace(/\x1b\[[0-9;]*m/g, "") });
  }
  error(err) {
    this.log(String(err?.stack ?? err));
  }
}

/** What both workerd instances share: loopback on a free port, request logging off, logs captured. */
const quietLoopback = () => ({
  host: "127.0.0.1",
  port: 0,
  log: new CaptureLog(),
  logRequests: false,
  cf: false, // placeholder request.cf: Miniflare would otherwise try to download it
  handleStructuredLogs,
});

function childWorkerdPids() {
  const pids = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      if (ppid === process.pid && comm.startsWith("workerd")) pids.push(Number(name));
    } catch {
      /* process went away */
    }
  }
  return pids;
}

let hookrelay;
let ceiling;

async function startHookrelay() {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, "wrangler.toml"));
  // The bundle is one ES module: module rules do not apply (and Miniflare 5 refuses them with scriptPath).
  const { cronTriggers: _cron, rootPath: _root, modulesRules: _rules, ...options } = workerOptions;
  const before = new Set(childWorkerdPids());
  // Experiment knob (off by default): BENCH_QUEUE_BATCH_TIMEOUT overrides the consumer's
  // max_batch_timeout, to show how much of the end-to-end latency is the queue's batching window.
  if (cfg.queueBatchTimeout !== undefined) {
    for (const c of Object.values(options.queueConsumers ?? {})) c.maxBatchTimeout = cfg.queueBatchTimeout;
  }
  const mf = new Miniflare(convertV4MiniflareOptions({
    ...quietLoopback(),
    resourcePersistencePath: persistDir,
    // workerd crashed and Miniflare started a new one: tell the orchestrator (its figures are
    // compromised, and the pid it samples for RSS changed).
    unsafeHandleRuntimeRestart: () => {
      const known = new Set([hookrelay?.pid, ceiling?.pid]);
      const pid = childWorkerdPids().find((p) => !known.has(p)) ?? null;
      if (hookrelay) hookrelay.pid = pid;
      process.send({ type: "runtimeRestart", pid, at: Date.now() });
    },
    // BENCH_PROFILE=1: the inspector, for CPU profiles of the Worker (off otherwise: it costs).
    ...(cfg.inspectorPort ? { inspectorPort: cfg.inspectorPort, inspectorHost: "127.0.0.1" } : {}),
    workers: [
      {
        ...options,
        name: "hookrelay",
        modules: true,
        ...(cfg.inspectorPort ? { unsafeInspectorProxy: true } : {}),
        modulesRoot: buildDir,
        scriptPath: join(buildDir, cfg.script ?? "index.js"),
        bindings: { ...options.bindings, ...vars },
      },
    ],
  }));
  const url = await mf.ready;
  // Migrations, in order, on the fresh local database.
  const db = await mf.getD1Database("DB");
  const dir = join(root, "migrations");
  const files = readdirSync(dir).filter((f) => /^\d+.*\.sql$/.test(f)).sort();
  for (const f of files) {
    const statements = unstable_splitSqlQuery(readFileSync(join(dir, f), "utf8"));
    await db.batch(statements.map((s) => db.prepare(s)));
  }
  const pid = childWorkerdPids().find((p) => !before.has(p)) ?? null;
  hookrelay = { mf, db, url: url.toString().replace(/\/$/, ""), pid };
  // Durable Object binding → class (the storage scenario reports requests per class), and the
  // config's string vars (RETENTION_DAYS for the capacity table).
  const doClassOf = Object.fromEntries(Object.entries(options.durableObjects ?? {}).map(([b, d]) => [b, typeof d === "string" ? d : d.className]));
  const configVars = Object.fromEntries(Object.entries(options.bindings ?? {}).filter(([, v]) => typeof v === "string"));
  return { url: hookrelay.url, pid, migrations: files, doClassOf, vars: { ...configVars, ...vars } };
}

async function startCeiling({ receiverUrl, secret }) {
  const before = new Set(childWorkerdPids());
  const mf = new Miniflare(convertV4MiniflareOptions({
    ...quietLoopback(),
    name: "ceiling",
    modules: true,
    scriptPath: join(root, "bench", "ceiling-worker.js"),
    compatibilityDate: "2026-10-30",
    bindings: { RECEIVER_URL: receiverUrl, SECRET: secret },
  }));
  const url = await mf.ready;
  const pid = childWorkerdPids().find((p) => !before.has(p)) ?? null;
  ceiling = { mf, url: url.toString().replace(/\/$/, ""), pid };
  return { url: ceiling.url, pid };
}

const handlers = {
  start: () => startHookrelay(),
  startCeiling: (msg) => startCeiling(msg),
  stopCeiling: async () => {
    if (ceiling) await ceiling.mf.dispose();
    ceiling = undefined;
    return {};
  },
  logs: () => ({ lines: logLines, tail }),
  dumpLogs: ({ path }) => {
    writeFileSync(path, tail.join("\n"));
    return {};
  },
  stop: async () => {
    await Promise.allSettled([hookrelay?.mf.dispose(), ceiling?.mf.dispose()]);
    hookrelay = undefined;
    ceiling = undefined;
    return {};
  },
};

process.on("message", async (msg) => {
  const handler = handlers[msg.type];
  try {
    if (!handler) throw new Error(`unknown message ${msg.type}`);
    const result = await handler(msg);
    process.send({ id: msg.id, ok: true, result });
  } catch (err) {
    process.send({ id: msg.id, ok: false, error: String(err?.stack ?? err) });
  }
});

// The orchestrator went away: take workerd down with us.
process.on("disconnect", async () => {
  const timer = setTimeout(() => process.exit(1), 3000);
  timer.unref();
  await handlers.stop().catch(() => undefined);
  process.exit(0);
});
process.send({ type: "hello", pid: process.pid });
