import { createRoute, z } from "@hono/zod-openapi";
import { apiKeySecurity, errorResponses, jsonResponse } from "./route-docs";
import { isoTime } from "../lib/time";
import { createApp } from "./create-app";
import { requireAuth } from "../middleware/auth";
import { accountCallStats } from "../traffic/call-index";
import { listLiveWebhooks } from "../store/webhooks";
import { accountQueue } from "./webhook-queue";
import { StatsOut, StatsQuery } from "./webhook-stats";

/** Account-wide delivery stats (mounted at /api/stats): the call index's counters, webhook counts and queue totals. */
const security = apiKeySecurity;

export const stats = createApp();
stats.use("*", requireAuth());

stats.openapi(
  createRoute({
    method: "get", path: "/", tags: ["Webhook operations"], security, summary: "Delivery statistics for the whole account",
    request: { query: StatsQuery },
    responses: {
      200: jsonResponse(
        StatsOut.extend({
          webhooks: z.object({ active: z.number().int(), inactive: z.number().int(), disabled: z.number().int() }),
          queue: z.object({ pending: z.number().int(), processing: z.number().int(), retrying: z.number().int(), failed: z.number().int() }),
        }).openapi("AccountStats"),
        "Aggregates over the account's call log, webhooks and queues",
      ),
      ...errorResponses,
    },
  }),
  async (c) => {
    const accountId = c.var.auth.accountId;
    const [s, live, queue] = await Promise.all([
      accountCallStats(c.env, accountId, c.req.valid("query").since ?? null),
      listLiveWebhooks(c.env.DB, [accountId]),
      accountQueue(c),
    ]);
    const webhooks = { active: 0, inactive: 0, disabled: 0 };
    for (const w of live) webhooks[w.status] += 1;
    const { lastDeliveryAt, ...rest } = s;
    const { byWebhook: _perWebhook, ...queueTotals } = queue;
    return c.json({ ...rest, lastDelivery: isoTime(lastDeliveryAt), webhooks, queue: queueTotals }, 200);
  },
);
