import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { forEachBounded } from "../lib/concurrency";
import type { QueueStatus } from "../delivery/webhook/object";
import { errorResponses, jsonBody, jsonResponse } from "./route-docs";
import * as store from "../store/webhooks";
import { loadWebhook, WEBHOOK_OPS, WebhookIdParams, webhookObject, webhookRoutes } from "./webhook-shared";

/**
 * The delivery queue, which each webhook's object holds: counts by state (per webhook and summed
 * over the account), clearing it, and recovering failed deliveries.
 */
export const webhookQueue = webhookRoutes();

const { tags, security } = WEBHOOK_OPS;

const QueueOut = z
  .object({
    pending: z.number().int().openapi({ description: "Waiting for a first attempt" }),
    processing: z.number().int().openapi({ description: "A request is out now" }),
    retrying: z.number().int().openapi({ description: "Failed at least once, waiting for the next attempt" }),
    failed: z.number().int().openapi({ description: "Gave up (kept for recover)" }),
  })
  .openapi("QueueStatus");

webhookQueue.openapi(
  createRoute({
    method: "get", path: "/{id}/queue", tags, security, summary: "The webhook's delivery queue",
    request: { params: WebhookIdParams },
    responses: { 200: jsonResponse(QueueOut.extend({ webhookId: z.string() }), "Counts by state"), ...errorResponses },
  }),
  async (c) => {
    const w = await loadWebhook(c, c.req.valid("param").id);
    return c.json({ webhookId: w.id, ...(await webhookObject(c, w.id).queueStatus()) }, 200);
  },
);

webhookQueue.openapi(
  createRoute({
    method: "delete", path: "/{id}/queue", tags, security, summary: "Cancel every delivery waiting for this webhook",
    description: "New and retrying deliveries are cancelled; a request already out finishes.",
    request: { params: WebhookIdParams },
    responses: { 200: jsonResponse(z.object({ webhookId: z.string(), cancelled: z.number().int() }).openapi("QueueCleared"), "How many were cancelled"), ...errorResponses },
  }),
  async (c) => {
    const w = await loadWebhook(c, c.req.valid("param").id);
    return c.json({ webhookId: w.id, ...(await webhookObject(c, w.id).clearQueue()) }, 200);
  },
);

const RecoverBody = z
  .object({ since: z.union([z.iso.datetime({ offset: true }), z.number().int().min(0)]).openapi({ description: "ISO 8601 time or epoch ms", example: "2024-01-01T00:00:00Z" }) })
  .strict()
  .openapi("Recover");

webhookQueue.openapi(
  createRoute({
    method: "post", path: "/{id}/recover", tags, security, summary: "Re-deliver the deliveries that failed since a time",
    description: "Failed deliveries (schedule exhausted, final 4xx, 410) that gave up at or after `since` are queued again with a fresh retry schedule.",
    request: { params: WebhookIdParams, ...jsonBody(RecoverBody) },
    responses: { 202: jsonResponse(z.object({ webhookId: z.string(), recovered: z.number().int() }).openapi("Recovered"), "How many were queued again"), ...errorResponses },
  }),
  async (c) => {
    const w = await loadWebhook(c, c.req.valid("param").id);
    const since = c.req.valid("json").since;
    const sinceMs = typeof since === "number" ? since : Date.parse(since);
    return c.json({ webhookId: w.id, ...(await webhookObject(c, w.id).recover(sinceMs)) }, 202);
  },
);

/** Queue counts summed over the account's webhooks (one RPC each, bounded concurrency). */
export async function accountQueue(c: Context<AppEnv>): Promise<QueueStatus & { byWebhook: (QueueStatus & { webhookId: string })[] }> {
  const live = await store.listLiveWebhooks(c.env.DB, [c.var.auth.accountId]);
  const total: QueueStatus = { pending: 0, processing: 0, retrying: 0, failed: 0 };
  const byWebhook: (QueueStatus & { webhookId: string })[] = [];
  await forEachBounded(live, 16, async (w) => {
    const s = await webhookObject(c, w.id).queueStatus();
    byWebhook.push({ webhookId: w.id, ...s });
    total.pending += s.pending;
    total.processing += s.processing;
    total.retrying += s.retrying;
    total.failed += s.failed;
  });
  byWebhook.sort((a, b) => (a.webhookId < b.webhookId ? -1 : 1));
  return { ...total, byWebhook };
}

webhookQueue.openapi(
  createRoute({
    method: "get", path: "/queue", tags, security, summary: "Delivery queue totals for the account",
    responses: {
      200: jsonResponse(QueueOut.extend({ byWebhook: z.array(QueueOut.extend({ webhookId: z.string() })) }).openapi("AccountQueueStatus"), "Counts by state, in all and per webhook"),
      ...errorResponses,
    },
  }),
  async (c) => c.json(await accountQueue(c), 200),
);
