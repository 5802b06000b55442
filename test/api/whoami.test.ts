import { describe, expect, it } from "vitest";
import { call, newAccount } from "../support/http";

describe("GET /api/whoami", () => {
  it("names an account key's own account and key", async () => {
    const acc = await newAccount("whoami");
    const res = await call("GET", "/api/whoami", { key: acc.key });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({ accountId: acc.id, isAdmin: false, keyId: acc.keyId, kind: "account_key", portal: null });
  });

  it("says the admin key is the admin, acting on default or on x-account-id", async () => {
    expect((await call("GET", "/api/whoami")).json).toEqual({ accountId: "default", isAdmin: true, keyId: null, kind: "admin", portal: null });
    const acc = await newAccount("whoami admin");
    expect((await call("GET", "/api/whoami", { account: acc.id })).json).toEqual({ accountId: acc.id, isAdmin: true, keyId: null, kind: "admin", portal: null });
  });

  it("gives a portal token's account and scope, and is one of the routes a portal may read", async () => {
    const acc = await newAccount("whoami portal");
    const made = await call("POST", "/api/portal/sessions", { key: acc.key, body: { channels: ["session-a"], readOnly: true } });
    expect(made.status, made.text).toBe(201);
    const res = await call("GET", "/api/whoami", { key: null, headers: { authorization: `Bearer ${made.json.token}` } });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({
      accountId: acc.id, isAdmin: false, keyId: null, kind: "portal",
      portal: { channels: ["session-a"], webhookIds: null, readOnly: true, expiresAt: made.json.expiresAt },
    });
  });

  it("answers 401 without a key or with a wrong one", async () => {
    expect((await call("GET", "/api/whoami", { key: null })).status).toBe(401);
    const res = await call("GET", "/api/whoami", { key: "hr_notarealkey0000000000000000000000000000" });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe("unauthorized");
  });
});
