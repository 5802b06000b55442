import { createRoute, z } from "@hono/zod-openapi";
import { apiKeySecurity, errorResponses, isoTime, jsonResponse } from "../domain/common";
import { BUCKET_MS, bucketize, SERIES_WINDOWS, windowBounds, type SeriesWindow } from "../domain/timeseries";
import { createApp } from "./create-app";
import { requireAuth } from "../middleware/auth";
import { getWebhook } from "../store/webhooks";
import { assertInScope } from "./scope";

/**
 * GET /api/webhooks/{id}/stats/timeseries: deliveries per minute by outcome and p50/p95 latency,
 * for the console's chart. `webhookTimeseries` is the one place that reads the call log for it.
 */
export const timeseries = createApp();
timeseries.use("*", requireAuth());

/** Enough for a busy hour; past it the oldest minutes are incomplete and `truncated` says so. */
const MAX_SAMPLES = 50_000;

export async function webhookTimeseries(env: Env, webhookId: string, window: SeriesWindow, nowMs: number) {
  const { fromMs, untilMs } = windowBounds(window, nowMs);
  // The webhook's own call log, in its object: time, outcome and duration only.
  const samples = await env.WEBHOOK_DO.getByName(webhookId).callSamples(fromMs, untilMs, MAX_SAMPLES);
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

timeseries.openapi(
  createRoute({
    method: "get", path: "/{id}/stats/timeseries", tags: ["Webhook operations"], security: apiKeySecurity,
    summary: "Deliveries per minute by outcome, and latency percentiles",
    request: {
      params: z.object({ id: z.string().max(100).openapi({ param: { name: "id", in: "path" } }) }),
      query: z.object({ window: z.enum(Object.keys(SERIES_WINDOWS) as [SeriesWindow, ...SeriesWindow[]]).default("1h") }),
    },
    responses: { 200: jsonResponse(SeriesOut, "One bucket per minute, oldest first (empty minutes included)"), ...errorResponses },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { window } = c.req.valid("query");
    const w = assertInScope(c, await getWebhook(c.env.DB, c.var.auth.accountId, id), "Webhook", id);
    const s = await webhookTimeseries(c.env, w.id, window, Date.now());
    return c.json({
      webhookId: w.id, window, bucketMs: BUCKET_MS, from: isoTime(s.fromMs)!, until: isoTime(s.untilMs)!, truncated: s.truncated,
      buckets: s.buckets.map(({ startMs, ...rest }) => ({ start: isoTime(startMs)!, ...rest })), totals: s.totals,
    }, 200);
  },
);
