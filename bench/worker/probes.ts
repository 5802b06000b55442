/**
 * Where accepted events live, for the harness: the ONE bench module that knows the storage of
 * events. Today that is the D1 `events` table; when events move to Durable Objects (EventStore
 * partitions) only this file changes, and the harness (which calls `GET /bench/unfanned` and
 * `GET /bench/event-times`) does not.
 *
 * Both take the account the harness published to (every bench scenario has its own account) and
 * the earliest time it published, so a partitioned store can find the partitions to read.
 * They read through the uncounted env: the harness's probes are not the product's statements.
 */

export interface ProbeScope {
  accountId: string | null;
  /** Epoch ms; events accepted before this are not asked for. */
  sinceMs: number | null;
}

export interface EventTimes {
  id: string;
  /** Epoch ms the event was accepted (stored). */
  createdAt: number;
  /** Epoch ms the queue consumer finished handing it to the webhooks' objects; null = not yet. */
  fannedOutAt: number | null;
}

function scopeSql(scope: ProbeScope, first: number): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (scope.accountId !== null) {
    params.push(scope.accountId);
    clauses.push(`account_id = ?${first + params.length - 1}`);
  }
  if (scope.sinceMs !== null) {
    params.push(scope.sinceMs);
    clauses.push(`created_at >= ?${first + params.length - 1}`);
  }
  return { where: clauses.map((c) => ` AND ${c}`).join(""), params };
}

/** How many accepted events the queue consumer has not fanned out yet. */
export async function unfannedCount(env: Env, scope: ProbeScope): Promise<number> {
  const { where, params } = scopeSql(scope, 1);
  const row = await env.DB.prepare(`SELECT count(*) AS n FROM events WHERE fanned_out_at IS NULL${where}`)
    .bind(...params)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** Accepted and fanned-out times of the events whose id starts with `prefix`. */
export async function eventTimes(env: Env, scope: ProbeScope, prefix: string): Promise<EventTimes[]> {
  const { where, params } = scopeSql(scope, 2);
  // LIKE with the prefix's own % and _ escaped: bench ids are [\w-] but the probe should not guess.
  const pattern = `${prefix.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
  const { results } = await env.DB.prepare(`SELECT id, created_at, fanned_out_at FROM events WHERE id LIKE ?1 ESCAPE '\\'${where}`)
    .bind(pattern, ...params)
    .all<{ id: string; created_at: number; fanned_out_at: number | null }>();
  return results.map((r) => ({ id: r.id, createdAt: r.created_at, fannedOutAt: r.fanned_out_at }));
}
