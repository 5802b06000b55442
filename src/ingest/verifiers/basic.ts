import { fromBase64, fromUtf8, timingSafeEqual } from "../../lib/encoding";
import { sha256Hex } from "../../lib/hash";
import { fail, OK, type ConfigOf, type VerifyInput, type VerifyResult } from "./types";

/**
 * HTTP Basic auth (RFC 7617): `Authorization: Basic base64(username:password)`, where the password
 * is one of the source's secrets. Credentials are compared as SHA-256 digests so neither the
 * content nor the length of the expected password shows in the timing.
 */

const HEADER = "Authorization";
const EXPECTED = "Basic <base64 of username:password>";

export async function verifyBasic(input: VerifyInput, config: ConfigOf<"basic">): Promise<VerifyResult> {
  const raw = input.headers.get(HEADER)?.trim();
  if (!raw) return fail("signature_missing", `Missing ${HEADER} header`);

  const match = /^Basic\s+([A-Za-z0-9+/]+={0,2})$/i.exec(raw);
  let credentials: string | null = null;
  try {
    if (match) credentials = fromUtf8(fromBase64(match[1]!));
  } catch {
    credentials = null;
  }
  if (credentials === null || !credentials.includes(":")) {
    return fail("signature_invalid", `Malformed ${HEADER} header; expected ${EXPECTED}`);
  }

  const received = await sha256Hex(credentials);
  let matched = false;
  for (const secret of input.secrets) {
    matched = timingSafeEqual(received, await sha256Hex(`${config.username}:${secret}`)) || matched;
  }
  return matched ? OK : fail("signature_invalid", "The username or password is wrong");
}
