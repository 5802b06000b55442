import { createRoute, z } from "@hono/zod-openapi";
import { apiKeySecurity, errorResponses, isoTime, jsonResponse, TimeQuery } from "../domain/common";
import { createApp } from "./create-app";
import { requireAuth } from "../middleware/auth";
import { loadWebhook, webhookObject, WebhookIdParams } from "./webhook-lookup";

/** A webhook's delivery statistics, from the hourly per-topic counters its object keeps. */
export const webhookStats = createApp();
webhookStats.use("*", requireAuth());

const tags = ["Webhook operations"];
const security = apiKeySecurity;

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

webhookStats.openapi(
  createRoute({
    method: "get", path: "/{id}/stats", tags, security, summary: "Delivery statistics for a webhook",
    request: { params: WebhookIdParams, query: StatsQuery },
    responses: { 200: jsonResponse(StatsOut, "Aggregates over the call log"), ...errorResponses },
  }),
  async (c) => {
    const w = await loadWebhook(c, c.req.valid("param").id);
    const s = await webhookObject(c, w.id).callStats(c.req.valid("query").since ?? null);
    const { lastDeliveryAt, ...rest } = s;
    return c.json({ ...rest, lastDelivery: isoTime(lastDeliveryAt) }, 200);
  },
);
