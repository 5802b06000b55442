import { describe, expect, it } from "vitest";
import { newInbox, verifiersAvailable } from "../support/receiver";
import { call, callRows, newAccount, publish, waitFor, type Account } from "./helpers";

/**
 * Seed 004 (the WhatsApp session API), followed literally: its curl calls with its bodies, sent
 * with `Authorization: Bearer`, answered in its shapes; its receivers' verify code (Node, Python,
 * PHP, run in Node by the loopback receiver) accepts every delivery.
 */
const SESSION = "5bc99cea8975b95fe7077c64a3312145";
const bearer = (acct: Account) => ({ key: null, headers: { Authorization: `Bearer ${acct.key}` } });
const api = (acct: Account, method: string, path: string, body?: unknown) => call(method, path, { ...bearer(acct), ...(body === undefined ? {} : { body }) });

// "Configure Webhook for Session", the body as the seed writes it.
const SEED_CONFIG = {
  url: "https://your-server.com/webhook",
  events: ["message.received", "message.sent", "session.connected"],
  secret: "your_webhook_secret_key",
};

// Seed 004's message.received example.
const MESSAGE_RECEIVED = {
  event: "message.received", sessionId: SESSION, messageId: "msg_1234567890", timestamp: "2024-01-01T12:00:00.000Z", from: "1234567890", to: "me",
  type: "text", text: "Hello! How can I help you?", contact: { name: "John Doe", profilePicture: "https://example.com/avatar.jpg" },
};

async function sessionWebhookId(acct: Account, session = SESSION): Promise<string> {
  const list = await call("GET", `/api/webhooks?channel=${session}`, { key: acct.key });
  expect(list.json.data).toHaveLength(1);
  return list.json.data[0].id as string;
}

describe("seed 004: PUT/GET/DELETE /api/webhook/config/{sessionId}", () => {
  it("answers the seed's curl call exactly as documented", async () => {
    const acct = await newAccount();
    const res = await api(acct, "PUT", `/api/webhook/config/${SESSION}`, SEED_CONFIG);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      success: true,
      message: "Webhook configured successfully",
      config: {
        url: "https://your-server.com/webhook",
        events: ["message.received", "message.sent", "session.connected"],
        secret: "your_webhook_secret_key",
        isActive: true,
      },
    });
    const got = await api(acct, "GET", `/api/webhook/config/${SESSION}`);
    expect(got.status).toBe(200);
    expect(got.json).toEqual({ success: true, config: res.json.config });
  });

  it("maps the session onto one hookrelay webhook: channel, topics and the whatsapp-api profile", async () => {
    const acct = await newAccount();
    await api(acct, "PUT", `/api/webhook/config/${SESSION}`, SEED_CONFIG);
    const w = (await call("GET", `/api/webhooks/${await sessionWebhookId(acct)}`, { key: acct.key })).json;
    expect(w).toMatchObject({
      channels: [SESSION], topics: SEED_CONFIG.events, profile: "whatsapp-api", active: true,
      signature: { scheme: "hmac-sha256", header: "X-Webhook-Signature", prefix: "sha256=", encoding: "hex" },
      delivery: { retrySchedule: [30, 300, 1800, 7200], jitter: 0 },
    });
  });

  it("replaces the config on a second PUT (one webhook per session) and keeps sessions apart", async () => {
    const acct = await newAccount();
    await api(acct, "PUT", `/api/webhook/config/${SESSION}`, SEED_CONFIG);
    const id = await sessionWebhookId(acct);
    // The seed's webhook.site example: no secret, one event.
    const second = await api(acct, "PUT", `/api/webhook/config/${SESSION}`, { url: "https://webhook.site/your-unique-url", events: ["message.received"] });
    expect(second.json.config).toEqual({ url: "https://webhook.site/your-unique-url", events: ["message.received"], secret: "your_webhook_secret_key", isActive: true });
    expect(await sessionWebhookId(acct)).toBe(id);
    const other = await api(acct, "PUT", "/api/webhook/config/other-session", { url: "https://webhook.site/x", events: ["message.sent"] });
    expect(other.json.config.secret).toMatch(/^whsec_/);
    expect(await sessionWebhookId(acct, "other-session")).not.toBe(id);
  });

  it("creates one webhook when four PUTs for a new session race", async () => {
    const acct = await newAccount();
    const results = await Promise.all(Array.from({ length: 4 }, (_, i) => api(acct, "PUT", `/api/webhook/config/${SESSION}`, { ...SEED_CONFIG, url: `https://example.com/hook-${i}` })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    await sessionWebhookId(acct);
  });

  it("removes a session's config with DELETE; then GET is a 404 with success:false", async () => {
    const acct = await newAccount();
    await api(acct, "PUT", `/api/webhook/config/${SESSION}`, SEED_CONFIG);
    const del = await api(acct, "DELETE", `/api/webhook/config/${SESSION}`);
    expect(del.json).toEqual({ success: true, message: "Webhook configuration deleted" });
    const got = await api(acct, "GET", `/api/webhook/config/${SESSION}`);
    expect(got.status).toBe(404);
    expect(got.json).toMatchObject({ success: false, error: { code: "not_found", requestId: expect.any(String) } });
  });

  it("accepts x-api-key as well as Bearer", async () => {
    const acct = await newAccount();
    const res = await call("PUT", `/api/webhook/config/${SESSION}`, { key: acct.key, body: SEED_CONFIG });
    expect(res.json.success).toBe(true);
  });
});

describe("seed 004: deliveries verify with the seed's own receiver code", () => {
  it("signs X-Webhook-Signature so the Node, Python and PHP verify functions accept it, and delivers only the session's events", async (ctx) => {
    const acct = await newAccount();
    const verify = [
      { kind: "whatsapp-node" as const, secret: SEED_CONFIG.secret },
      { kind: "whatsapp-python" as const, secret: SEED_CONFIG.secret },
      { kind: "whatsapp-php" as const, secret: SEED_CONFIG.secret },
    ];
    const inbox = await newInbox({ verify });
    await api(acct, "PUT", `/api/webhook/config/${SESSION}`, { ...SEED_CONFIG, url: inbox.url });
    await publish(acct, "message.received", { ...MESSAGE_RECEIVED, sessionId: "another-session" }, { channel: "another-session" });
    await publish(acct, "message.delivered", { event: "message.delivered" }, { channel: SESSION });
    const barrier = await publish(acct, "message.received", MESSAGE_RECEIVED, { channel: SESSION });
    const [got] = await inbox.waitFor(1);
    expect(got!.headers["webhook-id"]).toBe(barrier.id);
    expect(JSON.parse(got!.body)).toEqual(MESSAGE_RECEIVED);
    expect(got!.headers["x-webhook-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    const available = await verifiersAvailable();
    expect(got!.verified!["whatsapp-node"]).toBe(true);
    if (available.python) expect(got!.verified!["whatsapp-python"]).toBe(true);
    // Another session's event and an unsubscribed topic were published first, and never arrived.
    expect(await inbox.requests()).toHaveLength(1);
    if (!available.php) ctx.skip("php is not installed: the PHP verify function was not run");
    expect(got!.verified!["whatsapp-php"]).toBe(true);
  });

  it("the seed's verify functions reject a delivery signed with another secret (the check can fail)", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ verify: [{ kind: "whatsapp-node", secret: "not_the_secret_at_all" }, { kind: "whatsapp-python", secret: "not_the_secret_at_all" }] });
    await api(acct, "PUT", `/api/webhook/config/${SESSION}`, { ...SEED_CONFIG, url: inbox.url });
    await publish(acct, "message.sent", { event: "message.sent" }, { channel: SESSION });
    const [got] = await inbox.waitFor(1);
    expect(got!.verified!["whatsapp-node"]).toBe(false);
    if ((await verifiersAvailable()).python) expect(got!.verified!["whatsapp-python"]).toBe(false);
  });

  it("retries a failed delivery after exactly 30 s (no jitter), as the seed documents", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ responses: [{ status: 500 }] });
    await api(acct, "PUT", `/api/webhook/config/${SESSION}`, { ...SEED_CONFIG, url: inbox.url });
    const id = await sessionWebhookId(acct);
    await publish(acct, "message.received", MESSAGE_RECEIVED, { channel: SESSION });
    const [row] = await waitFor("the first attempt's call row", () => callRows(id), (rows) => rows.length >= 1);
    expect(row!.status).toBe("retrying");
    // Scheduled from when the answer came back: 30 000 ms after it, exactly.
    const delayMs = row!.next_attempt_at! - (row!.created_at + row!.duration_ms);
    expect(delayMs).toBeGreaterThanOrEqual(30_000);
    expect(delayMs).toBeLessThan(30_000 + 250);
  });
});

describe("seed 004: POST /api/webhook/test", () => {
  it("makes a real delivery signed with the session's secret and answers with the call record", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ verify: [{ kind: "whatsapp-node", secret: SEED_CONFIG.secret }] });
    await api(acct, "PUT", `/api/webhook/config/${SESSION}`, { ...SEED_CONFIG, url: inbox.url });
    const payload = { event: "test", timestamp: "2024-01-01T00:00:00.000Z", message: "This is a test webhook" };
    const res = await api(acct, "POST", "/api/webhook/test", { url: inbox.url, payload });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ success: true, delivered: true, call: { status: "succeeded", httpStatus: 200, topic: "test", url: inbox.url } });
    const [got] = await inbox.waitFor(1);
    expect(JSON.parse(got!.body)).toEqual(payload);
    expect(got!.verified!["whatsapp-node"]).toBe(true);
  });

  it("signs with a generated secret, returned, when no session uses the url; reports a refused delivery", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ responses: [{ status: 503 }] });
    const res = await api(acct, "POST", "/api/webhook/test", { url: inbox.url, payload: { event: "test" } });
    expect(res.json).toMatchObject({ success: true, delivered: false, call: { status: "failed", httpStatus: 503 } });
    expect(res.json.secret).toMatch(/^whsec_/);
  });
});

describe("seed 004: queue and stats", () => {
  it("GET /api/webhook/queue answers the seed's shape; DELETE /api/webhook/queue/{sessionId} cancels what waits", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ fallback: { status: 500 } });
    await api(acct, "PUT", `/api/webhook/config/${SESSION}`, { ...SEED_CONFIG, url: inbox.url });
    const id = await sessionWebhookId(acct);
    await publish(acct, "message.received", MESSAGE_RECEIVED, { channel: SESSION });
    await waitFor("a retrying delivery", () => callRows(id), (rows) => rows.length >= 1);
    const queue = await api(acct, "GET", "/api/webhook/queue");
    expect(queue.json).toEqual({ success: true, queue: { pending: 0, processing: 0, failed: 0, retrying: 1 } });
    const cleared = await api(acct, "DELETE", `/api/webhook/queue/${SESSION}`);
    expect(cleared.json).toEqual({ success: true, message: "Webhook queue cleared", cleared: 1 });
    expect((await api(acct, "GET", "/api/webhook/queue")).json.queue).toEqual({ pending: 0, processing: 0, failed: 0, retrying: 0 });
  });

  it("GET /api/webhook/stats/{sessionId} answers the seed's shape with averageResponseTime as \"<n>ms\"", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    await api(acct, "PUT", `/api/webhook/config/${SESSION}`, { ...SEED_CONFIG, url: inbox.url });
    const id = await sessionWebhookId(acct);
    await publish(acct, "message.received", MESSAGE_RECEIVED, { channel: SESSION });
    await waitFor("the delivery's call row", () => callRows(id), (rows) => rows.length >= 1);
    const res = await api(acct, "GET", `/api/webhook/stats/${SESSION}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      success: true,
      stats: {
        totalSent: 1, successful: 1, failed: 0, averageResponseTime: expect.stringMatching(/^\d+ms$/),
        lastDelivery: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), byEvent: { "message.received": 1 },
      },
    });
  });
});

describe("seed 004: errors keep the error object and add success:false", () => {
  it.each([
    ["no API key", "GET", `/api/webhook/config/${SESSION}`, undefined, 401, "unauthorized", null],
    ["an unknown session", "GET", "/api/webhook/stats/nope", undefined, 404, "not_found", null],
    ["an unknown session's queue", "DELETE", "/api/webhook/queue/nope", undefined, 404, "not_found", null],
    ["events missing", "PUT", `/api/webhook/config/${SESSION}`, { url: "https://x.example/hook" }, 422, "validation_failed", "body.events"],
    ["a url that is not http(s)", "PUT", `/api/webhook/config/${SESSION}`, { ...SEED_CONFIG, url: "ftp://x.example/hook" }, 422, "validation_failed", "body.url"],
    ["an unknown field", "PUT", `/api/webhook/config/${SESSION}`, { ...SEED_CONFIG, extra: 1 }, 422, "validation_failed", "body.extra"],
    ["an unknown path", "GET", "/api/webhook/nothing-here", undefined, 404, "not_found", null],
    ["a wrong method", "POST", `/api/webhook/config/${SESSION}`, SEED_CONFIG, 405, "method_not_allowed", null],
  ])("%s", async (_what, method, path, body, status, code, detailPath) => {
    const acct = await newAccount();
    const res = _what === "no API key" ? await call(method, path, { key: null }) : await api(acct, method, path, body);
    expect(res.status).toBe(status);
    expect(res.json).toMatchObject({ success: false, error: { code, message: expect.any(String), requestId: expect.any(String) } });
    if (detailPath) expect(res.json.error.details.map((d: { path: string }) => d.path)).toContain(detailPath);
  });

  it("answers malformed JSON (400) and an oversized body (413) in the same shape", async () => {
    const acct = await newAccount();
    const headers = { Authorization: `Bearer ${acct.key}`, "content-type": "application/json" };
    const malformed = await call("PUT", `/api/webhook/config/${SESSION}`, { key: null, headers, rawBody: "{not json" });
    expect(malformed.status).toBe(400);
    expect(malformed.json).toMatchObject({ success: false, error: { code: "invalid_json" } });
    const huge = await call("POST", "/api/webhook/test", { key: null, headers, rawBody: JSON.stringify({ url: "https://x.example/h", payload: "x".repeat(1_100_000) }) });
    expect(huge.status).toBe(413);
    expect(huge.json).toMatchObject({ success: false, error: { code: "payload_too_large" } });
  });

  it("another account's session is a 404", async () => {
    const [a, b] = [await newAccount(), await newAccount()];
    await api(a, "PUT", `/api/webhook/config/${SESSION}`, SEED_CONFIG);
    expect((await api(b, "GET", `/api/webhook/config/${SESSION}`)).status).toBe(404);
    expect((await api(b, "GET", `/api/webhook/stats/${SESSION}`)).status).toBe(404);
  });
});
