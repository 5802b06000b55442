import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createWebhook, publish, waitFor } from "../delivery/helpers";
import { call, newAccount } from "../support/http";
import { newInbox } from "../support/receiver";

/** A portal token, used against the API directly: it reaches only what its scope allows. */
type Account = Awaited<ReturnType<typeof newAccount>>;

async function session(acct: Account, body: Record<string, unknown> = {}) {
  const res = await call("POST", "/api/portal/sessions", { key: acct.key, body });
  expect(res.status, res.text).toBe(201);
  return res.json as { url: string; token: string; expiresAt: string };
}

const as = (token: string) => ({ key: null, headers: { authorization: `Bearer ${token}` } });
const ids = (res: { json: { data: { id: string }[] } }) => res.json.data.map((x) => x.id).sort();

/** One account with two channels' webhooks and one channel-less (platform-wide) webhook. */
async function twoChannels() {
  const acct = await newAccount();
  const inbox = await newInbox();
  const a = await createWebhook(acct, { url: inbox.url, channels: ["session-a"] });
  const b = await createWebhook(acct, { url: inbox.url, channels: ["session-b"] });
  const all = await createWebhook(acct, { url: inbox.url });
  return { acct, inbox, a, b, all };
}

describe.concurrent("a channel-scoped portal token", () => {
  it("lists and opens only its channel's webhooks; others are 404 on every operation", async () => {
    const { acct, a, b, all } = await twoChannels();
    const { token } = await session(acct, { channels: ["session-a"] });
    const list = await call("GET", "/api/webhooks", as(token));
    expect(list.status).toBe(200);
    expect(ids(list)).toEqual([a.id]);
    expect((await call("GET", `/api/webhooks/${a.id}`, as(token))).status).toBe(200);
    for (const other of [b.id, all.id]) {
      expect((await call("GET", `/api/webhooks/${other}`, as(token))).status).toBe(404);
      expect((await call("PUT", `/api/webhooks/${other}`, { ...as(token), body: { active: false } })).status).toBe(404);
      expect((await call("DELETE", `/api/webhooks/${other}`, as(token))).status).toBe(404);
      expect((await call("POST", `/api/webhooks/${other}/test`, { ...as(token), body: {} })).status).toBe(404);
      expect((await call("GET", `/api/webhooks/${other}/secret`, as(token))).status).toBe(404);
      expect((await call("GET", `/api/webhooks/${other}/queue`, as(token))).status).toBe(404);
      expect((await call("GET", `/api/webhooks/${other}/stats/timeseries`, as(token))).status).toBe(404);
      expect((await call("POST", `/api/webhooks/${other}/recover`, { ...as(token), body: { since: 0 } })).status).toBe(404);
    }
    // Nothing changed behind the 404s.
    const still = await call("GET", `/api/webhooks/${b.id}`, { key: acct.key });
    expect(still.json).toMatchObject({ active: true, deletedAt: null });
  });

  it("operates its own webhook: pause, test, secret, rotate, delete and restore", async () => {
    const { acct, a } = await twoChannels();
    const { token } = await session(acct, { channels: ["session-a"] });
    expect((await call("PUT", `/api/webhooks/${a.id}`, { ...as(token), body: { active: false } })).json.status).toBe("inactive");
    expect((await call("POST", `/api/webhooks/${a.id}/test`, { ...as(token), body: {} })).json.status).toBe("succeeded");
    expect((await call("GET", `/api/webhooks/${a.id}/secret`, as(token))).json.secret).toBe(a.secret);
    expect((await call("POST", `/api/webhooks/${a.id}/rotate-secret`, { ...as(token), body: {} })).status).toBe(200);
    expect((await call("DELETE", `/api/webhooks/${a.id}`, as(token))).status).toBe(200);
    expect((await call("POST", `/api/webhooks/${a.id}/restore`, as(token))).status).toBe(200);
  });

  it("creates webhooks on its channel only, and cannot move one out of it", async () => {
    const { acct, a } = await twoChannels();
    const { token } = await session(acct, { channels: ["session-a"] });
    const made = await call("POST", "/api/webhooks", { ...as(token), body: { url: "https://example.com/in", topics: ["*"] } });
    expect(made.status, made.text).toBe(201);
    expect(made.json.channels).toEqual(["session-a"]);
    const outside = await call("POST", "/api/webhooks", { ...as(token), body: { url: "https://example.com/in", topics: ["*"], channels: ["session-b"] } });
    expect(outside.status).toBe(422);
    expect(outside.json.error.details).toEqual([expect.objectContaining({ path: "body.channels", code: "out_of_scope" })]);
    const move = await call("PUT", `/api/webhooks/${a.id}`, { ...as(token), body: { channels: ["session-b"] } });
    expect(move.status).toBe(422);
    expect(move.json.error.details[0].path).toBe("body.channels");
    expect((await call("GET", `/api/webhooks/${a.id}`, { key: acct.key })).json.channels).toEqual(["session-a"]);
  });

  it("sees only its webhooks' calls and events, and replays only to them", async () => {
    const { acct, inbox, a, b } = await twoChannels();
    const { token } = await session(acct, { channels: ["session-a"] });
    const evA = await publish(acct, "message.received", { n: 1 }, { channel: "session-a" });
    const evB = await publish(acct, "message.received", { n: 2 }, { channel: "session-b" });
    // Barrier: both events were delivered (to a or b, and to the channel-less webhook) before any absence is asserted.
    await inbox.waitFor(4);
    await waitFor("calls logged", () => call("GET", `/api/webhooks/calls?limit=100`, { key: acct.key }), (r) => r.json.data.length >= 4);
    const calls = await call("GET", "/api/webhooks/calls?limit=100", as(token));
    expect(calls.status).toBe(200);
    expect(new Set(calls.json.data.map((c: { webhookId: string }) => c.webhookId))).toEqual(new Set([a.id]));
    const other = await call("GET", `/api/webhooks/calls?webhookId=${b.id}`, as(token));
    expect(other.json.data).toEqual([]);

    const events = await call("GET", "/api/events?limit=100", as(token));
    expect(events.json.data.map((e: { id: string }) => e.id)).toEqual([evA.id]);
    const detail = await call("GET", `/api/events/${evA.id}`, as(token));
    expect(detail.status).toBe(200);
    expect(detail.json.deliveries.map((d: { webhookId: string }) => d.webhookId)).toEqual([a.id]);
    expect((await call("GET", `/api/events/${evB.id}`, as(token))).status).toBe(404);

    expect((await call("POST", `/api/events/${evB.id}/replay`, { ...as(token), body: {} })).status).toBe(404);
    expect((await call("POST", `/api/events/${evA.id}/replay`, { ...as(token), body: { webhookIds: [b.id] } })).status).toBe(404);
    const replay = await call("POST", `/api/events/${evA.id}/replay`, { ...as(token), body: {} });
    expect(replay.status).toBe(202);
    expect(replay.json.webhookIds).toEqual([a.id]);
  });
});

describe.concurrent("portal token limits", () => {
  it("a read-only token reads but every write and the secret answer 403", async () => {
    const { acct, a } = await twoChannels();
    const { token } = await session(acct, { channels: ["session-a"], readOnly: true });
    expect((await call("GET", "/api/webhooks", as(token))).status).toBe(200);
    expect((await call("GET", `/api/webhooks/${a.id}/queue`, as(token))).status).toBe(200);
    const writes: [string, string, unknown?][] = [
      ["POST", "/api/webhooks", { url: "https://example.com/in", topics: ["*"] }],
      ["PUT", `/api/webhooks/${a.id}`, { active: false }],
      ["DELETE", `/api/webhooks/${a.id}`],
      ["POST", `/api/webhooks/${a.id}/test`, {}],
      ["DELETE", `/api/webhooks/${a.id}/queue`],
      ["GET", `/api/webhooks/${a.id}/secret`],
    ];
    for (const [method, path, body] of writes) {
      const res = await call(method, path, { ...as(token), body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.json.error.code).toBe("forbidden");
    }
    expect((await call("GET", `/api/webhooks/${a.id}`, { key: acct.key })).json.active).toBe(true);
  });

  it("a webhook-scoped token sees only the named webhooks and cannot create", async () => {
    const { acct, a, b } = await twoChannels();
    const { token } = await session(acct, { webhookIds: [b.id] });
    expect(ids(await call("GET", "/api/webhooks", as(token)))).toEqual([b.id]);
    expect((await call("GET", `/api/webhooks/${a.id}`, as(token))).status).toBe(404);
    expect((await call("POST", "/api/webhooks", { ...as(token), body: { url: "https://example.com/in", topics: ["*"] } })).status).toBe(403);
  });

  it("never reaches account, key, source, dead-letter, stats or portal-session routes", async () => {
    const { acct } = await twoChannels();
    const { token } = await session(acct);
    const refused: [string, string, unknown?][] = [
      ["GET", "/api/accounts"],
      ["GET", `/api/accounts/${acct.id}/keys`],
      ["POST", `/api/accounts/${acct.id}/keys`, { name: "x" }],
      ["GET", "/api/sources"],
      ["POST", "/api/sources", { name: "s", verification: { type: "none" } }],
      ["GET", "/api/dead-letters"],
      ["GET", "/api/stats"],
      ["GET", "/api/webhooks/queue"],
      ["POST", "/api/webhooks/test", { url: "https://example.com/x" }],
      ["POST", "/api/events", { topic: "a.b", payload: {} }],
      ["POST", "/api/topics", { name: "x.y" }],
      ["POST", "/api/portal/sessions", {}],
    ];
    for (const [method, path, body] of refused) {
      const res = await call(method, path, { ...as(token), body });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    expect((await call("GET", "/api/webhooks/topics", as(token))).status).toBe(200);
  });
});

describe.concurrent("portal token verification", () => {
  it("refuses an expired token with 401", async () => {
    const acct = await newAccount();
    const { signPortalToken } = await import("../../src/signing/portal-token");
    const expired = await signPortalToken({ accountId: acct.id, channels: null, webhookIds: null, readOnly: false, expiresAtMs: Date.now() - 1 }, env.ENCRYPTION_KEY);
    const res = await call("GET", "/api/webhooks", as(expired));
    expect(res.status).toBe(401);
    expect(res.json.error.message).toMatch(/expired/);
  });

  it("refuses forged, tampered, foreign-key and malformed tokens with 401", async () => {
    const { acct } = await twoChannels();
    const { token } = await session(acct, { channels: ["session-a"] });
    const [body, mac] = token.slice(4).split(".") as [string, string];
    const flipped = `hrp_${body}.${mac.slice(0, -2)}${mac.endsWith("AA") ? "BB" : "AA"}`;
    const claims = JSON.parse(atob(body.replace(/-/g, "+").replace(/_/g, "/")));
    const widened = btoa(JSON.stringify({ ...claims, c: null })).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    const { signPortalToken } = await import("../../src/signing/portal-token");
    const otherKey = await signPortalToken({ accountId: acct.id, channels: null, webhookIds: null, readOnly: false, expiresAtMs: Date.now() + 60_000 }, btoa("x".repeat(32)));
    for (const bad of [flipped, `hrp_${widened}.${mac}`, otherKey, "hrp_", "hrp_abc", `hrp_${body}`, `${token}.x`]) {
      const res = await call("GET", "/api/webhooks", as(bad));
      expect(res.status, bad).toBe(401);
    }
  });

  it("stops working when its account is deleted", async () => {
    const acct = await newAccount();
    const { token } = await session(acct);
    expect((await call("GET", "/api/webhooks", as(token))).status).toBe(200);
    expect((await call("DELETE", `/api/accounts/${acct.id}`)).status).toBe(200);
    expect((await call("GET", "/api/webhooks", as(token))).status).toBe(401);
  });
});

describe.concurrent("POST /api/portal/sessions", () => {
  it("answers a /portal URL with the token in its fragment and an expiry", async () => {
    const acct = await newAccount();
    const before = Date.now();
    const s = await session(acct, { expiresInSeconds: 600 });
    expect(s.token).toMatch(/^hrp_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(s.url).toBe(`http://hookrelay.test/portal#token=${s.token}`);
    expect(Date.parse(s.expiresAt)).toBeGreaterThanOrEqual(before + 600_000 - 1000);
    expect(Date.parse(s.expiresAt)).toBeLessThanOrEqual(Date.now() + 600_000);
  });

  it("lets the admin key open a session for a named account, and 404s an unknown one", async () => {
    const acct = await newAccount();
    const res = await call("POST", "/api/portal/sessions", { body: { accountId: acct.id } });
    expect(res.status).toBe(201);
    const wh = await createWebhook(acct, { url: "https://example.com/in" });
    expect(ids(await call("GET", "/api/webhooks", as(res.json.token)))).toEqual([wh.id]);
    expect((await call("POST", "/api/portal/sessions", { body: { accountId: "acc_nope" } })).status).toBe(404);
  });

  it("404s an account key naming another account and 422s bad fields", async () => {
    const a = await newAccount();
    const b = await newAccount();
    expect((await call("POST", "/api/portal/sessions", { key: a.key, body: { accountId: b.id } })).status).toBe(404);
    const bad = await call("POST", "/api/portal/sessions", { key: a.key, body: { expiresInSeconds: 0, readOnly: "yes", webhookIds: [], extra: 1 } });
    expect(bad.status).toBe(422);
    expect(bad.json.error.details.map((d: { path: string }) => d.path).sort()).toEqual(["body.expiresInSeconds", "body.extra", "body.readOnly", "body.webhookIds"]);
    const unknown = await call("POST", "/api/portal/sessions", { key: a.key, body: { webhookIds: ["wh_missing"] } });
    expect(unknown.status).toBe(422);
    expect(unknown.json.error.details).toEqual([expect.objectContaining({ path: "body.webhookIds.0", code: "unknown_webhook" })]);
  });
});
