/**
 * A list of secrets with rotation grace, shared by webhooks (signing secrets, or ed25519 key pairs)
 * and sources (verification secrets). Newest first: the first entry is current; rotated-out
 * entries carry `expiresAt` and keep signing (webhooks) or verifying (sources) until then.
 * Pure functions: the clock is an argument.
 */

export interface SecretEntry {
  secret: string;
  /** Set on a rotated-out secret still live during its grace; null on the current one. */
  expiresAt: number | null;
  /** ed25519 webhooks: `secret` is the private key (whsk_…) and this its public key (whpk_…). */
  publicKey?: string;
}

/** A list that holds at least the current secret (what a webhook always has, and a source unless its verification is none). */
export type SecretList = [SecretEntry, ...SecretEntry[]];

/** Enough for a few overlapping rotations; older secrets drop off even inside their grace. */
export const MAX_LIVE_SECRETS = 5;

/** Entries still live at `nowMs`: the current one and rotated-out ones inside their grace. */
export const liveSecrets = <T extends SecretEntry>(secrets: readonly T[], nowMs: number): T[] =>
  secrets.filter((s) => s.expiresAt === null || s.expiresAt > nowMs);

/**
 * `next` becomes current; the live previous entries stay live for `graceSeconds` at most (an entry
 * already expiring sooner keeps its own end). 0 drops them at once. An entry equal to `next` is not
 * kept twice.
 */
export function rotateSecrets(current: readonly SecretEntry[], next: SecretEntry, graceSeconds: number, nowMs: number): SecretList {
  const graceEndsAt = nowMs + graceSeconds * 1000;
  const previous = liveSecrets(current, nowMs)
    .filter((s) => s.secret !== next.secret)
    .map((s) => ({ ...s, expiresAt: Math.min(s.expiresAt ?? graceEndsAt, graceEndsAt) }))
    .filter((s) => s.expiresAt > nowMs);
  return [{ ...next, expiresAt: null }, ...previous].slice(0, MAX_LIVE_SECRETS) as SecretList;
}

/** What a "reveal secret" route shows: the current entry and the rotated-out ones still live. */
export function revealSecrets(secrets: readonly SecretEntry[], nowMs: number): { current: SecretEntry | null; previous: (SecretEntry & { expiresAt: number })[] } {
  const previous = secrets.slice(1).filter((s): s is SecretEntry & { expiresAt: number } => s.expiresAt !== null && s.expiresAt > nowMs);
  return { current: secrets[0] ?? null, previous };
}
