import type { EventListFilter, FanoutStamp, FirstEvent, NewEventRow, StoredEvent } from "./event-types";

/**
 * The SQL of one EventStore object (its own SQLite database): the schema and the statements its
 * RPCs run. Everything here is synchronous (`ctx.storage.sql`), so a caller can put several calls
 * in one transactionSync.
 *
 * - `events`: one row per accepted event, payload included; `id` is the key (a supplied id cannot
 *   repeat inside a partition). Indexed for listing (created_at DESC, id DESC) and for the sweeper
 *   (unfanned rows only).
 * - `dedupe_keys`: Idempotency-Keys (kind 'idem') and provider ids (kind 'src', `sourceId\0id`) →
 *   the first event that carried them. The 24 h promise spans two partitions at most (this day
 *   and the one before), and the whole table goes when the partition is deleted.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  id TEXT PRIMARY KEY,
  topic TEXT NOT NULL,
  channel TEXT,
  source_id TEXT,
  idempotency_key TEXT,
  dedupe_key TEXT,
  content_type TEXT NOT NULL,
  payload TEXT NOT NULL,
  headers TEXT,
  created_at INTEGER NOT NULL,
  fanned_out_at INTEGER,
  webhook_ids TEXT,
  exclude_webhook_id TEXT
);
CREATE INDEX IF NOT EXISTS events_listing ON events(created_at, id);
CREATE INDEX IF NOT EXISTS events_unfanned ON events(created_at) WHERE fanned_out_at IS NULL;
CREATE TABLE IF NOT EXISTS dedupe_keys (
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  event_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (kind, key)
) WITHOUT ROWID;
`;

export type KeyKind = "idem" | "src";

interface EventRow {
  id: string;
  topic: string;
  channel: string | null;
  source_id: string | null;
  idempotency_key: string | null;
  dedupe_key: string | null;
  content_type: string;
  payload: string;
  headers: string | null;
  created_at: number;
  fanned_out_at: number | null;
  webhook_ids: string | null;
  exclude_webhook_id: string | null;
  [key: string]: SqlStorageValue;
}

const COLUMNS =
  "id, topic, channel, source_id, idempotency_key, dedupe_key, content_type, payload, headers, created_at, fanned_out_at, webhook_ids, exclude_webhook_id";
const SUMMARY_COLUMNS =
  "id, topic, channel, source_id, idempotency_key, dedupe_key, content_type, '' AS payload, headers, created_at, fanned_out_at, webhook_ids, exclude_webhook_id";

/** Where the rows of this object belong; added to every event handed out. */
export interface Home {
  accountId: string;
  window: number;
  shard: number;
}

function parseJson<T>(text: string | null): T | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

const toEvent = (home: Home, r: EventRow): StoredEvent => ({
  accountId: home.accountId,
  id: r.id,
  topic: r.topic,
  channel: r.channel,
  sourceId: r.source_id,
  idempotencyKey: r.idempotency_key,
  dedupeKey: r.dedupe_key,
  contentType: r.content_type,
  payload: r.payload,
  headers: parseJson<Record<string, string>>(r.headers),
  createdAt: r.created_at,
  fannedOutAt: r.fanned_out_at,
  webhookIds: parseJson<string[]>(r.webhook_ids),
  excludeWebhookId: r.exclude_webhook_id,
  window: home.window,
  shard: home.shard,
});

export function firstById(sql: SqlStorage, id: string, sinceMs = 0): FirstEvent | null {
  const row = sql.exec<{ id: string; topic: string; created_at: number }>(`SELECT id, topic, created_at FROM events WHERE id = ? AND created_at >= ?`, id, sinceMs).toArray()[0];
  return row ? { id: row.id, topic: row.topic, createdAt: row.created_at } : null;
}

export function firstByKey(sql: SqlStorage, kind: KeyKind, key: string, sinceMs = 0): FirstEvent | null {
  const row = sql
    .exec<{ id: string; topic: string; created_at: number }>(
      `SELECT e.id, e.topic, e.created_at FROM dedupe_keys k JOIN events e ON e.id = k.event_id WHERE k.kind = ? AND k.key = ? AND k.created_at >= ?`,
      kind, key, sinceMs,
    )
    .toArray()[0];
  return row ? { id: row.id, topic: row.topic, createdAt: row.created_at } : null;
}

export function insertEvent(sql: SqlStorage, row: NewEventRow, createdAt: number): void {
  sql.exec(
    `INSERT INTO events (id, topic, channel, source_id, idempotency_key, dedupe_key, content_type, payload, headers, created_at, exclude_webhook_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    row.id, row.topic, row.channel, row.sourceId, row.idempotencyKey, row.dedupeKey, row.contentType, row.payload, row.headers, createdAt, row.excludeWebhookId,
  );
}

export function insertKey(sql: SqlStorage, kind: KeyKind, key: string, eventId: string, createdAt: number): void {
  // A key whose first event is older than 24 h may be taken over by the new event.
  sql.exec(`INSERT OR REPLACE INTO dedupe_keys (kind, key, event_id, created_at) VALUES (?, ?, ?, ?)`, kind, key, eventId, createdAt);
}

export function loadEvents(sql: SqlStorage, home: Home, ids: readonly string[]): StoredEvent[] {
  if (ids.length === 0) return [];
  return sql
    .exec<EventRow>(`SELECT ${COLUMNS} FROM events WHERE id IN (SELECT value FROM json_each(?))`, JSON.stringify([...new Set(ids)]))
    .toArray()
    .map((r) => toEvent(home, r));
}

/** fanned_out_at, and webhook_ids merged with what an earlier fan-out (or replay) recorded. */
export function stampEvents(sql: SqlStorage, stamps: readonly FanoutStamp[], nowMs: number): number {
  let changed = 0;
  for (const s of stamps) {
    const row = sql.exec<{ webhook_ids: string | null }>(`SELECT webhook_ids FROM events WHERE id = ?`, s.eventId).toArray()[0];
    if (!row) continue;
    const merged = [...new Set([...(parseJson<string[]>(row.webhook_ids) ?? []), ...s.webhookIds])];
    sql.exec(`UPDATE events SET fanned_out_at = ?, webhook_ids = ? WHERE id = ?`, nowMs, JSON.stringify(merged), s.eventId);
    changed += 1;
  }
  return changed;
}

export function getEvent(sql: SqlStorage, home: Home, id: string): StoredEvent | null {
  const row = sql.exec<EventRow>(`SELECT ${COLUMNS} FROM events WHERE id = ?`, id).toArray()[0];
  return row ? toEvent(home, row) : null;
}

/** Newest first, by (created_at, id): the order every partition of an account is merged in. */
export function listEvents(sql: SqlStorage, home: Home, f: EventListFilter): StoredEvent[] {
  const clauses: string[] = [];
  const params: SqlStorageValue[] = [];
  if (f.before) {
    clauses.push("(created_at < ? OR (created_at = ? AND id < ?))");
    params.push(f.before.createdAt, f.before.createdAt, f.before.id);
  }
  if (f.topic) (clauses.push("topic = ?"), params.push(f.topic));
  if (f.channel) (clauses.push("channel = ?"), params.push(f.channel));
  if (f.sourceId) (clauses.push("source_id = ?"), params.push(f.sourceId));
  if (f.sinceMs !== undefined) (clauses.push("created_at >= ?"), params.push(f.sinceMs));
  if (f.untilMs !== undefined) (clauses.push("created_at < ?"), params.push(f.untilMs));
  const where = clauses.length ? `WHERE ${clauses.join(" AND ")}` : "";
  params.push(Math.max(1, Math.min(f.limit, 1000)));
  return sql
    .exec<EventRow>(`SELECT ${f.includePayload ? COLUMNS : SUMMARY_COLUMNS} FROM events ${where} ORDER BY created_at DESC, id DESC LIMIT ?`, ...params)
    .toArray()
    .map((r) => toEvent(home, r));
}

export function unfannedEvents(sql: SqlStorage, beforeMs: number, afterMs: number, limit: number): { id: string; createdAt: number }[] {
  return sql
    .exec<{ id: string; created_at: number }>(
      `SELECT id, created_at FROM events WHERE fanned_out_at IS NULL AND created_at < ? AND created_at >= ? ORDER BY created_at LIMIT ?`,
      beforeMs, afterMs, limit,
    )
    .toArray()
    .map((r) => ({ id: r.id, createdAt: r.created_at }));
}
