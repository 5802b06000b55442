import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, newAccount } from "../support/http";

/** Happy paths of the seeds' webhook management API (seed 000, "Webhook Management with API"). */

type Account = Awaited<ReturnType<typeof newAccount>>;

const SEED_BODY = {
  url: "https://your-domain.com/webhooks/vambe",
  topics: ["message.received", "ticket.created", "stage.changed"],
  active: true,
  description: "Main webhook for production",
};

async function create(acct: Account, body: Record<string, unknown> = {}) {
  const res = await call("POST", "/api/webhooks", { key: acct.key, body: { ...SEED_BODY, ...body } });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${res.text}`);
  return res.json;
}

async function listIds(acct: Account, query = "") {
  const res = await call("GET", `/api/webhooks${query ? `?${query}` : ""}`, { key: acct.key });
  expect(res.status).toBe(200);
  return (res.json.data as { id: string }[]).map((w) => w.id);
}

describe("POST /api/webhooks", () => {
  it("creates a webhook exactly as seed 000's curl does and answers 201 with the stored fields", async () => {
    const acct = await newAccount();
    const res = await call("POST", "/api/webhooks", {
      key: null,
      headers: { "x-api-key": acct.key, "Content-Type": "application/json" },
      rawBody: JSON.stringify(SEED_BODY),
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      ...SEED_BODY,
      status: "active",
      disabledReason: null,
      channels: null,
      sources: null,
      filter: null,
      headers: null,
      metadata: null,
      deletedAt: null,
      signature: { scheme: "standard" },
    });
    expect(res.json.id).toMatch(/^wh_[0-9A-Za-z]+$/);
    expect(new Date(res.json.createdAt).toISOString()).toBe(res.json.createdAt);
    expect(res.json.updatedAt).toBe(res.json.createdAt);
  });

  it("generates a whsec_ secret of 32 random bytes, different for every webhook", async () => {
    const acct = await newAccount();
    const a = await create(acct);
    const b = await create(acct);
    for (const secret of [a.secret, b.secret]) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
      expect(atob(secret.slice("whsec_".length))).toHaveLength(32);
    }
    expect(a.secret).not.toBe(b.secret);
  });

  it("fills the documented delivery defaults when delivery is absent", async () => {
    const acct = await newAccount();
    const w = await create(acct);
    expect(w.delivery).toEqual({
      ordering: "ordered",
      maxInFlight: 10,
      timeoutMs: 15000,
      retrySchedule: [5, 300, 1800, 7200, 18000, 36000, 36000],
      rateLimitPerSecond: null,
      retryClientErrors: true,
      jitter: 0.2,
    });
  });

  it("defaults active to true and stores every optional body field", async () => {
    const acct = await newAccount();
    const body = {
      url: "https://hooks.example.com/in",
      topics: ["message.*", "session.connected"],
      channels: ["5bc99cea8975b95fe7077c64a3312145"],
      filter: { "data.pipeline_id": "sales", "data.status": { $in: ["OPEN", "PENDING"] }, "data.agent": { $exists: true } },
      headers: { "X-Tenant": "acme", Authorization: "Bearer downstream-token" },
      signature: { scheme: "hmac-sha256", header: "X-Vobiz-Signature", prefix: "", encoding: "hex" },
      secret: "a-provider-secret-of-any-shape",
      delivery: { ordering: "parallel", maxInFlight: 4, timeoutMs: 5000, retrySchedule: [30, 300, 1800, 7200], rateLimitPerSecond: 2.5, retryClientErrors: false },
      metadata: { team: "growth", priority: 1 },
    };
    const res = await call("POST", "/api/webhooks", { key: acct.key, body });
    expect(res.status).toBe(201);
    const { secret, headers, ...rest } = body;
    // Header values are secrets: shown masked, revealed by GET /{id}/headers.
    const stored = { ...rest, headers: { "X-Tenant": "••••••", Authorization: "••••••" } };
    expect(res.json).toMatchObject({ ...stored, active: true, status: "active", description: null });
    expect(res.json.secret).toBe(secret);

    const got = await call("GET", `/api/webhooks/${res.json.id}`, { key: acct.key });
    expect(got.json).toMatchObject(stored);
    expect((await call("GET", `/api/webhooks/${res.json.id}/headers`, { key: acct.key })).json).toEqual({ headers });
  });

  it("fills the hmac-sha256 profile's header, prefix and encoding defaults", async () => {
    const acct = await newAccount();
    const w = await create(acct, { signature: { scheme: "hmac-sha256" } });
    expect(w.signature).toEqual({ scheme: "hmac-sha256", header: "X-Webhook-Signature", prefix: "sha256=", encoding: "hex" });
  });

  it("creates an inactive webhook when active is false", async () => {
    const acct = await newAccount();
    const w = await create(acct, { active: false });
    expect(w.active).toBe(false);
    expect(w.status).toBe("inactive");
  });

  it("stores each topic once when the same topic is sent twice", async () => {
    const acct = await newAccount();
    const w = await create(acct, { topics: ["message.received", "message.received", "*"] });
    expect(w.topics).toEqual(["message.received", "*"]);
  });

  it("keeps a caller-supplied standard secret", async () => {
    const acct = await newAccount();
    const secret = `whsec_${btoa(String.fromCharCode(...new Uint8Array(32).fill(7)))}`;
    const w = await create(acct, { secret });
    expect(w.secret).toBe(secret);
    const revealed = await call("GET", `/api/webhooks/${w.id}/secret`, { key: acct.key });
    expect(revealed.json.secret).toBe(secret);
  });
});

describe("the signing secret", () => {
  it("is absent from GET and from the list", async () => {
    const acct = await newAccount();
    const w = await create(acct);
    const got = await call("GET", `/api/webhooks/${w.id}`, { key: acct.key });
    expect(got.json).not.toHaveProperty("secret");
    expect(got.text).not.toContain(w.secret);
    const list = await call("GET", "/api/webhooks", { key: acct.key });
    expect(list.json.data[0]).not.toHaveProperty("secret");
    expect(list.text).not.toContain(w.secret);
  });

  it("is returned by GET /api/webhooks/{id}/secret", async () => {
    const acct = await newAccount();
    const w = await create(acct);
    const res = await call("GET", `/api/webhooks/${w.id}/secret`, { key: acct.key });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ secret: w.secret, previous: [] });
  });

  it("is absent from PUT, DELETE and restore answers", async () => {
    const acct = await newAccount();
    const w = await create(acct);
    for (const res of [
      await call("PUT", `/api/webhooks/${w.id}`, { key: acct.key, body: { description: "x" } }),
      await call("DELETE", `/api/webhooks/${w.id}`, { key: acct.key }),
      await call("POST", `/api/webhooks/${w.id}/restore`, { key: acct.key }),
    ]) {
      expect(res.status).toBe(200);
      expect(res.json).not.toHaveProperty("secret");
      expect(res.text).not.toContain(w.secret);
    }
  });
});

describe("GET /api/webhooks/{id}", () => {
  it("returns the webhook as created, without the secret", async () => {
    const acct = await newAccount();
    const { secret: _secret, ...created } = await create(acct);
    const res = await call("GET", `/api/webhooks/${created.id}`, { key: acct.key });
    expect(res.status).toBe(200);
    expect(res.json).toEqual(created);
  });

  it("returns 404 not_found for an id that does not exist", async () => {
    const acct = await newAccount();
    const res = await call("GET", "/api/webhooks/wh_doesnotexist", { key: acct.key });
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe("not_found");
  });

  it("returns 404 for the secret of an id that does not exist", async () => {
    const acct = await newAccount();
    expect((await call("GET", "/api/webhooks/wh_doesnotexist/secret", { key: acct.key })).status).toBe(404);
  });
});

describe("GET /api/webhooks (list)", () => {
  it("lists the account's webhooks as {data, nextCursor}", async () => {
    const acct = await newAccount();
    const w = await create(acct);
    const res = await call("GET", "/api/webhooks", { key: acct.key });
    expect(res.status).toBe(200);
    expect(res.json.nextCursor).toBeNull();
    const { secret: _secret, ...expected } = w;
    expect(res.json.data).toEqual([expected]);
  });

  it("returns an empty page for an account with no webhooks", async () => {
    const acct = await newAccount();
    const res = await call("GET", "/api/webhooks", { key: acct.key });
    expect(res.json).toEqual({ data: [], nextCursor: null });
  });

  it("pages with limit and nextCursor through every webhook once, newest id first", async () => {
    const acct = await newAccount();
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await create(acct, { description: `hook ${i}` })).id);

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const query: string = `limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const res = await call("GET", `/api/webhooks?${query}`, { key: acct.key });
      expect(res.status).toBe(200);
      pages.push(res.json.data.map((w: { id: string }) => w.id));
      cursor = res.json.nextCursor;
    } while (cursor !== null && pages.length < 10);

    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    const seen = pages.flat();
    expect(new Set(seen).size).toBe(5);
    expect([...seen].sort()).toEqual([...created].sort());
    expect(seen).toEqual([...created].sort().reverse());
  });

  it("gives no nextCursor when the page is exactly full and nothing follows", async () => {
    const acct = await newAccount();
    await create(acct);
    await create(acct);
    const res = await call("GET", "/api/webhooks?limit=2", { key: acct.key });
    expect(res.json.data).toHaveLength(2);
    expect(res.json.nextCursor).toBeNull();
  });

  it("filters by active", async () => {
    const acct = await newAccount();
    const on = await create(acct, { active: true });
    const off = await create(acct, { active: false });
    expect(await listIds(acct, "active=true")).toEqual([on.id]);
    expect(await listIds(acct, "active=false")).toEqual([off.id]);
  });

  it("filters by status", async () => {
    const acct = await newAccount();
    const on = await create(acct);
    const paused = await create(acct);
    await call("PUT", `/api/webhooks/${paused.id}`, { key: acct.key, body: { active: false } });
    expect(await listIds(acct, "status=inactive")).toEqual([paused.id]);
    expect(await listIds(acct, "status=active")).toEqual([on.id]);
    expect(await listIds(acct, "status=disabled")).toEqual([]);
  });

  it("filters by topic through exact, prefix.* and * subscriptions", async () => {
    const acct = await newAccount();
    const exact = await create(acct, { topics: ["message.received"] });
    const prefix = await create(acct, { topics: ["message.*"] });
    const all = await create(acct, { topics: ["*"] });
    const other = await create(acct, { topics: ["ticket.created"] });

    const received = await listIds(acct, "topic=message.received");
    expect(received.sort()).toEqual([exact.id, prefix.id, all.id].sort());
    const sent = await listIds(acct, "topic=message.sent");
    expect(sent.sort()).toEqual([prefix.id, all.id].sort());
    const ticket = await listIds(acct, "topic=ticket.created");
    expect(ticket.sort()).toEqual([all.id, other.id].sort());
  });

  it("does not match a prefix.* subscription on a topic that only shares the prefix's letters", async () => {
    const acct = await newAccount();
    const prefix = await create(acct, { topics: ["message.*"] });
    expect(await listIds(acct, "topic=messages.received")).not.toContain(prefix.id);
    expect(await listIds(acct, "topic=message")).not.toContain(prefix.id);
  });

  it("does not match the meta topic webhook.disabled with *, only with subscriptions that name it", async () => {
    const acct = await newAccount();
    await create(acct, { topics: ["*"] });
    const named = await create(acct, { topics: ["webhook.disabled"] });
    const prefix = await create(acct, { topics: ["webhook.*"] });
    expect((await listIds(acct, "topic=webhook.disabled")).sort()).toEqual([named.id, prefix.id].sort());
    expect(await listIds(acct, "topic=delivery.exhausted")).toEqual([]);
  });

  it("matches topics case-sensitively, as delivery's topicMatches does", async () => {
    const acct = await newAccount();
    const all = await create(acct, { topics: ["*"] });
    const exact = await create(acct, { topics: ["message.received"] });
    // Only the lower-case webhook.* / delivery.* names are meta topics; * covers everything else.
    expect(await listIds(acct, "topic=Webhook.Disabled")).toEqual([all.id]);
    expect(await listIds(acct, "topic=DELIVERY.exhausted")).toEqual([all.id]);
    expect(await listIds(acct, "topic=Message.Received")).toEqual([all.id]);
    expect((await listIds(acct, "topic=message.received")).sort()).toEqual([all.id, exact.id].sort());
  });

  it("combines filters with pagination", async () => {
    const acct = await newAccount();
    for (let i = 0; i < 3; i++) await create(acct, { topics: ["ticket.*"] });
    await create(acct, { topics: ["session.connected"] });
    const first = await call("GET", "/api/webhooks?topic=ticket.closed&limit=2", { key: acct.key });
    expect(first.json.data).toHaveLength(2);
    const second = await call("GET", `/api/webhooks?topic=ticket.closed&limit=2&cursor=${first.json.nextCursor}`, { key: acct.key });
    expect(second.json.data).toHaveLength(1);
    expect(second.json.nextCursor).toBeNull();
  });
});

describe("PUT /api/webhooks/{id}", () => {
  it("pauses a webhook with {\"active\":false} as seed 000 does", async () => {
    const acct = await newAccount();
    const w = await create(acct);
    const res = await call("PUT", `/api/webhooks/${w.id}`, {
      key: null,
      headers: { "x-api-key": acct.key, "Content-Type": "application/json" },
      rawBody: JSON.stringify({ active: false }),
    });
    expect(res.status).toBe(200);
    expect(res.json.active).toBe(false);
    expect(res.json.status).toBe("inactive");
    const got = await call("GET", `/api/webhooks/${w.id}`, { key: acct.key });
    expect(got.json.status).toBe("inactive");
  });

  it("resumes a paused webhook with {\"active\":true}", async () => {
    const acct = await newAccount();
    const w = await create(acct, { active: false });
    const res = await call("PUT", `/api/webhooks/${w.id}`, { key: acct.key, body: { active: true } });
    expect(res.json).toMatchObject({ active: true, status: "active" });
  });

  it("changes only the fields sent", async () => {
    const acct = await newAccount();
    const { secret: _secret, ...w } = await create(acct, { metadata: { team: "a" }, channels: ["s1"] });
    const res = await call("PUT", `/api/webhooks/${w.id}`, { key: acct.key, body: { description: "renamed", topics: ["ticket.*"] } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ...w, description: "renamed", topics: ["ticket.*"], updatedAt: res.json.updatedAt });
    expect(Date.parse(res.json.updatedAt)).toBeGreaterThanOrEqual(Date.parse(w.updatedAt));
    const got = await call("GET", `/api/webhooks/${w.id}`, { key: acct.key });
    expect(got.json).toEqual(res.json);
  });

  it("clears a nullable field sent as null", async () => {
    const acct = await newAccount();
    const w = await create(acct, { filter: { "data.pipeline_id": "sales" }, headers: { "X-Tenant": "a" } });
    const res = await call("PUT", `/api/webhooks/${w.id}`, { key: acct.key, body: { filter: null, headers: null, description: null } });
    expect(res.json).toMatchObject({ filter: null, headers: null, description: null, url: w.url });
  });

  it("merges delivery field by field, keeping the fields not sent", async () => {
    const acct = await newAccount();
    const w = await create(acct, { delivery: { ordering: "parallel", timeoutMs: 5000, retrySchedule: [10, 20], retryClientErrors: false } });
    const res = await call("PUT", `/api/webhooks/${w.id}`, { key: acct.key, body: { delivery: { maxInFlight: 3 } } });
    expect(res.status).toBe(200);
    expect(res.json.delivery).toEqual({
      ordering: "parallel",
      maxInFlight: 3,
      timeoutMs: 5000,
      retrySchedule: [10, 20],
      rateLimitPerSecond: null,
      retryClientErrors: false,
      jitter: 0.2,
    });
    const got = await call("GET", `/api/webhooks/${w.id}`, { key: acct.key });
    expect(got.json.delivery).toEqual(res.json.delivery);
  });

  it("leaves the secret unchanged", async () => {
    const acct = await newAccount();
    const w = await create(acct);
    await call("PUT", `/api/webhooks/${w.id}`, { key: acct.key, body: { url: "https://elsewhere.example.com/hook" } });
    const revealed = await call("GET", `/api/webhooks/${w.id}/secret`, { key: acct.key });
    expect(revealed.json.secret).toBe(w.secret);
  });

  it("switches a standard webhook to an hmac-sha256 profile", async () => {
    const acct = await newAccount();
    const w = await create(acct);
    const res = await call("PUT", `/api/webhooks/${w.id}`, { key: acct.key, body: { signature: { scheme: "hmac-sha256", encoding: "base64" } } });
    expect(res.status).toBe(200);
    expect(res.json.signature).toEqual({ scheme: "hmac-sha256", header: "X-Webhook-Signature", prefix: "sha256=", encoding: "base64" });
  });

  it("switches back to standard when the secret is a whsec_ secret", async () => {
    const acct = await newAccount();
    const w = await create(acct, { signature: { scheme: "hmac-sha256" } });
    const res = await call("PUT", `/api/webhooks/${w.id}`, { key: acct.key, body: { signature: { scheme: "standard" } } });
    expect(res.status).toBe(200);
    expect(res.json.signature).toEqual({ scheme: "standard" });
  });

  describe("on a webhook hookrelay disabled", () => {
    // Only delivery disables a webhook; set the state the way it would.
    async function disabled(acct: Account) {
      const w = await create(acct);
      await env.DB.prepare("UPDATE webhooks SET status = 'disabled', disabled_reason = ? WHERE id = ?").bind("endpoint answered 410 Gone", w.id).run();
      return w;
    }

    it("shows the status and reason, and lists it under status=disabled", async () => {
      const acct = await newAccount();
      const w = await disabled(acct);
      const got = await call("GET", `/api/webhooks/${w.id}`, { key: acct.key });
      expect(got.json).toMatchObject({ status: "disabled", disabledReason: "endpoint answered 410 Gone", active: true });
      expect(await listIds(acct, "status=disabled")).toEqual([w.id]);
    });

    it("keeps it disabled when other fields change", async () => {
      const acct = await newAccount();
      const w = await disabled(acct);
      const res = await call("PUT", `/api/webhooks/${w.id}`, { key: acct.key, body: { url: "https://fixed.example.com/hook" } });
      expect(res.json).toMatchObject({ status: "disabled", disabledReason: "endpoint answered 410 Gone", url: "https://fixed.example.com/hook" });
    });

    it("re-enables it with {\"active\":true}, clearing the reason", async () => {
      const acct = await newAccount();
      const w = await disabled(acct);
      const res = await call("PUT", `/api/webhooks/${w.id}`, { key: acct.key, body: { active: true } });
      expect(res.json).toMatchObject({ status: "active", active: true, disabledReason: null });
    });
  });

  it("returns 404 for an unknown id", async () => {
    const acct = await newAccount();
    const res = await call("PUT", "/api/webhooks/wh_doesnotexist", { key: acct.key, body: { active: false } });
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe("not_found");
  });
});

describe("DELETE /api/webhooks/{id} and restore", () => {
  it("soft-deletes: answers the webhook with deletedAt, then hides it from GET (404) and the list", async () => {
    const acct = await newAccount();
    const w = await create(acct);
    const keep = await create(acct);
    const del = await call("DELETE", `/api/webhooks/${w.id}`, { key: acct.key });
    expect(del.status).toBe(200);
    expect(del.json.id).toBe(w.id);
    expect(new Date(del.json.deletedAt).toISOString()).toBe(del.json.deletedAt);

    expect((await call("GET", `/api/webhooks/${w.id}`, { key: acct.key })).status).toBe(404);
    expect((await call("GET", `/api/webhooks/${w.id}/secret`, { key: acct.key })).status).toBe(404);
    expect((await call("PUT", `/api/webhooks/${w.id}`, { key: acct.key, body: { active: false } })).status).toBe(404);
    expect(await listIds(acct)).toEqual([keep.id]);
    expect(await listIds(acct, "topic=message.received")).toEqual([keep.id]);
  });

  it("lists deleted webhooks with deleted=true, and only those", async () => {
    const acct = await newAccount();
    const w = await create(acct);
    await create(acct);
    await call("DELETE", `/api/webhooks/${w.id}`, { key: acct.key });
    const res = await call("GET", "/api/webhooks?deleted=true", { key: acct.key });
    expect(res.json.data.map((x: { id: string }) => x.id)).toEqual([w.id]);
    expect(res.json.data[0].deletedAt).not.toBeNull();
  });

  it("answers 404 to a second delete", async () => {
    const acct = await newAccount();
    const w = await create(acct);
    expect((await call("DELETE", `/api/webhooks/${w.id}`, { key: acct.key })).status).toBe(200);
    expect((await call("DELETE", `/api/webhooks/${w.id}`, { key: acct.key })).status).toBe(404);
  });

  it("restores a deleted webhook: back in GET and the list, gone from deleted=true, secret unchanged", async () => {
    const acct = await newAccount();
    const w = await create(acct);
    await call("DELETE", `/api/webhooks/${w.id}`, { key: acct.key });
    const restored = await call("POST", `/api/webhooks/${w.id}/restore`, { key: acct.key });
    expect(restored.status).toBe(200);
    expect(restored.json).toMatchObject({ id: w.id, deletedAt: null, url: w.url, topics: w.topics, status: "active" });

    expect((await call("GET", `/api/webhooks/${w.id}`, { key: acct.key })).status).toBe(200);
    expect(await listIds(acct)).toEqual([w.id]);
    expect(await listIds(acct, "deleted=true")).toEqual([]);
    const revealed = await call("GET", `/api/webhooks/${w.id}/secret`, { key: acct.key });
    expect(revealed.json.secret).toBe(w.secret);
  });

  it("answers 409 conflict when restoring a webhook that is not deleted", async () => {
    const acct = await newAccount();
    const w = await create(acct);
    const res = await call("POST", `/api/webhooks/${w.id}/restore`, { key: acct.key });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("conflict");
  });

  it("answers 404 when restoring after the restore window (RESTORE_WINDOW_DAYS, 30 by default) has passed", async () => {
    const acct = await newAccount();
    const w = await create(acct);
    await call("DELETE", `/api/webhooks/${w.id}`, { key: acct.key });
    const longAgo = Date.now() - 31 * 86_400_000;
    await env.DB.prepare("UPDATE webhooks SET deleted_at = ? WHERE id = ?").bind(longAgo, w.id).run();
    const res = await call("POST", `/api/webhooks/${w.id}/restore`, { key: acct.key });
    expect(res.status).toBe(404);
    expect(await listIds(acct)).toEqual([]);
  });

  it("restores a webhook deleted just inside the restore window", async () => {
    const acct = await newAccount();
    const w = await create(acct);
    await call("DELETE", `/api/webhooks/${w.id}`, { key: acct.key });
    await env.DB.prepare("UPDATE webhooks SET deleted_at = ? WHERE id = ?").bind(Date.now() - 29 * 86_400_000, w.id).run();
    expect((await call("POST", `/api/webhooks/${w.id}/restore`, { key: acct.key })).status).toBe(200);
  });

  it("answers 404 when restoring an unknown id", async () => {
    const acct = await newAccount();
    expect((await call("POST", "/api/webhooks/wh_doesnotexist/restore", { key: acct.key })).status).toBe(404);
  });
});
