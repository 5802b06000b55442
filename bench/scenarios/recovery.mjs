// Scenario recovery: 5 webhooks at 50 events/s; after a lead the receiver answers 503 to everything
// for a while, publishing goes on a little after. Drain time = last arrival of an event accepted
// before recovery − the recovery instant; nothing may be lost or duplicated.
import { round, sleep } from "../lib/stats.mjs";
import { waitDeliveries } from "../lib/waits.mjs";
import { createWebhooks, newAccount } from "../lib/webhooks.mjs";

export async function recovery(ctx) {
  const { P, results, base, run, receiver, log } = ctx;
  if (!(await ctx.routeExists("POST", "/api/events"))) return void results.skipped.push("recovery: POST /api/events not mounted yet");
  const c = P.recovery;
  const { key } = await newAccount(ctx, "recovery");
  const topic = `bench.recovery.${run}`;
  const { secrets } = await createWebhooks(ctx, key, "r", c.webhooks, () => [topic]);
  await receiver.reset(secrets);
  const totalMs = c.leadMs + c.failMs + c.tailMs;
  const count = Math.round((c.rate * totalMs) / 1000);
  const publishing = ctx.load({
    kind: "publish", url: `${base}/api/events`, headers: { "x-api-key": key }, rate: c.rate, count, connections: 16,
    template: { idPrefix: `r_${run}_`, topics: [topic] },
  }, totalMs + 60_000);
  await sleep(c.leadMs);
  const f = await receiver.fail(c.failMs);
  const recoveredAt = f.failUntil;
  const pub = await publishing;
  const acceptedAt = new Map(pub.accepted.filter((a) => a[3] === 202 || a[3] === 200).map(([n, , at]) => [`r_${run}_${n}`, at]));
  const expected = acceptedAt.size * c.webhooks;
  const w = await waitDeliveries(ctx, expected, P.drainTimeoutMs + c.failMs, { stallMs: 60_000 });
  const arrivals = await receiver.arrivals();
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
    webhooks: c.webhooks, offeredEventsPerSec: c.rate, failMs: c.failMs, retrySchedule: ctx.options.retrySchedule,
    published: count, publishStatuses: pub.statuses, publishErrors: pub.errors,
    accepted: acceptedAt.size, expectedDeliveries: expected, delivered: w.summary.distinctOk,
    lost: expected - w.summary.distinctOk, duplicated: w.summary.duplicates, failedOnPurpose: w.summary.failedOnPurpose,
    backlogDeliveries: backlog, deliveriesRetried: retried, drainAfterRecoveryMs: round(drainedAt - recoveredAt, 0),
  };
  log(`recovery: ${out.failedOnPurpose} answers failed on purpose; backlog of ${backlog} drained ${out.drainAfterRecoveryMs} ms after recovery; lost ${out.lost}, dup ${out.duplicated}`);
  if (out.failedOnPurpose === 0) results.harnessFailures.push("recovery: no delivery arrived during the failure window, so nothing was tested");
  ctx.target("recovery_lost_zero", "recovery: lost = 0 and duplicated = 0", out.lost + out.duplicated, "<=", 0, { hard: true });
  results.scenarios.recovery = out;
}
