import type { Page, PageParams } from "./pagination";
import { decodeCursor, toPage } from "./pagination";

export interface Account {
  id: string;
  name: string;
  createdAt: number;
}

export interface ApiKeyRecord {
  id: string;
  accountId: string;
  name: string | null;
  hint: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

interface AccountRow {
  id: string;
  name: string;
  created_at: number;
}
interface KeyRow {
  id: string;
  account_id: string;
  name: string | null;
  hint: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

const toAccount = (r: AccountRow): Account => ({ id: r.id, name: r.name, createdAt: r.created_at });
const toKey = (r: KeyRow): ApiKeyRecord => ({
  id: r.id,
  accountId: r.account_id,
  name: r.name,
  hint: r.hint,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

export interface NewKey {
  id: string;
  name: string | null;
  hint: string;
  keyHash: string;
}

function insertKey(db: D1Database, accountId: string, key: NewKey, now: number) {
  return db
    .prepare("INSERT INTO api_keys (id, account_id, name, hint, key_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)")
    .bind(key.id, accountId, key.name, key.hint, key.keyHash, now);
}

/** Creates the account and its first key in one transaction. */
export async function createAccount(db: D1Database, account: Account, key: NewKey): Promise<ApiKeyRecord> {
  await db.batch([
    db.prepare("INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)").bind(account.id, account.name, account.createdAt),
    insertKey(db, account.id, key, account.createdAt),
  ]);
  return { id: key.id, accountId: account.id, name: key.name, hint: key.hint, createdAt: account.createdAt, lastUsedAt: null, revokedAt: null };
}

export async function getAccount(db: D1Database, id: string): Promise<Account | null> {
  const row = await db.prepare("SELECT id, name, created_at FROM accounts WHERE id = ? AND deleted_at IS NULL").bind(id).first<AccountRow>();
  return row ? toAccount(row) : null;
}

export async function listAccounts(db: D1Database, page: PageParams): Promise<Page<Account>> {
  const before = decodeCursor(page.cursor);
  const { results } = await db
    .prepare(
      `SELECT id, name, created_at FROM accounts WHERE deleted_at IS NULL ${before ? "AND id < ?2" : ""}
       ORDER BY id DESC LIMIT ?1`,
    )
    .bind(page.limit + 1, ...(before ? [before] : []))
    .all<AccountRow>();
  return toPage(results, page.limit, (r) => r.id, toAccount);
}

/** Soft-deletes the account and revokes all of its keys at once. */
export async function deleteAccount(db: D1Database, id: string, now: number): Promise<boolean> {
  const [res] = await db.batch([
    db.prepare("UPDATE accounts SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL").bind(now, id),
    db.prepare("UPDATE api_keys SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL").bind(now, id),
    db.prepare("UPDATE webhooks SET deleted_at = ?, updated_at = ?, version = version + 1 WHERE account_id = ? AND deleted_at IS NULL").bind(now, now, id),
    db.prepare("UPDATE sources SET deleted_at = ?, updated_at = ? WHERE account_id = ? AND deleted_at IS NULL").bind(now, now, id),
  ]);
  return (res?.meta.changes ?? 0) > 0;
}

export async function addKey(db: D1Database, accountId: string, key: NewKey, now: number): Promise<ApiKeyRecord> {
  await insertKey(db, accountId, key, now).run();
  return { id: key.id, accountId, name: key.name, hint: key.hint, createdAt: now, lastUsedAt: null, revokedAt: null };
}

export async function listKeys(db: D1Database, accountId: string, page: PageParams): Promise<Page<ApiKeyRecord>> {
  const before = decodeCursor(page.cursor);
  const { results } = await db
    .prepare(
      `SELECT id, account_id, name, hint, created_at, last_used_at, revoked_at FROM api_keys
       WHERE account_id = ?2 ${before ? "AND id < ?3" : ""} ORDER BY id DESC LIMIT ?1`,
    )
    .bind(page.limit + 1, accountId, ...(before ? [before] : []))
    .all<KeyRow>();
  return toPage(results, page.limit, (r) => r.id, toKey);
}

export async function revokeKey(db: D1Database, accountId: string, keyId: string, now: number): Promise<ApiKeyRecord | null> {
  const row = await db
    .prepare(
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?1) WHERE id = ?2 AND account_id = ?3
       RETURNING id, account_id, name, hint, created_at, last_used_at, revoked_at`,
    )
    .bind(now, keyId, accountId)
    .first<KeyRow>();
  return row ? toKey(row) : null;
}

export interface KeyOwner {
  keyId: string;
  accountId: string;
}

/** The auth lookup: an unrevoked key of a live account, by the hash of the presented key. */
export async function findKeyOwner(db: D1Database, keyHash: string): Promise<KeyOwner | null> {
  const row = await db
    .prepare(
      `SELECT k.id AS key_id, k.account_id FROM api_keys k JOIN accounts a ON a.id = k.account_id
       WHERE k.key_hash = ? AND k.revoked_at IS NULL AND a.deleted_at IS NULL`,
    )
    .bind(keyHash)
    .first<{ key_id: string; account_id: string }>();
  return row ? { keyId: row.key_id, accountId: row.account_id } : null;
}

export async function touchKey(db: D1Database, keyId: string, now: number): Promise<void> {
  await db.prepare("UPDATE api_keys SET last_used_at = ? WHERE id = ?").bind(now, keyId).run();
}
