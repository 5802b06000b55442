import { createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { acceptEvents } from "../../src/accepting/accept";
import { consumeDeliveries } from "../../src/delivery/consumer";
import type { FanoutMessage } from "../../src/traffic/fanout-queue";
import { WEBHOOK_INDEX_TTL_MS } from "../../src/delivery/webhook-index";
import { webhooksByChannel } from "../../src/store/webhook-channels";
import { createWebhook, sleep, waitFor, type Account } from "../delivery/helpers";
import { storedEvent, storeEvent } from "../support/events";
import { newAccount } from "../support/http";
import { newInbox } from "../support/receiver";

/**
 * Fan-out by channel (issue 10 item 5): the consumer reads only the webhooks on an event's channel
 * (and the channel-less ones) through D1's `webhook_channels`, cached per isolate for
 * WEBHOOK_INDEX_TTL_MS. 200 channel webhooks stand in for the benchmark's 10,000.
 */
let seq = 0;

/** Counts the statements a D1Database is asked to run: every one is prepared first (or exec'd). */
function countingDb(db: D1Database): { db: D1Database; statements: () => number; reset: () => void } {
  let n = 0;
  const counted = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === "prepare") return (sql: string) => ((n += 1), target.prepare(sql));
      if (prop === "exec") return (sql: string) => ((n += 1), target.exec(sql));
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: counted, statements: () => n, reset: () => (n = 0) };
}

function batchOf(msgs: FanoutMessage[]) {
  return createMessageBatch<unknown>("hookrelay-deliveries", msgs.map((body) => ({ id: `fi${seq++}`, timestamp: Date.now(), attempts: 1, body })));
}

const message = (accountId: string, ref: { id: string; window: number; shard: number }): FanoutMessage => ({ type: "fanout", accountId, eventId: ref.id, window: ref.window, shard: ref.shard });

/** Copies of a webhook row on other channels, written straight to D1 the way another isolate's API would (no cache reset here). */
async function cloneOnChannels(webhookId: string, channels: string[], url: (c: string) => string): Promise<string[]> {
  const row = await env.DB.prepare(`SELECT * FROM webhooks WHERE id = ?`).bind(webhookId).first<Record<string, unknown>>();
  const columns = Object.keys(row!);
  const ids = channels.map((c) => `wh_clone_${seq++}_${c}`);
  await env.DB.batch(
    channels.map((c, i) => {
      const values = { ...row!, id: ids[i], channels: JSON.stringify([c]), url: url(c) };
      return env.DB.prepare(`INSERT INTO webhooks (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`).bind(...columns.map((k) => values[k as keyof typeof values] ?? null));
    }),
  );
  return ids;
}

async function channelAccount(): Promise<{ acct: Account; target: string; all: string; inbox: Awaited<ReturnType<typeof newInbox>> }> {
  const acct = await newAccount();
  const inbox = await newInbox();
  const target = (await createWebhook(acct, { url: `${inbox.url}/target`, topics: ["message.*"], channels: ["session-target"] })).id;
  const all = (await createWebhook(acct, { url: `${inbox.url}/all`, topics: ["message.*"] })).id;
  await cloneOnChannels(target, Array.from({ length: 199 }, (_, i) => `session-${i}`), (c) => `${inbox.url}/${c}`);
  return { acct, target, all, inbox };
}

describe.concurrent("fan-out by channel", () => {
  it("delivers an event on one channel of 200 to that channel's webhook and the channel-less one only", async () => {
    const { acct, target, all, inbox } = await channelAccount();
    const index = await env.DB.prepare(`SELECT channel FROM webhook_channels WHERE account_id = ?`).bind(acct.id).all<{ channel: string }>();
    expect(index.results).toHaveLength(201);
    // The lookup reads the two matching rows, not the account's 201 webhooks.
    const found = await webhooksByChannel(env.DB, [{ accountId: acct.id, channel: "" }, { accountId: acct.id, channel: "session-target" }]);
    expect([...found.values()].map((ws) => ws.map((w) => w.id))).toEqual([[all], [target]]);

    const res = await acceptEvents(env, acct.id, [{ topic: "message.received", payload: "{}", contentType: "application/json", channel: "session-target" }]);
    const reqs = await inbox.waitFor(2);
    await sleep(800);
    expect((await inbox.requests()).map((r) => r.path.split("/").at(-1)).sort()).toEqual(["all", "target"]);
    expect(reqs.every((r) => r.headers["webhook-id"] === res[0]!.id)).toBe(true);
    expect((await storedEvent(acct.id, res[0]!.id))?.webhookIds?.sort()).toEqual([all, target].sort());
  });

  it("makes no D1 statement to accept and fan out events once the index is cached", async () => {
    const { acct, inbox } = await channelAccount();
    const counter = countingDb(env.DB);
    const counted = { ...env, DB: counter.db } as Env;
    const now = Date.now();
    // Built-in topic: the catalog needs no write either.
    const events = Array.from({ length: 20 }, (_, i) => ({ topic: "message.received", payload: JSON.stringify({ i }), contentType: "application/json", channel: `session-${i}` }));
    const accepted = await acceptEvents(counted, acct.id, events, now);
    expect(counter.statements()).toBe(0);
    // acceptEvents queued them; the real consumer delivers those. Drive a copy of the batch by hand:
    const msgs = accepted.map((a) => message(acct.id, { id: a.id, window: Math.floor(a.createdAt / 86_400_000), shard: 0 }));
    counter.reset();
    await consumeDeliveries(batchOf(msgs), counted, now);
    // Cold (or warmed by the real consumer meanwhile): at most one lookup for all 21 keys.
    expect(counter.statements()).toBeLessThanOrEqual(1);
    counter.reset();
    await consumeDeliveries(batchOf(msgs), counted, now + 1);
    expect(counter.statements()).toBe(0);
    // The counter does see a lookup: a channel not cached yet costs exactly one statement.
    const unseen = await storeEvent(acct.id, { topic: "message.received", payload: {}, channel: "session-unseen" });
    await consumeDeliveries(batchOf([message(acct.id, unseen)]), counted, now + 2);
    expect(counter.statements()).toBe(1);
    // Each event reached its channel's webhook once (the DOs dedupe the hand-driven copies).
    // 20 to the channels' webhooks and 20 to the channel-less one.
    await inbox.waitFor(40);
    await sleep(500);
    expect((await inbox.requests()).map((r) => r.path.split("/").at(-1)).filter((p) => p !== "all").sort()).toEqual(Array.from({ length: 20 }, (_, i) => `session-${i}`).sort());
  });

  it(`sees a webhook created in another isolate within ${WEBHOOK_INDEX_TTL_MS} ms, and not before`, async () => {
    const { acct, target, inbox } = await channelAccount();
    const t0 = Date.now();
    const warm = await storeEvent(acct.id, { topic: "message.received", payload: { n: 0 }, channel: "session-late" });
    await consumeDeliveries(batchOf([message(acct.id, warm)]), env, t0);
    expect((await storedEvent(acct.id, warm.id))?.webhookIds).toEqual([expect.any(String)]); // the channel-less one
    const [late] = await cloneOnChannels(target, ["session-late"], () => `${inbox.url}/late`);

    const stale = await storeEvent(acct.id, { topic: "message.received", payload: { n: 1 }, channel: "session-late" });
    await consumeDeliveries(batchOf([message(acct.id, stale)]), env, t0 + WEBHOOK_INDEX_TTL_MS - 1);
    expect((await storedEvent(acct.id, stale.id))?.webhookIds).not.toContain(late);

    const fresh = await storeEvent(acct.id, { topic: "message.received", payload: { n: 2 }, channel: "session-late" });
    await consumeDeliveries(batchOf([message(acct.id, fresh)]), env, t0 + WEBHOOK_INDEX_TTL_MS);
    expect((await storedEvent(acct.id, fresh.id))?.webhookIds).toContain(late);
    // The stale batch gave the new webhook nothing; the fresh one delivers to it.
    const reqs = await waitFor("the late webhook's delivery", () => inbox.requests(), (rs) => rs.some((r) => r.path.endsWith("/late")));
    expect(reqs.filter((r) => r.path.endsWith("/late")).map((r) => JSON.parse(r.body))).toEqual([{ n: 2 }]);
  });

  it("sees a change made through the API in this isolate at once", async () => {
    const { acct, inbox } = await channelAccount();
    const first = await storeEvent(acct.id, { topic: "message.received", payload: { n: 1 }, channel: "session-new" });
    const t0 = Date.now();
    await consumeDeliveries(batchOf([message(acct.id, first)]), env, t0);
    const added = await createWebhook(acct, { url: `${inbox.url}/new`, topics: ["message.*"], channels: ["session-new"] });
    const second = await storeEvent(acct.id, { topic: "message.received", payload: { n: 2 }, channel: "session-new" });
    await consumeDeliveries(batchOf([message(acct.id, second)]), env, t0 + 1);
    expect((await storedEvent(acct.id, second.id))?.webhookIds).toContain(added.id);
  });
});
