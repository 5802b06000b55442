import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { CallRecord } from "../../src/domain/call";
import { eventStore } from "../../src/traffic/events";
import { partitionName, windowOf } from "../../src/traffic/partitions";
import { storeEvent } from "../support/events";
import { newInbox } from "../support/receiver";
import { call, createWebhook, newAccount, publish, waitFanout, waitFor, waitForCalls } from "./helpers";

/** GET /api/events/{id} deliveries: each matched webhook's object answers for its own delivery. */
describe("an event's delivery state at each webhook", () => {
  it("reports succeeded, retrying (with the next attempt) and a cleared delivery as failed", async () => {
    const acct = await newAccount();
    const ok = await newInbox();
    const flaky = await newInbox({ fallback: { status: 503 } });
    const cleared = await newInbox({ fallback: { status: 500 } });
    const a = await createWebhook(acct, { url: ok.url });
    const b = await createWebhook(acct, { url: flaky.url, delivery: { retrySchedule: [600] } });
    const c = await createWebhook(acct, { url: cleared.url, delivery: { retrySchedule: [600] } });
    const evt = await publish(acct, "order.created", { n: 1 });
    await waitFanout(acct, evt.id);
    await Promise.all([waitForCalls(a.id, 1), waitForCalls(b.id, 1), waitForCalls(c.id, 1)]);
    expect((await call("DELETE", `/api/webhooks/${c.id}/queue`, { key: acct.key })).json.cancelled).toBe(1);
    const res = await waitFor("three states", () => call("GET", `/api/events/${evt.id}`, { key: acct.key }), (r) => r.json.deliveries?.length === 3);
    const byId = new Map(res.json.deliveries.map((d: { webhookId: string }) => [d.webhookId, d]));
    expect(byId.get(a.id)).toMatchObject({ state: "succeeded", attempts: 1, httpStatus: 200, nextAttemptAt: null });
    expect(byId.get(b.id)).toMatchObject({ state: "retrying", attempts: 1, httpStatus: 503 });
    expect(Date.parse((byId.get(b.id) as { nextAttemptAt: string }).nextAttemptAt)).toBeGreaterThan(Date.now() + 400_000); // 600 s ± 20 % jitter
    expect(byId.get(c.id)).toMatchObject({ state: "failed", attempts: 1, httpStatus: 500, nextAttemptAt: null });
    expect(Object.keys(res.json.deliveries[0]).sort()).toEqual(["attempts", "httpStatus", "lastAttemptAt", "nextAttemptAt", "state", "webhookId"]);
  });
});

describe("an older event's delivery state", () => {
  it("comes from the account-wide index once the webhooks' own one-day logs no longer hold its calls", async () => {
    const acct = await newAccount();
    const createdAt = Date.now() - 3 * 86_400_000;
    const placed = await storeEvent(acct.id, { topic: "order.created", payload: { n: 1 }, createdAt });
    await eventStore(env, acct.id, placed.window, placed.shard).stamp([{ eventId: placed.id, webhookIds: ["wh_a", "wh_b"] }], createdAt + 100);
    const attempt = (webhookId: string, n: number, status: "succeeded" | "failed", at: number): CallRecord => ({
      id: `call_old${webhookId}${n}`, accountId: acct.id, webhookId, eventId: placed.id, topic: "order.created", attempt: n, status,
      httpStatus: status === "succeeded" ? 200 : 500, durationMs: 5, error: null, responseBody: null, url: "https://example.com", createdAt: at, nextAttemptAt: null,
    });
    const calls = [attempt("wh_a", 1, "failed", createdAt + 1000), attempt("wh_a", 2, "succeeded", createdAt + 6000), attempt("wh_b", 1, "failed", createdAt + 2000)];
    const window = windowOf(createdAt);
    await env.CALL_LOG.getByName(partitionName(acct.id, window, 0)).record(window, calls);
    const res = await call("GET", `/api/events/${placed.id}`, { key: acct.key });
    expect(res.status).toBe(200);
    const byId = new Map(res.json.deliveries.map((d: { webhookId: string }) => [d.webhookId, d]));
    expect(byId.get("wh_a")).toMatchObject({ state: "succeeded", attempts: 2, httpStatus: 200 });
    expect(byId.get("wh_b")).toMatchObject({ state: "failed", attempts: 1, httpStatus: 500 });
  });
});
