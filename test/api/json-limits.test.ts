import { beforeAll, describe, expect, it } from "vitest";
import { MAX_CONFIG_DEPTH, MAX_PAYLOAD_DEPTH } from "../../src/domain/json-limits";
import { call, newAccount } from "../support/http";
import { createSource, postIn } from "../ingest/helpers";

/**
 * Free-form JSON fields refuse values nested too deep and (config fields) prototype keys, with a
 * 422 naming the field, before anything is stored. Bodies are sent as raw bytes: a JS object
 * literal with `__proto__` would not even serialize the key.
 */

type Account = Awaited<ReturnType<typeof newAccount>>;
let acct: Account;
beforeAll(async () => {
  acct = await newAccount("json limits");
});

const nested = (depth: number, leaf = "1") => `${'{"a":'.repeat(depth)}${leaf}${"}".repeat(depth)}`;
const nestedArray = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const raw = (method: string, path: string, body: string) =>
  call(method, path, { key: acct.key, rawBody: body, headers: { "content-type": "application/json" } });

function refused(res: Awaited<ReturnType<typeof call>>, path: string, message: RegExp) {
  expect(res.status, res.text).toBe(422);
  expect(res.json.error.code).toBe("validation_failed");
  expect(res.json.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path, message: expect.stringMatching(message) })]));
}

const webhookCount = async () => (await call("GET", "/api/webhooks?limit=100", { key: acct.key })).json.data.length as number;
const WEBHOOK = '"url":"https://hooks.example.com/in","topics":["*"]';

describe("depth limits", () => {
  it("refuses metadata nested 3,000 deep (under the 8 KiB cap) and stores nothing", async () => {
    const before = await webhookCount();
    refused(await raw("POST", "/api/webhooks", `{${WEBHOOK},"metadata":${nested(3000)}}`), "body.metadata", /nested more than 32 levels/);
    expect(await webhookCount()).toBe(before);
  });

  it(`accepts metadata exactly ${MAX_CONFIG_DEPTH} levels deep`, async () => {
    const res = await raw("POST", "/api/webhooks", `{${WEBHOOK},"metadata":${nested(MAX_CONFIG_DEPTH)}}`);
    expect(res.status, res.text).toBe(201);
    refused(await raw("PUT", `/api/webhooks/${res.json.id}`, `{"metadata":${nested(MAX_CONFIG_DEPTH + 1)}}`), "body.metadata", /nested/);
  });

  it("refuses a deep filter and deep source rules", async () => {
    refused(await raw("POST", "/api/webhooks", `{${WEBHOOK},"filter":{"a":{"$in":${nestedArray(500)}}}}`), "body.filter", /nested/);
    refused(await raw("POST", "/api/sources", `{"name":"deep","verification":{"type":"none"},"topic":${nestedArray(500)}}`), "body.topic", /nested/);
    refused(await raw("POST", "/api/sources", `{"name":"deep","verification":{"type":"none"},"dedupe":${nestedArray(500)}}`), "body.dedupe", /nested/);
  });

  it("refuses an event payload nested 100,000 deep, alone and in a batch", async () => {
    refused(await raw("POST", "/api/events", `{"topic":"deep.test","payload":${nestedArray(100_000)}}`), "body.payload", /nested more than 64 levels/);
    refused(await raw("POST", "/api/events/batch", `{"events":[{"topic":"deep.test","payload":${nested(100_000)}}]}`), "body.events.0.payload", /nested/);
    const ok = await raw("POST", "/api/events", `{"topic":"deep.test","payload":${nestedArray(MAX_PAYLOAD_DEPTH)}}`);
    expect(ok.status, ok.text).toBe(202);
  });

  it("lists a deep body relayed through /in, returning it as text", async () => {
    const source = await createSource(acct, { name: "Deep relay", verification: { type: "none" }, topic: { value: "deep.inbound" } });
    const body = nestedArray(100_000);
    expect((await postIn(source.id, body, { "content-type": "application/json" })).status).toBe(200);
    const listed = await call("GET", `/api/events?sourceId=${source.id}&includePayload=true`, { key: acct.key });
    expect(listed.status, listed.text.slice(0, 300)).toBe(200);
    expect(listed.json.data[0].payload).toBe(body);
  });
});

describe("prototype keys", () => {
  it.each([
    ["filter", '{"__proto__":{"$eq":"never"}}', "body.filter.__proto__"],
    ["filter", '{"data.a":{"$eq":1},"constructor":1}', "body.filter.constructor"],
    ["headers", '{"__proto__":"x"}', "body.headers.__proto__"],
    ["headers", '{"constructor":"x"}', "body.headers.constructor"],
    ["metadata", '{"prototype":1}', "body.metadata.prototype"],
    ["metadata", '{"a":[{"__proto__":{"admin":true}}]}', "body.metadata.a.0.__proto__"],
  ])("refuses a %s with %s", async (field, value, path) => {
    const before = await webhookCount();
    refused(await raw("POST", "/api/webhooks", `{${WEBHOOK},"${field}":${value}}`), path, /may not use/);
    expect(await webhookCount()).toBe(before);
  });

  it("refuses them in a webhook update", async () => {
    const created = await raw("POST", "/api/webhooks", `{${WEBHOOK}}`);
    expect(created.status).toBe(201);
    refused(await raw("PUT", `/api/webhooks/${created.json.id}`, '{"filter":{"__proto__":{"$eq":"never"}}}'), "body.filter.__proto__", /may not use/);
    const after = await call("GET", `/api/webhooks/${created.json.id}`, { key: acct.key });
    expect(after.json.filter).toBeNull();
  });

  it.each(["topic", "channel", "dedupe"])("refuses them in a source's %s rule", async (field) => {
    const res = await raw("POST", "/api/sources", `{"name":"proto","verification":{"type":"none"},"${field}":{"path":"a","__proto__":{"header":"x"}}}`);
    refused(res, `body.${field}.__proto__`, /may not use/);
  });
});
