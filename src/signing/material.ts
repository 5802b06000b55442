import type { SignatureProfile, SigningSecret, StoredSignature } from "../domain/webhook";
import { generateEd25519KeyPair } from "./ed25519";
import { generateWebhookSecret } from "./secrets";

/**
 * A new signing secret for a signature profile: an Ed25519 key pair for `ed25519` (whose public
 * key the stored profile then carries), else the secret sent or a generated `whsec_…`. Used on
 * create, on a scheme change and by rotate-secret, so the three cannot drift apart.
 */
export async function freshSigningSecret(
  signature: SignatureProfile | StoredSignature,
  sent?: string,
): Promise<{ entry: SigningSecret; signature: StoredSignature }> {
  if (signature.scheme === "ed25519") {
    const pair = await generateEd25519KeyPair();
    return { entry: { secret: pair.secret, publicKey: pair.publicKey, expiresAt: null }, signature: { scheme: "ed25519", publicKey: pair.publicKey } };
  }
  return { entry: { secret: sent ?? generateWebhookSecret(), expiresAt: null }, signature };
}

/** What an answer may show of a secret: an HMAC secret, never an Ed25519 private key. */
export const shownSecret = (entry: SigningSecret): string | undefined => (entry.publicKey ? undefined : entry.secret);
