import { sign as githubSign } from "@octokit/webhooks-methods";
import { describe, expect, it } from "vitest";
import { verify, VerificationConfig, type VerificationConfigInput } from "../../src/ingest/verifiers";

// GitHub, Shopify, the seed presets and generic `hmac`: one header, an HMAC of the raw body, no
// timestamp (so no stale/future cases). Fixed vectors were computed outside the code under test
// with `openssl dgst -hmac`, or come from the provider's documentation.

const NOW_MS = Date.UTC(2026, 0, 15, 12, 0, 0);

function run(config: VerificationConfigInput, headers: Record<string, string>, body: string, secrets: string[]) {
  return verify({
    body: new TextEncoder().encode(body),
    headers: new Headers(headers),
    secrets,
    config: VerificationConfig.parse(config),
    nowMs: NOW_MS,
  });
}

/** The cases every plain-HMAC scheme must pass, from one valid (header, body, secret). */
function commonCases(c: {
  config: VerificationConfigInput;
  header: string;
  /** The signature header's value, or a library call that makes it. */
  value: string | (() => Promise<string>);
  body: string;
  secret: string;
  malformed: string[];
  expected: string;
}) {
  const other = "not-the-right-secret";
  const value = async () => (typeof c.value === "string" ? c.value : c.value());
  const headers = async () => ({ [c.header]: await value() });

  it("accepts a valid signature", async () => {
    expect(await run(c.config, await headers(), c.body, [c.secret])).toEqual({ ok: true });
  });

  it("rejects a signature checked with another secret", async () => {
    expect(await run(c.config, await headers(), c.body, [other])).toMatchObject({ ok: false, code: "signature_invalid" });
  });

  it("rejects a tampered body", async () => {
    expect(await run(c.config, await headers(), `${c.body} `, [c.secret])).toMatchObject({
      ok: false,
      code: "signature_invalid",
    });
  });

  it("reports a missing signature header by name", async () => {
    const result = await run(c.config, { "content-type": "application/json" }, c.body, [c.secret]);
    expect(result).toMatchObject({ ok: false, code: "signature_missing" });
    if (!result.ok) expect(result.message.toLowerCase()).toContain(c.header.toLowerCase());
  });

  it("rejects malformed headers, saying which format is expected", async () => {
    for (const value of c.malformed) {
      const result = await run(c.config, { [c.header]: value }, c.body, [c.secret]);
      expect(result, value).toMatchObject({ ok: false, code: "signature_invalid" });
      if (!result.ok) expect(result.message).toContain(c.expected);
    }
  });

  it("accepts a rotated secret list where the second secret matches", async () => {
    expect(await run(c.config, await headers(), c.body, [other, c.secret])).toEqual({ ok: true });
  });

  it("accepts the header name in any case", async () => {
    expect(await run(c.config, { [c.header.toUpperCase()]: await value() }, c.body, [c.secret])).toEqual({ ok: true });
  });
}

describe("github verifier", () => {
  const body = JSON.stringify({ action: "opened", issue: { number: 1347, title: "Found a bug" } });
  const secret = "gh-webhook-secret";

  commonCases({
    config: { type: "github" },
    header: "X-Hub-Signature-256",
    value: () => githubSign(secret, body),
    body,
    secret,
    malformed: [`sha1=${"a".repeat(40)}`, "a".repeat(64), "sha256=xyz", `sha256=${"a".repeat(63)}`],
    expected: "X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>",
  });

  it("accepts the example from GitHub's documentation", async () => {
    const headers = { "X-Hub-Signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17" };
    expect(await run({ type: "github" }, headers, "Hello, World!", ["It's a Secret to Everybody"])).toEqual({ ok: true });
  });

  it("does not fall back to the legacy SHA-1 X-Hub-Signature header", async () => {
    const result = await run({ type: "github" }, { "X-Hub-Signature": "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59" }, "Hello, World!", [
      "It's a Secret to Everybody",
    ]);
    expect(result).toMatchObject({ ok: false, code: "signature_missing" });
  });
});

describe("shopify verifier", () => {
  // printf '%s' "$body" | openssl dgst -sha256 -hmac shpss_test_secret -binary | base64
  const body = '{"id":820982911946154508,"email":"jon@example.com","topic":"orders/create"}';
  commonCases({
    config: { type: "shopify" },
    header: "X-Shopify-Hmac-SHA256",
    value: "sTt9RaOhi2L8h63HdzGr3K+oErwk988IFB3KhRdvUIU=",
    body,
    secret: "shpss_test_secret",
    malformed: ["sha256=sTt9RaOhi2L8h63HdzGr3K+oErwk988IFB3KhRdvUIU=", "sTt9RaOhi2L8h63HdzGr3K+oErwk988IFB3KhRdv", "!!!!"],
    expected: "X-Shopify-Hmac-SHA256: <base64 HMAC-SHA256 of the body>",
  });
});

describe("vobiz preset", () => {
  // printf '%s' "$body" | openssl dgst -sha256 -hmac vobiz_test_secret
  const body = '{"event":"message.received","id":"evt_1","data":{"from":"+15550001111","text":"hi"}}';
  commonCases({
    config: { type: "vobiz" },
    header: "X-Vobiz-Signature",
    value: "15311271c091fa92cabbf825994ae3db6edcd35866376945666bb8d2977f21e1",
    body,
    secret: "vobiz_test_secret",
    malformed: ["sha256=15311271c091fa92cabbf825994ae3db6edcd35866376945666bb8d2977f21e1", "15311271c0"],
    expected: "X-Vobiz-Signature: <hex HMAC-SHA256 of the body>",
  });

  it("accepts an upper-case hex digest", async () => {
    const headers = { "X-Vobiz-Signature": "15311271C091FA92CABBF825994AE3DB6EDCD35866376945666BB8D2977F21E1" };
    expect(await run({ type: "vobiz" }, headers, body, ["vobiz_test_secret"])).toEqual({ ok: true });
  });
});

describe("whatsapp-api preset", () => {
  // Seed 004's message.received example; printf '%s' "$body" | openssl dgst -sha256 -hmac my-webhook-secret
  const body =
    '{"event":"message.received","sessionId":"5bc99cea8975b95fe7077c64a3312145","messageId":"msg_1234567890","type":"text","text":"Hello! How can I help you?"}';
  commonCases({
    config: { type: "whatsapp-api" },
    header: "X-Webhook-Signature",
    value: "sha256=01936b9a5ec2853a1162fb9d0d38988980e0e75c784015f653ed4f032005b825",
    body,
    secret: "my-webhook-secret",
    malformed: ["01936b9a5ec2853a1162fb9d0d38988980e0e75c784015f653ed4f032005b825", "sha256="],
    expected: "X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the body>",
  });
});

describe("generic hmac", () => {
  describe("sha1, base64, no prefix", () => {
    // printf hello | openssl dgst -sha1 -hmac s3cret -binary | base64
    commonCases({
      config: { type: "hmac", header: "X-Signature", encoding: "base64", algorithm: "sha1" },
      header: "X-Signature",
      value: "+HWtFl2Xq6a2jiwvfqMUrrKgCC8=",
      body: "hello",
      secret: "s3cret",
      // A SHA-256-sized digest is the wrong length for SHA-1.
      malformed: ["sTt9RaOhi2L8h63HdzGr3K+oErwk988IFB3KhRdvUIU=", "f875ad165d97aba6b68e2c2f7ea314aeb2a0082f!"],
      expected: "X-Signature: <base64 HMAC-SHA1 of the body>",
    });

    it("accepts URL-safe base64 without padding", async () => {
      const config = { type: "hmac", header: "X-Signature", encoding: "base64", algorithm: "sha1" } as const;
      expect(await run(config, { "X-Signature": "-HWtFl2Xq6a2jiwvfqMUrrKgCC8" }, "hello", ["s3cret"])).toEqual({ ok: true });
    });
  });

  describe("sha1, hex, with a prefix", () => {
    // printf hello | openssl dgst -sha1 -hmac s3cret
    commonCases({
      config: { type: "hmac", header: "X-Hook-Sig", prefix: "sha1=", algorithm: "sha1" },
      header: "X-Hook-Sig",
      value: "sha1=f875ad165d97aba6b68e2c2f7ea314aeb2a0082f",
      body: "hello",
      secret: "s3cret",
      malformed: ["f875ad165d97aba6b68e2c2f7ea314aeb2a0082f", "sha256=f875ad165d97aba6b68e2c2f7ea314aeb2a0082f"],
      expected: "X-Hook-Sig: sha1=<hex HMAC-SHA1 of the body>",
    });
  });

  it("defaults to hex HMAC-SHA256 with no prefix", async () => {
    const config = VerificationConfig.parse({ type: "hmac", header: "X-Sig" });
    expect(config).toEqual({ type: "hmac", header: "X-Sig", encoding: "hex", algorithm: "sha256" });
    const value = "143ca8d517ba1b181025d732b1cf275d90104fca57bb02a565542978aa18c4b6"; // HMAC-SHA256("s", "{}")
    expect(await run(config, { "X-Sig": value }, "{}", ["s"])).toEqual({ ok: true });
  });
});
