import { sign as githubSign } from "@octokit/webhooks-methods";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { call, newAccount } from "../support/http";
import { createSource, eventsOf, hmacBase64, hmacHex, postIn, sleep } from "./helpers";

const GITHUB_SECRET = "It's a Secret to Everybody";
const WHATSAPP_SECRET = "your_webhook_secret_key";
const SESSION_ID = "5bc99cea8975b95fe7077c64a3312145";

// Seed 004's message.received example, as the provider sends it.
const WHATSAPP_BODY = JSON.stringify({
  event: "message.received",
  sessionId: SESSION_ID,
  messageId: "msg_1234567890",
  timestamp: "2024-01-01T12:00:00.000Z",
  from: "1234567890",
  to: "me",
  type: "text",
  text: "Hello! How can I help you?",
  contact: { name: "John Doe", profilePicture: "https://example.com/avatar.jpg" },
});

/** Signs the way seed 004's docs do: `sha256=` + hex HMAC-SHA256 of the raw body. */
const whatsappHeaders = async (body: string, secret = WHATSAPP_SECRET) => ({
  "content-type": "application/json",
  "X-Webhook-Signature": `sha256=${await hmacHex(secret, body)}`,
});

const githubHeaders = async (body: string, delivery: string, event = "push", secret = GITHUB_SECRET) => ({
  "content-type": "application/json",
  "X-GitHub-Event": event,
  "X-GitHub-Delivery": delivery,
  "X-Hub-Signature-256": await githubSign(secret, body),
});

async function whatsappSource(extra: Record<string, unknown> = {}) {
  const acct = await newAccount();
  const source = await createSource(acct, { name: "WhatsApp API", verification: { type: "whatsapp-api" }, secret: WHATSAPP_SECRET, ...extra });
  return { acct, source };
}

describe("POST /in/{sourceId}: accepted requests", () => {
  it("accepts seed 004's X-Webhook-Signature: sha256=<hex> and stores the exact bytes, topic and session channel", async () => {
    const { acct, source } = await whatsappSource();
    const res = await postIn(source.id, WHATSAPP_BODY, await whatsappHeaders(WHATSAPP_BODY));
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({ id: expect.stringMatching(/^evt_/) });

    const [event, ...rest] = await eventsOf(source.id);
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      id: res.json.id,
      account_id: acct.id,
      topic: "message.received",
      channel: SESSION_ID,
      source_id: source.id,
      dedupe_key: null,
      content_type: "application/json",
      payload: WHATSAPP_BODY,
      headers: null,
    });

    // The event is listed by the events API with its source.
    const listed = await call("GET", `/api/events?sourceId=${source.id}`, { key: acct.key });
    expect(listed.status).toBe(200);
    expect(listed.json.data).toEqual([expect.objectContaining({ id: res.json.id, sourceId: source.id, topic: "message.received", channel: SESSION_ID })]);
  });

  it("accepts the Vobiz preset (X-Vobiz-Signature: hex HMAC-SHA256)", async () => {
    const acct = await newAccount();
    const source = await createSource(acct, { name: "Vobiz", verification: { type: "vobiz" }, secret: "vobiz-secret-key" });
    const body = '{"event":"message.delivered","messageId":"wamid.123","to":"56912345678"}';
    const res = await postIn(source.id, body, { "content-type": "application/json", "X-Vobiz-Signature": await hmacHex("vobiz-secret-key", body) });
    expect(res.status, res.text).toBe(200);
    expect((await eventsOf(source.id))[0]).toMatchObject({ topic: "message.delivered", payload: body });
  });

  it("stores a GitHub delivery sent twice once, answering duplicate:true with the first id", async () => {
    const acct = await newAccount();
    const source = await createSource(acct, { name: "GitHub", verification: { type: "github" }, secret: GITHUB_SECRET, forwardHeaders: ["X-GitHub-Event", "X-GitHub-Delivery"] });
    const body = '{"ref":"refs/heads/main","repository":{"full_name":"acme/app"}}';
    const headers = await githubHeaders(body, "72d3162e-cc78-11e3-81ab-4c9367dc0958");

    const first = await postIn(source.id, body, headers);
    expect(first.status, first.text).toBe(200);
    expect(first.json).toEqual({ id: expect.any(String) });
    const second = await postIn(source.id, body, headers);
    expect(second.status).toBe(200);
    expect(second.json).toEqual({ id: first.json.id, duplicate: true });

    const events = await eventsOf(source.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ topic: "push", dedupe_key: "72d3162e-cc78-11e3-81ab-4c9367dc0958" });
    expect(JSON.parse(events[0]!.headers!)).toEqual({ "x-github-event": "push", "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958" });

    // Another delivery id is another event.
    const third = await postIn(source.id, body, await githubHeaders(body, "another-delivery"));
    expect(third.json.duplicate).toBeUndefined();
    expect(await eventsOf(source.id)).toHaveLength(2);
  });

  it("does not dedupe across sources: the same provider id on two sources is two events", async () => {
    const acct = await newAccount();
    const a = await createSource(acct, { name: "a", verification: { type: "github" }, secret: GITHUB_SECRET });
    const b = await createSource(acct, { name: "b", verification: { type: "github" }, secret: GITHUB_SECRET });
    const body = "{}";
    const headers = await githubHeaders(body, "same-delivery");
    expect((await postIn(a.id, body, headers)).json.duplicate).toBeUndefined();
    expect((await postIn(b.id, body, headers)).json.duplicate).toBeUndefined();
  });

  it("extracts topic, channel and dedupe id from JSON paths and headers as configured", async () => {
    const acct = await newAccount();
    const source = await createSource(acct, {
      name: "custom",
      verification: { type: "hmac", header: "X-Sig", encoding: "base64" },
      secret: "custom-secret",
      topic: [{ path: "meta.kind" }, { header: "x-event-name" }],
      channel: { path: "data.accounts.1.id" },
      dedupe: { header: "X-Request-Id" },
      forwardHeaders: ["x-tenant"],
    });
    const body = JSON.stringify({ meta: { kind: "invoice.paid" }, data: { accounts: [{ id: "a0" }, { id: 42 }] } });
    const sig = { "X-Sig": await hmacBase64("custom-secret", body) };
    const res = await postIn(source.id, body, { ...sig, "content-type": "application/json", "x-request-id": "req-1", "x-tenant": "acme" });
    expect(res.status, res.text).toBe(200);

    // The second rule applies when the first path is absent.
    const body2 = JSON.stringify({ data: {} });
    await postIn(source.id, body2, { "X-Sig": await hmacBase64("custom-secret", body2), "x-event-name": "ping", "x-request-id": "req-2" });

    const events = await eventsOf(source.id);
    expect(events.map((e) => [e.topic, e.channel, e.dedupe_key])).toEqual([
      ["invoice.paid", "42", "req-1"],
      ["ping", null, "req-2"],
    ]);
    expect(JSON.parse(events[0]!.headers!)).toEqual({ "x-tenant": "acme" });
    expect(events[1]!.headers).toBeNull();
  });

  it("uses type, then event, then <source name>.event when no rule is set", async () => {
    const acct = await newAccount();
    const source = await createSource(acct, { name: "Billing (prod)", verification: { type: "none" } });
    await postIn(source.id, '{"type":"a.b","event":"ignored"}', { "content-type": "application/json" });
    await postIn(source.id, '{"event":"c.d"}', { "content-type": "application/json" });
    await postIn(source.id, '{"something":"else"}', { "content-type": "application/json" });
    await postIn(source.id, '{"type":{"not":"a string"}}', { "content-type": "application/json" });
    expect((await eventsOf(source.id)).map((e) => e.topic)).toEqual(["a.b", "c.d", "billing-prod.event", "billing-prod.event"]);
  });

  it("rewrites provider names outside the topic alphabet and keeps providers out of hookrelay's own topics", async () => {
    const acct = await newAccount();
    const source = await createSource(acct, { name: "partner", verification: { type: "none" } });
    await postIn(source.id, '{"type":"Message Received!"}', { "content-type": "application/json" });
    await postIn(source.id, '{"type":"webhook.disabled"}', { "content-type": "application/json" });
    await postIn(source.id, '{"type":"orders/create"}', { "content-type": "application/json" });
    expect((await eventsOf(source.id)).map((e) => e.topic)).toEqual(["Message_Received", "partner.webhook.disabled", "orders/create"]);
  });

  it("relays a form-encoded body with a fixed topic, reading fields by name", async () => {
    const acct = await newAccount();
    const source = await createSource(acct, {
      name: "forms",
      verification: { type: "api-key", header: "X-Api-Key" },
      topic: { value: "form.submitted" },
      channel: { path: "team_id" },
      dedupe: { path: "payload.id" },
    });
    const body = `team_id=T123&text=hello+world&payload=${encodeURIComponent('{"id":"p-1"}')}`;
    const res = await postIn(source.id, body, { "content-type": "application/x-www-form-urlencoded", "x-api-key": source.secret! });
    expect(res.status, res.text).toBe(200);
    expect((await eventsOf(source.id))[0]).toMatchObject({
      topic: "form.submitted",
      channel: "T123",
      dedupe_key: "p-1",
      content_type: "application/x-www-form-urlencoded",
      payload: body,
    });
  });

  it("relays a plain-text body with the topic from a header", async () => {
    const acct = await newAccount();
    const source = await createSource(acct, { name: "text", verification: { type: "basic", username: "sender" }, topic: { header: "x-kind" } });
    const body = "line one\nline two — ünïcödé ✓";
    const res = await postIn(source.id, body, {
      "content-type": "text/plain; charset=utf-8",
      "x-kind": "log.line",
      authorization: `Basic ${btoa(`sender:${source.secret}`)}`,
    });
    expect(res.status, res.text).toBe(200);
    expect((await eventsOf(source.id))[0]).toMatchObject({ topic: "log.line", payload: body, content_type: "text/plain; charset=utf-8" });
  });

  it("keeps a leading byte-order mark in the stored body and still reads its JSON", async () => {
    const acct = await newAccount();
    const source = await createSource(acct, { name: "bom", verification: { type: "none" } });
    const body = '\uFEFF{"type":"with.bom"}';
    expect((await postIn(source.id, body, { "content-type": "application/json" })).status).toBe(200);
    const [event] = await eventsOf(source.id);
    expect(event!.payload).toBe(body);
    expect(event!.topic).toBe("with.bom");
  });

  it("records application/octet-stream when the provider sends no content type", async () => {
    const acct = await newAccount();
    const source = await createSource(acct, { name: "raw", verification: { type: "none" }, topic: { value: "raw.thing" } });
    await postIn(source.id, new TextEncoder().encode("abc"));
    expect((await eventsOf(source.id))[0]).toMatchObject({ content_type: "application/octet-stream", payload: "abc" });
  });

  it("accepts a Standard Webhooks sender and dedupes on webhook-id", async () => {
    const acct = await newAccount();
    const source = await createSource(acct, { name: "sw", verification: { type: "standard-webhooks" } });
    const body = '{"type":"user.created","data":{"id":"u_1"}}';
    const msgId = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
    const headers = {
      "content-type": "application/json",
      "webhook-id": msgId,
      "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
      "webhook-signature": new StandardWebhook(source.secret!).sign(msgId, new Date(), body),
    };
    expect((await postIn(source.id, body, headers)).status).toBe(200);
    expect((await postIn(source.id, body, headers)).json.duplicate).toBe(true);
    expect((await eventsOf(source.id)).map((e) => [e.topic, e.dedupe_key])).toEqual([["user.created", msgId]]);
  });

  it("accepts Stripe's t=…,v1=… signature and dedupes on the event id", async () => {
    const acct = await newAccount();
    const secret = "whsec_test_stripe_secret";
    const source = await createSource(acct, { name: "stripe", verification: { type: "stripe" }, secret });
    const body = '{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","type":"payment_intent.succeeded","data":{"object":{}}}';
    const t = Math.floor(Date.now() / 1000);
    const headers = { "content-type": "application/json", "Stripe-Signature": `t=${t},v1=${await hmacHex(secret, `${t}.${body}`)}` };
    expect((await postIn(source.id, body, headers)).status).toBe(200);
    expect((await postIn(source.id, body, headers)).json.duplicate).toBe(true);
    expect((await eventsOf(source.id)).map((e) => [e.topic, e.dedupe_key])).toEqual([["payment_intent.succeeded", "evt_1NG8Du2eZvKYlo2CUI79vXWy"]]);
  });

  it("stores concurrent requests (sharing D1 round trips) and dedupes within them", async () => {
    const acct = await newAccount();
    const other = await newAccount();
    const source = await createSource(acct, { name: "burst", verification: { type: "none" }, dedupe: { path: "id" } });
    const second = await createSource(other, { name: "burst 2", verification: { type: "none" } });
    const results = await Promise.all([
      ...Array.from({ length: 60 }, (_, i) => postIn(source.id, JSON.stringify({ id: `e${i % 40}`, type: "burst.event", n: i }), { "content-type": "application/json" })),
      ...Array.from({ length: 10 }, (_, i) => postIn(second.id, JSON.stringify({ type: "burst.other", n: i }), { "content-type": "application/json" })),
    ]);
    expect(results.map((r) => r.status)).toEqual(Array(70).fill(200));
    const firstSource = results.slice(0, 60);
    expect(firstSource.filter((r) => r.json.duplicate)).toHaveLength(20);
    // Each duplicate answers with the id of the event that was stored for its provider id.
    const events = await eventsOf(source.id);
    expect(events).toHaveLength(40);
    const idByKey = new Map(events.map((e) => [e.dedupe_key, e.id]));
    firstSource.forEach((r, i) => expect(r.json.id).toBe(idByKey.get(`e${i % 40}`)));
    expect(await eventsOf(second.id)).toHaveLength(10);
  });

  it("does not need an API key and ignores one", async () => {
    const { source } = await whatsappSource();
    const res = await postIn(source.id, WHATSAPP_BODY, { ...(await whatsappHeaders(WHATSAPP_BODY)), "x-api-key": "hr_not_a_key" });
    expect(res.status).toBe(200);
  });
});

describe("POST /in/{sourceId}: refused requests store nothing", () => {
  it("answers 404 for an unknown, malformed or deleted source, and works again once restored", async () => {
    expect((await postIn("src_0000000000000000000000000000000", "{}")).status).toBe(404);
    expect((await postIn("not-a-source", "{}")).status).toBe(404);
    expect((await postIn("wh_0000000000000000000000000000000", "{}")).status).toBe(404);

    const { acct, source } = await whatsappSource();
    const headers = await whatsappHeaders(WHATSAPP_BODY);
    expect((await postIn(source.id, WHATSAPP_BODY, headers)).status).toBe(200);
    await call("DELETE", `/api/sources/${source.id}`, { key: acct.key });
    const gone = await postIn(source.id, WHATSAPP_BODY, headers);
    expect(gone.status).toBe(404);
    expect(gone.json.error.code).toBe("not_found");
    expect(await eventsOf(source.id)).toHaveLength(1);

    await call("POST", `/api/sources/${source.id}/restore`, { key: acct.key });
    expect((await postIn(source.id, WHATSAPP_BODY, headers)).status).toBe(200);
  });

  it("answers 401 signature_missing without the header", async () => {
    const { source } = await whatsappSource();
    const res = await postIn(source.id, WHATSAPP_BODY, { "content-type": "application/json" });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe("signature_missing");
    expect(res.json.error.message).toContain("X-Webhook-Signature");
    expect(await eventsOf(source.id)).toEqual([]);
  });

  it("answers 401 signature_invalid for a wrong secret, a tampered body or a malformed header", async () => {
    const { acct, source } = await whatsappSource();
    const wrong = await postIn(source.id, WHATSAPP_BODY, await whatsappHeaders(WHATSAPP_BODY, "not-the-secret"));
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe("signature_invalid");

    const tampered = WHATSAPP_BODY.replace("Hello", "Hullo");
    expect((await postIn(source.id, tampered, await whatsappHeaders(WHATSAPP_BODY))).json.error.code).toBe("signature_invalid");

    const malformed = await postIn(source.id, WHATSAPP_BODY, { "X-Webhook-Signature": "md5=abc" });
    expect(malformed.status).toBe(401);
    expect(malformed.json.error.code).toBe("signature_invalid");
    expect(await eventsOf(source.id)).toEqual([]);
    expect((await call("GET", `/api/events?sourceId=${source.id}`, { key: acct.key })).json.data).toEqual([]);
  });

  it("answers 401 timestamp_stale for a correctly signed but old (or future) request", async () => {
    const acct = await newAccount();
    const source = await createSource(acct, { name: "sw", verification: { type: "standard-webhooks" } });
    const body = '{"type":"user.created"}';
    for (const offsetSeconds of [-600, 600]) {
      const at = new Date(Date.now() + offsetSeconds * 1000);
      const res = await postIn(source.id, body, {
        "webhook-id": "msg_stale",
        "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
        "webhook-signature": new StandardWebhook(source.secret!).sign("msg_stale", at, body),
      });
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe("timestamp_stale");
    }

    const stripe = await createSource(acct, { name: "stripe", verification: { type: "stripe" }, secret: "whsec_stripe" });
    const t = Math.floor(Date.now() / 1000) - 3600;
    const stale = await postIn(stripe.id, body, { "Stripe-Signature": `t=${t},v1=${await hmacHex("whsec_stripe", `${t}.${body}`)}` });
    expect(stale.json.error.code).toBe("timestamp_stale");
    expect(await eventsOf(source.id)).toEqual([]);
    expect(await eventsOf(stripe.id)).toEqual([]);
  });

  it("answers 413 above MAX_PAYLOAD_BYTES, by Content-Length and by the bytes of a chunked body", async () => {
    const { source } = await whatsappSource();
    const big = `{"event":"x","pad":"${"a".repeat(262_144)}"}`;
    const declared = await postIn(source.id, big, await whatsappHeaders(big));
    expect(declared.status).toBe(413);
    expect(declared.json.error.code).toBe("payload_too_large");

    const bytes = new TextEncoder().encode(big);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 16_384) controller.enqueue(bytes.slice(i, i + 16_384));
        controller.close();
      },
    });
    const chunked = await postIn(source.id, stream, await whatsappHeaders(big));
    expect(chunked.status).toBe(413);

    // Exactly at the limit is accepted.
    const pad = 262_144 - '{"event":"x","pad":""}'.length;
    const atLimit = `{"event":"x","pad":"${"a".repeat(pad)}"}`;
    expect(new TextEncoder().encode(atLimit).length).toBe(262_144);
    expect((await postIn(source.id, atLimit, await whatsappHeaders(atLimit))).status).toBe(200);
    expect(await eventsOf(source.id)).toHaveLength(1);
  });

  it("answers 415 for a body that is not UTF-8", async () => {
    const acct = await newAccount();
    const source = await createSource(acct, { name: "bin", verification: { type: "hmac", header: "X-Sig" }, secret: "bin-secret" });
    const body = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]);
    const res = await postIn(source.id, body, { "X-Sig": await hmacHex("bin-secret", body) });
    expect(res.status).toBe(415);
    expect(res.json.error.code).toBe("unsupported_media_type");
    expect(await eventsOf(source.id)).toEqual([]);
  });

  it("answers 503 with Retry-After while the source is paused", async () => {
    const { acct, source } = await whatsappSource();
    await call("PUT", `/api/sources/${source.id}`, { key: acct.key, body: { active: false } });
    const res = await postIn(source.id, WHATSAPP_BODY, await whatsappHeaders(WHATSAPP_BODY));
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("60");
    await call("PUT", `/api/sources/${source.id}`, { key: acct.key, body: { active: true } });
    expect((await postIn(source.id, WHATSAPP_BODY, await whatsappHeaders(WHATSAPP_BODY))).status).toBe(200);
    expect(await eventsOf(source.id)).toHaveLength(1);
  });

  it("answers only POST", async () => {
    const { source } = await whatsappSource();
    const res = await call("GET", `/in/${source.id}`, { key: null });
    expect(res.status).toBe(405);
  });
});

describe("POST /in/{sourceId}: rate limit", () => {
  it("answers 429 with Retry-After over the limit, and the provider's retry then succeeds", async () => {
    const { source } = await whatsappSource({ rateLimit: { perSecond: 1 } });
    const headers = await whatsappHeaders(WHATSAPP_BODY);
    expect((await postIn(source.id, WHATSAPP_BODY, headers)).status).toBe(200);
    const limited = await postIn(source.id, WHATSAPP_BODY, headers);
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe("rate_limited");
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(await eventsOf(source.id)).toHaveLength(1);

    await sleep(retryAfter * 1000 + 50);
    expect((await postIn(source.id, WHATSAPP_BODY, headers)).status).toBe(200);
    expect(await eventsOf(source.id)).toHaveLength(2);
  });

  it("does not count requests that fail verification", async () => {
    const { source } = await whatsappSource({ rateLimit: { perSecond: 1 } });
    for (let i = 0; i < 3; i++) expect((await postIn(source.id, WHATSAPP_BODY, { "X-Webhook-Signature": "sha256=00" })).status).toBe(401);
    expect((await postIn(source.id, WHATSAPP_BODY, await whatsappHeaders(WHATSAPP_BODY))).status).toBe(200);
  });
});

describe("POST /in/{sourceId}: Slack", () => {
  const SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
  const slackHeaders = async (body: string, ts = Math.floor(Date.now() / 1000)) => ({
    "content-type": "application/json",
    "X-Slack-Request-Timestamp": String(ts),
    "X-Slack-Signature": `v0=${await hmacHex(SLACK_SECRET, `v0:${ts}:${body}`)}`,
  });

  it("answers the url_verification challenge and stores nothing", async () => {
    const acct = await newAccount();
    const source = await createSource(acct, { name: "slack", verification: { type: "slack" }, secret: SLACK_SECRET });
    const body = '{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}';
    const res = await postIn(source.id, body, await slackHeaders(body));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" });
    expect(await eventsOf(source.id)).toEqual([]);

    // An unsigned challenge is not answered.
    expect((await postIn(source.id, body, { "content-type": "application/json" })).status).toBe(401);
  });

  it("stores Events API callbacks with event.type as topic, deduped on event_id", async () => {
    const acct = await newAccount();
    const source = await createSource(acct, { name: "slack", verification: { type: "slack" }, secret: SLACK_SECRET });
    const body = '{"type":"event_callback","event_id":"Ev0PV52K21","event":{"type":"app_mention","text":"hi"}}';
    expect((await postIn(source.id, body, await slackHeaders(body))).status).toBe(200);
    // Slack retries with the same event_id.
    expect((await postIn(source.id, body, { ...(await slackHeaders(body)), "X-Slack-Retry-Num": "1" })).json.duplicate).toBe(true);
    expect((await eventsOf(source.id)).map((e) => [e.topic, e.dedupe_key])).toEqual([["app_mention", "Ev0PV52K21"]]);
  });
});
