import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { BUCKET_MS, bucketize, SERIES_WINDOWS, windowBounds, type SeriesWindow } from "../domain/timeseries";
import { errorResponses, jsonResponse } from "./route-docs";
import { TimeQuery } from "../domain/query";
import { isoTime } from "../lib/time";
import { loadWebhook, WEBHOOK_OPS, WebhookIdParams, webhookObject, webhookRoutes } from "./webhook-shared";

/**
 * A webhook's delivery statistics: totals from the hourly per-topic counters its object keeps
 * (`/{id}/stats`), and per minute by outcome with p50/p95 latency for the console's chart
 * (`/{id}/stats/timeseries`).
 */
export const webhookStats = webhookRoutes();

const { tags, security } = WEBHOOK_OPS;

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

/** Enough for a busy hour; past it the oldest minutes are incomplete and `truncated` says so. */
const MAX_SAMPLES = 50_000;

/** The one place that reads the call log for the chart: time, outcome and duration only, from the webhook's object. */
async function webhookTimeseries(c: Context<AppEnv>, webhookId: string, window: SeriesWindow, nowMs: number) {
  const { fromMs, untilMs } = windowBounds(window, nowMs);
  const samples = await webhookObject(c, webhookId).callSamples(fromMs, untilMs, MAX_SAMPLES);
  return { fromMs, untilMs, truncated: samples.length >= MAX_SAMPLES, ...bucketize(samples, fromMs, untilMs) };
}

const Counts = { succeeded: z.number().int(), failed: z.number().int(), retrying: z.number().int(), p50Ms: z.number().nullable(), p95Ms: z.number().nullable() };
const SeriesOut = z
  .object({
    webhookId: z.string(),
    window: z.enum(["1h", "24h"]),
    bucketMs: z.number().int(),
    from: z.string(),
    until: z.string(),
    truncated: z.boolean().openapi({ description: "More attempts than one answer reads: the oldest minutes are incomplete" }),
    buckets: z.array(z.object({ start: z.string(), ...Counts })),
    totals: z.object(Counts),
  })
  .openapi("DeliveryTimeseries");

webhookStats.openapi(
  createRoute({
    method: "get", path: "/{id}/stats/timeseries", tags, security,
    summary: "Deliveries per minute by outcome, and latency percentiles",
    request: {
      params: WebhookIdParams,
      query: z.object({ window: z.enum(Object.keys(SERIES_WINDOWS) as [SeriesWindow, ...SeriesWindow[]]).default("1h") }),
    },
    responses: { 200: jsonResponse(SeriesOut, "One bucket per minute, oldest first (empty minutes included)"), ...errorResponses },
  }),
  async (c) => {
    const { window } = c.req.valid("query");
    const w = await loadWebhook(c, c.req.valid("param").id);
    const s = await webhookTimeseries(c, w.id, window, Date.now());
    return c.json({
      webhookId: w.id, window, bucketMs: BUCKET_MS, from: isoTime(s.fromMs)!, until: isoTime(s.untilMs)!, truncated: s.truncated,
      buckets: s.buckets.map(({ startMs, ...rest }) => ({ start: isoTime(startMs)!, ...rest })), totals: s.totals,
    }, 200);
  },
);
