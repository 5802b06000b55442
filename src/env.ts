import { z } from "zod";

/**
 * Vars and secrets, validated once per isolate. Bindings (DB, DELIVERIES, WEBHOOK_DO) are typed by
 * `wrangler types` in worker-configuration.d.ts; this schema covers the string settings.
 */
const boolFlag = z
  .enum(["true", "false", "1", "0", ""])
  .default("false")
  .transform((v) => v === "true" || v === "1");

const ConfigSchema = z.object({
  ADMIN_API_KEY: z.string().min(16, "ADMIN_API_KEY must be at least 16 characters"),
  ENCRYPTION_KEY: z
    .string()
    .refine((v) => {
      try {
        return atob(v).length === 32;
      } catch {
        return false;
      }
    }, "ENCRYPTION_KEY must be 32 random bytes, base64-encoded (openssl rand -base64 32)"),
  // Each event is one row in an EventStore object's SQLite, which refuses a value over 2 MB (and a
  // payload is escaped once inside JSON on the way to a WebhookDO): 1 MiB leaves room for both.
  MAX_PAYLOAD_BYTES: z.coerce.number().int().positive().max(1_048_576, "MAX_PAYLOAD_BYTES is at most 1048576 (1 MiB): each event is one Durable Object SQLite row, limited to 2 MB").default(262_144),
  RETENTION_DAYS: z.coerce.number().int().positive().default(30),
  // EventStore objects per account and UTC day (src/traffic/partitions.ts). One object serves about
  // 1,000 requests/s, and a group-commit round or a consumer batch is one request for many events:
  // raise this when one account's request rate to one day's object nears that.
  EVENT_SHARDS: z.coerce.number().int().min(1).max(64, "EVENT_SHARDS is at most 64").default(1),
  RESTORE_WINDOW_DAYS: z.coerce.number().int().positive().default(30),
  ALLOW_PRIVATE_DESTINATIONS: boolFlag,
  PUBLIC_BASE_URL: z.string().default(""),
});

export type Config = z.infer<typeof ConfigSchema>;

const cache = new WeakMap<object, Config>();

export function getConfig(env: Env): Config {
  let config = cache.get(env);
  if (!config) {
    const parsed = ConfigSchema.safeParse(env);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
      throw new Error(`hookrelay is misconfigured: ${fields}`);
    }
    config = parsed.data;
    cache.set(env, config);
  }
  return config;
}
