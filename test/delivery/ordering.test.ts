import { describe, expect, it } from "vitest";
import { newInbox } from "../support/receiver";
import { call, createWebhook, deliveries, newAccount, runDueNow, sleep, waitForCalls } from "./helpers";

async function publishBatch(key: string, ns: number[]) {
  const res = await call("POST", "/api/events/batch", { key, body: { events: ns.map((n) => ({ topic: "order.created", payload: { n } })) } });
  expect(res.status).toBe(202);
  return res.json.data as { id: string }[];
}

const ns = (reqs: { body: string }[]) => reqs.map((r) => (JSON.parse(r.body) as { n: number }).n);

describe("ordering", () => {
  it("ordered (default): a failing head holds the deliveries behind it, and order is kept", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ responses: [{ status: 500 }], fallback: { status: 200 } });
    const wh = await createWebhook(acct, { url: inbox.url, delivery: { retrySchedule: [60] } });
    await publishBatch(acct.key, [1, 2, 3]);
    await inbox.waitFor(1);
    await sleep(1500);
    // Only the head went out; 2 and 3 wait behind its retry.
    expect(ns(await inbox.requests())).toEqual([1]);
    expect((await deliveries(wh.id)).map((d) => d.state)).toEqual(["pending", "pending", "pending"]);
    await runDueNow(wh.id);
    const reqs = await inbox.waitFor(4);
    expect(ns(reqs)).toEqual([1, 1, 2, 3]);
    // One at a time: each request started after the previous answer.
    const calls = await waitForCalls(wh.id, 4);
    expect(calls.map((c) => c.status)).toEqual(["retrying", "succeeded", "succeeded", "succeeded"]);
  });

  it("parallel: a failing delivery does not block the others", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ responses: [{ status: 500 }], fallback: { status: 200 } });
    const wh = await createWebhook(acct, { url: inbox.url, delivery: { ordering: "parallel", retrySchedule: [60] } });
    await publishBatch(acct.key, [1, 2, 3]);
    const reqs = await inbox.waitFor(3);
    expect(ns(reqs).sort()).toEqual([1, 2, 3]);
    const states = await deliveries(wh.id);
    expect(states.filter((d) => d.state === "succeeded")).toHaveLength(2);
    expect(states.filter((d) => d.state === "pending" && d.attempts === 1)).toHaveLength(1);
  });

  it("parallel sends up to maxInFlight at once; ordered sends one at a time", async () => {
    const acct = await newAccount();
    const fast = await newInbox({ fallback: { status: 200, delayMs: 600 } });
    const slow = await newInbox({ fallback: { status: 200, delayMs: 600 } });
    await createWebhook(acct, { url: fast.url, delivery: { ordering: "parallel", maxInFlight: 4 } });
    await createWebhook(acct, { url: slow.url });
    await publishBatch(acct.key, [1, 2, 3, 4]);
    const parallel = await fast.waitFor(4, 5000);
    const spanParallel = Math.max(...parallel.map((r) => r.receivedAt)) - Math.min(...parallel.map((r) => r.receivedAt));
    expect(spanParallel).toBeLessThan(500);
    const ordered = await slow.waitFor(4, 8000);
    expect(ns(ordered)).toEqual([1, 2, 3, 4]);
    for (let i = 1; i < ordered.length; i++) expect(ordered[i]!.receivedAt - ordered[i - 1]!.receivedAt).toBeGreaterThanOrEqual(550);
  });

  it("rateLimitPerSecond spaces the requests", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    await createWebhook(acct, { url: inbox.url, delivery: { ordering: "parallel", rateLimitPerSecond: 4 } });
    await publishBatch(acct.key, [1, 2, 3, 4]);
    const reqs = await inbox.waitFor(4, 6000);
    const times = reqs.map((r) => r.receivedAt).sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(200);
  });
  it("ordered: keeps order past the object's 8-row read-ahead, and a cleared queue is not sent from it", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ fallback: { status: 200 } });
    const wh = await createWebhook(acct, { url: inbox.url, delivery: { retrySchedule: [600] } });
    const first = Array.from({ length: 20 }, (_, i) => i + 1);
    await publishBatch(acct.key, first);
    expect(ns(await inbox.waitFor(20))).toEqual(first);

    // A failing head, two behind it, then the queue cleared: none of them may go out afterwards,
    // and the next event is delivered.
    await inbox.program({ fallback: { status: 500 } });
    await publishBatch(acct.key, [21, 22, 23]);
    await inbox.waitFor(21);
    const cleared = await call("DELETE", `/api/webhooks/${wh.id}/queue`, { key: acct.key });
    expect(cleared.json.cancelled).toBe(3);
    await inbox.program({ fallback: { status: 200 } });
    await runDueNow(wh.id);
    await publishBatch(acct.key, [24]);
    const reqs = await inbox.waitFor(22);
    expect(ns(reqs).slice(20)).toEqual([21, 24]);
    await sleep(500);
    expect(await inbox.requests()).toHaveLength(22);
  });
});
