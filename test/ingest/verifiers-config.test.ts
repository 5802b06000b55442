import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import {
  PROVIDER_DEFAULTS,
  secretProblem,
  verify,
  VerificationConfig,
  type VerificationType,
} from "../../src/ingest/verifiers";
import { cachedKeyCount, MAX_CACHED_KEYS } from "../../src/signing/key-cache";

const ALL_TYPES: VerificationType[] = [
  "standard-webhooks",
  "stripe",
  "github",
  "shopify",
  "slack",
  "hmac",
  "basic",
  "api-key",
  "none",
  "vobiz",
  "whatsapp-api",
];

describe("VerificationConfig schema", () => {
  it("fills in a 300 s tolerance for the timestamp schemes", () => {
    for (const type of ["standard-webhooks", "stripe", "slack"] as const) {
      expect(VerificationConfig.parse({ type })).toEqual({ type, toleranceSeconds: 300 });
    }
  });

  it("refuses tolerances under 1 s or over the 24 h dedupe window", () => {
    expect(VerificationConfig.safeParse({ type: "stripe", toleranceSeconds: 0 }).success).toBe(false);
    expect(VerificationConfig.safeParse({ type: "stripe", toleranceSeconds: 86_401 }).success).toBe(false);
    expect(VerificationConfig.safeParse({ type: "stripe", toleranceSeconds: 86_400 }).success).toBe(true);
  });

  it("refuses an unknown type, an hmac without a header, and a header name with spaces", () => {
    expect(VerificationConfig.safeParse({ type: "paypal" }).success).toBe(false);
    expect(VerificationConfig.safeParse({ type: "hmac" }).success).toBe(false);
    expect(VerificationConfig.safeParse({ type: "hmac", header: "X Sig" }).success).toBe(false);
    expect(VerificationConfig.safeParse({ type: "hmac", header: "X-Sig", encoding: "base32" }).success).toBe(false);
    expect(VerificationConfig.safeParse({ type: "hmac", header: "X-Sig", algorithm: "md5" }).success).toBe(false);
  });

  it("appears as a named component in an OpenAPI document", () => {
    const app = new OpenAPIHono();
    app.openapi(
      createRoute({
        method: "post",
        path: "/sources",
        request: { body: { content: { "application/json": { schema: z.object({ verification: VerificationConfig }) } } } },
        responses: { 204: { description: "ok" } },
      }),
      (c) => c.body(null, 204),
    );
    const doc = app.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "t", version: "1" } });
    const schema = JSON.stringify(doc.components?.schemas?.VerificationConfig);
    for (const type of ALL_TYPES) expect(schema).toContain(`"${type}"`);
  });
});

describe("PROVIDER_DEFAULTS", () => {
  it("has an entry for every verification type", () => {
    expect(Object.keys(PROVIDER_DEFAULTS).sort()).toEqual([...ALL_TYPES].sort());
  });

  it("names each provider's topic and dedupe fields", () => {
    expect(PROVIDER_DEFAULTS.github).toMatchObject({
      topic: [{ header: "x-github-event" }],
      dedupe: [{ header: "x-github-delivery" }],
    });
    expect(PROVIDER_DEFAULTS.shopify).toMatchObject({
      topic: [{ header: "x-shopify-topic" }],
      dedupe: [{ header: "x-shopify-webhook-id" }],
    });
    expect(PROVIDER_DEFAULTS.stripe).toMatchObject({ topic: [{ path: "type" }], dedupe: [{ path: "id" }] });
    expect(PROVIDER_DEFAULTS["standard-webhooks"]).toMatchObject({
      topic: [{ path: "type" }],
      dedupe: [{ header: "webhook-id" }, { header: "svix-id" }],
    });
    expect(PROVIDER_DEFAULTS.slack).toMatchObject({
      topic: [{ path: "event.type" }, { path: "type" }],
      dedupe: [{ path: "event_id" }],
    });
    expect(PROVIDER_DEFAULTS["whatsapp-api"]).toMatchObject({ topic: [{ path: "event" }], channel: [{ path: "sessionId" }] });
    expect(PROVIDER_DEFAULTS.hmac.topic).toEqual([{ path: "type" }, { path: "event" }]);
  });
});

describe("secretProblem", () => {
  it("refuses a standard-webhooks secret that is not whsec_ + base64, and empty secrets", () => {
    const sw = VerificationConfig.parse({ type: "standard-webhooks" });
    expect(secretProblem(sw, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).toBeNull();
    expect(secretProblem(sw, "whsec_***")).toMatch(/whsec_/);
    expect(secretProblem(sw, "whsec_")).toMatch(/whsec_/);
    expect(secretProblem({ type: "github" }, "")).toMatch(/empty/);
    expect(secretProblem({ type: "github" }, "anything")).toBeNull();
    expect(secretProblem({ type: "none" }, "")).toBeNull();
  });
});

describe("HMAC key cache", () => {
  it(`keeps at most ${MAX_CACHED_KEYS} imported keys however many secrets are seen`, async () => {
    const body = new TextEncoder().encode("{}");
    const headers = new Headers({ "x-sig": "0".repeat(64) });
    const config = VerificationConfig.parse({ type: "hmac", header: "x-sig" });
    const secrets = Array.from({ length: MAX_CACHED_KEYS + 50 }, (_, i) => `secret-${i}`);
    const result = await verify({ body, headers, secrets, config, nowMs: 0 });
    expect(result).toMatchObject({ ok: false, code: "signature_invalid" });
    expect(cachedKeyCount()).toBeLessThanOrEqual(MAX_CACHED_KEYS);
  });
});
