// Scenario channels (issue 10 item 5): one event to the 1 matching webhook among N channel webhooks
// (webhook i on `channels: ["ch-i"]`, as seed 004 has one webhook per WhatsApp session), published
// with `channel`, against the same event in an account with 1 webhook. Accepted → received, median
// over rounds, each round to a different channel. N = 10,000 (500 quick); creation runs with
// bounded concurrency within a time budget, and N is what got created in it.
import { median, round } from "../lib/stats.mjs";
import { createWebhooks, newAccount } from "../lib/webhooks.mjs";
import { oneEvent } from "./fanout.mjs";

export async function channels(ctx) {
  const { P, results, run, log } = ctx;
  if (!(await ctx.routeExists("POST", "/api/events"))) return void results.skipped.push("channels: POST /api/events not mounted yet");
  const c = P.channels;
  const topic = `bench.channels.${run}`;
  const big = await newAccount(ctx, "channels-many");
  const one = await newAccount(ctx, "channels-one");
  const many = await createWebhooks(ctx, big.key, "chm", c.webhooks, () => [topic], {
    concurrency: c.createConcurrency, channelsFor: (i) => [`ch-${i}`], budgetMs: c.createBudgetSec * 1000,
  });
  const n = many.created;
  log(`channels: created ${n} channel webhooks in ${round(many.createMs / 1000, 1)} s (${round(n / (many.createMs / 1000), 0)}/s, ${c.createConcurrency} at a time)`);
  if (n < c.webhooks) results.errors.push(`channels: only ${n} of ${c.webhooks} webhooks were created within the ${c.createBudgetSec} s budget; the figure is for N = ${n}`);
  const single = await createWebhooks(ctx, one.key, "ch1_", 1, () => [topic], { channelsFor: () => ["ch-0"] });

  const out = { webhooksWanted: c.webhooks, webhooks: n, createWebhooksMs: round(many.createMs, 0), createConcurrency: c.createConcurrency, rounds: c.rounds, runs: { many: [], one: [] } };
  // A different channel each round, spread over the N (after a warm-up of each account, not
  // counted). The receiver knows only the target webhook's secret, so a delivery to any other
  // webhook shows up as `unknownEndpoint` (misrouted) instead of passing for the one expected.
  const channel = (r) => Math.min(n - 1, Math.floor(((r + 1) * n) / (c.rounds + 2)));
  const deliver = (acct, prefix, secrets, i, label) =>
    oneEvent(ctx, acct.key, { topic, channel: `ch-${i}`, payload: { channel: `ch-${i}` } }, 1, label, { [`${prefix}${i}`]: secrets[`${prefix}${i}`] });
  await deliver(one, "ch1_", single.secrets, 0, "chw1");
  await deliver(big, "chm", many.secrets, channel(-1), "chwn");
  for (let r = 0; r < c.rounds; r++) {
    out.runs.many.push({ channel: `ch-${channel(r)}`, ...(await deliver(big, "chm", many.secrets, channel(r), "chn")) });
    out.runs.one.push({ channel: "ch-0", ...(await deliver(one, "ch1_", single.secrets, 0, "ch1")) });
  }
  out.manyMs = median(out.runs.many.map((r) => r.lastMs));
  out.oneMs = median(out.runs.one.map((r) => r.lastMs));
  out.ratio = round(out.manyMs / out.oneMs, 2);
  out.lost = [...out.runs.many, ...out.runs.one].reduce((a, r) => a + r.lost, 0);
  out.duplicated = [...out.runs.many, ...out.runs.one].reduce((a, r) => a + r.duplicated, 0);
  out.misrouted = [...out.runs.many, ...out.runs.one].reduce((a, r) => a + r.unknownEndpoint, 0);
  if (out.misrouted) results.harnessFailures.push(`channels: ${out.misrouted} deliveries went to a webhook on another channel`);
  log(`channels: 1 of ${n} → received in ${out.manyMs} ms; 1 of 1 → ${out.oneMs} ms; ratio ${out.ratio}`);
  ctx.target("channels_lost_zero", "channel fan-out: lost = 0 and duplicated = 0", out.lost + out.duplicated, "<=", 0, { hard: true });
  results.scenarios.channels = out;
}
