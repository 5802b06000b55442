import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src";
import { acceptEvents } from "../../src/accepting/accept";
import { retryDelaySeconds } from "../../src/delivery/consumer";
import type { FanoutMessage } from "../../src/traffic/fanout-queue";
import { windowOf } from "../../src/traffic/partitions";
import { deliveryKeyOf, storedEvent, storeEvent as storeInPartition } from "../support/events";
import { newInbox } from "../support/receiver";
import { call, createWebhook, deliveries, newAccount, publish, waitFanout, waitFor } from "./helpers";

/** Partitions of the events stored below, for the fan-out messages that name them. */
const placed = new Map<string, { window: number; shard: number }>();

/** Stores an event in its partition, the way acceptEvents does, without sending a queue message. */
async function storeEvent(accountId: string, id: string, topic: string, payload: unknown, extra: { channel?: string; sourceId?: string } = {}) {
  const ref = await storeInPartition(accountId, { id, topic, payload, ...extra });
  placed.set(id, { window: ref.window, shard: ref.shard });
}

let seq = 0;
async function feed(queue: string, bodies: unknown[]) {
  const batch = createMessageBatch<unknown>(queue, bodies.map((body) => ({ id: `m${seq++}`, timestamp: Date.now(), attempts: 1, body })));
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

const fanout = (accountId: string, eventId: string, extra: Partial<FanoutMessage> = {}): FanoutMessage => ({
  type: "fanout", accountId, eventId, ...(placed.get(eventId) ?? { window: windowOf(Date.now()), shard: 0 }), ...extra,
});

describe.concurrent("queue consumer", () => {
  it("delivers a duplicated queue message once (same batch, and again in a later batch)", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    const wh = await createWebhook(acct, { url: inbox.url });
    const id = `evt_dup_${seq++}`;
    await storeEvent(acct.id, id, "order.created", { n: 1 });
    const first = await feed("hookrelay-deliveries", [fanout(acct.id, id), fanout(acct.id, id)]);
    expect(first.explicitAcks).toHaveLength(2);
    expect(first.retryMessages).toHaveLength(0);
    await inbox.waitFor(1);
    await feed("hookrelay-deliveries", [fanout(acct.id, id)]);
    // Barrier: a new event, in a still later batch, arrives next at this (ordered) webhook.
    const next = `evt_dup_${seq++}`;
    await storeEvent(acct.id, next, "order.created", { n: 2 });
    await feed("hookrelay-deliveries", [fanout(acct.id, next)]);
    expect((await inbox.waitFor(2)).map((r) => r.headers["webhook-id"])).toEqual([id, next]);
    expect(await inbox.requests()).toHaveLength(2);
    expect((await deliveries(wh.id)).map((d) => d.key)).toEqual([await deliveryKeyOf(acct.id, id), await deliveryKeyOf(acct.id, next)]);
    const stamped = await storedEvent(acct.id, id);
    expect(stamped?.fannedOutAt).toBeTruthy();
    expect(stamped?.webhookIds).toEqual([wh.id]);
  });

  it("delivers a supplied id accepted again after its 24 h dedupe window: a new event, not a duplicate delivery", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    const wh = await createWebhook(acct, { url: inbox.url, topics: ["order.*"] });
    const id = `order-reused-${seq++}`;
    const twoDaysAgo = Date.now() - 2 * 86_400_000;
    const [first] = await acceptEvents(env, acct.id, [{ id, topic: "order.created", payload: JSON.stringify({ n: 1 }), contentType: "application/json" }], twoDaysAgo);
    await inbox.waitFor(1);
    const [again] = await acceptEvents(env, acct.id, [{ id, topic: "order.created", payload: JSON.stringify({ n: 2 }), contentType: "application/json" }]);
    expect(first!.duplicate).toBe(false);
    expect(again).toMatchObject({ id, duplicate: false });
    const got = await inbox.waitFor(2);
    expect(got.map((r) => [r.headers["webhook-id"], JSON.parse(r.body).n])).toEqual([[id, 1], [id, 2]]);
    expect((await deliveries(wh.id)).map((d) => d.key)).toEqual([`${id}@${twoDaysAgo}`, `${id}@${again!.createdAt}`]);
  });

  it("fans one event out to 50 webhooks, each exactly once", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push((await createWebhook(acct, { url: `${inbox.url}/${i}`, topics: ["order.*"] })).id);
    const evt = await publish(acct, "order.created", { n: 1 });
    const reqs = await inbox.waitFor(50, 15_000);
    // Barrier: a second event reaches all 50 (ordered: after any repeat of the first).
    const second = await publish(acct, "order.created", { n: 2 });
    await inbox.waitFor(100, 15_000);
    const all = (await inbox.requests()).filter((r) => r.headers["webhook-id"] === evt.id);
    expect((await inbox.requests()).filter((r) => r.headers["webhook-id"] === second.id)).toHaveLength(50);
    expect(all).toHaveLength(50);
    expect(new Set(all.map((r) => r.path)).size).toBe(50);
    expect(new Set(all.map((r) => r.headers["webhook-id"]))).toEqual(new Set([evt.id]));
    void reqs;
    const detail = await waitFor("all 50 states", () => call("GET", `/api/events/${evt.id}`, { key: acct.key }), (r) => r.json.deliveries.filter((d: { state: string }) => d.state === "succeeded").length === 50, 10_000);
    expect(new Set(detail.json.deliveries.map((d: { webhookId: string }) => d.webhookId))).toEqual(new Set(ids));
  });

  it("matches topics, channels, sources and payload filters", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    const mk = (name: string, body: Record<string, unknown>) => createWebhook(acct, { url: `${inbox.url}/${name}`, ...body });
    await mk("all", { topics: ["*"] });
    await mk("prefix", { topics: ["ticket.*"] });
    await mk("exact-other", { topics: ["ticket.closed"] });
    await mk("channel-a", { topics: ["*"], channels: ["session-a"] });
    await mk("channel-b", { topics: ["*"], channels: ["session-b"] });
    await mk("filter-sales", { topics: ["*"], filter: { "data.pipeline_id": "sales" } });
    await mk("filter-support", { topics: ["*"], filter: { "data.pipeline_id": "support" } });
    const metaOnly = await mk("meta-only", { topics: ["webhook.disabled"] });
    const first = await publish(acct, "ticket.created", { data: { pipeline_id: "sales" } }, { channel: "session-a" });
    // Barrier: an event the first one's non-matching webhooks do match arrives at each of them
    // (every webhook is ordered: a late copy of the first would come before it).
    const barrier = await publish(acct, "ticket.closed", { data: { pipeline_id: "support" } }, { channel: "session-b" });
    await inbox.waitFor(9);
    await waitFanout(acct, first.id);
    await waitFanout(acct, barrier.id);
    const got = (await inbox.requests()).filter((r) => r.headers["webhook-id"] === first.id).map((r) => r.path.split("/").at(-1)).sort();
    expect(got).toEqual(["all", "channel-a", "filter-sales", "prefix"]);
    const gotBarrier = (await inbox.requests()).filter((r) => r.headers["webhook-id"] === barrier.id).map((r) => r.path.split("/").at(-1)).sort();
    expect(gotBarrier).toEqual(["all", "channel-b", "exact-other", "filter-support", "prefix"]);
    // meta-only matches neither: after both fan-outs, its object holds nothing to send.
    expect(await deliveries(metaOnly.id)).toHaveLength(0);
  });

  it("only delivers events from the webhook's sources", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    // sources are validated against the account's inbound sources; bypass that for this consumer test.
    const wh = await createWebhook(acct, { url: inbox.url });
    await env.DB.prepare(`UPDATE webhooks SET sources = '["src_a"]' WHERE id = ?`).bind(wh.id).run();
    const a = `evt_src_a_${seq++}`;
    const b = `evt_src_b_${seq++}`;
    await storeEvent(acct.id, a, "order.created", { n: 1 }, { sourceId: "src_a" });
    await storeEvent(acct.id, b, "order.created", { n: 2 }, { sourceId: "src_b" });
    await feed("hookrelay-deliveries", [fanout(acct.id, a), fanout(acct.id, b)]);
    // Barrier: a later event from src_a arrives after a (and after b, had b been enqueued).
    const c = `evt_src_a_${seq++}`;
    await storeEvent(acct.id, c, "order.created", { n: 3 }, { sourceId: "src_a" });
    await feed("hookrelay-deliveries", [fanout(acct.id, c)]);
    await inbox.waitFor(2);
    expect((await inbox.requests()).map((r) => r.headers["webhook-id"])).toEqual([a, c]);
    expect((await deliveries(wh.id)).map((d) => d.key)).toEqual([await deliveryKeyOf(acct.id, a), await deliveryKeyOf(acct.id, c)]);
  });

  it("acks messages for events that no longer exist, and dead-letters malformed ones", async () => {
    const acct = await newAccount();
    const result = await feed("hookrelay-deliveries", [fanout(acct.id, "evt_missing"), { nonsense: true }]);
    expect(result.explicitAcks).toHaveLength(2);
    const row = await env.DB.prepare(`SELECT body FROM dead_letters WHERE body LIKE '%nonsense%'`).first<{ body: string }>();
    expect(row).toBeTruthy();
  });

  it("records dead-lettered messages in D1, once per message body, visible to the admin", async () => {
    const acct = await newAccount();
    const body = fanout(acct.id, `evt_dlq_${seq++}`);
    const r1 = await feed("hookrelay-deliveries-dlq", [body]);
    expect(r1.explicitAcks).toHaveLength(1);
    await feed("hookrelay-deliveries-dlq", [body]);
    const rows = await env.DB.prepare(`SELECT id, attempts FROM dead_letters WHERE body = ?`).bind(JSON.stringify(body)).all<{ id: string; attempts: number }>();
    expect(rows.results).toHaveLength(1);
    expect(rows.results[0]!.attempts).toBe(2);
    const list = await call("GET", "/api/dead-letters?limit=100");
    expect(list.status).toBe(200);
    expect(list.json.data.some((d: { body: { eventId: string } }) => d.body.eventId === body.eventId)).toBe(true);
    expect((await call("GET", "/api/dead-letters", { key: acct.key })).status).toBe(403);
    // Re-drive: back on the queue, gone from the list.
    const redrive = await call("POST", `/api/dead-letters/${rows.results[0]!.id}/redrive`);
    expect(redrive.status).toBe(202);
    expect((await call("POST", `/api/dead-letters/${rows.results[0]!.id}/redrive`)).status).toBe(404);
  });

  it("retries the whole batch with backoff when D1 is unavailable", async () => {
    const brokenDb = { prepare: () => { throw new Error("D1 is down"); } } as unknown as D1Database;
    // A fresh account: its webhooks are not in this isolate's index cache, so D1 must be asked.
    const acct = await newAccount();
    await storeEvent(acct.id, `evt_d1down_${seq++}`, "order.created", { n: 1 });
    await storeEvent(acct.id, `evt_d1down_${seq++}`, "order.created", { n: 2 });
    const batch = createMessageBatch<unknown>("hookrelay-deliveries", [
      { id: "x1", timestamp: Date.now(), attempts: 1, body: fanout(acct.id, `evt_d1down_${seq - 2}`) },
      { id: "x2", timestamp: Date.now(), attempts: 3, body: fanout(acct.id, `evt_d1down_${seq - 1}`) },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, { ...env, DB: brokenDb }, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toHaveLength(0);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(["x1", "x2"]);
    // The harness does not report delays; the backoff itself: 5 s doubling, capped at 5 min.
    expect([1, 2, 3, 10].map(retryDelaySeconds)).toEqual([5, 10, 20, 300]);
  });
});
