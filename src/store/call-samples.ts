import type { CallStatus } from "../domain/event";

/**
 * The narrow read behind the per-minute chart: time, outcome and duration of each attempt of one
 * webhook in a window, without the response bodies the call listing carries. When the call log
 * moves out of D1 this is the one function to re-point (see api/timeseries.ts).
 */
export interface CallSample {
  createdAt: number;
  status: CallStatus;
  durationMs: number | null;
}

export async function callSamples(db: D1Database, accountId: string, webhookId: string, sinceMs: number, untilMs: number, maxRows: number): Promise<CallSample[]> {
  const { results } = await db
    .prepare(
      `SELECT created_at AS createdAt, status, duration_ms AS durationMs FROM calls
       WHERE account_id = ?1 AND webhook_id = ?2 AND created_at >= ?3 AND created_at < ?4
       ORDER BY created_at DESC LIMIT ?5`,
    )
    .bind(accountId, webhookId, sinceMs, untilMs, maxRows)
    .all<CallSample>();
  return results;
}
