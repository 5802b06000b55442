// The run's settings: CLI options (--quick, --only=, --out=) and the BENCH_* knobs, read once by
// run.mjs and handed to everything else in the context. Pure: no side effects.
import os from "node:os";
import { join } from "node:path";

// In run order. storage and channels come last: storage measures growth on a quiet system, and
// channels leaves thousands of webhook objects that every later storage snapshot would open.
export const SCENARIO_NAMES = ["ingest", "e2e", "fanout", "recovery", "soak", "storage", "channels"];

/** Per-scenario sizes for the quick (CI) and the full run. */
function profile(quick) {
  return quick
    ? {
        // A guard against a hang, not the budget: on 2 cores the quick run takes 75-85 s with other processes using a core or so;
        // with six agents sharing the machine (load 8 on 2 cores) it has taken 140-160 s.
        hardTimeoutSec: 240,
        ingest: { connections: 32, durationSec: 1.5, probes: false },
        e2e: { webhooks: 20, rate: 200, durationSec: 3, ceilingSec: 2, ceilingConnections: 8, burstEvents: 100 },
        fanout: { small: 10, large: 100, rounds: 1 },
        channels: { webhooks: 500, rounds: 2, createConcurrency: 16, createBudgetSec: 30 },
        recovery: { webhooks: 5, rate: 50, failMs: 3000, leadMs: 1000, tailMs: 1000 },
        soak: { events: 2000, webhooks: 10, maxRate: 1000 },
        storage: { events: 300, webhooks: 3, capacityDeliveriesPerEvent: [1, 3] },
        drainTimeoutMs: 20_000,
      }
    : {
        hardTimeoutSec: 3600,
        ingest: { connections: 32, durationSec: 10, probes: true },
        e2e: { webhooks: 20, rate: 200, durationSec: 30, ceilingSec: 10, ceilingConnections: 8, burstEvents: 1000 },
        fanout: { small: 100, large: 1000, rounds: 3 },
        channels: { webhooks: 10_000, rounds: 5, createConcurrency: 16, createBudgetSec: 300 },
        recovery: { webhooks: 5, rate: 50, failMs: 10_000, leadMs: 2000, tailMs: 5000 },
        soak: { events: 100_000, webhooks: 10, maxRate: 1000 },
        storage: { events: 10_000, webhooks: 5, capacityDeliveriesPerEvent: [1, 3] },
        drainTimeoutMs: 180_000,
      };
}

export function parseOptions(argv, env, benchDir) {
  const opt = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
  const quick = argv.includes("--quick");
  const P = profile(quick);
  // Experiment knob: BENCH_INGEST_SEC sets the length of each ingest load run (e.g. a longer --quick).
  if (env.BENCH_INGEST_SEC) P.ingest.durationSec = Number(env.BENCH_INGEST_SEC);
  const profiling = env.BENCH_PROFILE === "1";
  if (profiling) P.hardTimeoutSec *= 4; // fetching profiles takes a while
  const only = opt("only")?.split(",") ?? null;
  const unknown = (only ?? []).filter((n) => !SCENARIO_NAMES.includes(n));
  if (unknown.length) throw new Error(`--only: unknown scenario(s) ${unknown.join(", ")}; known: ${SCENARIO_NAMES.join(", ")}`);
  return {
    quick,
    only,
    out: opt("out") ?? join(benchDir, "results", quick ? "quick.json" : "latest.json"),
    P,
    // A short retry schedule on every bench webhook (the default's first step is 5 s, then 5 min):
    // the recovery scenario measures draining, not waiting out a production backoff.
    retrySchedule: [1, 1, 2, 2, 5, 5, 10, 30],
    // BENCH_ORDERING=parallel: bench webhooks get delivery.ordering "parallel" (default: the
    // product's default, "ordered", one request in flight per webhook).
    ordering: env.BENCH_ORDERING ?? null,
    profiling,
    // BENCH_STATE_DIR=/dev/shm puts the local D1/DO/queue state on tmpfs (no fsync cost), to show how
    // much of a figure is the disk; the default is the OS temp dir, as `wrangler dev` would use a disk.
    stateDir: env.BENCH_STATE_DIR ?? os.tmpdir(),
    // BENCH_QUEUE_BATCH_TIMEOUT overrides the consumer's max_batch_timeout (seconds).
    queueBatchTimeout: env.BENCH_QUEUE_BATCH_TIMEOUT === undefined ? undefined : Number(env.BENCH_QUEUE_BATCH_TIMEOUT),
    workerLogs: env.BENCH_WORKER_LOGS === "1",
  };
}
