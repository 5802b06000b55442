import { parseDigest } from "./digest";
import { prefixed } from "../../lib/encoding";
import { parseUnixSeconds, signedAndFresh } from "./timestamp";
import { fail, type ConfigOf, type VerifyInput, type VerifyResult } from "./types";

/**
 * Stripe: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, each v1 an HMAC-SHA256 of
 * `${t}.${body}` keyed by the endpoint secret's UTF-8 bytes (the `whsec_` string as is). Several
 * v1 entries appear while Stripe rolls an endpoint secret.
 */

const HEADER = "Stripe-Signature";
const EXPECTED = "t=<unix seconds>,v1=<hex HMAC-SHA256 of t.body>[,v1=…]";

export async function verifyStripe(input: VerifyInput, config: ConfigOf<"stripe">): Promise<VerifyResult> {
  const raw = input.headers.get(HEADER)?.trim();
  if (!raw) return fail("signature_missing", `Missing ${HEADER} header`);

  let timestampText: string | undefined;
  const candidates: string[] = [];
  for (const part of raw.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t") timestampText ??= value;
    // v0 (test-mode legacy) and unknown schemes are ignored, as Stripe's own library does.
    if (key === "v1") {
      const digest = parseDigest(value, "hex", 32);
      if (digest !== null) candidates.push(digest);
    }
  }
  const timestamp = timestampText === undefined ? null : parseUnixSeconds(timestampText);
  if (timestamp === null || candidates.length === 0) {
    return fail("signature_invalid", `Malformed ${HEADER} header; expected ${EXPECTED}`);
  }

  const signed = prefixed(`${timestampText}.`, input.body);
  return signedAndFresh(input, { signed, received: candidates, header: HEADER, unixSeconds: timestamp, toleranceSeconds: config.toleranceSeconds });
}
