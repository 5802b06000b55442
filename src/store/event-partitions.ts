/**
 * D1 access for the registry of EventStore partitions (`event_partitions`): which
 * `<account>:<window>:<shard>` objects hold events. Tenant-scale: one row per partition per day,
 * never one per event. Listings, lookups by id and the sweeper enumerate partitions from here.
 */
export interface PartitionRow {
  accountId: string;
  window: number;
  shard: number;
  shards: number;
}

interface Row {
  account_id: string;
  window: number;
  shard: number;
  shards: number;
}

const toPartition = (r: Row): PartitionRow => ({ accountId: r.account_id, window: r.window, shard: r.shard, shards: r.shards });

export async function registerPartition(db: D1Database, p: PartitionRow, nowMs: number): Promise<void> {
  await db
    .prepare(`INSERT INTO event_partitions (account_id, window, shard, shards, created_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING`)
    .bind(p.accountId, p.window, p.shard, p.shards, nowMs)
    .run();
}

export async function unregisterPartition(db: D1Database, p: Pick<PartitionRow, "accountId" | "window" | "shard">): Promise<void> {
  await db.prepare(`DELETE FROM event_partitions WHERE account_id = ?1 AND window = ?2 AND shard = ?3`).bind(p.accountId, p.window, p.shard).run();
}

/** An account's partitions with minWindow ≤ window ≤ maxWindow, newest window first. */
export async function accountPartitions(db: D1Database, accountId: string, minWindow: number, maxWindow: number): Promise<PartitionRow[]> {
  const { results } = await db
    .prepare(`SELECT account_id, window, shard, shards FROM event_partitions WHERE account_id = ?1 AND window >= ?2 AND window <= ?3 ORDER BY window DESC, shard`)
    .bind(accountId, minWindow, maxWindow)
    .all<Row>();
  return results.map(toPartition);
}

/**
 * Every account's partitions from `minWindow` on (the sweeper's last 24 h), a page at a time in
 * (window, account, shard) order; pass the last row of a page as `after` for the next.
 */
export async function recentPartitions(db: D1Database, minWindow: number, after: PartitionRow | null, limit: number): Promise<PartitionRow[]> {
  const { results } = await db
    .prepare(
      `SELECT account_id, window, shard, shards FROM event_partitions
       WHERE window >= ?1 AND (?2 IS NULL OR (window, account_id, shard) > (?2, ?3, ?4))
       ORDER BY window, account_id, shard LIMIT ?5`,
    )
    .bind(minWindow, after?.window ?? null, after?.accountId ?? null, after?.shard ?? null, limit)
    .all<Row>();
  return results.map(toPartition);
}

/** Partitions older than `beforeWindow`: the retention backstop for objects whose alarm did not clean up. */
export async function expiredPartitions(db: D1Database, beforeWindow: number, limit: number): Promise<PartitionRow[]> {
  const { results } = await db
    .prepare(`SELECT account_id, window, shard, shards FROM event_partitions WHERE window < ?1 ORDER BY window LIMIT ?2`)
    .bind(beforeWindow, limit)
    .all<Row>();
  return results.map(toPartition);
}
