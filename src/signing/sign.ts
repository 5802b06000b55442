import { liveSecrets, type SecretEntry } from "../domain/secrets";
import type { SignatureProfile } from "../domain/webhook";
import { fromBase64, toBase64, toHex, utf8 } from "../lib/encoding";
import { ed25519Signature } from "./ed25519";

/**
 * Outgoing signatures. Standard Webhooks on every delivery; the `hmac-sha256` profile adds the
 * seeds' single header (`X-Webhook-Signature: sha256=<hex>` and friends).
 *
 * HMAC keys are imported once per isolate and kept in a bounded cache: importKey is the costly
 * part of signing, and a DO signs every attempt with the same one or two secrets.
 */
const MAX_CACHED_KEYS = 1000;
const keyCache = new Map<string, Promise<CryptoKey>>();

function hmacKey(kind: "std" | "raw", secret: string): Promise<CryptoKey> {
  const cacheKey = `${kind}:${secret}`;
  let key = keyCache.get(cacheKey);
  if (key) return key;
  key = crypto.subtle.importKey("raw", kind === "std" ? standardKeyBytes(secret) : utf8(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  // Map keeps insertion order, so dropping the first entry evicts the oldest import.
  if (keyCache.size >= MAX_CACHED_KEYS) keyCache.delete(keyCache.keys().next().value!);
  keyCache.set(cacheKey, key);
  // A failed import must not stay cached.
  key.catch(() => keyCache.delete(cacheKey));
  return key;
}

/**
 * Standard Webhooks key bytes: base64 after `whsec_`. A secret that is not whsec_ (allowed for
 * hmac-sha256 profiles, whose providers use plain strings) signs with its UTF-8 bytes, which is what
 * the standardwebhooks libraries do with `{ format: "raw" }`.
 */
function standardKeyBytes(secret: string): Uint8Array<ArrayBuffer> {
  if (secret.startsWith("whsec_")) return fromBase64(secret.slice("whsec_".length));
  return utf8(secret);
}

async function hmac(kind: "std" | "raw", secret: string, message: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(kind, secret), utf8(message)));
}

/** `v1,<base64>` of HMAC-SHA256(key, "id.timestamp.body"). */
export async function standardSignature(secret: string, msgId: string, timestampSeconds: number, body: string): Promise<string> {
  return `v1,${toBase64(await hmac("std", secret, `${msgId}.${timestampSeconds}.${body}`))}`;
}

export interface SignedHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
  /** The hmac-sha256 profile's header, when the webhook uses one. */
  profile?: { name: string; value: string };
}

/**
 * Signs one attempt. `secrets` is newest first. Standard Webhooks carries every live secret
 * (space-separated) so receivers can rotate without downtime. The profile header carries only the
 * newest secret: the seeds' receivers compare the whole header value, so a second signature would
 * fail them; for those profiles a rotation takes effect at once.
 */
export async function signDelivery(
  profile: SignatureProfile,
  secrets: readonly SecretEntry[],
  msgId: string,
  timestampSeconds: number,
  body: string,
  nowMs: number,
): Promise<SignedHeaders> {
  const live = liveSecrets(secrets, nowMs);
  if (live.length === 0) throw new Error("the webhook has no signing secret");
  // ed25519 webhooks hold key pairs, not HMAC secrets: `v1a` entries only, one per live key.
  const sign = profile.scheme === "ed25519" ? ed25519Signature : standardSignature;
  const signatures = await Promise.all(live.map((s) => sign(s.secret, msgId, timestampSeconds, body)));
  const headers: SignedHeaders = {
    "webhook-id": msgId,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": signatures.join(" "),
  };
  if (profile.scheme === "hmac-sha256") {
    const mac = await hmac("raw", live[0]!.secret, body);
    headers.profile = { name: profile.header, value: profile.prefix + (profile.encoding === "hex" ? toHex(mac) : toBase64(mac)) };
  }
  return headers;
}
