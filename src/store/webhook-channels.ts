import type { Webhook } from "../domain/webhook";
import { rowToWebhook } from "./webhooks";

/**
 * D1 reads through `webhook_channels` (kept by triggers on `webhooks`, migration 0003): the
 * webhooks that can want an event on a channel, without reading the account's other webhooks.
 * Channel '' names the channel-less webhooks (they take events on every channel, and events
 * without one).
 */
export interface ChannelKey {
  accountId: string;
  channel: string;
}

export const channelKeyOf = (k: ChannelKey): string => `${k.accountId}\u0000${k.channel}`;

type Row = Parameters<typeof rowToWebhook>[0] & { lookup_account: string; lookup_channel: string };

/** Live (not deleted) webhooks for each key, in one statement; keys with none map to []. */
export async function webhooksByChannel(db: D1Database, keys: readonly ChannelKey[]): Promise<Map<string, Webhook[]>> {
  const out = new Map<string, Webhook[]>(keys.map((k) => [channelKeyOf(k), []]));
  if (keys.length === 0) return out;
  const { results } = await db
    .prepare(
      `SELECT q.value ->> 0 AS lookup_account, q.value ->> 1 AS lookup_channel, w.*
       FROM json_each(?1) q
       JOIN webhook_channels wc ON wc.account_id = q.value ->> 0 AND wc.channel = q.value ->> 1
       JOIN webhooks w ON w.id = wc.webhook_id
       WHERE w.deleted_at IS NULL`,
    )
    .bind(JSON.stringify(keys.map((k) => [k.accountId, k.channel])))
    .all<Row>();
  for (const r of results) out.get(channelKeyOf({ accountId: r.lookup_account, channel: r.lookup_channel }))?.push(rowToWebhook(r));
  return out;
}

/** Live webhooks of one account by id (replays naming their webhooks; not cached). */
export async function liveWebhooksByIds(db: D1Database, accountId: string, ids: readonly string[]): Promise<Webhook[]> {
  if (ids.length === 0) return [];
  const { results } = await db
    .prepare(`SELECT * FROM webhooks WHERE account_id = ?1 AND id IN (SELECT value FROM json_each(?2)) AND deleted_at IS NULL`)
    .bind(accountId, JSON.stringify([...new Set(ids)]))
    .all<Parameters<typeof rowToWebhook>[0]>();
  return results.map(rowToWebhook);
}
