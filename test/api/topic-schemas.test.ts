import { describe, expect, it } from "vitest";
import { compileSchema, payloadIssues } from "../../src/domain/json-schema";
import { BUILT_IN_TOPICS } from "../../src/domain/topic-catalog";
import { call, newAccount } from "../support/http";

/**
 * The typed event catalog: a topic's JSON Schema (draft 2020-12) is checked when publishing;
 * the switches turn it off; built-in topics carry schemas inferred from the seeds, off by default.
 */
type Acct = Awaited<ReturnType<typeof newAccount>>;

const ORDER_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  required: ["orderId", "amount"],
  properties: { orderId: { type: "string" }, amount: { type: "number", minimum: 0 }, customer: { type: "object", required: ["email"], properties: { email: { type: "string" } } } },
};
const ORDER = { orderId: "o_1", amount: 12.5, customer: { email: "a@example.com" } };

async function addTopic(acct: Acct, body: Record<string, unknown>) {
  return call("POST", "/api/topics", { key: acct.key, body: { name: "order.paid", description: "An order was paid", schema: ORDER_SCHEMA, example: ORDER, ...body } });
}
const publish = (acct: Acct, topic: string, payload: unknown) => call("POST", "/api/events", { key: acct.key, body: { topic, payload } });
const paths = (res: { json: { error: { details: { path: string }[] } } }) => res.json.error.details.map((d) => d.path);

describe("topic schemas on publish", () => {
  it("accepts a payload that matches and answers 422 with every failing path for one that does not", async () => {
    const acct = await newAccount();
    expect((await addTopic(acct, {})).status).toBe(201);
    expect((await publish(acct, "order.paid", ORDER)).status).toBe(202);
    const bad = await publish(acct, "order.paid", { amount: -1, customer: {} });
    expect(bad.status).toBe(422);
    expect(bad.json.error.code).toBe("validation_failed");
    expect(paths(bad)).toEqual(expect.arrayContaining(["body.payload", "body.payload.amount", "body.payload.customer"]));
  });

  it("names the event's index in a batch", async () => {
    const acct = await newAccount();
    await addTopic(acct, {});
    const res = await call("POST", "/api/events/batch", { key: acct.key, body: { events: [{ topic: "order.paid", payload: ORDER }, { topic: "order.paid", payload: { orderId: 5, amount: 1 } }] } });
    expect(res.status).toBe(422);
    expect(paths(res)).toEqual(["body.events.1.payload.orderId"]);
  });

  it("costs nothing for topics without a schema: they are accepted as before", async () => {
    const acct = await newAccount();
    await addTopic(acct, {});
    expect((await publish(acct, "order.refunded", "anything at all")).status).toBe(202);
  });

  it("is switched off per topic (validate:false) and per account (validateSchemas:false)", async () => {
    const acct = await newAccount();
    await addTopic(acct, { validate: false });
    expect((await publish(acct, "order.paid", { nope: true })).status).toBe(202);
    await addTopic(acct, { validate: true });
    expect((await publish(acct, "order.paid", { nope: true })).status).toBe(422);
    await call("PATCH", `/api/accounts/${acct.id}`, { body: { validateSchemas: false } });
    expect((await publish(acct, "order.paid", { nope: true })).status).toBe(202);
  });

  it("validates built-in topics only when the account turns it on", async () => {
    const acct = await newAccount();
    expect((await publish(acct, "stage.changed", { data: "not an object" })).status).toBe(202);
    await call("PATCH", `/api/accounts/${acct.id}`, { body: { validateBuiltInTopics: true } });
    const res = await publish(acct, "stage.changed", { data: "not an object" });
    expect(res.status).toBe(422);
    expect(paths(res)).toContain("body.payload.data");
    // Both platforms' message.received shapes pass (Vambe's and seed 004's).
    const [vambe, whatsapp] = [BUILT_IN_TOPICS[0]!.example, BUILT_IN_TOPICS[0]!.otherExamples![0]];
    expect((await publish(acct, "message.received", vambe)).status).toBe(202);
    expect((await publish(acct, "message.received", whatsapp)).status).toBe(202);
  });
});

describe("POST /api/topics with a schema", () => {
  it("shows the schema in the catalog, and the built-ins' inferred ones (not validated by default)", async () => {
    const acct = await newAccount();
    await addTopic(acct, {});
    const list = (await call("GET", "/api/topics", { key: acct.key })).json.data as { name: string; schema?: unknown; validate: boolean }[];
    expect(list.find((t) => t.name === "order.paid")).toMatchObject({ schema: ORDER_SCHEMA, validate: true });
    expect(list.find((t) => t.name === "ticket.created")).toMatchObject({ schema: { type: "object", required: ["event", "timestamp", "data"] }, validate: false });
  });

  it.each([
    ["an example that fails the schema", { example: { orderId: "o" } }, "body.example"],
    ["a schema that is not an object", { schema: "string" }, "body.schema"],
    ["a regular expression in the schema", { schema: { type: "object", properties: { id: { type: "string", pattern: "^(a+)+$" } } }, example: undefined }, "body.schema.properties.id.pattern"],
    ["another draft", { schema: { $schema: "http://json-schema.org/draft-07/schema#", type: "object" }, example: undefined }, "body.schema.$schema"],
  ])("refuses %s with 422 and the path", async (_what, extra, path) => {
    const acct = await newAccount();
    const res = await addTopic(acct, extra);
    expect(res.status).toBe(422);
    expect(paths(res)).toContain(path);
  });

  it("allows a property named pattern (a name, not the keyword)", async () => {
    const acct = await newAccount();
    const res = await addTopic(acct, { schema: { type: "object", properties: { pattern: { type: "string" } } }, example: { pattern: "x" } });
    expect(res.status).toBe(201);
  });
});

describe("built-in catalog schemas", () => {
  it("accept every example they were inferred from", () => {
    for (const t of BUILT_IN_TOPICS.filter((t) => t.schema)) {
      const v = compileSchema(t.schema!);
      for (const e of [t.example, ...(t.otherExamples ?? [])]) expect(payloadIssues(v, e, "p"), t.name).toEqual([]);
    }
  });

  it("treat the documented optional fields as optional (message.sent without error_details)", () => {
    const t = BUILT_IN_TOPICS.find((x) => x.name === "message.sent")!;
    const { error_details: _omitted, status: _s, ...data } = (t.example as { data: Record<string, unknown> }).data;
    expect(payloadIssues(compileSchema(t.schema!), { ...(t.example as object), data }, "p")).toEqual([]);
  });
});

describe("GET /openapi.json webhooks section", () => {
  it("has one entry per catalog topic with its schema and example", async () => {
    const doc = (await call("GET", "/openapi.json", { key: null })).json;
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.webhooks).sort()).toEqual(BUILT_IN_TOPICS.map((t) => t.name).sort());
    const body = doc.webhooks["ticket.created"].post.requestBody.content["application/json"];
    expect(body.example).toEqual(BUILT_IN_TOPICS.find((t) => t.name === "ticket.created")!.example);
    expect(body.schema.required).toEqual(["event", "timestamp", "data"]);
    expect(doc.paths["/api/webhook/config/{sessionId}"]).toBeDefined();
    expect(doc.paths["/api/profiles"]).toBeDefined();
  });
});
