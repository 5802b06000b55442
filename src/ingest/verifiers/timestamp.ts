import type { HmacAlgorithm, KeyEncoding } from "../../signing/hmac";
import { anySecretMatches } from "./digest";
import { fail, OK, type VerifyInput, type VerifyResult } from "./types";

/** Unix-seconds timestamps in signature headers, and the tolerance window around the clock. */

export function parseUnixSeconds(text: string): number | null {
  return /^\d{1,12}$/.test(text) ? Number(text) : null;
}

/** Within `toleranceSeconds` of now, in either direction. */
export function isFresh(unixSeconds: number, nowMs: number, toleranceSeconds: number): boolean {
  return Math.abs(nowMs - unixSeconds * 1000) <= toleranceSeconds * 1000;
}

export function staleMessage(unixSeconds: number, nowMs: number, toleranceSeconds: number): string {
  const skewSeconds = Math.round(unixSeconds - nowMs / 1000);
  const direction = skewSeconds < 0 ? `${-skewSeconds} s in the past` : `${skewSeconds} s in the future`;
  return `The signed timestamp is ${direction}; at most ${toleranceSeconds} s either way is accepted`;
}

/**
 * The last step of every timestamped scheme (Standard Webhooks, Stripe, Slack): one of the
 * received digests is the MAC of `signed` under a live secret, then the timestamp is within the
 * tolerance. The signature is checked first, so `timestamp_stale` always means a genuine but old
 * (or early) request.
 */
export async function signedAndFresh(
  input: VerifyInput,
  check: { signed: Uint8Array; received: readonly string[]; header: string; unixSeconds: number; toleranceSeconds: number; algorithm?: HmacAlgorithm; encoding?: KeyEncoding },
): Promise<VerifyResult> {
  if (!(await anySecretMatches(check.algorithm ?? "sha256", input.secrets, check.signed, check.received, check.encoding))) {
    return fail("signature_invalid", `${check.header} does not match the request signed with any of the source's secrets`);
  }
  if (!isFresh(check.unixSeconds, input.nowMs, check.toleranceSeconds)) {
    return fail("timestamp_stale", staleMessage(check.unixSeconds, input.nowMs, check.toleranceSeconds));
  }
  return OK;
}
