import { describe, expect, it } from "vitest";
import { newInbox } from "../support/receiver";
import { call, newAccount, publish } from "./helpers";

/**
 * Seed 000's "Event Filtering" moved from the receiver into the webhook: only messages whose
 * lowercased text includes "order", or tickets in the sales pipeline, are delivered.
 */
describe("filters people write, end to end", () => {
  it("delivers only events that pass $or / $icontains, checked after a barrier event", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    const res = await call("POST", "/api/webhooks", {
      key: acct.key,
      body: {
        url: inbox.url,
        topics: ["message.received", "ticket.created"],
        filter: { $or: [{ "data.message": { $icontains: "order" } }, { "data.pipeline_id": "sales-pipeline-id" }] },
        delivery: { ordering: "ordered" },
      },
    });
    expect(res.status).toBe(201);
    await publish(acct, "message.received", { type: "message.received", data: { message: "Hello there" } });
    await publish(acct, "ticket.created", { event: "ticket.created", data: { pipeline_id: "support" } });
    const wanted = await publish(acct, "message.received", { type: "message.received", data: { message: "Where is my ORDER?" } });
    const barrier = await publish(acct, "ticket.created", { event: "ticket.created", data: { pipeline_id: "sales-pipeline-id" } });
    const got = await inbox.waitFor(2);
    // Ordered delivery: once the barrier (published last) arrived, everything before it was decided.
    expect(got.map((r) => r.headers["webhook-id"]).sort()).toEqual([wanted.id, barrier.id].sort());
    expect(await inbox.requests()).toHaveLength(2);
  });

  it("refuses a filter nested too deep with the field's path", async () => {
    const acct = await newAccount();
    const filter = { $not: { $not: { $not: { $not: { a: 1 } } } } };
    const res = await call("POST", "/api/webhooks", { key: acct.key, body: { url: "https://example.com/h", topics: ["*"], filter } });
    expect(res.status).toBe(422);
    expect(res.json.error.details[0].path).toBe("body.filter.$not.$not.$not.$not");
  });
});

describe("GET /api/webhooks?channel=", () => {
  it("lists only the webhooks whose channels include the channel", async () => {
    const acct = await newAccount();
    const mk = async (channels: string[] | undefined) =>
      (await call("POST", "/api/webhooks", { key: acct.key, body: { url: "https://example.com/h", topics: ["never.published"], ...(channels ? { channels } : {}) } })).json.id as string;
    const a = await mk(["s1"]);
    const b = await mk(["s2", "s1"]);
    await mk(["s2"]);
    await mk(undefined);
    const res = await call("GET", "/api/webhooks?channel=s1", { key: acct.key });
    expect(res.status).toBe(200);
    expect(res.json.data.map((w: { id: string }) => w.id).sort()).toEqual([a, b].sort());
    expect((await call("GET", "/api/webhooks?channel=", { key: acct.key })).status).toBe(422);
  });
});
