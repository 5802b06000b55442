import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { DeliveryJob } from "../../src/delivery/messages";
import type { Webhook } from "../../src/domain/webhook";
import { newInbox } from "../support/receiver";
import { call, createWebhook, deliveries, doStub, newAccount, publish, runDueNow, waitForCalls } from "./helpers";

/** Stored data is parsed at the storage boundary (issue 9 item 8), and each job is re-checked against the object's own config. */
const objectConfig = (id: string) => runInDurableObject(doStub(id), (_i, s) => s.storage.kv.get("config") as Webhook);

const job = (key: string, over: Partial<DeliveryJob> = {}): DeliveryJob => ({
  key, eventId: key, topic: "order.created", payload: JSON.stringify({ data: { pipeline: "sales" } }), contentType: "application/json", headers: null,
  createdAt: Date.now(), match: { channel: null, sourceId: null, excludeWebhookId: null, targeted: false }, ...over,
});

describe("stored data is parsed, not trusted", () => {
  it("a bad outbox row is quarantined and the good ones still go out", async () => {
    const acct = await newAccount();
    const watcher = await newInbox();
    await createWebhook(acct, { url: watcher.url, topics: ["delivery.exhausted"] });
    const inbox = await newInbox();
    const wh = await createWebhook(acct, { url: inbox.url });
    await publish(acct, "order.created", { n: 1 });
    await waitForCalls(wh.id, 1);
    const good = { id: `evt_meta_${Date.now()}`, topic: "delivery.exhausted", contentType: "application/json", excludeWebhookId: wh.id, payload: JSON.stringify({ type: "delivery.exhausted", data: {} }) };
    await runInDurableObject(doStub(wh.id), (_i, s) => {
      s.storage.sql.exec(`INSERT INTO outbox (kind, body) VALUES ('meta', ?)`, JSON.stringify({ kind: "meta", accountId: 42, event: null }));
      s.storage.sql.exec(`INSERT INTO outbox (kind, body) VALUES ('meta', 'not json')`);
      s.storage.sql.exec(`INSERT INTO outbox (kind, body) VALUES ('meta', ?)`, JSON.stringify({ kind: "meta", accountId: acct.id, event: good }));
    });
    await runDueNow(wh.id);
    const [meta] = await watcher.waitFor(1);
    expect(meta!.headers["webhook-id"]).toBe(good.id);
    const left = await runInDurableObject(doStub(wh.id), (_i, s) => ({
      outbox: s.storage.sql.exec(`SELECT COUNT(*) AS n FROM outbox`).one().n,
      quarantined: s.storage.sql.exec<{ body: string }>(`SELECT body FROM outbox_quarantine ORDER BY seq`).toArray().map((r) => r.body),
    }));
    expect(left.outbox).toBe(0);
    expect(left.quarantined).toEqual([JSON.stringify({ kind: "meta", accountId: 42, event: null }), "not json"]);
  });

  it("a config or health that fails to parse is skipped; the next copy repairs it and deliveries flow", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    const wh = await createWebhook(acct, { url: inbox.url });
    await runInDurableObject(doStub(wh.id), (_i, s) => {
      s.storage.kv.put("config", { id: wh.id, delivery: null });
      s.storage.kv.put("health", "garbage");
    });
    await evictDurableObject(doStub(wh.id));
    // The consumer's D1 copy replaces the unreadable one; the event is delivered.
    const evt = await publish(acct, "order.created", { n: 1 });
    const [req] = await inbox.waitFor(1);
    expect(req!.headers["webhook-id"]).toBe(evt.id);
    expect(await objectConfig(wh.id)).toMatchObject({ id: wh.id, url: inbox.url, version: 1 });
    expect(await runInDurableObject(doStub(wh.id), (_i, s) => s.storage.kv.get("health"))).toMatchObject({ failingSince: null });
  });

  it("a delivery whose stored headers do not parse is still sent (without them), and the one behind it too", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    const wh = await createWebhook(acct, { url: inbox.url });
    await doStub(wh.id).enqueue([job("evt_bad_headers"), job("evt_after")]);
    await runInDurableObject(doStub(wh.id), (_i, s) => s.storage.sql.exec(`UPDATE deliveries SET headers = '{"x-a": 1' WHERE key = 'evt_bad_headers'`));
    await runDueNow(wh.id);
    const reqs = await inbox.waitFor(2);
    expect(reqs.map((r) => r.headers["webhook-id"])).toEqual(["evt_bad_headers", "evt_after"]);
  });
});

describe("the object re-checks each job against its own newest config", () => {
  it("drops jobs for topics, channels and filters it no longer takes, and takes nothing while paused", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    const wh = await createWebhook(acct, { url: inbox.url, topics: ["order.*"], filter: { "data.pipeline": "sales" } });
    const stale = await objectConfig(wh.id);
    await call("PUT", `/api/webhooks/${wh.id}`, { key: acct.key, body: { topics: ["ticket.*"], channels: ["session-a"] } });
    const stub = doStub(wh.id);
    // The consumer's stale copy (version 1, order.*) is not adopted, and does not let old matches in.
    expect(await stub.enqueue([job("evt_old_topic")], stale)).toMatchObject({ accepted: 0, refused: 1 });
    expect(await stub.enqueue([job("evt_no_channel", { topic: "ticket.created" })], stale)).toMatchObject({ accepted: 0, refused: 1 });
    const otherChannel = job("evt_other_channel", { topic: "ticket.created", match: { channel: "session-b", sourceId: null, excludeWebhookId: null, targeted: false } });
    const wrongFilter = job("evt_wrong_filter", { topic: "ticket.created", payload: JSON.stringify({ data: { pipeline: "support" } }), match: { channel: "session-a", sourceId: null, excludeWebhookId: null, targeted: false } });
    const excluded = job("evt_excluded", { topic: "ticket.created", match: { channel: "session-a", sourceId: null, excludeWebhookId: wh.id, targeted: false } });
    expect(await stub.enqueue([otherChannel, wrongFilter, excluded], stale)).toMatchObject({ accepted: 0, refused: 3 });
    // Barrier: a job the new config does take is delivered, alone.
    const wanted = job("evt_wanted", { topic: "ticket.created", match: { channel: "session-a", sourceId: null, excludeWebhookId: null, targeted: false } });
    expect(await stub.enqueue([wanted], stale)).toMatchObject({ accepted: 1, refused: 0 });
    const [req] = await inbox.waitFor(1);
    expect(req!.headers["webhook-id"]).toBe("evt_wanted");
    expect((await deliveries(wh.id)).map((d) => d.key)).toEqual(["evt_wanted"]);

    // Paused: what it holds stays, nothing new is taken (not even a replay naming it).
    await call("PUT", `/api/webhooks/${wh.id}`, { key: acct.key, body: { active: false } });
    const targeted = job("evt_replay", { topic: "anything", match: { channel: null, sourceId: null, excludeWebhookId: null, targeted: true } });
    expect(await stub.enqueue([{ ...wanted, key: "evt_paused", eventId: "evt_paused" }, targeted], stale)).toMatchObject({ accepted: 0, refused: 2 });
    expect((await deliveries(wh.id)).map((d) => d.key)).toEqual(["evt_wanted"]);
    // Active again: a replay naming it skips topic and filters.
    await call("PUT", `/api/webhooks/${wh.id}`, { key: acct.key, body: { active: true } });
    expect(await stub.enqueue([targeted])).toMatchObject({ accepted: 1 });
  });
});
