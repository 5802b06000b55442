import { fromBase64, toBase64, utf8 } from "../lib/encoding";
import { cachedKey } from "./key-cache";

/**
 * Standard Webhooks asymmetric signatures (`v1a`): Ed25519 over "id.timestamp.body", with Web
 * Crypto (workerd implements Ed25519). Keys are strings with the spec's prefixes:
 *   whsk_<base64 PKCS#8>   the private key; kept sealed at rest like an HMAC secret, never shown
 *   whpk_<base64 raw 32>   the public key; shown on the webhook, what receivers verify with
 * PKCS#8 rather than the raw seed because it is the format Web Crypto imports a private key from.
 */
export const PRIVATE_KEY_PREFIX = "whsk_";
export const PUBLIC_KEY_PREFIX = "whpk_";

export async function generateEd25519KeyPair(): Promise<{ secret: string; publicKey: string }> {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const pkcs8 = new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer);
  const raw = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  return { secret: PRIVATE_KEY_PREFIX + toBase64(pkcs8), publicKey: PUBLIC_KEY_PREFIX + toBase64(raw) };
}

function privateKey(secret: string): Promise<CryptoKey> {
  if (!secret.startsWith(PRIVATE_KEY_PREFIX)) return Promise.reject(new Error("not an Ed25519 private key (whsk_…)"));
  return cachedKey(`ed25519:${secret}`, () =>
    crypto.subtle.importKey("pkcs8", fromBase64(secret.slice(PRIVATE_KEY_PREFIX.length)), { name: "Ed25519" }, false, ["sign"]));
}

/** `v1a,<base64>` of Ed25519(privateKey, "id.timestamp.body"). */
export async function ed25519Signature(secret: string, msgId: string, timestampSeconds: number, body: string): Promise<string> {
  const sig = await crypto.subtle.sign({ name: "Ed25519" }, await privateKey(secret), utf8(`${msgId}.${timestampSeconds}.${body}`));
  return `v1a,${toBase64(new Uint8Array(sig))}`;
}
