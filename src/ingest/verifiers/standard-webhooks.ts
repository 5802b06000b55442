import { fromBase64, prefixed } from "../../lib/encoding";
import type { KeyEncoding } from "../../signing/hmac";
import { parseDigest } from "./digest";
import { parseUnixSeconds, signedAndFresh } from "./timestamp";
import { fail, type ConfigOf, type VerifyInput, type VerifyResult } from "./types";

/**
 * Standard Webhooks (and Svix, its origin, under `svix-*` header names): `v1,<base64>` entries,
 * space-separated, of HMAC-SHA256 over `${id}.${timestamp}.${body}` keyed by the base64 secret.
 */

const FAMILIES = [
  { id: "webhook-id", timestamp: "webhook-timestamp", signature: "webhook-signature" },
  { id: "svix-id", timestamp: "svix-timestamp", signature: "svix-signature" },
] as const;

/** `whsec_` + base64 key bytes; the prefix is optional, as in the reference libraries. */
export const WHSEC_KEY: KeyEncoding = {
  kind: "whsec",
  decode(secret) {
    const key = fromBase64(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret);
    if (key.length === 0) throw new Error("empty key");
    return key;
  },
};

const EXPECTED = "space-separated v1,<base64 HMAC-SHA256 of id.timestamp.body> entries";

export async function verifyStandardWebhooks(
  input: VerifyInput,
  config: ConfigOf<"standard-webhooks">,
): Promise<VerifyResult> {
  const { headers } = input;
  // The family that sent any of its headers is the one used, so a missing piece is reported by name.
  const names = FAMILIES.find((f) => headers.has(f.id) || headers.has(f.timestamp) || headers.has(f.signature)) ?? FAMILIES[0];
  const id = headers.get(names.id)?.trim();
  const timestampText = headers.get(names.timestamp)?.trim();
  const signature = headers.get(names.signature)?.trim();
  const absent = [!id && names.id, !timestampText && names.timestamp, !signature && names.signature].filter(Boolean);
  if (!id || !timestampText || !signature) return fail("signature_missing", `Missing ${absent.join(", ")} header`);

  const timestamp = parseUnixSeconds(timestampText);
  if (timestamp === null) return fail("signature_invalid", `Malformed ${names.timestamp} header; expected unix seconds`);

  // Other versions (v1a, asymmetric) are skipped, as the reference libraries do.
  const candidates: string[] = [];
  for (const entry of signature.split(/\s+/)) {
    const comma = entry.indexOf(",");
    if (comma < 0 || entry.slice(0, comma) !== "v1") continue;
    const digest = parseDigest(entry.slice(comma + 1), "base64", 32);
    if (digest !== null) candidates.push(digest);
  }
  if (candidates.length === 0) return fail("signature_invalid", `Malformed ${names.signature} header; expected ${EXPECTED}`);

  const signed = prefixed(`${id}.${timestampText}.`, input.body);
  return signedAndFresh(input, { signed, received: candidates, header: names.signature, unixSeconds: timestamp, toleranceSeconds: config.toleranceSeconds, encoding: WHSEC_KEY });
}
