import { getConfig } from "../env";
import { clearDedupeKeysBefore, purgeEventsBefore, unfannedEvents } from "../store/events";
import { enqueueFanout } from "./accept";

/**
 * The cron (every 5 minutes): the sweeper every run, retention once an hour.
 *
 * Everything works in bounded batches (ROWS_PER_STATEMENT, at most MAX_ROUNDS per kind per run):
 * D1 runs one query at a time per database, so a long DELETE would stall the API and the
 * consumer. Whatever is left over is taken by the next run.
 */
const ROWS_PER_STATEMENT = 1000;
const MAX_ROUNDS = 5;
const DEDUPE_WINDOW_MS = 24 * 3_600_000;
/** An event younger than this is probably still on its way through the queue. */
const SWEEP_MIN_AGE_MS = 60_000;
/** Older unfanned events are not swept any more: they have been re-tried for a day (dead letters hold the rest). */
const SWEEP_MAX_AGE_MS = 24 * 3_600_000;
const HARD_DELETES_PER_RUN = 100;

export interface CronReport {
  swept: number;
  eventsPurged: number;
  keysCleared: number;
  webhooksDeleted: number;
}

export async function runCron(env: Env, scheduledTimeMs: number, opts: { retention?: boolean } = {}): Promise<CronReport> {
  const report: CronReport = { swept: 0, eventsPurged: 0, keysCleared: 0, webhooksDeleted: 0 };
  report.swept = await sweepUnfanned(env, scheduledTimeMs);
  const hourly = opts.retention ?? new Date(scheduledTimeMs).getUTCMinutes() === 0;
  if (hourly) Object.assign(report, await purgeExpired(env, scheduledTimeMs));
  return report;
}

/** Re-enqueues events that were stored but never fanned out (queue send failed, consumer died). */
export async function sweepUnfanned(env: Env, nowMs: number): Promise<number> {
  let total = 0;
  let after = nowMs - SWEEP_MAX_AGE_MS;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const refs = await unfannedEvents(env.DB, nowMs - SWEEP_MIN_AGE_MS, after, ROWS_PER_STATEMENT);
    if (!refs.length) break;
    await enqueueFanout(env, refs.map((r) => ({ type: "fanout", accountId: r.accountId, eventId: r.eventId })));
    total += refs.length;
    if (refs.length < ROWS_PER_STATEMENT) break;
    // Inclusive: a row sharing the last millisecond may be sent twice, which the DOs dedupe.
    after = refs[refs.length - 1]!.createdAt;
  }
  return total;
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
  const eventsPurged = await repeat(() => purgeEventsBefore(env.DB, retentionCutoff, ROWS_PER_STATEMENT));
  // Call rows are not here: each webhook's object purges its own log, and CallLog partitions delete themselves.
  const keysCleared = await repeat(() => clearDedupeKeysBefore(env.DB, nowMs - DEDUPE_WINDOW_MS, ROWS_PER_STATEMENT));
  const webhooksDeleted = await hardDeleteWebhooks(env, nowMs - config.RESTORE_WINDOW_DAYS * 86_400_000);
  return { eventsPurged, keysCleared, webhooksDeleted };
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
