import { newId } from "../domain/ids";
import type { Webhook } from "../domain/webhook";
import type { IncomingEvent } from "../accepting/accept";

/**
 * hookrelay's own events about delivery health. They are published through acceptEvents like any
 * other event, excluded from the webhook they are about, and only reach webhooks whose topic
 * patterns name them (topicMatches keeps `*` from matching them).
 *
 * The id is chosen here, when the event is first recorded in the DO's outbox, so a flush retried
 * after a crash republishes the same id and acceptEvents dedupes it.
 */
type MetaEvent = IncomingEvent & { id: string; excludeWebhookId: string };

/** The shape the topic catalog documents for hookrelay's own topics: `{ type, data }`. */
const metaEvent = (topic: string, webhook: Pick<Webhook, "id">, data: Record<string, unknown>, id: string): MetaEvent => ({
  id, topic, contentType: "application/json", excludeWebhookId: webhook.id, payload: JSON.stringify({ type: topic, data }),
});

export function webhookDisabledEvent(webhook: Pick<Webhook, "id" | "url">, reason: string, atMs: number, id = newId("evt")): MetaEvent {
  return metaEvent("webhook.disabled", webhook, { webhookId: webhook.id, url: webhook.url, reason, disabledAt: new Date(atMs).toISOString() }, id);
}

export interface ExhaustedDelivery {
  eventId: string;
  topic: string;
  attempts: number;
  lastHttpStatus: number | null;
  lastError: string | null;
}

export function deliveryExhaustedEvent(webhook: Pick<Webhook, "id" | "url">, d: ExhaustedDelivery, atMs: number, id = newId("evt")): MetaEvent {
  return metaEvent("delivery.exhausted", webhook, {
    webhookId: webhook.id, url: webhook.url, eventId: d.eventId, topic: d.topic, attempts: d.attempts,
    lastHttpStatus: d.lastHttpStatus, lastError: d.lastError, exhaustedAt: new Date(atMs).toISOString(),
  }, id);
}
