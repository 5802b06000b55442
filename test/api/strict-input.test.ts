import { beforeAll, describe, expect, it } from "vitest";
import { call, newAccount } from "../support/http";

/** One rule for bad bytes, unknown fields, cursors, limits and query parameters on every route. */

type Account = Awaited<ReturnType<typeof newAccount>>;
let acct: Account;
beforeAll(async () => {
  acct = await newAccount("strict input");
});

const bytes = (...parts: (string | number[])[]) => {
  const enc = new TextEncoder();
  const chunks = parts.map((p) => (typeof p === "string" ? enc.encode(p) : new Uint8Array(p)));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
};
const eventCount = async (topic: string) => (await call("GET", `/api/events?topic=${topic}&limit=100`, { key: acct.key })).json.data.length as number;

describe("invalid UTF-8 on POST /api/events", () => {
  // 0xC3 0x28 is an invalid two-byte sequence; the JSON reader would store U+FFFD in its place.
  const invalid = (prefix: string, suffix: string) => bytes(prefix, [0xc3, 0x28], suffix);

  it("answers 415 and stores nothing, as /in does", async () => {
    const res = await call("POST", "/api/events", { key: acct.key, rawBody: invalid('{"topic":"utf8.bad","payload":{"t":"', '"}}'), headers: { "content-type": "application/json" } });
    expect(res.status, res.text).toBe(415);
    expect(res.json.error.code).toBe("unsupported_media_type");
    const batch = await call("POST", "/api/events/batch", {
      key: acct.key, rawBody: invalid('{"events":[{"topic":"utf8.bad","payload":"', '"}]}'), headers: { "content-type": "application/json" },
    });
    expect(batch.status, batch.text).toBe(415);
    // The same event in valid UTF-8 is accepted: the barrier before counting.
    const ok = await call("POST", "/api/events", { key: acct.key, rawBody: bytes('{"topic":"utf8.bad","payload":{"t":"é"}}'), headers: { "content-type": "application/json" } });
    expect(ok.status, ok.text).toBe(202);
    expect(await eventCount("utf8.bad")).toBe(1);
  });
});

describe("unknown fields inside verification", () => {
  it.each([
    [{ type: "stripe", tolerance: 60 }, "body.verification.tolerance"],
    [{ type: "hmac", header: "X-Sig", algo: "sha1" }, "body.verification.algo"],
    [{ type: "none", secret: "x" }, "body.verification.secret"],
  ])("refuses %j", async (verification, path) => {
    const res = await call("POST", "/api/sources", { key: acct.key, body: { name: "strict", verification, secret: "s3cr3t-s3cr3t" } });
    expect(res.status, res.text).toBe(422);
    expect(res.json.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  });
});

describe("cursors", () => {
  let cursor: string;
  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      const res = await call("POST", "/api/webhooks", { key: acct.key, body: { url: "https://hooks.example.com/in", topics: ["*"] } });
      expect(res.status).toBe(201);
    }
    const page = await call("GET", "/api/webhooks?limit=1", { key: acct.key });
    cursor = page.json.nextCursor;
    expect(cursor).toEqual(expect.any(String));
    expect((await call("GET", `/api/webhooks?limit=1&cursor=${cursor}`, { key: acct.key })).status).toBe(200);
  });

  const tampered = () => [
    `${cursor.slice(0, 4)}${cursor[4] === "A" ? "B" : "A"}${cursor.slice(5)}`,
    cursor.slice(0, -3),
    `${cursor}AA`,
    btoa("wh_0mh2k3x9aXbYcZ12").replace(/=+$/, ""),
    "cmFuZG9t",
  ];

  it.each(["/api/webhooks", "/api/sources", "/api/events", "/api/webhooks/calls", "/api/accounts", "/api/dead-letters"])("answers 400 invalid_cursor on %s", async (route) => {
    for (const bad of tampered()) {
      const res = await call("GET", `${route}?cursor=${encodeURIComponent(bad)}`, { key: route === "/api/accounts" || route === "/api/dead-letters" ? undefined : acct.key });
      expect(res.status, `${route} ${bad}: ${res.text}`).toBe(400);
      expect(res.json.error.code).toBe("invalid_cursor");
    }
  });

  it("refuses a valid cursor of one list on a list that cannot parse it", async () => {
    const res = await call("GET", `/api/webhooks/calls?cursor=${cursor}`, { key: acct.key });
    expect(res.status, res.text).toBe(400);
    expect(res.json.error.code).toBe("invalid_cursor");
  });
});

describe("limit and unknown query parameters", () => {
  it.each(["0x10", "1e1", "16.0", " 16", "+16", "-1", "0"])("refuses limit=%s", async (limit) => {
    const res = await call("GET", `/api/webhooks?limit=${encodeURIComponent(limit)}`, { key: acct.key });
    expect(res.status, res.text).toBe(422);
    expect(res.json.error.details.map((d: { path: string }) => d.path)).toEqual(["query.limit"]);
  });

  it("accepts decimal limits", async () => {
    const res = await call("GET", "/api/webhooks?limit=016", { key: acct.key });
    expect(res.status, res.text).toBe(200);
  });

  it.each([
    ["/api/webhooks?chanel=x", "query.chanel"],
    ["/api/sources?topic=x", "query.topic"],
    ["/api/events?webhookId=x", "query.webhookId"],
    ["/api/webhooks/calls?foo=1", "query.foo"],
  ])("refuses the unknown parameter in %s", async (url, path) => {
    const res = await call("GET", url, { key: acct.key });
    expect(res.status, res.text).toBe(422);
    expect(res.json.error.details).toEqual([expect.objectContaining({ path, message: expect.stringContaining("unknown") })]);
  });
});
