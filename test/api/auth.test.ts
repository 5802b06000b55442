import { describe, expect, it } from "vitest";
import { ADMIN_KEY, call, newAccount } from "../support/http";

/** Who may call the webhook API, and that one account never sees or changes another's webhooks. */

type Account = Awaited<ReturnType<typeof newAccount>>;

const BODY = { url: "https://hooks.example.com/in", topics: ["message.received"] };

async function createAs(opts: { key?: string; account?: string }) {
  const res = await call("POST", "/api/webhooks", { ...opts, body: BODY });
  expect(res.status, res.text).toBe(201);
  return res.json as { id: string; secret: string };
}

const ids = (res: Awaited<ReturnType<typeof call>>) => (res.json.data as { id: string }[]).map((w) => w.id);

describe("authentication", () => {
  const routes: [string, string, unknown?][] = [
    ["GET", "/api/webhooks"],
    ["POST", "/api/webhooks", BODY],
    ["GET", "/api/webhooks/wh_any"],
    ["PUT", "/api/webhooks/wh_any", { active: false }],
    ["DELETE", "/api/webhooks/wh_any"],
    ["POST", "/api/webhooks/wh_any/restore"],
    ["GET", "/api/webhooks/wh_any/secret"],
    ["GET", "/api/webhooks/topics"],
    ["GET", "/api/topics"],
    ["POST", "/api/topics", { name: "x.y" }],
    ["DELETE", "/api/topics/x.y"],
  ];

  it.each(routes)("answers 401 unauthorized to %s %s without a key", async (method, path, body) => {
    const res = await call(method, path, { key: null, body });
    expect(res.status).toBe(401);
    expect(res.json.error).toEqual({ code: "unauthorized", message: expect.any(String), requestId: expect.any(String) });
  });

  it.each(routes)("answers 401 to %s %s with a wrong key", async (method, path, body) => {
    const res = await call(method, path, { key: "hr_notarealkey0000000000000000000000000000", body });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe("unauthorized");
  });

  it("answers 401 to an empty key and a malformed Authorization header", async () => {
    expect((await call("GET", "/api/webhooks", { key: "" })).status).toBe(401);
    expect((await call("GET", "/api/webhooks", { key: null, headers: { authorization: "Basic dXNlcjpwYXNz" } })).status).toBe(401);
    expect((await call("GET", "/api/webhooks", { key: null, headers: { authorization: "Bearer" } })).status).toBe(401);
  });

  it("does not accept the admin key with a character changed", async () => {
    const almost = `${ADMIN_KEY.slice(0, -1)}X`;
    expect((await call("GET", "/api/webhooks", { key: almost })).status).toBe(401);
    expect((await call("GET", "/api/webhooks", { key: `${ADMIN_KEY}0` })).status).toBe(401);
  });

  it("answers 401 with a revoked key, while the account's other key keeps working", async () => {
    const acct = await newAccount();
    const extra = await call("POST", `/api/accounts/${acct.id}/keys`, { body: { name: "second" } });
    const w = await createAs({ key: acct.key });
    expect((await call("GET", `/api/webhooks/${w.id}`, { key: acct.key })).status).toBe(200);

    expect((await call("DELETE", `/api/accounts/${acct.id}/keys/${acct.keyId}`)).status).toBe(200);
    const res = await call("GET", `/api/webhooks/${w.id}`, { key: acct.key });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe("unauthorized");
    expect((await call("POST", "/api/webhooks", { key: acct.key, body: BODY })).status).toBe(401);
    expect((await call("GET", `/api/webhooks/${w.id}`, { key: extra.json.key })).status).toBe(200);
  });

  it("accepts an account key as Authorization: Bearer", async () => {
    const acct = await newAccount();
    const w = await createAs({ key: acct.key });
    const res = await call("GET", `/api/webhooks/${w.id}`, { key: null, headers: { authorization: `Bearer ${acct.key}` } });
    expect(res.status).toBe(200);
    expect(res.json.id).toBe(w.id);
    const created = await call("POST", "/api/webhooks", { key: null, headers: { Authorization: `bearer ${acct.key}` }, body: BODY });
    expect(created.status).toBe(201);
  });
});

describe("the admin key on account routes", () => {
  it("acts on the account named by x-account-id", async () => {
    const acct = await newAccount();
    const w = await createAs({ account: acct.id });
    const own = await call("GET", `/api/webhooks/${w.id}`, { key: acct.key });
    expect(own.status).toBe(200);
    expect(ids(await call("GET", "/api/webhooks", { key: acct.key }))).toEqual([w.id]);
  });

  it("acts on the built-in default account without x-account-id", async () => {
    const w = await createAs({});
    expect((await call("GET", `/api/webhooks/${w.id}`, { account: "default" })).status).toBe(200);
    expect(ids(await call("GET", "/api/webhooks?limit=100", { account: "default" }))).toContain(w.id);
    const acct = await newAccount();
    expect((await call("GET", `/api/webhooks/${w.id}`, { key: acct.key })).status).toBe(404);
    expect((await call("GET", `/api/webhooks/${w.id}`, { account: acct.id })).status).toBe(404);
  });

  it("answers 404 for an x-account-id that does not exist", async () => {
    const res = await call("GET", "/api/webhooks", { account: "acc_doesnotexist" });
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe("not_found");
    expect((await call("POST", "/api/webhooks", { account: "acc_doesnotexist", body: BODY })).status).toBe(404);
  });

  it("answers 404 for the x-account-id of a deleted account", async () => {
    const acct = await newAccount();
    expect((await call("GET", "/api/webhooks", { account: acct.id })).status).toBe(200);
    await call("DELETE", `/api/accounts/${acct.id}`);
    expect((await call("GET", "/api/webhooks", { account: acct.id })).status).toBe(404);
  });

  it("works as a Bearer token with x-account-id", async () => {
    const acct = await newAccount();
    const w = await createAs({ key: acct.key });
    const res = await call("GET", `/api/webhooks/${w.id}`, { key: null, headers: { authorization: `Bearer ${ADMIN_KEY}`, "x-account-id": acct.id } });
    expect(res.status).toBe(200);
  });
});

describe("isolation between accounts", () => {
  let a: Account;
  let b: Account;
  let aHook: { id: string; secret: string };

  async function setup() {
    a = await newAccount("A");
    b = await newAccount("B");
    aHook = await createAs({ key: a.key });
  }

  it("returns 404 (never 403) for another account's webhook on GET, PUT, DELETE, restore and secret", async () => {
    await setup();
    const attempts = [
      await call("GET", `/api/webhooks/${aHook.id}`, { key: b.key }),
      await call("PUT", `/api/webhooks/${aHook.id}`, { key: b.key, body: { active: false } }),
      await call("DELETE", `/api/webhooks/${aHook.id}`, { key: b.key }),
      await call("POST", `/api/webhooks/${aHook.id}/restore`, { key: b.key }),
      await call("GET", `/api/webhooks/${aHook.id}/secret`, { key: b.key }),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe("not_found");
      expect(res.text).not.toContain(aHook.secret);
    }
  });

  it("answers another account's webhook exactly as it answers an id that does not exist", async () => {
    await setup();
    const theirs = await call("GET", `/api/webhooks/${aHook.id}`, { key: b.key });
    const nobody = await call("GET", "/api/webhooks/wh_0000000000000000000000000", { key: b.key });
    expect(theirs.status).toBe(nobody.status);
    expect(theirs.json.error.message.replace(aHook.id, "ID")).toBe(nobody.json.error.message.replace("wh_0000000000000000000000000", "ID"));
  });

  it("leaves the webhook untouched after another account's PUT and DELETE", async () => {
    await setup();
    await call("PUT", `/api/webhooks/${aHook.id}`, { key: b.key, body: { url: "https://attacker.example.com/steal" } });
    await call("DELETE", `/api/webhooks/${aHook.id}`, { key: b.key });
    const got = await call("GET", `/api/webhooks/${aHook.id}`, { key: a.key });
    expect(got.json).toMatchObject({ url: BODY.url, deletedAt: null, active: true });
  });

  it("returns 404 when another account restores a deleted webhook, and it stays deleted", async () => {
    await setup();
    await call("DELETE", `/api/webhooks/${aHook.id}`, { key: a.key });
    expect((await call("POST", `/api/webhooks/${aHook.id}/restore`, { key: b.key })).status).toBe(404);
    expect((await call("GET", `/api/webhooks/${aHook.id}`, { key: a.key })).status).toBe(404);
  });

  it("never shows one account's webhooks in another's list, with any filter", async () => {
    await setup();
    const bHook = await createAs({ key: b.key });
    await call("DELETE", `/api/webhooks/${(await createAs({ key: a.key })).id}`, { key: a.key });
    for (const query of ["", "?active=true", "?status=active", "?topic=message.received", "?deleted=true", "?limit=100"]) {
      const listed = ids(await call("GET", `/api/webhooks${query}`, { key: b.key }));
      expect(listed, query).not.toContain(aHook.id);
      if (query !== "?deleted=true") expect(listed, query).toEqual([bHook.id]);
    }
  });

  it("ignores x-account-id sent with an account key", async () => {
    await setup();
    expect((await call("GET", `/api/webhooks/${aHook.id}`, { key: b.key, account: a.id })).status).toBe(404);
    const listed = ids(await call("GET", "/api/webhooks", { key: b.key, account: a.id }));
    expect(listed).not.toContain(aHook.id);
    const created = await createAs({ key: b.key, account: a.id });
    expect((await call("GET", `/api/webhooks/${created.id}`, { key: a.key })).status).toBe(404);
    expect((await call("GET", `/api/webhooks/${created.id}`, { key: b.key })).status).toBe(200);
  });

  it("refuses account keys on the accounts API with 403", async () => {
    await setup();
    expect((await call("GET", `/api/accounts/${b.id}`, { key: b.key })).status).toBe(403);
    expect((await call("POST", `/api/accounts/${a.id}/keys`, { key: b.key, body: {} })).status).toBe(403);
  });
});
