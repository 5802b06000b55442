import type { SourceSecret } from "../domain/source";
import { randomToken } from "../domain/ids";
import { sealJson, unsealJson } from "../signing/seal";
import { generateWebhookSecret } from "../signing/secrets";
import type { VerificationType } from "./verifiers";

/**
 * Source secrets at rest: one AES-GCM sealed JSON list, newest first. Several are live while a
 * rotation's grace period runs; every live one is tried when verifying.
 */

/** The most secrets kept at once; older ones fall off on rotation even inside their grace. */
const MAX_SECRETS = 5;

export function generateSourceSecret(type: VerificationType): string {
  // Standard Webhooks senders expect the whsec_ form; the others are opaque shared strings.
  if (type === "standard-webhooks") return generateWebhookSecret();
  if (type === "api-key") return `hrsk_${randomToken(40)}`;
  return randomToken(32);
}

export async function sealSecrets(secrets: SourceSecret[], encryptionKey: string): Promise<string | null> {
  return secrets.length ? sealJson(secrets, encryptionKey) : null;
}

/** Also reads the plain `string[]` form the schema comment first described. */
export async function unsealSecrets(sealed: string | null, encryptionKey: string): Promise<SourceSecret[]> {
  if (!sealed) return [];
  const list = await unsealJson<unknown[]>(sealed, encryptionKey);
  return list.flatMap((s): SourceSecret[] => {
    if (typeof s === "string") return [{ secret: s, expiresAt: null }];
    if (typeof s === "object" && s !== null && typeof (s as SourceSecret).secret === "string") {
      const { secret, expiresAt } = s as SourceSecret;
      return [{ secret, expiresAt: typeof expiresAt === "number" ? expiresAt : null }];
    }
    return [];
  });
}

export const liveSecrets = (secrets: readonly SourceSecret[], nowMs: number): string[] =>
  secrets.filter((s) => s.expiresAt === null || s.expiresAt > nowMs).map((s) => s.secret);

/** `next` becomes current; the live previous secrets keep verifying for `graceSeconds` at most. */
export function rotateSecrets(current: readonly SourceSecret[], next: string, graceSeconds: number, nowMs: number): SourceSecret[] {
  const until = nowMs + graceSeconds * 1000;
  const previous = graceSeconds === 0
    ? []
    : current
        .filter((s) => s.secret !== next && (s.expiresAt === null || s.expiresAt > nowMs))
        .map((s) => ({ secret: s.secret, expiresAt: s.expiresAt === null ? until : Math.min(s.expiresAt, until) }));
  return [{ secret: next, expiresAt: null }, ...previous].slice(0, MAX_SECRETS);
}
