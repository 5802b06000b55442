/** Sources (inbound relay) — D1 access. */

/** Which of `ids` are live sources of the account (used to validate webhook `sources`). */
export async function liveSourceIds(db: D1Database, accountId: string, ids: string[]): Promise<Set<string>> {
  const { results } = await db
    .prepare("SELECT id FROM sources WHERE account_id = ?1 AND deleted_at IS NULL AND id IN (SELECT value FROM json_each(?2))")
    .bind(accountId, JSON.stringify(ids))
    .all<{ id: string }>();
  return new Set(results.map((r) => r.id));
}
