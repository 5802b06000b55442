import type { CallRecord } from "../../domain/call";
import { CALL_TABLE_SCHEMA, callSamples, callsById, callTotals, insertCall, purgeCallsBefore, queryCalls, statsOf, type CallQuery, type CallSample, type CallStats } from "../../traffic/call-table";
import { partitionOf, recordCalls } from "../../traffic/call-index";

/**
 * The webhook's own call log, where every call row is first written: one row per attempt (`calls`,
 * `call_stats`; the SQL is src/traffic/call-table.ts), written by record() in the same storage
 * transaction as the outcome it records (outcome.ts builds the row), so a crash leaves both or neither.
 *
 * The rows stay here for WEBHOOK_LOG_WINDOW_MS (a day), the counters for RETENTION_DAYS: older
 * calls are read from the account-wide index (api/call-reads.ts), so one busy webhook's object
 * holds a day of its attempts, not a month (its 10 GB are not the ceiling of its traffic).
 *
 * `call_forward` is the outbox towards the account-wide index: the ids of calls not yet recorded by
 * their CallLog partition. forward() sends them with one record() per partition and deletes the ids
 * the partition confirmed; an unreachable CallLog delays the index, never loses a row, and never
 * holds a delivery back (it runs after the sends, and errors only leave the ids for the next run).
 */
const SCHEMA = `${CALL_TABLE_SCHEMA}
CREATE TABLE IF NOT EXISTS call_forward (call_id TEXT PRIMARY KEY);`;

/** How long a call row stays in its webhook's own object (older ones: the CallLog days). */
export const WEBHOOK_LOG_WINDOW_MS = 86_400_000;

const FORWARD_BATCH = 500;
const PURGE_BATCH = 1000;
const PURGE_ROUNDS = 5;

export type ForwardResult = "done" | "more" | "failed";

export class WebhookCallLog {
  constructor(
    private readonly sql: SqlStorage,
    private readonly env: Env,
  ) {
    sql.exec(SCHEMA);
  }

  /** Call inside the outcome's transaction. */
  record(call: CallRecord): void {
    if (insertCall(this.sql, call)) this.sql.exec(`INSERT INTO call_forward (call_id) VALUES (?) ON CONFLICT DO NOTHING`, call.id);
  }

  list(q: CallQuery): CallRecord[] {
    return queryCalls(this.sql, q);
  }

  samples(sinceMs: number, untilMs: number, maxRows: number): CallSample[] {
    return callSamples(this.sql, sinceMs, untilMs, maxRows);
  }

  stats(sinceMs: number | null): CallStats {
    return statsOf(callTotals(this.sql, sinceMs));
  }

  /** Every attempt at one event, oldest first (bounded: a schedule has at most 21 attempts per delivery). */
  forEvent(eventId: string): CallRecord[] {
    return queryCalls(this.sql, { limit: 1000, eventId }).reverse();
  }

  hasForwards(): boolean {
    return this.sql.exec(`SELECT 1 FROM call_forward LIMIT 1`).toArray().length > 0;
  }

  async forward(): Promise<ForwardResult> {
    const rows = this.sql
      .exec<{ call_id: string; id: string | null }>(`SELECT f.call_id, c.id FROM call_forward f LEFT JOIN calls c ON c.id = f.call_id LIMIT ?`, FORWARD_BATCH)
      .toArray();
    if (!rows.length) return "done";
    // Rows purged before they were forwarded (a long CallLog outage past retention) have nothing to send.
    const orphans = rows.filter((r) => r.id === null).map((r) => r.call_id);
    this.deleteForwards(orphans);
    const calls = callsById(this.sql, rows.flatMap((r) => (r.id === null ? [] : [r.id])));
    const byPartition = new Map<string, { window: number; calls: CallRecord[] }>();
    for (const call of calls) {
      const p = partitionOf(this.env, call);
      const group = byPartition.get(p.name) ?? { window: p.window, calls: [] };
      group.calls.push(call);
      byPartition.set(p.name, group);
    }
    let failed = false;
    for (const [name, group] of byPartition) {
      try {
        await recordCalls(this.env, name, group.window, group.calls);
        this.deleteForwards(group.calls.map((c) => c.id));
      } catch (err) {
        failed = true;
        console.error(JSON.stringify({ msg: "forwarding calls to the call index failed; will retry", partition: name, error: String(err) }));
      }
    }
    if (failed) return "failed";
    return rows.length === FORWARD_BATCH ? "more" : "done";
  }

  /**
   * Age-based retention, in bounded batches: call rows older than `rowsBeforeMs` that the account-wide
   * index already has (never one still waiting in call_forward), hourly counters older than
   * `statsBeforeMs`. true: rows past the cutoff remain (a busy webhook), and the caller runs it
   * again on its next alarm run instead of waiting an hour.
   */
  purge(rowsBeforeMs: number, statsBeforeMs: number): boolean {
    for (let round = 0; round < PURGE_ROUNDS; round++) {
      if (purgeCallsBefore(this.sql, rowsBeforeMs, PURGE_BATCH, statsBeforeMs, "SELECT call_id FROM call_forward") < PURGE_BATCH) return false;
    }
    return true;
  }

  oldestAt(): number | null {
    return this.sql.exec<{ at: number | null }>(`SELECT MIN(created_at) AS at FROM calls`).one().at;
  }

  private deleteForwards(ids: string[]): void {
    if (ids.length) this.sql.exec(`DELETE FROM call_forward WHERE call_id IN (SELECT value FROM json_each(?))`, JSON.stringify(ids));
  }
}
