import { Webhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import { describe, expect, it } from "vitest";
import { verify, VerificationConfig, type VerificationConfigInput } from "../../src/ingest/verifiers";

const NOW_MS = Date.UTC(2026, 0, 15, 12, 0, 0);
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER_SECRET = "whsec_c2VjcmV0LW9mLWEtcm90YXRlZC1lbmRwb2ludA==";
const BODY = '{"type":"invoice.paid","data":{"id":"inv_1","amount":4200}}';

function run(opts: {
  headers: Record<string, string>;
  body?: string | Uint8Array;
  secrets?: string[];
  nowMs?: number;
  config?: VerificationConfigInput;
}) {
  const body = opts.body ?? BODY;
  return verify({
    body: typeof body === "string" ? new TextEncoder().encode(body) : body,
    headers: new Headers(opts.headers),
    secrets: opts.secrets ?? [SECRET],
    config: VerificationConfig.parse(opts.config ?? { type: "standard-webhooks" }),
    nowMs: opts.nowMs ?? NOW_MS,
  });
}

/** Headers as the reference library signs them, for a delivery made at `atMs`. */
function signed(atMs = NOW_MS, secret = SECRET, body = BODY, id = "msg_2mW3uSCXQ8kXdfG8c4fLxrqNbZs") {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(atMs / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, new Date(atMs), body),
  };
}

describe("standard-webhooks verifier", () => {
  it("accepts the specification's published test vector", async () => {
    const result = await run({
      headers: {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
      },
      body: '{"test": 2432232314}',
      nowMs: 1614265330_000,
    });
    expect(result).toEqual({ ok: true });
  });

  it("accepts a request signed by the standardwebhooks library", async () => {
    expect(await run({ headers: signed() })).toEqual({ ok: true });
  });

  it("accepts svix-* header names, signed by the svix library", async () => {
    const id = "msg_svix_1";
    const headers = {
      "svix-id": id,
      "svix-timestamp": String(NOW_MS / 1000),
      "svix-signature": new SvixWebhook(SECRET).sign(id, new Date(NOW_MS), BODY),
    };
    expect(await run({ headers })).toEqual({ ok: true });
  });

  it("accepts a header with several signatures when any v1 entry matches, skipping other versions", async () => {
    const good = signed()["webhook-signature"];
    const other = new Webhook(OTHER_SECRET).sign("msg_2mW3uSCXQ8kXdfG8c4fLxrqNbZs", new Date(NOW_MS), BODY);
    const headers = { ...signed(), "webhook-signature": `${other} v1a,c29tZXRoaW5nZWxzZQ== ${good}` };
    expect(await run({ headers })).toEqual({ ok: true });
  });

  it("verifies the exact raw bytes, even when they are not valid UTF-8", async () => {
    const body = new Uint8Array([0x7b, 0xff, 0xfe, 0x00, 0x80, 0x7d]);
    const id = "msg_binary";
    const ts = String(NOW_MS / 1000);
    const key = await crypto.subtle.importKey(
      "raw",
      Uint8Array.from(atob(SECRET.slice(6)), (c) => c.charCodeAt(0)),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const head = new TextEncoder().encode(`${id}.${ts}.`);
    const content = new Uint8Array([...head, ...body]);
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, content));
    const signature = `v1,${btoa(String.fromCharCode(...mac))}`;
    const headers = { "webhook-id": id, "webhook-timestamp": ts, "webhook-signature": signature };
    expect(await run({ headers, body })).toEqual({ ok: true });
  });

  it("rejects a signature made with another secret", async () => {
    const result = await run({ headers: signed(NOW_MS, OTHER_SECRET) });
    expect(result).toMatchObject({ ok: false, code: "signature_invalid" });
  });

  it("rejects a tampered body", async () => {
    const result = await run({ headers: signed(), body: BODY.replace("4200", "1") });
    expect(result).toMatchObject({ ok: false, code: "signature_invalid" });
  });

  it("rejects a tampered webhook-id, since the id is part of the signed content", async () => {
    const result = await run({ headers: { ...signed(), "webhook-id": "msg_other" } });
    expect(result).toMatchObject({ ok: false, code: "signature_invalid" });
  });

  it("rejects a timestamp more than 5 minutes in the past, and accepts one exactly 5 minutes old", async () => {
    expect(await run({ headers: signed(NOW_MS - 301_000) })).toMatchObject({ ok: false, code: "timestamp_stale" });
    expect(await run({ headers: signed(NOW_MS - 300_000) })).toEqual({ ok: true });
  });

  it("rejects a timestamp more than 5 minutes in the future, and accepts one exactly 5 minutes ahead", async () => {
    const result = await run({ headers: signed(NOW_MS + 301_000) });
    expect(result).toMatchObject({ ok: false, code: "timestamp_stale" });
    if (!result.ok) expect(result.message).toContain("in the future");
    expect(await run({ headers: signed(NOW_MS + 300_000) })).toEqual({ ok: true });
  });

  it("honours a configured toleranceSeconds", async () => {
    const config = { type: "standard-webhooks", toleranceSeconds: 60 } as const;
    expect(await run({ headers: signed(NOW_MS - 61_000), config })).toMatchObject({ code: "timestamp_stale" });
    expect(await run({ headers: signed(NOW_MS - 59_000), config })).toEqual({ ok: true });
  });

  it("reports a missing signature header by name", async () => {
    const { "webhook-signature": _, ...rest } = signed();
    const result = await run({ headers: rest });
    expect(result).toMatchObject({ ok: false, code: "signature_missing" });
    if (!result.ok) expect(result.message).toContain("webhook-signature");
  });

  it("reports signature_missing when no headers at all are sent", async () => {
    expect(await run({ headers: {} })).toMatchObject({ ok: false, code: "signature_missing" });
  });

  it("rejects a malformed signature header, saying which format is expected", async () => {
    const result = await run({ headers: { ...signed(), "webhook-signature": "sha256=abcdef" } });
    expect(result).toMatchObject({ ok: false, code: "signature_invalid" });
    if (!result.ok) expect(result.message).toContain("v1,<base64");
  });

  it("rejects a timestamp that is not unix seconds", async () => {
    const result = await run({ headers: { ...signed(), "webhook-timestamp": "2026-01-15T12:00:00Z" } });
    expect(result).toMatchObject({ ok: false, code: "signature_invalid" });
  });

  it("accepts a rotated secret list where the second secret matches", async () => {
    expect(await run({ headers: signed(), secrets: [OTHER_SECRET, SECRET] })).toEqual({ ok: true });
  });

  it("skips a secret that is not valid base64 and still tries the others", async () => {
    expect(await run({ headers: signed(), secrets: ["whsec_!!!not-base64!!!", SECRET] })).toEqual({ ok: true });
    expect(await run({ headers: signed(), secrets: ["whsec_!!!not-base64!!!"] })).toMatchObject({
      code: "signature_invalid",
    });
  });
});
