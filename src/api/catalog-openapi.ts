import { BUILT_IN_TOPICS } from "../domain/topic-catalog";

/**
 * The OpenAPI 3.1 `webhooks` section: one entry per built-in catalog topic, with its payload schema
 * (inferred from the seeds' examples) and example, so /docs shows what an endpoint receives. An
 * account's own topics and schemas are per tenant and stay in GET /api/topics.
 */
const DELIVERY_HEADERS = [
  { name: "webhook-id", description: "The event id, the same on every retry" },
  { name: "webhook-timestamp", description: "Unix seconds of this attempt" },
  { name: "webhook-signature", description: "`v1,<base64 HMAC-SHA256>` (or `v1a,<base64 Ed25519>`) of `id.timestamp.body`, space-separated during a rotation" },
  { name: "x-webhook-topic", description: "The topic" },
  { name: "x-webhook-attempt", description: "1 for the first attempt" },
];

export function catalogWebhooks(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const t of BUILT_IN_TOPICS) {
    out[t.name] = {
      post: {
        summary: t.name,
        description: `${t.description}. Platforms: ${t.systems.join(", ")}.`,
        tags: ["Event catalog"],
        parameters: DELIVERY_HEADERS.map((h) => ({ in: "header", required: h.name !== "x-webhook-attempt", schema: { type: "string" }, ...h })),
        requestBody: {
          required: true,
          content: { "application/json": { schema: t.schema ?? {}, ...(t.example === undefined ? {} : { example: t.example }) } },
        },
        responses: { "2XX": { description: "Accepted; anything else is retried per the webhook's schedule (410 disables it)" } },
      },
    };
  }
  return out;
}
