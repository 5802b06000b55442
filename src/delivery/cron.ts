import { purgeExpired, type RetentionReport } from "./retention";
import { sweepUnfanned } from "./sweeper";

/**
 * The cron entry (every 5 minutes, `scheduled` in src/index.ts): the sweeper every run
 * (sweeper.ts), retention once an hour (retention.ts).
 *
 * Both work in bounded batches: D1 runs one query at a time per database, so a long DELETE would
 * stall the API and the consumer. Whatever is left over is taken by the next run.
 */
export interface CronReport extends RetentionReport {
  swept: number;
}

export async function runCron(env: Env, scheduledTimeMs: number, opts: { retention?: boolean } = {}): Promise<CronReport> {
  const report: CronReport = { swept: 0, partitionsPurged: 0, webhooksDeleted: 0 };
  report.swept = await sweepUnfanned(env, scheduledTimeMs);
  const hourly = opts.retention ?? new Date(scheduledTimeMs).getUTCMinutes() === 0;
  if (hourly) Object.assign(report, await purgeExpired(env, scheduledTimeMs));
  return report;
}
