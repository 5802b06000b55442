// Scenario e2e: 20 webhooks, webhook i on its own topic and on a shared one. The ceiling (a Worker
// that only signs and fetches), a fixed open-loop load (200 events/s, one delivery each) with
// accepted → received latency and its split, and a burst to the shared topic (the engine's
// throughput against the ceiling).
import { latencyStages } from "../lib/probes.mjs";
import { round, summarize } from "../lib/stats.mjs";
import { waitDeliveries } from "../lib/waits.mjs";
import { createWebhooks, newAccount, whSecret } from "../lib/webhooks.mjs";

function joinLatencies(arrivals, acceptedAt, keyPrefix) {
  const lat = [];
  for (const [k, id, t] of arrivals) {
    if (!k.startsWith(keyPrefix) || t === null) continue;
    const a = acceptedAt.get(id);
    if (a !== undefined) lat.push(t - a);
  }
  return lat;
}

async function ceiling(ctx, c) {
  const { receiver, run, log, results } = ctx;
  const ceilSecret = whSecret();
  const secrets = Object.fromEntries(Array.from({ length: c.webhooks }, (_, i) => [`c${i}`, ceilSecret]));
  await receiver.reset(secrets);
  const ceil = await ctx.startCeiling(ceilSecret);
  const pool = Array.from({ length: 5000 }, (_, i) => ({ body: JSON.stringify({ id: `ceil_${i}`, topic: "bench.ceiling", payload: { n: i } }), headers: { "x-event-id": `ceil_${run}_${i}` } }));
  await ctx.load({ kind: "cannon", url: `${ceil.url}/?n=${c.webhooks}`, connections: c.ceilingConnections, durationSec: 1, pool }); // warm-up
  await receiver.reset(secrets);
  const cpuC = ctx.cpuMeter({ workerd: ceil.pid });
  const r = await ctx.load({ kind: "cannon", url: `${ceil.url}/?n=${c.webhooks}`, connections: c.ceilingConnections, durationSec: c.ceilingSec, pool });
  const cs = await receiver.summary();
  const ceilCpu = cpuC(r.loadGenCpuSec);
  await ctx.stopCeiling();
  const out = {
    connections: c.ceilingConnections, requestsPerSec: round(r.rps), deliveriesPerSec: round(cs.ok / r.durationSec),
    requestLatencyMs: r.latencyMs, badSignature: cs.badSignature, non2xx: r.non2xx, cpu: ceilCpu,
  };
  out.workerdCpuMsPerDelivery = round((ceilCpu.workerdCores * ceilCpu.seconds * 1000) / Math.max(1, cs.ok), 3);
  ctx.noteNoise("e2e ceiling", out.cpu);
  log(`e2e ceiling (fetch-only Worker, ${c.webhooks} fetches/request): ${out.deliveriesPerSec} deliveries/s`);
  if (cs.badSignature) results.harnessFailures.push(`ceiling: receiver rejected ${cs.badSignature} signatures`);
  return out;
}

async function fixedLoad(ctx, c, { key, scope, own, secrets }) {
  const { base, run, receiver, results, log, P } = ctx;
  await receiver.reset(secrets);
  const count = c.rate * c.durationSec;
  const cpuF = ctx.cpuMeter();
  const pub = await ctx.load({
    kind: "publish", url: `${base}/api/events`, headers: { "x-api-key": key }, rate: c.rate, count, connections: 64,
    template: { idPrefix: `e_${run}_`, topics: own },
  }, 60_000);
  const acceptedAt = new Map();
  let firstSent = Infinity;
  for (const [n, sentAt, at, status] of pub.accepted) {
    firstSent = Math.min(firstSent, sentAt);
    if (status === 202 || status === 200) acceptedAt.set(`e_${run}_${n}`, at);
  }
  const expected = acceptedAt.size;
  const w = await waitDeliveries(ctx, expected, P.drainTimeoutMs, { stallMs: 30_000 });
  const arrivals = await receiver.arrivals();
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
  const stages = await latencyStages(ctx, scope, arrivals, `e_${run}_`);
  const lastArrival = Math.max(...arrivals.map((a) => a[2] ?? 0));
  const out = {
    published: count, accepted: acceptedAt.size, publishStatuses: pub.statuses, publishErrors: pub.errors,
    publishLatencyMs: pub.latencyMs, expectedDeliveries: expected, delivered: w.summary.distinctOk,
    lost: expected - w.summary.distinctOk, duplicated: w.summary.duplicates, badSignature: w.summary.badSignature,
    deliveriesPerSec: round(w.summary.distinctOk / ((lastArrival - firstSent) / 1000)),
    latencyMs: summarize(lat), stagesMs: stages, latencyBySecond, cpu: cpuF(pub.loadGenCpuSec),
  };
  ctx.noteNoise("e2e fixed load", out.cpu);
  if (acceptedAt.size < count) results.errors.push(`e2e fixed load: ${count - acceptedAt.size} of ${count} publishes were refused or failed (${JSON.stringify(pub.statuses)}, ${pub.errors} network errors)`);
  log(`e2e fixed ${c.rate} ev/s over ${c.webhooks} webhooks: delivered ${out.delivered}/${expected}, dup ${out.duplicated}, p50 ${out.latencyMs.p50} p99 ${out.latencyMs.p99} ms`);
  return out;
}

/** A burst published as fast as the batch endpoint takes it: the delivery rate is the engine's throughput. */
async function burst(ctx, c, { key, all, secrets }) {
  const { base, run, receiver, log, P } = ctx;
  await receiver.reset(secrets);
  const n = c.burstEvents;
  const stopProfile = await ctx.maybeProfile("e2e burst");
  const cpuB = ctx.cpuMeter();
  const bp = await ctx.load({
    kind: "publish", url: `${base}/api/events/batch`, headers: { "x-api-key": key }, rate: 0, count: n / 100, connections: 4,
    template: { idPrefix: `b_${run}_`, topics: [all], batch: 100 },
  });
  const bexp = n * c.webhooks;
  const bw = await waitDeliveries(ctx, bexp, P.drainTimeoutMs, { stallMs: 30_000 });
  const barr = (await receiver.arrivals()).map((a) => a[2]).filter((t) => t !== null).sort((a, b) => a - b);
  const lo = barr[Math.floor(barr.length * 0.1)];
  const hi = barr[Math.floor(barr.length * 0.9)];
  const publishStart = Math.min(...bp.accepted.map((a) => a[1]));
  const out = {
    events: n, expectedDeliveries: bexp, delivered: bw.summary.distinctOk, lost: bexp - bw.summary.distinctOk,
    duplicated: bw.summary.duplicates, publishSpanMs: round(bp.sendSpanMs, 0),
    drainMs: round((barr.at(-1) ?? publishStart) - publishStart, 0),
    deliveriesPerSec: round((0.8 * barr.length) / ((hi - lo) / 1000)), cpu: cpuB(bp.loadGenCpuSec),
  };
  const prof = await stopProfile();
  if (prof) out.profile = prof;
  out.workerdCpuMsPerDelivery = round((out.cpu.workerdCores * out.cpu.seconds * 1000) / Math.max(1, bw.summary.distinctOk), 3);
  ctx.noteNoise("e2e burst", out.cpu);
  log(`e2e burst ${n} events × ${c.webhooks}: ${out.deliveriesPerSec} deliveries/s (10–90 %), drained in ${out.drainMs} ms, lost ${out.lost}, dup ${out.duplicated}`);
  return out;
}

export async function e2e(ctx) {
  const { P, results, base, run, receiver } = ctx;
  const c = P.e2e;
  // Topology: webhook i subscribes to its own topic (….i) and to a shared one (….all). The fixed
  // load spreads events round-robin over the 20 own topics (one delivery per event, every endpoint
  // busy); the burst and the ceiling send each event to all 20 (20 signed fetches per event).
  const out = { webhooks: c.webhooks, offeredEventsPerSec: c.rate, durationSec: c.durationSec, fixedDeliveriesPerEvent: 1, burstDeliveriesPerEvent: c.webhooks };
  out.ceiling = await ceiling(ctx, c);

  if (!(await ctx.routeExists("POST", "/api/events"))) {
    results.skipped.push("e2e.hookrelay: POST /api/events not mounted yet");
    results.scenarios.e2e = out;
    return;
  }
  const { key, accountId } = await newAccount(ctx, "e2e");
  const own = Array.from({ length: c.webhooks }, (_, i) => `bench.e2e.${run}.${i}`);
  const all = `bench.e2e.${run}.all`;
  const { secrets } = await createWebhooks(ctx, key, "e", c.webhooks, (i) => [own[i], all]);
  await receiver.reset(secrets);

  // Warm-up: a few events through every webhook (DOs created, keys imported, code paths hot).
  await ctx.load({ kind: "publish", url: `${base}/api/events`, headers: { "x-api-key": key }, rate: 0, count: 5, connections: 5, template: { idPrefix: `w_${run}_`, topics: [all] } });
  const warm = await waitDeliveries(ctx, 5 * c.webhooks, 30_000);
  if (!warm.complete) results.harnessFailures.push(`e2e warm-up: only ${warm.summary.distinctOk}/${5 * c.webhooks} deliveries arrived in 30 s`);

  out.fixed = await fixedLoad(ctx, c, { key, scope: { accountId }, own, secrets });
  let b = null;
  if (await ctx.routeExists("POST", "/api/events/batch")) out.burst = b = await burst(ctx, c, { key, all, secrets });
  else results.skipped.push("e2e.burst: POST /api/events/batch not mounted yet");

  const throughput = b?.deliveriesPerSec ?? out.fixed.deliveriesPerSec;
  out.throughputVsCeiling = round(throughput / out.ceiling.deliveriesPerSec, 3);
  ctx.target("e2e_throughput_vs_ceiling", "delivery throughput ≥ 0.5 × fetch-only ceiling", out.throughputVsCeiling, ">=", 0.5, {
    measuredWith: b ? "burst (saturation)" : "fixed load",
    evidence: {
      workerdCpuMsPerDelivery: b?.workerdCpuMsPerDelivery ?? null, ceilingWorkerdCpuMsPerDelivery: out.ceiling.workerdCpuMsPerDelivery,
      workerdBusiestThreadCores: b?.cpu.workerdBusiestThreadCores ?? null, externalCores: b?.cpu.externalCores ?? null,
    },
  });
  ctx.target("e2e_p99_under_1s", `p99 publish-accepted→received < 1000 ms at ${c.rate} ev/s over ${c.webhooks} webhooks`, out.fixed.latencyMs.p99, "<", 1000, {
    evidence: { stagesP99Ms: { queue: out.fixed.stagesMs?.acceptedToFannedOut?.p99 ?? null, doAndFetch: out.fixed.stagesMs?.fannedOutToReceived?.p99 ?? null }, externalCores: out.fixed.cpu.externalCores },
  });
  const lost = out.fixed.lost + (b?.lost ?? 0);
  const dup = out.fixed.duplicated + (b?.duplicated ?? 0);
  ctx.target("e2e_lost_zero", "lost deliveries = 0", lost, "<=", 0, { hard: true });
  ctx.target("e2e_duplicated_zero", "duplicated deliveries = 0", dup, "<=", 0, { hard: true });
  if (out.fixed.badSignature) results.harnessFailures.push(`e2e: ${out.fixed.badSignature} deliveries failed signature verification`);
  results.scenarios.e2e = out;
}
