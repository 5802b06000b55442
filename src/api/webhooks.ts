import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { apiKeySecurity, errorResponses, isoTime, jsonBody, jsonResponse, ListQuery, pageOf } from "../domain/common";
import { destinationProblem } from "../domain/destination";
import { ApiError, type FieldIssue, notFound } from "../domain/errors";
import { newId } from "../domain/ids";
import {
  DeliverySettings, SECRET_FORMAT, statusAfterUpdate, WebhookCreate, WebhookOut, WebhookUpdate,
  type SigningSecret, type Webhook,
} from "../domain/webhook";
import { syncWebhook } from "../delivery/sync";
import { createApp } from "../lib/openapi";
import { requireAuth } from "../middleware/auth";
import { sealJson, unsealJson } from "../signing/seal";
import { generateWebhookSecret } from "../signing/secrets";
import { liveSourceIds } from "../store/sources";
import { assertInScope, assertStaysInScope, channelsForCreate, scopeOf, webhookInScope } from "./scope";
import * as store from "../store/webhooks";

/** The seeds' webhook management API: CRUD, soft delete and restore, and the secret. */
export const webhooks = createApp();
webhooks.use("*", requireAuth());

const tags = ["Webhooks"];
const security = apiKeySecurity;

export function webhookOut(w: Webhook, secret?: string): z.infer<typeof WebhookOut> {
  return {
    id: w.id, url: w.url, topics: w.topics, active: w.active, status: w.status, disabledReason: w.disabledReason,
    description: w.description, channels: w.channels, sources: w.sources, filter: w.filter, headers: w.headers,
    signature: w.signature, delivery: w.delivery, metadata: w.metadata,
    createdAt: isoTime(w.createdAt)!, updatedAt: isoTime(w.updatedAt)!, deletedAt: isoTime(w.deletedAt),
    ...(secret === undefined ? {} : { secret }),
  };
}

/** Checks that depend on config or on other rows; zod covered the shapes already. */
/** Fields left undefined are not checked (a PUT that does not send `url` must not fail on it). */
async function semanticIssues(
  c: Context<AppEnv>,
  w: { url?: string | undefined; sources?: string[] | null | undefined; signature: Webhook["signature"] },
  secret?: string,
): Promise<FieldIssue[]> {
  const issues: FieldIssue[] = [];
  const problem = w.url === undefined ? null : destinationProblem(w.url, c.var.config.ALLOW_PRIVATE_DESTINATIONS);
  if (problem) issues.push({ path: "body.url", message: `url ${problem}`, code: "invalid_destination" });
  if (secret !== undefined && w.signature.scheme === "standard" && !SECRET_FORMAT.test(secret)) {
    issues.push({
      path: "body.secret",
      message: "with the standard signature scheme the secret must be whsec_ followed by base64 of 24-64 bytes (omit it to have one generated)",
      code: "invalid_secret",
    });
  }
  if (w.sources?.length) {
    const live = await liveSourceIds(c.env.DB, c.var.auth.accountId, w.sources);
    w.sources.forEach((id, i) => {
      if (!live.has(id)) issues.push({ path: `body.sources.${i}`, message: `source ${id} does not exist in this account`, code: "unknown_source" });
    });
  }
  return issues;
}

function failIfAny(issues: FieldIssue[]) {
  if (issues.length) throw new ApiError("validation_failed", "The request body is invalid", issues);
}

async function loadOr404(c: Context<AppEnv>, id: string, opts: { includeDeleted?: boolean } = {}) {
  const w = await store.getWebhook(c.env.DB, c.var.auth.accountId, id, opts);
  if (!w) throw notFound("Webhook", id);
  return assertInScope(c, w);
}

const IdParams = z.object({ id: z.string().max(100).openapi({ param: { name: "id", in: "path" }, example: "wh_0mh2k3x9aXbYcZ12" }) });

const ListWebhooksQuery = ListQuery.extend({
  active: z.enum(["true", "false"]).transform((v) => v === "true").optional(),
  status: z.enum(["active", "inactive", "disabled"]).optional(),
  topic: z.string().max(200).optional().openapi({ description: "Only webhooks that would receive this topic" }),
  deleted: z.enum(["true", "false"]).transform((v) => v === "true").optional().openapi({ description: "true: list soft-deleted webhooks (restorable)" }),
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
    failIfAny(await semanticIssues(c, body, body.secret));
    const secret = body.secret ?? generateWebhookSecret();
    const now = Date.now();
    const webhook: Webhook = {
      id: newId("wh"), accountId: c.var.auth.accountId, url: body.url, description: body.description ?? null,
      topics: [...new Set(body.topics)], active: body.active, status: body.active ? "active" : "inactive", disabledReason: null,
      sealedSecrets: await sealJson([{ secret, expiresAt: null }] satisfies SigningSecret[], c.var.config.ENCRYPTION_KEY),
      channels: body.channels ?? null, sources: body.sources ?? null, filter: body.filter ?? null, headers: body.headers ?? null,
      signature: body.signature, delivery: body.delivery, metadata: body.metadata ?? null,
      createdAt: now, updatedAt: now, deletedAt: null, lastSuccessAt: null, lastFailureAt: null,
    };
    await store.insertWebhook(c.env.DB, webhook);
    await syncWebhook(c.env, webhook);
    return c.json(webhookOut(webhook, secret), 201);
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
    request: { params: IdParams },
    responses: { 200: jsonResponse(WebhookOut, "The webhook"), ...errorResponses },
  }),
  async (c) => c.json(webhookOut(await loadOr404(c, c.req.valid("param").id)), 200),
);

webhooks.openapi(
  createRoute({
    method: "put", path: "/{id}", tags, security, summary: "Update a webhook (partial)",
    description: "Only the fields sent change; `delivery` merges field by field. `{\"active\":false}` pauses deliveries (they wait); `{\"active\":true}` resumes them and re-enables a disabled webhook.",
    request: { params: IdParams, ...jsonBody(WebhookUpdate) },
    responses: { 200: jsonResponse(WebhookOut, "The updated webhook"), ...errorResponses },
  }),
  async (c) => {
    const current = await loadOr404(c, c.req.valid("param").id);
    const patch = c.req.valid("json");
    const { delivery: deliveryPatch, active, ...rest } = patch;
    const next: Webhook = {
      ...current,
      ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
      delivery: deliveryPatch ? DeliverySettings.parse({ ...current.delivery, ...deliveryPatch }) : current.delivery,
      active: active ?? current.active,
      status: statusAfterUpdate(current.status, active),
      updatedAt: Date.now(),
    };
    if (patch.topics) next.topics = [...new Set(patch.topics)];
    if (active !== undefined) next.disabledReason = null;
    assertStaysInScope(c, next);
    if (patch.signature && patch.signature.scheme !== current.signature.scheme && patch.signature.scheme === "standard") {
      const secrets = await unsealJson<SigningSecret[]>(current.sealedSecrets, c.var.config.ENCRYPTION_KEY);
      failIfAny(await semanticIssues(c, { url: patch.url, sources: patch.sources, signature: next.signature }, secrets[0]?.secret));
    } else {
      failIfAny(await semanticIssues(c, { url: patch.url, sources: patch.sources, signature: next.signature }));
    }
    await store.saveWebhook(c.env.DB, next);
    await syncWebhook(c.env, next);
    return c.json(webhookOut(next), 200);
  },
);

webhooks.openapi(
  createRoute({
    method: "delete", path: "/{id}", tags, security, summary: "Delete a webhook (soft; restorable)",
    description: "The webhook stops receiving at once. Deliveries that were waiting are kept until the restore window ends, and resume if it is restored.",
    request: { params: IdParams },
    responses: { 200: jsonResponse(WebhookOut, "The deleted webhook"), ...errorResponses },
  }),
  async (c) => {
    const current = await loadOr404(c, c.req.valid("param").id);
    const now = Date.now();
    const next: Webhook = { ...current, deletedAt: now, updatedAt: now };
    await store.saveWebhook(c.env.DB, next);
    await syncWebhook(c.env, next);
    return c.json(webhookOut(next), 200);
  },
);

webhooks.openapi(
  createRoute({
    method: "post", path: "/{id}/restore", tags, security, summary: "Restore a deleted webhook",
    request: { params: IdParams },
    responses: { 200: jsonResponse(WebhookOut, "The restored webhook"), ...errorResponses, 409: jsonResponse(z.unknown(), "The webhook is not deleted") },
  }),
  async (c) => {
    const current = await loadOr404(c, c.req.valid("param").id, { includeDeleted: true });
    if (current.deletedAt === null) throw new ApiError("conflict", `Webhook ${current.id} is not deleted`);
    const windowMs = c.var.config.RESTORE_WINDOW_DAYS * 86_400_000;
    if (Date.now() - current.deletedAt > windowMs) throw notFound("Webhook", current.id);
    const next: Webhook = { ...current, deletedAt: null, updatedAt: Date.now() };
    await store.saveWebhook(c.env.DB, next);
    await syncWebhook(c.env, next);
    return c.json(webhookOut(next), 200);
  },
);

webhooks.openapi(
  createRoute({
    method: "get", path: "/{id}/secret", tags, security, summary: "Reveal a webhook's signing secret",
    request: { params: IdParams },
    responses: {
      200: jsonResponse(
        z.object({ secret: z.string(), previous: z.array(z.object({ expiresAt: z.string() })) }).openapi("WebhookSecret"),
        "The current secret, and when rotated-out secrets stop signing",
      ),
      ...errorResponses,
    },
  }),
  async (c) => {
    const w = await loadOr404(c, c.req.valid("param").id);
    const secrets = await unsealJson<SigningSecret[]>(w.sealedSecrets, c.var.config.ENCRYPTION_KEY);
    const now = Date.now();
    const previous = secrets.slice(1).filter((s) => s.expiresAt !== null && s.expiresAt > now).map((s) => ({ expiresAt: isoTime(s.expiresAt)! }));
    return c.json({ secret: secrets[0]!.secret, previous }, 200);
  },
);
