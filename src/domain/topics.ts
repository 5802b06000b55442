/**
 * Topic names and subscription patterns. A pattern is an exact name, `prefix.*` (everything
 * under the prefix, any depth) or `*` (everything). hookrelay's own meta-events
 * (`webhook.*`, `delivery.*`) are only matched by patterns that name them, never by `*`, so a
 * platform's catch-all subscriber is not sent operational noise it did not ask for.
 */
import { z } from "@hono/zod-openapi";

export const TOPIC_NAME = /^[A-Za-z0-9_-]+(?:[.:/][A-Za-z0-9_-]+)*$/;
export const TOPIC_PATTERN = /^(?:\*|[A-Za-z0-9_-]+(?:[.:/][A-Za-z0-9_-]+)*(?:\.\*)?)$/;

export const META_TOPICS = ["webhook.disabled", "delivery.exhausted"] as const;
export type MetaTopic = (typeof META_TOPICS)[number];

export const isMetaTopic = (topic: string): boolean => topic.startsWith("webhook.") || topic.startsWith("delivery.");

/**
 * A topic a client may name for an event or the catalog: never one of hookrelay's own, so a
 * publisher cannot forge a webhook.disabled notice that subscribers trust.
 */
export const ClientTopic = z
  .string()
  .max(200)
  .regex(TOPIC_NAME, "must be letters, digits, _ or -, in segments joined by . : or /")
  .refine((t) => !isMetaTopic(t), "webhook.* and delivery.* are hookrelay's own topics")
  .openapi({ example: "message.received" });

export function topicMatches(pattern: string, topic: string): boolean {
  if (pattern === "*") return !isMetaTopic(topic);
  if (pattern.endsWith(".*")) return topic.startsWith(pattern.slice(0, -1));
  return pattern === topic;
}

export const matchesAnyTopic = (patterns: readonly string[], topic: string): boolean =>
  patterns.some((p) => topicMatches(p, topic));
