// The harness side of the bench Worker's storage probes (bench/worker/probes.ts): where accepted
// events stand, asked over HTTP, so the harness never reads a storage table itself.
import { round, sleep, summarize, now } from "./stats.mjs";

const query = (scope = {}, extra = {}) => {
  const q = new URLSearchParams();
  if (scope.accountId) q.set("account", scope.accountId);
  if (scope.sinceMs) q.set("since", String(Math.floor(scope.sinceMs)));
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return q.toString();
};

/** How many accepted events (of the scope's account, since its start) are not fanned out yet; null when the probe failed. */
export async function unfannedCount(ctx, scope) {
  try {
    return (await ctx.api("GET", `/bench/unfanned?${query(scope)}`)).count;
  } catch (err) {
    probeFailed(ctx, "GET /bench/unfanned", err);
    return null;
  }
}

/** Once per run: a failing probe means probes.ts no longer matches where events are stored. */
function probeFailed(ctx, what, err) {
  const msg = `${what} failed (${String(err).slice(0, 200)}): does bench/worker/probes.ts read where events are stored now? Runs were not kept apart, and the latency split is missing`;
  if (!ctx.results.errors.some((e) => e.startsWith(`${what} failed`))) ctx.results.errors.push(msg);
}

/**
 * Wait until the queue consumer has fanned out everything accepted (so runs do not overlap). Gives
 * up when the count stops moving for `stallMs` (no consumer, or one that does not stamp the event).
 */
export async function waitQueueIdle(ctx, scope, timeoutMs, stallMs = 5000) {
  const t = now();
  let last = null;
  let lastChange = now();
  for (;;) {
    const n = await unfannedCount(ctx, scope);
    if (n === 0 || n === null) return { idle: n === 0, waitedMs: round(now() - t, 0) };
    if (n !== last) {
      last = n;
      lastChange = now();
    }
    if (now() - t > timeoutMs || now() - lastChange > stallMs) {
      ctx.results.errors.push(`queue did not drain: ${n} accepted events still not fanned out after ${round((now() - t) / 1000, 1)} s`);
      return { idle: false, waitedMs: round(now() - t, 0), left: n };
    }
    await sleep(250);
  }
}

/**
 * Where the time goes: accepted (stored) → fanned out (the queue consumer finished handing the
 * event to the webhooks' objects) → arrival at the receiver, for the events whose id starts with
 * `idPrefix`. `arrivals`: the receiver's [key, id, firstOkAt, …] rows.
 */
export async function latencyStages(ctx, scope, arrivals, idPrefix) {
  try {
    const { data } = await ctx.api("GET", `/bench/event-times?${query(scope, { prefix: idPrefix })}`);
    const byId = new Map(data.map((r) => [r.id, r]));
    const queue = [];
    const deliver = [];
    for (const [, id, t] of arrivals) {
      const r = byId.get(id);
      if (!r || r.fannedOutAt === null || t === null) continue;
      queue.push(r.fannedOutAt - r.createdAt);
      deliver.push(t - r.fannedOutAt);
    }
    return { acceptedToFannedOut: summarize(queue), fannedOutToReceived: summarize(deliver) };
  } catch (err) {
    probeFailed(ctx, "GET /bench/event-times", err);
    return { error: String(err) };
  }
}
