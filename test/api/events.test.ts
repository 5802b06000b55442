import { describe, expect, it } from "vitest";
import { call, newAccount } from "../support/http";
import { newInbox } from "../support/receiver";
import { createWebhook, sleep, waitFor, waitForCalls } from "../delivery/helpers";
import { storedEvent, storedEvents } from "../support/events";

const MAX = 262_144;

describe.concurrent("POST /api/events", () => {
  it("accepts an event with 202 and the documented shape, storing the payload serialized once", async () => {
    const acct = await newAccount();
    const res = await call("POST", "/api/events", { key: acct.key, body: { topic: "message.received", payload: { text: "hi", n: [1, 2] }, channel: "session-1" } });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ id: expect.stringMatching(/^evt_/), topic: "message.received", createdAt: expect.any(String), duplicate: false });
    expect(new Date(res.json.createdAt).toISOString()).toBe(res.json.createdAt);
    const row = await storedEvent(acct.id, res.json.id);
    expect({ payload: row?.payload, content_type: row?.contentType, channel: row?.channel }).toEqual({ payload: '{"text":"hi","n":[1,2]}', content_type: "application/json", channel: "session-1" });
  });

  it("accepts any JSON value as payload (string, number, null, array)", async () => {
    const acct = await newAccount();
    for (const payload of ["text", 42, null, [1, "a"], false]) {
      const res = await call("POST", "/api/events", { key: acct.key, body: { topic: "custom.thing", payload } });
      expect(res.status).toBe(202);
    }
  });

  it("answers a repeated id with duplicate:true and the first event, delivering once", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    const wh = await createWebhook(acct, { url: inbox.url });
    const first = await call("POST", "/api/events", { key: acct.key, body: { id: "order-42", topic: "order.created", payload: { v: 1 } } });
    await sleep(5);
    const second = await call("POST", "/api/events", { key: acct.key, body: { id: "order-42", topic: "order.created", payload: { v: 2 } } });
    expect(first.json.duplicate).toBe(false);
    expect(second.status).toBe(202);
    expect(second.json).toEqual({ ...first.json, duplicate: true });
    await inbox.waitFor(1);
    await sleep(800);
    const reqs = await inbox.requests();
    expect(reqs).toHaveLength(1);
    expect(reqs[0]!.body).toBe('{"v":1}');
    await waitForCalls(wh.id, 1);
  });

  it("dedupes on the Idempotency-Key header", async () => {
    const acct = await newAccount();
    const a = await call("POST", "/api/events", { key: acct.key, headers: { "idempotency-key": "req-1" }, body: { topic: "t.x", payload: 1 } });
    const b = await call("POST", "/api/events", { key: acct.key, headers: { "idempotency-key": "req-1" }, body: { topic: "t.x", payload: 2 } });
    const c = await call("POST", "/api/events", { key: acct.key, headers: { "idempotency-key": "req-2" }, body: { topic: "t.x", payload: 2 } });
    expect(b.json.id).toBe(a.json.id);
    expect(b.json.duplicate).toBe(true);
    expect(c.json.duplicate).toBe(false);
    expect(c.json.id).not.toBe(a.json.id);
  });

  it("keeps ids per account: the same id in two accounts is two events", async () => {
    const a = await newAccount();
    const b = await newAccount();
    const ra = await call("POST", "/api/events", { key: a.key, body: { id: "shared-id", topic: "t.x", payload: 1 } });
    const rb = await call("POST", "/api/events", { key: b.key, body: { id: "shared-id", topic: "t.x", payload: 1 } });
    expect(ra.json.duplicate).toBe(false);
    expect(rb.json.duplicate).toBe(false);
  });

  it("adds a new topic to the account's catalog", async () => {
    const acct = await newAccount();
    await call("POST", "/api/events", { key: acct.key, body: { topic: "brand.new.topic", payload: {} } });
    const catalog = await call("GET", "/api/webhooks/topics", { key: acct.key });
    expect(catalog.json.data.map((t: { name: string }) => t.name)).toContain("brand.new.topic");
  });

  it("rejects invalid bodies with 422 and field paths", async () => {
    const acct = await newAccount();
    const cases: [unknown, string][] = [
      [{ payload: {} }, "body.topic"],
      [{ topic: "a.b" }, "body.payload"],
      [{ topic: "not a topic!", payload: {} }, "body.topic"],
      [{ topic: "a.b", payload: {}, id: "has spaces" }, "body.id"],
      [{ topic: "a.b", payload: {}, channel: "" }, "body.channel"],
      [{ topic: "a.b", payload: {}, extra: 1 }, "body.extra"],
    ];
    for (const [body, path] of cases) {
      const res = await call("POST", "/api/events", { key: acct.key, body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.json.error.code).toBe("validation_failed");
      expect(res.json.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    const badKey = await call("POST", "/api/events", { key: acct.key, headers: { "idempotency-key": "k".repeat(201) }, body: { topic: "a.b", payload: 1 } });
    expect(badKey.status).toBe(422);
    expect(badKey.json.error.details[0].path).toBe("header.idempotency-key");
  });

  it("refuses hookrelay's own topics, so a publisher cannot forge webhook.disabled or delivery.* notices", async () => {
    const acct = await newAccount();
    for (const topic of ["webhook.disabled", "delivery.exhausted", "webhook.anything"]) {
      const single = await call("POST", "/api/events", { key: acct.key, body: { topic, payload: {} } });
      expect(single.status, topic).toBe(422);
      expect(single.json.error.details[0].path).toBe("body.topic");
      const batch = await call("POST", "/api/events/batch", { key: acct.key, body: { events: [{ topic: "ok.topic", payload: 1 }, { topic, payload: 2 }] } });
      expect(batch.status, topic).toBe(422);
      expect(batch.json.error.details[0].path).toBe("body.events.1.topic");
    }
    expect(await storedEvents(acct.id)).toHaveLength(0);
  });

  it("answers 400 invalid_json for a body that is not JSON, and 401 without a key", async () => {
    const acct = await newAccount();
    const res = await call("POST", "/api/events", { key: acct.key, headers: { "content-type": "application/json" }, rawBody: "{nope" });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_json");
    expect((await call("POST", "/api/events", { key: null, body: { topic: "a.b", payload: 1 } })).status).toBe(401);
  });

  it("answers 413 payload_too_large above MAX_PAYLOAD_BYTES (by Content-Length, and by the serialized payload)", async () => {
    const acct = await newAccount();
    const huge = await call("POST", "/api/events", { key: acct.key, body: { topic: "a.b", payload: "x".repeat(MAX + 20_000) } });
    expect(huge.status).toBe(413);
    expect(huge.json.error.code).toBe("payload_too_large");
    // Just over the limit once serialized, while the body is still under the envelope allowance.
    const justOver = await call("POST", "/api/events", { key: acct.key, body: { topic: "a.b", payload: "x".repeat(MAX) } });
    expect(justOver.status).toBe(413);
    expect(justOver.json.error.details[0].path).toBe("body.payload");
    const atLimit = await call("POST", "/api/events", { key: acct.key, body: { topic: "a.b", payload: "x".repeat(MAX - 2) } });
    expect(atLimit.status).toBe(202);
  });
});

describe.concurrent("POST /api/events/batch", () => {
  it("accepts up to 100 events in one call, in order, with per-event duplicates", async () => {
    const acct = await newAccount();
    const events = Array.from({ length: 100 }, (_, i) => ({ topic: "bulk.item", payload: { i }, ...(i === 0 ? { id: "bulk-0" } : {}) }));
    const res = await call("POST", "/api/events/batch", { key: acct.key, body: { events } });
    expect(res.status).toBe(202);
    expect(res.json.data).toHaveLength(100);
    expect(res.json.data[0]).toMatchObject({ id: "bulk-0", duplicate: false });
    const again = await call("POST", "/api/events/batch", { key: acct.key, body: { events: [{ id: "bulk-0", topic: "bulk.item", payload: {} }, { topic: "bulk.item", payload: {}, idempotencyKey: "b-1" }, { topic: "bulk.item", payload: {}, idempotencyKey: "b-1" }] } });
    expect(again.json.data.map((d: { duplicate: boolean }) => d.duplicate)).toEqual([true, false, true]);
    expect(again.json.data[2].id).toBe(again.json.data[1].id);
  });

  it("rejects empty, oversized and invalid batches with field paths", async () => {
    const acct = await newAccount();
    const empty = await call("POST", "/api/events/batch", { key: acct.key, body: { events: [] } });
    expect(empty.status).toBe(422);
    expect(empty.json.error.details[0].path).toBe("body.events");
    const tooMany = await call("POST", "/api/events/batch", { key: acct.key, body: { events: Array.from({ length: 101 }, () => ({ topic: "a.b", payload: 1 })) } });
    expect(tooMany.status).toBe(422);
    const bad = await call("POST", "/api/events/batch", { key: acct.key, body: { events: [{ topic: "a.b", payload: 1 }, { topic: "bad topic", payload: 1 }] } });
    expect(bad.status).toBe(422);
    expect(bad.json.error.details[0].path).toBe("body.events.1.topic");
    const big = await call("POST", "/api/events/batch", { key: acct.key, body: { events: [{ topic: "a.b", payload: 1 }, { topic: "a.b", payload: "x".repeat(MAX + 10) }] } });
    expect(big.status).toBe(413);
    expect(big.json.error.details[0].path).toBe("body.events.1.payload");
    // Nothing from a refused batch was stored.
    const list = await call("GET", "/api/events?topic=a.b", { key: acct.key });
    expect(list.json.data).toHaveLength(0);
  });
});

describe.concurrent("GET /api/events", () => {
  it("lists newest first with cursor pagination and filters", async () => {
    const acct = await newAccount();
    for (let i = 0; i < 5; i++) {
      await call("POST", "/api/events", { key: acct.key, body: { topic: i % 2 ? "odd.one" : "even.one", payload: { i }, channel: i < 2 ? "ch-a" : "ch-b" } });
      await sleep(3);
    }
    const page1 = await call("GET", "/api/events?limit=2", { key: acct.key });
    expect(page1.status).toBe(200);
    expect(page1.json.data.map((e: { topic: string }) => e.topic)).toEqual(["even.one", "odd.one"]);
    expect(page1.json.data[0]).not.toHaveProperty("payload");
    const page2 = await call("GET", `/api/events?limit=2&cursor=${page1.json.nextCursor}`, { key: acct.key });
    const page3 = await call("GET", `/api/events?limit=2&cursor=${page2.json.nextCursor}`, { key: acct.key });
    expect(page3.json.nextCursor).toBeNull();
    const all = [...page1.json.data, ...page2.json.data, ...page3.json.data];
    expect(new Set(all.map((e: { id: string }) => e.id)).size).toBe(5);

    const odd = await call("GET", "/api/events?topic=odd.one&includePayload=true", { key: acct.key });
    expect(odd.json.data.map((e: { payload: { i: number } }) => e.payload.i)).toEqual([3, 1]);
    const chA = await call("GET", "/api/events?channel=ch-a", { key: acct.key });
    expect(chA.json.data).toHaveLength(2);
    const since = all[1].createdAt;
    const recent = await call("GET", `/api/events?since=${encodeURIComponent(since)}`, { key: acct.key });
    expect(recent.json.data.length).toBeGreaterThanOrEqual(2);
    expect(recent.json.data.length).toBeLessThan(5);
    const none = await call("GET", `/api/events?until=${Date.parse(all[4].createdAt)}`, { key: acct.key });
    expect(none.json.data).toHaveLength(0);
  });

  it("rejects bad query values with 422", async () => {
    const acct = await newAccount();
    const bad = await call("GET", "/api/events?since=yesterday", { key: acct.key });
    expect(bad.status).toBe(422);
    expect(bad.json.error.details[0].path).toBe("query.since");
    expect((await call("GET", "/api/events?limit=0", { key: acct.key })).status).toBe(422);
    expect((await call("GET", "/api/events?cursor=%%%", { key: acct.key })).status).toBe(400);
  });

  it("never shows another account's events", async () => {
    const a = await newAccount();
    const b = await newAccount();
    await call("POST", "/api/events", { key: a.key, body: { topic: "private.thing", payload: 1 } });
    const list = await call("GET", "/api/events", { key: b.key });
    expect(list.json.data).toHaveLength(0);
  });
});

describe.concurrent("GET /api/events/{id}", () => {
  it("returns the event and each matched webhook's delivery state", async () => {
    const acct = await newAccount();
    const ok = await newInbox();
    const failing = await newInbox({ fallback: { status: 500 } });
    const good = await createWebhook(acct, { url: ok.url });
    const bad = await createWebhook(acct, { url: failing.url, delivery: { retrySchedule: [600] } });
    await createWebhook(acct, { url: ok.url, topics: ["other.topic"] });
    const evt = await call("POST", "/api/events", { key: acct.key, body: { topic: "order.created", payload: { n: 1 } } });
    const detail = await waitFor(
      "both states",
      () => call("GET", `/api/events/${evt.json.id}`, { key: acct.key }),
      (r) => r.json.deliveries?.length === 2 && r.json.deliveries.every((d: { state: string }) => d.state !== "pending"),
    );
    expect(detail.json).toMatchObject({ id: evt.json.id, topic: "order.created", payload: { n: 1 }, contentType: "application/json" });
    expect(detail.json.fannedOutAt).toBeTruthy();
    const byId = Object.fromEntries(detail.json.deliveries.map((d: { webhookId: string }) => [d.webhookId, d]));
    expect(byId[good.id]).toMatchObject({ state: "succeeded", attempts: 1, httpStatus: 200, nextAttemptAt: null });
    expect(byId[bad.id]).toMatchObject({ state: "retrying", attempts: 1, httpStatus: 500 });
    expect(Date.parse(byId[bad.id].nextAttemptAt)).toBeGreaterThan(Date.now() + 400_000);
  });

  it("404s for an unknown event and for another account's event", async () => {
    const a = await newAccount();
    const b = await newAccount();
    const evt = await call("POST", "/api/events", { key: a.key, body: { topic: "t.x", payload: 1 } });
    expect((await call("GET", `/api/events/${evt.json.id}`, { key: a.key })).status).toBe(200);
    const cross = await call("GET", `/api/events/${evt.json.id}`, { key: b.key });
    expect(cross.status).toBe(404);
    expect(cross.json.error.code).toBe("not_found");
    expect((await call("GET", "/api/events/evt_nope", { key: a.key })).status).toBe(404);
  });
});

describe.concurrent("POST /api/events/{id}/replay", () => {
  it("delivers the event again (same webhook-id), to every match or only to the named webhooks", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    const one = await createWebhook(acct, { url: `${inbox.url}/one` });
    await createWebhook(acct, { url: `${inbox.url}/two` });
    const evt = await call("POST", "/api/events", { key: acct.key, body: { topic: "order.created", payload: { n: 1 } } });
    await inbox.waitFor(2);
    const all = await call("POST", `/api/events/${evt.json.id}/replay`, { key: acct.key });
    expect(all.status).toBe(202);
    expect(all.json).toMatchObject({ eventId: evt.json.id, replayId: expect.stringMatching(/^rpl_/), webhookIds: null });
    await inbox.waitFor(4);
    const only = await call("POST", `/api/events/${evt.json.id}/replay`, { key: acct.key, body: { webhookIds: [one.id] } });
    expect(only.status).toBe(202);
    const reqs = await inbox.waitFor(5);
    await sleep(600);
    expect(await inbox.requests()).toHaveLength(5);
    expect(reqs[4]!.path).toMatch(/\/one$/);
    expect(new Set(reqs.map((r) => r.headers["webhook-id"]))).toEqual(new Set([evt.json.id]));
  });

  it("refuses webhook ids outside the account (422) and other accounts' events (404)", async () => {
    const a = await newAccount();
    const b = await newAccount();
    const theirs = await createWebhook(b, { url: "https://example.com/b", topics: ["never.sent"] });
    const evt = await call("POST", "/api/events", { key: a.key, body: { topic: "t.x", payload: 1 } });
    const bad = await call("POST", `/api/events/${evt.json.id}/replay`, { key: a.key, body: { webhookIds: [theirs.id] } });
    expect(bad.status).toBe(422);
    expect(bad.json.error.details[0].path).toBe("body.webhookIds.0");
    const empty = await call("POST", `/api/events/${evt.json.id}/replay`, { key: a.key, body: { webhookIds: [] } });
    expect(empty.status).toBe(422);
    expect((await call("POST", `/api/events/${evt.json.id}/replay`, { key: b.key })).status).toBe(404);
  });
});
