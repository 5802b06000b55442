import { describe, expect, it } from "vitest";
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
