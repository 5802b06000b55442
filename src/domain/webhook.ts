import { z } from "@hono/zod-openapi";
import { FilterSchema } from "./filter";
import { HeaderName, HeaderToken, HeaderValue, isSetByHookrelay } from "./headers";
import { PROFILES, ProfileName } from "./profiles";
import { DEFAULT_RETRY_SCHEDULE_SECONDS, JITTER_RATIO } from "./retry";
import { withinJsonLimits } from "./json-limits";
import { TOPIC_PATTERN } from "./topics";

/** The webhook resource: request schemas, the stored shape, and the response shape. */

export const DEFAULT_TIMEOUT_MS = 15_000;

export const TopicList = z
  .array(z.string().max(200).regex(TOPIC_PATTERN, "must be a topic name, prefix.* or *"))
  .min(1, "subscribe to at least one topic (use [\"*\"] for all)")
  .max(100)
  .openapi({ example: ["message.received", "ticket.created", "stage.changed"] });

export const SignatureProfile = z
  .discriminatedUnion("scheme", [
    z.object({ scheme: z.literal("standard") }).strict(),
    z
      .object({
        scheme: z.literal("hmac-sha256"),
        header: HeaderName
          .refine((h) => !isSetByHookrelay(h), { message: "is set by hookrelay and cannot carry this signature", params: { code: "reserved_header" } })
          .default("X-Webhook-Signature"),
        prefix: HeaderValue.max(50).default("sha256="),
        encoding: z.enum(["hex", "base64"]).default("hex"),
      })
      .strict(),
    z.object({ scheme: z.literal("ed25519") }).strict(),
  ])
  .openapi("SignatureProfile", {
    description:
      "standard: Standard Webhooks headers only. hmac-sha256: also sends `header: prefix + HMAC-SHA256(secret, body)` as the seeds' providers do (e.g. X-Webhook-Signature: sha256=<hex>, X-Vobiz-Signature: <hex>). ed25519: Standard Webhooks `v1a` signatures with a generated Ed25519 key pair; the webhook shows the public key (`whpk_…`), the private key never leaves hookrelay.",
  });
export type SignatureProfile = z.infer<typeof SignatureProfile>;
/** As stored and shown: an ed25519 profile carries its current public key. */
export type StoredSignature = Exclude<SignatureProfile, { scheme: "ed25519" }> | { scheme: "ed25519"; publicKey: string };
export const SignatureOut = z
  .union([
    SignatureProfile.options[0],
    SignatureProfile.options[1],
    z.object({ scheme: z.literal("ed25519"), publicKey: z.string().openapi({ description: "whpk_ + base64 of the raw 32-byte Ed25519 public key", example: "whpk_…" }) }),
  ])
  .openapi("SignatureOut");

// Without defaults, so the PUT patch (below) can tell "not sent" from "sent": zod 4 applies
// `.default()` even under `.partial()`, which would reset every unsent field on update.
const deliveryFields = {
  ordering: z.enum(["ordered", "parallel"]),
  maxInFlight: z.number().int().min(1).max(50),
  timeoutMs: z.number().int().min(1000).max(30_000),
  retrySchedule: z
    .array(z.number().int().min(1).max(7 * 86_400))
    .max(20)
    .openapi({ description: "Seconds to wait before each retry, after the first attempt", example: [30, 300, 1800, 7200] }),
  rateLimitPerSecond: z.number().min(0.1).max(1000).nullable(),
  retryClientErrors: z.boolean().openapi({ description: "false: a 4xx answer (other than 408/429) is final" }),
  jitter: z.number().min(0).max(0.5).openapi({ description: "Each retry waits step × (1 ± jitter); 0 keeps the schedule exact", example: 0.2 }),
};

export const DeliverySettings = z
  .object({
    ordering: deliveryFields.ordering.default("ordered"),
    maxInFlight: deliveryFields.maxInFlight.default(10),
    timeoutMs: deliveryFields.timeoutMs.default(DEFAULT_TIMEOUT_MS),
    retrySchedule: deliveryFields.retrySchedule.default(DEFAULT_RETRY_SCHEDULE_SECONDS),
    rateLimitPerSecond: deliveryFields.rateLimitPerSecond.default(null),
    retryClientErrors: deliveryFields.retryClientErrors.default(true),
    jitter: deliveryFields.jitter.default(JITTER_RATIO),
  })
  .strict()
  .openapi("DeliverySettings");
export type DeliverySettings = z.infer<typeof DeliverySettings>;

const HeaderMap = z
  .record(HeaderToken.refine((h) => !isSetByHookrelay(h), { message: "is set by hookrelay and cannot be overridden", params: { code: "reserved_header" } }), HeaderValue.max(2000))
  .refine((h) => Object.keys(h).length <= 20, "at most 20 headers");

const Metadata = z
  .record(z.string().max(100), z.unknown())
  .refine((m) => JSON.stringify(m).length <= 8192, "metadata is limited to 8 KiB of JSON");

const StringList = (what: string) => z.array(z.string().min(1).max(200)).max(100).openapi({ description: what });

/**
 * `whsec_` + base64 (padding optional) of 24-64 bytes. The length is checked too: a base64 string of
 * length 4n+1 passes a character check but cannot be decoded, so every delivery would fail to sign.
 */
export const SECRET_FORMAT = /^whsec_(?=[A-Za-z0-9+/=]{32,88}$)(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

const webhookFields = {
  url: z.string().max(2048).openapi({ example: "https://your-domain.com/webhooks/vambe" }),
  topics: TopicList,
  active: z.boolean(),
  description: z.string().max(500).nullable(),
  secret: z
    .string()
    .min(16)
    .max(256)
    .openapi({ description: "whsec_… (Standard Webhooks) or, for hmac-sha256 profiles, any string of 16+ characters. Generated when absent." }),
  channels: StringList("Only events published on these channels (routing keys, e.g. a WhatsApp session id)").nullable(),
  sources: StringList("Only events from these inbound sources (src_… ids)").nullable(),
  // Free-form JSON: depth and prototype keys are checked on the raw value first (json-limits.ts).
  filter: withinJsonLimits(FilterSchema).nullable(),
  headers: withinJsonLimits(HeaderMap).nullable(),
  signature: SignatureProfile,
  metadata: withinJsonLimits(Metadata).nullable(),
};

export const WebhookCreate = z
  .object({
    ...webhookFields,
    active: webhookFields.active.default(true),
    description: webhookFields.description.optional(),
    secret: webhookFields.secret.optional(),
    channels: webhookFields.channels.optional(),
    sources: webhookFields.sources.optional(),
    filter: webhookFields.filter.optional(),
    headers: webhookFields.headers.optional(),
    profile: ProfileName.optional().openapi({ description: "Defaults for signature and delivery (GET /api/profiles); the account's defaultProfile, else standard, when absent" }),
    // No defaults here: the profile fills what is not sent (see resolveSettings).
    signature: SignatureProfile.optional(),
    delivery: z.object(deliveryFields).partial().strict().optional(),
    metadata: webhookFields.metadata.optional(),
  })
  .strict()
  .openapi("WebhookCreate");
export type WebhookCreate = z.infer<typeof WebhookCreate>;

/** PUT is a partial update: only the fields sent change; `delivery` merges field by field. */
export const WebhookUpdate = z
  .object({
    url: webhookFields.url.optional(),
    topics: webhookFields.topics.optional(),
    active: webhookFields.active.optional(),
    description: webhookFields.description.optional(),
    channels: webhookFields.channels.optional(),
    sources: webhookFields.sources.optional(),
    filter: webhookFields.filter.optional(),
    headers: webhookFields.headers.optional(),
    profile: ProfileName.optional().openapi({ description: "Switch profile: signature and delivery become the new profile's, except fields sent in the same request" }),
    signature: SignatureProfile.optional(),
    delivery: z.object(deliveryFields).partial().strict().optional(),
    metadata: webhookFields.metadata.optional(),
  })
  .strict()
  .refine((u) => Object.keys(u).length > 0, "send at least one field to change")
  .openapi("WebhookUpdate");
export type WebhookUpdate = z.infer<typeof WebhookUpdate>;

export type WebhookStatus = "active" | "inactive" | "disabled";

/** The stored webhook, as the store returns it (secrets stay sealed until a signer needs them). */
export interface Webhook {
  id: string;
  accountId: string;
  url: string;
  description: string | null;
  topics: string[];
  active: boolean;
  status: WebhookStatus;
  disabledReason: string | null;
  sealedSecrets: string;
  channels: string[] | null;
  sources: string[] | null;
  filter: z.infer<typeof FilterSchema> | null;
  /** AES-GCM sealed JSON of the webhook's own headers (signing/sealed-headers.ts); null: none. */
  sealedHeaders: string | null;
  /** Their names, shown with masked values. */
  headerNames: string[] | null;
  signature: StoredSignature;
  delivery: DeliverySettings;
  profile: ProfileName;
  metadata: Record<string, unknown> | null;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  /**
   * Grows by one with every write to the D1 row (management API or a delivery-side disable, both by
   * compare-and-set on it); a webhook's object never adopts a config older than the one it holds.
   */
  version: number;
}

export const WebhookOut = z
  .object({
    id: z.string().openapi({ example: "wh_0mh2k3x9aXbYcZ12" }),
    url: z.string(),
    topics: z.array(z.string()),
    active: z.boolean(),
    status: z.enum(["active", "inactive", "disabled"]),
    disabledReason: z.string().nullable(),
    description: z.string().nullable(),
    channels: z.array(z.string()).nullable(),
    sources: z.array(z.string()).nullable(),
    filter: FilterSchema.nullable(),
    headers: z.record(z.string(), z.string()).nullable().openapi({ description: "Names with masked values (••••••); GET /{id}/headers reveals them" }),
    profile: ProfileName,
    signature: SignatureOut.openapi({ description: "Resolved: the profile's, overridden by what was sent" }),
    delivery: DeliverySettings.openapi({ description: "Resolved: hookrelay's defaults, then the profile's, then what was sent" }),
    metadata: z.record(z.string(), z.unknown()).nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    deletedAt: z.string().nullable(),
    secret: z.string().optional().openapi({ description: "Only on create, rotate-secret and GET /secret" }),
  })
  .openapi("Webhook");

/** A status from the `active` flag, keeping `disabled` until the webhook is explicitly re-activated. */
export function statusAfterUpdate(current: WebhookStatus, active: boolean | undefined): WebhookStatus {
  if (active === undefined) return current;
  return active ? "active" : "inactive";
}

/**
 * Settings from a profile with the explicitly sent fields on top: `signature` whole (a scheme is
 * one choice), `delivery` field by field, hookrelay's defaults under both.
 */
export function resolveSettings(
  profile: ProfileName,
  explicit: { signature?: SignatureProfile | undefined; delivery?: Partial<DeliverySettings> | undefined },
): { signature: SignatureProfile; delivery: DeliverySettings } {
  const p = PROFILES[profile];
  const sent = Object.fromEntries(Object.entries(explicit.delivery ?? {}).filter(([, v]) => v !== undefined));
  return { signature: explicit.signature ?? p.signature, delivery: DeliverySettings.parse({ ...p.delivery, ...sent }) };
}
