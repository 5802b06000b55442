import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, newAccount } from "../support/http";
import { createSource, hmacHex, postIn } from "./helpers";

const GITHUB_SECRET = "It's a Secret to Everybody";

describe("sources API: create, read, list", () => {
  it("creates a source with an unguessable id, an ingestUrl and the secret shown once", async () => {
    const acct = await newAccount();
    const created = await call("POST", "/api/sources", {
      key: acct.key,
      body: { name: "GitHub org", description: "org webhooks", verification: { type: "github" }, secret: GITHUB_SECRET, forwardHeaders: ["X-GitHub-Event"] },
    });
    expect(created.status).toBe(201);
    const s = created.json;
    // 9 time characters + at least 22 random base62 characters (≥ 128 bits).
    expect(s.id).toMatch(/^src_[0-9a-z]{9}[0-9A-Za-z]{22,}$/);
    expect(s.ingestUrl).toBe(`http://hookrelay.test/in/${s.id}`);
    expect(s.secret).toBe(GITHUB_SECRET);
    expect(s).toMatchObject({
      name: "GitHub org",
      description: "org webhooks",
      verification: { type: "github" },
      topic: null,
      channel: null,
      dedupe: null,
      forwardHeaders: ["x-github-event"],
      rateLimit: null,
      active: true,
      deletedAt: null,
      resolvedRules: {
        topic: [{ header: "x-github-event" }],
        dedupe: [{ header: "x-github-delivery" }],
        channel: [],
        fallbackTopic: "github-org.event",
      },
    });

    const got = await call("GET", `/api/sources/${s.id}`, { key: acct.key });
    expect(got.status).toBe(200);
    expect(got.json).not.toHaveProperty("secret");
    const { secret: _secret, ...withoutSecret } = s;
    expect(got.json).toEqual(withoutSecret);

    const list = await call("GET", "/api/sources", { key: acct.key });
    expect(list.json.data.map((x: { id: string }) => x.id)).toEqual([s.id]);
    expect(JSON.stringify(list.json)).not.toContain(GITHUB_SECRET);

    const secret = await call("GET", `/api/sources/${s.id}/secret`, { key: acct.key });
    expect(secret.json).toEqual({ secret: GITHUB_SECRET, previous: [] });
  });

  it("stores the secret encrypted, never in plain text", async () => {
    const acct = await newAccount();
    const s = await createSource(acct, { name: "shop", verification: { type: "shopify" }, secret: "shpss_plaintext_marker_123" });
    const row = await env.DB.prepare("SELECT secrets FROM sources WHERE id = ?").bind(s.id).first<{ secrets: string }>();
    expect(row!.secrets).toMatch(/^v1\./);
    expect(row!.secrets).not.toContain("plaintext_marker");
  });

  it("generates a secret for standard-webhooks, api-key and basic when none is given", async () => {
    const acct = await newAccount();
    const sw = await createSource(acct, { name: "sw", verification: { type: "standard-webhooks" } });
    expect(sw.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(sw.verification).toEqual({ type: "standard-webhooks", toleranceSeconds: 300 });
    const key = await createSource(acct, { name: "key", verification: { type: "api-key", header: "X-Api-Token" } });
    expect(key.secret).toMatch(/^hrsk_[0-9A-Za-z]{40}$/);
    const basic = await createSource(acct, { name: "basic", verification: { type: "basic", username: "provider" } });
    expect(basic.secret).toMatch(/^[0-9A-Za-z]{32}$/);
    const none = await createSource(acct, { name: "open", verification: { type: "none" } });
    expect(none).not.toHaveProperty("secret");
    expect((await call("GET", `/api/sources/${none.id}/secret`, { key: acct.key })).json).toEqual({ secret: null, previous: [] });
  });

  it("keeps rule settings as given and shows the rules in effect", async () => {
    const acct = await newAccount();
    const s = await createSource(acct, {
      name: "WhatsApp sessions",
      verification: { type: "whatsapp-api" },
      secret: "your_webhook_secret_key",
      topic: [{ path: "event" }, { value: "whatsapp.unknown" }],
      dedupe: [],
      rateLimit: { perSecond: 50 },
    });
    expect(s.topic).toEqual([{ path: "event" }, { value: "whatsapp.unknown" }]);
    expect(s.resolvedRules).toEqual({
      topic: [{ path: "event" }, { value: "whatsapp.unknown" }],
      fallbackTopic: "whatsapp-sessions.event",
      channel: [{ path: "sessionId" }],
      dedupe: [],
    });
    expect(s.rateLimit).toEqual({ perSecond: 50 });
  });

  it("pages the list with a cursor, newest first, and lists deleted ones apart", async () => {
    const acct = await newAccount();
    const ids: string[] = [];
    for (const name of ["a", "b", "c"]) ids.push((await createSource(acct, { name, verification: { type: "none" } })).id);
    const first = await call("GET", "/api/sources?limit=2", { key: acct.key });
    expect(first.json.data.map((s: { id: string }) => s.id)).toEqual([ids[2], ids[1]]);
    expect(first.json.nextCursor).toBeTruthy();
    const second = await call("GET", `/api/sources?limit=2&cursor=${first.json.nextCursor}`, { key: acct.key });
    expect(second.json.data.map((s: { id: string }) => s.id)).toEqual([ids[0]]);
    expect(second.json.nextCursor).toBeNull();

    await call("DELETE", `/api/sources/${ids[1]}`, { key: acct.key });
    const live = await call("GET", "/api/sources", { key: acct.key });
    expect(live.json.data.map((s: { id: string }) => s.id)).toEqual([ids[2], ids[0]]);
    const deleted = await call("GET", "/api/sources?deleted=true", { key: acct.key });
    expect(deleted.json.data.map((s: { id: string }) => s.id)).toEqual([ids[1]]);
  });

  it("builds the ingestUrl from the request's origin", async () => {
    const acct = await newAccount();
    const res = await call("POST", "/api/sources", { key: acct.key, body: { name: "x", verification: { type: "none" } } });
    expect(new URL(res.json.ingestUrl).origin).toBe("http://hookrelay.test");
  });

  it("needs an API key", async () => {
    expect((await call("GET", "/api/sources", { key: null })).status).toBe(401);
    expect((await call("POST", "/api/sources", { key: null, body: { name: "x", verification: { type: "none" } } })).status).toBe(401);
  });

  it("appears in the OpenAPI document, with the ingest route", async () => {
    const doc = (await call("GET", "/openapi.json", { key: null })).json;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/sources", "/api/sources/{id}", "/api/sources/{id}/restore", "/api/sources/{id}/secret", "/api/sources/{id}/rotate-secret", "/in/{sourceId}"]),
    );
    expect(doc.paths["/in/{sourceId}"].post.responses).toHaveProperty("401");
  });
});

describe("sources API: validation (422 with field paths)", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["missing name", { verification: { type: "none" } }, "body.name"],
    ["blank name", { name: "  ", verification: { type: "none" } }, "body.name"],
    ["name too long", { name: "x".repeat(101), verification: { type: "none" } }, "body.name"],
    ["missing verification", { name: "x" }, "body.verification"],
    ["unknown verification type", { name: "x", verification: { type: "carrier-pigeon" } }, "body.verification.type"],
    ["hmac without header", { name: "x", verification: { type: "hmac" }, secret: "s3cret" }, "body.verification.header"],
    ["hmac with a bad encoding", { name: "x", verification: { type: "hmac", header: "X-Sig", encoding: "base32" }, secret: "s" }, "body.verification.encoding"],
    ["tolerance over 24 h", { name: "x", verification: { type: "stripe", toleranceSeconds: 90_000 }, secret: "whsec_x" }, "body.verification.toleranceSeconds"],
    ["provider scheme without its secret", { name: "x", verification: { type: "github" } }, "body.secret"],
    ["stripe without its secret", { name: "x", verification: { type: "stripe" } }, "body.secret"],
    ["secret with verification none", { name: "x", verification: { type: "none" }, secret: "unused" }, "body.secret"],
    ["standard-webhooks secret that is not base64", { name: "x", verification: { type: "standard-webhooks" }, secret: "whsec_not*base64!" }, "body.secret"],
    ["empty secret", { name: "x", verification: { type: "github" }, secret: "" }, "body.secret"],
    ["topic rule with two sources", { name: "x", verification: { type: "none" }, topic: { path: "type", header: "x-event" } }, "body.topic"],
    ["topic rule with no source", { name: "x", verification: { type: "none" }, topic: {} }, "body.topic"],
    ["topic rule with an unknown key", { name: "x", verification: { type: "none" }, topic: { jsonpath: "$.type" } }, "body.topic"],
    ["topic path with an empty segment", { name: "x", verification: { type: "none" }, topic: { path: "data..type" } }, "body.topic.path"],
    ["topic header that is not a header name", { name: "x", verification: { type: "none" }, topic: { header: "x event" } }, "body.topic.header"],
    ["fixed topic that is not a topic name", { name: "x", verification: { type: "none" }, topic: { value: "not a topic" } }, "body.topic.value"],
    ["fixed topic in hookrelay's namespace", { name: "x", verification: { type: "none" }, topic: { value: "webhook.disabled" } }, "body.topic.value"],
    ["empty topic rule list", { name: "x", verification: { type: "none" }, topic: [] }, "body.topic"],
    ["too many topic rules", { name: "x", verification: { type: "none" }, topic: Array.from({ length: 6 }, () => ({ path: "type" })) }, "body.topic"],
    ["bad rule inside a list", { name: "x", verification: { type: "none" }, channel: [{ path: "sessionId" }, { header: "bad header" }] }, "body.channel.1.header"],
    ["fixed dedupe value", { name: "x", verification: { type: "none" }, dedupe: { value: "same-for-all" } }, "body.dedupe"],
    ["forwarding Authorization", { name: "x", verification: { type: "none" }, forwardHeaders: ["Authorization"] }, "body.forwardHeaders.0"],
    ["forwarding a header hookrelay sets", { name: "x", verification: { type: "none" }, forwardHeaders: ["x-ok", "webhook-signature"] }, "body.forwardHeaders.1"],
    ["forwarding a header describing the inbound hop", { name: "x", verification: { type: "none" }, forwardHeaders: ["x-github-event", "X-Forwarded-For"] }, "body.forwardHeaders.1"],
    ["forwarding Cloudflare's inbound header", { name: "x", verification: { type: "none" }, forwardHeaders: ["CF-Connecting-IP"] }, "body.forwardHeaders.0"],
    ["forwarding a malformed header name", { name: "x", verification: { type: "none" }, forwardHeaders: ["not a header"] }, "body.forwardHeaders.0"],
    ["forwarding the api-key header", { name: "x", verification: { type: "api-key", header: "X-Token" }, forwardHeaders: ["x-token"] }, "body.forwardHeaders.0"],
    ["rate limit of zero", { name: "x", verification: { type: "none" }, rateLimit: { perSecond: 0 } }, "body.rateLimit.perSecond"],
    ["rate limit with an unknown field", { name: "x", verification: { type: "none" }, rateLimit: { perMinute: 5 } }, "body.rateLimit.perMinute"],
    ["active that is not a boolean", { name: "x", verification: { type: "none" }, active: "yes" }, "body.active"],
    ["unknown field", { name: "x", verification: { type: "none" }, url: "https://example.com" }, "body.url"],
  ];

  it("names a header a source may not forward with the code forbidden_header", async () => {
    const acct = await newAccount();
    const res = await call("POST", "/api/sources", { key: acct.key, body: { name: "x", verification: { type: "none" }, forwardHeaders: ["X-Forwarded-For", "Forwarded"] } });
    expect(res.status, res.text).toBe(422);
    expect(res.json.error.details.map((d: { path: string; code: string }) => [d.path, d.code])).toEqual([
      ["body.forwardHeaders.0", "forbidden_header"],
      ["body.forwardHeaders.1", "forbidden_header"],
    ]);
  });

  it.each(cases)("rejects %s", async (_what, body, path) => {
    const acct = await newAccount();
    const res = await call("POST", "/api/sources", { key: acct.key, body });
    expect(res.status, res.text).toBe(422);
    expect(res.json.error.code).toBe("validation_failed");
    expect(res.json.error.details.map((d: { path: string }) => d.path)).toContain(path);
    expect((await call("GET", "/api/sources", { key: acct.key })).json.data).toEqual([]);
  });

  it("rejects a body that is not JSON", async () => {
    const acct = await newAccount();
    const res = await call("POST", "/api/sources", { key: acct.key, rawBody: "{name:", headers: { "content-type": "application/json" } });
    expect(res.status).toBe(400);
  });

  it("rejects an empty update and invalid list queries", async () => {
    const acct = await newAccount();
    const s = await createSource(acct, { name: "x", verification: { type: "none" } });
    const empty = await call("PUT", `/api/sources/${s.id}`, { key: acct.key, body: {} });
    expect(empty.status).toBe(422);
    const limit = await call("GET", "/api/sources?limit=0", { key: acct.key });
    expect(limit.status).toBe(422);
    expect(limit.json.error.details[0].path).toBe("query.limit");
    expect((await call("GET", "/api/sources?cursor=%%%", { key: acct.key })).status).toBe(400);
  });
});

describe("sources API: update, delete, restore", () => {
  it("updates only the fields sent", async () => {
    const acct = await newAccount();
    const s = await createSource(acct, { name: "before", verification: { type: "github" }, secret: GITHUB_SECRET, forwardHeaders: ["x-github-event"] });
    const res = await call("PUT", `/api/sources/${s.id}`, {
      key: acct.key,
      body: { name: "after", channel: { header: "X-GitHub-Hook-Installation-Target-ID" }, rateLimit: { perSecond: 5 } },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ name: "after", verification: { type: "github" }, forwardHeaders: ["x-github-event"], rateLimit: { perSecond: 5 } });
    expect(res.json.resolvedRules.channel).toEqual([{ header: "x-github-hook-installation-target-id" }]);
    expect(res.json).not.toHaveProperty("secret");
    expect(Date.parse(res.json.updatedAt)).toBeGreaterThanOrEqual(Date.parse(s.updatedAt as string));

    const cleared = await call("PUT", `/api/sources/${s.id}`, { key: acct.key, body: { channel: null, rateLimit: null, forwardHeaders: null, description: null } });
    expect(cleared.json).toMatchObject({ channel: null, rateLimit: null, forwardHeaders: null, description: null });
    expect((await call("GET", `/api/sources/${s.id}/secret`, { key: acct.key })).json.secret).toBe(GITHUB_SECRET);
  });

  it("replaces the secret at once when a PUT sends one", async () => {
    const acct = await newAccount();
    const s = await createSource(acct, { name: "w", verification: { type: "whatsapp-api" }, secret: "old-secret" });
    await call("PUT", `/api/sources/${s.id}`, { key: acct.key, body: { secret: "new-secret" } });
    const body = '{"event":"message.received","sessionId":"s1"}';
    expect((await postIn(s.id, body, { "X-Webhook-Signature": `sha256=${await hmacHex("old-secret", body)}` })).status).toBe(401);
    expect((await postIn(s.id, body, { "X-Webhook-Signature": `sha256=${await hmacHex("new-secret", body)}` })).status).toBe(200);
  });

  it("handles a change of verification type: provider secret kept, generated, required or dropped", async () => {
    const acct = await newAccount();
    const s = await createSource(acct, { name: "w", verification: { type: "whatsapp-api" }, secret: "provider-secret" });

    // A preset → the generic hmac scheme keeps the provider's secret.
    const toHmac = await call("PUT", `/api/sources/${s.id}`, { key: acct.key, body: { verification: { type: "hmac", header: "X-Webhook-Signature", prefix: "sha256=" } } });
    expect(toHmac.status).toBe(200);
    expect(toHmac.json).not.toHaveProperty("secret");
    expect((await call("GET", `/api/sources/${s.id}/secret`, { key: acct.key })).json.secret).toBe("provider-secret");

    // → standard-webhooks: a new whsec_ secret is generated and shown.
    const toSw = await call("PUT", `/api/sources/${s.id}`, { key: acct.key, body: { verification: { type: "standard-webhooks" } } });
    expect(toSw.status).toBe(200);
    expect(toSw.json.secret).toMatch(/^whsec_/);

    // → none drops the secrets; back to a provider scheme then needs one.
    await call("PUT", `/api/sources/${s.id}`, { key: acct.key, body: { verification: { type: "none" } } });
    expect((await call("GET", `/api/sources/${s.id}/secret`, { key: acct.key })).json.secret).toBeNull();
    const needs = await call("PUT", `/api/sources/${s.id}`, { key: acct.key, body: { verification: { type: "github" } } });
    expect(needs.status).toBe(422);
    expect(needs.json.error.details[0].path).toBe("body.secret");
    const given = await call("PUT", `/api/sources/${s.id}`, { key: acct.key, body: { verification: { type: "github" }, secret: GITHUB_SECRET } });
    expect(given.status).toBe(200);
    expect(given.json.verification).toEqual({ type: "github" });
    // A secret sent to a none source is refused.
    const none = await call("PUT", `/api/sources/${s.id}`, { key: acct.key, body: { verification: { type: "none" }, secret: "x" } });
    expect(none.status).toBe(422);
  });

  it("soft-deletes and restores; restoring a live source is a conflict", async () => {
    const acct = await newAccount();
    const s = await createSource(acct, { name: "x", verification: { type: "none" } });
    const del = await call("DELETE", `/api/sources/${s.id}`, { key: acct.key });
    expect(del.status).toBe(200);
    expect(del.json.deletedAt).toBeTruthy();
    expect((await call("GET", `/api/sources/${s.id}`, { key: acct.key })).status).toBe(404);
    expect((await call("PUT", `/api/sources/${s.id}`, { key: acct.key, body: { name: "y" } })).status).toBe(404);
    expect((await call("DELETE", `/api/sources/${s.id}`, { key: acct.key })).status).toBe(404);

    const restored = await call("POST", `/api/sources/${s.id}/restore`, { key: acct.key });
    expect(restored.status).toBe(200);
    expect(restored.json.deletedAt).toBeNull();
    expect((await call("GET", `/api/sources/${s.id}`, { key: acct.key })).status).toBe(200);
    const again = await call("POST", `/api/sources/${s.id}/restore`, { key: acct.key });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe("conflict");
  });

  it("answers 404 for an unknown id", async () => {
    const acct = await newAccount();
    for (const [method, path] of [["GET", ""], ["PUT", ""], ["DELETE", ""], ["POST", "/restore"], ["GET", "/secret"], ["POST", "/rotate-secret"]] as const) {
      const res = await call(method, `/api/sources/src_doesnotexist${path}`, { key: acct.key, body: method === "PUT" ? { name: "x" } : method === "POST" ? {} : undefined });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
  });
});

describe("sources API: accounts are isolated", () => {
  it("answers 404 for another account's source on every route and leaves it untouched", async () => {
    const owner = await newAccount("owner");
    const other = await newAccount("other");
    const s = await createSource(owner, { name: "mine", verification: { type: "github" }, secret: GITHUB_SECRET });
    const attempts: [string, string, unknown][] = [
      ["GET", `/api/sources/${s.id}`, undefined],
      ["PUT", `/api/sources/${s.id}`, { name: "stolen" }],
      ["DELETE", `/api/sources/${s.id}`, undefined],
      ["POST", `/api/sources/${s.id}/restore`, undefined],
      ["GET", `/api/sources/${s.id}/secret`, undefined],
      ["POST", `/api/sources/${s.id}/rotate-secret`, { secret: "attacker" }],
    ];
    for (const [method, path, body] of attempts) {
      const res = await call(method, path, { key: other.key, body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.text).not.toContain(GITHUB_SECRET);
    }
    expect((await call("GET", "/api/sources", { key: other.key })).json.data).toEqual([]);
    const mine = await call("GET", `/api/sources/${s.id}`, { key: owner.key });
    expect(mine.json.name).toBe("mine");
    expect((await call("GET", `/api/sources/${s.id}/secret`, { key: owner.key })).json.secret).toBe(GITHUB_SECRET);
  });

  it("lets the admin key act on an account through x-account-id", async () => {
    const acct = await newAccount();
    const s = await createSource(acct, { name: "x", verification: { type: "none" } });
    expect((await call("GET", `/api/sources/${s.id}`, { account: acct.id })).status).toBe(200);
    expect((await call("GET", `/api/sources/${s.id}`)).status).toBe(404);
  });
});

describe("sources API: secret rotation", () => {
  const body = '{"event":"message.received","sessionId":"5bc99cea8975b95fe7077c64a3312145"}';
  const signed = async (secret: string) => ({ "content-type": "application/json", "X-Webhook-Signature": `sha256=${await hmacHex(secret, body)}` });

  it("keeps the old secret valid during the grace period, beside the new one", async () => {
    const acct = await newAccount();
    const s = await createSource(acct, { name: "w", verification: { type: "whatsapp-api" }, secret: "first-secret", dedupe: [] });
    const rotated = await call("POST", `/api/sources/${s.id}/rotate-secret`, { key: acct.key, body: { secret: "second-secret", graceSeconds: 3600 } });
    expect(rotated.status).toBe(200);
    expect(rotated.json.secret).toBe("second-secret");

    const info = await call("GET", `/api/sources/${s.id}/secret`, { key: acct.key });
    expect(info.json.secret).toBe("second-secret");
    expect(info.json.previous).toHaveLength(1);
    const expiresInMs = Date.parse(info.json.previous[0].expiresAt) - Date.now();
    expect(expiresInMs).toBeGreaterThan(3_500_000);
    expect(expiresInMs).toBeLessThanOrEqual(3_600_000);

    expect((await postIn(s.id, body, await signed("first-secret"))).status).toBe(200);
    expect((await postIn(s.id, body, await signed("second-secret"))).status).toBe(200);
    expect((await postIn(s.id, body, await signed("third-secret"))).status).toBe(401);
  });

  it("drops the old secret at once with graceSeconds 0", async () => {
    const acct = await newAccount();
    const s = await createSource(acct, { name: "w", verification: { type: "whatsapp-api" }, secret: "first-secret" });
    await call("POST", `/api/sources/${s.id}/rotate-secret`, { key: acct.key, body: { secret: "second-secret", graceSeconds: 0 } });
    expect((await postIn(s.id, body, await signed("first-secret"))).status).toBe(401);
    expect((await postIn(s.id, body, await signed("second-secret"))).status).toBe(200);
    expect((await call("GET", `/api/sources/${s.id}/secret`, { key: acct.key })).json.previous).toEqual([]);
  });

  it("generates the new secret for standard-webhooks and requires it for provider schemes", async () => {
    const acct = await newAccount();
    const sw = await createSource(acct, { name: "sw", verification: { type: "standard-webhooks" } });
    const rotated = await call("POST", `/api/sources/${sw.id}/rotate-secret`, { key: acct.key, body: {} });
    expect(rotated.status).toBe(200);
    expect(rotated.json.secret).toMatch(/^whsec_/);
    expect(rotated.json.secret).not.toBe(sw.secret);

    const gh = await createSource(acct, { name: "gh", verification: { type: "github" }, secret: GITHUB_SECRET });
    const missing = await call("POST", `/api/sources/${gh.id}/rotate-secret`, { key: acct.key, body: {} });
    expect(missing.status).toBe(422);
    expect(missing.json.error.details[0].path).toBe("body.secret");
    const badGrace = await call("POST", `/api/sources/${gh.id}/rotate-secret`, { key: acct.key, body: { secret: "x", graceSeconds: -1 } });
    expect(badGrace.status).toBe(422);
    expect(badGrace.json.error.details[0].path).toBe("body.graceSeconds");

    const none = await createSource(acct, { name: "none", verification: { type: "none" } });
    expect((await call("POST", `/api/sources/${none.id}/rotate-secret`, { key: acct.key, body: {} })).status).toBe(409);
  });
});
