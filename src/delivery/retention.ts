import { getConfig } from "../env";
import { expiredPartitions, recentPartitions, type PartitionRow } from "../store/event-partitions";
import { eventStore } from "../traffic/events";
import { windowOf } from "../traffic/partitions";
import { enqueueFanout } from "../accepting/accept";
import { forEachBounded } from "../lib/concurrency";
import type { FanoutMessage } from "./messages";

/**
 * The cron (every 5 minutes): the sweeper every run, retention once an hour.
 *
 * Everything works in bounded batches (ROWS_PER_STATEMENT, at most MAX_ROUNDS per kind per run):
 * D1 runs one query at a time per database, so a long DELETE would stall the API and the
 * consumer. Whatever is left over is taken by the next run.
 *
 * Events are not purged here: each EventStore partition deletes itself with an alarm once its day
 * is older than RETENTION_DAYS (src/traffic/event-store.ts). The cron only purges partitions the
 * registry still lists past that age (an alarm that failed, or RETENTION_DAYS lowered since), and
 * the dedupe keys need no clearing: they live in their partition and only count for 24 h.
 */
const ROWS_PER_STATEMENT = 1000;
const MAX_ROUNDS = 5;
/** An event younger than this is probably still on its way through the queue. */
const SWEEP_MIN_AGE_MS = 60_000;
/** Older unfanned events are not swept any more: they have been re-tried for a day (dead letters hold the rest). */
const SWEEP_MAX_AGE_MS = 24 * 3_600_000;
const HARD_DELETES_PER_RUN = 100;
/**
 * Partitions the sweeper reads per run (every account's, of the last 24 h: about two per account
 * and shard), read from the registry a page at a time, and how many it asks at once.
 */
const SWEEP_MAX_PARTITIONS = 50_000;
const PARTITIONS_PER_PAGE = 1000;
const PARTITION_CONCURRENCY = 16;
/** Expired partitions the retention backstop purges per run. */
const PURGES_PER_RUN = 200;

export interface CronReport {
  swept: number;
  /** Partitions deleted by the backstop (their alarms normally do it). */
  partitionsPurged: number;
  webhooksDeleted: number;
}

export async function runCron(env: Env, scheduledTimeMs: number, opts: { retention?: boolean } = {}): Promise<CronReport> {
  const report: CronReport = { swept: 0, partitionsPurged: 0, webhooksDeleted: 0 };
  report.swept = await sweepUnfanned(env, scheduledTimeMs);
  const hourly = opts.retention ?? new Date(scheduledTimeMs).getUTCMinutes() === 0;
  if (hourly) Object.assign(report, await purgeExpired(env, scheduledTimeMs));
  return report;
}

/**
 * Re-enqueues events that were stored but never fanned out (queue send failed, consumer died):
 * every partition of the last 24 h (from the registry) is asked for its unfanned events.
 */
export async function sweepUnfanned(env: Env, nowMs: number): Promise<number> {
  const after = nowMs - SWEEP_MAX_AGE_MS;
  const parts: PartitionRow[] = [];
  while (parts.length < SWEEP_MAX_PARTITIONS) {
    const page = await recentPartitions(env.DB, windowOf(after), parts.at(-1) ?? null, PARTITIONS_PER_PAGE);
    parts.push(...page);
    if (page.length < PARTITIONS_PER_PAGE) break;
  }
  // Past the bound the oldest-listed partitions are swept and the rest wait: say so, never silently.
  if (parts.length >= SWEEP_MAX_PARTITIONS) {
    console.error(JSON.stringify({ msg: "sweeper partition bound reached; later partitions are not swept this run", bound: SWEEP_MAX_PARTITIONS }));
  }
  let total = 0;
  await forEachBounded(parts, PARTITION_CONCURRENCY, async (p) => {
    try {
      const stub = eventStore(env, p.accountId, p.window, p.shard);
      let from = after;
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const refs = await stub.unfanned(nowMs - SWEEP_MIN_AGE_MS, from, ROWS_PER_STATEMENT);
        if (!refs.length) break;
        await enqueueFanout(env, refs.map((r): FanoutMessage => ({ type: "fanout", accountId: p.accountId, eventId: r.id, window: p.window, shard: p.shard })));
        total += refs.length;
        if (refs.length < ROWS_PER_STATEMENT) break;
        // Inclusive: a row sharing the last millisecond may be sent twice, which the DOs dedupe.
        from = refs[refs.length - 1]!.createdAt;
      }
    } catch (err) {
      console.error(JSON.stringify({ msg: "sweep of a partition failed; next run retries", partition: [p.accountId, p.window, p.shard], error: String(err) }));
    }
  });
  return total;
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

async function repeat(step: () => Promise<number>): Promise<number> {
  let total = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const n = await step();
    total += n;
    if (n < ROWS_PER_STATEMENT) break;
  }
  return total;
}

export async function purgeExpired(env: Env, nowMs: number): Promise<Omit<CronReport, "swept">> {
  const config = getConfig(env);
  const retentionCutoff = nowMs - config.RETENTION_DAYS * 86_400_000;
  const partitionsPurged = await purgeExpiredPartitions(env, nowMs, config.RETENTION_DAYS);
  // Call rows are not here: each webhook's object purges its own log, and CallLog partitions delete themselves.
  const webhooksDeleted = await hardDeleteWebhooks(env, nowMs - config.RESTORE_WINDOW_DAYS * 86_400_000);
  return { partitionsPurged, webhooksDeleted };
}

/**
 * Soft-deleted webhooks past the restore window: their DO drops its storage first (pending
 * deliveries, keys, outbox), then the row goes. A DO that fails to answer keeps its row for the
 * next run. Their call rows go with the object; their entries in the account-wide CallLog age out with its days.
 */
async function hardDeleteWebhooks(env: Env, deletedBeforeMs: number): Promise<number> {
  const { results } = await env.DB.prepare(`SELECT id FROM webhooks WHERE deleted_at IS NOT NULL AND deleted_at < ?1 LIMIT ?2`)
    .bind(deletedBeforeMs, HARD_DELETES_PER_RUN)
    .all<{ id: string }>();
  const gone: string[] = [];
  await Promise.all(
    results.map(async ({ id }) => {
      try {
        await env.WEBHOOK_DO.getByName(id).destroy();
        gone.push(id);
      } catch (err) {
        console.error(JSON.stringify({ msg: "could not destroy webhook DO; will retry", webhookId: id, error: String(err) }));
      }
    }),
  );
  if (gone.length) {
    await env.DB.prepare(`DELETE FROM webhooks WHERE id IN (SELECT value FROM json_each(?1)) AND deleted_at IS NOT NULL`).bind(JSON.stringify(gone)).run();
  }
  return gone.length;
}
