import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newInbox } from "../support/receiver";
import { call, newAccount, publish, type Account } from "./helpers";

/**
 * Ed25519 (Standard Webhooks `v1a`): hookrelay generates the key pair, shows the public key, keeps
 * the private key sealed; receivers verify with the public key. The verifying here is Node's
 * crypto.verify, run by the loopback receiver outside workerd (test/support/seed-verifiers.ts).
 */
async function createEd25519(acct: Account, url: string, topics = ["*"]) {
  const res = await call("POST", "/api/webhooks", { key: acct.key, body: { url, topics, signature: { scheme: "ed25519" } } });
  expect(res.status).toBe(201);
  return res.json;
}

describe("ed25519 webhooks", () => {
  it("show the public key, never a secret, and keep the private key sealed at rest", async () => {
    const acct = await newAccount();
    const w = await createEd25519(acct, "https://example.com/hook");
    expect(w.signature).toEqual({ scheme: "ed25519", publicKey: expect.stringMatching(/^whpk_[A-Za-z0-9+/]{43}=$/) });
    expect(w).not.toHaveProperty("secret");
    const secret = await call("GET", `/api/webhooks/${w.id}/secret`, { key: acct.key });
    expect(secret.json).toEqual({ publicKey: w.signature.publicKey, previous: [] });
    const row = await env.DB.prepare("SELECT secrets FROM webhooks WHERE id = ?").bind(w.id).first<{ secrets: string }>();
    expect(row!.secrets).toMatch(/^v1\./);
    expect(row!.secrets).not.toContain("whsk_");
    expect(JSON.stringify([w, secret.json, (await call("GET", `/api/webhooks/${w.id}`, { key: acct.key })).json])).not.toContain("whsk_");
  });

  it("sign deliveries with v1a that Node's crypto.verify accepts with the public key, and rejects with another", async () => {
    const acct = await newAccount();
    // Subscribed to nothing that is published: only its key is used.
    const other = await createEd25519(acct, "https://example.com/other", ["never.published"]);
    const inboxProbe = await newInbox();
    const w = await createEd25519(acct, inboxProbe.url);
    await inboxProbe.program({
      verify: [
        { kind: "ed25519", publicKey: w.signature.publicKey, label: "own" },
        { kind: "ed25519", publicKey: other.signature.publicKey, label: "other" },
      ],
    });
    const evt = await publish(acct, "message.received", { text: "hi" });
    const [got] = await inboxProbe.waitFor(1);
    expect(got!.headers["webhook-id"]).toBe(evt.id);
    expect(got!.headers["webhook-signature"]).toMatch(/^v1a,[A-Za-z0-9+/]{86}==$/);
    expect(got!.verified).toEqual({ own: true, other: false });
  });

  it("rotate with grace: both key pairs sign until the old one expires", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    const w = await createEd25519(acct, inbox.url);
    const rotated = await call("POST", `/api/webhooks/${w.id}/rotate-secret`, { key: acct.key, body: { graceSeconds: 3600 } });
    expect(rotated.status).toBe(200);
    expect(rotated.json).not.toHaveProperty("secret");
    const newKey = rotated.json.signature.publicKey;
    expect(newKey).toMatch(/^whpk_/);
    expect(newKey).not.toBe(w.signature.publicKey);
    const secret = await call("GET", `/api/webhooks/${w.id}/secret`, { key: acct.key });
    expect(secret.json).toEqual({ publicKey: newKey, previous: [{ publicKey: w.signature.publicKey, expiresAt: expect.any(String) }] });
    await inbox.program({ verify: [{ kind: "ed25519", publicKey: w.signature.publicKey, label: "old" }, { kind: "ed25519", publicKey: newKey, label: "new" }] });
    await publish(acct, "message.received", { text: "after rotation" });
    const [got] = await inbox.waitFor(1);
    expect(got!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(got!.verified).toEqual({ old: true, new: true });
  });

  it("refuse a secret sent for an ed25519 webhook (create and rotate)", async () => {
    const acct = await newAccount();
    const res = await call("POST", "/api/webhooks", { key: acct.key, body: { url: "https://example.com/h", topics: ["*"], signature: { scheme: "ed25519" }, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" } });
    expect(res.status).toBe(422);
    expect(res.json.error.details.map((d: { path: string }) => d.path)).toContain("body.secret");
    const w = await createEd25519(acct, "https://example.com/h");
    const rot = await call("POST", `/api/webhooks/${w.id}/rotate-secret`, { key: acct.key, body: { secret: "a-secret-of-sixteen-chars" } });
    expect(rot.status).toBe(422);
    expect(rot.json.error.details[0].path).toBe("body.secret");
  });

  it("switching the scheme with PUT issues new key material and shows it", async () => {
    const acct = await newAccount();
    const w = await createEd25519(acct, "https://example.com/h");
    const toStandard = await call("PUT", `/api/webhooks/${w.id}`, { key: acct.key, body: { signature: { scheme: "standard" } } });
    expect(toStandard.json.secret).toMatch(/^whsec_/);
    expect(toStandard.json.signature).toEqual({ scheme: "standard" });
    const back = await call("PUT", `/api/webhooks/${w.id}`, { key: acct.key, body: { signature: { scheme: "ed25519" } } });
    expect(back.json).not.toHaveProperty("secret");
    expect(back.json.signature.publicKey).toMatch(/^whpk_/);
    expect(back.json.signature.publicKey).not.toBe(w.signature.publicKey);
    // Sending the scheme it already has keeps its key.
    const same = await call("PUT", `/api/webhooks/${w.id}`, { key: acct.key, body: { signature: { scheme: "ed25519" }, description: "x" } });
    expect(same.json.signature.publicKey).toBe(back.json.signature.publicKey);
  });
});
