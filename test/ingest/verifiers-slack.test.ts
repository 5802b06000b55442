import { describe, expect, it } from "vitest";
import { verify, VerificationConfig, type VerificationConfigInput } from "../../src/ingest/verifiers";

// Slack publishes no signing library for JS runtimes other than its Bolt framework, so requests are
// signed here with Web Crypto directly, and checked against the example in Slack's documentation.
const NOW_MS = Date.UTC(2026, 0, 15, 12, 0, 0);
const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const OTHER_SECRET = "0000aaaa1111bbbb2222cccc3333dddd";
const EVENT = JSON.stringify({
  token: "Jhj5dZrVaK7ZwHHjRyZWjbDl",
  team_id: "T061EG9RZ",
  event: { type: "app_mention", user: "U061F7AUR", text: "<@U0LAN0Z89> hi", channel: "C0LAN2Q65" },
  type: "event_callback",
  event_id: "Ev0LAN670R",
  event_time: 1515449522,
});

async function slackHeaders(body: string, atMs = NOW_MS, secret = SECRET): Promise<Record<string, string>> {
  const ts = String(Math.floor(atMs / 1000));
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`v0:${ts}:${body}`)));
  const hex = Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
  return { "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": `v0=${hex}` };
}

function run(
  headers: Record<string, string>,
  opts: { body?: string; secrets?: string[]; nowMs?: number; config?: VerificationConfigInput } = {},
) {
  return verify({
    body: new TextEncoder().encode(opts.body ?? EVENT),
    headers: new Headers(headers),
    secrets: opts.secrets ?? [SECRET],
    config: VerificationConfig.parse(opts.config ?? { type: "slack" }),
    nowMs: opts.nowMs ?? NOW_MS,
  });
}

describe("slack verifier", () => {
  it("accepts the example request from Slack's documentation", async () => {
    const body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const headers = {
      "X-Slack-Request-Timestamp": "1531420618",
      "X-Slack-Signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    };
    expect(await run(headers, { body, nowMs: 1531420618_000 })).toEqual({ ok: true });
  });

  it("accepts a signed Events API request, with no challenge", async () => {
    expect(await run(await slackHeaders(EVENT))).toEqual({ ok: true });
  });

  it("answers a signed url_verification request with its challenge as JSON", async () => {
    const body = JSON.stringify({ token: "t", challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", type: "url_verification" });
    const result = await run(await slackHeaders(body), { body });
    expect(result.ok).toBe(true);
    if (!result.ok || !result.challenge) throw new Error("expected a challenge response");
    expect(result.challenge.status).toBe(200);
    expect(result.challenge.headers.get("content-type")).toBe("application/json");
    expect(await result.challenge.json()).toEqual({ challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" });
  });

  it("does not answer a url_verification request whose signature is wrong", async () => {
    const body = JSON.stringify({ token: "t", challenge: "abc", type: "url_verification" });
    const result = await run(await slackHeaders(body, NOW_MS, OTHER_SECRET), { body });
    expect(result).toMatchObject({ ok: false, code: "signature_invalid" });
    expect(result).not.toHaveProperty("challenge");
  });

  it("rejects a signature made with another secret", async () => {
    expect(await run(await slackHeaders(EVENT, NOW_MS, OTHER_SECRET))).toMatchObject({ ok: false, code: "signature_invalid" });
  });

  it("rejects a tampered body", async () => {
    const result = await run(await slackHeaders(EVENT), { body: EVENT.replace("hi", "bye") });
    expect(result).toMatchObject({ ok: false, code: "signature_invalid" });
  });

  it("rejects a timestamp more than 5 minutes old or ahead", async () => {
    expect(await run(await slackHeaders(EVENT, NOW_MS - 301_000))).toMatchObject({ ok: false, code: "timestamp_stale" });
    expect(await run(await slackHeaders(EVENT, NOW_MS + 301_000))).toMatchObject({ ok: false, code: "timestamp_stale" });
    expect(await run(await slackHeaders(EVENT, NOW_MS - 300_000))).toEqual({ ok: true });
  });

  it("reports each missing header by name", async () => {
    const headers = await slackHeaders(EVENT);
    const noSig = await run({ "X-Slack-Request-Timestamp": headers["X-Slack-Request-Timestamp"]! });
    expect(noSig).toMatchObject({ ok: false, code: "signature_missing" });
    if (!noSig.ok) expect(noSig.message).toContain("X-Slack-Signature");
    const noTs = await run({ "X-Slack-Signature": headers["X-Slack-Signature"]! });
    expect(noTs).toMatchObject({ ok: false, code: "signature_missing" });
    if (!noTs.ok) expect(noTs.message).toContain("X-Slack-Request-Timestamp");
  });

  it("rejects a malformed signature, saying which format is expected", async () => {
    const headers = { ...(await slackHeaders(EVENT)), "X-Slack-Signature": "v1=deadbeef" };
    const result = await run(headers);
    expect(result).toMatchObject({ ok: false, code: "signature_invalid" });
    if (!result.ok) expect(result.message).toContain("v0=<hex");
  });

  it("accepts a rotated secret list where the second secret matches", async () => {
    expect(await run(await slackHeaders(EVENT), { secrets: [OTHER_SECRET, SECRET] })).toEqual({ ok: true });
  });
});
