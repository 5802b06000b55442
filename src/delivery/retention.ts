import { getConfig } from "../env";
import { expiredPartitions } from "../store/event-partitions";
import { hardDeleteWebhookRows, listWebhookIdsDeletedBefore } from "../store/webhooks";
import { eventStore } from "../traffic/events";
import { windowOf } from "../traffic/partitions";
import { forEachBounded } from "../lib/concurrency";

/**
 * Retention, run by the cron (cron.ts) once an hour: the backstop for expired event partitions and
 * the hard delete of soft-deleted webhooks past the restore window. Bounded per run; the next run
 * takes the rest.
 *
 * Events are not purged here: each EventStore partition deletes itself with an alarm once its day
 * is older than RETENTION_DAYS (src/traffic/event-store.ts). This only purges partitions the
 * registry still lists past that age (an alarm that failed, or RETENTION_DAYS lowered since), and
 * the dedupe keys need no clearing: they live in their partition and only count for 24 h.
 * Call rows are not here either: each webhook's object purges its own log, and CallLog partitions
 * delete themselves.
 */
const HARD_DELETES_PER_RUN = 100;
/** Expired partitions the retention backstop purges per run. */
const PURGES_PER_RUN = 200;
/** Objects (partitions, webhooks' objects) asked at once. */
const PARTITION_CONCURRENCY = 16;

export interface RetentionReport {
  /** Partitions deleted by the backstop (their alarms normally do it). */
  partitionsPurged: number;
  webhooksDeleted: number;
}

export async function purgeExpired(env: Env, nowMs: number): Promise<RetentionReport> {
  const config = getConfig(env);
  const partitionsPurged = await purgeExpiredPartitions(env, nowMs, config.RETENTION_DAYS);
  const webhooksDeleted = await hardDeleteWebhooks(env, nowMs - config.RESTORE_WINDOW_DAYS * 86_400_000);
  return { partitionsPurged, webhooksDeleted };
}

/** Partitions past retention that the registry still lists: purged through their object. */
async function purgeExpiredPartitions(env: Env, nowMs: number, retentionDays: number): Promise<number> {
  // A window is expired once its last millisecond is older than the retention cutoff.
  const parts = await expiredPartitions(env.DB, windowOf(nowMs - retentionDays * 86_400_000), PURGES_PER_RUN);
  let purged = 0;
  await forEachBounded(parts, PARTITION_CONCURRENCY, async (p) => {
    try {
      await eventStore(env, p.accountId, p.window, p.shard).purge();
      purged += 1;
    } catch (err) {
      console.error(JSON.stringify({ msg: "could not purge an expired partition; next run retries", partition: [p.accountId, p.window, p.shard], error: String(err) }));
    }
  });
  return purged;
}

/**
 * Soft-deleted webhooks past the restore window: their DO drops its storage first (pending
 * deliveries, keys, outbox), then the row goes. A DO that fails to answer keeps its row for the
 * next run. Their call rows go with the object; their entries in the account-wide CallLog age out with its days.
 */
async function hardDeleteWebhooks(env: Env, deletedBeforeMs: number): Promise<number> {
  const ids = await listWebhookIdsDeletedBefore(env.DB, deletedBeforeMs, HARD_DELETES_PER_RUN);
  const gone: string[] = [];
  await forEachBounded(ids, PARTITION_CONCURRENCY, async (id) => {
    try {
      await env.WEBHOOK_DO.getByName(id).destroy();
      gone.push(id);
    } catch (err) {
      console.error(JSON.stringify({ msg: "could not destroy webhook DO; will retry", webhookId: id, error: String(err) }));
    }
  });
  await hardDeleteWebhookRows(env.DB, gone);
  return gone.length;
}
