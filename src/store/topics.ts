import { fromJson, toJson } from "./json";

export interface AccountTopic {
  name: string;
  description: string | null;
  example: unknown;
  /** JSON Schema (draft 2020-12) for the payload, or null. */
  schema: unknown;
  /** false: the schema documents the topic but publishing does not check it. */
  validate: boolean;
  createdAt: number;
}

interface TopicRow {
  name: string;
  description: string | null;
  example: string | null;
  schema: string | null;
  validate: number;
  created_at: number;
}

const toTopic = (r: TopicRow): AccountTopic => ({
  name: r.name, description: r.description, example: fromJson(r.example, null), schema: fromJson(r.schema, null), validate: r.validate === 1, createdAt: r.created_at,
});

export async function listTopics(db: D1Database, accountId: string): Promise<AccountTopic[]> {
  const { results } = await db
    .prepare("SELECT name, description, example, schema, validate, created_at FROM topics WHERE account_id = ? ORDER BY name LIMIT 1000")
    .bind(accountId)
    .all<TopicRow>();
  return results.map(toTopic);
}

/** Insert or update (a topic added by publishing can later be given a description and a schema). */
export async function upsertTopic(db: D1Database, accountId: string, t: Omit<AccountTopic, "createdAt">, now: number): Promise<void> {
  await db
    .prepare(
      `INSERT INTO topics (account_id, name, description, example, schema, validate, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (account_id, name) DO UPDATE SET description = excluded.description, example = excluded.example,
         schema = excluded.schema, validate = excluded.validate`,
    )
    .bind(accountId, t.name, t.description, toJson(t.example), toJson(t.schema), t.validate ? 1 : 0, now)
    .run();
}

/** The account's validation switches and every topic that has a schema: what publishing checks against. */
export async function loadSchemaIndex(
  db: D1Database,
  accountId: string,
): Promise<{ validateSchemas: boolean; validateBuiltIn: boolean; topics: { name: string; schema: string; validate: boolean }[] }> {
  const [settings, topics] = await db.batch<Record<string, unknown>>([
    db.prepare("SELECT validate_schemas, validate_built_in FROM accounts WHERE id = ?").bind(accountId),
    db.prepare("SELECT name, schema, validate FROM topics WHERE account_id = ? AND schema IS NOT NULL LIMIT 1000").bind(accountId),
  ]);
  const s = (settings?.results[0] ?? {}) as { validate_schemas?: number; validate_built_in?: number };
  return {
    validateSchemas: s.validate_schemas !== 0,
    validateBuiltIn: s.validate_built_in === 1,
    topics: ((topics?.results ?? []) as { name: string; schema: string; validate: number }[]).map((r) => ({ name: r.name, schema: r.schema, validate: r.validate === 1 })),
  };
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
