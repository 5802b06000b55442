import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { verify, VerificationConfig } from "../../src/ingest/verifiers";

// Stripe's SDK runs in workerd (it resolves to its `workerd` build), so its own test helper signs.
const stripe = new Stripe("sk_test_unused");
const NOW_MS = Date.UTC(2026, 0, 15, 12, 0, 0);
const SECRET = "whsec_test_5f2b9c0e8d7a6b5c4d3e2f1a0b9c8d7e";
const OTHER_SECRET = "whsec_test_rotated_0123456789abcdef0123456789";
const BODY = JSON.stringify({ id: "evt_1NG8Du2eZvKYlo2CUI79vXWy", object: "event", type: "payment_intent.succeeded" }, null, 2);

const header = (opts: { atMs?: number; secret?: string; payload?: string } = {}) =>
  stripe.webhooks.generateTestHeaderStringAsync({
    payload: opts.payload ?? BODY,
    secret: opts.secret ?? SECRET,
    timestamp: Math.floor((opts.atMs ?? NOW_MS) / 1000),
  });

function run(headers: Record<string, string>, opts: { body?: string; secrets?: string[]; nowMs?: number } = {}) {
  return verify({
    body: new TextEncoder().encode(opts.body ?? BODY),
    headers: new Headers(headers),
    secrets: opts.secrets ?? [SECRET],
    config: VerificationConfig.parse({ type: "stripe" }),
    nowMs: opts.nowMs ?? NOW_MS,
  });
}

describe("stripe verifier", () => {
  it("accepts a Stripe-Signature made by stripe's generateTestHeaderStringAsync", async () => {
    expect(await run({ "stripe-signature": await header() })).toEqual({ ok: true });
  });

  it("accepts an independently computed vector (openssl dgst -sha256 -hmac)", async () => {
    // printf '1700000000.{}' | openssl dgst -sha256 -hmac whsec_abc
    const sig = "t=1700000000,v1=bad9ac117e973d721c232d46744158d75e3f1b44e36771e13d01b9e6a580bc72";
    expect(await run({ "Stripe-Signature": sig }, { body: "{}", secrets: ["whsec_abc"], nowMs: 1700000000_000 })).toEqual({
      ok: true,
    });
  });

  it("accepts several v1 entries (Stripe rolling a secret) when any one matches, ignoring v0", async () => {
    const good = (await header()).split(",").find((p) => p.startsWith("v1="))!;
    const old = (await header({ secret: OTHER_SECRET })).split(",").find((p) => p.startsWith("v1="))!;
    const sig = `t=${NOW_MS / 1000},${old},v0=${"0".repeat(64)},${good}`;
    expect(await run({ "stripe-signature": sig })).toEqual({ ok: true });
  });

  it("rejects a signature made with another secret", async () => {
    expect(await run({ "stripe-signature": await header({ secret: OTHER_SECRET }) })).toMatchObject({
      ok: false,
      code: "signature_invalid",
    });
  });

  it("rejects a tampered body", async () => {
    const result = await run({ "stripe-signature": await header() }, { body: BODY.replace("succeeded", "canceled") });
    expect(result).toMatchObject({ ok: false, code: "signature_invalid" });
  });

  it("rejects a t= changed after signing, since t is part of the signed content", async () => {
    const sig = (await header()).replace(/^t=\d+/, `t=${NOW_MS / 1000 + 1}`);
    expect(await run({ "stripe-signature": sig })).toMatchObject({ ok: false, code: "signature_invalid" });
  });

  it("rejects a timestamp more than 5 minutes old", async () => {
    expect(await run({ "stripe-signature": await header({ atMs: NOW_MS - 301_000 }) })).toMatchObject({
      ok: false,
      code: "timestamp_stale",
    });
    expect(await run({ "stripe-signature": await header({ atMs: NOW_MS - 299_000 }) })).toEqual({ ok: true });
  });

  it("rejects a timestamp more than 5 minutes in the future", async () => {
    expect(await run({ "stripe-signature": await header({ atMs: NOW_MS + 301_000 }) })).toMatchObject({
      ok: false,
      code: "timestamp_stale",
    });
  });

  it("reports a missing Stripe-Signature header", async () => {
    const result = await run({ "content-type": "application/json" });
    expect(result).toMatchObject({ ok: false, code: "signature_missing" });
    if (!result.ok) expect(result.message).toContain("Stripe-Signature");
  });

  it.each([
    ["no t=", `v1=${"a".repeat(64)}`],
    ["no v1=", `t=${NOW_MS / 1000}`],
    ["a v1 that is not hex", `t=${NOW_MS / 1000},v1=zz${"a".repeat(62)}`],
    ["a non-numeric t", `t=yesterday,v1=${"a".repeat(64)}`],
    ["no key=value pairs", "garbage"],
  ])("rejects a malformed header (%s), saying which format is expected", async (_: string, sig: string) => {
    const result = await run({ "stripe-signature": sig });
    expect(result).toMatchObject({ ok: false, code: "signature_invalid" });
    if (!result.ok) expect(result.message).toContain("t=<unix seconds>,v1=");
  });

  it("accepts a rotated secret list where the second secret matches", async () => {
    expect(await run({ "stripe-signature": await header() }, { secrets: [OTHER_SECRET, SECRET] })).toEqual({ ok: true });
  });
});
