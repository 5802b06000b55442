/**
 * Measures how GET stats is answered from a partition of 100,000 call rows (30 days at one call per
 * 25 s): the hourly counters (call_stats) against an aggregate scan of the rows. Prints, asserts
 * nothing. Run: npx vitest run -c bench/measure/vitest.config.ts
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { it } from "vitest";
import { callTotals, insertCall } from "../../src/traffic/call-table";

it("measure stats: counters vs scan", async () => {
  const stub = env.CALL_LOG.getByName("measure:0:0");
  await runInDurableObject(stub, (_i, s) => {
    const N = 100_000;
    const t0 = Date.now();
    const base = Date.now() - 30 * 86_400_000;
    for (let i = 0; i < N; i++) {
      insertCall(s.storage.sql, { id: `call_${i}`, accountId: "a", webhookId: "w", eventId: `e${i}`, topic: `t${i % 5}`, attempt: 1, status: i % 7 ? "succeeded" : "failed", httpStatus: 200, durationMs: 10 + (i % 50), error: null, responseBody: "ok", url: "https://x", createdAt: base + i * 25_000, nextAttemptAt: null });
    }
    const t1 = Date.now();
    const reps = 20;
    let a = Date.now();
    for (let r = 0; r < reps; r++) callTotals(s.storage.sql, null);
    const counters = (Date.now() - a) / reps;
    a = Date.now();
    for (let r = 0; r < reps; r++) s.storage.sql.exec(`SELECT topic, COUNT(*), SUM(status='succeeded'), AVG(duration_ms), MAX(created_at) FROM calls GROUP BY topic`).toArray();
    const scan = (Date.now() - a) / reps;
    a = Date.now();
    const since = base + N * 12_500 + 1234567;
    for (let r = 0; r < reps; r++) callTotals(s.storage.sql, since);
    const countersSince = (Date.now() - a) / reps;
    a = Date.now();
    for (let r = 0; r < reps; r++) s.storage.sql.exec(`SELECT topic, COUNT(*), SUM(status='succeeded'), AVG(duration_ms), MAX(created_at) FROM calls WHERE created_at >= ? GROUP BY topic`, since).toArray();
    const scanSince = (Date.now() - a) / reps;
    console.log(JSON.stringify({ rows: N, insertMsPer1000: ((t1 - t0) / N) * 1000, statsAllMs: { counters, scan }, statsHalfMs: { counters: countersSince, scan: scanSince }, dbBytes: s.storage.sql.databaseSize }));
  });
}, 300_000);
