import { fromJson, toJson } from "./json";

export interface AccountTopic {
  name: string;
  description: string | null;
  example: unknown;
  createdAt: number;
}

interface TopicRow {
  name: string;
  description: string | null;
  example: string | null;
  created_at: number;
}

const toTopic = (r: TopicRow): AccountTopic => ({ name: r.name, description: r.description, example: fromJson(r.example, null), createdAt: r.created_at });

export async function listTopics(db: D1Database, accountId: string): Promise<AccountTopic[]> {
  const { results } = await db
    .prepare("SELECT name, description, example, created_at FROM topics WHERE account_id = ? ORDER BY name LIMIT 1000")
    .bind(accountId)
    .all<TopicRow>();
  return results.map(toTopic);
}

/** Insert or update (a topic added by publishing can later be given a description). */
export async function upsertTopic(db: D1Database, accountId: string, t: Omit<AccountTopic, "createdAt">, now: number): Promise<void> {
  await db
    .prepare(
      `INSERT INTO topics (account_id, name, description, example, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (account_id, name) DO UPDATE SET description = excluded.description, example = excluded.example`,
    )
    .bind(accountId, t.name, t.description, toJson(t.example), now)
    .run();
}

/** Statement adding published topics that are not in the catalog yet (batched by the caller). */
export function addSeenTopics(db: D1Database, accountId: string, names: string[], now: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO topics (account_id, name, created_at) SELECT ?1, value, ?2 FROM json_each(?3) WHERE true
       ON CONFLICT (account_id, name) DO NOTHING`,
    )
    .bind(accountId, now, JSON.stringify(names));
}

export async function deleteTopic(db: D1Database, accountId: string, name: string): Promise<boolean> {
  const res = await db.prepare("DELETE FROM topics WHERE account_id = ? AND name = ?").bind(accountId, name).run();
  return res.meta.changes > 0;
}
