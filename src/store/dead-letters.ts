import { parseTimeCursor, toTimePage } from "./pagination";
import type { Page, PageParams } from "./pagination";

/** The `dead_letters` table: queue messages that exhausted their retries, kept to see and re-drive. */

/** One row per message; the same id again adds its attempts and moves it to the top. */
export async function upsertDeadLetters(db: D1Database, rows: readonly { id: string; queue: string; body: string; attempts: number; createdAt: number }[]): Promise<void> {
  await db.prepare(
    `INSERT INTO dead_letters (id, queue, body, attempts, created_at)
     SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'), json_extract(value, '$[4]')
     FROM json_each(?1) WHERE true
     ON CONFLICT(id) DO UPDATE SET attempts = dead_letters.attempts + excluded.attempts, created_at = excluded.created_at`,
  )
    .bind(JSON.stringify(rows.map((r) => [r.id, r.queue, r.body, r.attempts, r.createdAt])))
    .run();
}

export interface DeadLetter {
  id: string;
  queue: string;
  body: unknown;
  attempts: number;
  createdAt: number;
}

export async function listDeadLetters(db: D1Database, page: PageParams): Promise<Page<DeadLetter>> {
  const cursor = parseTimeCursor(page.cursor);
  const { results } = await db
    .prepare(
      `SELECT id, queue, body, attempts, created_at FROM dead_letters
       WHERE (?1 IS NULL OR created_at < ?1 OR (created_at = ?1 AND id < ?2)) ORDER BY created_at DESC, id DESC LIMIT ?3`,
    )
    .bind(cursor?.createdAt ?? null, cursor?.id ?? null, page.limit + 1)
    .all<{ id: string; queue: string; body: string; attempts: number; created_at: number }>();
  return toTimePage(results, page.limit, (r) => ({ id: r.id, queue: r.queue, body: parseOr(r.body), attempts: r.attempts, createdAt: r.created_at }));
}

export async function getDeadLetter(db: D1Database, id: string): Promise<DeadLetter | null> {
  const row = await db
    .prepare(`SELECT id, queue, body, attempts, created_at FROM dead_letters WHERE id = ?`)
    .bind(id)
    .first<{ id: string; queue: string; body: string; attempts: number; created_at: number }>();
  return row ? { id: row.id, queue: row.queue, body: parseOr(row.body), attempts: row.attempts, createdAt: row.created_at } : null;
}

export async function deleteDeadLetter(db: D1Database, id: string): Promise<void> {
  await db.prepare(`DELETE FROM dead_letters WHERE id = ?`).bind(id).run();
}

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
