import type { HmacAlgorithm } from "../../signing/hmac";
import { anySecretMatches, DIGEST_BYTES, parseDigest, type DigestEncoding } from "./digest";
import { fail, OK, type VerifyInput, type VerifyResult } from "./types";

/**
 * Schemes that are one header holding `prefix + digest` of an HMAC over the raw body. GitHub,
 * Shopify, Vobiz and the WhatsApp session API differ only in these four values, so they are rows, not code.
 */

export interface PlainHmacSpec {
  header: string;
  prefix: string;
  encoding: DigestEncoding;
  algorithm: HmacAlgorithm;
}

export const PLAIN_HMAC_PRESETS = {
  github: { header: "X-Hub-Signature-256", prefix: "sha256=", encoding: "hex", algorithm: "sha256" },
  shopify: { header: "X-Shopify-Hmac-SHA256", prefix: "", encoding: "base64", algorithm: "sha256" },
  // Vobiz's `X-Vobiz-Signature`: HMAC-SHA256 of the body, hex, no prefix.
  vobiz: { header: "X-Vobiz-Signature", prefix: "", encoding: "hex", algorithm: "sha256" },
  // The WhatsApp session API's `X-Webhook-Signature`: `sha256=` + hex HMAC-SHA256 of the body.
  "whatsapp-api": { header: "X-Webhook-Signature", prefix: "sha256=", encoding: "hex", algorithm: "sha256" },
} as const satisfies Record<string, PlainHmacSpec>;

export type PlainHmacPreset = keyof typeof PLAIN_HMAC_PRESETS;

export function describePlainHmac(spec: PlainHmacSpec): string {
  return `${spec.header}: ${spec.prefix}<${spec.encoding} HMAC-${spec.algorithm.toUpperCase()} of the body>`;
}

export async function verifyPlainHmac(spec: PlainHmacSpec, input: VerifyInput): Promise<VerifyResult> {
  const raw = input.headers.get(spec.header)?.trim();
  if (!raw) return fail("signature_missing", `Missing ${spec.header} header`);

  const malformed = () => fail("signature_invalid", `Malformed ${spec.header} header; expected ${describePlainHmac(spec)}`);
  if (raw.slice(0, spec.prefix.length).toLowerCase() !== spec.prefix.toLowerCase()) return malformed();
  const digest = parseDigest(raw.slice(spec.prefix.length), spec.encoding, DIGEST_BYTES[spec.algorithm]);
  if (digest === null) return malformed();

  return (await anySecretMatches(spec.algorithm, input.secrets, input.body, [digest]))
    ? OK
    : fail("signature_invalid", `${spec.header} does not match the body signed with any of the source's secrets`);
}
