import { utf8 } from "../../lib/encoding";

/**
 * HMAC keys, imported once per (algorithm, key encoding, secret) and kept in a bounded map for the
 * life of the isolate: importKey is the expensive part of checking one signature.
 */

export type HmacAlgorithm = "sha256" | "sha1";

const HASH: Record<HmacAlgorithm, string> = { sha256: "SHA-256", sha1: "SHA-1" };

/** How a secret string becomes key bytes; `kind` keeps differently decoded keys apart in the cache. */
export interface KeyEncoding {
  kind: string;
  decode(secret: string): Uint8Array;
}

export const UTF8_KEY: KeyEncoding = { kind: "utf8", decode: utf8 };

export const MAX_CACHED_KEYS = 256;
const cache = new Map<string, Promise<CryptoKey>>();

/** Rejects when the secret cannot be decoded (callers treat that secret as unusable). */
export function hmacKey(algorithm: HmacAlgorithm, secret: string, encoding: KeyEncoding = UTF8_KEY): Promise<CryptoKey> {
  const id = `${algorithm}\u0000${encoding.kind}\u0000${secret}`;
  const hit = cache.get(id);
  if (hit) {
    // Re-insert so the map's insertion order doubles as least-recently-used order.
    cache.delete(id);
    cache.set(id, hit);
    return hit;
  }
  const key = (async () =>
    crypto.subtle.importKey("raw", encoding.decode(secret), { name: "HMAC", hash: HASH[algorithm] }, false, ["sign"]))();
  key.catch(() => cache.delete(id));
  cache.set(id, key);
  while (cache.size > MAX_CACHED_KEYS) {
    const oldest = cache.keys().next().value;
    if (oldest === undefined) break;
    cache.delete(oldest);
  }
  return key;
}

export async function hmac(key: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, data));
}

/** `prefix` (as UTF-8) followed by the body bytes, without decoding the body. */
export function prefixed(prefix: string, body: Uint8Array): Uint8Array {
  const head = utf8(prefix);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

export const cachedKeyCount = (): number => cache.size;
