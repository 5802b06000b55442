import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { CallRecord } from "../../src/domain/call";
import { insertCall } from "../../src/traffic/call-table";
import { partitionName, windowOf } from "../../src/traffic/partitions";
import { newInbox } from "../support/receiver";
import { call, callRows, crashObject, createWebhook, deliveries, doStub, newAccount, publish, runDueNow, waitForCalls, waitForDeliveryState, type Account } from "./helpers";

const DAY_MS = 86_400_000;
let n = 0;

const callAt = (acct: Account, createdAt: number, over: Partial<CallRecord> = {}): CallRecord => ({
  id: `call_t${String(n++).padStart(6, "0")}`, accountId: acct.id, webhookId: "wh_crafted", eventId: "evt_other", topic: "order.created", attempt: 1,
  status: "succeeded", httpStatus: 200, durationMs: 10, error: null, responseBody: "ok", url: "https://example.com/x", createdAt, nextAttemptAt: null, ...over,
});

/** Writes calls straight into the account's CallLog partitions, the way a webhook's outbox does. */
async function index(calls: CallRecord[]) {
  for (const c of calls) {
    const window = windowOf(c.createdAt);
    await env.CALL_LOG.getByName(partitionName(c.accountId, window, 0)).record(window, [c]);
  }
}

const list = async (acct: Account, query: string) => {
  const res = await call("GET", `/api/webhooks/calls${query}`, { key: acct.key });
  expect(res.status).toBe(200);
  return res.json as { data: { id: string }[]; nextCursor: string | null };
};
const ids = (page: { data: { id: string }[] }) => page.data.map((c) => c.id);

describe("the attempt log in the webhook's own object", () => {
  it("writes the call row in the same transaction as the outcome: a failed write leaves neither, the retry both", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    const wh = await createWebhook(acct, { url: inbox.url, delivery: { retrySchedule: [60] } });
    await doStub(wh.id).queueStatus(); // the object exists, with its tables
    // The call row's INSERT fails: the outcome's other writes (the delivery row, health) must roll back with it.
    await runInDurableObject(doStub(wh.id), (_i, s) => s.storage.sql.exec(`CREATE TRIGGER test_fail BEFORE INSERT ON calls BEGIN SELECT RAISE(ABORT, 'test: disk full'); END`));
    const evt = await publish(acct, "order.created", { n: 1 });
    await inbox.waitFor(1);
    const stuck = await waitForDeliveryState(wh.id, (rows) => rows[0]?.state === "in_flight" && rows[0].attempts === 1);
    expect(stuck).toHaveLength(1);
    expect(await callRows(wh.id)).toHaveLength(0);
    // Storage healthy, the instance gone (the crash): the attempt is known to have started, not how it ended.
    await runInDurableObject(doStub(wh.id), (_i, s) => s.storage.sql.exec(`DROP TRIGGER test_fail`));
    await crashObject(wh.id);
    await runDueNow(wh.id);
    await runDueNow(wh.id);
    const rows = await waitForCalls(wh.id, 2);
    expect(rows.map((r) => [r.event_id, r.attempt, r.status])).toEqual([
      [evt.id, 1, "retrying"],
      [evt.id, 2, "succeeded"],
    ]);
    expect(rows[0]!.error).toMatch(/interrupted/);
    expect((await deliveries(wh.id))[0]).toMatchObject({ state: "succeeded", attempts: 2 });
  });

  it("keeps one day of call rows in the object (never one the index lacks) and lists older ones from the index", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    const wh = await createWebhook(acct, { url: inbox.url });
    await publish(acct, "order.created", { n: 1 });
    const [fresh] = await waitForCalls(wh.id, 1);
    const twoDaysAgo = callAt(acct, Date.now() - 2 * DAY_MS, { webhookId: wh.id });
    const unforwarded = callAt(acct, Date.now() - 2 * DAY_MS - 1000, { webhookId: wh.id });
    const ancient = callAt(acct, Date.now() - 31 * DAY_MS, { webhookId: wh.id });
    await index([twoDaysAgo]);
    await runInDurableObject(doStub(wh.id), (_i, s) => {
      for (const c of [twoDaysAgo, unforwarded, ancient]) insertCall(s.storage.sql, c);
      // Still waiting for the index (an outage): the purge must keep it.
      s.storage.sql.exec(`INSERT INTO call_forward (call_id) VALUES (?)`, unforwarded.id);
      s.storage.kv.put("purgedAt", 0);
    });
    // The index's day is down for this run, so the unforwarded row is still waiting when the purge runs.
    const old = env.CALL_LOG.getByName(partitionName(acct.id, windowOf(unforwarded.createdAt), 0));
    await runInDurableObject(old, (instance) => {
      (instance as unknown as { record: () => Promise<void> }).record = async () => {
        throw new Error("test: call index unavailable");
      };
    });
    await runDueNow(wh.id);
    expect((await callRows(wh.id)).map((r) => r.id).sort()).toEqual([fresh!.id, unforwarded.id].sort());
    // Per-webhook listing: the object's day first, then the index's older days, one cursor across both.
    const first = await list(acct, `?webhookId=${wh.id}&limit=1`);
    expect(ids(first)).toEqual([fresh!.id]);
    const second = await list(acct, `?webhookId=${wh.id}&limit=1&cursor=${first.nextCursor}`);
    expect(ids(second)).toEqual([twoDaysAgo.id]);
    expect(ids(await list(acct, `?webhookId=${wh.id}`))).toEqual([fresh!.id, twoDaysAgo.id]);
  });
});

describe("the account-wide call index (CallLog partitions)", () => {
  it("lists newest first across days with every filter, and its cursor stays put while new calls arrive", async () => {
    const acct = await newAccount();
    const event = await publish(acct, "order.created", { n: 1 });
    const base = Date.parse(event.createdAt) + 1000;
    const c1 = callAt(acct, base - DAY_MS - 10, { topic: "a" });
    const c2 = callAt(acct, base - DAY_MS, { topic: "b", status: "failed", httpStatus: 500 });
    const c3 = callAt(acct, base + 1, { topic: "a", status: "retrying", eventId: event.id, nextAttemptAt: base + 60_000 });
    const c4 = callAt(acct, base + 2, { topic: "b", eventId: event.id });
    const c5 = callAt(acct, base + 3, { topic: "a" });
    await index([c1, c2, c3, c4, c5]);

    const p1 = await list(acct, "?limit=2");
    expect(ids(p1)).toEqual([c5.id, c4.id]);
    // A newer call arrives between pages: the next page starts where the first ended.
    const c6 = callAt(acct, base + 10, { topic: "a" });
    await index([c6]);
    const p2 = await list(acct, `?limit=2&cursor=${p1.nextCursor}`);
    expect(ids(p2)).toEqual([c3.id, c2.id]);
    const p3 = await list(acct, `?limit=2&cursor=${p2.nextCursor}`);
    expect(ids(p3)).toEqual([c1.id]);
    expect(p3.nextCursor).toBeNull();

    expect(ids(await list(acct, ""))).toEqual([c6.id, c5.id, c4.id, c3.id, c2.id, c1.id]);
    expect(ids(await list(acct, "?status=failed"))).toEqual([c2.id]);
    expect(ids(await list(acct, "?status=retrying"))).toEqual([c3.id]);
    expect(ids(await list(acct, "?topic=a"))).toEqual([c6.id, c5.id, c3.id, c1.id]);
    expect(ids(await list(acct, `?eventId=${event.id}`))).toEqual([c4.id, c3.id]);
    expect(ids(await list(acct, "?eventId=evt_never_published"))).toEqual([]);
    expect(ids(await list(acct, `?since=${base + 2}`))).toEqual([c6.id, c5.id, c4.id]);
    expect(ids(await list(acct, `?until=${base + 2}`))).toEqual([c3.id, c2.id, c1.id]);
    expect(ids(await list(acct, `?since=${base - DAY_MS}&until=${base + 3}&topic=b`))).toEqual([c4.id, c2.id]);
    const fields = (await list(acct, "?status=retrying")).data[0];
    expect(fields).toMatchObject({ id: c3.id, webhookId: "wh_crafted", eventId: event.id, topic: "a", attempt: 1, status: "retrying", httpStatus: 200, url: c3.url });
    // Another account's index is another set of objects.
    const other = await newAccount();
    expect(ids(await list(other, ""))).toEqual([]);
  });

  it("account stats add up the day partitions, exactly at a since inside an hour", async () => {
    const acct = await newAccount();
    const now = Date.now();
    await index([
      callAt(acct, now - DAY_MS - 5000, { topic: "a", durationMs: 100 }),
      callAt(acct, now - 3000, { topic: "a", status: "failed", durationMs: 300 }),
      callAt(acct, now - 2000, { topic: "b", durationMs: 200 }),
      callAt(acct, now - 1000, { topic: "b", status: "retrying", durationMs: null }),
    ]);
    const all = await call("GET", "/api/stats", { key: acct.key });
    expect(all.json).toMatchObject({ totalSent: 4, successful: 2, failed: 2, averageResponseTimeMs: 200, byEvent: { a: 2, b: 2 } });
    expect(Date.parse(all.json.lastDelivery)).toBe(now - 1000);
    const recent = await call("GET", `/api/stats?since=${now - 2500}`, { key: acct.key });
    expect(recent.json).toMatchObject({ totalSent: 2, successful: 1, failed: 1, averageResponseTimeMs: 200, byEvent: { b: 2 } });
    const none = await call("GET", `/api/stats?since=${now + 60_000}`, { key: acct.key });
    expect(none.json).toMatchObject({ totalSent: 0, averageResponseTimeMs: null, lastDelivery: null, byEvent: {} });
  });

  it("a CallLog outage delays the index, never loses a call, and never holds deliveries back", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    const wh = await createWebhook(acct, { url: inbox.url });
    const log = env.CALL_LOG.getByName(partitionName(acct.id, windowOf(Date.now()), 0));
    // The partition's record() RPC fails until its instance is replaced.
    await runInDurableObject(log, (instance) => {
      (instance as unknown as { record: () => Promise<void> }).record = async () => {
        throw new Error("test: call index unavailable");
      };
    });
    const a = await publish(acct, "order.created", { n: 1 });
    const b = await publish(acct, "order.created", { n: 2 });
    expect((await inbox.waitFor(2)).map((r) => r.headers["webhook-id"])).toEqual([a.id, b.id]);
    await waitForCalls(wh.id, 2);
    const waiting = () => runInDurableObject(doStub(wh.id), (_i, s) => s.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM call_forward`).one().n);
    expect(await waiting()).toBe(2);
    expect(ids(await list(acct, ""))).toEqual([]);
    // The index is back (a fresh instance): the next run forwards both, once.
    await evictDurableObject(log);
    await runDueNow(wh.id);
    expect(await waiting()).toBe(0);
    const listed = await list(acct, "");
    expect(listed.data.map((c) => (c as unknown as { eventId: string }).eventId)).toEqual([b.id, a.id]);
    expect(ids(listed).sort()).toEqual((await callRows(wh.id)).map((r) => r.id).sort());
  });

  it("a partition past retention deletes itself in its alarm; a newer one is intact", async () => {
    const acct = await newAccount();
    const today = windowOf(Date.now());
    const oldWindow = today - 40;
    const oldLog = env.CALL_LOG.getByName(partitionName(acct.id, oldWindow, 0));
    const newLog = env.CALL_LOG.getByName(partitionName(acct.id, today, 0));
    // record() refuses a day already past retention.
    expect(await oldLog.record(oldWindow, [callAt(acct, oldWindow * DAY_MS + 10)])).toEqual({ recorded: 0 });
    // Written while it was young (rows straight into its storage), then its day ages out.
    await runInDurableObject(oldLog, (_i, s) => {
      insertCall(s.storage.sql, callAt(acct, oldWindow * DAY_MS + 20));
      s.storage.kv.put("window", oldWindow);
    });
    const kept = callAt(acct, Date.now());
    expect(await newLog.record(today, [kept])).toEqual({ recorded: 1 });
    expect(await newLog.record(today, [kept])).toEqual({ recorded: 0 }); // idempotent on the call id
    await runInDurableObject(oldLog, (instance) => instance.alarm());
    await runInDurableObject(newLog, (instance) => instance.alarm());
    const left = await runInDurableObject(oldLog, (_i, s) => ({
      window: s.storage.kv.get("window"),
      tables: s.storage.sql.exec(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'calls'`).toArray().length,
    }));
    expect(left.window).toBeUndefined();
    if (left.tables) expect(await runInDurableObject(oldLog, (_i, s) => s.storage.sql.exec(`SELECT COUNT(*) AS n FROM calls`).one().n)).toBe(0);
    expect((await newLog.list({ limit: 10 })).map((c) => c.id)).toEqual([kept.id]);
    expect(await runInDurableObject(newLog, (_i, s) => s.storage.getAlarm())).toBeGreaterThan(Date.now() + 29 * DAY_MS);
  });
});

