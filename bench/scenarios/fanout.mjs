// Scenario fanout: 1,000 webhooks (100 quick), the first 100 (10) also on a second topic. One
// warm-up event to all, then rounds of one event to the small set and one to all: time from the
// accepted response to the last delivery, median over rounds, and the ratio.
import { http } from "../lib/http.mjs";
import { median, now, round } from "../lib/stats.mjs";
import { waitDeliveries } from "../lib/waits.mjs";
import { createWebhooks, newAccount } from "../lib/webhooks.mjs";

/**
 * Publishes one event (`body`: topic, payload, channel …) and waits for `n` deliveries: accepted →
 * first / last arrival. Shared with the channels scenario.
 */
export async function oneEvent(ctx, key, body, n, label, secrets) {
  const { base, run, receiver, P } = ctx;
  await receiver.reset(secrets);
  const id = `fan_${label}_${run}_${Math.random().toString(36).slice(2, 8)}`;
  const t0 = now();
  const r = await http("POST", `${base}/api/events`, { body: { id, ...body }, headers: { "x-api-key": key } });
  const accepted = now();
  if (r.status !== 202 && r.status !== 200) throw new Error(`fan-out publish → ${r.status} ${r.text}`);
  const w = await waitDeliveries(ctx, n, P.drainTimeoutMs, { stallMs: 30_000 });
  const arr = (await receiver.arrivals()).map((a) => a[2]).filter((t) => t !== null).sort((a, b) => a - b);
  return {
    delivered: w.summary.distinctOk, lost: n - w.summary.distinctOk, duplicated: w.summary.duplicates, unknownEndpoint: w.summary.unknownEndpoint,
    firstMs: round(arr[0] - accepted, 1), lastMs: round(arr.at(-1) - accepted, 1), publishMs: round(accepted - t0, 1),
  };
}

export async function fanout(ctx) {
  const { P, results, run, log } = ctx;
  if (!(await ctx.routeExists("POST", "/api/events"))) return void results.skipped.push("fanout: POST /api/events not mounted yet");
  const { small, large, rounds } = P.fanout;
  const { key } = await newAccount(ctx, "fanout");
  const tSmall = `bench.fan.small.${run}`;
  const tLarge = `bench.fan.large.${run}`;
  const { secrets, createMs } = await createWebhooks(ctx, key, "f", large, (i) => (i < small ? [tSmall, tLarge] : [tLarge]));
  log(`fanout: created ${large} webhooks in ${round(createMs / 1000, 1)} s`);
  const out = { small, large, rounds, createWebhooksMs: round(createMs, 0), runs: { small: [], large: [] } };

  const one = (topic, n, label) => oneEvent(ctx, key, { topic, payload: { fanout: n } }, n, label, secrets);
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
  ctx.target("fanout_cost_ratio", `time to last delivery, ${large} webhooks ≤ ${large / small * 1.2} × ${small} webhooks`, out.ratio, "<=", (large / small) * 1.2);
  ctx.target("fanout_lost_zero", "fan-out: lost = 0 and duplicated = 0", out.lost + out.duplicated, "<=", 0, { hard: true });
  results.scenarios.fanout = out;
}
