import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, newAccount } from "../support/http";
import { newInbox } from "../support/receiver";

/** A webhook's own headers are secrets: sealed at rest, masked on every read, revealed on request. */

const MASK = "••••••";
const TOKEN = "Bearer downstream-token-5f1e0c";
type Account = Awaited<ReturnType<typeof newAccount>>;
let acct: Account;
beforeAll(async () => {
  acct = await newAccount("sealed headers");
});

async function create(body: Record<string, unknown>) {
  const res = await call("POST", "/api/webhooks", { key: acct.key, body: { url: "https://hooks.example.com/in", topics: ["*"], ...body } });
  expect(res.status, res.text).toBe(201);
  return res.json as { id: string; headers: Record<string, string> | null };
}
const reveal = async (id: string) => (await call("GET", `/api/webhooks/${id}/headers`, { key: acct.key })).json.headers as Record<string, string> | null;
const put = (id: string, body: unknown) => call("PUT", `/api/webhooks/${id}`, { key: acct.key, body });
const d1Row = (id: string) => env.DB.prepare("SELECT headers, header_names FROM webhooks WHERE id = ?").bind(id).first<{ headers: string | null; header_names: string | null }>();

describe("webhook headers at rest and on read", () => {
  it("are sealed in D1 and in the webhook's object, and masked in create, get and list", async () => {
    const w = await create({ headers: { Authorization: TOKEN, "X-Tenant": "acme" } });
    expect(w.headers).toEqual({ Authorization: MASK, "X-Tenant": MASK });
    expect((await call("GET", `/api/webhooks/${w.id}`, { key: acct.key })).json.headers).toEqual({ Authorization: MASK, "X-Tenant": MASK });
    const listed = await call("GET", "/api/webhooks?limit=100", { key: acct.key });
    expect(listed.json.data.find((x: { id: string }) => x.id === w.id).headers).toEqual({ Authorization: MASK, "X-Tenant": MASK });
    expect(listed.text).not.toContain("downstream-token");

    const row = await d1Row(w.id);
    expect(row!.headers).toMatch(/^v1\./);
    expect(row!.headers).not.toContain("downstream-token");
    expect(JSON.parse(row!.header_names!)).toEqual(["Authorization", "X-Tenant"]);
    const stored = await runInDurableObject(env.WEBHOOK_DO.getByName(w.id), (_i, state) => JSON.stringify(state.storage.kv.get("config")));
    expect(stored).toContain(w.id);
    expect(stored).not.toContain("downstream-token");
    expect(stored).not.toContain("acme");
  });

  it("are revealed only by GET /{id}/headers, and only to the owning account", async () => {
    const w = await create({ headers: { Authorization: TOKEN } });
    expect(await reveal(w.id)).toEqual({ Authorization: TOKEN });
    const stranger = await newAccount("stranger");
    expect((await call("GET", `/api/webhooks/${w.id}/headers`, { key: stranger.key })).status).toBe(404);
    expect(await reveal((await create({})).id)).toBeNull();
  });

  it("are sent with every delivery, unsealed", async () => {
    const inbox = await newInbox();
    const res = await call("POST", "/api/webhooks", { key: acct.key, body: { url: inbox.url, topics: ["sealed.*"], headers: { Authorization: TOKEN } } });
    expect(res.status, res.text).toBe(201);
    expect((await call("POST", "/api/events", { key: acct.key, body: { topic: "sealed.test", payload: { a: 1 } } })).status).toBe(202);
    const [req] = await inbox.waitFor(1);
    expect(req!.headers.authorization).toBe(TOKEN);
  });
});

describe("PUT headers", () => {
  it("keeps a stored value sent back as the mask and replaces the rest of the map", async () => {
    const w = await create({ headers: { Authorization: TOKEN, "X-Tenant": "acme", "X-Old": "1" } });
    const res = await put(w.id, { headers: { Authorization: MASK, "x-tenant": "globex" } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.headers).toEqual({ Authorization: MASK, "x-tenant": MASK });
    expect(await reveal(w.id)).toEqual({ Authorization: TOKEN, "x-tenant": "globex" });
  });

  it("keeps headers when the PUT does not send them, and clears them with null", async () => {
    const w = await create({ headers: { Authorization: TOKEN } });
    expect((await put(w.id, { description: "renamed" })).status).toBe(200);
    expect(await reveal(w.id)).toEqual({ Authorization: TOKEN });
    const cleared = await put(w.id, { headers: null });
    expect(cleared.json.headers).toBeNull();
    expect(await reveal(w.id)).toBeNull();
    expect((await d1Row(w.id))!.headers).toBeNull();
  });

  it("refuses the mask where there is no stored value to keep, and on create", async () => {
    const w = await create({ headers: { Authorization: TOKEN } });
    const res = await put(w.id, { headers: { "X-New": MASK } });
    expect(res.status).toBe(422);
    expect(res.json.error.details).toEqual([expect.objectContaining({ path: "body.headers.X-New", code: "masked_value" })]);
    expect(await reveal(w.id)).toEqual({ Authorization: TOKEN });
    const created = await call("POST", "/api/webhooks", { key: acct.key, body: { url: "https://hooks.example.com/in", topics: ["*"], headers: { Authorization: MASK } } });
    expect(created.status).toBe(422);
  });

  it("seals a row written in plain JSON before migration 0006 on its next save", async () => {
    const w = await create({});
    await env.DB.prepare("UPDATE webhooks SET headers = ?, header_names = NULL WHERE id = ?").bind(JSON.stringify({ Authorization: TOKEN }), w.id).run();
    expect((await call("GET", `/api/webhooks/${w.id}`, { key: acct.key })).json.headers).toEqual({ Authorization: MASK });
    expect(await reveal(w.id)).toEqual({ Authorization: TOKEN });
    expect((await put(w.id, { description: "touched" })).status).toBe(200);
    const row = await d1Row(w.id);
    expect(row!.headers).toMatch(/^v1\./);
    expect(await reveal(w.id)).toEqual({ Authorization: TOKEN });
  });
});
