// Scenario ingest: accepting only. 32 connections, closed loop: the no-op route before and after
// (their mean is the baseline), the D1 read / write probes (full run), single publish, batch publish
// (100 per request), and inbound /in/{source} with HMAC. Nobody subscribes to the topic.
import { randomBytes } from "node:crypto";
import { waitQueueIdle } from "../lib/probes.mjs";
import { round } from "../lib/stats.mjs";
import { newAccount } from "../lib/webhooks.mjs";

export async function ingest(ctx) {
  const { P, results, base, log } = ctx;
  const { connections, durationSec } = P.ingest;
  const out = { connections, durationSec };
  const { key, accountId } = await newAccount(ctx, "ingest");
  const scope = { accountId };
  const topic = `bench.ingest.${ctx.run}`; // nobody subscribes: this measures accepting only
  const hasEvents = await ctx.routeExists("POST", "/api/events");
  const hasBatch = await ctx.routeExists("POST", "/api/events/batch");
  const hasSources = await ctx.routeExists("POST", "/api/sources");

  const cannon = async (name, url, pool, headers = {}, hmac = undefined) => {
    const commitsBefore = (await ctx.api("GET", "/bench/stats")).groupCommit;
    const stopProfile = await ctx.maybeProfile(`ingest ${name}`);
    const cpu = ctx.cpuMeter();
    return ctx.load({ kind: "cannon", url, connections, durationSec, pool, headers, hmac }).then(async (r) => {
      const ok = r.requests - r.non2xx;
      const res = { rps: round(ok / r.durationSec), requests: r.requests, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, statuses: r.statuses, latencyMs: r.latencyMs, cpu: cpu(r.loadGenCpuSec) };
      // workerd CPU per request: far less sensitive to other processes than req/s is.
      res.workerdCpuMsPerRequest = round((res.cpu.workerdCores * 1000) / Math.max(1, res.rps), 3);
      const prof = await stopProfile();
      if (prof) res.profile = prof;
      const commitsAfter = (await ctx.api("GET", "/bench/stats")).groupCommit;
      if (commitsBefore && commitsAfter && commitsAfter.rounds > commitsBefore.rounds) {
        // Group commit (src/accepting/group-commit.ts): how many requests shared each D1 round trip.
        const rounds = commitsAfter.rounds - commitsBefore.rounds;
        res.groupCommit = { rounds, requestsPerRound: round((commitsAfter.requests - commitsBefore.requests) / rounds, 2) };
      }
      ctx.noteNoise(`ingest ${name}`, res.cpu);
      log(`ingest ${name}: ${res.rps} req/s ok${res.groupCommit ? ` (${res.groupCommit.requestsPerRound} requests per group commit)` : ""}, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, statuses ${JSON.stringify(r.statuses)}, cpu ${JSON.stringify(res.cpu)}`);
      if (r.non2xx > 0 || r.errors > 0) results.errors.push(`ingest ${name}: ${r.non2xx} non-2xx, ${r.errors} errors (${JSON.stringify(r.statuses)})`);
      return res;
    });
  };

  const noopPool = [{ body: "{}" }];
  out.noopBefore = await cannon("noop (before)", `${base}/bench/noop`, noopPool);
  if (P.ingest.probes) {
    // Cost split: the same route shape plus one D1 read, or one D1 write transaction.
    out.d1ReadProbe = await cannon("probe: 1 D1 read", `${base}/bench/d1-read`, noopPool);
    out.d1WriteProbe = await cannon("probe: 1 D1 write", `${base}/bench/d1-write`, noopPool);
  }

  if (hasEvents) {
    const pool = Array.from({ length: 2000 }, (_, i) => ({ body: JSON.stringify({ topic, payload: { n: i, text: "hello from the bench", amount: i * 3 } }) }));
    out.single = await cannon("single publish", `${base}/api/events`, pool, { "x-api-key": key, "content-type": "application/json" });
    out.single.eventsPerSec = out.single.rps;
    await waitQueueIdle(ctx, scope, P.drainTimeoutMs);
  } else results.skipped.push("ingest.single: POST /api/events not mounted yet");

  if (hasBatch) {
    const pool = Array.from({ length: 50 }, (_, b) => ({
      body: JSON.stringify({ events: Array.from({ length: 100 }, (_, i) => ({ topic, payload: { n: b * 100 + i, text: "hello from the bench", amount: i * 3 } })) }),
    }));
    out.batch = await cannon("batch publish (100)", `${base}/api/events/batch`, pool, { "x-api-key": key, "content-type": "application/json" });
    out.batch.eventsPerSec = round(out.batch.rps * 100);
    await waitQueueIdle(ctx, scope, P.drainTimeoutMs);
  } else results.skipped.push("ingest.batch: POST /api/events/batch not mounted yet");

  if (hasSources) {
    const secret = randomBytes(24).toString("hex");
    const src = await ctx.api("POST", "/api/sources", {
      name: `bench hmac ${ctx.run}`, topic: { value: topic }, dedupe: { path: "id" },
      verification: { type: "hmac", header: "X-Signature", prefix: "sha256=", encoding: "hex" }, secret,
    }, key);
    // Unique provider ids (deduplicated by the source), each body signed at send time.
    const pool = Array.from({ length: 50 }, (_, i) => ({
      body: JSON.stringify({ id: `prov_${ctx.run}___N__`, type: "message.received", data: { n: i, text: "hello from a provider" } }),
      headers: { "content-type": "application/json" },
    }));
    out.inbound = await cannon("inbound /in (hmac)", `${base}/in/${src.id}`, pool, {}, { secret, header: "x-signature", prefix: "sha256=" });
    out.inbound.eventsPerSec = out.inbound.rps;
    await waitQueueIdle(ctx, scope, P.drainTimeoutMs);
  } else results.skipped.push("ingest.inbound: POST /api/sources not mounted yet");

  out.noopAfter = await cannon("noop (after)", `${base}/bench/noop`, noopPool);
  out.noopRps = round((out.noopBefore.rps + out.noopAfter.rps) / 2);
  if (out.single) {
    out.single.ratioToNoop = round(out.single.rps / out.noopRps, 3);
    ctx.target("publish_vs_noop", "POST /api/events req/s ≥ 0.6 × no-op req/s", out.single.ratioToNoop, ">=", 0.6, { evidence: ingestEvidence(out, out.single) });
  }
  if (out.inbound) {
    out.inbound.ratioToNoop = round(out.inbound.rps / out.noopRps, 3);
    ctx.target("inbound_vs_noop", "POST /in (HMAC) req/s ≥ 0.55 × no-op req/s", out.inbound.ratioToNoop, ">=", 0.55, { evidence: ingestEvidence(out, out.inbound) });
  }
  if (out.batch) {
    out.batch.ratioToNoop = round(out.batch.rps / out.noopRps, 3);
    if (out.single) {
      out.batchEventsVsSingle = round(out.batch.eventsPerSec / out.single.eventsPerSec, 2);
      ctx.target("batch_vs_single", "batch publish events/s ≥ 10 × single publish events/s", out.batchEventsVsSingle, ">=", 10);
    }
  }
  results.scenarios.ingest = out;
}

/** Measured context for an ingest target: what one D1 round trip alone costs, and the CPU split. */
function ingestEvidence(out, r) {
  return {
    d1ReadProbeVsNoop: out.d1ReadProbe ? round(out.d1ReadProbe.rps / out.noopRps, 3) : null,
    d1WriteProbeVsNoop: out.d1WriteProbe ? round(out.d1WriteProbe.rps / out.noopRps, 3) : null,
    workerdCpuMsPerRequest: r.workerdCpuMsPerRequest,
    noopWorkerdCpuMsPerRequest: out.noopBefore.workerdCpuMsPerRequest,
    workerdBusiestThreadCores: r.cpu.workerdBusiestThreadCores,
    externalCores: r.cpu.externalCores,
  };
}

