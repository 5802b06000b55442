import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { attemptDelivery } from "../../src/delivery/dispatch";
import { call, newAccount } from "../support/http";
import { newInbox } from "../support/receiver";

/**
 * The destination rule runs again before every attempt: a webhook saved while private
 * destinations were allowed (the tests' config) stops reaching 127.0.0.1 once the setting is off.
 */

const attempt = (url: string, allowPrivateDestinations: boolean) =>
  attemptDelivery({
    url, msgId: "evt_recheck", topic: "t", attempt: 1, body: "{}", contentType: "application/json", forwardedHeaders: null,
    webhookHeaders: null, profile: { scheme: "standard" }, secrets: [{ secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", expiresAt: null }],
    timeoutMs: 5000, allowPrivateDestinations,
  });

async function waitUntil<T>(probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out; last: ${JSON.stringify(v).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("send-time destination check", () => {
  it("attemptDelivery refuses a private URL when the setting is off, and sends it when on", async () => {
    const inbox = await newInbox();
    const refused = await attempt(inbox.url, false);
    expect(refused).toMatchObject({ httpStatus: null, error: expect.stringContaining("destination refused") });
    const sent = await attempt(inbox.url, true);
    expect(sent.httpStatus).toBe(200);
    // The barrier (the allowed attempt) arrived; the refused one never left.
    expect(await inbox.requests()).toHaveLength(1);
  });

  it("stops a webhook created while private destinations were allowed, with the reason in its call log", async () => {
    const acct = await newAccount("recheck");
    const inbox = await newInbox();
    const created = await call("POST", "/api/webhooks", { key: acct.key, body: { url: inbox.url, topics: ["*"], delivery: { retrySchedule: [1] } } });
    expect(created.status, created.text).toBe(201);
    const id = created.json.id as string;
    const publish = (n: number) => call("POST", "/api/events", { key: acct.key, body: { topic: "recheck.test", payload: { n } } });

    expect((await publish(1)).status).toBe(202);
    await inbox.waitFor(1);

    // The setting is turned off where deliveries happen (the webhook's object reads its env per attempt).
    const stub = env.WEBHOOK_DO.getByName(id);
    await runInDurableObject(stub, (instance) => {
      (instance as unknown as { env: Env }).env = { ...env, ALLOW_PRIVATE_DESTINATIONS: "false" } as Env;
    });
    expect((await publish(2)).status).toBe(202);
    const calls = await waitUntil(
      async () => (await call("GET", `/api/webhooks/calls?webhookId=${id}`, { key: acct.key })).json.data as { error: string | null; status: string }[],
      (rows) => rows.some((r) => r.error?.startsWith("destination refused") ?? false),
    );
    const refused = calls.find((r) => r.error?.startsWith("destination refused"))!;
    // The receiver is http://127.0.0.1: refused for its scheme before its address is even looked at.
    expect(refused.error).toBe("destination refused: url must use https");
    expect(await inbox.requests()).toHaveLength(1);
  });
});
