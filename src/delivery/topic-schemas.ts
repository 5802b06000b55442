import type { Validator } from "@cfworker/json-schema";
import { ApiError, type FieldIssue } from "../domain/errors";
import { compileSchema, payloadIssues, type JsonSchema } from "../domain/json-schema";
import { BUILT_IN_BY_NAME } from "../domain/topic-catalog";
import { loadSchemaIndex } from "../store/topics";

/**
 * Publish-time payload validation against topic schemas, kept off the hot path's budget:
 *  - per account, which topics have a schema (and the account's switches) is read once and cached
 *    in the isolate for INDEX_TTL_MS (as API keys are), so a publish to a topic without a schema
 *    costs a Map lookup, not a storage round trip;
 *  - compiled validators are cached per isolate by schema text, bounded, oldest dropped first.
 * A change made through the API (POST /api/topics, PATCH /api/accounts) drops the account's entry
 * in the isolate that made it at once, and is seen by the others within INDEX_TTL_MS.
 */
export const INDEX_TTL_MS = 30_000;
const MAX_INDEXED_ACCOUNTS = 10_000;
const MAX_CACHED_VALIDATORS = 500;

interface SchemaIndex {
  expiresAt: number;
  /** Topic → schema text, only the topics that are validated (switches already applied). */
  topics: Map<string, string>;
  validateBuiltIn: boolean;
}

const indexes = new Map<string, Promise<SchemaIndex>>();
const validators = new Map<string, Validator>();

export function forgetTopicSchemas(accountId?: string): void {
  if (accountId === undefined) indexes.clear();
  else indexes.delete(accountId);
}

async function loadIndex(db: D1Database, accountId: string, now: number): Promise<SchemaIndex> {
  const raw = await loadSchemaIndex(db, accountId);
  const topics = new Map<string, string>();
  if (raw.validateSchemas) for (const t of raw.topics) if (t.validate) topics.set(t.name, t.schema);
  return { expiresAt: now + INDEX_TTL_MS, topics, validateBuiltIn: raw.validateSchemas && raw.validateBuiltIn };
}

function indexFor(db: D1Database, accountId: string, now: number): Promise<SchemaIndex> {
  const cached = indexes.get(accountId);
  if (cached) {
    // A settled, fresh entry answers at once; an expired one is replaced below.
    return cached.then((idx) => (idx.expiresAt > now ? idx : refresh(db, accountId, now)));
  }
  return refresh(db, accountId, now);
}

function refresh(db: D1Database, accountId: string, now: number): Promise<SchemaIndex> {
  const p = loadIndex(db, accountId, now);
  if (indexes.size >= MAX_INDEXED_ACCOUNTS) indexes.delete(indexes.keys().next().value!);
  indexes.set(accountId, p);
  // A failed read must not stay cached.
  p.catch(() => indexes.delete(accountId));
  return p;
}

function validatorFor(key: string, schema: () => JsonSchema): Validator {
  let v = validators.get(key);
  if (v) return v;
  v = compileSchema(schema());
  if (validators.size >= MAX_CACHED_VALIDATORS) validators.delete(validators.keys().next().value!);
  validators.set(key, v);
  return v;
}

export interface PayloadToCheck {
  topic: string;
  payload: unknown;
  /** Where the payload sits in the request body, for the error's paths (`body.payload`). */
  path: string;
}

/**
 * Throws 422 validation_failed listing every failing path when a payload does not match its
 * topic's schema. The one call the publish handlers make before accepting.
 */
export async function checkEventSchemas(db: D1Database, accountId: string, events: readonly PayloadToCheck[], now = Date.now()): Promise<void> {
  const index = await indexFor(db, accountId, now);
  if (index.topics.size === 0 && !index.validateBuiltIn) return;
  const issues: FieldIssue[] = [];
  for (const e of events) {
    const own = index.topics.get(e.topic);
    let validator: Validator | null = null;
    if (own !== undefined) validator = validatorFor(`own:${own}`, () => JSON.parse(own) as JsonSchema);
    else if (index.validateBuiltIn) {
      const builtIn = BUILT_IN_BY_NAME.get(e.topic)?.schema;
      if (builtIn) validator = validatorFor(`builtin:${e.topic}`, () => builtIn);
    }
    if (validator) issues.push(...payloadIssues(validator, e.payload, e.path));
  }
  if (issues.length) {
    throw new ApiError("validation_failed", "The payload does not match its topic's schema", issues);
  }
}
