import { isJsonContentType } from "./http";
import { matchesFilter } from "./filter";
import { matchesAnyTopic } from "./topics";
import type { Webhook } from "./webhook";

/**
 * Does a webhook want an event? Pure: the queue consumer uses it to pick webhooks, and a
 * webhook's Durable Object can use it again against its own (newest) config.
 */
export interface MatchableEvent {
  topic: string;
  channel: string | null;
  sourceId: string | null;
  excludeWebhookId: string | null;
  payload: string;
  contentType: string;
}

/** Would this webhook receive this event? `payload` parses the body lazily, once per event. */
export function webhookWants(w: Webhook, e: MatchableEvent, msg: { webhookIds?: string[] | undefined }, payload: () => unknown): boolean {
  if (w.status !== "active" || w.deletedAt !== null) return false;
  if (e.excludeWebhookId === w.id) return false;
  // A replay naming webhooks goes to exactly those: the caller chose them.
  if (msg.webhookIds) return msg.webhookIds.includes(w.id);
  if (!matchesAnyTopic(w.topics, e.topic)) return false;
  if (w.sources?.length && (e.sourceId === null || !w.sources.includes(e.sourceId))) return false;
  if (w.channels?.length && (e.channel === null || !w.channels.includes(e.channel))) return false;
  if (w.filter && Object.keys(w.filter).length && !matchesFilter(w.filter, payload())) return false;
  return true;
}

export function parsedPayload(e: Pick<MatchableEvent, "payload" | "contentType">): () => unknown {
  let parsed: { value: unknown } | null = null;
  return () => {
    if (!parsed) {
      let value: unknown = undefined;
      if (isJsonContentType(e.contentType)) {
        try {
          value = JSON.parse(e.payload) as unknown;
        } catch {
          value = undefined;
        }
      }
      parsed = { value };
    }
    return parsed.value;
  };
}
