import { describe, expect, it } from "vitest";
import { verify, VerificationConfig, type VerificationConfigInput } from "../../src/ingest/verifiers";

// Schemes with a shared credential instead of a signature: `basic`, `api-key`, and `none`.
const NOW_MS = Date.UTC(2026, 0, 15, 12, 0, 0);
const BODY = '{"type":"lead.created","id":"evt_9"}';

function run(config: VerificationConfigInput, headers: Record<string, string>, secrets: string[]) {
  return verify({
    body: new TextEncoder().encode(BODY),
    headers: new Headers(headers),
    secrets,
    config: VerificationConfig.parse(config),
    nowMs: NOW_MS,
  });
}

const basicHeader = (user: string, pass: string) => `Basic ${btoa(`${user}:${pass}`)}`;

describe("basic verifier", () => {
  const config = { type: "basic", username: "crm" } as const;

  it("accepts the right username and password", async () => {
    expect(await run(config, { Authorization: basicHeader("crm", "p@ss:word") }, ["p@ss:word"])).toEqual({ ok: true });
  });

  it("accepts a lower-case scheme name", async () => {
    expect(await run(config, { Authorization: `basic ${btoa("crm:pw")}` }, ["pw"])).toEqual({ ok: true });
  });

  it("rejects a wrong password and a wrong username", async () => {
    expect(await run(config, { Authorization: basicHeader("crm", "nope") }, ["pw"])).toMatchObject({
      ok: false,
      code: "signature_invalid",
    });
    expect(await run(config, { Authorization: basicHeader("admin", "pw") }, ["pw"])).toMatchObject({
      ok: false,
      code: "signature_invalid",
    });
  });

  it("reports a missing Authorization header", async () => {
    expect(await run(config, {}, ["pw"])).toMatchObject({ ok: false, code: "signature_missing" });
  });

  it("rejects malformed credentials, saying which format is expected", async () => {
    for (const value of ["Bearer abc", "Basic !!!", `Basic ${btoa("no-colon")}`, "Basic"]) {
      const result = await run(config, { Authorization: value }, ["pw"]);
      expect(result, value).toMatchObject({ ok: false, code: "signature_invalid" });
      if (!result.ok) expect(result.message).toContain("Basic <base64 of username:password>");
    }
  });

  it("accepts a rotated password list where the second password matches", async () => {
    expect(await run(config, { Authorization: basicHeader("crm", "new") }, ["old", "new"])).toEqual({ ok: true });
  });

  it("refuses a username containing a colon in the configuration", () => {
    expect(VerificationConfig.safeParse({ type: "basic", username: "a:b" }).success).toBe(false);
  });
});

describe("api-key verifier", () => {
  const config = { type: "api-key", header: "x-api-key" } as const;

  it("accepts the right key", async () => {
    expect(await run(config, { "X-Api-Key": "key_live_123" }, ["key_live_123"])).toEqual({ ok: true });
  });

  it("accepts a key after a configured prefix such as Bearer", async () => {
    const bearer = { type: "api-key", header: "authorization", prefix: "Bearer " } as const;
    expect(await run(bearer, { Authorization: "Bearer key_live_123" }, ["key_live_123"])).toEqual({ ok: true });
    const result = await run(bearer, { Authorization: "key_live_123" }, ["key_live_123"]);
    expect(result).toMatchObject({ ok: false, code: "signature_invalid" });
    if (!result.ok) expect(result.message).toContain("Bearer <key>");
  });

  it("rejects a wrong key, including a prefix of the right one", async () => {
    expect(await run(config, { "x-api-key": "key_live_12" }, ["key_live_123"])).toMatchObject({
      ok: false,
      code: "signature_invalid",
    });
  });

  it("reports a missing key header by name", async () => {
    const result = await run(config, { authorization: "key_live_123" }, ["key_live_123"]);
    expect(result).toMatchObject({ ok: false, code: "signature_missing" });
    if (!result.ok) expect(result.message).toContain("x-api-key");
  });

  it("accepts a rotated key list where the second key matches", async () => {
    expect(await run(config, { "x-api-key": "key_new" }, ["key_old", "key_new"])).toEqual({ ok: true });
  });
});

describe("none verifier", () => {
  it("accepts any request, with no headers and no secrets", async () => {
    expect(await run({ type: "none" }, {}, [])).toEqual({ ok: true });
  });
});
