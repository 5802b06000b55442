import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { acceptEvents, type IncomingEvent } from "../../src/accepting/accept";
import { idTimeMs } from "../../src/domain/ids";
import { partitionExpiresAt } from "../../src/traffic/event-store";
import { eventStore, findEvent } from "../../src/traffic/events";
import { shardOf, WINDOW_MS, windowOf, windowStart } from "../../src/traffic/partitions";
import { waitFor } from "../delivery/helpers";
import { call, newAccount } from "../support/http";
import { storedEvents } from "../support/events";

/**
 * EventStore partitions (src/traffic/event-store.ts): dedupe inside a partition, across the day
 * boundary and across shards; lookups by id; retention by alarm. Times are driven through
 * acceptEvents' `now`, so "yesterday" is a real earlier partition.
 */
const ev = (extra: Partial<IncomingEvent> = {}): IncomingEvent => ({ topic: "order.created", payload: JSON.stringify({ n: Math.random() }), contentType: "application/json", ...extra });

/** An env whose EVENT_SHARDS differs (getConfig parses each env object once). */
const withShards = (shards: number): Env => ({ ...env, EVENT_SHARDS: String(shards) }) as unknown as Env;

/** A time just before today's UTC midnight boundary is crossed: the boundary is `windowStart(today)`. */
const today = windowOf(Date.now());
const boundary = windowStart(today);

describe.concurrent("EventStore dedupe", () => {
  it("answers a repeated id, Idempotency-Key or provider id inside one partition with the first event", async () => {
    const acct = await newAccount();
    const now = Date.now();
    const [a] = await acceptEvents(env, acct.id, [ev({ id: "order-1" })], now);
    const [b] = await acceptEvents(env, acct.id, [ev({ id: "order-1", topic: "other.topic" })], now + 10);
    expect(a!.duplicate).toBe(false);
    expect(b).toEqual({ id: "order-1", topic: "order.created", createdAt: now, duplicate: true });

    const [k1] = await acceptEvents(env, acct.id, [ev({ idempotencyKey: "retry-1" })], now);
    const [k2] = await acceptEvents(env, acct.id, [ev({ idempotencyKey: "retry-1" })], now + 20);
    expect(k2).toEqual({ ...k1!, duplicate: true });

    const [p1] = await acceptEvents(env, acct.id, [ev({ sourceId: "src_a", dedupeKey: "prov-9" })], now);
    const [p2, other] = await acceptEvents(env, acct.id, [ev({ sourceId: "src_a", dedupeKey: "prov-9" }), ev({ sourceId: "src_b", dedupeKey: "prov-9" })], now + 30);
    expect(p2).toEqual({ ...p1!, duplicate: true });
    // The same provider id from another source is another event.
    expect(other!.duplicate).toBe(false);
    expect(await storedEvents(acct.id)).toHaveLength(4);
  });

  it("dedupes two rows of one call, and answers each row in order", async () => {
    const acct = await newAccount();
    const res = await acceptEvents(env, acct.id, [ev({ id: "x-1" }), ev({ idempotencyKey: "k" }), ev({ id: "x-1" }), ev({ idempotencyKey: "k" })]);
    expect(res.map((r) => r.duplicate)).toEqual([false, false, true, true]);
    expect(res[2]!.id).toBe("x-1");
    expect(res[3]!.id).toBe(res[1]!.id);
  });

  it("finds a key first seen yesterday (the previous day's partition) within 24 h, and not after", async () => {
    const acct = await newAccount();
    const lateYesterday = boundary - 60_000;
    const earlyToday = boundary + 60_000;
    const first = await acceptEvents(env, acct.id, [ev({ id: "cross-1" }), ev({ idempotencyKey: "cross-key" }), ev({ sourceId: "src_x", dedupeKey: "cross-prov" })], lateYesterday);
    expect(first.map((r) => r.duplicate)).toEqual([false, false, false]);
    expect(windowOf(first[1]!.createdAt)).toBe(today - 1);
    const again = await acceptEvents(env, acct.id, [ev({ id: "cross-1" }), ev({ idempotencyKey: "cross-key" }), ev({ sourceId: "src_x", dedupeKey: "cross-prov" })], earlyToday);
    expect(again).toEqual(first.map((r) => ({ ...r, duplicate: true })));

    // A key seen more than 24 h ago counts no more: a new event, stored today.
    const stale = await acceptEvents(env, acct.id, [ev({ idempotencyKey: "old-key" })], boundary - WINDOW_MS + 1000);
    const fresh = await acceptEvents(env, acct.id, [ev({ idempotencyKey: "old-key" })], boundary + 2000);
    expect(fresh[0]!.duplicate).toBe(false);
    expect(fresh[0]!.id).not.toBe(stale[0]!.id);
  });

  it("with EVENT_SHARDS=4 spreads events over shards, and a retry lands on its first attempt's shard", async () => {
    const acct = await newAccount();
    const sharded = withShards(4);
    const now = Date.now();
    const plain = await acceptEvents(sharded, acct.id, Array.from({ length: 40 }, () => ev()), now);
    const shards = new Set(plain.map((r) => shardOf(r.id, 4)));
    expect(shards.size).toBeGreaterThan(1);
    const parts = await env.DB.prepare(`SELECT shard, shards FROM event_partitions WHERE account_id = ? ORDER BY shard`).bind(acct.id).all<{ shard: number; shards: number }>();
    expect(parts.results.map((p) => p.shard)).toEqual([...shards].sort());
    expect(parts.results.every((p) => p.shards === 4)).toBe(true);

    const keys = Array.from({ length: 12 }, (_, i) => `key-${i}`);
    const first = await acceptEvents(sharded, acct.id, keys.map((k) => ev({ idempotencyKey: k })), now);
    const second = await acceptEvents(sharded, acct.id, keys.map((k) => ev({ idempotencyKey: k })), now + 5);
    expect(second).toEqual(first.map((r) => ({ ...r, duplicate: true })));
    // A generated id is drawn so that it hashes to its key's shard, and carries its window.
    for (const [i, r] of first.entries()) {
      expect(shardOf(r.id, 4)).toBe(shardOf(keys[i]!, 4));
      expect(windowOf(idTimeMs(r.id, "evt")!)).toBe(windowOf(now));
    }
    const ids = await acceptEvents(sharded, acct.id, [ev({ id: "sharded-a" }), ev({ id: "sharded-b" })], now);
    const idsAgain = await acceptEvents(sharded, acct.id, [ev({ id: "sharded-b" }), ev({ id: "sharded-a" })], now + 5);
    expect(idsAgain.map((r) => [r.id, r.duplicate])).toEqual([["sharded-b", true], ["sharded-a", true]]);
    expect(ids.every((r) => !r.duplicate)).toBe(true);
    expect(await findEvent(sharded, acct.id, "sharded-b")).toMatchObject({ id: "sharded-b", shard: shardOf("sharded-b", 4) });
  });
});

describe.concurrent("GET /api/events/{id} across partitions", () => {
  it("finds a generated id in the partition its id names, and a supplied id by probing older days", async () => {
    const acct = await newAccount();
    const [generated] = await acceptEvents(env, acct.id, [ev()], Date.now());
    const threeDaysAgo = Date.now() - 3 * WINDOW_MS;
    const [supplied] = await acceptEvents(env, acct.id, [ev({ id: "my-own-id" })], threeDaysAgo);
    await acceptEvents(env, acct.id, [ev({ id: "newer-one" })], Date.now() - WINDOW_MS);

    const g = await call("GET", `/api/events/${generated!.id}`, { key: acct.key });
    expect(g.status).toBe(200);
    expect(g.json).toMatchObject({ id: generated!.id, topic: "order.created", deliveries: [] });
    const s = await call("GET", `/api/events/${supplied!.id}`, { key: acct.key });
    expect(s.status).toBe(200);
    expect(s.json.createdAt).toBe(new Date(threeDaysAgo).toISOString());
    // An id shaped like a generated one whose time names a day without it: found by the slow path.
    const [meta] = await acceptEvents(env, acct.id, [ev({ id: `evt_${(Date.now() - 5 * WINDOW_MS).toString(36).padStart(9, "0")}abc` })]);
    expect((await call("GET", `/api/events/${meta!.id}`, { key: acct.key })).status).toBe(200);

    const missing = await call("GET", "/api/events/never-published", { key: acct.key });
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe("not_found");
    // Another account's event is a 404 too.
    const other = await newAccount();
    expect((await call("GET", `/api/events/${supplied!.id}`, { key: other.key })).status).toBe(404);
  });

  it("replays an event found in an older partition", async () => {
    const acct = await newAccount();
    const [old] = await acceptEvents(env, acct.id, [ev({ id: "replay-old" })], Date.now() - 2 * WINDOW_MS);
    const res = await call("POST", `/api/events/${old!.id}/replay`, { key: acct.key, body: {} });
    expect(res.status).toBe(202);
    expect(res.json.eventId).toBe("replay-old");
  });
});

describe.concurrent("EventStore retention", () => {
  it("deletes a partition past retention with its alarm (storage and registry row), and keeps a newer one", async () => {
    const acct = await newAccount();
    const retentionDays = Number(env.RETENTION_DAYS);
    const oldNow = Date.now() - (retentionDays + 2) * WINDOW_MS;
    const [gone] = await acceptEvents(env, acct.id, [ev({ id: "too-old" })], oldNow);
    const [kept] = await acceptEvents(env, acct.id, [ev({ id: "recent" })]);
    const oldStub = eventStore(env, acct.id, windowOf(oldNow), 0);
    // The alarm is due already (end of that day + RETENTION_DAYS is past); run it if it has not run yet.
    expect(partitionExpiresAt(windowOf(oldNow), retentionDays)).toBeLessThan(Date.now());
    await waitFor("the old partition's alarm", async () => (await runDurableObjectAlarm(oldStub), await oldStub.get(gone!.id)), (e) => e === null);
    expect(await runInDurableObject(oldStub, (_i, state) => state.storage.sql.exec(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'events'`).toArray())).toEqual([]);
    const rows = await env.DB.prepare(`SELECT window FROM event_partitions WHERE account_id = ?`).bind(acct.id).all<{ window: number }>();
    expect(rows.results.map((r) => r.window)).toEqual([windowOf(Date.now())]);

    const newStub = eventStore(env, acct.id, windowOf(kept!.createdAt), 0);
    expect((await newStub.get(kept!.id))?.id).toBe("recent");
    // The accept armed a sweep; once its event is fanned out, the sweep puts the retention time back.
    await waitFor("the kept event fanned out", () => newStub.get(kept!.id), (e) => Boolean(e?.fannedOutAt));
    await runDurableObjectAlarm(newStub);
    const alarmAt = await runInDurableObject(newStub, (_i, state) => state.storage.getAlarm());
    expect(alarmAt).toBe(partitionExpiresAt(windowOf(kept!.createdAt), retentionDays));
    expect(await findEvent(env, acct.id, "too-old")).toBeNull();
  });

  it("creates no storage when a partition that was never written is read", async () => {
    const stub = eventStore(env, "acc_never", 12345, 0);
    expect(await stub.list({ limit: 10 })).toEqual([]);
    expect(await stub.get("evt_x")).toBeNull();
    expect(await stub.findDuplicates({ ids: ["a"], idempotencyKeys: ["b"], sourceKeys: [] }, 0)).toEqual({ ids: {}, idempotencyKeys: {}, sourceKeys: {} });
    const tables = await runInDurableObject(stub, (_i, state) => state.storage.sql.exec(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'`).toArray());
    expect(tables).toEqual([]);
  });
});
