import { createExecutionContext, createScheduledController, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src";
import { runCron } from "../../src/delivery/cron";
import { eventStore } from "../../src/traffic/events";
import { windowOf } from "../../src/traffic/partitions";
import { storedEvent, storeEvent } from "../support/events";
import { newInbox } from "../support/receiver";
import { call, createWebhook, doStub, newAccount, publish, waitForCalls } from "./helpers";

const DAY_MS = 86_400_000;

describe("cron: the backstop sweeper and retention, hourly", () => {
  it("re-enqueues an event that was stored but never fanned out", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    const wh = await createWebhook(acct, { url: inbox.url });
    const { id } = await storeEvent(acct.id, { id: `evt_unfanned_${Date.now()}`, topic: "order.created", payload: { n: 1 }, createdAt: Date.now() - 120_000 });
    // The real scheduled handler (the hourly cron): the backstop sweeper runs. The partition's own
    // sweep is armed for 90 s from now; the cron does not wait for it.
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "0 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const [req] = await inbox.waitFor(1);
    expect(req!.headers["webhook-id"]).toBe(id);
    await waitForCalls(wh.id, 1);
  });

  it("purges expired partitions the registry still lists, and hard-deletes webhooks past the restore window", async () => {
    const acct = await newAccount();
    const now = Date.now();
    const old = now - 31 * DAY_MS;
    // An expired partition whose alarm never cleaned up (its registry row and data made by hand).
    const ancient = await storeEvent(acct.id, { id: "evt_ancient", topic: "t", payload: {}, createdAt: now - 3_600_000 });
    const ancientWindow = windowOf(old);
    await env.DB.prepare(`INSERT INTO event_partitions (account_id, window, shard, shards, created_at) VALUES (?, ?, 0, 1, ?)`).bind(acct.id, ancientWindow, old).run();
    const stale = eventStore(env, acct.id, ancientWindow, 0);
    await runInDurableObject(stale, (_instance, state) => {
      state.storage.kv.put("partition", { accountId: acct.id, window: ancientWindow, shard: 0, shards: 1, expiresAt: now + DAY_MS });
    });
    const inbox = await newInbox({ fallback: { status: 500 } });
    const gone = await createWebhook(acct, { url: inbox.url, delivery: { retrySchedule: [3600] } });
    const kept = await createWebhook(acct, { url: "https://example.com/kept", topics: ["never.published"] });
    await publish(acct, "order.created", { n: 1 });
    await waitForCalls(gone.id, 1);
    await call("DELETE", `/api/webhooks/${gone.id}`, { key: acct.key });
    await call("DELETE", `/api/webhooks/${kept.id}`, { key: acct.key });
    await env.DB.prepare(`UPDATE webhooks SET deleted_at = ? WHERE id = ?`).bind(old, gone.id).run();

    const report = await runCron(env, now);
    expect(report.partitionsPurged).toBeGreaterThanOrEqual(1);
    expect(report.webhooksDeleted).toBeGreaterThanOrEqual(1);

    expect(await env.DB.prepare(`SELECT 1 FROM event_partitions WHERE account_id = ? AND window = ?`).bind(acct.id, ancientWindow).first()).toBeNull();
    expect(await runInDurableObject(stale, (_i, state) => state.storage.kv.get("partition") ?? null)).toBeNull();
    // Today's partition is untouched.
    expect((await storedEvent(acct.id, ancient.id))?.id).toBe("evt_ancient");
    expect(await env.DB.prepare(`SELECT 1 FROM webhooks WHERE id = ?`).bind(gone.id).first()).toBeNull();
    expect(await env.DB.prepare(`SELECT 1 FROM webhooks WHERE id = ?`).bind(kept.id).first()).not.toBeNull();
    // The hard-deleted webhook's DO dropped its deliveries and its alarm.
    const leftover = await runInDurableObject(doStub(gone.id), async (_i, state) => ({
      alarm: await state.storage.getAlarm(),
      tables: state.storage.sql.exec(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'deliveries'`).toArray().length,
    }));
    expect(leftover.alarm).toBeNull();
    expect(leftover.tables === 0 || (await runInDurableObject(doStub(gone.id), (_i, s) => s.storage.sql.exec(`SELECT COUNT(*) AS n FROM deliveries`).one().n)) === 0).toBe(true);
  });
});
