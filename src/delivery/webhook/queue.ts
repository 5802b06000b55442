import type { Webhook } from "../../domain/webhook";
import type { DeliveryJob } from "../messages";
import type { Transition } from "./outcome";

/**
 * The webhook's deliveries (SQLite table `deliveries`, this object only): one row per delivery key;
 * `seq` is acceptance order. States: pending → in_flight → succeeded | failed | cancelled, or back to
 * pending (retry). Finished rows keep their key (payload dropped on success) so a redelivered job is
 * recognised; they are purged after a while (purgeFinished).
 *
 * `ordered` webhooks send from the head of the line: the open rows in seq order, read HEAD_PREFETCH
 * at a time and kept in memory so a delivery needs no SELECT of its own. Every write here keeps that
 * list in step; anything unexpected (a run's start, a rolled-back transaction) drops it.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS deliveries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL UNIQUE,
  event_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  payload TEXT,
  content_type TEXT NOT NULL,
  headers TEXT,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_attempt_at INTEGER,
  created_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX IF NOT EXISTS deliveries_state ON deliveries(state, next_attempt_at, seq);
-- The ordered head: finished rows are kept for days (dedupe), so the open ones get their own index.
CREATE INDEX IF NOT EXISTS deliveries_open ON deliveries(seq) WHERE state IN ('pending', 'in_flight');
CREATE INDEX IF NOT EXISTS deliveries_finished ON deliveries(state, finished_at);
CREATE INDEX IF NOT EXISTS deliveries_event ON deliveries(event_id);`;

const HEAD_PREFETCH = 8;
/** Keys of finished deliveries are kept this long, far beyond queue redelivery and the 24 h sweeper window. */
export const FINISHED_KEY_RETENTION_MS = 7 * 86_400_000;

export type DeliveryStateName = "pending" | "in_flight" | "succeeded" | "failed" | "cancelled";

export type DeliveryRow = {
  seq: number;
  key: string;
  event_id: string;
  topic: string;
  payload: string | null;
  content_type: string;
  headers: string | null;
  state: DeliveryStateName;
  attempts: number;
  next_attempt_at: number;
  last_attempt_at: number | null;
  created_at: number;
  finished_at: number | null;
};

export interface QueueStatus {
  pending: number;
  processing: number;
  retrying: number;
  failed: number;
}

export class DeliveryQueue {
  private head: DeliveryRow[] | null = null;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  dropHead(): void {
    this.head = null;
  }

  /** Inserts new keys (call inside a transaction); answers how many were new. */
  insert(jobs: readonly DeliveryJob[], now: number): number {
    this.dropHead();
    let accepted = 0;
    for (const job of jobs) {
      const cursor = this.sql.exec(
        `INSERT INTO deliveries (key, event_id, topic, payload, content_type, headers, state, attempts, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT(key) DO NOTHING`,
        job.key, job.eventId, job.topic, job.payload, job.contentType, job.headers ? JSON.stringify(job.headers) : null, now, job.createdAt,
      );
      if (cursor.rowsWritten > 0) accepted++;
    }
    return accepted;
  }

  status(): QueueStatus {
    const status: QueueStatus = { pending: 0, processing: 0, retrying: 0, failed: 0 };
    const rows = this.sql
      .exec<{ state: DeliveryStateName; retried: number; n: number }>(
        `SELECT state, attempts > 0 AS retried, COUNT(*) AS n FROM deliveries WHERE state IN ('pending', 'in_flight', 'failed') GROUP BY 1, 2`,
      )
      .toArray();
    for (const r of rows) {
      if (r.state === "in_flight") status.processing += r.n;
      else if (r.state === "failed") status.failed += r.n;
      else if (r.retried) status.retrying += r.n;
      else status.pending += r.n;
    }
    return status;
  }

  /** Cancels everything waiting (new and retrying); requests already out finish. */
  clear(now: number): number {
    this.dropHead();
    // Counted with RETURNING: rowsWritten also counts index entries.
    return this.sql.exec(`UPDATE deliveries SET state = 'cancelled', payload = NULL, finished_at = ? WHERE state = 'pending' RETURNING seq`, now).toArray().length;
  }

  /** Puts deliveries that failed at or after `sinceMs` back in the queue with a fresh schedule. */
  recover(sinceMs: number, now: number): number {
    this.dropHead();
    return this.sql
      .exec(
        `UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = ?, finished_at = NULL
         WHERE state = 'failed' AND finished_at >= ? AND payload IS NOT NULL RETURNING seq`,
        now, sinceMs,
      )
      .toArray().length;
  }

  /** `ordered`: only the oldest unfinished delivery, and only when nothing is out. `parallel`: any due one. */
  nextDue(config: Webhook, now: number): DeliveryRow | null {
    if (config.delivery.ordering === "ordered") {
      if (!this.head?.length) {
        this.head = this.sql.exec<DeliveryRow>(`SELECT * FROM deliveries WHERE state IN ('pending', 'in_flight') ORDER BY seq LIMIT ?`, HEAD_PREFETCH).toArray();
      }
      const head = this.head[0];
      return head && head.state === "pending" && head.next_attempt_at <= now ? head : null;
    }
    return this.sql.exec<DeliveryRow>(`SELECT * FROM deliveries WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, seq LIMIT 1`, now).toArray()[0] ?? null;
  }

  hasPending(): boolean {
    return this.sql.exec(`SELECT 1 FROM deliveries WHERE state = 'pending' LIMIT 1`).toArray().length > 0;
  }

  /** Counts the attempt and marks the row in flight (synchronously, before the caller can pick again). */
  markInFlight(row: DeliveryRow, now: number): number {
    const attemptNo = row.attempts + 1;
    this.sql.exec(`UPDATE deliveries SET state = 'in_flight', attempts = ?, last_attempt_at = ? WHERE seq = ?`, attemptNo, now, row.seq);
    // The row may be the cached head's object: keep it in step with storage.
    row.state = "in_flight";
    row.attempts = attemptNo;
    row.last_attempt_at = now;
    return attemptNo;
  }

  /** Applies an outcome's transition (call inside the outcome's transaction). */
  apply(row: DeliveryRow, t: Transition, now: number): void {
    if (t.kind === "retry") {
      this.sql.exec(`UPDATE deliveries SET state = 'pending', next_attempt_at = ? WHERE seq = ?`, t.nextAttemptAt, row.seq);
      row.state = "pending";
      row.next_attempt_at = t.nextAttemptAt;
      return;
    }
    // A succeeded row keeps only its key (for dedupe); a failed one keeps its payload for recover.
    if (t.kind === "succeeded") this.sql.exec(`UPDATE deliveries SET state = 'succeeded', payload = NULL, finished_at = ? WHERE seq = ?`, now, row.seq);
    else this.sql.exec(`UPDATE deliveries SET state = 'failed', finished_at = ? WHERE seq = ?`, now, row.seq);
    // No longer open: off the cached head (anything unexpected there and the list is re-read).
    if (this.head?.[0]?.seq === row.seq) this.head.shift();
    else if (this.head?.some((r) => r.seq === row.seq)) this.head = null;
  }

  /** Rows left in_flight that no request of this instance is out for. */
  interrupted(inFlight: ReadonlySet<number>): DeliveryRow[] {
    return this.sql.exec<DeliveryRow>(`SELECT * FROM deliveries WHERE state = 'in_flight' ORDER BY seq`).toArray().filter((r) => !inFlight.has(r.seq));
  }

  /** When the next send is due (null: nothing waits); an in_flight head parks it at `watchdogAt`. */
  nextWakeAt(config: Webhook, watchdogAt: number): number | null {
    if (config.delivery.ordering === "ordered") {
      const head = this.sql.exec<{ state: DeliveryStateName; next_attempt_at: number }>(`SELECT state, next_attempt_at FROM deliveries WHERE state IN ('pending', 'in_flight') ORDER BY seq LIMIT 1`).toArray()[0];
      if (!head) return null;
      return head.state === "pending" ? head.next_attempt_at : watchdogAt;
    }
    return this.sql.exec<{ at: number | null }>(`SELECT MIN(next_attempt_at) AS at FROM deliveries WHERE state = 'pending'`).one().at;
  }

  /** Finished rows: keys kept a week for dedupe; failed ones as long as the call log (for recover). */
  purgeFinished(now: number, retentionMs: number): void {
    this.sql.exec(`DELETE FROM deliveries WHERE state IN ('succeeded', 'cancelled') AND finished_at < ?`, now - FINISHED_KEY_RETENTION_MS);
    this.sql.exec(`DELETE FROM deliveries WHERE state = 'failed' AND finished_at < ?`, now - Math.max(retentionMs, FINISHED_KEY_RETENTION_MS));
  }

  /** The newest delivery of an event here (a replay is a second row under another key). */
  latestFor(eventId: string): DeliveryRow | null {
    return this.sql.exec<DeliveryRow>(`SELECT * FROM deliveries WHERE event_id = ? ORDER BY seq DESC LIMIT 1`, eventId).toArray()[0] ?? null;
  }
}
