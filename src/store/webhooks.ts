import { JITTER_RATIO } from "../domain/retry";
import type { Webhook } from "../domain/webhook";
import { fromJson, toJson } from "./json";
import { decodeCursor, toPage, Where, type Page, type PageParams } from "./pagination";

interface WebhookRow {
  id: string;
  account_id: string;
  url: string;
  description: string | null;
  topics: string;
  active: number;
  status: Webhook["status"];
  disabled_reason: string | null;
  secrets: string;
  channels: string | null;
  sources: string | null;
  filter: string | null;
  headers: string | null;
  header_names: string | null;
  signature: string;
  delivery: string;
  metadata: string | null;
  profile: Webhook["profile"];
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  last_success_at: number | null;
  last_failure_at: number | null;
  version: number;
}

export function rowToWebhook(r: WebhookRow): Webhook {
  return {
    id: r.id,
    accountId: r.account_id,
    url: r.url,
    description: r.description,
    topics: fromJson(r.topics, []),
    active: r.active === 1,
    status: r.status,
    disabledReason: r.disabled_reason,
    sealedSecrets: r.secrets,
    channels: fromJson(r.channels, null),
    sources: fromJson(r.sources, null),
    filter: fromJson(r.filter, null),
    sealedHeaders: r.headers,
    headerNames: fromJson<string[] | null>(r.header_names, null) ?? legacyHeaderNames(r.headers),
    signature: fromJson(r.signature, { scheme: "standard" }),
    // Rows from before delivery.jitter existed get its default.
    delivery: { jitter: JITTER_RATIO, ...fromJson<Partial<Webhook["delivery"]>>(r.delivery, {}) } as Webhook["delivery"],
    profile: r.profile,
    metadata: fromJson(r.metadata, null),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deletedAt: r.deleted_at,
    lastSuccessAt: r.last_success_at,
    lastFailureAt: r.last_failure_at,
    version: r.version,
  };
}

/** Rows from before migration 0006 hold the header object in plain JSON; their names come from it. */
function legacyHeaderNames(stored: string | null): string[] | null {
  return stored !== null && stored.startsWith("{") ? Object.keys(fromJson<Record<string, string>>(stored, {})) : null;
}

const COLUMNS =
  "id, account_id, url, description, topics, active, status, disabled_reason, secrets, channels, sources, filter, headers, signature, delivery, metadata, created_at, updated_at, deleted_at, last_success_at, last_failure_at, profile, header_names, version";

const insertValues = (w: Webhook) => [
  w.id, w.accountId, w.url, w.description, toJson(w.topics), w.active ? 1 : 0, w.status, w.disabledReason,
  w.sealedSecrets, toJson(w.channels), toJson(w.sources), toJson(w.filter), w.sealedHeaders,
  toJson(w.signature), toJson(w.delivery), toJson(w.metadata), w.createdAt, w.updatedAt, w.deletedAt,
  w.lastSuccessAt, w.lastFailureAt, w.profile, toJson(w.headerNames), w.version,
];
const PLACEHOLDERS = Array.from({ length: 24 }, (_, i) => `?${i + 1}`).join(", ");

export async function insertWebhook(db: D1Database, w: Webhook): Promise<void> {
  await db.prepare(`INSERT INTO webhooks (${COLUMNS}) VALUES (${PLACEHOLDERS})`).bind(...insertValues(w)).run();
}

/**
 * Inserts a session's webhook unless the account already has a live one on the same channels, in
 * one statement, so two concurrent PUTs of a WhatsApp session API config cannot create two. False: it had one.
 */
export async function insertWebhookUnlessChannelTaken(db: D1Database, w: Webhook): Promise<boolean> {
  const res = await db
    .prepare(
      `INSERT INTO webhooks (${COLUMNS}) SELECT ${PLACEHOLDERS}
       WHERE NOT EXISTS (SELECT 1 FROM webhooks WHERE account_id = ?2 AND channels = ?10 AND deleted_at IS NULL)`,
    )
    .bind(...insertValues(w))
    .run();
  return res.meta.changes > 0;
}

/**
 * Writes the fields the management API owns, as version `w.version`, only if the row is still at
 * `expectedVersion` (compare-and-set). false: someone else wrote first; re-read and re-apply.
 */
export async function saveWebhookIfVersion(db: D1Database, w: Webhook, expectedVersion: number): Promise<boolean> {
  const res = await db
    .prepare(
      `UPDATE webhooks SET url = ?3, description = ?4, topics = ?5, active = ?6, status = ?7, disabled_reason = ?8,
         secrets = ?9, channels = ?10, sources = ?11, filter = ?12, headers = ?13, signature = ?14, delivery = ?15,
         metadata = ?16, updated_at = ?17, deleted_at = ?18, profile = ?19, header_names = ?20, version = ?21
       WHERE id = ?1 AND account_id = ?2 AND version = ?22`,
    )
    .bind(
      w.id, w.accountId, w.url, w.description, toJson(w.topics), w.active ? 1 : 0, w.status, w.disabledReason,
      w.sealedSecrets, toJson(w.channels), toJson(w.sources), toJson(w.filter), w.sealedHeaders,
      toJson(w.signature), toJson(w.delivery), toJson(w.metadata), w.updatedAt, w.deletedAt, w.profile, toJson(w.headerNames), w.version, expectedVersion,
    )
    .run();
  return res.meta.changes === 1;
}

/** Removes a row no one has changed since `version` (undoing a create whose object refused it). */
export async function deleteWebhookIfVersion(db: D1Database, id: string, version: number): Promise<boolean> {
  const res = await db.prepare(`DELETE FROM webhooks WHERE id = ?1 AND version = ?2`).bind(id, version).run();
  return res.meta.changes === 1;
}

/**
 * The delivery side's disable (410, or 24 h without a success), decided against the config version
 * its object holds: applied only if nobody wrote the row since, so it never overrides a pause or a
 * delete the API made meanwhile. Returns the new version, or null when the row had moved on.
 */
export async function disableWebhookIfVersion(db: D1Database, id: string, heldVersion: number, reason: string, atMs: number): Promise<number | null> {
  const row = await db
    .prepare(
      `UPDATE webhooks SET status = 'disabled', disabled_reason = ?2, updated_at = ?3, version = version + 1
       WHERE id = ?1 AND version = ?4 AND status = 'active' AND deleted_at IS NULL RETURNING version`,
    )
    .bind(id, reason, atMs, heldVersion)
    .first<{ version: number }>();
  return row?.version ?? null;
}

export async function getWebhook(db: D1Database, accountId: string, id: string, opts: { includeDeleted?: boolean } = {}): Promise<Webhook | null> {
  const row = await db
    .prepare(`SELECT ${COLUMNS} FROM webhooks WHERE id = ? AND account_id = ? ${opts.includeDeleted ? "" : "AND deleted_at IS NULL"}`)
    .bind(id, accountId)
    .first<WebhookRow>();
  return row ? rowToWebhook(row) : null;
}

export interface WebhookListFilter extends PageParams {
  active?: boolean | undefined;
  status?: Webhook["status"] | undefined;
  /** Webhooks whose topic patterns would receive this topic. */
  topic?: string | undefined;
  deleted?: boolean | undefined;
  /** Webhooks whose `channels` list names this channel. */
  channel?: string | undefined;
}

export async function listWebhooks(db: D1Database, accountId: string, f: WebhookListFilter): Promise<Page<Webhook>> {
  const where = new Where()
    .add((n) => `account_id = ?${n}`, accountId)
    .when(f.deleted ? "deleted_at IS NOT NULL" : "deleted_at IS NULL");
  const before = decodeCursor(f.cursor);
  if (before) where.add((n) => `id < ?${n}`, before);
  if (f.active !== undefined) where.add((n) => `active = ?${n}`, f.active ? 1 : 0);
  if (f.status) where.add((n) => `status = ?${n}`, f.status);
  if (f.topic) {
    // Mirrors domain/topics.ts topicMatches; substr, not LIKE, because LIKE ignores ASCII case.
    where.add(
      (n) => `EXISTS (SELECT 1 FROM json_each(webhooks.topics) t WHERE t.value = ?${n}
        OR (t.value = '*' AND substr(?${n}, 1, 8) != 'webhook.' AND substr(?${n}, 1, 9) != 'delivery.')
        OR (t.value LIKE '%.*' AND substr(?${n}, 1, length(t.value) - 1) = substr(t.value, 1, length(t.value) - 1)))`,
      f.topic,
    );
  }
  if (f.channel !== undefined) where.add((n) => `EXISTS (SELECT 1 FROM json_each(webhooks.channels) c WHERE c.value = ?${n})`, f.channel);
  const limit = where.limit(f.limit + 1);
  const { results } = await db
    .prepare(`SELECT ${COLUMNS} FROM webhooks WHERE ${where.sql} ORDER BY id DESC LIMIT ${limit}`)
    .bind(...where.params)
    .all<WebhookRow>();
  return toPage(results, f.limit, (r) => r.id, rowToWebhook);
}

/** Every live webhook of the given accounts: what the queue consumer matches events against. */
export async function listLiveWebhooks(db: D1Database, accountIds: string[]): Promise<Webhook[]> {
  if (accountIds.length === 0) return [];
  const { results } = await db
    .prepare(`SELECT ${COLUMNS} FROM webhooks WHERE account_id IN (SELECT value FROM json_each(?1)) AND deleted_at IS NULL`)
    .bind(JSON.stringify(accountIds))
    .all<WebhookRow>();
  return results.map(rowToWebhook);
}

/** The webhooks one account delete removed (all stamped with its time), with their new versions. */
export async function listWebhooksDeletedAt(db: D1Database, accountId: string, deletedAtMs: number): Promise<Webhook[]> {
  const { results } = await db
    .prepare(`SELECT ${COLUMNS} FROM webhooks WHERE account_id = ?1 AND deleted_at = ?2`)
    .bind(accountId, deletedAtMs)
    .all<WebhookRow>();
  return results.map(rowToWebhook);
}

/**
 * A session's webhook for the WhatsApp session API's routes: the account's oldest live webhook
 * whose channels are exactly `[channel]` (the session API creates them that way; one per session
 * per account).
 */
export async function findWebhookByChannel(db: D1Database, accountId: string, channel: string): Promise<Webhook | null> {
  const row = await db
    .prepare(`SELECT ${COLUMNS} FROM webhooks WHERE account_id = ?1 AND channels = ?2 AND deleted_at IS NULL ORDER BY id LIMIT 1`)
    .bind(accountId, JSON.stringify([channel]))
    .first<WebhookRow>();
  return row ? rowToWebhook(row) : null;
}

/** Ids of soft-deleted webhooks deleted before `deletedBeforeMs`: retention's hard-delete candidates. */
export async function listWebhookIdsDeletedBefore(db: D1Database, deletedBeforeMs: number, limit: number): Promise<string[]> {
  const { results } = await db.prepare(`SELECT id FROM webhooks WHERE deleted_at IS NOT NULL AND deleted_at < ?1 LIMIT ?2`).bind(deletedBeforeMs, limit).all<{ id: string }>();
  return results.map((r) => r.id);
}

/** Removes the rows of soft-deleted webhooks for good (a restored one, no longer deleted, stays). */
export async function hardDeleteWebhookRows(db: D1Database, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await db.prepare(`DELETE FROM webhooks WHERE id IN (SELECT value FROM json_each(?1)) AND deleted_at IS NOT NULL`).bind(JSON.stringify(ids)).run();
}
