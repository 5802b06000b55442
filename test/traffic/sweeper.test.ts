import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { acceptEvents } from "../../src/accepting/accept";
import { sweepUnfanned } from "../../src/delivery/sweeper";
import { recentPartitions, type PartitionRow } from "../../src/store/event-partitions";
import { partitionExpiresAt, SWEEP_DELAY_MS, SWEEP_EVERY_MS } from "../../src/traffic/event-store";
import { eventStore } from "../../src/traffic/events";
import { WINDOW_MS, windowOf } from "../../src/traffic/partitions";
import { createWebhook, waitFor } from "../delivery/helpers";
import { storedEvent } from "../support/events";
import { newAccount } from "../support/http";
import { newInbox } from "../support/receiver";

/** An env whose queue sends fail: what it accepts is stored but never fanned out. */
const noQueue = { ...env, DELIVERIES: { sendBatch: () => Promise.reject(new Error("queue down")) } } as unknown as Env;

/** An account with one webhook on message.* delivering to a fresh inbox. */
async function withWebhook() {
  const acct = await newAccount();
  const inbox = await newInbox();
  await createWebhook(acct, { url: inbox.url, topics: ["message.*"] });
  return { acct, inbox };
}

/** Unfanned events are swept by their own partition's alarm and, as the backstop, by the cron's sweeper (every partition of the last 24 h). */
describe.concurrent("sweeper", () => {
  it("delivers events whose queue send failed, from yesterday's and today's partitions", async () => {
    const { acct, inbox } = await withWebhook();
    const now = Date.now();
    const [yesterday] = await acceptEvents(noQueue, acct.id, [{ topic: "message.received", payload: '{"n":1}', contentType: "application/json" }], now - WINDOW_MS + 3_600_000);
    const [today] = await acceptEvents(noQueue, acct.id, [{ topic: "message.received", payload: '{"n":2}', contentType: "application/json" }], now - 120_000);
    // Too old to sweep (over 24 h) and too young (may still be on its way): left alone.
    const [ancient] = await acceptEvents(noQueue, acct.id, [{ topic: "message.received", payload: '{"n":3}', contentType: "application/json" }], now - WINDOW_MS - 60_000);
    const [young] = await acceptEvents(noQueue, acct.id, [{ topic: "message.received", payload: '{"n":4}', contentType: "application/json" }], now - 1000);
    expect((await storedEvent(acct.id, today!.id))?.fannedOutAt).toBeNull();

    expect(await sweepUnfanned(env, now)).toBeGreaterThanOrEqual(2);
    const reqs = await inbox.waitFor(2);
    expect(reqs.map((r) => r.headers["webhook-id"]).sort()).toEqual([yesterday!.id, today!.id].sort());
    await waitFor("both stamped", async () => [await storedEvent(acct.id, yesterday!.id), await storedEvent(acct.id, today!.id)], (es) => es.every((e) => e?.fannedOutAt));
    expect((await storedEvent(acct.id, ancient!.id))?.fannedOutAt).toBeNull();
    expect((await storedEvent(acct.id, young!.id))?.fannedOutAt).toBeNull();
  });

  it("a partition sweeps itself from its alarm: re-enqueues what was never fanned out, checks again while events wait, then goes back to retention", async () => {
    const { acct, inbox } = await withWebhook();
    const now = Date.now();
    // Both land in today's partition (unless the test runs in the first two minutes of a UTC day).
    const acceptedAt = windowOf(now - 120_000) === windowOf(now) ? now - 120_000 : now;
    const before = Date.now();
    const [stuck] = await acceptEvents(noQueue, acct.id, [{ topic: "message.received", payload: '{"n":1}', contentType: "application/json" }], acceptedAt);
    const [young] = await acceptEvents(noQueue, acct.id, [{ topic: "message.received", payload: '{"n":2}', contentType: "application/json" }], Date.now() + 60_000);
    const stub = eventStore(env, acct.id, windowOf(acceptedAt), 0);
    const alarmAt = () => runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    // The accept brought the alarm forward from the retention time to a sweep.
    const armed = await alarmAt();
    expect(armed).toBeGreaterThanOrEqual(before + SWEEP_DELAY_MS);
    expect(armed).toBeLessThanOrEqual(Date.now() + SWEEP_DELAY_MS);

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const [got] = await inbox.waitFor(1);
    expect(got!.headers["webhook-id"]).toBe(stuck!.id);
    await waitFor("the stuck event stamped", () => storedEvent(acct.id, stuck!.id), (e) => Boolean(e?.fannedOutAt));
    // The young one (accepted "in the future", so never old enough to sweep) still waits: checked again later.
    expect((await storedEvent(acct.id, young!.id))?.fannedOutAt).toBeNull();
    const next = await alarmAt();
    expect(next).toBeGreaterThan(Date.now());
    expect(next).toBeLessThanOrEqual(Date.now() + SWEEP_EVERY_MS);
    expect(await inbox.requests()).toHaveLength(1);

    // Nothing unfanned left: the alarm is the retention time again.
    await runInDurableObject(stub, (_i, state) => state.storage.sql.exec(`UPDATE events SET fanned_out_at = ? WHERE id = ?`, Date.now(), young!.id));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await alarmAt()).toBe(partitionExpiresAt(windowOf(acceptedAt), Number(env.RETENTION_DAYS)));
  });

  it("reads the registry a page at a time, each page after the last", async () => {
    // A window far in the future: only this test's rows are that recent.
    const window = 9_000_000 + Math.floor(Math.random() * 1_000_000);
    const rows = ["acc_b:1", "acc_a:0", "acc_b:0", "acc_a:2", "acc_c:0"].map((k) => ({ accountId: k.split(":")[0]!, shard: Number(k.split(":")[1]) }));
    await env.DB.batch(rows.map((r) => env.DB.prepare(`INSERT INTO event_partitions (account_id, window, shard, shards, created_at) VALUES (?, ?, ?, 4, 0)`).bind(r.accountId, window, r.shard)));
    const seen: PartitionRow[] = [];
    for (let page = 0; page < 10; page++) {
      const next = await recentPartitions(env.DB, window, seen.at(-1) ?? null, 2);
      seen.push(...next);
      if (next.length < 2) break;
    }
    expect(seen.map((p) => `${p.accountId}:${p.shard}`)).toEqual(["acc_a:0", "acc_a:2", "acc_b:0", "acc_b:1", "acc_c:0"]);
    await env.DB.prepare(`DELETE FROM event_partitions WHERE window = ?`).bind(window).run();
  });
});
