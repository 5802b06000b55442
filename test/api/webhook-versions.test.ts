import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { updateWebhook } from "../../src/delivery/webhook-writes";
import type { Webhook } from "../../src/domain/webhook";
import { createWebhook, deliveries, doStub, publish, runDueNow, waitFor, waitForCalls, webhookRow } from "../delivery/helpers";
import { call, newAccount } from "../support/http";
import { newInbox } from "../support/receiver";

/** One owner per piece of webhook state: versioned compare-and-set writes, and all-or-nothing management writes. */
const objectConfig = (id: string) => runInDurableObject(doStub(id), (_i, state) => state.storage.kv.get("config") as Webhook | undefined);

/** Fault injection on the live object: its configure() RPC fails (until the instance is replaced). */
const breakConfigure = (id: string) =>
  runInDurableObject(doStub(id), (instance) => {
    (instance as unknown as { configure: () => Promise<void> }).configure = async () => {
      throw new Error("test: object refuses its config");
    };
  });

describe("webhook versions and concurrent writes", () => {
  it("a concurrent PUT {active:false} and PUT {description} over HTTP both take effect, in D1 and in the object", async () => {
    const acct = await newAccount();
    for (let round = 0; round < 3; round++) {
      const wh = await createWebhook(acct, { url: "https://example.com/race" });
      const [a, b] = await Promise.all([
        call("PUT", `/api/webhooks/${wh.id}`, { key: acct.key, body: { active: false } }),
        call("PUT", `/api/webhooks/${wh.id}`, { key: acct.key, body: { description: `round ${round}` } }),
      ]);
      expect([a.status, b.status]).toEqual([200, 200]);
      const got = await call("GET", `/api/webhooks/${wh.id}`, { key: acct.key });
      expect(got.json).toMatchObject({ active: false, status: "inactive", description: `round ${round}` });
      expect((await webhookRow(wh.id))?.version).toBe(3);
      expect(await objectConfig(wh.id)).toMatchObject({ active: false, status: "inactive", description: `round ${round}`, version: 3 });
    }
  });

  it("a DELETE racing a PUT over HTTP leaves the webhook deleted", async () => {
    const acct = await newAccount();
    for (let round = 0; round < 3; round++) {
      const wh = await createWebhook(acct, { url: "https://example.com/race" });
      const [del, put] = await Promise.all([
        call("DELETE", `/api/webhooks/${wh.id}`, { key: acct.key }),
        call("PUT", `/api/webhooks/${wh.id}`, { key: acct.key, body: { description: "late" } }),
      ]);
      expect(del.status).toBe(200);
      // The PUT either landed first (200) or found the webhook gone (404); never brought it back.
      expect([200, 404]).toContain(put.status);
      expect((await call("GET", `/api/webhooks/${wh.id}`, { key: acct.key })).status).toBe(404);
      const deleted = await call("GET", "/api/webhooks?deleted=true", { key: acct.key });
      expect(deleted.json.data.map((w: { id: string }) => w.id)).toContain(wh.id);
      expect((await objectConfig(wh.id))?.deletedAt).not.toBeNull();
    }
  });

  it("a write that loses the compare-and-set re-reads and re-applies its patch (forced interleaving)", async () => {
    const acct = await newAccount();
    const wh = await createWebhook(acct, { url: "https://example.com/race", description: "start" });
    // The pause reads version 1, then waits while the description change lands (version 2).
    let readIt!: () => void;
    const read = new Promise<void>((r) => (readIt = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let rounds = 0;
    const pause = updateWebhook(env, acct.id, wh.id, async (current) => {
      rounds++;
      readIt();
      await gate;
      return { ...current, active: false, status: "inactive" };
    });
    await read;
    await updateWebhook(env, acct.id, wh.id, (current) => ({ ...current, description: "changed meanwhile" }));
    release();
    const paused = await pause;
    expect(rounds).toBe(2);
    expect(paused).toMatchObject({ active: false, description: "changed meanwhile", version: 3 });
    expect((await call("GET", `/api/webhooks/${wh.id}`, { key: acct.key })).json).toMatchObject({ active: false, description: "changed meanwhile" });
    expect(await objectConfig(wh.id)).toMatchObject({ active: false, description: "changed meanwhile", version: 3 });
  });

  it("a PUT that loses its race to a DELETE finds the webhook gone and does not bring it back (forced interleaving)", async () => {
    const acct = await newAccount();
    const wh = await createWebhook(acct, { url: "https://example.com/race" });
    let readIt!: () => void;
    const read = new Promise<void>((r) => (readIt = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const put = updateWebhook(env, acct.id, wh.id, async (current) => {
      readIt();
      await gate;
      return { ...current, description: "late" };
    });
    await read;
    expect((await call("DELETE", `/api/webhooks/${wh.id}`, { key: acct.key })).status).toBe(200);
    release();
    await expect(put).rejects.toMatchObject({ code: "not_found" });
    expect((await call("GET", `/api/webhooks/${wh.id}`, { key: acct.key })).status).toBe(404);
    expect((await webhookRow(wh.id))?.version).toBe(2);
    expect((await objectConfig(wh.id))?.deletedAt).not.toBeNull();
  });

  it("the object never adopts an older config than the one it holds", async () => {
    const acct = await newAccount();
    const wh = await createWebhook(acct, { url: "https://example.com/v" });
    const v1 = (await objectConfig(wh.id))!;
    await call("PUT", `/api/webhooks/${wh.id}`, { key: acct.key, body: { active: false } });
    // A stale copy (the consumer's cached list, a delayed configure) offered afterwards is ignored.
    await doStub(wh.id).configure(v1);
    await doStub(wh.id).enqueue([], v1);
    expect(await objectConfig(wh.id)).toMatchObject({ status: "inactive", version: 2 });
  });
});

describe("a management write applies fully or not at all", () => {
  it("PUT answers 503 and changes nothing when the object refuses; the webhook keeps delivering", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    const wh = await createWebhook(acct, { url: inbox.url, description: "before" });
    await breakConfigure(wh.id);
    const res = await call("PUT", `/api/webhooks/${wh.id}`, { key: acct.key, body: { active: false, description: "after" } });
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe("upstream_unavailable");
    const got = await call("GET", `/api/webhooks/${wh.id}`, { key: acct.key });
    expect(got.json).toMatchObject({ active: true, status: "active", description: "before" });
    // Restored under a newer version (versions only grow), with the old content.
    expect((await webhookRow(wh.id))?.version).toBe(3);
    const evt = await publish(acct, "order.created", { n: 1 });
    const [req] = await inbox.waitFor(1);
    expect(req!.headers["webhook-id"]).toBe(evt.id);
  });

  it("DELETE answers 503 and leaves the webhook live when the object refuses", async () => {
    const acct = await newAccount();
    const wh = await createWebhook(acct, { url: "https://example.com/d" });
    await breakConfigure(wh.id);
    expect((await call("DELETE", `/api/webhooks/${wh.id}`, { key: acct.key })).status).toBe(503);
    expect((await call("GET", `/api/webhooks/${wh.id}`, { key: acct.key })).json.deletedAt).toBeNull();
  });

  it("create stores nothing when the object cannot take the webhook", async () => {
    const acct = await newAccount();
    // Nested 3,000 deep (under the 8 KiB metadata cap): the object's RPC cannot carry it. Refused
    // either here (503, the row removed again) or up front by a depth limit (422); never half-stored.
    let deep: unknown = 1;
    for (let i = 0; i < 3000; i++) deep = [deep];
    const res = await call("POST", "/api/webhooks", { key: acct.key, body: { url: "https://example.com/deep", topics: ["*"], metadata: { deep } } });
    expect([422, 503]).toContain(res.status);
    expect((await call("GET", "/api/webhooks", { key: acct.key })).json.data).toHaveLength(0);
    expect((await env.DB.prepare(`SELECT COUNT(*) AS n FROM webhooks WHERE account_id = ?`).bind(acct.id).first<{ n: number }>())?.n).toBe(0);
  });
});

describe("delivery-side disables by compare-and-set", () => {
  const addDisable = (id: string, heldVersion: number) =>
    runInDurableObject(doStub(id), async (_i, state) => {
      state.storage.sql.exec(`INSERT INTO outbox (kind, body) VALUES ('disable', ?)`, JSON.stringify({ kind: "disable", reason: "endpoint answered 410 Gone", atMs: Date.now(), heldVersion }));
    });

  it("a 410 disables the webhook in D1 and moves the object to the new version", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ responses: [{ status: 410 }] });
    const wh = await createWebhook(acct, { url: inbox.url });
    await publish(acct, "order.created", { n: 1 });
    await waitForCalls(wh.id, 1);
    await waitFor("the disable in D1", () => webhookRow(wh.id), (r) => r?.status !== "active");
    expect(await webhookRow(wh.id)).toMatchObject({ status: "disabled", version: 2 });
    expect(await objectConfig(wh.id)).toMatchObject({ status: "disabled", version: 2 });
  });

  it("a disable decided against an older version never overrides a pause made meanwhile", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ responses: [{ status: 500 }], fallback: { status: 200 } });
    const wh = await createWebhook(acct, { url: inbox.url, delivery: { retrySchedule: [60] } });
    await publish(acct, "order.created", { n: 1 });
    await waitForCalls(wh.id, 1);
    // Paused by the API (version 2) while a disable decided at version 1 waits in the outbox.
    await call("PUT", `/api/webhooks/${wh.id}`, { key: acct.key, body: { active: false } });
    await addDisable(wh.id, 1);
    await runDueNow(wh.id);
    expect(await runInDurableObject(doStub(wh.id), (_i, s) => s.storage.sql.exec(`SELECT COUNT(*) AS n FROM outbox`).one().n)).toBe(0);
    expect(await webhookRow(wh.id)).toMatchObject({ status: "inactive", disabled_reason: null, version: 2 });
    expect((await deliveries(wh.id)).map((d) => d.state)).toEqual(["pending"]);
  });

  it("a disable decided against an older version is not applied over any later change; the object re-decides on the next answer", async () => {
    const acct = await newAccount();
    const inbox = await newInbox({ responses: [{ status: 500 }], fallback: { status: 200 } });
    const wh = await createWebhook(acct, { url: inbox.url, delivery: { retrySchedule: [60] } });
    await publish(acct, "order.created", { n: 1 });
    await waitForCalls(wh.id, 1);
    await call("PUT", `/api/webhooks/${wh.id}`, { key: acct.key, body: { description: "changed meanwhile" } });
    await addDisable(wh.id, 1);
    await addDisable(wh.id, 2);
    await runDueNow(wh.id);
    // The one decided at version 1 is dropped; the one at version 2 (the current row) applies.
    expect(await webhookRow(wh.id)).toMatchObject({ status: "disabled", version: 3 });
    expect((await call("GET", `/api/webhooks/${wh.id}`, { key: acct.key })).json).toMatchObject({ status: "disabled", description: "changed meanwhile" });
    expect(await objectConfig(wh.id)).toMatchObject({ status: "disabled", version: 3 });
  });
});
