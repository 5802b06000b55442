import { toBase64, toHex, utf8 } from "../lib/encoding";
import { randomToken } from "../domain/ids";

/** Webhook signing secrets follow Standard Webhooks: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
}

/** API keys: `hr_` + 40 base62 chars (≈238 bits). Only their SHA-256 is stored. */
export function generateApiKey(): string {
  return `hr_${randomToken(40)}`;
}

export async function sha256Hex(text: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(text))));
}
