import { timingSafeEqual } from "../../lib/encoding";
import { sha256Hex } from "../../lib/hash";
import { fail, OK, type ConfigOf, type VerifyInput, type VerifyResult } from "./types";

/**
 * A shared key in a header (optionally after a prefix such as `Bearer `); the key is one of the
 * source's secrets. Compared as SHA-256 digests so the key's length does not show in the timing.
 */

export async function verifyApiKey(input: VerifyInput, config: ConfigOf<"api-key">): Promise<VerifyResult> {
  const raw = input.headers.get(config.header)?.trim();
  if (!raw) return fail("signature_missing", `Missing ${config.header} header`);

  const prefix = config.prefix ?? "";
  if (raw.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) {
    return fail("signature_invalid", `Malformed ${config.header} header; expected ${prefix}<key>`);
  }

  const received = await sha256Hex(raw.slice(prefix.length).trim());
  let matched = false;
  for (const secret of input.secrets) {
    matched = timingSafeEqual(received, await sha256Hex(secret)) || matched;
  }
  return matched ? OK : fail("signature_invalid", `${config.header} does not match any of the source's keys`);
}
