import { fromUtf8, prefixed } from "../../lib/encoding";
import { parseDigest } from "./digest";
import { parseUnixSeconds, signedAndFresh } from "./timestamp";
import { fail, OK, type ConfigOf, type VerifyInput, type VerifyResult } from "./types";

/**
 * Slack: `X-Slack-Signature: v0=<hex>` of HMAC-SHA256 over `v0:${X-Slack-Request-Timestamp}:${body}`
 * keyed by the signing secret. When an Events API URL is saved, Slack sends a signed
 * `url_verification` request and expects its `challenge` echoed back; that request is answered,
 * not stored.
 */

const SIGNATURE = "X-Slack-Signature";
const TIMESTAMP = "X-Slack-Request-Timestamp";
const VERSION = "v0";

export async function verifySlack(input: VerifyInput, config: ConfigOf<"slack">): Promise<VerifyResult> {
  const signature = input.headers.get(SIGNATURE)?.trim();
  const timestampText = input.headers.get(TIMESTAMP)?.trim();
  if (!signature || !timestampText) {
    const absent = [!signature && SIGNATURE, !timestampText && TIMESTAMP].filter(Boolean);
    return fail("signature_missing", `Missing ${absent.join(", ")} header`);
  }

  const timestamp = parseUnixSeconds(timestampText);
  if (timestamp === null) return fail("signature_invalid", `Malformed ${TIMESTAMP} header; expected unix seconds`);
  const digest = signature.startsWith(`${VERSION}=`) ? parseDigest(signature.slice(VERSION.length + 1), "hex", 32) : null;
  if (digest === null) {
    return fail("signature_invalid", `Malformed ${SIGNATURE} header; expected v0=<hex HMAC-SHA256 of v0:timestamp:body>`);
  }

  const signed = prefixed(`${VERSION}:${timestampText}:`, input.body);
  const verdict = await signedAndFresh(input, { signed, received: [digest], header: SIGNATURE, unixSeconds: timestamp, toleranceSeconds: config.toleranceSeconds });
  if (!verdict.ok) return verdict;

  const challenge = urlVerificationChallenge(input.body);
  return challenge === null
    ? OK
    : {
        ok: true,
        challenge: new Response(JSON.stringify({ challenge }), {
          status: 200,
          headers: { "content-type": "application/json" },
        }),
      };
}

/** The `challenge` of a `{"type":"url_verification"}` body, or null for anything else. */
function urlVerificationChallenge(body: Uint8Array): string | null {
  // Slash commands and interactivity post form-encoded bodies; only a JSON object can be a challenge.
  if (body[0] !== 0x7b /* { */) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8(body));
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;
  const { type, challenge } = parsed as Record<string, unknown>;
  return type === "url_verification" && typeof challenge === "string" ? challenge : null;
}
