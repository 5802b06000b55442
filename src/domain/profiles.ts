import { z } from "@hono/zod-openapi";
import type { DeliverySettings, SignatureProfile } from "./webhook";

/**
 * Platform profiles: each followed platform's documented delivery behaviour as a named set of
 * defaults, so a platform sets it once (on the webhook, or as its account's `defaultProfile`) and
 * its users' plain create calls get it. A profile only supplies defaults: fields sent explicitly
 * win. The resolved settings are stored on the webhook, so delivery never looks a profile up.
 */
export const PROFILE_NAMES = ["standard", "vambe", "vobiz", "vowchat", "whatsapp-api"] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];
export const ProfileName = z.enum(PROFILE_NAMES).openapi({ description: "A built-in platform profile (GET /api/profiles)", example: "whatsapp-api" });

export interface PlatformProfile {
  name: ProfileName;
  description: string;
  /** The seed document the defaults come from (null: hookrelay's own). */
  seed: string | null;
  signature: SignatureProfile;
  delivery: Partial<DeliverySettings>;
}

/** "Respond within 5 seconds" is in every one of these platforms' docs; their receivers are told to answer that fast. */
const SEED_TIMEOUT_MS = 5_000;

/**
 * Vobiz retries "with exponential backoff for up to 24 hours": doubling from 1 min, ten retries,
 * 61,380 s in all; with the default ±20 % jitter the last one still leaves by 20.5 h.
 */
export const VOBIZ_RETRY_SCHEDULE_SECONDS = [60, 120, 240, 480, 960, 1920, 3840, 7680, 15360, 30720];
/** The WhatsApp session API: "after 30 seconds, 5 minutes, 30 minutes, 2 hours", as exact times (no jitter). */
export const WHATSAPP_RETRY_SCHEDULE_SECONDS = [30, 300, 1800, 7200];

export const PROFILES: Record<ProfileName, PlatformProfile> = {
  standard: {
    name: "standard",
    description: "hookrelay's defaults: Standard Webhooks signatures, 15 s timeout, 5 s … 10 h retries (±20 %) over about 27.5 h",
    seed: null,
    signature: { scheme: "standard" },
    delivery: {},
  },
  vambe: {
    name: "vambe",
    description: "Vambe (seed 000): Standard Webhooks signatures, retries with increasing backoff, 5 s response time",
    seed: "000",
    signature: { scheme: "standard" },
    delivery: { timeoutMs: SEED_TIMEOUT_MS },
  },
  vobiz: {
    name: "vobiz",
    description: "Vobiz (seed 002): X-Vobiz-Signature = hex HMAC-SHA256 of the body, exponential retries ending within 24 h, 5 s response time",
    seed: "002",
    signature: { scheme: "hmac-sha256", header: "X-Vobiz-Signature", prefix: "", encoding: "hex" },
    delivery: { timeoutMs: SEED_TIMEOUT_MS, retrySchedule: VOBIZ_RETRY_SCHEDULE_SECONDS },
  },
  vowchat: {
    name: "vowchat",
    description: "VowChat (seed 003): a 4xx answer is final, a 5xx is retried; 5 s response time",
    seed: "003",
    signature: { scheme: "standard" },
    delivery: { timeoutMs: SEED_TIMEOUT_MS, retryClientErrors: false },
  },
  "whatsapp-api": {
    name: "whatsapp-api",
    description: "The WhatsApp session API (seed 004): X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the body>, retries after exactly 30 s, 5 min, 30 min, 2 h",
    seed: "004",
    signature: { scheme: "hmac-sha256", header: "X-Webhook-Signature", prefix: "sha256=", encoding: "hex" },
    delivery: { timeoutMs: SEED_TIMEOUT_MS, retrySchedule: WHATSAPP_RETRY_SCHEDULE_SECONDS, jitter: 0 },
  },
};

export const ProfileOut = z
  .object({
    name: ProfileName,
    description: z.string(),
    seed: z.string().nullable().openapi({ description: "The seed document the defaults come from" }),
    signature: z.record(z.string(), z.unknown()).openapi({ description: "The signature profile a webhook gets unless it sends its own" }),
    delivery: z.record(z.string(), z.unknown()).openapi({ description: "Delivery settings it supplies; the rest are hookrelay's defaults" }),
  })
  .openapi("PlatformProfile");
