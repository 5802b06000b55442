import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { testDeliveryToUrl, testPayload, testPayloadText } from "../delivery/url-test";
import { createWebhook, updateWebhook } from "../delivery/webhook-writes";
import { apiKeySecurity, errorResponses, jsonBody, jsonResponse } from "./route-docs";
import { isoTime } from "../lib/time";
import { destinationIssues } from "../domain/destination";
import { ApiError, failIfAny, notFound } from "../domain/errors";
import { CallOut, callOut } from "../domain/call";
import { PROFILES } from "../domain/profiles";
import { TopicList, type Webhook } from "../domain/webhook";
import { createApp } from "./create-app";
import { requireAuth } from "../middleware/auth";
import { managementBodyLimit } from "../middleware/body-limit";
import { errorHandler, notFoundOrMethod } from "../middleware/errors";
import { openSecrets, sealSecrets } from "../signing/sealed-secrets";
import { generateWebhookSecret } from "../signing/secret-material";
import * as store from "../store/webhooks";
import { applyWebhookPatch, buildWebhook } from "./webhook-input";
import { webhookObject } from "./webhook-shared";
import { accountQueue } from "./webhook-queue";

/**
 * The WhatsApp session API's webhook routes, verbatim, mounted at /api/webhook. Each
 * session's config is a hookrelay webhook whose channels are exactly [sessionId], on the
 * `whatsapp-api` profile (X-Webhook-Signature: sha256=<hex>, retries after 30 s, 5 min, 30 min,
 * 2 h), so events published with `channel: sessionId` reach it. Answers are that API's
 * `{"success":true,…}` shapes; errors are the usual error object with `"success":false` beside it.
 */
export const BASE_PATH = "/api/webhook";
export const whatsappSessions = createApp();
const FAILURE = { success: false };
whatsappSessions.onError(errorHandler(FAILURE));
whatsappSessions.use("*", managementBodyLimit);
whatsappSessions.use("*", requireAuth());

const tags = ["WhatsApp session API"];
const security = apiKeySecurity;
const PROFILE = "whatsapp-api" as const;

const SessionParams = z.object({
  sessionId: z.string().min(1).max(200).openapi({ param: { name: "sessionId", in: "path" }, example: "5bc99cea8975b95fe7077c64a3312145" }),
});

const ConfigBody = z
  .object({
    url: z.string().max(2048).openapi({ example: "https://your-server.com/webhook" }),
    events: TopicList.openapi({ example: ["message.received", "message.sent", "session.connected"] }),
    // The API documents no minimum; its receivers key HMAC-SHA256 with whatever string they hold.
    secret: z.string().min(1).max(256).optional().openapi({ description: "HMAC-SHA256 key for X-Webhook-Signature (generated when absent)", example: "your_webhook_secret_key" }),
    isActive: z.boolean().optional(),
  })
  .strict()
  .openapi("SessionWebhookConfigBody");

const Config = z
  .object({ url: z.string(), events: z.array(z.string()), secret: z.string(), isActive: z.boolean() })
  .openapi("SessionWebhookConfig");

async function configOf(c: Context<AppEnv>, w: Webhook): Promise<z.infer<typeof Config>> {
  const secrets = await openSecrets(w.sealedSecrets, c.var.config.ENCRYPTION_KEY);
  return { url: w.url, events: w.topics, secret: secrets[0]!.secret, isActive: w.active };
}

async function sessionWebhookOr404(c: Context<AppEnv>, sessionId: string): Promise<Webhook> {
  const w = await store.findWebhookByChannel(c.env.DB, c.var.auth.accountId, sessionId);
  if (!w) throw notFound("Webhook configuration for session", sessionId);
  return w;
}

/** Creates the session's webhook, or applies the config to the one it has (one per session per account). */
async function upsertSessionWebhook(c: Context<AppEnv>, sessionId: string, body: z.infer<typeof ConfigBody>): Promise<Webhook> {
  let existing = await store.findWebhookByChannel(c.env.DB, c.var.auth.accountId, sessionId);
  if (!existing) {
    const { webhook } = await buildWebhook(c, {
      url: body.url, topics: body.events, active: body.isActive ?? true, secret: body.secret ?? generateWebhookSecret(),
      channels: [sessionId], profile: PROFILE, description: `WhatsApp session ${sessionId}`,
    });
    const created = await createWebhook(c.env, webhook, store.insertWebhookUnlessChannelTaken);
    if (created) return created;
    // A concurrent PUT for the same session won: apply this config to its webhook.
    existing = await store.findWebhookByChannel(c.env.DB, c.var.auth.accountId, sessionId);
    if (!existing) throw new ApiError("conflict", `The webhook configuration for session ${sessionId} changed during this request; send it again`);
  }
  return updateWebhook(c.env, c.var.auth.accountId, existing.id, async (current) => {
    const { webhook } = await applyWebhookPatch(c, current, { url: body.url, topics: body.events, ...(body.isActive === undefined ? {} : { active: body.isActive }) });
    // A new secret replaces the old at once: that API's receivers compare a single signature.
    if (body.secret !== undefined) webhook.sealedSecrets = await sealSecrets([{ secret: body.secret, expiresAt: null }], c.var.config.ENCRYPTION_KEY);
    return webhook;
  });
}


whatsappSessions.openapi(
  createRoute({
    method: "put", path: "/config/{sessionId}", tags, security, summary: "Configure the session's webhook (create or replace)",
    description: "One webhook per session: topics = events, channel = the session id, the whatsapp-api profile. A new secret replaces the old at once (its receivers compare one signature).",
    request: { params: SessionParams, ...jsonBody(ConfigBody) },
    responses: {
      200: jsonResponse(z.object({ success: z.literal(true), message: z.string(), config: Config }).openapi("SessionWebhookConfigured"), "Configured"),
      ...errorResponses,
    },
  }),
  async (c) => {
    const { sessionId } = c.req.valid("param");
    const body = c.req.valid("json");
    const webhook = await upsertSessionWebhook(c, sessionId, body);
    return c.json({ success: true as const, message: "Webhook configured successfully", config: await configOf(c, webhook) }, 200);
  },
);

whatsappSessions.openapi(
  createRoute({
    method: "get", path: "/config/{sessionId}", tags, security, summary: "Get the session's webhook configuration",
    request: { params: SessionParams },
    responses: { 200: jsonResponse(z.object({ success: z.literal(true), config: Config }).openapi("SessionWebhookConfigResult"), "The configuration"), ...errorResponses },
  }),
  async (c) => {
    const w = await sessionWebhookOr404(c, c.req.valid("param").sessionId);
    return c.json({ success: true as const, config: await configOf(c, w) }, 200);
  },
);

whatsappSessions.openapi(
  createRoute({
    method: "delete", path: "/config/{sessionId}", tags, security, summary: "Remove the session's webhook",
    description: "A soft delete, like DELETE /api/webhooks/{id}: restorable there within the restore window.",
    request: { params: SessionParams },
    responses: { 200: jsonResponse(z.object({ success: z.literal(true), message: z.string() }).openapi("SessionWebhookDeleted"), "Removed"), ...errorResponses },
  }),
  async (c) => {
    const current = await sessionWebhookOr404(c, c.req.valid("param").sessionId);
    await updateWebhook(c.env, c.var.auth.accountId, current.id, (w) => {
      const now = Date.now();
      return { ...w, deletedAt: now, updatedAt: now };
    });
    return c.json({ success: true as const, message: "Webhook configuration deleted" }, 200);
  },
);

const TestBody = z
  .object({
    url: z.string().max(2048).openapi({ example: "https://your-server.com/webhook" }),
    payload: z.unknown().optional().openapi({ example: { event: "test", timestamp: "2024-01-01T00:00:00.000Z", message: "This is a test webhook" } }),
  })
  .strict()
  .openapi("SessionWebhookTest");

whatsappSessions.openapi(
  createRoute({
    method: "post", path: "/test", tags, security, summary: "Send a signed test delivery now",
    description:
      "A real delivery with the whatsapp-api headers, answered with its call record. Signed with the secret of the account's session webhook on the same url (and logged with its calls), else with a generated secret the answer includes.",
    request: jsonBody(TestBody),
    responses: {
      200: jsonResponse(
        z.object({ success: z.literal(true), message: z.string(), delivered: z.boolean(), call: CallOut, secret: z.string().optional() }).openapi("SessionWebhookTestResult"),
        "The attempt (delivered: whether the endpoint answered 2xx)",
      ),
      ...errorResponses,
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    failIfAny(destinationIssues(body.url, c.var.config.ALLOW_PRIVATE_DESTINATIONS));
    const payload = testPayload(body.payload);
    const text = testPayloadText(payload, c.var.config.MAX_PAYLOAD_BYTES);
    const event = (payload as { event?: unknown } | null)?.event;
    const topic = typeof event === "string" && event.length > 0 && event.length <= 200 ? event : "test";
    const live = await store.listLiveWebhooks(c.env.DB, [c.var.auth.accountId]);
    const session = live.find((w) => w.url === body.url && w.channels?.length === 1 && w.signature.scheme !== "ed25519");
    let call: z.infer<typeof CallOut>;
    let secret: string | undefined;
    if (session) {
      call = callOut(await webhookObject(c, session.id).sendTest({ topic, payload: text, contentType: "application/json" }, session));
    } else {
      secret = generateWebhookSecret();
      call = callOut(await testDeliveryToUrl({
        url: body.url, topic, payload: text, secret, profile: PROFILES[PROFILE].signature, timeoutMs: PROFILES[PROFILE].delivery.timeoutMs!,
        allowPrivateDestinations: c.var.config.ALLOW_PRIVATE_DESTINATIONS,
      }));
    }
    const delivered = call.status === "succeeded";
    const message = delivered ? "Test webhook delivered" : `Test webhook sent; the endpoint did not accept it (${call.error ?? "no answer"})`;
    return c.json({ success: true as const, message, delivered, call, ...(secret === undefined ? {} : { secret }) }, 200);
  },
);

const QueueCounts = z.object({ pending: z.number().int(), processing: z.number().int(), failed: z.number().int(), retrying: z.number().int() });

whatsappSessions.openapi(
  createRoute({
    method: "get", path: "/queue", tags, security, summary: "Webhook queue status",
    description: "Deliveries by state over the account's webhooks: pending (waiting for a first attempt), processing (a request is out), retrying, failed (gave up).",
    responses: { 200: jsonResponse(z.object({ success: z.literal(true), queue: QueueCounts }).openapi("SessionWebhookQueue"), "Counts by state"), ...errorResponses },
  }),
  async (c) => {
    const q = await accountQueue(c);
    return c.json({ success: true as const, queue: { pending: q.pending, processing: q.processing, failed: q.failed, retrying: q.retrying } }, 200);
  },
);

whatsappSessions.openapi(
  createRoute({
    method: "delete", path: "/queue/{sessionId}", tags, security, summary: "Clear the session's webhook queue",
    description: "Cancels every delivery waiting for the session's webhook (new and retrying); a request already out finishes.",
    request: { params: SessionParams },
    responses: {
      200: jsonResponse(z.object({ success: z.literal(true), message: z.string(), cleared: z.number().int() }).openapi("SessionWebhookQueueCleared"), "How many were cancelled"),
      ...errorResponses,
    },
  }),
  async (c) => {
    const w = await sessionWebhookOr404(c, c.req.valid("param").sessionId);
    const { cancelled } = await webhookObject(c, w.id).clearQueue();
    return c.json({ success: true as const, message: "Webhook queue cleared", cleared: cancelled }, 200);
  },
);

whatsappSessions.openapi(
  createRoute({
    method: "get", path: "/stats/{sessionId}", tags, security, summary: "Webhook delivery statistics for the session",
    request: { params: SessionParams },
    responses: {
      200: jsonResponse(
        z
          .object({
            success: z.literal(true),
            stats: z.object({
              totalSent: z.number().int(),
              successful: z.number().int(),
              failed: z.number().int(),
              averageResponseTime: z.string().openapi({ example: "145ms" }),
              lastDelivery: z.string().nullable(),
              byEvent: z.record(z.string(), z.number().int()),
            }),
          })
          .openapi("SessionWebhookStats"),
        "Aggregates over the session webhook's call log",
      ),
      ...errorResponses,
    },
  }),
  async (c) => {
    const w = await sessionWebhookOr404(c, c.req.valid("param").sessionId);
    const s = await webhookObject(c, w.id).callStats(null);
    return c.json({
      success: true as const,
      stats: {
        totalSent: s.totalSent, successful: s.successful, failed: s.failed,
        averageResponseTime: `${s.averageResponseTimeMs ?? 0}ms`, lastDelivery: isoTime(s.lastDeliveryAt), byEvent: s.byEvent,
      },
    }, 200);
  },
);

// Unknown paths and methods under /api/webhook answer in the same shape as the routes above.
whatsappSessions.all(
  "*",
  notFoundOrMethod(() => whatsappSessions.routes.filter((r) => r.method !== "ALL").map((r) => ({ method: r.method, path: BASE_PATH + r.path })), FAILURE),
);
