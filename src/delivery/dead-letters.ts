import { sha256Hex } from "../lib/hash";
import { parseTimeCursor, toTimePage } from "../store/pagination";
import type { Page, PageParams } from "../store/pagination";

/**
 * The dead-letter queue's consumer: messages the delivery consumer gave up on are written to D1
 * (`dead_letters`) so they stay visible (GET /api/dead-letters) and can be re-driven.
 *
 * The row id is derived from the body, so the same message dead-lettered again (the cron sweeper
 * re-enqueues unfanned events) updates one row instead of piling up copies.
 */
export interface DeadLetterInput {
  queue: string;
  messages: readonly Pick<Message<unknown>, "body" | "attempts" | "ack">[];
}

export async function recordDeadLetters(batch: DeadLetterInput, env: Env, nowMs = Date.now()): Promise<void> {
  if (!batch.messages.length) return;
  const rows = await Promise.all(
    batch.messages.map(async (m) => {
      const body = safeStringify(m.body);
      return [`dlq_${(await sha256Hex(`${batch.queue}\u0000${body}`)).slice(0, 32)}`, batch.queue, body, m.attempts, nowMs];
    }),
  );
  await env.DB.prepare(
    `INSERT INTO dead_letters (id, queue, body, attempts, created_at)
     SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'), json_extract(value, '$[4]')
     FROM json_each(?1) WHERE true
     ON CONFLICT(id) DO UPDATE SET attempts = dead_letters.attempts + excluded.attempts, created_at = excluded.created_at`,
  )
    .bind(JSON.stringify(rows))
    .run();
  for (const m of batch.messages) m.ack();
}

function safeStringify(body: unknown): string {
  try {
    return JSON.stringify(body) ?? "null";
  } catch {
    return JSON.stringify(String(body));
  }
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
