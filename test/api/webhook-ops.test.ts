import { Webhook as StandardWebhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { call, newAccount } from "../support/http";
import { newInbox } from "../support/receiver";
import { createWebhook, publish, runDueNow, waitFor, waitForCalls, waitForForwarded } from "../delivery/helpers";

describe.concurrent("POST /api/webhooks/{id}/test", () => {
  it("makes a real signed delivery now and answers with the call record, also in the call log", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ fallback: { status: 200, body: "thanks" } });
    const wh = await createWebhook(acct, { url: inbox.url, headers: { "x-extra": "1" } });
    const res = await call("POST", `/api/webhooks/${wh.id}/test`, { key: acct.key, body: { topic: "message.received", payload: { hello: "world" } } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ webhookId: wh.id, topic: "message.received", attempt: 1, status: "succeeded", httpStatus: 200, responseBody: "thanks", url: inbox.url, nextAttemptAt: null });
    expect(res.json.id).toMatch(/^call_/);
    const [req] = await inbox.requests();
    expect(req!.body).toBe('{"hello":"world"}');
    expect(req!.headers["x-extra"]).toBe("1");
    expect(req!.headers["webhook-id"]).toBe(res.json.eventId);
    expect(() => new StandardWebhook(wh.secret).verify(req!.body, req!.headers)).not.toThrow();
    const log = await call("GET", `/api/webhooks/calls?webhookId=${wh.id}`, { key: acct.key });
    expect(log.json.data.map((c: { id: string }) => c.id)).toEqual([res.json.id]);
  });

  it("sends a sample payload by default, reports a failing endpoint, and works while paused", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ fallback: { status: 500, body: "nope" } });
    const wh = await createWebhook(acct, { url: inbox.url, active: false });
    const res = await call("POST", `/api/webhooks/${wh.id}/test`, { key: acct.key });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: "failed", httpStatus: 500, topic: "test", error: "HTTP 500" });
    const [req] = await inbox.requests();
    expect(JSON.parse(req!.body)).toMatchObject({ event: "test", webhookId: wh.id, message: "This is a test webhook" });
  });

  it("404s for another account's webhook and 422s a bad body", async () => {
    const a = await newAccount();
    const b = await newAccount();
    const wh = await createWebhook(a, { url: "https://example.com/x", topics: ["never.sent"] });
    expect((await call("POST", `/api/webhooks/${wh.id}/test`, { key: b.key, body: {} })).status).toBe(404);
    const bad = await call("POST", `/api/webhooks/${wh.id}/test`, { key: a.key, body: { topic: "", bogus: 1 } });
    expect(bad.status).toBe(422);
    expect(bad.json.error.details.map((d: { path: string }) => d.path).sort()).toEqual(["body.bogus", "body.topic"]);
  });
});

describe.concurrent("POST /api/webhooks/test (any URL)", () => {
  it("signs with a generated secret and returns it", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    const res = await call("POST", "/api/webhooks/test", { key: acct.key, body: { url: inbox.url, payload: { event: "test", message: "This is a test webhook" } } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ webhookId: null, status: "succeeded", httpStatus: 200, secret: expect.stringMatching(/^whsec_/) });
    const [req] = await inbox.requests();
    expect(() => new StandardWebhook(res.json.secret).verify(req!.body, req!.headers)).not.toThrow();
  });

  it("uses the given secret and signature profile (seed 004's receiver header)", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    const res = await call("POST", "/api/webhooks/test", {
      key: acct.key,
      body: { url: inbox.url, payload: { a: 1 }, secret: "your_webhook_secret_key", signature: { scheme: "hmac-sha256" } },
    });
    expect(res.status).toBe(200);
    expect(res.json).not.toHaveProperty("secret");
    const [req] = await inbox.requests();
    expect(req!.headers["x-webhook-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it("enforces the destination rules and validates the body", async () => {
    const acct = await newAccount();
    const badUrl = await call("POST", "/api/webhooks/test", { key: acct.key, body: { url: "ftp://example.com/x", payload: {} } });
    expect(badUrl.status).toBe(422);
    expect(badUrl.json.error.details[0]).toMatchObject({ path: "body.url", code: "invalid_destination" });
    const missing = await call("POST", "/api/webhooks/test", { key: acct.key, body: { payload: {} } });
    expect(missing.status).toBe(422);
    expect(missing.json.error.details[0].path).toBe("body.url");
    const shortSecret = await call("POST", "/api/webhooks/test", { key: acct.key, body: { url: "https://example.com", secret: "short" } });
    expect(shortSecret.status).toBe(422);
    expect(shortSecret.json.error.details[0].path).toBe("body.secret");
    expect((await call("POST", "/api/webhooks/test", { key: null, body: { url: "https://example.com" } })).status).toBe(401);
  });
});

describe.concurrent("stats, queue, clear and recover", () => {
  it("GET /{id}/stats aggregates the call log", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ responses: [{ status: 500 }], fallback: { status: 200 } });
    const wh = await createWebhook(acct, { url: inbox.url, delivery: { retrySchedule: [1] } });
    await publish(acct, "message.received", { n: 1 });
    await publish(acct, "session.connected", { n: 2 });
    await waitForCalls(wh.id, 3, 8000);
    const res = await call("GET", `/api/webhooks/${wh.id}/stats`, { key: acct.key });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ totalSent: 3, successful: 2, failed: 1, byEvent: { "message.received": 2, "session.connected": 1 } });
    expect(typeof res.json.averageResponseTimeMs).toBe("number");
    expect(Date.parse(res.json.lastDelivery)).toBeGreaterThan(Date.now() - 60_000);
    const future = await call("GET", `/api/webhooks/${wh.id}/stats?since=${Date.now() + 60_000}`, { key: acct.key });
    expect(future.json).toMatchObject({ totalSent: 0, successful: 0, failed: 0, averageResponseTimeMs: null, lastDelivery: null, byEvent: {} });

    await waitForForwarded(wh.id);
    const account = await call("GET", "/api/stats", { key: acct.key });
    expect(account.status).toBe(200);
    expect(account.json).toMatchObject({ totalSent: 3, successful: 2, webhooks: { active: 1, inactive: 0, disabled: 0 }, queue: { pending: 0, retrying: 0 } });
  });

  it("GET /{id}/queue counts by state; DELETE cancels what waits; the account view sums them", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ fallback: { status: 500 } });
    const wh = await createWebhook(acct, { url: inbox.url, delivery: { retrySchedule: [600] } });
    await publish(acct, "order.created", { n: 1 });
    await waitForCalls(wh.id, 1);
    await publish(acct, "order.created", { n: 2 });
    await publish(acct, "order.created", { n: 3 });
    const q = await waitFor("3 waiting", () => call("GET", `/api/webhooks/${wh.id}/queue`, { key: acct.key }), (r) => r.json.pending === 2);
    expect(q.json).toEqual({ webhookId: wh.id, pending: 2, processing: 0, retrying: 1, failed: 0 });
    const all = await call("GET", "/api/webhooks/queue", { key: acct.key });
    expect(all.status).toBe(200);
    expect(all.json).toMatchObject({ pending: 2, retrying: 1, processing: 0, failed: 0, byWebhook: [{ webhookId: wh.id, pending: 2, retrying: 1 }] });
    const cleared = await call("DELETE", `/api/webhooks/${wh.id}/queue`, { key: acct.key });
    expect(cleared.json).toEqual({ webhookId: wh.id, cancelled: 3 });
    expect((await call("GET", `/api/webhooks/${wh.id}/queue`, { key: acct.key })).json).toMatchObject({ pending: 0, retrying: 0 });
    // Cancelled deliveries stay cancelled even when their time comes.
    await runDueNow(wh.id);
    expect(await inbox.requests()).toHaveLength(1);
  });

  it("POST /{id}/recover re-delivers what failed since a time", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ responses: [{ status: 500 }, { status: 500 }], fallback: { status: 200 } });
    const wh = await createWebhook(acct, { url: inbox.url, delivery: { retrySchedule: [1] } });
    const startedAt = new Date().toISOString();
    const evt = await publish(acct, "order.created", { n: 1 });
    await waitForCalls(wh.id, 2, 8000);
    expect((await call("GET", `/api/webhooks/${wh.id}/queue`, { key: acct.key })).json.failed).toBe(1);
    const none = await call("POST", `/api/webhooks/${wh.id}/recover`, { key: acct.key, body: { since: Date.now() + 60_000 } });
    expect(none.json.recovered).toBe(0);
    const res = await call("POST", `/api/webhooks/${wh.id}/recover`, { key: acct.key, body: { since: startedAt } });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ webhookId: wh.id, recovered: 1 });
    const reqs = await inbox.waitFor(3);
    expect(reqs[2]!.headers["webhook-id"]).toBe(evt.id);
    expect(reqs[2]!.headers["x-webhook-attempt"]).toBe("1");
    await waitForCalls(wh.id, 3);
  });

  it("404s every operation on another account's webhook, and 422s bad input", async () => {
    const a = await newAccount();
    const b = await newAccount();
    const wh = await createWebhook(a, { url: "https://example.com/x", topics: ["never.sent"] });
    for (const [method, path, body] of [
      ["GET", `/api/webhooks/${wh.id}/stats`, undefined],
      ["GET", `/api/webhooks/${wh.id}/queue`, undefined],
      ["DELETE", `/api/webhooks/${wh.id}/queue`, undefined],
      ["POST", `/api/webhooks/${wh.id}/recover`, { since: 0 }],
      ["POST", `/api/webhooks/${wh.id}/rotate-secret`, {}],
    ] as const) {
      const res = await call(method, path, { key: b.key, body });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    const noSince = await call("POST", `/api/webhooks/${wh.id}/recover`, { key: a.key, body: {} });
    expect(noSince.status).toBe(422);
    expect(noSince.json.error.details[0].path).toBe("body.since");
    const badSince = await call("GET", `/api/webhooks/${wh.id}/stats?since=later`, { key: a.key });
    expect(badSince.status).toBe(422);
    expect(badSince.json.error.details[0].path).toBe("query.since");
    expect((await call("GET", "/api/webhooks/wh_missing/queue", { key: a.key })).status).toBe(404);
  });
});

describe.concurrent("GET /api/webhooks/calls", () => {
  it("filters by webhook, event, status and topic, pages with a cursor, and stays inside the account", async () => {
    const acct = await newAccount();
    const other = await newAccount();
    const inbox = await newInbox({ responses: [{ status: 500 }], fallback: { status: 200 } });
    const wh = await createWebhook(acct, { url: inbox.url, delivery: { retrySchedule: [1] } });
    const e1 = await publish(acct, "order.created", { n: 1 });
    await waitForCalls(wh.id, 2, 8000);
    await publish(acct, "order.paid", { n: 2 });
    await waitForCalls(wh.id, 3);
    // The account-wide listing reads the CallLog index, fed by the webhook's outbox.
    await waitForForwarded(wh.id);
    const byEvent = await call("GET", `/api/webhooks/calls?eventId=${e1.id}`, { key: acct.key });
    expect(byEvent.json.data.map((c: { attempt: number }) => c.attempt)).toEqual([2, 1]);
    const retrying = await call("GET", "/api/webhooks/calls?status=retrying", { key: acct.key });
    expect(retrying.json.data).toHaveLength(1);
    const paid = await call("GET", "/api/webhooks/calls?topic=order.paid", { key: acct.key });
    expect(paid.json.data).toHaveLength(1);
    const p1 = await call("GET", "/api/webhooks/calls?limit=2", { key: acct.key });
    expect(p1.json.data).toHaveLength(2);
    const p2 = await call("GET", `/api/webhooks/calls?limit=2&cursor=${p1.json.nextCursor}`, { key: acct.key });
    expect(p2.json.data).toHaveLength(1);
    expect(p2.json.nextCursor).toBeNull();
    const windowed = await call("GET", `/api/webhooks/calls?since=${encodeURIComponent(p1.json.data[0].createdAt)}`, { key: acct.key });
    expect(windowed.json.data.length).toBeGreaterThanOrEqual(1);
    expect((await call("GET", "/api/webhooks/calls", { key: other.key })).json.data).toHaveLength(0);
    const bad = await call("GET", "/api/webhooks/calls?status=exploded", { key: acct.key });
    expect(bad.status).toBe(422);
    expect(bad.json.error.details[0].path).toBe("query.status");
  });
});
