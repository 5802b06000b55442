import { utf8 } from "../lib/encoding";
import { cachedKey } from "./key-cache";

/** HMAC keys and MACs, shared by outgoing signatures and the inbound verifiers. */

export type HmacAlgorithm = "sha256" | "sha1";

const HASH: Record<HmacAlgorithm, string> = { sha256: "SHA-256", sha1: "SHA-1" };

/** How a secret string becomes key bytes; `kind` keeps differently decoded keys apart in the cache. */
export interface KeyEncoding {
  kind: string;
  decode(secret: string): Uint8Array;
}

export const UTF8_KEY: KeyEncoding = { kind: "utf8", decode: utf8 };

/** Rejects when the secret cannot be decoded (callers treat that secret as unusable). */
export function hmacKey(algorithm: HmacAlgorithm, secret: string, encoding: KeyEncoding = UTF8_KEY): Promise<CryptoKey> {
  return cachedKey(`hmac:${algorithm}:${encoding.kind}:${secret}`, () =>
    crypto.subtle.importKey("raw", encoding.decode(secret), { name: "HMAC", hash: HASH[algorithm] }, false, ["sign"]));
}

export async function hmac(key: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, data));
}
