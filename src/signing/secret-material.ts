import type { SecretEntry } from "../domain/secrets";
import type { VerificationType } from "../domain/verification";
import type { SignatureProfile, StoredSignature } from "../domain/webhook";
import { randomToken } from "../domain/ids";
import { toBase64 } from "../lib/encoding";
import { generateEd25519KeyPair } from "./ed25519";

/** New secrets: a webhook's signing secret or key pair, and a source's verification secret. */

/** Webhook signing secrets follow Standard Webhooks: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
}

/** For the schemes whose secret hookrelay mints (the user pastes it into the sender). */
export function generateSourceSecret(type: VerificationType): string {
  // Standard Webhooks senders expect the whsec_ form; the others are opaque shared strings.
  if (type === "standard-webhooks") return generateWebhookSecret();
  if (type === "api-key") return `hrsk_${randomToken(40)}`;
  return randomToken(32);
}

/**
 * A new signing secret for a signature profile: an Ed25519 key pair for `ed25519` (whose public
 * key the stored profile then carries), else the secret sent or a generated `whsec_…`. Used on
 * create, on a scheme change and by rotate-secret, so the three cannot drift apart.
 */
export async function freshSigningSecret(
  signature: SignatureProfile | StoredSignature,
  sent?: string,
): Promise<{ entry: SecretEntry; signature: StoredSignature }> {
  if (signature.scheme === "ed25519") {
    const pair = await generateEd25519KeyPair();
    return { entry: { secret: pair.secret, publicKey: pair.publicKey, expiresAt: null }, signature: { scheme: "ed25519", publicKey: pair.publicKey } };
  }
  return { entry: { secret: sent ?? generateWebhookSecret(), expiresAt: null }, signature };
}

/** What an answer may show of a secret: an HMAC secret, never an Ed25519 private key. */
export const shownSecret = (entry: SecretEntry): string | undefined => (entry.publicKey ? undefined : entry.secret);
