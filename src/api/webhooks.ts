import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { apiKeySecurity, errorResponses, isoTime, jsonBody, jsonResponse, ListQuery, pageOf } from "../domain/common";
import { destinationProblem } from "../domain/destination";
import { ApiError, type FieldIssue, notFound } from "../domain/errors";
import { newId } from "../domain/ids";
import {
  DeliverySettings, resolveSettings, SECRET_FORMAT, statusAfterUpdate, WebhookCreate, WebhookOut, WebhookUpdate,
  type SignatureProfile, type SigningSecret, type StoredSignature, type Webhook,
} from "../domain/webhook";
import { createWebhook, updateWebhook } from "../delivery/sync";
import { createApp } from "./create-app";
import { requireAuth } from "../middleware/auth";
import { sealJson, unsealJson } from "../signing/seal";
import { freshSigningSecret, shownSecret } from "../signing/material";
import { getAccountSettings } from "../store/account-settings";
import { HEADER_MASK, isLegacyPlainHeaders, maskHeaders, mergeMasked, openHeaders, sealHeaders, type HeaderValues } from "../signing/sealed-headers";
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
    description: w.description, channels: w.channels, sources: w.sources, filter: w.filter, headers: maskHeaders(w.headerNames),
    profile: w.profile, signature: w.signature, delivery: w.delivery, metadata: w.metadata,
    createdAt: isoTime(w.createdAt)!, updatedAt: isoTime(w.updatedAt)!, deletedAt: isoTime(w.deletedAt),
    ...(secret === undefined ? {} : { secret }),
  };
}

/** Checks that depend on config or on other rows; zod covered the shapes already. */
/** Fields left undefined are not checked (a PUT that does not send `url` must not fail on it). */
async function semanticIssues(
  c: Context<AppEnv>,
  w: { url?: string | undefined; sources?: string[] | null | undefined; signature: SignatureProfile | StoredSignature },
  secret?: string,
): Promise<FieldIssue[]> {
  const issues: FieldIssue[] = [];
  if (secret !== undefined && w.signature.scheme === "ed25519") {
    issues.push({ path: "body.secret", message: "an ed25519 webhook signs with a key pair hookrelay generates; omit secret (the public key is on the webhook)", code: "invalid_secret" });
  }
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

/** The sealed form and the names of a header map (null or {} means none). */
async function sealedHeaderFields(c: Context<AppEnv>, headers: HeaderValues | null): Promise<Pick<Webhook, "sealedHeaders" | "headerNames">> {
  const sealedHeaders = await sealHeaders(headers, c.var.config.ENCRYPTION_KEY);
  return { sealedHeaders, headerNames: sealedHeaders === null ? null : Object.keys(headers!) };
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
  channel: z.string().min(1).max(200).optional().openapi({ description: "Only webhooks whose channels include this one (e.g. a WhatsApp session id)" }),
});

/**
 * A new webhook from a create body: the profile (sent, else the account's default, else standard)
 * fills signature and delivery where the body is silent. Shared with seed 004's session routes.
 */
export async function buildWebhook(c: Context<AppEnv>, body: WebhookCreate): Promise<{ webhook: Webhook; secret: string | undefined }> {
  const profile = body.profile ?? (await getAccountSettings(c.env.DB, c.var.auth.accountId))?.defaultProfile ?? "standard";
  const resolved = resolveSettings(profile, { signature: body.signature, delivery: body.delivery });
  failIfAny(await semanticIssues(c, { ...body, signature: resolved.signature }, body.secret));
  const masked = Object.entries(body.headers ?? {}).filter(([, v]) => v === HEADER_MASK).map(([k]) => k);
  failIfAny(masked.map((name) => ({ path: `body.headers.${name}`, message: "is the mask GET shows, not a value; send the header's value", code: "masked_value" })));
  const fresh = await freshSigningSecret(resolved.signature, body.secret);
  const now = Date.now();
  const webhook: Webhook = {
    id: newId("wh"), accountId: c.var.auth.accountId, url: body.url, description: body.description ?? null,
    topics: [...new Set(body.topics)], active: body.active, status: body.active ? "active" : "inactive", disabledReason: null,
    sealedSecrets: await sealJson([fresh.entry] satisfies SigningSecret[], c.var.config.ENCRYPTION_KEY),
    channels: body.channels ?? null, sources: body.sources ?? null, filter: body.filter ?? null,
    ...(await sealedHeaderFields(c, body.headers ?? null)),
    signature: fresh.signature, delivery: resolved.delivery, profile, metadata: body.metadata ?? null,
    createdAt: now, updatedAt: now, deletedAt: null, lastSuccessAt: null, lastFailureAt: null, version: 1,
  };
  return { webhook, secret: shownSecret(fresh.entry) };
}

/**
 * A PUT patch applied to a webhook. A profile change re-resolves signature and delivery (the new
 * profile's, then the fields sent with it); a scheme change to or from ed25519 needs new key
 * material, which replaces the old (an HMAC secret cannot sign v1a, nor a key pair v1), and the
 * answer shows the new secret (or the new public key on the signature).
 */
export async function applyWebhookPatch(c: Context<AppEnv>, current: Webhook, patch: WebhookUpdate): Promise<{ webhook: Webhook; secret: string | undefined }> {
  const { delivery: deliveryPatch, active, profile, signature: signaturePatch, headers: headersPatch, ...rest } = patch;
  const resolved = profile
    ? resolveSettings(profile, { signature: signaturePatch, delivery: deliveryPatch })
    : { signature: signaturePatch ?? current.signature, delivery: deliveryPatch ? DeliverySettings.parse({ ...current.delivery, ...deliveryPatch }) : current.delivery };
  const next: Webhook = {
    ...current,
    ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
    profile: profile ?? current.profile,
    signature: resolved.signature.scheme === "ed25519" && current.signature.scheme === "ed25519" ? current.signature : (resolved.signature as StoredSignature),
    delivery: resolved.delivery,
    active: active ?? current.active,
    status: statusAfterUpdate(current.status, active),
    updatedAt: Date.now(),
  };
  if (patch.topics) next.topics = [...new Set(patch.topics)];
  if (headersPatch !== undefined) {
    // Replaces the map; a value sent back as the mask keeps that header's stored value.
    const stored = await openHeaders(current.sealedHeaders, c.var.config.ENCRYPTION_KEY);
    const { values, unknownMasked } = mergeMasked(headersPatch ?? {}, stored);
    failIfAny(unknownMasked.map((name) => ({ path: `body.headers.${name}`, message: "is the mask, but the webhook has no stored value for this header to keep", code: "masked_value" })));
    Object.assign(next, await sealedHeaderFields(c, headersPatch === null ? null : values));
  } else if (isLegacyPlainHeaders(current.sealedHeaders)) {
    // Written before headers were sealed: sealed now that the row is written anyway.
    Object.assign(next, await sealedHeaderFields(c, await openHeaders(current.sealedHeaders, c.var.config.ENCRYPTION_KEY)));
  }
  if (active !== undefined) next.disabledReason = null;
  const schemeChanged = next.signature.scheme !== current.signature.scheme;
  if (schemeChanged && next.signature.scheme === "standard" && current.signature.scheme !== "ed25519") {
    const secrets = await unsealJson<SigningSecret[]>(current.sealedSecrets, c.var.config.ENCRYPTION_KEY);
    failIfAny(await semanticIssues(c, { url: patch.url, sources: patch.sources, signature: next.signature }, secrets[0]?.secret));
  } else {
    failIfAny(await semanticIssues(c, { url: patch.url, sources: patch.sources, signature: next.signature }));
  }
  let secret: string | undefined;
  if (schemeChanged && (next.signature.scheme === "ed25519" || current.signature.scheme === "ed25519")) {
    const fresh = await freshSigningSecret(next.signature);
    next.signature = fresh.signature;
    next.sealedSecrets = await sealJson([fresh.entry] satisfies SigningSecret[], c.var.config.ENCRYPTION_KEY);
    secret = shownSecret(fresh.entry);
  }
  return { webhook: next, secret };
}

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
    request: { params: IdParams },
    responses: { 200: jsonResponse(WebhookOut, "The deleted webhook"), ...errorResponses },
  }),
  async (c) => {
    const next = await updateWebhook(c.env, c.var.auth.accountId, c.req.valid("param").id, (current) => {
      const now = Date.now();
      return { ...assertInScope(c, current), deletedAt: now, updatedAt: now };
    });
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
    const windowMs = c.var.config.RESTORE_WINDOW_DAYS * 86_400_000;
    const next = await updateWebhook(
      c.env, c.var.auth.accountId, c.req.valid("param").id,
      (current) => {
        assertInScope(c, current);
        if (current.deletedAt === null) throw new ApiError("conflict", `Webhook ${current.id} is not deleted`);
        if (Date.now() - current.deletedAt > windowMs) throw notFound("Webhook", current.id);
        return { ...current, deletedAt: null, updatedAt: Date.now() };
      },
      { includeDeleted: true },
    );
    return c.json(webhookOut(next), 200);
  },
);

webhooks.openapi(
  createRoute({
    method: "get", path: "/{id}/secret", tags, security, summary: "Reveal a webhook's signing secret",
    request: { params: IdParams },
    responses: {
      200: jsonResponse(
        z
          .object({
            secret: z.string().optional().openapi({ description: "The HMAC secret (absent for ed25519: its private key is never shown)" }),
            publicKey: z.string().optional().openapi({ description: "ed25519: the current public key (whpk_…)" }),
            previous: z.array(z.object({ expiresAt: z.string(), publicKey: z.string().optional() })),
          })
          .openapi("WebhookSecret"),
        "The current secret (or public key), and when rotated-out ones stop signing",
      ),
      ...errorResponses,
    },
  }),
  async (c) => {
    const w = await loadOr404(c, c.req.valid("param").id);
    const secrets = await unsealJson<SigningSecret[]>(w.sealedSecrets, c.var.config.ENCRYPTION_KEY);
    const now = Date.now();
    const previous = secrets
      .slice(1)
      .filter((s) => s.expiresAt !== null && s.expiresAt > now)
      .map((s) => ({ expiresAt: isoTime(s.expiresAt)!, ...(s.publicKey ? { publicKey: s.publicKey } : {}) }));
    const current = secrets[0]!;
    return c.json({ ...(current.publicKey ? { publicKey: current.publicKey } : { secret: current.secret }), previous }, 200);
  },
);

webhooks.openapi(
  createRoute({
    method: "get", path: "/{id}/headers", tags, security, summary: "Reveal a webhook's own request headers",
    description: "Header values are sealed at rest and masked everywhere else; this is the one place they are shown.",
    request: { params: IdParams },
    responses: {
      200: jsonResponse(z.object({ headers: z.record(z.string(), z.string()).nullable() }).openapi("WebhookHeaders"), "The headers sent with every delivery"),
      ...errorResponses,
    },
  }),
  async (c) => {
    const w = await loadOr404(c, c.req.valid("param").id);
    return c.json({ headers: await openHeaders(w.sealedHeaders, c.var.config.ENCRYPTION_KEY) }, 200);
  },
);
