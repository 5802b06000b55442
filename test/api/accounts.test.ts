import { describe, expect, it } from "vitest";
import { call, newAccount } from "../support/http";

describe("accounts (admin key)", () => {
  it("creates an account with a first key shown once, and lists and gets it", async () => {
    const created = await call("POST", "/api/accounts", { body: { name: "Acme" } });
    expect(created.status).toBe(201);
    expect(created.json.account.id).toMatch(/^acc_/);
    expect(created.json.apiKey.key).toMatch(/^hr_/);
    const id = created.json.account.id;

    const got = await call("GET", `/api/accounts/${id}`);
    expect(got.json).toEqual({ ...created.json.account, defaultProfile: null, validateSchemas: true, validateBuiltInTopics: false });

    const keys = await call("GET", `/api/accounts/${id}/keys`);
    expect(keys.json.data).toHaveLength(1);
    expect(keys.json.data[0]).not.toHaveProperty("key");
    expect(JSON.stringify(keys.json)).not.toContain(created.json.apiKey.key);

    const list = await call("GET", "/api/accounts?limit=100");
    expect(list.json.data.map((a: { id: string }) => a.id)).toContain(id);
  });

  it("rejects a missing or empty name with field details", async () => {
    const res = await call("POST", "/api/accounts", { body: { name: "" } });
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe("validation_failed");
    expect(res.json.error.details[0].path).toBe("body.name");
    expect(res.json.error.requestId).toBeTruthy();
  });

  it("refuses account keys on admin routes with 403, and no key with 401", async () => {
    const acct = await newAccount();
    expect((await call("GET", "/api/accounts", { key: acct.key })).status).toBe(403);
    const none = await call("GET", "/api/accounts", { key: null });
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe("unauthorized");
    expect((await call("GET", "/api/accounts", { key: "hr_wrong" })).status).toBe(401);
  });

  it("accepts the admin key as a Bearer token", async () => {
    const res = await call("GET", "/api/accounts", { key: null, headers: { authorization: "Bearer test-admin-key-0123456789" } });
    expect(res.status).toBe(200);
  });

  it("adds and revokes keys; a revoked key is refused at once", async () => {
    const acct = await newAccount();
    const extra = await call("POST", `/api/accounts/${acct.id}/keys`, { body: { name: "ci" } });
    expect(extra.status).toBe(201);
    expect(extra.json.name).toBe("ci");
    const revoked = await call("DELETE", `/api/accounts/${acct.id}/keys/${acct.keyId}`);
    expect(revoked.status).toBe(200);
    expect(revoked.json.revokedAt).toBeTruthy();
    expect((await call("GET", "/api/webhooks", { key: acct.key })).status).toBe(401);
  });

  it("deletes an account: 404 afterwards and its keys stop working", async () => {
    const acct = await newAccount();
    expect((await call("DELETE", `/api/accounts/${acct.id}`)).status).toBe(200);
    expect((await call("GET", `/api/accounts/${acct.id}`)).status).toBe(404);
    expect((await call("DELETE", `/api/accounts/${acct.id}`)).status).toBe(404);
    expect((await call("GET", "/api/webhooks", { key: acct.key })).status).toBe(401);
  });

  it("answers 404 for an unknown account and its keys", async () => {
    expect((await call("GET", "/api/accounts/acc_nope")).status).toBe(404);
    expect((await call("POST", "/api/accounts/acc_nope/keys", { body: {} })).status).toBe(404);
    expect((await call("DELETE", "/api/accounts/acc_nope/keys/key_nope")).status).toBe(404);
  });
});

describe("errors and docs", () => {
  it("answers malformed JSON with invalid_json", async () => {
    const res = await call("POST", "/api/accounts", { rawBody: "{not json", headers: { "content-type": "application/json" } });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_json");
  });

  it("answers unknown routes with 404 and wrong methods with 405 in the error shape", async () => {
    const missing = await call("GET", "/api/nothing-here");
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe("not_found");
    const wrong = await call("PATCH", "/api/accounts");
    expect(wrong.status).toBe(405);
    expect(wrong.json.error.code).toBe("method_not_allowed");
    expect(wrong.headers.get("allow")).toContain("GET");
  });

  it("refuses oversized bodies with 413", async () => {
    const res = await call("POST", "/api/accounts", { body: { name: "x".repeat(2 * 1024 * 1024) } });
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe("payload_too_large");
  });

  it("serves /healthz, /openapi.json and /docs", async () => {
    expect((await call("GET", "/healthz", { key: null })).json.ok).toBe(true);
    const doc = await call("GET", "/openapi.json", { key: null });
    expect(doc.json.openapi).toBe("3.1.0");
    expect(Object.keys(doc.json.paths)).toContain("/api/accounts");
    const docs = await call("GET", "/docs", { key: null });
    expect(docs.status).toBe(200);
    expect(docs.text).toContain("/openapi.json");
  });
});
