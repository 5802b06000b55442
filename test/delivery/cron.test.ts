import { createExecutionContext, createScheduledController, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { runCron } from "../../src/delivery/retention";
import { newInbox } from "../support/receiver";
import { call, createWebhook, doStub, newAccount, publish, waitForCalls } from "./helpers";

const DAY_MS = 86_400_000;

describe("cron: sweeper and retention", () => {
  it("re-enqueues an event that was stored but never fanned out", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    const wh = await createWebhook(acct, { url: inbox.url });
    const id = `evt_unfanned_${Date.now()}`;
    await env.DB.prepare(`INSERT INTO events (account_id, id, topic, content_type, payload, created_at) VALUES (?, ?, 'order.created', 'application/json', '{"n":1}', ?)`)
      .bind(acct.id, id, Date.now() - 120_000)
      .run();
    // The real scheduled handler, at a time whose minute is not 0: only the sweeper runs.
    const at = new Date();
    at.setUTCMinutes(5, 0, 0);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Math.max(at.getTime(), Date.now()), cron: "*/5 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const [req] = await inbox.waitFor(1);
    expect(req!.headers["webhook-id"]).toBe(id);
    await waitForCalls(wh.id, 1);
  });

  it("purges old events, clears 24 h dedupe keys, and hard-deletes webhooks past the restore window", async () => {
    const acct = await newAccount();
    const now = Date.now();
    const old = now - 31 * DAY_MS;
    await env.DB.batch([
      env.DB.prepare(`INSERT INTO events (account_id, id, topic, content_type, payload, created_at, fanned_out_at) VALUES (?, 'evt_ancient', 't', 'application/json', '{}', ?, ?)`).bind(acct.id, old, old),
      env.DB.prepare(`INSERT INTO events (account_id, id, topic, content_type, payload, created_at, fanned_out_at, idempotency_key) VALUES (?, 'evt_yesterday', 't', 'application/json', '{}', ?, ?, 'key-1')`).bind(acct.id, now - 2 * DAY_MS, now),
      env.DB.prepare(`INSERT INTO events (account_id, id, topic, content_type, payload, created_at, fanned_out_at, idempotency_key) VALUES (?, 'evt_recent', 't', 'application/json', '{}', ?, ?, 'key-2')`).bind(acct.id, now - 3_600_000, now),
    ]);
    const inbox = await newInbox({ fallback: { status: 500 } });
    const gone = await createWebhook(acct, { url: inbox.url, delivery: { retrySchedule: [3600] } });
    const kept = await createWebhook(acct, { url: "https://example.com/kept", topics: ["never.published"] });
    await publish(acct, "order.created", { n: 1 });
    await waitForCalls(gone.id, 1);
    await call("DELETE", `/api/webhooks/${gone.id}`, { key: acct.key });
    await call("DELETE", `/api/webhooks/${kept.id}`, { key: acct.key });
    await env.DB.prepare(`UPDATE webhooks SET deleted_at = ? WHERE id = ?`).bind(old, gone.id).run();

    const report = await runCron(env, now, { retention: true });
    expect(report.eventsPurged).toBeGreaterThanOrEqual(1);
    expect(report.webhooksDeleted).toBeGreaterThanOrEqual(1);

    const events = await env.DB.prepare(`SELECT id, idempotency_key FROM events WHERE account_id = ? ORDER BY id`).bind(acct.id).all<{ id: string; idempotency_key: string | null }>();
    const byId = new Map(events.results.map((e) => [e.id, e.idempotency_key]));
    expect(byId.has("evt_ancient")).toBe(false);
    expect(byId.get("evt_yesterday")).toBeNull();
    expect(byId.get("evt_recent")).toBe("key-2");
    expect(await env.DB.prepare(`SELECT 1 FROM webhooks WHERE id = ?`).bind(gone.id).first()).toBeNull();
    expect(await env.DB.prepare(`SELECT 1 FROM webhooks WHERE id = ?`).bind(kept.id).first()).not.toBeNull();
    // The hard-deleted webhook's DO dropped its deliveries and its alarm.
    const leftover = await runInDurableObject(doStub(gone.id), async (_i, state) => ({
      alarm: await state.storage.getAlarm(),
      tables: state.storage.sql.exec(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'deliveries'`).toArray().length,
    }));
    expect(leftover.alarm).toBeNull();
    expect(leftover.tables === 0 || (await runInDurableObject(doStub(gone.id), (_i, s) => s.storage.sql.exec(`SELECT COUNT(*) AS n FROM deliveries`).one().n)) === 0).toBe(true);
    // The idempotency key of the cleared event can be reused.
    const again = await call("POST", "/api/events", { key: acct.key, headers: { "idempotency-key": "key-1" }, body: { topic: "t", payload: {} } });
    expect(again.json.duplicate).toBe(false);
  });
});
