import { parseTimeCursor, toTimePage, Where, type Page, type PageParams } from "./pagination";
import { fromJson, jsonRowChunks } from "./json";

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

/** A new event as stored: the row `insertEventsStatements` writes. */
export interface NewEventRow {
  accountId: string;
  id: string;
  topic: string;
  channel: string | null;
  sourceId: string | null;
  idempotencyKey: string | null;
  dedupeKey: string | null;
  contentType: string;
  payload: string;
  /** JSON text of the forwarded provider headers. */
  headers: string | null;
  excludeWebhookId: string | null;
}

/** Payloads are at most MAX_PAYLOAD_BYTES (≤ 1 MiB, env.ts): one event alone stays under D1's 2 MB per value. */
const MAX_EVENT_JSON_CHARS_PER_STATEMENT = 1_000_000;

/**
 * New events, many per statement (see jsonRowChunks). A row that hits a unique key (id,
 * idempotency key, provider dedupe key) is skipped; RETURNING names the rows that went in, in no
 * set order.
 */
export function insertEventsStatements(db: D1Database, rows: readonly NewEventRow[], createdAt: number): D1PreparedStatement[] {
  const insert = db.prepare(
    `INSERT INTO events (account_id, id, topic, channel, source_id, idempotency_key, dedupe_key, content_type, payload, headers, created_at, exclude_webhook_id)
     SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7, value ->> 8, value ->> 9, ?2, value ->> 10
     FROM json_each(?1) WHERE true
     ON CONFLICT DO NOTHING RETURNING account_id, id`,
  );
  const json = rows.map((r) =>
    JSON.stringify([r.accountId, r.id, r.topic, r.channel, r.sourceId, r.idempotencyKey, r.dedupeKey, r.contentType, r.payload, r.headers, r.excludeWebhookId]),
  );
  return jsonRowChunks(json, MAX_EVENT_JSON_CHARS_PER_STATEMENT).map((chunk) => insert.bind(chunk, createdAt));
}

/** An event that hit a unique key: what it may duplicate. */
export interface DuplicateProbe {
  accountId: string;
  id: string;
  idempotencyKey: string | null;
  sourceId: string | null;
  dedupeKey: string | null;
}

/**
 * For each probe, the earliest stored event it duplicates (same id, same Idempotency-Key, or same
 * provider event id from the same source), or null: one statement for the whole list.
 */
export async function firstDuplicates(db: D1Database, probes: readonly DuplicateProbe[]): Promise<({ id: string; topic: string; createdAt: number } | null)[]> {
  if (probes.length === 0) return [];
  const { results } = await db
    .prepare(
      `SELECT p.key AS i, e.id, e.topic, e.created_at FROM json_each(?1) p JOIN events e ON e.account_id = p.value ->> 0 AND (
         e.id = p.value ->> 1
         OR (p.value ->> 2 IS NOT NULL AND e.idempotency_key = p.value ->> 2)
         OR (p.value ->> 4 IS NOT NULL AND e.source_id IS p.value ->> 3 AND e.dedupe_key = p.value ->> 4))
       ORDER BY p.key, e.created_at`,
    )
    .bind(JSON.stringify(probes.map((p) => [p.accountId, p.id, p.idempotencyKey, p.sourceId, p.dedupeKey])))
    .all<{ i: number; id: string; topic: string; created_at: number }>();
  const first: ({ id: string; topic: string; createdAt: number } | null)[] = probes.map(() => null);
  for (const r of results) first[r.i] ??= { id: r.id, topic: r.topic, createdAt: r.created_at };
  return first;
}
