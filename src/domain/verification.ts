import { z } from "@hono/zod-openapi";
import { HeaderName } from "./headers";

/**
 * A source's verification settings (how inbound requests are authenticated), and where a source
 * rule reads a value from. The verifiers themselves live in ingest/verifiers/; this is the shape
 * the sources API validates and the store keeps.
 */

export const DEFAULT_TOLERANCE_SECONDS = 300;
// Past the 24 h dedupe window a replayed delivery would no longer be caught as a duplicate, so a
// timestamp tolerance larger than that would let replays through.
export const MAX_TOLERANCE_SECONDS = 86_400;

// The header the provider puts its signature or key in.
const ProviderHeader = HeaderName.openapi({ example: "X-Signature" });

const Tolerance = z
  .number()
  .int()
  .min(1)
  .max(MAX_TOLERANCE_SECONDS)
  .default(DEFAULT_TOLERANCE_SECONDS)
  .openapi({ description: "Accepted clock difference, in seconds, in the past and in the future" });

const Prefix = z.string().max(64).optional();

// Strict like every other request object: an unknown field (a typo such as `tolerance`) is a 422,
// not silently dropped.
export const VerificationConfig = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("standard-webhooks"), toleranceSeconds: Tolerance }).strict(),
    z.object({ type: z.literal("stripe"), toleranceSeconds: Tolerance }).strict(),
    z.object({ type: z.literal("github") }).strict(),
    z.object({ type: z.literal("shopify") }).strict(),
    z.object({ type: z.literal("slack"), toleranceSeconds: Tolerance }).strict(),
    z.object({
      type: z.literal("hmac"),
      header: ProviderHeader,
      prefix: Prefix.openapi({ description: "Text before the digest in the header, such as `sha256=`", example: "sha256=" }),
      encoding: z.enum(["hex", "base64"]).default("hex"),
      algorithm: z.enum(["sha256", "sha1"]).default("sha256"),
    }).strict(),
    z.object({
      type: z.literal("basic"),
      // RFC 7617: the user-id cannot contain a colon. The password is the source's secret.
      username: z.string().min(1).max(200).regex(/^[^:]*$/, "cannot contain ':'"),
    }).strict(),
    z.object({
      type: z.literal("api-key"),
      header: ProviderHeader,
      prefix: Prefix.openapi({ description: "Text before the key in the header, such as `Bearer `", example: "Bearer " }),
    }).strict(),
    z.object({ type: z.literal("none") }).strict(),
    z.object({ type: z.literal("vobiz") }).strict(),
    z.object({ type: z.literal("whatsapp-api") }).strict(),
  ])
  .openapi("VerificationConfig", {
    description: "How inbound requests are authenticated. Secrets are set separately and may be rotated (a list).",
  });

/** The parsed form (defaults applied). */
export type VerificationConfig = z.infer<typeof VerificationConfig>;
/** What a client may send (defaults optional). */
export type VerificationConfigInput = z.input<typeof VerificationConfig>;
export type VerificationType = VerificationConfig["type"];
export type ConfigOf<T extends VerificationType> = Extract<VerificationConfig, { type: T }>;

/** Where a source rule reads a value: a dotted body path, a header, or a fixed value. */
export type FieldRule = { path: string } | { header: string } | { value: string };
