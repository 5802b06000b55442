import { describe, expect, it } from "vitest";
import { call, newAccount } from "../support/http";

/** The topics catalog: GET /api/webhooks/topics (seed path), GET|POST /api/topics, DELETE /api/topics/{name}. */

interface Topic {
  name: string;
  description: string | null;
  builtIn: boolean;
  systems: string[];
  example?: unknown;
  createdAt: string | null;
}

/** Every topic the seed documents name, by platform. */
const SEED_TOPICS = [
  // Vambe (000/001)
  "message.received", "message.sent", "ticket.created", "ticket.updated", "ticket.closed",
  "contact.created", "contact.updated", "stage.changed",
  // Vobiz (002)
  "message.delivered", "message.read", "message.failed", "campaign.completed",
  // VowChat (003)
  "conversation_created", "conversation_updated", "conversation_status_changed", "message_created",
  "message_updated", "webwidget_triggered", "conversation_typing_on", "conversation_typing_off",
  // WhatsApp session API (004)
  "session.connected", "session.disconnected", "session.qr_generated",
];

/** Topics whose seed shows a JSON payload; the catalog must carry one for each. */
const SEED_EXAMPLES: Record<string, Record<string, unknown>> = {
  "message.received": { type: "message.received", aiContactId: "38f37371-aa05-477a-b6c1-d161417@ed8d" },
  "message.sent": { type: "message.sent" },
  "ticket.created": { event: "ticket.created", timestamp: "2024-09-30T10:00:00.000Z" },
  "stage.changed": { event: "stage.changed", timestamp: "2024-09-30T10:05:00.000Z" },
  "message.delivered": { event: "message.delivered" },
  "message.read": { event: "message.read" },
  "contact.updated": { event: "contact.updated" },
  "message_created": { event: "message_created", id: "123", content: "Hi, I need help with my order" },
  "conversation_status_changed": { event: "conversation_status_changed", id: 789, status: "resolved" },
  "session.connected": { event: "session.connected", phoneNumber: "+1234567890" },
  "session.disconnected": { event: "session.disconnected", reason: "connection_lost" },
  "session.qr_generated": { event: "session.qr_generated" },
};

async function catalog(key: string, path = "/api/webhooks/topics") {
  const res = await call("GET", path, { key });
  expect(res.status).toBe(200);
  return res.json.data as Topic[];
}

const byName = (topics: Topic[]) => new Map(topics.map((t) => [t.name, t]));

describe("GET /api/webhooks/topics", () => {
  it("answers seed 000's curl with every topic named in the seeds, each with a description", async () => {
    const acct = await newAccount();
    const res = await call("GET", "/api/webhooks/topics", { key: null, headers: { "x-api-key": acct.key } });
    expect(res.status).toBe(200);
    const topics = byName(res.json.data);
    for (const name of SEED_TOPICS) {
      const topic = topics.get(name);
      expect(topic, name).toBeDefined();
      expect(topic!.builtIn, name).toBe(true);
      expect(topic!.description, name).toEqual(expect.stringMatching(/\S{3}/));
      expect(topic!.systems.length, name).toBeGreaterThan(0);
    }
  });

  it("carries the seed's example payload for each topic the seeds show one for", async () => {
    const acct = await newAccount();
    const topics = byName(await catalog(acct.key));
    for (const [name, fields] of Object.entries(SEED_EXAMPLES)) {
      expect(topics.get(name)?.example, name).toMatchObject(fields);
    }
  });

  it("reproduces the ticket.created example of seed 000 in full", async () => {
    const acct = await newAccount();
    const topic = byName(await catalog(acct.key)).get("ticket.created");
    expect(topic?.example).toEqual({
      event: "ticket.created",
      timestamp: "2024-09-30T10:00:00.000Z",
      data: {
        ticket_id: "ticket-123",
        contact_id: "df980fc8-b6db-4820-bf22-2969482d106d",
        contact_name: "Maria Rodriguez",
        pipeline_id: "pipeline-456",
        stage_id: "stage-789",
        status: "OPEN",
      },
    });
  });

  it("lists the meta topics webhook.disabled and delivery.exhausted", async () => {
    const acct = await newAccount();
    const topics = byName(await catalog(acct.key));
    expect(topics.get("webhook.disabled")?.builtIn).toBe(true);
    expect(topics.get("delivery.exhausted")?.builtIn).toBe(true);
  });

  it("lists each topic once, with names valid as subscriptions", async () => {
    const acct = await newAccount();
    const topics = await catalog(acct.key);
    const names = topics.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    const res = await call("POST", "/api/webhooks", { key: acct.key, body: { url: "https://hooks.example.com/in", topics: names } });
    expect(res.status).toBe(201);
  });

  it("answers the same catalog on GET /api/topics", async () => {
    const acct = await newAccount();
    expect(await catalog(acct.key, "/api/topics")).toEqual(await catalog(acct.key));
  });
});

describe("POST /api/topics", () => {
  it("adds a topic to the account's catalog and answers 201", async () => {
    const acct = await newAccount();
    const res = await call("POST", "/api/topics", {
      key: acct.key,
      body: { name: "invoice.paid", description: "An invoice was paid", example: { id: "inv_1", amount: 100 } },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ name: "invoice.paid", description: "An invoice was paid", builtIn: false, systems: [], example: { id: "inv_1", amount: 100 } });
    expect(new Date(res.json.createdAt).toISOString()).toBe(res.json.createdAt);

    const topic = byName(await catalog(acct.key)).get("invoice.paid");
    expect(topic).toEqual(res.json);
  });

  it("shows an account's topic only to that account", async () => {
    const a = await newAccount("A");
    const b = await newAccount("B");
    await call("POST", "/api/topics", { key: a.key, body: { name: "a.only" } });
    expect(byName(await catalog(a.key)).has("a.only")).toBe(true);
    expect(byName(await catalog(b.key)).has("a.only")).toBe(false);
    expect(byName(await catalog(b.key, "/api/topics")).has("a.only")).toBe(false);
  });

  it("updates the description when the topic is posted again", async () => {
    const acct = await newAccount();
    await call("POST", "/api/topics", { key: acct.key, body: { name: "order.shipped", description: "first" } });
    const again = await call("POST", "/api/topics", { key: acct.key, body: { name: "order.shipped", description: "second" } });
    expect(again.status).toBe(201);
    const topics = (await catalog(acct.key)).filter((t) => t.name === "order.shipped");
    expect(topics).toHaveLength(1);
    expect(topics[0]!.description).toBe("second");
  });

  it("refuses names in hookrelay's own webhook.* and delivery.* namespaces with 422", async () => {
    const acct = await newAccount();
    for (const name of ["webhook.custom", "delivery.late"]) {
      const res = await call("POST", "/api/topics", { key: acct.key, body: { name } });
      expect(res.status, name).toBe(422);
      expect(res.json.error.details[0].path).toBe("body.name");
    }
  });

  it("answers 409 conflict for a built-in topic name", async () => {
    const acct = await newAccount();
    const res = await call("POST", "/api/topics", { key: acct.key, body: { name: "message.received", description: "mine" } });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("conflict");
    expect(byName(await catalog(acct.key)).get("message.received")?.description).not.toBe("mine");
  });

  it.each([
    ["a space", "order shipped"],
    ["a wildcard", "order.*"],
    ["a bare *", "*"],
    ["an empty segment", "order..shipped"],
    ["a leading dot", ".order"],
    ["an empty name", ""],
  ])("answers 422 on body.name for a name with %s", async (_what, name) => {
    const acct = await newAccount();
    const res = await call("POST", "/api/topics", { key: acct.key, body: { name } });
    expect(res.status).toBe(422);
    expect(res.json.error.details.map((d: { path: string }) => d.path)).toEqual(["body.name"]);
  });

  it("answers 422 for a missing name, a long description and an unknown field", async () => {
    const acct = await newAccount();
    expect((await call("POST", "/api/topics", { key: acct.key, body: { description: "x" } })).status).toBe(422);
    const long = await call("POST", "/api/topics", { key: acct.key, body: { name: "a.b", description: "d".repeat(501) } });
    expect(long.json.error.details[0].path).toBe("body.description");
    expect((await call("POST", "/api/topics", { key: acct.key, body: { name: "a.b", builtIn: true } })).status).toBe(422);
  });
});

describe("DELETE /api/topics/{name}", () => {
  it("removes the account's topic, then answers 404 to a second delete", async () => {
    const acct = await newAccount();
    await call("POST", "/api/topics", { key: acct.key, body: { name: "lead.scored" } });
    const res = await call("DELETE", "/api/topics/lead.scored", { key: acct.key });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ name: "lead.scored", deleted: true });
    expect(byName(await catalog(acct.key)).has("lead.scored")).toBe(false);

    const again = await call("DELETE", "/api/topics/lead.scored", { key: acct.key });
    expect(again.status).toBe(404);
    expect(again.json.error.code).toBe("not_found");
  });

  it("answers 404 for another account's topic and leaves it in place", async () => {
    const a = await newAccount("A");
    const b = await newAccount("B");
    await call("POST", "/api/topics", { key: a.key, body: { name: "a.private" } });
    expect((await call("DELETE", "/api/topics/a.private", { key: b.key })).status).toBe(404);
    expect(byName(await catalog(a.key)).has("a.private")).toBe(true);
  });

  it("answers 409 for a built-in topic, which stays in the catalog", async () => {
    const acct = await newAccount();
    const res = await call("DELETE", "/api/topics/stage.changed", { key: acct.key });
    expect(res.status).toBe(409);
    expect(byName(await catalog(acct.key)).has("stage.changed")).toBe(true);
  });

  it("removes a topic whose name holds a slash, sent percent-encoded", async () => {
    const acct = await newAccount();
    expect((await call("POST", "/api/topics", { key: acct.key, body: { name: "billing/invoice.paid" } })).status).toBe(201);
    const res = await call("DELETE", `/api/topics/${encodeURIComponent("billing/invoice.paid")}`, { key: acct.key });
    expect(res.status).toBe(200);
    expect(byName(await catalog(acct.key)).has("billing/invoice.paid")).toBe(false);
  });
});
