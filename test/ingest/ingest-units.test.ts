import { describe, expect, it } from "vitest";
import { decodeUtf8, readBodyLimited } from "../../src/ingest/body";
import { TokenBuckets } from "../../src/ingest/rate-limit";
import { Extractor, fallbackTopic, resolveRules, toTopicName, valueAtPath } from "../../src/ingest/rules";

describe("valueAtPath", () => {
  const doc = { type: "a", data: { items: [{ id: 1 }, { id: "two" }] }, wrapped: '{"inner":{"id":"x"}}', "": 1 };
  it.each([
    ["type", "a"],
    ["data.items.1.id", "two"],
    ["data.items.0.id", 1],
    ["data.items.5.id", undefined],
    ["data.items.first", undefined],
    ["wrapped.inner.id", "x"],
    ["missing.deep", undefined],
    ["toString", undefined],
    ["__proto__", undefined],
  ])("%s → %j", (path, expected) => expect(valueAtPath(doc, path)).toEqual(expected));
});

describe("toTopicName", () => {
  it.each([
    ["payment_intent.succeeded", "payment_intent.succeeded"],
    ["orders/create", "orders/create"],
    ["Message Received!", "Message_Received"],
    ["  spaced  ", "spaced"],
    ["a..b", "a.b"],
    ["webhook.disabled", "src.webhook.disabled"],
    ["delivery.exhausted", "src.delivery.exhausted"],
    ["webhooks.created", "webhooks.created"],
    ["!!!", null],
    ["", null],
  ])("%j → %j", (raw, expected) => expect(toTopicName(raw, "src")).toBe(expected));

  it("caps the length", () => {
    expect(toTopicName(`${"a".repeat(250)} b`, "src")!.length).toBeLessThanOrEqual(200);
  });
});

describe("rules", () => {
  it("names the fallback topic after the source", () => {
    expect(fallbackTopic("Billing (prod)")).toBe("billing-prod.event");
    expect(fallbackTopic("***")).toBe("source.event");
  });

  it("fills provider defaults only where the source sets nothing", () => {
    const base = { name: "gh", verification: { type: "github" as const }, topic: null, channel: null, dedupe: null };
    expect(resolveRules(base)).toEqual({
      topic: [{ header: "x-github-event" }],
      fallbackTopic: "gh.event",
      channel: [],
      dedupe: [{ header: "x-github-delivery" }],
    });
    expect(resolveRules({ ...base, topic: { value: "gh.any" }, dedupe: [] })).toMatchObject({ topic: [{ value: "gh.any" }], dedupe: [] });
  });

  it("extracts numbers as strings and skips empty values", () => {
    const x = new Extractor({ headers: new Headers({ "x-a": "  " }), text: '{"n":42,"e":""}', contentType: "application/json" });
    expect(x.first([{ header: "x-a" }, { path: "e" }, { path: "n" }])).toBe("42");
    expect(x.first([{ path: "nothing" }])).toBeNull();
  });

  it("reads nothing from a body that is not JSON or a form", () => {
    const x = new Extractor({ headers: new Headers(), text: "<xml type='a'/>", contentType: "application/xml" });
    expect(x.first([{ path: "type" }])).toBeNull();
  });
});

describe("TokenBuckets", () => {
  it("allows a burst of one second's worth, then perSecond, and says when to retry", () => {
    const buckets = new TokenBuckets();
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) expect(buckets.take("s", 3, t0)).toEqual({ ok: true });
    expect(buckets.take("s", 3, t0)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(buckets.take("s", 3, t0 + 340)).toEqual({ ok: true });
    expect(buckets.take("s", 3, t0 + 340)).toEqual({ ok: false, retryAfterSeconds: 1 });
  });

  it("asks for a longer wait under a slow limit, and restarts full when the limit changes", () => {
    const buckets = new TokenBuckets();
    expect(buckets.take("s", 0.1, 0)).toEqual({ ok: true });
    expect(buckets.take("s", 0.1, 1000)).toEqual({ ok: false, retryAfterSeconds: 9 });
    expect(buckets.take("s", 0.1, 10_000)).toEqual({ ok: true });
    expect(buckets.take("s", 5, 10_000)).toEqual({ ok: true });
  });

  it("keeps sources apart", () => {
    const buckets = new TokenBuckets();
    expect(buckets.take("a", 1, 0).ok).toBe(true);
    expect(buckets.take("a", 1, 0).ok).toBe(false);
    expect(buckets.take("b", 1, 0).ok).toBe(true);
  });
});

describe("readBodyLimited / decodeUtf8", () => {
  const req = (body: BodyInit, headers: Record<string, string> = {}) => new Request("http://x/", { method: "POST", body, headers });

  it("refuses a declared length over the limit without reading", async () => {
    const r = req("0123456789", { "content-length": "10" });
    expect(await readBodyLimited(r, 9)).toEqual({ ok: false });
    expect(r.bodyUsed).toBe(false);
  });

  it("reads a body at the limit", async () => {
    const result = await readBodyLimited(req("0123456789"), 10);
    expect(result.ok && decodeUtf8(result.bytes)).toBe("0123456789");
  });

  it("refuses invalid UTF-8 and keeps a BOM", () => {
    expect(decodeUtf8(new Uint8Array([0xc3, 0x28]))).toBeNull();
    expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]))).toBe("\uFEFFa");
  });
});
