import { describe, expect, it } from "vitest";
import { maxScheduleSpanSeconds } from "../../src/domain/retry";
import { newInbox } from "../support/receiver";
import { call, callRows, newAccount, publish, waitFor, type Account } from "./helpers";

/**
 * Platform profiles: with an account's defaultProfile set, the seeds' own plain create bodies get
 * the platform's documented behaviour; a profile only supplies defaults, explicit fields win.
 */
async function setDefaultProfile(acct: Account, defaultProfile: string | null) {
  const res = await call("PATCH", `/api/accounts/${acct.id}`, { body: { defaultProfile } });
  expect(res.status).toBe(200);
  return res.json;
}

async function createPlain(acct: Account, body: Record<string, unknown>) {
  const res = await call("POST", "/api/webhooks", { key: acct.key, body });
  expect(res.status).toBe(201);
  return res.json;
}

/** Independent of src/signing: hex HMAC-SHA256 of the body keyed with the secret's UTF-8 bytes. */
async function hexHmac(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("GET /api/profiles", () => {
  it("lists the five built-in profiles with their documented defaults", async () => {
    const acct = await newAccount();
    const res = await call("GET", "/api/profiles", { key: acct.key });
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(res.json.data.map((p: { name: string }) => [p.name, p]));
    expect(Object.keys(byName)).toEqual(["standard", "vambe", "vobiz", "vowchat", "whatsapp-api"]);
    expect(byName.vobiz.signature).toEqual({ scheme: "hmac-sha256", header: "X-Vobiz-Signature", prefix: "", encoding: "hex" });
    expect(byName.vowchat.delivery).toEqual({ timeoutMs: 5000, retryClientErrors: false });
    expect(byName["whatsapp-api"].delivery).toEqual({ timeoutMs: 5000, retrySchedule: [30, 300, 1800, 7200], jitter: 0 });
  });
});

describe("seed 003 (VowChat) with defaultProfile vowchat: 4xx not retried, 5xx retried", () => {
  it("gives a plain create body the profile and treats 4xx as final, 5xx as a retry", async () => {
    const acct = await newAccount();
    await setDefaultProfile(acct, "vowchat");
    const inbox = await newInbox({ responses: [{ status: 400 }, { status: 500 }] });
    const w = await createPlain(acct, { url: inbox.url, topics: ["message_created"] });
    expect(w).toMatchObject({ profile: "vowchat", delivery: { timeoutMs: 5000, retryClientErrors: false } });
    await publish(acct, "message_created", { event: "message_created", id: "1" });
    await inbox.waitFor(1);
    await publish(acct, "message_created", { event: "message_created", id: "2" });
    await inbox.waitFor(2);
    const rows = await waitFor("two call rows", () => callRows(w.id), (r) => r.length >= 2);
    const byStatus = Object.fromEntries(rows.map((r) => [r.http_status, r]));
    expect(byStatus[400]).toMatchObject({ status: "failed", next_attempt_at: null });
    expect(byStatus[500]).toMatchObject({ status: "retrying" });
    expect(byStatus[500]!.next_attempt_at).toBeGreaterThan(byStatus[500]!.created_at);
  });
});

describe("seed 002 (Vobiz) with defaultProfile vobiz: X-Vobiz-Signature and a 24 h horizon", () => {
  it("signs X-Vobiz-Signature as hex HMAC-SHA256 of the body with no prefix, and ends its retries within 24 h", async () => {
    const acct = await newAccount();
    await setDefaultProfile(acct, "vobiz");
    const inbox = await newInbox();
    const w = await createPlain(acct, { url: inbox.url, topics: ["message.received", "campaign.completed"] });
    expect(w.profile).toBe("vobiz");
    expect(maxScheduleSpanSeconds(w.delivery.retrySchedule, w.delivery.jitter)).toBeLessThanOrEqual(24 * 3600);
    // Exponential: every step at least doubles the one before.
    for (let i = 1; i < w.delivery.retrySchedule.length; i++) expect(w.delivery.retrySchedule[i]).toBeGreaterThanOrEqual(2 * w.delivery.retrySchedule[i - 1]);
    await publish(acct, "campaign.completed", { event: "campaign.completed", campaignId: "c1" });
    const [got] = await inbox.waitFor(1);
    expect(got!.headers["x-vobiz-signature"]).toBe(await hexHmac(w.secret, got!.body));
  });
});

describe("profiles: defaults, explicit fields and switching", () => {
  it("lets explicit fields win over the account's default profile", async () => {
    const acct = await newAccount();
    await setDefaultProfile(acct, "vobiz");
    const w = await createPlain(acct, { url: "https://example.com/h", topics: ["*"], signature: { scheme: "standard" }, delivery: { timeoutMs: 8000 } });
    expect(w.profile).toBe("vobiz");
    expect(w.signature).toEqual({ scheme: "standard" });
    expect(w.delivery).toMatchObject({ timeoutMs: 8000, retrySchedule: [60, 120, 240, 480, 960, 1920, 3840, 7680, 15360, 30720] });
  });

  it("uses a webhook's own profile over the account's default, and standard when neither is set", async () => {
    const acct = await newAccount();
    expect((await createPlain(acct, { url: "https://example.com/h", topics: ["*"] })).profile).toBe("standard");
    await setDefaultProfile(acct, "vowchat");
    const w = await createPlain(acct, { url: "https://example.com/h", topics: ["*"], profile: "vambe" });
    expect(w).toMatchObject({ profile: "vambe", delivery: { timeoutMs: 5000, retryClientErrors: true } });
    await setDefaultProfile(acct, null);
    expect((await createPlain(acct, { url: "https://example.com/h", topics: ["*"] })).profile).toBe("standard");
  });

  it("re-resolves signature and delivery when PUT switches the profile", async () => {
    const acct = await newAccount();
    const w = await createPlain(acct, { url: "https://example.com/h", topics: ["*"] });
    const res = await call("PUT", `/api/webhooks/${w.id}`, { key: acct.key, body: { profile: "whatsapp-api", delivery: { timeoutMs: 9000 } } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      profile: "whatsapp-api",
      signature: { scheme: "hmac-sha256", header: "X-Webhook-Signature" },
      delivery: { retrySchedule: [30, 300, 1800, 7200], jitter: 0, timeoutMs: 9000 },
    });
  });

  it.each([
    ["an unknown profile", { profile: "nope" }, "body.profile"],
    ["a jitter above 0.5", { delivery: { jitter: 0.6 } }, "body.delivery.jitter"],
    ["a negative jitter", { delivery: { jitter: -0.1 } }, "body.delivery.jitter"],
  ])("refuses %s with a field error", async (_what, extra, path) => {
    const acct = await newAccount();
    const res = await call("POST", "/api/webhooks", { key: acct.key, body: { url: "https://example.com/h", topics: ["*"], ...extra } });
    expect(res.status).toBe(422);
    expect(res.json.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });
});

describe("PATCH /api/accounts/{id}", () => {
  it("sets and shows the account's settings", async () => {
    const acct = await newAccount();
    const res = await call("PATCH", `/api/accounts/${acct.id}`, { body: { defaultProfile: "vobiz", validateBuiltInTopics: true } });
    expect(res.json).toMatchObject({ id: acct.id, defaultProfile: "vobiz", validateSchemas: true, validateBuiltInTopics: true });
    expect((await call("GET", `/api/accounts/${acct.id}`)).json).toMatchObject({ defaultProfile: "vobiz", validateBuiltInTopics: true });
  });

  it("works for the built-in default account (admin key)", async () => {
    const before = (await call("GET", "/api/accounts/default")).json.defaultProfile;
    const res = await call("PATCH", "/api/accounts/default", { body: { defaultProfile: "standard" } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: "default", defaultProfile: "standard" });
    await call("PATCH", "/api/accounts/default", { body: { defaultProfile: before } });
  });

  it.each([
    ["an unknown profile", { defaultProfile: "acme" }, 422, "body.defaultProfile"],
    ["an empty body", {}, 422, "body"],
    ["an unknown field", { name: "x" }, 422, "body.name"],
  ])("refuses %s", async (_what, body, status, path) => {
    const acct = await newAccount();
    const res = await call("PATCH", `/api/accounts/${acct.id}`, { body });
    expect(res.status).toBe(status);
    expect(res.json.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it("is a 404 for an unknown account and a 403 for an account key", async () => {
    const acct = await newAccount();
    expect((await call("PATCH", "/api/accounts/acc_nope", { body: { defaultProfile: "vobiz" } })).status).toBe(404);
    expect((await call("PATCH", `/api/accounts/${acct.id}`, { key: acct.key, body: { defaultProfile: "vobiz" } })).status).toBe(403);
  });
});
