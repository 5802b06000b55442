import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { forEachBounded } from "../delivery/consumer";
import { testDeliveryToUrl } from "../delivery/url-test";
import { updateWebhook } from "../delivery/sync";
import type { QueueStatus } from "../delivery/webhook/object";
import { apiKeySecurity, errorResponses, isoTime, jsonBody, jsonResponse, ListQuery, pageOf } from "../domain/common";
import { destinationProblem } from "../domain/destination";
import { ApiError, notFound } from "../domain/errors";
import { CALL_STATUSES, CallOut, callOut, TimeQuery } from "../domain/event";
import { DEFAULT_TIMEOUT_MS, SECRET_FORMAT, SignatureProfile, WebhookOut, type SigningSecret, type Webhook } from "../domain/webhook";
import { utf8 } from "../lib/encoding";
import { createApp } from "./create-app";
import { requireAuth } from "../middleware/auth";
import { sealJson, unsealJson } from "../signing/seal";
import { generateWebhookSecret } from "../signing/secrets";
import { freshSigningSecret, shownSecret } from "../signing/material";
import { signingSecrets } from "../signing/sign";
import { listCallsFor } from "./call-reads";
import * as store from "../store/webhooks";
import { assertInScope, webhookIdFilter } from "./scope";
import { webhookOut } from "./webhooks";

/**
 * Webhook operations (seed 004's set): secret rotation, test deliveries, stats, the delivery
 * queue, recovery, and the call log. Two sub-apps: `webhookOpsStatic` holds the static paths
 * (/calls, /queue, /test) and must be mounted before the webhooks' /{id} routes so those paths
 * are not taken for ids; `webhookOps` holds the /{id}/… operations.
 */
const tags = ["Webhook operations"];
const security = apiKeySecurity;

export const webhookOpsStatic = createApp();
webhookOpsStatic.use("*", requireAuth());
export const webhookOps = createApp();
webhookOps.use("*", requireAuth());

const IdParams = z.object({ id: z.string().max(100).openapi({ param: { name: "id", in: "path" }, example: "wh_0mh2k3x9aXbYcZ12" }) });

async function loadOr404(c: Context<AppEnv>, id: string): Promise<Webhook> {
  const w = await store.getWebhook(c.env.DB, c.var.auth.accountId, id);
  if (!w) throw notFound("Webhook", id);
  return assertInScope(c, w);
}

const stub = (c: Context<AppEnv>, id: string) => c.env.WEBHOOK_DO.getByName(id);

const MAX_GRACE_SECONDS = 7 * 86_400;
/** Enough for a few overlapping rotations; older secrets drop off. */
const MAX_LIVE_SECRETS = 5;

// ---- secret rotation ---------------------------------------------------------------------------

const RotateBody = z
  .object({
    graceSeconds: z.number().int().min(0).max(MAX_GRACE_SECONDS).default(86_400).openapi({ description: "How long the old secret keeps signing beside the new one (0..7 days, default 24 h)" }),
    secret: z.string().min(16).max(256).optional().openapi({ description: "The new secret (generated when absent)" }),
  })
  .strict()
  .openapi("RotateSecret");

webhookOps.openapi(
  createRoute({
    method: "post", path: "/{id}/rotate-secret", tags, security, summary: "Rotate the signing secret",
    description: "Deliveries carry a signature for each live secret (space-separated `webhook-signature`) until the old one expires, so receivers can switch without downtime. hmac-sha256 profile headers carry only the newest secret.",
    request: { params: IdParams, body: { required: false, content: { "application/json": { schema: RotateBody } } } },
    responses: { 200: jsonResponse(WebhookOut, "The webhook, with its new secret"), ...errorResponses },
  }),
  async (c) => {
    const body = RotateBody.parse((c.req.valid("json") as unknown) ?? {});
    const key = c.var.config.ENCRYPTION_KEY;
    let shown: string | undefined;
    const next = await updateWebhook(c.env, c.var.auth.accountId, c.req.valid("param").id, async (current) => {
      assertInScope(c, current);
      // ed25519: a new key pair (a sent secret cannot be a key pair); otherwise the sent or a generated secret.
      if (current.signature.scheme === "ed25519" && body.secret !== undefined) throw new ApiError("validation_failed", "The request body is invalid", [{ path: "body.secret", message: "an ed25519 webhook rotates to a key pair hookrelay generates; omit secret", code: "invalid_secret" }]);
      const fresh = await freshSigningSecret(current.signature, body.secret);
      const secret = fresh.entry.secret;
      if (current.signature.scheme === "standard" && !SECRET_FORMAT.test(secret)) {
        throw new ApiError("validation_failed", "The request body is invalid", [
          { path: "body.secret", message: "with the standard signature scheme the secret must be whsec_ followed by base64 of 24-64 bytes (omit it to have one generated)", code: "invalid_secret" },
        ]);
      }
      const now = Date.now();
      const graceEndsAt = now + body.graceSeconds * 1000;
      const previous = signingSecrets(await unsealJson<SigningSecret[]>(current.sealedSecrets, key), now)
        .map((s) => ({ ...s, expiresAt: Math.min(s.expiresAt ?? graceEndsAt, graceEndsAt) }))
        .filter((s) => s.expiresAt > now && s.secret !== secret);
      const secrets: SigningSecret[] = [fresh.entry, ...previous].slice(0, MAX_LIVE_SECRETS);
      shown = shownSecret(fresh.entry);
      return { ...current, signature: fresh.signature, sealedSecrets: await sealJson(secrets, key), updatedAt: now };
    });
    return c.json(webhookOut(next, shown), 200);
  },
);

// ---- test deliveries ---------------------------------------------------------------------------

const TestBody = z
  .object({
    topic: z.string().min(1).max(200).default("test"),
    payload: z.unknown().optional().openapi({ description: "Any JSON value (a small sample is sent when absent)" }),
  })
  .strict()
  .openapi("WebhookTest");

const testPayload = (webhookId: string | null, payload: unknown): unknown =>
  // Seed 004's test payload (the catalog's `test` topic), plus which webhook it was sent to.
  payload !== undefined ? payload : { event: "test", ...(webhookId ? { webhookId } : {}), timestamp: new Date().toISOString(), message: "This is a test webhook" };

function serializeTestPayload(c: Context<AppEnv>, payload: unknown): string {
  const text = JSON.stringify(payload);
  if (utf8(text).length > c.var.config.MAX_PAYLOAD_BYTES) {
    throw new ApiError("payload_too_large", `body.payload is larger than ${c.var.config.MAX_PAYLOAD_BYTES} bytes`, [{ path: "body.payload", message: "too large", code: "too_large" }]);
  }
  return text;
}

webhookOps.openapi(
  createRoute({
    method: "post", path: "/{id}/test", tags, security, summary: "Send a test delivery now",
    description: "A real delivery, signed with the webhook's secret and headers, made synchronously and answered with its call record (also in the webhook's call log). It is not retried, and works on a paused or disabled webhook.",
    request: { params: IdParams, body: { required: false, content: { "application/json": { schema: TestBody } } } },
    responses: { 200: jsonResponse(CallOut, "The call record"), ...errorResponses },
  }),
  async (c) => {
    const body = TestBody.parse((c.req.valid("json") as unknown) ?? {});
    const w = await loadOr404(c, c.req.valid("param").id);
    const payload = serializeTestPayload(c, testPayload(w.id, body.payload));
    const call = await stub(c, w.id).sendTest({ topic: body.topic, payload, contentType: "application/json" }, w);
    return c.json(callOut(call), 200);
  },
);

const UrlTestBody = z
  .object({
    url: z.string().max(2048),
    payload: z.unknown().optional(),
    topic: z.string().min(1).max(200).default("test"),
    secret: z.string().min(16).max(256).optional().openapi({ description: "Signs the delivery (whsec_… for Standard Webhooks). Generated, and returned, when absent." }),
    signature: SignatureProfile.optional(),
  })
  .strict()
  .openapi("UrlTest");

webhookOpsStatic.openapi(
  createRoute({
    method: "post", path: "/test", tags, security, summary: "Send a test delivery to any URL",
    description: "Signs (with `secret`, or a generated one that the answer includes) and delivers now, under the same destination rules as webhooks. Not stored in the call log.",
    request: jsonBody(UrlTestBody),
    responses: { 200: jsonResponse(CallOut.extend({ secret: z.string().optional() }).openapi("UrlTestResult"), "The call record"), ...errorResponses },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const problem = destinationProblem(body.url, c.var.config.ALLOW_PRIVATE_DESTINATIONS);
    if (problem) throw new ApiError("validation_failed", "The request body is invalid", [{ path: "body.url", message: `url ${problem}`, code: "invalid_destination" }]);
    const secret = body.secret ?? generateWebhookSecret();
    const payload = serializeTestPayload(c, testPayload(null, body.payload));
    const call = callOut(await testDeliveryToUrl({
      url: body.url, topic: body.topic, payload, secret, profile: body.signature ?? { scheme: "standard" },
      timeoutMs: DEFAULT_TIMEOUT_MS, allowPrivateDestinations: c.var.config.ALLOW_PRIVATE_DESTINATIONS,
    }));
    return c.json({ ...call, ...(body.secret === undefined ? { secret } : {}) }, 200);
  },
);

// ---- stats -------------------------------------------------------------------------------------

export const StatsOut = z
  .object({
    totalSent: z.number().int().openapi({ description: "Delivery attempts" }),
    successful: z.number().int(),
    failed: z.number().int().openapi({ description: "Attempts that did not succeed (some were retried)" }),
    averageResponseTimeMs: z.number().int().nullable(),
    lastDelivery: z.string().nullable(),
    byEvent: z.record(z.string(), z.number().int()).openapi({ description: "Attempts per topic" }),
  })
  .openapi("DeliveryStats");

export const StatsQuery = z.object({ since: TimeQuery.optional().openapi({ description: "Only attempts at or after this time" }) });

webhookOps.openapi(
  createRoute({
    method: "get", path: "/{id}/stats", tags, security, summary: "Delivery statistics for a webhook",
    request: { params: IdParams, query: StatsQuery },
    responses: { 200: jsonResponse(StatsOut, "Aggregates over the call log"), ...errorResponses },
  }),
  async (c) => {
    const w = await loadOr404(c, c.req.valid("param").id);
    const s = await stub(c, w.id).callStats(c.req.valid("query").since ?? null);
    const { lastDeliveryAt, ...rest } = s;
    return c.json({ ...rest, lastDelivery: isoTime(lastDeliveryAt) }, 200);
  },
);

// ---- the delivery queue ------------------------------------------------------------------------

const QueueOut = z
  .object({
    pending: z.number().int().openapi({ description: "Waiting for a first attempt" }),
    processing: z.number().int().openapi({ description: "A request is out now" }),
    retrying: z.number().int().openapi({ description: "Failed at least once, waiting for the next attempt" }),
    failed: z.number().int().openapi({ description: "Gave up (kept for recover)" }),
  })
  .openapi("QueueStatus");

webhookOps.openapi(
  createRoute({
    method: "get", path: "/{id}/queue", tags, security, summary: "The webhook's delivery queue",
    request: { params: IdParams },
    responses: { 200: jsonResponse(QueueOut.extend({ webhookId: z.string() }), "Counts by state"), ...errorResponses },
  }),
  async (c) => {
    const w = await loadOr404(c, c.req.valid("param").id);
    return c.json({ webhookId: w.id, ...(await stub(c, w.id).queueStatus()) }, 200);
  },
);

webhookOps.openapi(
  createRoute({
    method: "delete", path: "/{id}/queue", tags, security, summary: "Cancel every delivery waiting for this webhook",
    description: "New and retrying deliveries are cancelled; a request already out finishes.",
    request: { params: IdParams },
    responses: { 200: jsonResponse(z.object({ webhookId: z.string(), cancelled: z.number().int() }).openapi("QueueCleared"), "How many were cancelled"), ...errorResponses },
  }),
  async (c) => {
    const w = await loadOr404(c, c.req.valid("param").id);
    return c.json({ webhookId: w.id, ...(await stub(c, w.id).clearQueue()) }, 200);
  },
);

const RecoverBody = z
  .object({ since: z.union([z.iso.datetime({ offset: true }), z.number().int().min(0)]).openapi({ description: "ISO 8601 time or epoch ms", example: "2024-01-01T00:00:00Z" }) })
  .strict()
  .openapi("Recover");

webhookOps.openapi(
  createRoute({
    method: "post", path: "/{id}/recover", tags, security, summary: "Re-deliver the deliveries that failed since a time",
    description: "Failed deliveries (schedule exhausted, final 4xx, 410) that gave up at or after `since` are queued again with a fresh retry schedule.",
    request: { params: IdParams, ...jsonBody(RecoverBody) },
    responses: { 202: jsonResponse(z.object({ webhookId: z.string(), recovered: z.number().int() }).openapi("Recovered"), "How many were queued again"), ...errorResponses },
  }),
  async (c) => {
    const w = await loadOr404(c, c.req.valid("param").id);
    const since = c.req.valid("json").since;
    const sinceMs = typeof since === "number" ? since : Date.parse(since);
    return c.json({ webhookId: w.id, ...(await stub(c, w.id).recover(sinceMs)) }, 202);
  },
);

/** Queue counts summed over the account's webhooks (one RPC each, bounded concurrency). */
export async function accountQueue(c: Context<AppEnv>): Promise<QueueStatus & { byWebhook: (QueueStatus & { webhookId: string })[] }> {
  const live = await store.listLiveWebhooks(c.env.DB, [c.var.auth.accountId]);
  const total: QueueStatus = { pending: 0, processing: 0, retrying: 0, failed: 0 };
  const byWebhook: (QueueStatus & { webhookId: string })[] = [];
  await forEachBounded(live, 16, async (w) => {
    const s = await stub(c, w.id).queueStatus();
    byWebhook.push({ webhookId: w.id, ...s });
    total.pending += s.pending;
    total.processing += s.processing;
    total.retrying += s.retrying;
    total.failed += s.failed;
  });
  byWebhook.sort((a, b) => (a.webhookId < b.webhookId ? -1 : 1));
  return { ...total, byWebhook };
}

webhookOpsStatic.openapi(
  createRoute({
    method: "get", path: "/queue", tags, security, summary: "Delivery queue totals for the account",
    responses: {
      200: jsonResponse(QueueOut.extend({ byWebhook: z.array(QueueOut.extend({ webhookId: z.string() })) }).openapi("AccountQueueStatus"), "Counts by state, in all and per webhook"),
      ...errorResponses,
    },
  }),
  async (c) => c.json(await accountQueue(c), 200),
);

// ---- the call log ------------------------------------------------------------------------------

const CallsQuery = ListQuery.extend({
  webhookId: z.string().max(100).optional(),
  eventId: z.string().max(200).optional(),
  status: z.enum(CALL_STATUSES).optional(),
  topic: z.string().max(200).optional(),
  since: TimeQuery.optional().openapi({ description: "At or after (ISO 8601 or epoch ms)" }),
  until: TimeQuery.optional().openapi({ description: "Before (ISO 8601 or epoch ms)" }),
});

webhookOpsStatic.openapi(
  createRoute({
    method: "get", path: "/calls", tags, security, summary: "The call log: one row per delivery attempt, newest first",
    request: { query: CallsQuery },
    responses: { 200: jsonResponse(pageOf(CallOut, "CallPage"), "A page of calls"), ...errorResponses },
  }),
  async (c) => {
    const q = c.req.valid("query");
    // Another account's webhook id: its object is never asked (the id must be one of this account's).
    if (q.webhookId && !(await store.getWebhook(c.env.DB, c.var.auth.accountId, q.webhookId, { includeDeleted: true }))) {
      return c.json({ data: [], nextCursor: null }, 200);
    }
    const page = await listCallsFor(c.env, c.var.auth.accountId, {
      limit: q.limit, cursor: q.cursor, webhookId: q.webhookId, eventId: q.eventId, status: q.status, topic: q.topic, sinceMs: q.since, untilMs: q.until,
    });
    const inScope = await webhookIdFilter(c);
    return c.json({ data: page.data.filter((call) => inScope(call.webhookId)).map(callOut), nextCursor: page.nextCursor }, 200);
  },
);
