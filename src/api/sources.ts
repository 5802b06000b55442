import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { apiKeySecurity, errorResponses, jsonBody, jsonResponse, pageOf } from "./route-docs";
import { ListQuery } from "../domain/query";
import { isoTime } from "../lib/time";
import { ApiError, failIfAny, type FieldIssue } from "../domain/errors";
import { newId } from "../domain/ids";
import { foundOr404, restored, softDeleted } from "../domain/lifecycle";
import { revealSecrets, rotateSecrets } from "../domain/secrets";
import { RotateSecret, SECRET_SOURCE, SourceCreate, SourceOut, SourceSecretOut, SourceUpdate, type Source } from "../domain/source";
import { resolveRules } from "../ingest/rules";
import { forgetSource } from "../ingest/source-cache";
import { secretProblem, type VerificationConfig } from "../ingest/verifiers";
import { createApp } from "./create-app";
import { requireAuth } from "../middleware/auth";
import { limitBody } from "../middleware/body-limit";
import { openSecrets, sealSecrets } from "../signing/sealed-secrets";
import { generateSourceSecret } from "../signing/secret-material";
import * as store from "../store/sources";

/**
 * Inbound sources: CRUD, soft delete and restore, and the verification secret. The ingest URL
 * (`/in/{id}`) is the public side; see src/ingest/route.ts.
 */
export const sources = createApp();

// Source bodies are small; mounted here because app.ts's management limit lists paths explicitly.
const SOURCE_BODY_LIMIT_BYTES = 64 * 1024;
sources.use("*", limitBody(SOURCE_BODY_LIMIT_BYTES));
sources.use("*", requireAuth());

const tags = ["Sources"];
const security = apiKeySecurity;

// 22 random base62 characters ≈ 131 bits: the id in the ingest URL is what lets a caller post events.
const SOURCE_ID_RANDOM_CHARS = 22;

function ingestUrl(c: Context<AppEnv>, id: string): string {
  const base = c.var.config.PUBLIC_BASE_URL.replace(/\/+$/, "") || new URL(c.req.url).origin;
  return `${base}/in/${id}`;
}

function sourceOut(c: Context<AppEnv>, s: Source, secret?: string): z.infer<typeof SourceOut> {
  return {
    id: s.id, name: s.name, description: s.description, verification: s.verification,
    topic: s.topic, channel: s.channel, dedupe: s.dedupe, resolvedRules: resolveRules(s),
    forwardHeaders: s.forwardHeaders, rateLimit: s.rateLimit, active: s.active, ingestUrl: ingestUrl(c, s.id),
    createdAt: isoTime(s.createdAt)!, updatedAt: isoTime(s.updatedAt)!, deletedAt: isoTime(s.deletedAt),
    ...(secret === undefined ? {} : { secret }),
  };
}

function secretIssues(config: VerificationConfig, secret: string, path = "body.secret"): FieldIssue[] {
  if (SECRET_SOURCE[config.type] === "none") {
    return [{ path, message: "verification none uses no secret; leave it out", code: "secret_not_used" }];
  }
  const problem = secretProblem(config, secret);
  return problem ? [{ path, message: problem, code: "invalid_secret" }] : [];
}

const secretRequired = (config: VerificationConfig): FieldIssue => ({
  path: "body.secret",
  message: `required for verification ${config.type}: the signing secret the provider shows you`,
  code: "secret_required",
});

/** Rules across fields that zod checks one field at a time. */
function crossFieldIssues(s: Pick<Source, "verification" | "forwardHeaders">): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const { verification } = s;
  if (verification.type === "api-key") {
    const keyHeader = verification.header.toLowerCase();
    s.forwardHeaders?.forEach((h, i) => {
      if (h.toLowerCase() === keyHeader) {
        issues.push({ path: `body.forwardHeaders.${i}`, message: `${h} carries the source's key and cannot be forwarded`, code: "forbidden_header" });
      }
    });
  }
  return issues;
}

/** Stored header names are lowercase, the form the ingest route looks them up in. */
const normalizeHeaders = (list: string[] | null | undefined) => (list ? [...new Set(list.map((h) => h.toLowerCase()))] : list);

async function loadOr404(c: Context<AppEnv>, id: string, opts: { includeDeleted?: boolean } = {}) {
  return foundOr404("Source", id, await store.getSource(c.env.DB, c.var.auth.accountId, id, opts));
}

/** Saves and drops this isolate's cached copy, so the ingest route sees the change at once here. */
async function save(c: Context<AppEnv>, s: Source) {
  await store.saveSource(c.env.DB, s);
  forgetSource(s.id);
}

const IdParams = z.object({
  id: z.string().max(100).openapi({ param: { name: "id", in: "path" }, example: "src_0mh2k3x9a4Hq8ZyXw2PpLm5TbV7cN1dRf" }),
});

const ListSourcesQuery = ListQuery.extend({
  active: z.enum(["true", "false"]).transform((v) => v === "true").optional(),
  deleted: z.enum(["true", "false"]).transform((v) => v === "true").optional().openapi({ description: "true: list soft-deleted sources (restorable)" }),
});

sources.openapi(
  createRoute({
    method: "post", path: "/", tags, security, summary: "Create an inbound source",
    description:
      "Returns the `ingestUrl` to give the provider. Provider schemes (stripe, github, shopify, slack, hmac, vobiz, whatsapp-api) need the provider's `secret`; standard-webhooks, basic and api-key get one generated when absent. The secret is returned here and afterwards only by GET /{id}/secret and rotate-secret.",
    request: jsonBody(SourceCreate),
    responses: { 201: jsonResponse(SourceOut, "The source, with its secret"), ...errorResponses },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const kind = SECRET_SOURCE[body.verification.type];
    const forwardHeaders = normalizeHeaders(body.forwardHeaders) ?? null;
    const issues = crossFieldIssues({ verification: body.verification, forwardHeaders });
    if (body.secret !== undefined) issues.push(...secretIssues(body.verification, body.secret));
    else if (kind === "provided") issues.push(secretRequired(body.verification));
    failIfAny(issues);

    const secret = body.secret ?? (kind === "generated" ? generateSourceSecret(body.verification.type) : undefined);
    const now = Date.now();
    const source: Source = {
      id: newId("src", SOURCE_ID_RANDOM_CHARS), accountId: c.var.auth.accountId, name: body.name, description: body.description ?? null,
      verification: body.verification,
      sealedSecrets: secret === undefined ? null : await sealSecrets([{ secret, expiresAt: null }], c.var.config.ENCRYPTION_KEY),
      topic: body.topic ?? null, channel: body.channel ?? null, dedupe: body.dedupe ?? null, forwardHeaders,
      rateLimit: body.rateLimit ?? null, active: body.active, createdAt: now, updatedAt: now, deletedAt: null,
    };
    await store.insertSource(c.env.DB, source);
    return c.json(sourceOut(c, source, secret), 201);
  },
);

sources.openapi(
  createRoute({
    method: "get", path: "/", tags, security, summary: "List inbound sources",
    request: { query: ListSourcesQuery },
    responses: { 200: jsonResponse(pageOf(SourceOut, "SourcePage"), "A page of sources, newest first"), ...errorResponses },
  }),
  async (c) => {
    const page = await store.listSources(c.env.DB, c.var.auth.accountId, c.req.valid("query"));
    return c.json({ data: page.data.map((s) => sourceOut(c, s)), nextCursor: page.nextCursor }, 200);
  },
);

sources.openapi(
  createRoute({
    method: "get", path: "/{id}", tags, security, summary: "Get an inbound source",
    request: { params: IdParams },
    responses: { 200: jsonResponse(SourceOut, "The source"), ...errorResponses },
  }),
  async (c) => c.json(sourceOut(c, await loadOr404(c, c.req.valid("param").id)), 200),
);

sources.openapi(
  createRoute({
    method: "put", path: "/{id}", tags, security, summary: "Update an inbound source (partial)",
    description:
      "Only the fields sent change; `verification` is replaced whole. `secret` replaces the secrets at once (rotate-secret keeps the old one valid for a while). Switching `verification.type` to standard-webhooks, basic or api-key without a `secret` generates one and returns it; switching to a provider scheme keeps the current secret only if one exists, otherwise `secret` is required; switching to none drops the secrets.",
    request: { params: IdParams, ...jsonBody(SourceUpdate) },
    responses: { 200: jsonResponse(SourceOut, "The updated source (with `secret` only when one was generated)"), ...errorResponses },
  }),
  async (c) => {
    const current = await loadOr404(c, c.req.valid("param").id);
    const { secret, forwardHeaders, ...fields } = c.req.valid("json");
    const next: Source = {
      ...current,
      ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
      forwardHeaders: forwardHeaders === undefined ? current.forwardHeaders : (normalizeHeaders(forwardHeaders) ?? null),
      updatedAt: Date.now(),
    };
    const kind = SECRET_SOURCE[next.verification.type];
    const typeChanged = next.verification.type !== current.verification.type;
    const key = c.var.config.ENCRYPTION_KEY;

    const issues = crossFieldIssues(next);
    let generated: string | undefined;
    if (secret !== undefined) {
      issues.push(...secretIssues(next.verification, secret));
      next.sealedSecrets = await sealSecrets([{ secret, expiresAt: null }], key);
    } else if (typeChanged) {
      if (kind === "none") next.sealedSecrets = null;
      else if (kind === "generated") {
        // The old scheme's secret has the wrong form for this one (a whsec_ key, a password, a key).
        generated = generateSourceSecret(next.verification.type);
        next.sealedSecrets = await sealSecrets([{ secret: generated, expiresAt: null }], key);
      } else {
        // Switching between HMAC schemes (a preset and the generic hmac) keeps the provider's secret.
        const usable = (await openSecrets(current.sealedSecrets, key)).filter((s) => secretProblem(next.verification, s.secret) === null);
        if (usable.length === 0) issues.push(secretRequired(next.verification));
      }
    }
    failIfAny(issues);

    await save(c, next);
    return c.json(sourceOut(c, next, generated), 200);
  },
);

sources.openapi(
  createRoute({
    method: "delete", path: "/{id}", tags, security, summary: "Delete an inbound source (soft; restorable)",
    description: "The ingest URL answers 404 from now on (other isolates may take up to 30 s to notice); restore brings it back.",
    request: { params: IdParams },
    responses: { 200: jsonResponse(SourceOut, "The deleted source"), ...errorResponses },
  }),
  async (c) => {
    const next = softDeleted(await loadOr404(c, c.req.valid("param").id), Date.now());
    await save(c, next);
    return c.json(sourceOut(c, next), 200);
  },
);

sources.openapi(
  createRoute({
    method: "post", path: "/{id}/restore", tags, security, summary: "Restore a deleted inbound source",
    request: { params: IdParams },
    responses: { 200: jsonResponse(SourceOut, "The restored source"), ...errorResponses, 409: jsonResponse(z.unknown(), "The source is not deleted") },
  }),
  async (c) => {
    const current = await loadOr404(c, c.req.valid("param").id, { includeDeleted: true });
    const next = restored("Source", current, c.var.config.RESTORE_WINDOW_DAYS, Date.now());
    await save(c, next);
    return c.json(sourceOut(c, next), 200);
  },
);

sources.openapi(
  createRoute({
    method: "get", path: "/{id}/secret", tags, security, summary: "Reveal an inbound source's secret",
    request: { params: IdParams },
    responses: { 200: jsonResponse(SourceSecretOut, "The current secret, and until when rotated-out secrets are still accepted"), ...errorResponses },
  }),
  async (c) => {
    const s = await loadOr404(c, c.req.valid("param").id);
    const { current, previous } = revealSecrets(await openSecrets(s.sealedSecrets, c.var.config.ENCRYPTION_KEY), Date.now());
    return c.json({ secret: current?.secret ?? null, previous: previous.map((p) => ({ expiresAt: isoTime(p.expiresAt)! })) }, 200);
  },
);

sources.openapi(
  createRoute({
    method: "post", path: "/{id}/rotate-secret", tags, security, summary: "Rotate an inbound source's secret",
    description:
      "The new secret becomes current; the previous ones keep verifying for `graceSeconds` (default 24 h) so the provider can be switched over without failed deliveries. Provider schemes need the new `secret` from the provider; the others get one generated when absent.",
    request: { params: IdParams, ...jsonBody(RotateSecret) },
    responses: {
      200: jsonResponse(SourceOut, "The source, with its new secret"),
      ...errorResponses,
      409: jsonResponse(z.unknown(), "The source's verification uses no secret"),
    },
  }),
  async (c) => {
    const current = await loadOr404(c, c.req.valid("param").id);
    const body = c.req.valid("json");
    const { verification } = current;
    const kind = SECRET_SOURCE[verification.type];
    if (kind === "none") throw new ApiError("conflict", `Source ${current.id} uses verification none, which has no secret to rotate`);
    if (body.secret !== undefined) failIfAny(secretIssues(verification, body.secret));
    else if (kind === "provided") failIfAny([secretRequired(verification)]);

    const secret = body.secret ?? generateSourceSecret(verification.type);
    const now = Date.now();
    const key = c.var.config.ENCRYPTION_KEY;
    const secrets = rotateSecrets(await openSecrets(current.sealedSecrets, key), { secret, expiresAt: null }, body.graceSeconds, now);
    const next: Source = { ...current, sealedSecrets: await sealSecrets(secrets, key), updatedAt: now };
    await save(c, next);
    return c.json(sourceOut(c, next, secret), 200);
  },
);
