import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { destinationIssues } from "../domain/destination";
import { failIfAny, type FieldIssue } from "../domain/errors";
import { newId } from "../domain/ids";
import {
  DeliverySettings, resolveSettings, SECRET_FORMAT, statusAfterUpdate, type SignatureProfile, type StoredSignature,
  type Webhook, type WebhookCreate, type WebhookUpdate,
} from "../domain/webhook";
import { HEADER_MASK, isLegacyPlainHeaders, mergeMasked, openHeaders, sealHeaders, type HeaderValues } from "../signing/sealed-headers";
import { openSecrets, sealSecrets } from "../signing/sealed-secrets";
import { freshSigningSecret, shownSecret } from "../signing/secret-material";
import { getAccountSettings } from "../store/account-settings";
import { liveSourceIds } from "../store/sources";

/**
 * From a request body to a webhook row: the create body resolved against its profile, a PUT patch
 * applied to the stored row, and the checks zod cannot make. Shared by the webhooks API, the
 * WhatsApp session API's per-session config and the rotate-secret route.
 */

/**
 * A secret sent for a signature scheme: an ed25519 webhook signs (or rotates) with a key pair
 * hookrelay generates, and the standard scheme's secret has the whsec_ form.
 */
export function signingSecretIssues(signature: SignatureProfile | StoredSignature, secret: string | undefined, verb: "signs" | "rotates"): FieldIssue[] {
  if (secret === undefined) return [];
  if (signature.scheme === "ed25519") {
    const message = verb === "signs"
      ? "an ed25519 webhook signs with a key pair hookrelay generates; omit secret (the public key is on the webhook)"
      : "an ed25519 webhook rotates to a key pair hookrelay generates; omit secret";
    return [{ path: "body.secret", message, code: "invalid_secret" }];
  }
  if (signature.scheme === "standard" && !SECRET_FORMAT.test(secret)) {
    return [{
      path: "body.secret",
      message: "with the standard signature scheme the secret must be whsec_ followed by base64 of 24-64 bytes (omit it to have one generated)",
      code: "invalid_secret",
    }];
  }
  return [];
}

/**
 * Checks that depend on config or on other rows; zod covered the shapes already. Fields left
 * undefined are not checked (a PUT that does not send `url` must not fail on it).
 */
async function semanticIssues(
  c: Context<AppEnv>,
  w: { url?: string | undefined; sources?: string[] | null | undefined; signature: SignatureProfile | StoredSignature },
  secret?: string,
): Promise<FieldIssue[]> {
  const issues: FieldIssue[] = [];
  if (w.url !== undefined) issues.push(...destinationIssues(w.url, c.var.config.ALLOW_PRIVATE_DESTINATIONS));
  issues.push(...signingSecretIssues(w.signature, secret, "signs"));
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

/**
 * A new webhook from a create body: the profile (sent, else the account's default, else standard)
 * fills signature and delivery where the body is silent. Shared with the WhatsApp session API's per-session config.
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
    sealedSecrets: await sealSecrets([fresh.entry], c.var.config.ENCRYPTION_KEY),
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
    const secrets = await openSecrets(current.sealedSecrets, c.var.config.ENCRYPTION_KEY);
    failIfAny(await semanticIssues(c, { url: patch.url, sources: patch.sources, signature: next.signature }, secrets[0]?.secret));
  } else {
    failIfAny(await semanticIssues(c, { url: patch.url, sources: patch.sources, signature: next.signature }));
  }
  let secret: string | undefined;
  if (schemeChanged && (next.signature.scheme === "ed25519" || current.signature.scheme === "ed25519")) {
    const fresh = await freshSigningSecret(next.signature);
    next.signature = fresh.signature;
    next.sealedSecrets = await sealSecrets([fresh.entry], c.var.config.ENCRYPTION_KEY);
    secret = shownSecret(fresh.entry);
  }
  return { webhook: next, secret };
}
