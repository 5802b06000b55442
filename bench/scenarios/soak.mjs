// Scenario soak: 100,000 events (2,000 quick) in batches of 100 over 10 webhooks (one delivery
// each), at 60 % of the burst throughput e2e measured (at most 1,000/s) so a backlog cannot pass
// for a leak. workerd's RSS over the run (last quarter vs first), D1 statements per delivered event
// (the counter, reset just before), and the storage each delivered event left behind (amortized).
import { d1Watcher } from "../lib/counters.mjs";
import { rssKiB } from "../lib/cpu.mjs";
import { storageGrowth, storageSnapshot } from "../lib/storage-files.mjs";
import { now, round } from "../lib/stats.mjs";
import { waitDeliveries } from "../lib/waits.mjs";
import { createWebhooks, newAccount } from "../lib/webhooks.mjs";

export async function soak(ctx) {
  const { P, results, base, run, receiver, log, quick } = ctx;
  if (!(await ctx.routeExists("POST", "/api/events/batch"))) return void results.skipped.push("soak: POST /api/events/batch not mounted yet");
  const c = P.soak;
  const { key } = await newAccount(ctx, "soak");
  const topics = Array.from({ length: c.webhooks }, (_, i) => `bench.soak.${run}.${i}`);
  const { secrets } = await createWebhooks(ctx, key, "s", c.webhooks, (i) => [topics[i]]);
  await receiver.reset(secrets);
  // Offered rate: the engine's measured burst throughput (one delivery per event here) keeps the
  // backlog bounded, so memory growth would be a leak, not a queue.
  const burstRate = results.scenarios.e2e?.burst?.deliveriesPerSec ?? c.maxRate;
  const rate = Math.max(100, Math.min(c.maxRate, Math.floor((burstRate * 0.6) / 100) * 100));
  const storageBefore = await storageSnapshot(ctx.persistDir);
  const isolateBefore = (await ctx.api("POST", "/bench/stats/reset")).isolate;
  const watcher = d1Watcher(ctx, quick ? 1000 : 5000);
  const samples = [];
  const sample = () => samples.push([round(ctx.elapsedMs(), 0), rssKiB(ctx.workerdPid)]);
  sample();
  const sampler = setInterval(sample, quick ? 250 : 1000);
  const cpuS = ctx.cpuMeter();
  const t0 = now();
  const pub = await ctx.load({
    kind: "publish", url: `${base}/api/events/batch`, headers: { "x-api-key": key }, rate: rate / 100, count: c.events / 100, connections: 8,
    template: { idPrefix: `s_${run}_`, topics, batch: 100 },
  }, (c.events / rate) * 1000 + 120_000);
  const accepted = pub.accepted.filter((a) => a[3] === 202 || a[3] === 200).length * 100;
  const w = await waitDeliveries(ctx, accepted, P.drainTimeoutMs + (c.events / rate) * 1000, { stallMs: 60_000 });
  const t1 = now();
  clearInterval(sampler);
  sample();
  const d1 = await watcher.stop();
  const grown = storageGrowth(storageBefore, await storageSnapshot(ctx.persistDir));
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
  const delivered = Math.max(1, w.summary.distinctOk);
  const out = {
    events: c.events, offeredEventsPerSec: rate, webhooks: c.webhooks, accepted, delivered: w.summary.distinctOk,
    lost: accepted - w.summary.distinctOk, duplicated: w.summary.duplicates, durationSec: round((t1 - t0) / 1000, 1),
    rssMiB: { first: round(rss[0] / 1024), firstQuarterMean: round(firstQ / 1024), lastQuarterMean: round(lastQ / 1024), max: round(Math.max(...rss) / 1024), samples: samples.length },
    rssLastVsFirstQuarter: round(lastQ / firstQ, 3), cpu: cpuS(pub.loadGenCpuSec),
    publishStatuses: pub.statuses, publishErrors: pub.errors, publishLatencyMs: pub.latencyMs,
    d1: { statements: d1.statements, roundTrips: d1.roundTrips, batches: d1.batches, bySql: d1.bySql, isolates: d1.isolates },
    d1StatementsPerDelivery: round(d1.statements / delivered, 3),
    d1RoundTripsPerDelivery: round(d1.roundTrips / delivered, 3),
    // Amortized storage per delivered event (one delivery each), measured at the end of the run:
    // what is still held then (delivered rows a purge would drop later are included).
    storage: {
      method: grown.method,
      d1BytesPerDeliveredEvent: round(grown.d1.bytes / delivered, 1),
      durableObjectBytesPerDeliveredEvent: Object.fromEntries(Object.entries(grown.durableObjects).map(([k, v]) => [k, round(v.bytes / delivered, 1)])),
      growth: grown,
    },
    bindings: d1.bindings,
    rssSeries: samples,
  };
  log(`soak: ${out.delivered}/${accepted} delivered in ${out.durationSec} s at ${rate} ev/s; RSS ${out.rssMiB.firstQuarterMean} → ${out.rssMiB.lastQuarterMean} MiB; D1 ${out.d1StatementsPerDelivery} statements/delivery; storage ${out.storage.d1BytesPerDeliveredEvent} D1 B/delivered event`);
  if (d1.statements === 0) results.harnessFailures.push("soak: the D1 counter saw no statements — does the bench build use bench/worker/entry.ts (countingEnv on every handler)?");
  ctx.target("soak_memory_flat", "workerd RSS: last-quarter mean within 20 % of first-quarter mean", out.rssLastVsFirstQuarter, "<=", 1.2);
  ctx.target("soak_d1_per_delivery", "≤ 2 D1 statements per delivered event", out.d1StatementsPerDelivery, "<=", 2);
  ctx.target("soak_lost_zero", "soak: lost = 0 and duplicated = 0", out.lost + out.duplicated, "<=", 0, { hard: true });
  results.scenarios.soak = out;
}
