import { z } from "@hono/zod-openapi";
import { FilterSchema } from "../../domain/filter";
import { ProfileName } from "../../domain/profiles";
import { DeliverySettings, SignatureOut, type Webhook } from "../../domain/webhook";

/**
 * Schemas for what a webhook's object reads back from its own storage (kv `config` and `health`,
 * outbox rows). Storage is parsed like any other input: a value that fails is logged with its key
 * and left out, and the rest keeps flowing (issue 9 item 8). The domain schemas are reused where
 * they exist; the stored shapes are looser where the API's request rules do not apply.
 */
const ms = z.number().int();
const nullableMs = ms.nullable();

export const StoredWebhook = z.object({
  id: z.string().min(1),
  accountId: z.string().min(1),
  url: z.string(),
  description: z.string().nullable(),
  topics: z.array(z.string()),
  active: z.boolean(),
  status: z.enum(["active", "inactive", "disabled"]),
  disabledReason: z.string().nullable(),
  sealedSecrets: z.string(),
  channels: z.array(z.string()).nullable(),
  sources: z.array(z.string()).nullable(),
  filter: FilterSchema.nullable(),
  // Configs stored before headers were sealed carry no sealedHeaders: they deliver without them
  // until the next configure (any management write) replaces them.
  sealedHeaders: z.string().nullable().default(null),
  headerNames: z.array(z.string()).nullable().default(null),
  signature: SignatureOut,
  profile: ProfileName.default("standard"),
  delivery: DeliverySettings,
  metadata: z.record(z.string(), z.unknown()).nullable(),
  createdAt: ms,
  updatedAt: ms,
  deletedAt: nullableMs,
  lastSuccessAt: nullableMs,
  lastFailureAt: nullableMs,
  // Configs stored before versions existed parse as version 0: any management write replaces them.
  version: z.number().int().min(0).default(0),
}) satisfies z.ZodType<Webhook, unknown>;

export const StoredHealth = z.object({
  lastSuccessAt: nullableMs,
  lastFailureAt: nullableMs,
  /** First failure since the last success; null while the last attempt succeeded. */
  failingSince: nullableMs,
});
export type Health = z.infer<typeof StoredHealth>;

/** The meta-events and D1 status changes waiting in the object's outbox (notices.ts). */
export const OutboxItem = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("disable"), reason: z.string(), atMs: ms, heldVersion: z.number().int() }),
  z.object({
    kind: z.literal("meta"),
    accountId: z.string(),
    event: z.object({ id: z.string(), topic: z.string(), contentType: z.string(), excludeWebhookId: z.string(), payload: z.string() }),
  }),
]);
export type OutboxItem = z.infer<typeof OutboxItem>;

/** Parses a stored value; a failure is logged with its key and answered `undefined`. */
export function parseStored<T>(schema: z.ZodType<T>, key: string, value: unknown, webhookId?: string): T | undefined {
  if (value === undefined) return undefined;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  console.error(JSON.stringify({ msg: "stored value failed to parse; skipped", key, webhookId, issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".")}: ${i.message}`) }));
  return undefined;
}

/** JSON text to a value for parseStored; text that is not JSON stays text, so the parse fails and is logged. */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
