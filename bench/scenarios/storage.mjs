// Scenario storage (issue 10 item 8): what each accepted event and each delivery leaves in D1 and
// in each Durable Object class, measured from the persisted SQLite files (lib/storage-files.mjs),
// with the D1 statements, queue messages and object requests the bench Worker counted; then the
// capacity table (lib/capacity.mjs) for RETENTION_DAYS.
//   phase "accept":  E events to a topic nobody subscribes to → bytes and counts per accepted event
//   phase "deliver": E events to a topic k webhooks subscribe to → per delivery, after taking off
//                    E × the per-event figures
import { capacityTable, formatRate } from "../lib/capacity.mjs";
import { benchStats } from "../lib/counters.mjs";
import { waitQueueIdle } from "../lib/probes.mjs";
import { storageGrowth, storageSnapshot } from "../lib/storage-files.mjs";
import { now, round, sleep } from "../lib/stats.mjs";
import { waitDeliveries } from "../lib/waits.mjs";
import { createWebhooks, newAccount } from "../lib/webhooks.mjs";

/** Seed 000's `message.received` payload: the event issue 10 measured D1 growth with. */
export const SEED_PAYLOAD = {
  aiContactId: "38f37371-aa05-477a-b6c1-d161417@ed8d",
  data: {
    fromNumber: "56998389641", message: "Ok", messageId: "0f475695-ec1b-4ca8-b03d-a1c8d066b999", messageType: "text",
    name: "Waita", stageId: "3abb9d28-141c-45ab-87f8-52919caf63a7", toNumber: "56961210530",
  },
  type: "message.received",
};

/** Snapshots until two in a row agree (outboxes flushed, alarms done), at most `maxMs`. */
async function settledSnapshot(persistDir, maxMs = 10_000) {
  const t = now();
  let prev = await storageSnapshot(persistDir);
  for (;;) {
    await sleep(500);
    const next = await storageSnapshot(persistDir);
    const total = (s) => s.d1.bytes + Object.values(s.durableObjects).reduce((a, o) => a + o.bytes, 0);
    if (total(next) === total(prev) || now() - t > maxMs) return next;
    prev = next;
  }
}

/** Counter differences over a phase, in the shape the capacity table wants. */
function counted(stats, doClassOf) {
  const queueMessages = Object.values(stats.queues ?? {}).reduce((a, q) => a + q.messages, 0);
  const requests = {};
  for (const [binding, c] of Object.entries(stats.durableObjects ?? {})) {
    const cls = doClassOf[binding] ?? binding;
    requests[cls] = (requests[cls] ?? 0) + c.calls;
  }
  for (const [cls, n] of Object.entries(stats.alarms ?? {})) requests[cls] = (requests[cls] ?? 0) + n;
  return { d1Statements: stats.d1.statements, d1RoundTrips: stats.d1.roundTrips, queueMessages, requests, queues: stats.queues, durableObjects: stats.durableObjects, alarms: stats.alarms };
}

async function phase(ctx, { name, key, accountId, topic, events, deliveries, secrets, before }) {
  const { base, run, P, receiver } = ctx;
  await receiver.reset(secrets);
  await ctx.api("POST", "/bench/stats/reset");
  const t0 = now();
  const pub = await ctx.load({
    kind: "publish", url: `${base}/api/events/batch`, headers: { "x-api-key": key }, rate: 0, count: events / 100, connections: 2,
    template: { idPrefix: `st_${name}_${run}_`, topics: [topic], batch: 100, payload: SEED_PAYLOAD },
  });
  const accepted = pub.accepted.filter((a) => a[3] === 202 || a[3] === 200).length * 100;
  const acceptSec = pub.sendSpanMs / 1000;
  const w = deliveries ? await waitDeliveries(ctx, accepted * deliveries, P.drainTimeoutMs, { stallMs: 30_000 }) : null;
  const deliverSec = (now() - t0) / 1000;
  await waitQueueIdle(ctx, { accountId, sinceMs: t0 - 1000 }, P.drainTimeoutMs);
  const after = await settledSnapshot(ctx.persistDir);
  const stats = await benchStats(ctx);
  return {
    after,
    events, accepted, deliveriesExpected: accepted * deliveries, delivered: w?.summary.distinctOk ?? 0,
    lost: w ? accepted * deliveries - w.summary.distinctOk : 0, duplicated: w?.summary.duplicates ?? 0,
    acceptedPerSec: round(accepted / acceptSec), deliveriesPerSec: deliveries ? round((w?.summary.distinctOk ?? 0) / deliverSec) : null,
    growth: storageGrowth(before, after), counts: counted(stats, ctx.doClassOf),
  };
}

export async function storage(ctx) {
  const { P, results, run, log } = ctx;
  if (!(await ctx.routeExists("POST", "/api/events/batch"))) return void results.skipped.push("storage: POST /api/events/batch not mounted yet");
  const c = P.storage;
  const { key, accountId } = await newAccount(ctx, "storage");
  const tNone = `bench.storage.none.${run}`;
  const tAll = `bench.storage.all.${run}`;
  const { secrets } = await createWebhooks(ctx, key, "st", c.webhooks, () => [tAll]);
  // Warm-up: every webhook's object exists (its schema and config are per webhook, not per delivery).
  await ctx.receiver.reset(secrets);
  await ctx.api("POST", "/api/events", { topic: tAll, payload: SEED_PAYLOAD }, key);
  await waitDeliveries(ctx, c.webhooks, 30_000);

  await waitQueueIdle(ctx, { accountId }, P.drainTimeoutMs);
  const { after: afterA, ...A } = await phase(ctx, { name: "accept", key, accountId, topic: tNone, events: c.events, deliveries: 0, secrets, before: await settledSnapshot(ctx.persistDir) });
  const { after: _afterB, ...B } = await phase(ctx, { name: "deliver", key, accountId, topic: tAll, events: c.events, deliveries: c.webhooks, secrets, before: afterA });
  const perEvent = (v) => v / Math.max(1, A.accepted);
  // Deliveries' share: phase B less what its events cost as events (phase A's per-event figure).
  const perDelivery = (vB, vA) => (vB - B.accepted * perEvent(vA)) / Math.max(1, B.delivered);

  // What one object of each class holds: the day partitions hold one UTC day of one account (one
  // shard); a webhook's object holds a day of call rows and 7 days of finished deliveries' keys.
  const OBJECT_SHAPE = {
    EventStore: { scope: "one account's day, one shard", holdsDays: 1, unit: "event" },
    CallLog: { scope: "one account's day, one shard", holdsDays: 1, unit: "delivery" },
    WebhookDO: { scope: "one webhook", holdsDays: 7, unit: "delivery" },
  };
  const classes = new Set([...Object.keys(A.growth.durableObjects), ...Object.keys(B.growth.durableObjects), ...Object.keys(A.counts.requests), ...Object.keys(B.counts.requests)]);
  const objects = {};
  for (const cls of classes) {
    const bA = A.growth.durableObjects[cls]?.bytes ?? 0;
    const bB = B.growth.durableObjects[cls]?.bytes ?? 0;
    const rA = A.counts.requests[cls] ?? 0;
    const rB = B.counts.requests[cls] ?? 0;
    if (!bA && !bB && !rA && !rB) continue;
    objects[cls] = {
      bytesPerEvent: round(perEvent(bA), 1), bytesPerDelivery: round(perDelivery(bB, bA), 1),
      requestsPerEvent: round(perEvent(rA), 3), requestsPerDelivery: round(perDelivery(rB, rA), 3),
      objectsChanged: { accept: A.growth.durableObjects[cls]?.objectsChanged ?? 0, deliver: B.growth.durableObjects[cls]?.objectsChanged ?? 0 },
      ...OBJECT_SHAPE[cls] ?? { scope: "one object" },
    };
  }
  const out = {
    events: c.events, webhooks: c.webhooks, payloadBytes: JSON.stringify(SEED_PAYLOAD).length, method: B.growth.method,
    accept: A, deliver: B,
    d1: {
      bytesPerEvent: round(perEvent(A.growth.d1.bytes), 1), bytesPerDelivery: round(perDelivery(B.growth.d1.bytes, A.growth.d1.bytes), 1),
      statementsPerEvent: round(perEvent(A.counts.d1Statements), 3), statementsPerDelivery: round(perDelivery(B.counts.d1Statements, A.counts.d1Statements), 3),
      // Amortized over the deliver phase: everything it wrote to D1, per delivered event.
      statementsPerDeliveredEvent: round(B.counts.d1Statements / Math.max(1, B.delivered), 3),
      bytesPerDeliveredEvent: round(B.growth.d1.bytes / Math.max(1, B.delivered), 1),
    },
    queue: {
      messagesPerEvent: round(perEvent(A.counts.queueMessages), 3),
      messagesPerDelivery: round(perDelivery(B.counts.queueMessages, A.counts.queueMessages), 3),
    },
    objects,
  };
  const retentionDays = Number(ctx.vars.RETENTION_DAYS ?? 30);
  out.capacity = capacityTable({
    retentionDays, deliveriesPerEvent: c.capacityDeliveriesPerEvent,
    d1: out.d1, queue: out.queue, objects,
  });
  log(`storage (${out.method}): D1 ${out.d1.bytesPerEvent} B/event, ${out.d1.bytesPerDelivery} B/delivery; ${Object.entries(objects).map(([k, o]) => `${k} ${o.bytesPerEvent} B/event, ${o.bytesPerDelivery} B/delivery`).join("; ")}; deployment ${out.capacity.deployment.map((d) => `${formatRate(d.eventsPerSec ?? Infinity)} events/s at ${d.deliveriesPerEvent} delivery/event (${d.limitedBy})`).join(", ")}`);
  if (B.lost || B.duplicated) results.errors.push(`storage: ${B.lost} lost, ${B.duplicated} duplicated deliveries`);
  if (A.accepted < c.events || B.accepted < c.events) results.errors.push(`storage: only ${A.accepted} / ${B.accepted} of ${c.events} events accepted per phase`);
  ctx.target("storage_lost_zero", "storage: lost = 0 and duplicated = 0", B.lost + B.duplicated, "<=", 0, { hard: true });
  ctx.target("storage_d1_bytes_per_event", "D1 bytes per accepted event on the hot path = 0 (issue 10)", out.d1.bytesPerEvent, "<=", 0);
  ctx.target("storage_d1_statements_per_delivery", "D1 statements per delivered event = 0 on the hot path (issue 10)", out.d1.statementsPerDeliveredEvent, "<=", 0);
  results.scenarios.storage = out;
}
