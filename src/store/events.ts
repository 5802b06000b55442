import { parseTimeCursor, toTimePage, Where, type Page, type PageParams } from "./pagination";
import { fromJson } from "./json";

/** D1 access for events (the accepting insert lives in delivery/accept.ts, on the hot path). */
export interface StoredEvent {
  accountId: string;
  id: string;
  topic: string;
  channel: string | null;
  sourceId: string | null;
  contentType: string;
  payload: string;
  headers: Record<string, string> | null;
  createdAt: number;
  fannedOutAt: number | null;
  webhookIds: string[] | null;
  excludeWebhookId: string | null;
}

interface EventRow {
  account_id: string;
  id: string;
  topic: string;
  channel: string | null;
  source_id: string | null;
  content_type: string;
  payload: string;
  headers: string | null;
  created_at: number;
  fanned_out_at: number | null;
  webhook_ids: string | null;
  exclude_webhook_id: string | null;
}

const COLUMNS = "account_id, id, topic, channel, source_id, content_type, payload, headers, created_at, fanned_out_at, webhook_ids, exclude_webhook_id";
/** The same, without the payload, for listings. */
const SUMMARY_COLUMNS = "account_id, id, topic, channel, source_id, content_type, '' AS payload, headers, created_at, fanned_out_at, webhook_ids, exclude_webhook_id";

const toEvent = (r: EventRow): StoredEvent => ({
  accountId: r.account_id,
  id: r.id,
  topic: r.topic,
  channel: r.channel,
  sourceId: r.source_id,
  contentType: r.content_type,
  payload: r.payload,
  headers: fromJson(r.headers, null),
  createdAt: r.created_at,
  fannedOutAt: r.fanned_out_at,
  webhookIds: fromJson(r.webhook_ids, null),
  excludeWebhookId: r.exclude_webhook_id,
});

export interface EventRef {
  accountId: string;
  eventId: string;
}

/** A whole queue batch's events in one query (primary-key lookups through json_each). */
export async function loadEvents(db: D1Database, refs: EventRef[]): Promise<StoredEvent[]> {
  if (refs.length === 0) return [];
  const { results } = await db
    .prepare(
      `SELECT ${COLUMNS.split(", ").map((c) => `e.${c}`).join(", ")}
       FROM json_each(?1) j JOIN events e ON e.account_id = json_extract(j.value, '$[0]') AND e.id = json_extract(j.value, '$[1]')`,
    )
    .bind(JSON.stringify(refs.map((r) => [r.accountId, r.eventId])))
    .all<EventRow>();
  return results.map(toEvent);
}

export interface FanoutStamp extends EventRef {
  webhookIds: string[];
}

/**
 * One statement stamps a whole batch: `fanned_out_at`, and `webhook_ids` merged with what an
 * earlier fan-out (or replay) recorded, so a replay to one webhook does not hide the others.
 */
export function stampFannedOut(db: D1Database, stamps: FanoutStamp[], nowMs: number): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE events SET fanned_out_at = ?1,
         webhook_ids = (SELECT json_group_array(value) FROM (
           SELECT value FROM json_each(COALESCE(events.webhook_ids, '[]'))
           UNION SELECT value FROM json_each(json_extract(u.value, '$.w'))))
       FROM json_each(?2) u
       WHERE events.account_id = json_extract(u.value, '$.a') AND events.id = json_extract(u.value, '$.e')`,
    )
    .bind(nowMs, JSON.stringify(stamps.map((s) => ({ a: s.accountId, e: s.eventId, w: s.webhookIds }))));
}

export async function getEvent(db: D1Database, accountId: string, id: string): Promise<StoredEvent | null> {
  const row = await db.prepare(`SELECT ${COLUMNS} FROM events WHERE account_id = ? AND id = ?`).bind(accountId, id).first<EventRow>();
  return row ? toEvent(row) : null;
}

export interface EventListFilter extends PageParams {
  topic?: string | undefined;
  channel?: string | undefined;
  sourceId?: string | undefined;
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
  includePayload?: boolean | undefined;
}

/**
 * Newest first. Publisher-chosen ids are not time-ordered, so the cursor is (created_at, id) of
 * the page's last row, encoded as `<ms>|<id>`.
 */
export async function listEvents(db: D1Database, accountId: string, f: EventListFilter): Promise<Page<StoredEvent>> {
  const where = new Where().add((n) => `account_id = ?${n}`, accountId).olderThan(parseTimeCursor(f.cursor));
  if (f.topic) where.add((n) => `topic = ?${n}`, f.topic);
  if (f.channel) where.add((n) => `channel = ?${n}`, f.channel);
  if (f.sourceId) where.add((n) => `source_id = ?${n}`, f.sourceId);
  if (f.sinceMs !== undefined) where.add((n) => `created_at >= ?${n}`, f.sinceMs);
  if (f.untilMs !== undefined) where.add((n) => `created_at < ?${n}`, f.untilMs);
  const limit = where.limit(f.limit + 1);
  const { results } = await db
    .prepare(`SELECT ${f.includePayload ? COLUMNS : SUMMARY_COLUMNS} FROM events WHERE ${where.sql} ORDER BY created_at DESC, id DESC LIMIT ${limit}`)
    .bind(...where.params)
    .all<EventRow>();
  return toTimePage(results, f.limit, toEvent);
}

/** Accepted but never fanned out (queue send failed, or the consumer died before stamping). */
export async function unfannedEvents(db: D1Database, createdBeforeMs: number, createdAfterMs: number, limit: number): Promise<(EventRef & { createdAt: number })[]> {
  const { results } = await db
    .prepare(
      `SELECT account_id, id, created_at FROM events WHERE fanned_out_at IS NULL AND created_at < ?1 AND created_at >= ?2
       ORDER BY created_at LIMIT ?3`,
    )
    .bind(createdBeforeMs, createdAfterMs, limit)
    .all<{ account_id: string; id: string; created_at: number }>();
  return results.map((r) => ({ accountId: r.account_id, eventId: r.id, createdAt: r.created_at }));
}

/** Bounded deletes for the retention cron; each returns how many rows it touched. */
export async function purgeEventsBefore(db: D1Database, beforeMs: number, limit: number): Promise<number> {
  const res = await db
    .prepare(`DELETE FROM events WHERE rowid IN (SELECT rowid FROM events WHERE created_at < ?1 LIMIT ?2)`)
    .bind(beforeMs, limit)
    .run();
  return res.meta.changes;
}

/** Idempotency and provider dedupe keys only promise 24 h; clearing them frees the unique indexes. */
export async function clearDedupeKeysBefore(db: D1Database, beforeMs: number, limit: number): Promise<number> {
  const res = await db
    .prepare(
      `UPDATE events SET idempotency_key = NULL, dedupe_key = NULL WHERE rowid IN (
         SELECT rowid FROM events WHERE (idempotency_key IS NOT NULL OR dedupe_key IS NOT NULL) AND created_at < ?1 LIMIT ?2)`,
    )
    .bind(beforeMs, limit)
    .run();
  return res.meta.changes;
}
