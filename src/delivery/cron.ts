import { purgeExpired, type RetentionReport } from "./retention";
import { sweepUnfanned } from "./sweeper";

/**
 * The cron entry (hourly, `scheduled` in src/index.ts): the backstop sweeper (sweeper.ts; each
 * EventStore partition sweeps itself from its alarm) and retention (retention.ts).
 *
 * Both work in bounded batches: D1 runs one query at a time per database, so a long DELETE would
 * stall the API and the consumer. Whatever is left over is taken by the next run.
 */
export interface CronReport extends RetentionReport {
  swept: number;
}

export async function runCron(env: Env, scheduledTimeMs: number): Promise<CronReport> {
  const swept = await sweepUnfanned(env, scheduledTimeMs);
  return { swept, ...(await purgeExpired(env, scheduledTimeMs)) };
}
