import { describe, expect, it } from "vitest";
import { createWebhook } from "../delivery/helpers";
import { call, newAccount } from "../support/http";
import { newInbox } from "../support/receiver";

/** GET /api/webhooks/{id}/stats/timeseries over real call records (test deliveries to the loopback receiver). */
describe.concurrent("GET /api/webhooks/{id}/stats/timeseries", () => {
  it("counts this minute's attempts by outcome with p50/p95, in 60 one-minute buckets for 1h", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ responses: [{ status: 500 }, { status: 200 }, { status: 200, delayMs: 40 }], fallback: { status: 200 } });
    const wh = await createWebhook(acct, { url: inbox.url });
    const calls = [];
    for (let i = 0; i < 3; i++) calls.push((await call("POST", `/api/webhooks/${wh.id}/test`, { key: acct.key, body: {} })).json);
    expect(calls.map((c) => c.status)).toEqual(["failed", "succeeded", "succeeded"]);

    const res = await call("GET", `/api/webhooks/${wh.id}/stats/timeseries?window=1h`, { key: acct.key });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ webhookId: wh.id, window: "1h", bucketMs: 60_000, truncated: false });
    expect(res.json.buckets).toHaveLength(60);
    expect(res.json.totals).toMatchObject({ succeeded: 2, failed: 1, retrying: 0 });
    const durations = calls.map((c) => c.durationMs as number).sort((a, b) => a - b);
    expect(res.json.totals.p50Ms).toBe(durations[1]);
    expect(res.json.totals.p95Ms).toBe(durations[2]);
    expect(res.json.totals.p95Ms).toBeGreaterThanOrEqual(40);
    const filled = res.json.buckets.filter((b: { succeeded: number; failed: number }) => b.succeeded + b.failed > 0);
    const sum = filled.reduce((n: number, b: { succeeded: number; failed: number }) => n + b.succeeded + b.failed, 0);
    expect(sum).toBe(3);
    // Buckets are oldest first, a minute apart, ending at `until`.
    const starts = res.json.buckets.map((b: { start: string }) => Date.parse(b.start));
    expect(starts[1] - starts[0]).toBe(60_000);
    expect(starts[59] + 60_000).toBe(Date.parse(res.json.until));
  });

  it("answers 1440 empty buckets for a quiet day, 422 for an unknown window, 404 for another account's webhook", async () => {
    const a = await newAccount();
    const b = await newAccount();
    const wh = await createWebhook(a, { url: "https://example.com/in", topics: ["never.sent"] });
    const day = await call("GET", `/api/webhooks/${wh.id}/stats/timeseries?window=24h`, { key: a.key });
    expect(day.json.buckets).toHaveLength(1440);
    expect(day.json.totals).toEqual({ succeeded: 0, failed: 0, retrying: 0, p50Ms: null, p95Ms: null });
    const bad = await call("GET", `/api/webhooks/${wh.id}/stats/timeseries?window=7d`, { key: a.key });
    expect(bad.status).toBe(422);
    expect(bad.json.error.details[0].path).toBe("query.window");
    expect((await call("GET", `/api/webhooks/${wh.id}/stats/timeseries`, { key: b.key })).status).toBe(404);
  });
});
