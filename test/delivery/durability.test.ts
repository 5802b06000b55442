import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newInbox } from "../support/receiver";
import { barrierWebhook, call, callRows, crashObject, createWebhook, deliveries, doStub, newAccount, publish, runDueNow, waitFanout, waitFor, waitForCalls } from "./helpers";

describe.concurrent("durability of pending deliveries", () => {
  it("eviction between attempts loses nothing", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ responses: [{ status: 500 }], fallback: { status: 200 } });
    const wh = await createWebhook(acct, { url: inbox.url, delivery: { retrySchedule: [60] } });
    const evt = await publish(acct, "order.created", { n: 1 });
    await waitForCalls(wh.id, 1);
    await evictDurableObject(doStub(wh.id));
    await runDueNow(wh.id);
    const reqs = await inbox.waitFor(2);
    expect(reqs.map((r) => r.headers["webhook-id"])).toEqual([evt.id, evt.id]);
    expect((await waitForCalls(wh.id, 2)).map((c) => c.status)).toEqual(["retrying", "succeeded"]);
  });

  // The object is aborted (state.abort(), what abortAllDurableObjects() does to each object) rather
  // than every object in the runtime: see crashObject.
  it("a crash (the object aborted) between attempts loses nothing", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ responses: [{ status: 503 }], fallback: { status: 200 } });
    const wh = await createWebhook(acct, { url: inbox.url, delivery: { retrySchedule: [60] } });
    await publish(acct, "order.created", { n: 1 });
    await waitForCalls(wh.id, 1);
    await crashObject(wh.id);
    expect((await deliveries(wh.id))[0]).toMatchObject({ state: "pending", attempts: 1 });
    await runDueNow(wh.id);
    await inbox.waitFor(2);
    expect((await waitForCalls(wh.id, 2)).map((c) => c.status)).toEqual(["retrying", "succeeded"]);
  });

  it("an attempt interrupted mid-request is recorded as failed and retried", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ responses: [{ status: 200, delayMs: 4000 }], fallback: { status: 200 } });
    const wh = await createWebhook(acct, { url: inbox.url, delivery: { retrySchedule: [60], timeoutMs: 10_000 } });
    await publish(acct, "order.created", { n: 1 });
    await inbox.waitFor(1);
    // The request is out (the receiver is holding it): the row was marked before it left.
    expect((await deliveries(wh.id))[0]).toMatchObject({ state: "in_flight", attempts: 1 });
    await crashObject(wh.id);
    const rows = await waitFor(
      "the interrupted attempt to be retried",
      async () => {
        await runDueNow(wh.id);
        return callRows(wh.id);
      },
      (r) => r.some((c) => c.status === "succeeded"),
      15_000,
    );
    expect(rows[0]).toMatchObject({ attempt: 1, status: "retrying" });
    expect(rows[0]!.error).toMatch(/interrupted/);
    expect(rows.at(-1)).toMatchObject({ attempt: 2, status: "succeeded" });
    expect((await deliveries(wh.id))[0]).toMatchObject({ state: "succeeded", attempts: 2 });
  });

  it("an alarm run that throws reschedules itself a few seconds out", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ responses: [{ status: 500 }], fallback: { status: 200 } });
    const wh = await createWebhook(acct, { url: inbox.url, delivery: { retrySchedule: [60] } });
    await publish(acct, "order.created", { n: 1 });
    await waitForCalls(wh.id, 1);
    const stub = doStub(wh.id);
    // The call row is written mid-run (the run then forwards it to the CallLog): wait for the run to
    // end, or the alarm below meets a running one and is only parked for the watchdog.
    await waitFor("the first alarm run to end", () => runInDurableObject(stub, (i) => (i as unknown as { running: boolean }).running), (running) => !running);
    // Storage failing under the run: any write to a delivery row aborts (a config that fails to
    // parse no longer throws: it is skipped, see stored-data.test.ts).
    await runInDurableObject(stub, async (_i, state) => {
      state.storage.sql.exec(`UPDATE deliveries SET next_attempt_at = 0 WHERE state = 'pending'`);
      state.storage.sql.exec(`CREATE TRIGGER test_fail BEFORE UPDATE ON deliveries BEGIN SELECT RAISE(ABORT, 'test: storage failing'); END`);
      await state.storage.setAlarm(Date.now() + 60_000);
    });
    const before = Date.now();
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const alarm = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm! - before).toBeGreaterThan(2_000);
    expect(alarm! - before).toBeLessThan(10_000);
    // Storage healthy again: the next run sends.
    await runInDurableObject(stub, (_i, state) => state.storage.sql.exec(`DROP TRIGGER test_fail`));
    await runDueNow(wh.id);
    await inbox.waitFor(2);
  });
});

describe.concurrent("pausing, deleting and restoring", () => {
  it("pausing holds pending deliveries and resuming delivers them; events published while paused are not delivered", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ responses: [{ status: 500 }], fallback: { status: 200 } });
    const wh = await createWebhook(acct, { url: inbox.url, delivery: { retrySchedule: [60] } });
    await publish(acct, "order.created", { n: 1 });
    await waitForCalls(wh.id, 1);
    expect((await call("PUT", `/api/webhooks/${wh.id}`, { key: acct.key, body: { active: false } })).json.status).toBe("inactive");
    // The due retry's alarm run completes (the barrier for it) without sending.
    expect(await runDueNow(wh.id)).toBe(true);
    const barrier = await barrierWebhook(acct);
    const second = await publish(acct, "order.created", { n: 2 });
    await barrier.waitFor(1);
    await waitFanout(acct, second.id);
    expect(await inbox.requests()).toHaveLength(1);
    expect(await deliveries(wh.id)).toHaveLength(1);
    // Resuming sets the alarm; the retry (made due above) goes out without a push from the test.
    await call("PUT", `/api/webhooks/${wh.id}`, { key: acct.key, body: { active: true } });
    const reqs = await inbox.waitFor(2);
    expect(reqs.map((r) => JSON.parse(r.body).n)).toEqual([1, 1]);
    // Barrier: an event published after resuming arrives next; n:2 (published while paused) never does.
    await publish(acct, "order.created", { n: 3 });
    expect((await inbox.waitFor(3)).map((r) => JSON.parse(r.body).n)).toEqual([1, 1, 3]);
    expect(await inbox.requests()).toHaveLength(3);
  });

  it("a deleted webhook receives nothing, and its waiting deliveries resume when it is restored", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ responses: [{ status: 500 }], fallback: { status: 200 } });
    const wh = await createWebhook(acct, { url: inbox.url, delivery: { retrySchedule: [60] } });
    await publish(acct, "order.created", { n: 1 });
    await waitForCalls(wh.id, 1);
    expect((await call("DELETE", `/api/webhooks/${wh.id}`, { key: acct.key })).status).toBe(200);
    expect(await runDueNow(wh.id)).toBe(true);
    const barrier = await barrierWebhook(acct);
    const second = await publish(acct, "order.created", { n: 2 });
    await barrier.waitFor(1);
    await waitFanout(acct, second.id);
    expect(await inbox.requests()).toHaveLength(1);
    expect((await call("POST", `/api/webhooks/${wh.id}/restore`, { key: acct.key })).status).toBe(200);
    const reqs = await inbox.waitFor(2);
    expect(JSON.parse(reqs[1]!.body).n).toBe(1);
  });

  it("deleting the account stops its webhooks' waiting retries", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ responses: [{ status: 500 }], fallback: { status: 200 } });
    const wh = await createWebhook(acct, { url: inbox.url, delivery: { retrySchedule: [60] } });
    await publish(acct, "order.created", { n: 1 });
    await waitForCalls(wh.id, 1);
    expect((await call("DELETE", `/api/accounts/${acct.id}`)).status).toBe(200);
    // The retry is made due; the object must know its webhook is gone and hold it. The alarm run
    // completing is the barrier: it is the only sender.
    expect(await runDueNow(wh.id)).toBe(true);
    expect(await inbox.requests()).toHaveLength(1);
    expect((await deliveries(wh.id)).map((d) => d.state)).toEqual(["pending"]);
  });

  it("a webhook deleted before the event is published receives nothing", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    const wh = await createWebhook(acct, { url: inbox.url });
    await call("DELETE", `/api/webhooks/${wh.id}`, { key: acct.key });
    const barrier = await barrierWebhook(acct);
    const evt = await publish(acct, "order.created", { n: 1 });
    await barrier.waitFor(1);
    await waitFanout(acct, evt.id);
    expect(await inbox.requests()).toHaveLength(0);
    expect(await callRows(wh.id)).toHaveLength(0);
  });
});
