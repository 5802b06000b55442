import { createRoute, z } from "@hono/zod-openapi";
import { CALL_STATUSES, CallOut, callOut } from "../domain/call";
import { errorResponses, jsonResponse, pageOf } from "./route-docs";
import { ListQuery, TimeQuery } from "../domain/query";
import { WEBHOOK_OPS, webhookRoutes } from "./webhook-shared";
import * as store from "../store/webhooks";
import { listCallsFor } from "./call-reads";
import { webhookIdFilter } from "./scope";

/** The call log (`GET /api/webhooks/calls`): one row per delivery attempt, newest first. */
export const webhookCalls = webhookRoutes();

const { tags, security } = WEBHOOK_OPS;

const CallsQuery = ListQuery.extend({
  webhookId: z.string().max(100).optional(),
  eventId: z.string().max(200).optional(),
  status: z.enum(CALL_STATUSES).optional(),
  topic: z.string().max(200).optional(),
  since: TimeQuery.optional().openapi({ description: "At or after (ISO 8601 or epoch ms)" }),
  until: TimeQuery.optional().openapi({ description: "Before (ISO 8601 or epoch ms)" }),
});

webhookCalls.openapi(
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
