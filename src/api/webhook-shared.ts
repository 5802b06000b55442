import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { apiKeySecurity } from "./route-docs";
import { foundOr404 } from "../domain/lifecycle";
import type { Webhook } from "../domain/webhook";
import { requireAuth } from "../middleware/auth";
import * as store from "../store/webhooks";
import { createApp } from "./create-app";
import { assertInScope } from "./scope";

/**
 * What the `/api/webhooks` sub-apps share: the sub-app itself (behind requireAuth), the OpenAPI tag
 * of the operations, and the webhook a `/{id}/…` route names (its path parameter, its row, its object).
 */

export function webhookRoutes() {
  const routes = createApp();
  routes.use("*", requireAuth());
  return routes;
}

export const WEBHOOK_OPS = { tags: ["Webhook operations"], security: apiKeySecurity };

export const WebhookIdParams = z.object({ id: z.string().max(100).openapi({ param: { name: "id", in: "path" }, example: "wh_0mh2k3x9aXbYcZ12" }) });

/** The account's webhook, in the caller's portal scope, or a 404 (deleted ones only when asked). */
export async function loadWebhook(c: Context<AppEnv>, id: string, opts: { includeDeleted?: boolean } = {}): Promise<Webhook> {
  return assertInScope(c, foundOr404("Webhook", id, await store.getWebhook(c.env.DB, c.var.auth.accountId, id, opts)));
}

/** The webhook's Durable Object: its queue, its recent call log, its counters. */
export const webhookObject = (c: Context<AppEnv>, id: string) => c.env.WEBHOOK_DO.getByName(id);
