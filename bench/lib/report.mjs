// The books and the report: targets (PASS/FAIL against a threshold) and the table printed at the end.
import { formatRate } from "./capacity.mjs";
import { round } from "./stats.mjs";

export function target(results, id, description, value, op, threshold, extra = {}) {
  const pass = value === null || value === undefined ? false : op === "<=" ? value <= threshold : op === "<" ? value < threshold : value >= threshold;
  results.targets.push({ id, description, value: round(value, 3), op, threshold, pass, ...extra });
}

function scenarioRows(s, row) {
  if (s.ingest) {
    const i = s.ingest;
    row("ingest", `no-op route req/s (${i.connections} conns)`, i.noopRps, `before ${i.noopBefore.rps} / after ${i.noopAfter.rps}`);
    row("ingest", "no-op workerd CPU ms/req", i.noopBefore.workerdCpuMsPerRequest);
    for (const [name, r] of [["POST /api/events", i.single], ["POST /api/events/batch ×100", i.batch], ["POST /in (HMAC)", i.inbound]]) {
      if (!r) continue;
      row("ingest", `${name} req/s`, r.rps, i.noopRps, `${r.ratioToNoop} × no-op`);
      row("ingest", `${name} events/s · p50/p99 ms · workerd CPU ms/req`, `${r.eventsPerSec} · ${r.latencyMs.p50}/${r.latencyMs.p99} · ${r.workerdCpuMsPerRequest}`);
    }
    if (i.batchEventsVsSingle) row("ingest", "batch events/s vs single", i.batchEventsVsSingle, "", "× single");
    if (i.d1ReadProbe) row("ingest", "probe: no-op + 1 D1 read req/s · CPU ms/req", `${i.d1ReadProbe.rps} · ${i.d1ReadProbe.workerdCpuMsPerRequest}`, i.noopRps, `${round(i.d1ReadProbe.rps / i.noopRps, 3)} × no-op`);
    if (i.d1WriteProbe) row("ingest", "probe: no-op + 1 D1 write req/s · CPU ms/req", `${i.d1WriteProbe.rps} · ${i.d1WriteProbe.workerdCpuMsPerRequest}`, i.noopRps, `${round(i.d1WriteProbe.rps / i.noopRps, 3)} × no-op`);
  }
  if (s.e2e) {
    const e = s.e2e;
    row("e2e", `ceiling: fetch-only Worker deliveries/s · workerd CPU ms/delivery`, `${e.ceiling.deliveriesPerSec} · ${e.ceiling.workerdCpuMsPerDelivery}`, `${e.ceiling.connections} conns × ${e.webhooks} fetches`);
    if (e.fixed) {
      row("e2e", `fixed ${e.offeredEventsPerSec} ev/s over ${e.webhooks} webhooks, ${e.durationSec}s: deliveries/s`, e.fixed.deliveriesPerSec, `${e.offeredEventsPerSec} offered`);
      row("e2e", "accepted→received p50/p95/p99 ms", `${e.fixed.latencyMs.p50}/${e.fixed.latencyMs.p95}/${e.fixed.latencyMs.p99}`);
      const st = e.fixed.stagesMs;
      if (st?.acceptedToFannedOut) row("e2e", " ├ accepted→fanned out (queue) p50/p99 ms", `${st.acceptedToFannedOut.p50}/${st.acceptedToFannedOut.p99}`);
      if (st?.fannedOutToReceived) row("e2e", " └ fanned out→received (DO+fetch) p50/p99 ms", `${st.fannedOutToReceived.p50}/${st.fannedOutToReceived.p99}`);
      row("e2e", "lost / duplicated", `${e.fixed.lost} / ${e.fixed.duplicated}`);
    }
    if (e.burst) {
      row("e2e", `burst ${e.burst.events} events × ${e.webhooks} webhooks: deliveries/s (lost/dup)`, `${e.burst.deliveriesPerSec} (${e.burst.lost}/${e.burst.duplicated})`, e.ceiling.deliveriesPerSec, `${e.throughputVsCeiling} × ceiling`);
      row("e2e", "burst: workerd CPU ms/delivery · busiest thread", `${e.burst.workerdCpuMsPerDelivery} · ${e.burst.cpu.workerdBusiestThreadCores} cores`, e.ceiling.workerdCpuMsPerDelivery);
    }
  }
  if (s.fanout) {
    const f = s.fanout;
    row("fanout", `1 event → ${f.small} webhooks: last delivery ms`, f.smallLastMs);
    row("fanout", `1 event → ${f.large} webhooks: last delivery ms`, f.largeLastMs, f.smallLastMs, `${f.ratio} ×`);
  }
  if (s.recovery) {
    const r = s.recovery;
    row("recovery", `receiver down ${r.failMs / 1000}s: drain after recovery ms`, r.drainAfterRecoveryMs, `${r.backlogDeliveries} backlog deliveries`);
    row("recovery", "lost / duplicated", `${r.lost} / ${r.duplicated}`);
  }
  if (s.soak) {
    const k = s.soak;
    row("soak", `${k.events} events @ ${k.offeredEventsPerSec}/s: accepted · delivered (lost/dup)`, `${k.accepted} · ${k.delivered} (${k.lost}/${k.duplicated})`);
    row("soak", "workerd RSS MiB first¼ → last¼ (max)", `${k.rssMiB.firstQuarterMean} → ${k.rssMiB.lastQuarterMean} (${k.rssMiB.max})`, "", `${k.rssLastVsFirstQuarter} ×`);
    row("soak", "D1 statements / round trips per delivery", `${k.d1StatementsPerDelivery} / ${k.d1RoundTripsPerDelivery}`);
    if (k.storage) {
      const dob = Object.entries(k.storage.durableObjectBytesPerDeliveredEvent).map(([c, b]) => `${c} ${b}`).join(", ");
      row("soak", "storage B per delivered event: D1 · objects", `${k.storage.d1BytesPerDeliveredEvent} · ${dob || "—"}`, k.storage.method);
    }
  }
  if (s.storage) {
    const t = s.storage;
    row("storage", `D1 bytes per accepted event · per delivery (${t.payloadBytes} B payload)`, `${t.d1.bytesPerEvent} · ${t.d1.bytesPerDelivery}`, t.method);
    row("storage", "D1 statements per event · per delivery · per delivered event", `${t.d1.statementsPerEvent} · ${t.d1.statementsPerDelivery} · ${t.d1.statementsPerDeliveredEvent}`);
    row("storage", "queue messages per event · per delivery", `${t.queue.messagesPerEvent} · ${t.queue.messagesPerDelivery}`);
    for (const [cls, o] of Object.entries(t.objects)) {
      row("storage", `${cls}: bytes per event · per delivery; requests per event · per delivery`, `${o.bytesPerEvent} · ${o.bytesPerDelivery}; ${o.requestsPerEvent} · ${o.requestsPerDelivery}`);
    }
    for (const d of t.capacity.deployment) {
      row("storage", `capacity, ${t.capacity.retentionDays} d retention, ${d.deliveriesPerEvent} delivery/event: events/s`, d.unbounded ? "∞" : formatRate(d.eventsPerSec), d.limitedBy);
    }
  }
  if (s.channels) {
    const c = s.channels;
    row("channels", `1 event → 1 of ${c.webhooks} channel webhooks: received ms (created in ${round(c.createWebhooksMs / 1000, 1)} s)`, c.manyMs, c.oneMs, `${c.ratio} × 1 of 1`);
    row("channels", "lost / duplicated / misrouted", `${c.lost} / ${c.duplicated} / ${c.misrouted}`);
  }
}

/** The capacity table with its arithmetic, one line per limit. */
function capacityLines(capacity) {
  const lines = ["", `capacity for RETENTION_DAYS=${capacity.retentionDays} (Cloudflare limits; measured bytes and counts):`];
  for (const r of capacity.rows) {
    const at = r.deliveriesPerEvent === undefined ? "" : ` [${r.deliveriesPerEvent} delivery/event]`;
    lines.push(`  ${r.limit}${at}: ${r.arithmetic}`);
  }
  for (const d of capacity.deployment) lines.push(`  → deployment at ${d.deliveriesPerEvent} delivery/event: ${d.unbounded ? "∞" : formatRate(d.eventsPerSec)} events/s, limited by ${d.limitedBy}`);
  if (capacity.note) lines.push(`  (${capacity.note})`);
  return lines;
}

export function table(results) {
  const rows = [];
  const row = (scenario, metric, value, baseline = "", ratio = "") => rows.push([scenario, metric, String(value ?? "—"), String(baseline ?? ""), String(ratio ?? "")]);
  scenarioRows(results.scenarios, row);
  const head = ["scenario", "metric", "value", "baseline", "ratio"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r) => r.map((c, i) => c.padEnd(widths[i])).join(" │ ");
  const lines = [fmt(head), widths.map((w) => "─".repeat(w)).join("─┼─"), ...rows.map(fmt)];
  if (results.scenarios.storage?.capacity) lines.push(...capacityLines(results.scenarios.storage.capacity));
  lines.push("", "targets:");
  for (const t of results.targets) lines.push(`  ${t.pass ? "PASS" : "FAIL"}  ${t.description}: ${t.value} (${t.op} ${t.threshold})`);
  for (const s2 of results.skipped) lines.push(`  SKIP  ${s2}`);
  for (const e of results.errors) lines.push(`  WARN  ${e}`);
  for (const e of results.harnessFailures) lines.push(`  ERROR ${e}`);
  return lines.join("\n");
}
