import { liveSecrets, type SecretEntry } from "../domain/secrets";
import type { SignatureProfile } from "../domain/webhook";
import { fromBase64, toBase64, toHex, utf8 } from "../lib/encoding";
import { ed25519Signature } from "./ed25519";
import { hmac, hmacKey, type KeyEncoding } from "./hmac";

/**
 * Outgoing signatures. Standard Webhooks on every delivery; the `hmac-sha256` profile adds the
 * single header the WhatsApp session API and Vobiz receivers check (`X-Webhook-Signature: sha256=<hex>`,
 * `X-Vobiz-Signature: <hex>`). Keys come from the
 * isolate's key cache (signing/key-cache.ts).
 */

/**
 * Standard Webhooks key bytes: base64 after `whsec_`. A secret that is not whsec_ (allowed for
 * hmac-sha256 profiles, whose providers use plain strings) signs with its UTF-8 bytes, which is what
 * the standardwebhooks libraries do with `{ format: "raw" }`.
 */
const STANDARD_KEY: KeyEncoding = {
  kind: "whsec-or-utf8",
  decode: (secret) => (secret.startsWith("whsec_") ? fromBase64(secret.slice("whsec_".length)) : utf8(secret)),
};

async function hmacSha256(secret: string, message: string, encoding?: KeyEncoding): Promise<Uint8Array> {
  return hmac(await hmacKey("sha256", secret, encoding), utf8(message));
}

/** `v1,<base64>` of HMAC-SHA256(key, "id.timestamp.body"). */
export async function standardSignature(secret: string, msgId: string, timestampSeconds: number, body: string): Promise<string> {
  return `v1,${toBase64(await hmacSha256(secret, `${msgId}.${timestampSeconds}.${body}`, STANDARD_KEY))}`;
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
 * newest secret: those platforms' receivers compare the whole header value, so a second signature would
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
    const mac = await hmacSha256(live[0]!.secret, body);
    headers.profile = { name: profile.header, value: profile.prefix + (profile.encoding === "hex" ? toHex(mac) : toBase64(mac)) };
  }
  return headers;
}
