import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { acceptEvents } from "../../src/delivery/accept";
import { sweepUnfanned } from "../../src/delivery/retention";
import { WINDOW_MS } from "../../src/traffic/partitions";
import { createWebhook, waitFor } from "../delivery/helpers";
import { storedEvent } from "../support/events";
import { newAccount } from "../support/http";
import { newInbox } from "../support/receiver";

/** The sweeper reads unfanned events from the partitions of the last 24 h (the registry), not from D1. */
describe.concurrent("sweeper", () => {
  it("delivers events whose queue send failed, from yesterday's and today's partitions", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    await createWebhook(acct, { url: inbox.url, topics: ["message.*"] });
    const noQueue = { ...env, DELIVERIES: { sendBatch: () => Promise.reject(new Error("queue down")) } } as unknown as Env;
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
});
