/**
 * How traffic data is partitioned across Durable Objects (see migrations/README.md).
 *
 * Events (EventStore) and the account-wide call index (CallLog) live in objects named
 * `<accountId>:<window>:<shard>`: one object per account, per UTC day, per shard. No object is a
 * ceiling: a day of one account's traffic is spread over `shards` objects, and retention deletes a
 * whole object (alarm + deleteAll) once its day is older than RETENTION_DAYS.
 */
export const WINDOW_MS = 86_400_000;

/** The window (UTC day number since the epoch) a time falls in. */
export const windowOf = (ms: number): number => Math.floor(ms / WINDOW_MS);

export const windowStart = (window: number): number => window * WINDOW_MS;

export const partitionName = (accountId: string, window: number, shard: number): string => `${accountId}:${window}:${shard}`;

export function parsePartitionName(name: string): { accountId: string; window: number; shard: number } | null {
  const m = /^(.+):(\d+):(\d+)$/.exec(name);
  return m ? { accountId: m[1]!, window: Number(m[2]), shard: Number(m[3]) } : null;
}

/** FNV-1a over the key's UTF-16 units: a stable, well-spread shard for an id or dedupe key. */
export function shardOf(key: string, shards: number): number {
  if (shards <= 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}
