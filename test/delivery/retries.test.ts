import { describe, expect, it } from "vitest";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { deliveryKeyOf } from "../support/events";
import { newInbox } from "../support/receiver";
import {
  call, callRows, createWebhook, deliveries, newAccount, publish, runDueNow, waitFanout, waitFor, waitForCalls, webhookHealth, webhookRow,
} from "./helpers";

describe.concurrent("delivery outcomes and retries (real receiver on loopback)", () => {
  it("delivers a published event, signed, with the documented headers", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    const wh = await createWebhook(acct, { url: inbox.url, topics: ["message.received"], headers: { "x-tenant": "acme" } });
    const evt = await publish(acct, "message.received", { text: "hi", n: 1 });
    const [req] = await inbox.waitFor(1);
    expect(req!.body).toBe(JSON.stringify({ text: "hi", n: 1 }));
    expect(req!.headers["webhook-id"]).toBe(evt.id);
    expect(req!.headers["content-type"]).toBe("application/json");
    expect(req!.headers["user-agent"]).toMatch(/^hookrelay\/\d+\.\d+\.\d+/);
    expect(req!.headers["x-webhook-topic"]).toBe("message.received");
    expect(req!.headers["x-webhook-attempt"]).toBe("1");
    expect(req!.headers["x-tenant"]).toBe("acme");
    expect(() => new StandardWebhook(wh.secret).verify(req!.body, req!.headers)).not.toThrow();
    const [row] = await waitForCalls(wh.id, 1);
    expect(row).toMatchObject({ event_id: evt.id, attempt: 1, status: "succeeded", http_status: 200, response_body: "ok" });
  });

  it("retries 500, 500 then 200: third attempt, same webhook-id, three call rows", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ responses: [{ status: 500, body: "boom" }, { status: 500 }], fallback: { status: 200 } });
    const wh = await createWebhook(acct, { url: inbox.url, delivery: { retrySchedule: [1, 1, 1] } });
    const evt = await publish(acct, "order.created", { id: 7 });
    const reqs = await inbox.waitFor(3, 15_000);
    expect(reqs.map((r) => r.headers["webhook-id"])).toEqual([evt.id, evt.id, evt.id]);
    expect(reqs.map((r) => r.headers["x-webhook-attempt"])).toEqual(["1", "2", "3"]);
    // A fresh timestamp per attempt, each signature verifying on its own.
    for (const r of reqs) expect(() => new StandardWebhook(wh.secret).verify(r.body, r.headers)).not.toThrow();
    const rows = await waitForCalls(wh.id, 3);
    expect(rows.map((r) => [r.attempt, r.status, r.http_status])).toEqual([
      [1, "retrying", 500],
      [2, "retrying", 500],
      [3, "succeeded", 200],
    ]);
    expect(rows[0]!.response_body).toBe("boom");
    expect(rows[0]!.next_attempt_at).toBeGreaterThan(rows[0]!.created_at);
    expect((await deliveries(wh.id))[0]).toMatchObject({ state: "succeeded", attempts: 3 });
    const health = await webhookHealth(wh.id);
    expect(health?.lastSuccessAt).toBeTruthy();
    expect(health?.lastFailureAt).toBeTruthy();
    expect(health?.failingSince).toBeNull();
  });

  it("counts a timeout as a failed attempt and retries it", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ responses: [{ status: 200, delayMs: 2500 }], fallback: { status: 200 } });
    const wh = await createWebhook(acct, { url: inbox.url, delivery: { timeoutMs: 1000, retrySchedule: [60] } });
    await publish(acct, "order.created", { id: 1 });
    const [first] = await waitForCalls(wh.id, 1);
    expect(first).toMatchObject({ attempt: 1, status: "retrying", http_status: null });
    expect(first!.error).toMatch(/timed out after 1000 ms/);
    await runDueNow(wh.id);
    const rows = await waitForCalls(wh.id, 2);
    expect(rows[1]).toMatchObject({ attempt: 2, status: "succeeded" });
  });

  it("counts a refused connection as a failed attempt with a network error", async () => {
    const acct = await newAccount();
    const wh = await createWebhook(acct, { url: "http://127.0.0.1:1/closed", delivery: { retrySchedule: [60] } });
    await publish(acct, "order.created", { id: 1 });
    const [first] = await waitForCalls(wh.id, 1);
    expect(first).toMatchObject({ attempt: 1, status: "retrying", http_status: null });
    expect(first!.error).toMatch(/^network error/);
  });

  it("disables the webhook at once on 410 Gone, and holds the rest", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ responses: [{ status: 410 }], fallback: { status: 200 } });
    const wh = await createWebhook(acct, { url: inbox.url });
    await publish(acct, "order.created", { n: 1 });
    await waitForCalls(wh.id, 1);
    // The object disables itself with the outcome; D1 follows in the same alarm run, after the sends.
    const got = await waitFor("the disable in D1", () => call("GET", `/api/webhooks/${wh.id}`, { key: acct.key }), (r) => r.json.status !== "active");
    expect(got.json.status).toBe("disabled");
    expect(got.json.disabledReason).toMatch(/410/);
    // Disabled: nothing new is fanned out to it. Barrier: another webhook gets the event, and the
    // event is stamped fanned out (every enqueue of it done) before the absence is checked.
    const other = await newInbox();
    await createWebhook(acct, { url: other.url });
    const second = await publish(acct, "order.created", { n: 2 });
    await other.waitFor(1);
    await waitFanout(acct, second.id);
    expect(await inbox.requests()).toHaveLength(1);
    expect(await deliveries(wh.id)).toHaveLength(1);
  });

  it("moves the next attempt by Retry-After (clamped to step..2×step)", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ responses: [{ status: 503, headers: { "retry-after": "100" } }, { status: 429, headers: { "retry-after": "1" } }], fallback: { status: 200 } });
    const wh = await createWebhook(acct, { url: inbox.url, delivery: { retrySchedule: [60, 60] } });
    await publish(acct, "order.created", { n: 1 });
    const [first] = await waitForCalls(wh.id, 1);
    // 100 s asked, inside [60, 120]: honoured exactly (no jitter).
    expect(first!.next_attempt_at! - first!.created_at).toBeGreaterThanOrEqual(100_000 - 50);
    expect(first!.next_attempt_at! - first!.created_at).toBeLessThanOrEqual(100_000 + 5_000);
    await runDueNow(wh.id);
    const rows = await waitForCalls(wh.id, 2);
    // 1 s asked: clamped up to the 60 s step.
    expect(rows[1]!.next_attempt_at! - rows[1]!.created_at).toBeGreaterThanOrEqual(60_000 - 50);
    expect(rows[1]!.next_attempt_at! - rows[1]!.created_at).toBeLessThanOrEqual(65_000);
  });

  it("treats a 4xx as final with retryClientErrors:false, but still retries 408 and 429", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ responses: [{ status: 408 }, { status: 400 }], fallback: { status: 200 } });
    const wh = await createWebhook(acct, { url: inbox.url, delivery: { retryClientErrors: false, retrySchedule: [1, 1] } });
    await publish(acct, "order.created", { n: 1 });
    const rows = await waitForCalls(wh.id, 2, 8000);
    expect(rows.map((r) => [r.attempt, r.status, r.http_status])).toEqual([
      [1, "retrying", 408],
      [2, "failed", 400],
    ]);
    // Barrier: a second event to the same (ordered) webhook arrives; a retry of the first would come before it.
    await publish(acct, "order.created", { n: 2 });
    const reqs = await inbox.waitFor(3);
    expect(reqs.map((r) => JSON.parse(r.body).n)).toEqual([1, 1, 2]);
    expect(reqs.filter((r) => JSON.parse(r.body).n === 1)).toHaveLength(2);
    expect((await deliveries(wh.id))[0]).toMatchObject({ state: "failed" });
  });

  it("retries a 4xx by default, and treats a 3xx as a failure without following it", async () => {
    const acct = await newAccount();
    const elsewhere = await newInbox();
    const inbox = await newInbox({ responses: [{ status: 404 }, { status: 302, headers: { location: elsewhere.url } }], fallback: { status: 204 } });
    const wh = await createWebhook(acct, { url: inbox.url, delivery: { retrySchedule: [1, 1] } });
    await publish(acct, "order.created", { n: 1 });
    const rows = await waitForCalls(wh.id, 3, 10_000);
    expect(rows.map((r) => [r.status, r.http_status])).toEqual([
      ["retrying", 404],
      ["retrying", 302],
      ["succeeded", 204],
    ]);
    expect(rows[1]!.error).toMatch(/redirect/);
    expect(await elsewhere.requests()).toHaveLength(0);
  });

  it("captures at most 4 KiB of the response body", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ fallback: { status: 200, body: "x".repeat(100_000) } });
    const wh = await createWebhook(acct, { url: inbox.url });
    await publish(acct, "order.created", { n: 1 });
    const [row] = await waitForCalls(wh.id, 1);
    expect(row!.response_body).toHaveLength(4096);
  });

  it("exhausts the schedule: failed row, delivery.exhausted to subscribers, never to the failing webhook", async () => {
    const acct = await newAccount();
    const failing = await newInbox({ fallback: { status: 500 } });
    const watcher = await newInbox();
    const wh = await createWebhook(acct, { url: failing.url, topics: ["*", "delivery.exhausted"], delivery: { retrySchedule: [1] } });
    const watch = await createWebhook(acct, { url: watcher.url, topics: ["delivery.exhausted", "webhook.disabled"] });
    const evt = await publish(acct, "order.created", { n: 1 });
    const rows = await waitForCalls(wh.id, 2, 10_000);
    expect(rows.map((r) => r.status)).toEqual(["retrying", "failed"]);
    const [meta] = await watcher.waitFor(1);
    expect(meta!.headers["x-webhook-topic"]).toBe("delivery.exhausted");
    expect(JSON.parse(meta!.body)).toMatchObject({ type: "delivery.exhausted", data: { webhookId: wh.id, eventId: evt.id, topic: "order.created", attempts: 2, lastHttpStatus: 500 } });
    expect(() => new StandardWebhook(watch.secret).verify(meta!.body, meta!.headers)).not.toThrow();
    // Barrier: the meta-event is fanned out (stamped) and delivered to the watcher; the failing webhook
    // holds no delivery of it, so it can never be sent there.
    await waitFanout(acct, meta!.headers["webhook-id"]!);
    expect((await deliveries(wh.id)).map((d) => d.key)).toEqual([await deliveryKeyOf(acct.id, evt.id)]);
    expect((await failing.requests()).map((r) => r.headers["x-webhook-topic"])).toEqual(["order.created", "order.created"]);
    // Failing for less than 24 h: not disabled.
    expect((await webhookRow(wh.id))?.status).toBe("active");
  });

  it("auto-disables when a delivery is exhausted after 24 h without success, and announces it", async () => {
    const acct = await newAccount();
    const failing = await newInbox({ fallback: { status: 500 } });
    const watcher = await newInbox();
    const wh = await createWebhook(acct, { url: failing.url, delivery: { retrySchedule: [60] } });
    await createWebhook(acct, { url: watcher.url, topics: ["webhook.disabled"] });
    await publish(acct, "order.created", { n: 1 });
    await waitForCalls(wh.id, 1);
    // The streak of failures started 25 h ago.
    const { evictDurableObject, runInDurableObject } = await import("cloudflare:test");
    const { env } = await import("cloudflare:workers");
    const stub = env.WEBHOOK_DO.getByName(wh.id);
    await runInDurableObject(stub, (_i, state) => {
      const h = state.storage.kv.get<Record<string, unknown>>("health")!;
      state.storage.kv.put("health", { ...h, failingSince: Date.now() - 25 * 3_600_000 });
    });
    // Written behind the object's back: a fresh instance reads it (the running one caches health).
    await evictDurableObject(stub);
    await runDueNow(wh.id);
    await waitForCalls(wh.id, 2);
    const [announcement] = await watcher.waitFor(1);
    expect(JSON.parse(announcement!.body)).toMatchObject({ type: "webhook.disabled", data: { webhookId: wh.id, url: failing.url } });
    const row = await webhookRow(wh.id);
    expect(row?.status).toBe("disabled");
    expect(row?.disabled_reason).toMatch(/24 hours/);
    // PUT active:true re-enables it.
    const put = await call("PUT", `/api/webhooks/${wh.id}`, { key: acct.key, body: { active: true } });
    expect(put.json.status).toBe("active");
  });

  it("logs the call rows in the webhook's own log with the documented fields via GET /api/webhooks/calls", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ responses: [{ status: 500 }], fallback: { status: 200 } });
    const wh = await createWebhook(acct, { url: inbox.url, delivery: { retrySchedule: [1] } });
    await publish(acct, "order.created", { n: 1 });
    await waitForCalls(wh.id, 2, 8000);
    const res = await call("GET", `/api/webhooks/calls?webhookId=${wh.id}`, { key: acct.key });
    expect(res.status).toBe(200);
    expect(res.json.data).toHaveLength(2);
    expect(Object.keys(res.json.data[0]).sort()).toEqual(
      ["id", "webhookId", "eventId", "topic", "attempt", "status", "httpStatus", "durationMs", "error", "responseBody", "url", "createdAt", "nextAttemptAt"].sort(),
    );
    expect(res.json.data[0]).toMatchObject({ attempt: 2, status: "succeeded", url: inbox.url });
    expect(res.json.data[1]).toMatchObject({ attempt: 1, status: "retrying", httpStatus: 500 });
    expect(res.json.data[1].nextAttemptAt).toBeTruthy();
    expect(res.json.data[0].id).toMatch(/^call_/);
  });

  it("waits with an empty queue row list when nothing matched", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    const wh = await createWebhook(acct, { url: inbox.url, topics: ["only.this"] });
    const skipped = await publish(acct, "something.else", {});
    await waitFanout(acct, skipped.id);
    // Barrier: an event it does match, published after, arrives alone.
    const wanted = await publish(acct, "only.this", {});
    const [req] = await inbox.waitFor(1);
    expect(req!.headers["webhook-id"]).toBe(wanted.id);
    expect(await inbox.requests()).toHaveLength(1);
    expect((await callRows(wh.id)).map((c) => c.event_id)).toEqual([wanted.id]);
  });
});
