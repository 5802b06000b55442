import type { RuleSetting, Source } from "../domain/source";
import type { VerificationConfig } from "../domain/verification";
import { fromJson, toJson } from "./json";
import { decodeCursor, toPage, type Page, type PageParams } from "./pagination";

/** Sources (inbound relay) — D1 access. */

interface SourceRow {
  id: string;
  account_id: string;
  name: string;
  description: string | null;
  verification: string;
  secrets: string | null;
  topic: string | null;
  channel: string | null;
  dedupe: string | null;
  forward_headers: string | null;
  rate_limit: string | null;
  active: number;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

const COLUMNS =
  "id, account_id, name, description, verification, secrets, topic, channel, dedupe, forward_headers, rate_limit, active, created_at, updated_at, deleted_at";

function rowToSource(r: SourceRow): Source {
  return {
    id: r.id,
    accountId: r.account_id,
    name: r.name,
    description: r.description,
    verification: fromJson<VerificationConfig>(r.verification, { type: "none" }),
    sealedSecrets: r.secrets,
    topic: fromJson<RuleSetting>(r.topic, null),
    channel: fromJson<RuleSetting>(r.channel, null),
    dedupe: fromJson<RuleSetting>(r.dedupe, null),
    forwardHeaders: fromJson<string[] | null>(r.forward_headers, null),
    rateLimit: fromJson<{ perSecond: number } | null>(r.rate_limit, null),
    active: r.active === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deletedAt: r.deleted_at,
  };
}

export async function insertSource(db: D1Database, s: Source): Promise<void> {
  await db
    .prepare(`INSERT INTO sources (${COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)`)
    .bind(
      s.id, s.accountId, s.name, s.description, toJson(s.verification), s.sealedSecrets, toJson(s.topic), toJson(s.channel),
      toJson(s.dedupe), toJson(s.forwardHeaders), toJson(s.rateLimit), s.active ? 1 : 0, s.createdAt, s.updatedAt, s.deletedAt,
    )
    .run();
}

export async function saveSource(db: D1Database, s: Source): Promise<void> {
  await db
    .prepare(
      `UPDATE sources SET name = ?3, description = ?4, verification = ?5, secrets = ?6, topic = ?7, channel = ?8, dedupe = ?9,
         forward_headers = ?10, rate_limit = ?11, active = ?12, updated_at = ?13, deleted_at = ?14
       WHERE id = ?1 AND account_id = ?2`,
    )
    .bind(
      s.id, s.accountId, s.name, s.description, toJson(s.verification), s.sealedSecrets, toJson(s.topic), toJson(s.channel),
      toJson(s.dedupe), toJson(s.forwardHeaders), toJson(s.rateLimit), s.active ? 1 : 0, s.updatedAt, s.deletedAt,
    )
    .run();
}

export async function getSource(db: D1Database, accountId: string, id: string, opts: { includeDeleted?: boolean } = {}): Promise<Source | null> {
  const row = await db
    .prepare(`SELECT ${COLUMNS} FROM sources WHERE id = ?1 AND account_id = ?2 ${opts.includeDeleted ? "" : "AND deleted_at IS NULL"}`)
    .bind(id, accountId)
    .first<SourceRow>();
  return row ? rowToSource(row) : null;
}

/**
 * The ingest route's lookup: by id alone, since the unguessable id in the URL is the credential.
 * Only a live source of a live account: a deleted account's sources stop at once.
 */
export async function findLiveSource(db: D1Database, id: string): Promise<Source | null> {
  const row = await db
    .prepare(
      `SELECT ${COLUMNS} FROM sources WHERE id = ?1 AND deleted_at IS NULL
         AND EXISTS (SELECT 1 FROM accounts a WHERE a.id = sources.account_id AND a.deleted_at IS NULL)`,
    )
    .bind(id)
    .first<SourceRow>();
  return row ? rowToSource(row) : null;
}

export interface SourceListFilter extends PageParams {
  active?: boolean | undefined;
  deleted?: boolean | undefined;
}

export async function listSources(db: D1Database, accountId: string, f: SourceListFilter): Promise<Page<Source>> {
  const where = ["account_id = ?1", f.deleted ? "deleted_at IS NOT NULL" : "deleted_at IS NULL"];
  const params: unknown[] = [accountId];
  const before = decodeCursor(f.cursor);
  if (before) {
    params.push(before);
    where.push(`id < ?${params.length}`);
  }
  if (f.active !== undefined) {
    params.push(f.active ? 1 : 0);
    where.push(`active = ?${params.length}`);
  }
  params.push(f.limit + 1);
  const { results } = await db
    .prepare(`SELECT ${COLUMNS} FROM sources WHERE ${where.join(" AND ")} ORDER BY id DESC LIMIT ?${params.length}`)
    .bind(...params)
    .all<SourceRow>();
  return toPage(results, f.limit, (r) => r.id, rowToSource);
}

/** Which of `ids` are live sources of the account (used to validate webhook `sources`). */
export async function liveSourceIds(db: D1Database, accountId: string, ids: string[]): Promise<Set<string>> {
  const { results } = await db
    .prepare("SELECT id FROM sources WHERE account_id = ?1 AND deleted_at IS NULL AND id IN (SELECT value FROM json_each(?2))")
    .bind(accountId, JSON.stringify(ids))
    .all<{ id: string }>();
  return new Set(results.map((r) => r.id));
}
