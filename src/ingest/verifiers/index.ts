import { verifyApiKey } from "./api-key";
import { verifyBasic } from "./basic";
import { PLAIN_HMAC_PRESETS, verifyPlainHmac } from "./plain-hmac";
import { verifySlack } from "./slack";
import { verifyStandardWebhooks, WHSEC_KEY } from "./standard-webhooks";
import { verifyStripe } from "./stripe";
import { OK, type VerificationConfig, type VerifyInput, type VerifyResult } from "./types";

/** Inbound signature verification: one entry point dispatching on the source's scheme. */

export async function verify(input: VerifyInput): Promise<VerifyResult> {
  const { config } = input;
  switch (config.type) {
    case "standard-webhooks":
      return verifyStandardWebhooks(input, config);
    case "stripe":
      return verifyStripe(input, config);
    case "slack":
      return verifySlack(input, config);
    case "github":
    case "shopify":
    case "vobiz":
    case "whatsapp-api":
      return verifyPlainHmac(PLAIN_HMAC_PRESETS[config.type], input);
    case "hmac":
      return verifyPlainHmac(
        { header: config.header, prefix: config.prefix ?? "", encoding: config.encoding, algorithm: config.algorithm },
        input,
      );
    case "basic":
      return verifyBasic(input, config);
    case "api-key":
      return verifyApiKey(input, config);
    case "none":
      return OK;
    default: {
      const unknown: never = config;
      throw new Error(`unknown verification type ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * Why a secret cannot work with this scheme, or null when it can. For the sources API to reject a
 * bad secret at creation instead of every request failing later.
 */
export function secretProblem(config: VerificationConfig, secret: string): string | null {
  if (config.type === "none") return null;
  if (secret.length === 0) return "The secret is empty";
  if (config.type === "standard-webhooks") {
    try {
      WHSEC_KEY.decode(secret);
    } catch {
      return "Expected whsec_ followed by the base64 key";
    }
  }
  return null;
}

export { PROVIDER_DEFAULTS, GENERIC_DEFAULTS, type FieldRule, type ProviderDefaults } from "./defaults";
export { PLAIN_HMAC_PRESETS, type PlainHmacSpec } from "./plain-hmac";
export {
  DEFAULT_TOLERANCE_SECONDS,
  MAX_TOLERANCE_SECONDS,
  VerificationConfig,
  type VerificationConfigInput,
  type VerificationType,
  type VerifyFailureCode,
  type VerifyInput,
  type VerifyResult,
} from "./types";
