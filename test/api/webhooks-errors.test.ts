import { beforeAll, describe, expect, it } from "vitest";
import { call, newAccount } from "../support/http";

/** One error shape for every failure on the webhook routes, and the OpenAPI document. */

let acct: Awaited<ReturnType<typeof newAccount>>;
let webhookId: string;

beforeAll(async () => {
  acct = await newAccount("errors");
  const res = await call("POST", "/api/webhooks", { key: acct.key, body: { url: "https://hooks.example.com/in", topics: ["*"] } });
  webhookId = res.json.id;
});

type Res = Awaited<ReturnType<typeof call>>;

function expectErrorShape(res: Res, status: number, code: string) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/json");
  const { code: gotCode, message, requestId, details, ...rest } = res.json.error;
  expect(Object.keys(res.json)).toEqual(["error"]);
  expect(rest).toEqual({});
  expect(gotCode).toBe(code);
  expect(message).toEqual(expect.stringMatching(/\S/));
  expect(requestId).toBe(res.headers.get("x-request-id"));
  if (details !== undefined) expect(details).toBeTruthy();
}

describe("the error shape", () => {
  it("has code, message and requestId on every kind of failure", async () => {
    const oversized = { url: "https://hooks.example.com/in", topics: ["*"], description: "x".repeat(1024 * 1024) };
    const cases: [Res, number, string][] = [
      [await call("GET", "/api/webhooks", { key: null }), 401, "unauthorized"],
      [await call("GET", "/api/webhooks/wh_doesnotexist", { key: acct.key }), 404, "not_found"],
      [await call("POST", "/api/webhooks", { key: acct.key, body: { topics: [] } }), 422, "validation_failed"],
      [await call("POST", `/api/webhooks/${webhookId}/restore`, { key: acct.key }), 409, "conflict"],
      [await call("POST", "/api/webhooks", { key: acct.key, rawBody: "{", headers: { "content-type": "application/json" } }), 400, "invalid_json"],
      [await call("PATCH", "/api/webhooks", { key: acct.key }), 405, "method_not_allowed"],
      [await call("GET", "/api/webhooks/a/b/c", { key: acct.key }), 404, "not_found"],
      [await call("POST", "/api/webhooks", { key: acct.key, body: oversized }), 413, "payload_too_large"],
    ];
    for (const [res, status, code] of cases) expectErrorShape(res, status, code);
  });

  it("reuses a well-formed incoming x-request-id in the body and the header", async () => {
    const res = await call("GET", "/api/webhooks/wh_doesnotexist", { key: acct.key, headers: { "x-request-id": "trace-123.abc" } });
    expect(res.json.error.requestId).toBe("trace-123.abc");
    expect(res.headers.get("x-request-id")).toBe("trace-123.abc");
  });

  it("replaces an incoming x-request-id that is not a safe token", async () => {
    const res = await call("GET", "/api/webhooks/wh_doesnotexist", { key: acct.key, headers: { "x-request-id": "<script>" } });
    expect(res.json.error.requestId).toMatch(/^req_[0-9A-Za-z]+$/);
  });

  it("gives each request its own id", async () => {
    const a = await call("GET", "/api/webhooks/wh_doesnotexist", { key: acct.key });
    const b = await call("GET", "/api/webhooks/wh_doesnotexist", { key: acct.key });
    expect(a.json.error.requestId).not.toBe(b.json.error.requestId);
  });
});

describe("malformed and oversized bodies", () => {
  it.each([
    ["a truncated object", "{\"url\":"],
    ["a trailing comma", "{\"url\":\"https://a.example.com\",}"],
    ["an empty body", ""],
  ])("answers 400 invalid_json to POST /api/webhooks with %s", async (_what, rawBody) => {
    const res = await call("POST", "/api/webhooks", { key: acct.key, rawBody, headers: { "content-type": "application/json" } });
    expectErrorShape(res, 400, "invalid_json");
  });

  it("answers 400 invalid_json to PUT /api/webhooks/{id} and POST /api/topics with malformed JSON", async () => {
    const headers = { "content-type": "application/json" };
    expectErrorShape(await call("PUT", `/api/webhooks/${webhookId}`, { key: acct.key, rawBody: "{active:false}", headers }), 400, "invalid_json");
    expectErrorShape(await call("POST", "/api/topics", { key: acct.key, rawBody: "name=x", headers }), 400, "invalid_json");
  });

  it("answers 415 to a JSON body sent without a JSON content type", async () => {
    const res = await call("POST", "/api/webhooks", {
      key: acct.key,
      rawBody: JSON.stringify({ url: "https://hooks.example.com/in", topics: ["*"] }),
      headers: { "content-type": "text/plain" },
    });
    expectErrorShape(res, 415, "unsupported_media_type");
  });

  it("answers 413 to bodies over 1 MiB on create, update and topics", async () => {
    const big = "x".repeat(1024 * 1024);
    expectErrorShape(await call("POST", "/api/webhooks", { key: acct.key, body: { url: "https://a.example.com", topics: ["*"], description: big } }), 413, "payload_too_large");
    expectErrorShape(await call("PUT", `/api/webhooks/${webhookId}`, { key: acct.key, body: { description: big } }), 413, "payload_too_large");
    expectErrorShape(await call("POST", "/api/topics", { key: acct.key, body: { name: "a.b", example: big } }), 413, "payload_too_large");
  });

  it("accepts a body just under 1 MiB as far as the size check goes (then validates it)", async () => {
    const res = await call("POST", "/api/webhooks", { key: acct.key, body: { url: "https://a.example.com", topics: ["*"], description: "x".repeat(1000 * 1000) } });
    expectErrorShape(res, 422, "validation_failed");
    expect(res.json.error.details[0].path).toBe("body.description");
  });
});

describe("unknown routes and wrong methods", () => {
  it("answers 404 not_found to paths that do not exist", async () => {
    expectErrorShape(await call("GET", `/api/webhooks/${webhookId}/nothing`, { key: acct.key }), 404, "not_found");
    // /api/webhook/… is seed 004's namespace: the same error object, with its "success":false beside it.
    const singular = await call("GET", "/api/webhook", { key: acct.key });
    expect(singular.status).toBe(404);
    expect(singular.json).toEqual({ success: false, error: { code: "not_found", message: expect.stringMatching(/\S/), requestId: singular.headers.get("x-request-id") } });
    expectErrorShape(await call("GET", "/nothing-here", { key: null }), 404, "not_found");
  });

  it.each([
    ["PATCH", "/api/webhooks", ["GET", "POST"]],
    ["DELETE", "/api/webhooks", ["GET", "POST"]],
    ["PATCH", "/api/webhooks/{id}", ["DELETE", "GET", "PUT"]],
    ["POST", "/api/webhooks/{id}", ["DELETE", "GET", "PUT"]],
    ["GET", "/api/webhooks/{id}/restore", ["POST"]],
    ["DELETE", "/api/webhooks/{id}/secret", ["GET"]],
    ["PUT", "/api/topics", ["GET", "POST"]],
    ["GET", "/api/topics/{name}", ["DELETE"]],
  ])("answers 405 to %s %s with Allow listing the methods", async (method, template, allowed) => {
    const path = template.replace("{id}", webhookId).replace("{name}", "a.b");
    const res = await call(method, path, { key: acct.key });
    expectErrorShape(res, 405, "method_not_allowed");
    const allow = res.headers.get("allow")!.split(",").map((m) => m.trim()).sort();
    expect(allow).toEqual(allowed);
    expect([...res.json.error.details.allowed].sort()).toEqual(allowed);
  });
});

describe("GET /openapi.json", () => {
  it("documents every webhook and topic route", async () => {
    const doc = (await call("GET", "/openapi.json", { key: null })).json;
    expect(doc.paths["/api/webhooks"]).toHaveProperty("get");
    expect(doc.paths["/api/webhooks"]).toHaveProperty("post");
    expect(Object.keys(doc.paths["/api/webhooks/{id}"]).sort()).toEqual(expect.arrayContaining(["delete", "get", "put"]));
    expect(doc.paths["/api/webhooks/{id}/restore"]).toHaveProperty("post");
    expect(doc.paths["/api/webhooks/{id}/secret"]).toHaveProperty("get");
    expect(doc.paths["/api/webhooks/topics"]).toHaveProperty("get");
    expect(doc.paths["/api/topics"]).toHaveProperty("post");
    expect(doc.paths["/api/topics/{name}"]).toHaveProperty("delete");
  });

  it("publishes the Webhook schema with the fields the API returns", async () => {
    const doc = (await call("GET", "/openapi.json", { key: null })).json;
    const webhook = doc.components.schemas.Webhook;
    expect(webhook).toBeDefined();
    const stored = await call("GET", `/api/webhooks/${webhookId}`, { key: acct.key });
    expect(Object.keys(webhook.properties).sort()).toEqual([...Object.keys(stored.json), "secret"].sort());
    for (const name of ["WebhookCreate", "WebhookUpdate", "SignatureProfile", "DeliverySettings", "Filter", "Error"]) {
      expect(doc.components.schemas, name).toHaveProperty(name);
    }
  });

  it("describes the create body with its required fields and the 422 answer", async () => {
    const doc = (await call("GET", "/openapi.json", { key: null })).json;
    const create = doc.components.schemas.WebhookCreate;
    expect(create.required).toEqual(expect.arrayContaining(["url", "topics"]));
    expect(create.required).not.toContain("secret");
    const post = doc.paths["/api/webhooks"].post;
    expect(post.responses).toHaveProperty("201");
    expect(post.responses).toHaveProperty("422");
    expect(post.security).toEqual(expect.arrayContaining([{ ApiKey: [] }]));
  });
});
