import { createRoute, z } from "@hono/zod-openapi";
import { createWebhook, updateWebhook } from "../delivery/webhook-writes";
import { apiKeySecurity, errorResponses, jsonBody, jsonResponse, pageOf } from "./route-docs";
import { ListQuery } from "../domain/query";
import { isoTime } from "../lib/time";
import { restored, softDeleted } from "../domain/lifecycle";
import { WebhookCreate, WebhookOut, WebhookUpdate, type Webhook } from "../domain/webhook";
import { maskHeaders } from "../signing/sealed-headers";
import * as store from "../store/webhooks";
import { applyWebhookPatch, buildWebhook } from "./webhook-input";
import { loadWebhook, WebhookIdParams, webhookRoutes } from "./webhook-shared";
import { assertInScope, assertStaysInScope, channelsForCreate, scopeOf, webhookInScope } from "./scope";

/** The webhook management API (Vambe's `/api/webhooks`): CRUD, soft delete and restore. */
export const webhooks = webhookRoutes();

const tags = ["Webhooks"];
const security = apiKeySecurity;

export function webhookOut(w: Webhook, secret?: string): z.infer<typeof WebhookOut> {
  return {
    id: w.id, url: w.url, topics: w.topics, active: w.active, status: w.status, disabledReason: w.disabledReason,
    description: w.description, channels: w.channels, sources: w.sources, filter: w.filter, headers: maskHeaders(w.headerNames),
    profile: w.profile, signature: w.signature, delivery: w.delivery, metadata: w.metadata,
    createdAt: isoTime(w.createdAt)!, updatedAt: isoTime(w.updatedAt)!, deletedAt: isoTime(w.deletedAt),
    ...(secret === undefined ? {} : { secret }),
  };
}

const ListWebhooksQuery = ListQuery.extend({
  active: z.enum(["true", "false"]).transform((v) => v === "true").optional(),
  status: z.enum(["active", "inactive", "disabled"]).optional(),
  topic: z.string().max(200).optional().openapi({ description: "Only webhooks that would receive this topic" }),
  deleted: z.enum(["true", "false"]).transform((v) => v === "true").optional().openapi({ description: "true: list soft-deleted webhooks (restorable)" }),
  channel: z.string().min(1).max(200).optional().openapi({ description: "Only webhooks whose channels include this one (e.g. a WhatsApp session id)" }),
});

webhooks.openapi(
  createRoute({
    method: "post", path: "/", tags, security, summary: "Create a webhook",
    description: "The signing secret is generated when absent and returned only here, by rotate-secret and by GET /{id}/secret.",
    request: jsonBody(WebhookCreate),
    responses: { 201: jsonResponse(WebhookOut, "The webhook, with its secret"), ...errorResponses },
  }),
  async (c) => {
    const body = c.req.valid("json");
    body.channels = channelsForCreate(c, body.channels);
    const { webhook, secret } = await buildWebhook(c, body);
    return c.json(webhookOut(await createWebhook(c.env, webhook), secret), 201);
  },
);

webhooks.openapi(
  createRoute({
    method: "get", path: "/", tags, security, summary: "List webhooks",
    request: { query: ListWebhooksQuery },
    responses: { 200: jsonResponse(pageOf(WebhookOut, "WebhookPage"), "A page of webhooks, newest first"), ...errorResponses },
  }),
  async (c) => {
    const page = await store.listWebhooks(c.env.DB, c.var.auth.accountId, c.req.valid("query"));
    return c.json({ data: page.data.filter((w) => webhookInScope(scopeOf(c), w)).map((w) => webhookOut(w)), nextCursor: page.nextCursor }, 200);
  },
);

webhooks.openapi(
  createRoute({
    method: "get", path: "/{id}", tags, security, summary: "Get a webhook",
    request: { params: WebhookIdParams },
    responses: { 200: jsonResponse(WebhookOut, "The webhook"), ...errorResponses },
  }),
  async (c) => c.json(webhookOut(await loadWebhook(c, c.req.valid("param").id)), 200),
);

webhooks.openapi(
  createRoute({
    method: "put", path: "/{id}", tags, security, summary: "Update a webhook (partial)",
    description: "Only the fields sent change; `delivery` merges field by field. `{\"active\":false}` pauses deliveries (they wait); `{\"active\":true}` resumes them and re-enables a disabled webhook.",
    request: { params: WebhookIdParams, ...jsonBody(WebhookUpdate) },
    responses: { 200: jsonResponse(WebhookOut, "The updated webhook"), ...errorResponses },
  }),
  async (c) => {
    const patch = c.req.valid("json");
    let secret: string | undefined;
    // Applied to the row as it is when the write lands (updateWebhook re-applies it after a lost race).
    const next = await updateWebhook(c.env, c.var.auth.accountId, c.req.valid("param").id, async (current) => {
      const applied = await applyWebhookPatch(c, assertInScope(c, current), patch);
      assertStaysInScope(c, applied.webhook);
      secret = applied.secret;
      return applied.webhook;
    });
    return c.json(webhookOut(next, secret), 200);
  },
);

webhooks.openapi(
  createRoute({
    method: "delete", path: "/{id}", tags, security, summary: "Delete a webhook (soft; restorable)",
    description: "The webhook stops receiving at once. Deliveries that were waiting are kept until the restore window ends, and resume if it is restored.",
    request: { params: WebhookIdParams },
    responses: { 200: jsonResponse(WebhookOut, "The deleted webhook"), ...errorResponses },
  }),
  async (c) => {
    const next = await updateWebhook(c.env, c.var.auth.accountId, c.req.valid("param").id, (current) => softDeleted(assertInScope(c, current), Date.now()));
    return c.json(webhookOut(next), 200);
  },
);

webhooks.openapi(
  createRoute({
    method: "post", path: "/{id}/restore", tags, security, summary: "Restore a deleted webhook",
    request: { params: WebhookIdParams },
    responses: { 200: jsonResponse(WebhookOut, "The restored webhook"), ...errorResponses, 409: jsonResponse(z.unknown(), "The webhook is not deleted") },
  }),
  async (c) => {
    const next = await updateWebhook(
      c.env, c.var.auth.accountId, c.req.valid("param").id,
      (current) => restored("Webhook", assertInScope(c, current), c.var.config.RESTORE_WINDOW_DAYS, Date.now()),
      { includeDeleted: true },
    );
    return c.json(webhookOut(next), 200);
  },
);
