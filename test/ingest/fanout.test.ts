import { sign as githubSign } from "@octokit/webhooks-methods";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { call, newAccount } from "../support/http";
import { newInbox } from "../support/receiver";
import { createSource, hmacHex, postIn, sleep } from "./helpers";

/**
 * End to end: provider → POST /in → queue → consumer → WebhookDO → real HTTP receivers. Each
 * subscriber gets the provider's exact bytes, re-signed with its own secret.
 */

const SESSION_ID = "5bc99cea8975b95fe7077c64a3312145";
const BODY = JSON.stringify({
  event: "message.received",
  sessionId: SESSION_ID,
  messageId: "msg_1234567890",
  timestamp: "2024-01-01T12:00:00.000Z",
  from: "1234567890",
  to: "me",
  type: "text",
  text: "Hello! How can I help you? ✓",
});

async function subscribe(key: string, url: string, extra: Record<string, unknown>) {
  const res = await call("POST", "/api/webhooks", { key, body: { url, topics: ["*"], ...extra } });
  expect(res.status, res.text).toBe(201);
  return res.json as { id: string; secret: string };
}

describe("inbound fan-out", () => {
  it("delivers one inbound event to three webhooks, each verifying with its own secret; a forged request reaches none", async () => {
    const acct = await newAccount();
    const source = await createSource(acct, {
      name: "WhatsApp API",
      verification: { type: "whatsapp-api" },
      secret: "your_webhook_secret_key",
      forwardHeaders: ["x-request-source"],
    });
    const other = await createSource(acct, { name: "other", verification: { type: "none" } });

    const inboxes = await Promise.all([newInbox(), newInbox(), newInbox(), newInbox()]);
    const hooks = [
      await subscribe(acct.key, inboxes[0]!.url, { sources: [source.id] }),
      await subscribe(acct.key, inboxes[1]!.url, { sources: [source.id], topics: ["message.*"] }),
      await subscribe(acct.key, inboxes[2]!.url, { channels: [SESSION_ID] }),
    ];
    // Subscribed to another source only: must receive nothing.
    await subscribe(acct.key, inboxes[3]!.url, { sources: [other.id] });
    expect(new Set(hooks.map((h) => h.secret)).size).toBe(3);

    const accepted = await postIn(source.id, BODY, {
      "content-type": "application/json",
      "X-Webhook-Signature": `sha256=${await hmacHex("your_webhook_secret_key", BODY)}`,
      "x-request-source": "seed-004",
    });
    expect(accepted.status, accepted.text).toBe(200);

    const forged = await postIn(source.id, BODY.replace("Hello", "Send money"), {
      "content-type": "application/json",
      "X-Webhook-Signature": `sha256=${await hmacHex("guessed-secret", BODY)}`,
    });
    expect(forged.status).toBe(401);

    for (const [i, hook] of hooks.entries()) {
      const [delivery, ...more] = await inboxes[i]!.waitFor(1, 15_000);
      expect(more).toEqual([]);
      expect(delivery!.body).toBe(BODY);
      expect(delivery!.headers["webhook-id"]).toBe(accepted.json.id);
      expect(delivery!.headers["x-webhook-topic"]).toBe("message.received");
      expect(delivery!.headers["x-request-source"]).toBe("seed-004");
      expect(() => new Webhook(hook.secret).verify(delivery!.body, delivery!.headers)).not.toThrow();
      // Each signature is the subscriber's own: another webhook's secret does not verify it.
      const stranger = hooks[(i + 1) % hooks.length]!;
      expect(() => new Webhook(stranger.secret).verify(delivery!.body, delivery!.headers)).toThrow();
    }
    await sleep(500);
    expect(await inboxes[3]!.requests()).toEqual([]);
    for (const inbox of inboxes.slice(0, 3)) expect(await inbox.requests()).toHaveLength(1);
  });

  it("fans a GitHub delivery sent twice out once", async () => {
    const acct = await newAccount();
    const secret = "It's a Secret to Everybody";
    const source = await createSource(acct, { name: "GitHub", verification: { type: "github" }, secret });
    const inbox = await newInbox();
    const hook = await subscribe(acct.key, inbox.url, { sources: [source.id], topics: ["push"] });
    const body = '{"ref":"refs/heads/main"}';
    const headers = {
      "content-type": "application/json",
      "X-GitHub-Event": "push",
      "X-GitHub-Delivery": "d6a4f0e0-0000-4000-8000-000000000001",
      "X-Hub-Signature-256": await githubSign(secret, body),
    };
    expect((await postIn(source.id, body, headers)).status).toBe(200);
    expect((await postIn(source.id, body, headers)).json.duplicate).toBe(true);

    const [delivery] = await inbox.waitFor(1, 15_000);
    expect(() => new Webhook(hook.secret).verify(delivery!.body, delivery!.headers)).not.toThrow();
    await sleep(750);
    expect(await inbox.requests()).toHaveLength(1);
  });
});
