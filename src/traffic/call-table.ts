import type { CallRecord, CallStatus } from "../domain/call";
import type { TimeCursor } from "../store/pagination";

/**
 * The call rows of a Durable Object's own SQLite storage, with hourly counters beside them. Two
 * owners use it, each on its own storage: a webhook's object (its attempt log, written in the same
 * transaction as the outcome) and a CallLog partition (the account-wide index of one day).
 *
 * Stats come from `call_stats` (one row per hour and topic), so a 30-day figure reads at most
 * 720 × topics small rows instead of every call; only the partial hour at a `since` boundary is
 * counted from `calls` itself (through its created_at index), so the figures are exact.
 */
export const CALL_TABLE_SCHEMA = `
CREATE TABLE IF NOT EXISTS calls (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  webhook_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  status TEXT NOT NULL,
  http_status INTEGER,
  duration_ms INTEGER,
  error TEXT,
  response_body TEXT,
  url TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  next_attempt_at INTEGER
);
-- Newest first with a (created_at, id) cursor, unfiltered and per list filter.
CREATE INDEX IF NOT EXISTS calls_created ON calls(created_at, id);
CREATE INDEX IF NOT EXISTS calls_status ON calls(status, created_at, id);
CREATE INDEX IF NOT EXISTS calls_topic ON calls(topic, created_at, id);
CREATE INDEX IF NOT EXISTS calls_event ON calls(event_id, created_at, id);
CREATE TABLE IF NOT EXISTS call_stats (
  hour INTEGER NOT NULL,
  topic TEXT NOT NULL,
  total INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  duration_sum INTEGER NOT NULL,
  duration_n INTEGER NOT NULL,
  last_at INTEGER NOT NULL,
  PRIMARY KEY (hour, topic)
);`;

const HOUR_MS = 3_600_000;

type CallRow = {
  id: string;
  account_id: string;
  webhook_id: string;
  event_id: string;
  topic: string;
  attempt: number;
  status: CallStatus;
  http_status: number | null;
  duration_ms: number | null;
  error: string | null;
  response_body: string | null;
  url: string;
  created_at: number;
  next_attempt_at: number | null;
};

export const rowToCall = (r: CallRow): CallRecord => ({
  id: r.id,
  accountId: r.account_id,
  webhookId: r.webhook_id,
  eventId: r.event_id,
  topic: r.topic,
  attempt: r.attempt,
  status: r.status,
  httpStatus: r.http_status,
  durationMs: r.duration_ms,
  error: r.error,
  responseBody: r.response_body,
  url: r.url,
  createdAt: r.created_at,
  nextAttemptAt: r.next_attempt_at,
});

/** Inserts a call and counts it; a call id already stored is ignored (a re-forwarded batch). */
export function insertCall(sql: SqlStorage, c: CallRecord): boolean {
  const inserted = sql
    .exec(
      `INSERT INTO calls (id, account_id, webhook_id, event_id, topic, attempt, status, http_status, duration_ms, error, response_body, url, created_at, next_attempt_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING RETURNING id`,
      c.id, c.accountId, c.webhookId, c.eventId, c.topic, c.attempt, c.status, c.httpStatus, c.durationMs, c.error, c.responseBody, c.url, c.createdAt, c.nextAttemptAt,
    )
    .toArray().length > 0;
  if (!inserted) return false;
  sql.exec(
    `INSERT INTO call_stats (hour, topic, total, ok, duration_sum, duration_n, last_at) VALUES (?, ?, 1, ?, ?, ?, ?)
     ON CONFLICT(hour, topic) DO UPDATE SET total = total + 1, ok = ok + excluded.ok, duration_sum = duration_sum + excluded.duration_sum,
       duration_n = duration_n + excluded.duration_n, last_at = MAX(last_at, excluded.last_at)`,
    Math.floor(c.createdAt / HOUR_MS), c.topic, c.status === "succeeded" ? 1 : 0, c.durationMs ?? 0, c.durationMs === null ? 0 : 1, c.createdAt,
  );
  return true;
}

export interface CallQuery {
  /** Rows to return (callers ask for their page size + 1 to know whether there is more). */
  limit: number;
  /** Only rows after this one in newest-first order. */
  after?: TimeCursor | null | undefined;
  eventId?: string | undefined;
  /** The account-wide index only (a webhook's own log holds one webhook). */
  webhookId?: string | undefined;
  status?: CallStatus | undefined;
  topic?: string | undefined;
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
}

/** Newest first, (created_at, id) descending: a cursor stays put while newer calls arrive. */
export function queryCalls(sql: SqlStorage, q: CallQuery): CallRecord[] {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, ...values: unknown[]) => {
    where.push(clause);
    params.push(...values);
  };
  if (q.after) add(`(created_at < ? OR (created_at = ? AND id < ?))`, q.after.createdAt, q.after.createdAt, q.after.id);
  if (q.eventId !== undefined) add(`event_id = ?`, q.eventId);
  if (q.webhookId !== undefined) add(`webhook_id = ?`, q.webhookId);
  if (q.status !== undefined) add(`status = ?`, q.status);
  if (q.topic !== undefined) add(`topic = ?`, q.topic);
  if (q.sinceMs !== undefined) add(`created_at >= ?`, q.sinceMs);
  if (q.untilMs !== undefined) add(`created_at < ?`, q.untilMs);
  const rows = sql
    .exec<CallRow>(`SELECT * FROM calls ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at DESC, id DESC LIMIT ?`, ...params, q.limit)
    .toArray();
  return rows.map(rowToCall);
}

export function callsById(sql: SqlStorage, ids: readonly string[]): CallRecord[] {
  if (!ids.length) return [];
  return sql.exec<CallRow>(`SELECT * FROM calls WHERE id IN (SELECT value FROM json_each(?))`, JSON.stringify(ids)).toArray().map(rowToCall);
}

/** The raw sums behind CallStats, so partitions can be added up before averaging. */
export interface CallTotals {
  total: number;
  ok: number;
  durationSum: number;
  durationN: number;
  lastAt: number | null;
  byTopic: Record<string, number>;
}

export const emptyTotals = (): CallTotals => ({ total: 0, ok: 0, durationSum: 0, durationN: 0, lastAt: null, byTopic: {} });

export function addTotals(into: CallTotals, t: CallTotals): CallTotals {
  into.total += t.total;
  into.ok += t.ok;
  into.durationSum += t.durationSum;
  into.durationN += t.durationN;
  into.lastAt = t.lastAt === null ? into.lastAt : Math.max(into.lastAt ?? 0, t.lastAt);
  for (const [topic, n] of Object.entries(t.byTopic)) into.byTopic[topic] = (into.byTopic[topic] ?? 0) + n;
  return into;
}

/** Every call at or after `sinceMs` (all when null): whole hours from the counters, the partial one from the rows. */
export function callTotals(sql: SqlStorage, sinceMs: number | null): CallTotals {
  const totals = emptyTotals();
  const firstWholeHour = sinceMs === null ? null : Math.ceil(sinceMs / HOUR_MS);
  const buckets = sql
    .exec<{ topic: string; total: number; ok: number; duration_sum: number; duration_n: number; last_at: number }>(
      `SELECT topic, SUM(total) AS total, SUM(ok) AS ok, SUM(duration_sum) AS duration_sum, SUM(duration_n) AS duration_n, MAX(last_at) AS last_at
       FROM call_stats WHERE ? IS NULL OR hour >= ? GROUP BY topic`,
      firstWholeHour, firstWholeHour,
    )
    .toArray();
  const partial =
    sinceMs === null
      ? []
      : sql
          .exec<{ topic: string; total: number; ok: number; duration_sum: number; duration_n: number; last_at: number }>(
            `SELECT topic, COUNT(*) AS total, SUM(status = 'succeeded') AS ok, COALESCE(SUM(duration_ms), 0) AS duration_sum,
               COUNT(duration_ms) AS duration_n, MAX(created_at) AS last_at
             FROM calls WHERE created_at >= ? AND created_at < ? GROUP BY topic`,
            sinceMs, firstWholeHour! * HOUR_MS,
          )
          .toArray();
  for (const r of [...buckets, ...partial]) {
    addTotals(totals, { total: r.total, ok: r.ok, durationSum: r.duration_sum, durationN: r.duration_n, lastAt: r.last_at, byTopic: { [r.topic]: r.total } });
  }
  return totals;
}

export interface CallStats {
  totalSent: number;
  successful: number;
  failed: number;
  averageResponseTimeMs: number | null;
  lastDeliveryAt: number | null;
  byEvent: Record<string, number>;
}

/** Every attempt counts: `failed` is attempts that did not succeed (some of which were retried). */
export function statsOf(t: CallTotals): CallStats {
  return {
    totalSent: t.total,
    successful: t.ok,
    failed: t.total - t.ok,
    averageResponseTimeMs: t.durationN === 0 ? null : Math.round(t.durationSum / t.durationN),
    lastDeliveryAt: t.lastAt,
    byEvent: t.byTopic,
  };
}

/**
 * Deletes up to `limit` calls older than `rowsBeforeMs`, except those `keep` names (a SQL subquery
 * of ids), and the counters of hours wholly before `statsBeforeMs`.
 */
export function purgeCallsBefore(sql: SqlStorage, rowsBeforeMs: number, limit: number, statsBeforeMs = rowsBeforeMs, keep?: string): number {
  const deleted = sql
    .exec(
      `DELETE FROM calls WHERE id IN (SELECT id FROM calls WHERE created_at < ? ${keep ? `AND id NOT IN (${keep})` : ""} ORDER BY created_at LIMIT ?) RETURNING id`,
      rowsBeforeMs, limit,
    )
    .toArray().length;
  sql.exec(`DELETE FROM call_stats WHERE hour < ?`, Math.floor(statsBeforeMs / HOUR_MS));
  return deleted;
}

/** Merges newest-first lists from several partitions into one, newest first. */
export function mergeNewestFirst(lists: CallRecord[][], limit: number): CallRecord[] {
  return lists
    .flat()
    .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, limit);
}

/** Time, outcome and duration of the attempts in [sinceMs, untilMs), newest first: the chart's read, without bodies. */
export function callSamples(sql: SqlStorage, sinceMs: number, untilMs: number, maxRows: number): CallSample[] {
  return sql
    .exec<{ created_at: number; status: CallStatus; duration_ms: number | null }>(
      `SELECT created_at, status, duration_ms FROM calls WHERE created_at >= ? AND created_at < ? ORDER BY created_at DESC LIMIT ?`,
      sinceMs, untilMs, maxRows,
    )
    .toArray()
    .map((r) => ({ createdAt: r.created_at, status: r.status, durationMs: r.duration_ms }));
}

export interface CallSample {
  createdAt: number;
  status: CallStatus;
  durationMs: number | null;
}
