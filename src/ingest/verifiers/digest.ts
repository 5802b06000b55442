import { fromBase64, timingSafeEqual, toHex } from "../../lib/encoding";
import { hmac, hmacKey, UTF8_KEY, type HmacAlgorithm, type KeyEncoding } from "../../signing/hmac";

/** Parsing received digests and matching them against every secret in rotation. */

export type DigestEncoding = "hex" | "base64";

export const DIGEST_BYTES: Record<HmacAlgorithm, number> = { sha256: 32, sha1: 20 };

const HEX = /^[0-9a-f]+$/i;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * The digest as lowercase hex, or null when the text is not `byteLength` bytes in `encoding`.
 * Normalising to hex lets base64 with or without padding, or URL-safe, compare equal.
 */
export function parseDigest(text: string, encoding: DigestEncoding, byteLength: number): string | null {
  if (encoding === "hex") {
    return text.length === byteLength * 2 && HEX.test(text) ? text.toLowerCase() : null;
  }
  if (!BASE64.test(text)) return null;
  try {
    const bytes = fromBase64(text);
    return bytes.length === byteLength ? toHex(bytes) : null;
  } catch {
    return null;
  }
}

/**
 * True when the MAC of `data` under any secret equals any received digest (lowercase hex).
 * Secrets that cannot be decoded are skipped; comparison is constant-time per candidate.
 */
export async function anySecretMatches(
  algorithm: HmacAlgorithm,
  secrets: readonly string[],
  data: Uint8Array,
  received: readonly string[],
  encoding: KeyEncoding = UTF8_KEY,
): Promise<boolean> {
  if (received.length === 0) return false;
  for (const secret of secrets) {
    let key: CryptoKey;
    try {
      key = await hmacKey(algorithm, secret, encoding);
    } catch {
      continue;
    }
    const expected = toHex(await hmac(key, data));
    let matched = false;
    // No early exit across candidates: the time spent does not depend on which one matched.
    for (const candidate of received) matched = timingSafeEqual(candidate, expected) || matched;
    if (matched) return true;
  }
  return false;
}
