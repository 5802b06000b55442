import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, newAccount } from "../support/http";

/** Every way a webhook body can be refused, each answered 422 with the failing field's path. */

type Account = Awaited<ReturnType<typeof newAccount>>;
interface Detail {
  path: string;
  message: string;
  code?: string;
}

const VALID = { url: "https://hooks.example.com/in", topics: ["message.received"] };

let acct: Account;
beforeAll(async () => {
  acct = await newAccount("validation");
});

async function createWith(body: unknown) {
  return call("POST", "/api/webhooks", { key: acct.key, body });
}

/** Asserts the 422 shape and returns the details, so each test can name the path it expects. */
function invalid(res: Awaited<ReturnType<typeof call>>): Detail[] {
  expect(res.status, res.text).toBe(422);
  expect(res.json.error.code).toBe("validation_failed");
  expect(res.json.error.requestId).toEqual(expect.any(String));
  expect(Array.isArray(res.json.error.details)).toBe(true);
  return res.json.error.details as Detail[];
}

const paths = (details: Detail[]) => details.map((d) => d.path);

async function count() {
  const res = await call("GET", "/api/webhooks?limit=100", { key: acct.key });
  return res.json.data.length as number;
}

describe("POST /api/webhooks validation", () => {
  it("stores nothing when the body is refused", async () => {
    const before = await count();
    invalid(await createWith({ ...VALID, topics: [] }));
    invalid(await createWith({ ...VALID, url: "ftp://hooks.example.com" }));
    expect(await count()).toBe(before);
  });

  it("requires url and topics", async () => {
    const details = invalid(await createWith({ active: true }));
    expect(paths(details)).toEqual(expect.arrayContaining(["body.url", "body.topics"]));
  });

  it("refuses an empty topics list", async () => {
    const details = invalid(await createWith({ ...VALID, topics: [] }));
    expect(paths(details)).toEqual(["body.topics"]);
    expect(details[0]!.message).toContain('["*"]');
  });

  it.each([
    ["a name with a space", "message received"],
    ["a wildcard in the middle", "message.*.sent"],
    ["a wildcard before the name", "*.received"],
    ["a bare trailing dot", "message."],
    ["an empty name", ""],
    ["a ** glob", "message.**"],
  ])("refuses a topic pattern with %s", async (_what, topic) => {
    const details = invalid(await createWith({ ...VALID, topics: ["ticket.created", topic] }));
    expect(paths(details)).toEqual(["body.topics.1"]);
  });

  it("accepts names, prefix.* and * patterns, and names with : / _ - separators", async () => {
    const res = await createWith({ ...VALID, topics: ["*", "message.*", "conversation_status_changed", "billing:invoice/paid", "a-b.c_d"] });
    expect(res.status).toBe(201);
  });

  it.each([
    ["an unknown operator", { "data.x": { $regex: "^a" } }, "body.filter.data.x"],
    ["an empty operator object", { "data.x": {} }, "body.filter.data.x"],
    ["an $in that is not a list", { "data.x": { $in: "a" } }, "body.filter.data.x"],
    ["a $gt that is not a number", { "data.amount": { $gt: "100" } }, "body.filter.data.amount"],
    ["an object as the equality value", { "data.x": { nested: 1 } }, "body.filter.data.x"],
    ["an empty path segment", { "data..x": 1 }, "body.filter.data..x"],
  ])("refuses a filter with %s", async (_what, filter, path) => {
    const details = invalid(await createWith({ ...VALID, filter }));
    expect(paths(details)).toContain(path);
    expect(paths(details).every((p) => p.startsWith("body.filter"))).toBe(true);
  });

  it("accepts every documented filter operator", async () => {
    const filter = {
      "data.pipeline_id": "sales",
      "data.a": { $eq: 1 },
      "data.b": { $ne: null },
      "data.c": { $in: ["OPEN", "PENDING"] },
      "data.d": { $nin: [1, 2] },
      "data.e": { $exists: false },
      "data.f": { $gt: 1, $gte: 1, $lt: 9, $lte: 9 },
      "data.g": { $contains: "vip" },
    };
    expect((await createWith({ ...VALID, filter })).status).toBe(201);
  });

  it.each([
    "webhook-id",
    "webhook-signature",
    "webhook-timestamp",
    "content-type",
    "Content-Type",
    "content-length",
    "host",
    "user-agent",
    "x-webhook-topic",
    "X-Webhook-Attempt",
    "svix-id",
  ])("refuses the reserved header %s", async (name) => {
    const details = invalid(await createWith({ ...VALID, headers: { "X-Ok": "1", [name]: "override" } }));
    expect(paths(details)).toEqual([`body.headers.${name}`]);
    expect(details[0]).toMatchObject({ code: "reserved_header", message: "key is set by hookrelay and cannot be overridden" });
  });

  it.each([
    ["a space", "X Tenant"],
    ["a colon", "X-Tenant:"],
    ["a non-ASCII letter", "X-Ténant"],
    ["nothing", ""],
  ])("refuses a header name with %s", async (_what, name) => {
    const details = invalid(await createWith({ ...VALID, headers: { [name]: "v" } }));
    expect(paths(details)).toEqual([`body.headers.${name}`]);
  });

  it("refuses a header value that is not a string", async () => {
    const details = invalid(await createWith({ ...VALID, headers: { "X-Count": 3 } }));
    expect(paths(details)).toEqual(["body.headers.X-Count"]);
  });

  it.each([
    ["CR LF", "acme\r\nX-Injected: 1"],
    ["LF", "a\nb"],
    ["NUL", "a\u0000b"],
  ])("refuses a header value containing %s, which no delivery could send", async (_what, value) => {
    const details = invalid(await createWith({ ...VALID, headers: { "X-Tenant": value } }));
    expect(paths(details)).toEqual(["body.headers.X-Tenant"]);
  });

  it("refuses more than 20 headers", async () => {
    const headers = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-H${i}`, "v"]));
    expect(paths(invalid(await createWith({ ...VALID, headers })))).toEqual(["body.headers"]);
  });

  it("refuses an unknown signature scheme", async () => {
    const details = invalid(await createWith({ ...VALID, signature: { scheme: "rsa-sha512" } }));
    expect(paths(details)).toEqual(["body.signature.scheme"]);
  });

  it("refuses an hmac-sha256 profile with an unknown encoding or a bad header name", async () => {
    expect(paths(invalid(await createWith({ ...VALID, signature: { scheme: "hmac-sha256", encoding: "base32" } })))).toEqual([
      "body.signature.encoding",
    ]);
    expect(paths(invalid(await createWith({ ...VALID, signature: { scheme: "hmac-sha256", header: "X Sig" } })))).toEqual([
      "body.signature.header",
    ]);
  });

  it.each(["webhook-signature", "Content-Type", "host"])("refuses %s as the hmac-sha256 signature header, since hookrelay sets it", async (header) => {
    const details = invalid(await createWith({ ...VALID, signature: { scheme: "hmac-sha256", header } }));
    expect(paths(details)).toEqual(["body.signature.header"]);
    expect(details[0]!.code).toBe("reserved_header");
  });

  it("refuses a line break in the hmac-sha256 prefix", async () => {
    const details = invalid(await createWith({ ...VALID, signature: { scheme: "hmac-sha256", prefix: "sha256=\r\nX-Injected: 1" } }));
    expect(paths(details)).toEqual(["body.signature.prefix"]);
  });

  it("refuses hmac-only settings on the standard scheme", async () => {
    const details = invalid(await createWith({ ...VALID, signature: { scheme: "standard", header: "X-Sig" } }));
    expect(paths(details)).toEqual(["body.signature.header"]);
    expect(details[0]!.message).toContain("header");
  });

  it.each([
    ["timeoutMs below 1000", { timeoutMs: 999 }, "body.delivery.timeoutMs"],
    ["timeoutMs above 30000", { timeoutMs: 30_001 }, "body.delivery.timeoutMs"],
    ["a fractional timeoutMs", { timeoutMs: 1500.5 }, "body.delivery.timeoutMs"],
    ["a retrySchedule longer than 20 steps", { retrySchedule: Array.from({ length: 21 }, () => 5) }, "body.delivery.retrySchedule"],
    ["a retrySchedule step of 0 seconds", { retrySchedule: [5, 0] }, "body.delivery.retrySchedule.1"],
    ["a retrySchedule step over 7 days", { retrySchedule: [7 * 86_400 + 1] }, "body.delivery.retrySchedule.0"],
    ["an unknown ordering", { ordering: "fifo" }, "body.delivery.ordering"],
    ["maxInFlight of 0", { maxInFlight: 0 }, "body.delivery.maxInFlight"],
    ["maxInFlight over 50", { maxInFlight: 51 }, "body.delivery.maxInFlight"],
    ["a rateLimitPerSecond below 0.1", { rateLimitPerSecond: 0 }, "body.delivery.rateLimitPerSecond"],
    ["retryClientErrors as a string", { retryClientErrors: "no" }, "body.delivery.retryClientErrors"],
  ])("refuses delivery with %s", async (_what, delivery, path) => {
    expect(paths(invalid(await createWith({ ...VALID, delivery })))).toEqual([path]);
  });

  it("accepts the limits of the delivery ranges", async () => {
    const delivery = { timeoutMs: 30_000, maxInFlight: 50, retrySchedule: Array.from({ length: 20 }, () => 7 * 86_400), rateLimitPerSecond: 0.1 };
    expect((await createWith({ ...VALID, delivery })).status).toBe(201);
    expect((await createWith({ ...VALID, delivery: { timeoutMs: 1000, maxInFlight: 1, retrySchedule: [] } })).status).toBe(201);
  });

  it.each([
    ["a string without the whsec_ prefix", "not-a-whsec-secret-at-all"],
    ["whsec_ with a key shorter than 24 bytes", `whsec_${btoa("x".repeat(16))}`],
    ["whsec_ with characters outside base64", `whsec_${"!".repeat(32)}`],
    ["whsec_ with base64 of impossible length", `whsec_${"A".repeat(33)}`],
  ])("refuses, for the standard scheme, a secret that is %s", async (_what, secret) => {
    const details = invalid(await createWith({ ...VALID, secret }));
    expect(paths(details)).toEqual(["body.secret"]);
    expect(details[0]!.code).toBe("invalid_secret");
  });

  it("accepts, for the standard scheme, a whsec_ secret with or without base64 padding", async () => {
    const padded = `whsec_${btoa("k".repeat(32))}`;
    expect(padded.endsWith("=")).toBe(true);
    expect((await createWith({ ...VALID, secret: padded })).status).toBe(201);
    expect((await createWith({ ...VALID, secret: padded.replace(/=+$/, "") })).status).toBe(201);
  });

  it("accepts any secret of 16+ characters with the hmac-sha256 scheme", async () => {
    const secret = "plain provider secret!";
    const res = await createWith({ ...VALID, secret, signature: { scheme: "hmac-sha256" } });
    expect(res.status).toBe(201);
    expect(res.json.secret).toBe(secret);
  });

  it("refuses a secret shorter than 16 characters with the hmac-sha256 scheme", async () => {
    const details = invalid(await createWith({ ...VALID, secret: "too-short", signature: { scheme: "hmac-sha256" } }));
    expect(paths(details)).toEqual(["body.secret"]);
  });

  it("refuses a source id that does not exist in the account, naming its index", async () => {
    const details = invalid(await createWith({ ...VALID, sources: ["src_doesnotexist"] }));
    expect(details).toEqual([expect.objectContaining({ path: "body.sources.0", code: "unknown_source" })]);
  });

  it("accepts the account's own live source and refuses another account's", async () => {
    const other = await newAccount("other");
    const now = Date.now();
    const mine = `src_mine${now}`;
    const theirs = `src_theirs${now}`;
    const insert = "INSERT INTO sources (id, account_id, name, verification, created_at, updated_at) VALUES (?, ?, 'test', '{\"type\":\"none\"}', ?, ?)";
    await env.DB.batch([env.DB.prepare(insert).bind(mine, acct.id, now, now), env.DB.prepare(insert).bind(theirs, other.id, now, now)]);

    const ok = await createWith({ ...VALID, sources: [mine] });
    expect(ok.status).toBe(201);
    expect(ok.json.sources).toEqual([mine]);
    expect(paths(invalid(await createWith({ ...VALID, sources: [mine, theirs] })))).toEqual(["body.sources.1"]);
  });

  it.each([
    ["url as a number", { url: 5 }, "body.url"],
    ["topics as a string", { topics: "message.received" }, "body.topics"],
    ["a topic as a number", { topics: [5] }, "body.topics.0"],
    ["active as a string", { active: "yes" }, "body.active"],
    ["description as a number", { description: 7 }, "body.description"],
    ["channels as a string", { channels: "session-1" }, "body.channels"],
    ["an empty channel", { channels: [""] }, "body.channels.0"],
    ["sources as an object", { sources: { id: "src_1" } }, "body.sources"],
    ["metadata as a list", { metadata: ["a"] }, "body.metadata"],
    ["signature as a string", { signature: "standard" }, "body.signature"],
    ["delivery as a number", { delivery: 1 }, "body.delivery"],
    ["filter as a list", { filter: [] }, "body.filter"],
  ])("refuses %s, naming the field", async (_what, patch, path) => {
    expect(paths(invalid(await createWith({ ...VALID, ...patch })))).toContain(path);
  });

  it("refuses metadata over 8 KiB of JSON", async () => {
    expect(paths(invalid(await createWith({ ...VALID, metadata: { blob: "x".repeat(9000) } })))).toEqual(["body.metadata"]);
  });

  it("refuses a description over 500 characters", async () => {
    expect(paths(invalid(await createWith({ ...VALID, description: "d".repeat(501) })))).toEqual(["body.description"]);
  });

  it("refuses an unknown field and names it", async () => {
    const details = invalid(await createWith({ ...VALID, colour: "blue" }));
    expect(details).toHaveLength(1);
    // The field is named by its path, or (zod reports unknown keys on the parent) in the message.
    const d = details[0]!;
    expect(d.path === "body.colour" || (d.path === "body" && d.message.includes('"colour"'))).toBe(true);
  });

  it("lists every failing field at once", async () => {
    const details = invalid(await createWith({ url: 1, topics: [], active: "no", delivery: { timeoutMs: 1 } }));
    expect(paths(details).sort()).toEqual(["body.active", "body.delivery.timeoutMs", "body.topics", "body.url"]);
  });

  it("refuses a body that is a JSON array", async () => {
    expect(paths(invalid(await createWith([VALID])))).toEqual(["body"]);
  });
});

describe("PUT /api/webhooks/{id} validation", () => {
  async function webhook(body: Record<string, unknown> = {}) {
    const res = await createWith({ ...VALID, ...body });
    expect(res.status).toBe(201);
    return res.json;
  }

  async function put(id: string, body: unknown) {
    return call("PUT", `/api/webhooks/${id}`, { key: acct.key, body });
  }

  it("refuses an empty body", async () => {
    const w = await webhook();
    const details = invalid(await put(w.id, {}));
    expect(details).toEqual([expect.objectContaining({ path: "body", message: "send at least one field to change" })]);
  });

  it("refuses an unknown field and names it, changing nothing", async () => {
    const w = await webhook();
    const details = invalid(await put(w.id, { description: "changed", colour: "blue" }));
    expect(details.some((d) => d.path === "body.colour" || (d.path === "body" && d.message.includes('"colour"')))).toBe(true);
    const got = await call("GET", `/api/webhooks/${w.id}`, { key: acct.key });
    expect(got.json.description).toBeNull();
  });

  it("refuses the secret (it changes only through rotate-secret)", async () => {
    const w = await webhook();
    const details = invalid(await put(w.id, { secret: "whsec_" + btoa("n".repeat(32)) }));
    expect(details.some((d) => d.path === "body.secret" || d.message.includes('"secret"'))).toBe(true);
  });

  it("refuses an unknown delivery field", async () => {
    const w = await webhook();
    const details = invalid(await put(w.id, { delivery: { retries: 3 } }));
    expect(details[0]!.path.startsWith("body.delivery")).toBe(true);
  });

  it("validates the fields it is sent as create does", async () => {
    const w = await webhook();
    expect(paths(invalid(await put(w.id, { topics: [] })))).toEqual(["body.topics"]);
    expect(paths(invalid(await put(w.id, { active: "false" })))).toEqual(["body.active"]);
    expect(paths(invalid(await put(w.id, { delivery: { timeoutMs: 60_000 } })))).toEqual(["body.delivery.timeoutMs"]);
    expect(paths(invalid(await put(w.id, { headers: { "webhook-id": "x" } })))).toEqual(["body.headers.webhook-id"]);
    expect(paths(invalid(await put(w.id, { url: "ftp://hooks.example.com/in" })))).toEqual(["body.url"]);
    expect(paths(invalid(await put(w.id, { sources: ["src_doesnotexist"] })))).toEqual(["body.sources.0"]);
  });

  it("refuses switching to the standard scheme while the secret is not a whsec_ secret", async () => {
    const w = await webhook({ signature: { scheme: "hmac-sha256" }, secret: "plain provider secret!" });
    const details = invalid(await put(w.id, { signature: { scheme: "standard" } }));
    expect(details).toEqual([expect.objectContaining({ path: "body.secret", code: "invalid_secret" })]);
    const got = await call("GET", `/api/webhooks/${w.id}`, { key: acct.key });
    expect(got.json.signature.scheme).toBe("hmac-sha256");
  });

  it("leaves the webhook unchanged when the update is refused", async () => {
    const { secret: _secret, ...w } = await webhook();
    invalid(await put(w.id, { description: "new", delivery: { timeoutMs: 1 } }));
    const got = await call("GET", `/api/webhooks/${w.id}`, { key: acct.key });
    expect(got.json).toEqual(w);
  });
});

describe("list query validation", () => {
  it.each([
    ["limit=0", "query.limit"],
    ["limit=101", "query.limit"],
    ["limit=ten", "query.limit"],
    ["active=yes", "query.active"],
    ["status=paused", "query.status"],
    ["deleted=1", "query.deleted"],
  ])("refuses %s", async (query, path) => {
    const res = await call("GET", `/api/webhooks?${query}`, { key: acct.key });
    expect(paths(invalid(res))).toEqual([path]);
  });

  it.each(["!!!", "garbage", "AAAA", "bm90LWFuLWlk="])("refuses the cursor %s, which this API never returned", async (cursor) => {
    const res = await call("GET", `/api/webhooks?cursor=${encodeURIComponent(cursor)}`, { key: acct.key });
    expect(res.status, res.text).toBe(400);
    expect(res.json.error.code).toBe("invalid_cursor");
    expect(paths(res.json.error.details)).toEqual(["query.cursor"]);
  });
});
