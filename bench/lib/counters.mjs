// The bench Worker's counters (GET /bench/stats: D1 statements, queue messages, Durable Object
// calls and alarms, group-commit rounds), read once or followed through a run.

export async function benchStats(ctx) {
  return ctx.api("GET", "/bench/stats");
}

export async function d1Stats(ctx) {
  return (await benchStats(ctx)).d1;
}

const addInto = (into, from) => {
  for (const [k, v] of Object.entries(from ?? {})) {
    if (typeof v === "number") into[k] = (into[k] ?? 0) + v;
    else addInto((into[k] ??= {}), v);
  }
  return into;
};

/**
 * The D1 watcher: follows the isolate's counts through a run. workerd may replace the isolate (one
 * that outgrows its memory limit is condemned); the counts live in the isolate, so they are summed
 * per isolate id, each at its last reading (what a dying isolate counted after that reading is
 * missed). stop() → the D1 sums (statements, roundTrips, batches, bySql), `isolates`, and the
 * queue / Durable Object counts summed the same way (`bindings`).
 */
export function d1Watcher(ctx, everyMs) {
  const last = new Map(); // isolate id → /bench/stats reading
  let polling = Promise.resolve();
  const poll = () =>
    (polling = benchStats(ctx)
      .then((r) => void last.set(r.isolate?.id ?? "unknown", r))
      .catch(() => undefined));
  const timer = setInterval(poll, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await polling;
      await poll();
      const sum = { statements: 0, roundTrips: 0, batches: 0, bySql: {} };
      const bindings = { queues: {}, durableObjects: {}, alarms: {} };
      for (const r of last.values()) {
        const { d1 } = r;
        sum.statements += d1.statements;
        sum.roundTrips += d1.roundTrips;
        sum.batches += d1.batches;
        for (const [k, v] of Object.entries(d1.bySql)) sum.bySql[k] = (sum.bySql[k] ?? 0) + v;
        addInto(bindings.queues, r.queues);
        addInto(bindings.durableObjects, r.durableObjects);
        addInto(bindings.alarms, r.alarms);
      }
      return { ...sum, isolates: [...last.values()].map((r) => r.isolate), bindings };
    },
  };
}
