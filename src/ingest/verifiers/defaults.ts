import type { FieldRule } from "../../domain/verification";
import type { VerificationType } from "./types";

/**
 * Where the ingest route finds an event's topic, dedupe id and channel when the source does not
 * say. Each list is tried in order; the first rule that yields a non-empty string wins.
 */

// A dotted JSON path into the body, a request header (any case), or a fixed value.
export type { FieldRule };

export interface ProviderDefaults {
  topic: readonly FieldRule[];
  /** Empty: the provider sends no stable event id, so nothing is deduplicated by default. */
  dedupe: readonly FieldRule[];
  channel: readonly FieldRule[];
}

export const GENERIC_DEFAULTS: ProviderDefaults = {
  topic: [{ path: "type" }, { path: "event" }],
  dedupe: [],
  channel: [],
};

export const PROVIDER_DEFAULTS: Readonly<Record<VerificationType, ProviderDefaults>> = {
  "standard-webhooks": {
    topic: [{ path: "type" }],
    dedupe: [{ header: "webhook-id" }, { header: "svix-id" }],
    channel: [],
  },
  stripe: { topic: [{ path: "type" }], dedupe: [{ path: "id" }], channel: [] },
  github: { topic: [{ header: "x-github-event" }], dedupe: [{ header: "x-github-delivery" }], channel: [] },
  // X-Shopify-Webhook-Id stays the same across Shopify's retries of one delivery.
  shopify: { topic: [{ header: "x-shopify-topic" }], dedupe: [{ header: "x-shopify-webhook-id" }], channel: [] },
  // Events API bodies carry `event.type`; url_verification and app_rate_limited only `type`.
  slack: { topic: [{ path: "event.type" }, { path: "type" }], dedupe: [{ path: "event_id" }], channel: [] },
  hmac: GENERIC_DEFAULTS,
  basic: GENERIC_DEFAULTS,
  "api-key": GENERIC_DEFAULTS,
  none: GENERIC_DEFAULTS,
  // Vobiz's docs mention event ids but do not show the payload, so no field is assumed for dedupe.
  vobiz: { topic: [{ path: "event" }, { path: "type" }], dedupe: [], channel: [] },
  // The WhatsApp session API: `event` names the topic and `sessionId` the WhatsApp session. `messageId` is not an
  // event id (message.sent, .delivered and .read share it), so it must not be used for dedupe.
  "whatsapp-api": { topic: [{ path: "event" }], dedupe: [], channel: [{ path: "sessionId" }] },
};
