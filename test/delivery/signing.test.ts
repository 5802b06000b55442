import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import { describe, expect, it } from "vitest";
import { signDelivery, standardSignature } from "../../src/signing/sign";
import { newInbox } from "../support/receiver";
import { call, createWebhook, newAccount, publish, waitForCalls } from "./helpers";

/** Independent of src/signing: HMAC-SHA256 with the secret's UTF-8 bytes, as seed 004's Node code does. */
async function nodeStyleHmac(secret: string, body: string, encoding: "hex" | "base64"): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return encoding === "hex" ? [...mac].map((b) => b.toString(16).padStart(2, "0")).join("") : btoa(String.fromCharCode(...mac));
}

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

describe.concurrent("signing", () => {
  it("matches the standardwebhooks reference signer byte for byte", async () => {
    const body = JSON.stringify({ hello: "world", emoji: "🙂" });
    const ts = 1_700_000_000;
    const ours = await standardSignature(SECRET, "msg_1", ts, body);
    expect(ours).toBe(new StandardWebhook(SECRET).sign("msg_1", new Date(ts * 1000), body));
  });

  it("produces headers that standardwebhooks and svix verify unchanged", async () => {
    const body = JSON.stringify({ a: 1 });
    const now = Date.now();
    const h = await signDelivery({ scheme: "standard" }, [{ secret: SECRET, expiresAt: null }], "evt_1", Math.floor(now / 1000), body, now);
    const headers = { "webhook-id": h["webhook-id"], "webhook-timestamp": h["webhook-timestamp"], "webhook-signature": h["webhook-signature"] };
    expect(new StandardWebhook(SECRET).verify(body, headers)).toEqual({ a: 1 });
    expect(new SvixWebhook(SECRET).verify(body, headers)).toEqual({ a: 1 });
    expect(() => new StandardWebhook("whsec_" + btoa("another-secret-entirely-0123456")).verify(body, headers)).toThrow();
  });

  it("signs with every live secret during a rotation's grace, and drops expired ones", async () => {
    const old = "whsec_" + btoa("old-secret-old-secret-old-secret");
    const now = Date.now();
    const body = "{}";
    const h = await signDelivery(
      { scheme: "standard" },
      [{ secret: SECRET, expiresAt: null }, { secret: old, expiresAt: now + 60_000 }, { secret: "whsec_" + btoa("expired-expired-expired-expired!"), expiresAt: now - 1 }],
      "evt_2", Math.floor(now / 1000), body, now,
    );
    expect(h["webhook-signature"].split(" ")).toHaveLength(2);
    const headers = { "webhook-id": "evt_2", "webhook-timestamp": h["webhook-timestamp"], "webhook-signature": h["webhook-signature"] };
    expect(() => new StandardWebhook(SECRET).verify(body, headers)).not.toThrow();
    expect(() => new StandardWebhook(old).verify(body, headers)).not.toThrow();
  });

  it("adds the hmac-sha256 profile header the way seed 004's receiver checks it", async () => {
    const secret = "your_webhook_secret_key";
    const body = JSON.stringify({ event: "message.received", text: "Hello! How can I help you?" });
    const now = Date.now();
    const h = await signDelivery({ scheme: "hmac-sha256", header: "X-Webhook-Signature", prefix: "sha256=", encoding: "hex" }, [{ secret, expiresAt: null }], "e", 1, body, now);
    expect(h.profile).toEqual({ name: "X-Webhook-Signature", value: `sha256=${await nodeStyleHmac(secret, body, "hex")}` });
    // The Standard Webhooks header is still sent beside it.
    expect(h["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });

  it("delivers seed 004's X-Webhook-Signature: sha256=<hex> and seed 002's X-Vobiz-Signature end to end", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    const seed004 = await createWebhook(acct, {
      url: `${inbox.url}/seed004`, secret: "your_webhook_secret_key",
      signature: { scheme: "hmac-sha256", header: "X-Webhook-Signature", prefix: "sha256=", encoding: "hex" },
    });
    const vobiz = await createWebhook(acct, {
      url: `${inbox.url}/vobiz`, secret: "vobiz-auth-token-0123456789",
      signature: { scheme: "hmac-sha256", header: "X-Vobiz-Signature", prefix: "", encoding: "hex" },
    });
    const b64 = await createWebhook(acct, {
      url: `${inbox.url}/b64`, secret: "base64-profile-secret-0123",
      signature: { scheme: "hmac-sha256", header: "X-Signature", prefix: "", encoding: "base64" },
    });
    await publish(acct, "message.received", { event: "message.received", text: "Hello" });
    const reqs = await inbox.waitFor(3);
    const by = (suffix: string) => reqs.find((r) => r.path.endsWith(suffix))!;
    expect(by("/seed004").headers["x-webhook-signature"]).toBe(`sha256=${await nodeStyleHmac("your_webhook_secret_key", by("/seed004").body, "hex")}`);
    expect(by("/vobiz").headers["x-vobiz-signature"]).toBe(await nodeStyleHmac("vobiz-auth-token-0123456789", by("/vobiz").body, "hex"));
    expect(by("/b64").headers["x-signature"]).toBe(await nodeStyleHmac("base64-profile-secret-0123", by("/b64").body, "base64"));
    // Standard Webhooks headers verify too (plain secrets sign with their raw bytes).
    expect(() => new StandardWebhook("your_webhook_secret_key", { format: "raw" }).verify(by("/seed004").body, by("/seed004").headers)).not.toThrow();
    void seed004;
    void vobiz;
    void b64;
  });

  it("rotation: both signatures are sent during the grace period and both verify (standardwebhooks and svix)", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    const wh = await createWebhook(acct, { url: inbox.url });
    const rotated = await call("POST", `/api/webhooks/${wh.id}/rotate-secret`, { key: acct.key, body: { graceSeconds: 3600 } });
    expect(rotated.status).toBe(200);
    const fresh: string = rotated.json.secret;
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(wh.secret);
    const revealed = await call("GET", `/api/webhooks/${wh.id}/secret`, { key: acct.key });
    expect(revealed.json.secret).toBe(fresh);
    expect(revealed.json.previous).toHaveLength(1);

    await publish(acct, "order.created", { n: 1 });
    const [req] = await inbox.waitFor(1);
    expect(req!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    for (const secret of [fresh, wh.secret]) {
      expect(() => new StandardWebhook(secret).verify(req!.body, req!.headers)).not.toThrow();
      expect(() => new SvixWebhook(secret).verify(req!.body, req!.headers)).not.toThrow();
    }

    // graceSeconds 0: the old secret stops at once.
    const again = await call("POST", `/api/webhooks/${wh.id}/rotate-secret`, { key: acct.key, body: { graceSeconds: 0 } });
    await publish(acct, "order.created", { n: 2 });
    const reqs = await inbox.waitFor(2);
    expect(reqs[1]!.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(() => new StandardWebhook(again.json.secret).verify(reqs[1]!.body, reqs[1]!.headers)).not.toThrow();
    expect(() => new StandardWebhook(fresh).verify(reqs[1]!.body, reqs[1]!.headers)).toThrow();
    await waitForCalls(wh.id, 2);
  });

  it("rotation accepts a chosen secret, validates it, and 404s across accounts", async () => {
    const acct = await newAccount();
    const other = await newAccount();
    const wh = await createWebhook(acct, { url: "https://example.com/hook" });
    const chosen = "whsec_" + btoa("chosen-secret-chosen-secret-0123");
    const ok = await call("POST", `/api/webhooks/${wh.id}/rotate-secret`, { key: acct.key, body: { secret: chosen } });
    expect(ok.status).toBe(200);
    expect(ok.json.secret).toBe(chosen);
    const bad = await call("POST", `/api/webhooks/${wh.id}/rotate-secret`, { key: acct.key, body: { secret: "not-a-whsec-secret-at-all" } });
    expect(bad.status).toBe(422);
    expect(bad.json.error.details[0].path).toBe("body.secret");
    const grace = await call("POST", `/api/webhooks/${wh.id}/rotate-secret`, { key: acct.key, body: { graceSeconds: 8 * 86_400 } });
    expect(grace.status).toBe(422);
    expect(grace.json.error.details[0].path).toBe("body.graceSeconds");
    const cross = await call("POST", `/api/webhooks/${wh.id}/rotate-secret`, { key: other.key, body: {} });
    expect(cross.status).toBe(404);
  });
});
