import type { CallRecord, CallStatus } from "../domain/event";
import type { Page, PageParams } from "./pagination";
import { jsonRowChunks } from "./json";
import { parseTimeCursor, toTimePage, Where } from "./pagination";

/** D1 access for the call log (one row per delivery attempt) and the delivery-health columns. */
interface CallRow {
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
}

const COLUMNS = "id, account_id, webhook_id, event_id, topic, attempt, status, http_status, duration_ms, error, response_body, url, created_at, next_attempt_at";

const toCall = (r: CallRow): CallRecord => ({
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

/** D1 caps a bound value at 2 MB; call rows are small (bodies capped at 4 KiB), so chunks stay far below. */
const MAX_JSON_CHARS_PER_STATEMENT = 512 * 1024;

/**
 * Many call rows in one statement each chunk (INSERT … SELECT FROM json_each), so a DO's alarm run
 * costs one statement, not one per attempt. OR IGNORE makes a re-flush after a crash harmless: the
 * call id is the primary key.
 */
export function insertCallsStatements(db: D1Database, calls: readonly CallRecord[]): D1PreparedStatement[] {
  const insert = db.prepare(
    `INSERT OR IGNORE INTO calls (${COLUMNS})
     SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'),
            json_extract(value, '$[4]'), json_extract(value, '$[5]'), json_extract(value, '$[6]'), json_extract(value, '$[7]'),
            json_extract(value, '$[8]'), json_extract(value, '$[9]'), json_extract(value, '$[10]'), json_extract(value, '$[11]'),
            json_extract(value, '$[12]'), json_extract(value, '$[13]')
     FROM json_each(?1)`,
  );
  const rows = calls.map((c) =>
    JSON.stringify([
      c.id, c.accountId, c.webhookId, c.eventId, c.topic, c.attempt, c.status, c.httpStatus, c.durationMs, c.error,
      c.responseBody, c.url, c.createdAt, c.nextAttemptAt,
    ]),
  );
  return jsonRowChunks(rows, MAX_JSON_CHARS_PER_STATEMENT).map((chunk) => insert.bind(chunk));
}

/** Health columns move forward only, so flushes arriving out of order cannot move them back. */
export function webhookHealthStatement(db: D1Database, webhookId: string, lastSuccessAt: number | null, lastFailureAt: number | null): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE webhooks SET
         last_success_at = CASE WHEN ?2 IS NULL THEN last_success_at ELSE MAX(COALESCE(last_success_at, 0), ?2) END,
         last_failure_at = CASE WHEN ?3 IS NULL THEN last_failure_at ELSE MAX(COALESCE(last_failure_at, 0), ?3) END
       WHERE id = ?1`,
    )
    .bind(webhookId, lastSuccessAt, lastFailureAt);
}

/**
 * The delivery engine's disable. Only an active, live webhook is changed, so it never overrides a
 * pause or a delete the API made meanwhile. `active` stays as the user set it: PUT {active:true}
 * is what re-enables (see statusAfterUpdate).
 */
export function disableWebhookStatement(db: D1Database, webhookId: string, reason: string, atMs: number): D1PreparedStatement {
  return db
    .prepare(`UPDATE webhooks SET status = 'disabled', disabled_reason = ?2, updated_at = ?3 WHERE id = ?1 AND status = 'active' AND deleted_at IS NULL`)
    .bind(webhookId, reason, atMs);
}

export interface CallListFilter extends PageParams {
  webhookId?: string | undefined;
  eventId?: string | undefined;
  status?: CallStatus | undefined;
  topic?: string | undefined;
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
}

export async function listCalls(db: D1Database, accountId: string, f: CallListFilter): Promise<Page<CallRecord>> {
  const where = new Where().add((n) => `account_id = ?${n}`, accountId).olderThan(parseTimeCursor(f.cursor));
  if (f.webhookId) where.add((n) => `webhook_id = ?${n}`, f.webhookId);
  if (f.eventId) where.add((n) => `event_id = ?${n}`, f.eventId);
  if (f.status) where.add((n) => `status = ?${n}`, f.status);
  if (f.topic) where.add((n) => `topic = ?${n}`, f.topic);
  if (f.sinceMs !== undefined) where.add((n) => `created_at >= ?${n}`, f.sinceMs);
  if (f.untilMs !== undefined) where.add((n) => `created_at < ?${n}`, f.untilMs);
  const limit = where.limit(f.limit + 1);
  const { results } = await db
    .prepare(`SELECT ${COLUMNS} FROM calls WHERE ${where.sql} ORDER BY created_at DESC, id DESC LIMIT ${limit}`)
    .bind(...where.params)
    .all<CallRow>();
  return toTimePage(results, f.limit, toCall);
}

/** The call rows of one event (every webhook, every attempt): the source of its delivery states. */
export function callsForEventStatement(db: D1Database, accountId: string, eventId: string): D1PreparedStatement {
  return db
    .prepare(`SELECT ${COLUMNS} FROM calls WHERE account_id = ?1 AND event_id = ?2 ORDER BY created_at, id LIMIT 1000`)
    .bind(accountId, eventId);
}

export const rowsToCalls = (rows: unknown[]): CallRecord[] => (rows as CallRow[]).map(toCall);

export async function insertCall(db: D1Database, call: CallRecord): Promise<void> {
  await db.batch(insertCallsStatements(db, [call]));
}

export interface CallStats {
  totalSent: number;
  successful: number;
  failed: number;
  averageResponseTimeMs: number | null;
  lastDeliveryAt: number | null;
  byEvent: Record<string, number>;
}

/**
 * Aggregates over the call log, for one webhook or a whole account, in one round trip. Every
 * attempt counts: `failed` is attempts that did not succeed (some of which were retried).
 */
export async function callStats(db: D1Database, accountId: string, webhookId: string | null, sinceMs: number | null): Promise<CallStats> {
  const where = "account_id = ?1 AND (?2 IS NULL OR webhook_id = ?2) AND (?3 IS NULL OR created_at >= ?3)";
  const [totals, topics] = await db.batch<Record<string, unknown>>([
    db
      .prepare(
        `SELECT COUNT(*) AS total, COALESCE(SUM(status = 'succeeded'), 0) AS ok, AVG(duration_ms) AS avg_ms, MAX(created_at) AS last_at
         FROM calls WHERE ${where}`,
      )
      .bind(accountId, webhookId, sinceMs),
    db.prepare(`SELECT topic, COUNT(*) AS n FROM calls WHERE ${where} GROUP BY topic ORDER BY n DESC LIMIT 200`).bind(accountId, webhookId, sinceMs),
  ]);
  const t = (totals?.results[0] ?? {}) as { total?: number; ok?: number; avg_ms?: number | null; last_at?: number | null };
  const total = t.total ?? 0;
  const ok = t.ok ?? 0;
  const byEvent: Record<string, number> = {};
  for (const r of (topics?.results ?? []) as { topic: string; n: number }[]) byEvent[r.topic] = r.n;
  return {
    totalSent: total,
    successful: ok,
    failed: total - ok,
    averageResponseTimeMs: t.avg_ms === null || t.avg_ms === undefined ? null : Math.round(t.avg_ms),
    lastDeliveryAt: t.last_at ?? null,
    byEvent,
  };
}

export async function purgeCallsBefore(db: D1Database, beforeMs: number, limit: number): Promise<number> {
  const res = await db
    .prepare(`DELETE FROM calls WHERE rowid IN (SELECT rowid FROM calls WHERE created_at < ?1 LIMIT ?2)`)
    .bind(beforeMs, limit)
    .run();
  return res.meta.changes;
}
