import { getConfig } from "../env";
import { idTimeMs, newId } from "../domain/ids";
import { accountPartitions, type PartitionRow } from "../store/event-partitions";
import { encodeCursor, parseTimeCursor, type Page } from "../store/pagination";
import { sourceKey } from "./dedupe";
import type { EventListFilter, StoredEvent } from "./event-types";
import { partitionName, shardOf, windowOf } from "./partitions";

/**
 * The client side of the EventStore partitions: where an event goes, how to find one by id, and
 * an account-wide listing merged from the partitions (see event-store.ts for the object).
 */
export const eventStore = (env: Env, accountId: string, window: number, shard: number) =>
  env.EVENT_STORE.getByName(partitionName(accountId, window, shard));

/** What decides an event's shard: the fields the dedupe looks at. */
export interface Routable {
  id?: string | null | undefined;
  idempotencyKey?: string | null | undefined;
  sourceId?: string | null | undefined;
  dedupeKey?: string | null | undefined;
}

export interface Placement {
  id: string;
  generatedId: boolean;
  shard: number;
}

/** Generating an id for a shard takes `shards` tries on average; this many means a broken hash. */
const MAX_ID_TRIES_PER_SHARD = 1000;

/**
 * An event's id and shard. The shard follows its dedupe identity (supplied id, else
 * Idempotency-Key, else the provider id), so a retry lands where the first attempt is; a generated
 * id is drawn until it hashes to that same shard. Every event therefore has shard = shardOf(id),
 * and a generated id also names its window (its time prefix is `nowMs`): GET by such an id is one
 * object read.
 *
 * With EVENT_SHARDS > 1 a dedupe key is only seen on its identity's shard: an event sent with both
 * an `id` and an Idempotency-Key is placed by the id, so a retry that repeats the key but not the
 * id may land elsewhere. Retries that repeat what they sent (the documented use) always match.
 */
export function placeEvent(e: Routable, shards: number, nowMs: number): Placement {
  if (e.id) return { id: e.id, generatedId: false, shard: shardOf(e.id, shards) };
  const key = e.idempotencyKey ?? (e.dedupeKey ? sourceKey(e.sourceId ?? null, e.dedupeKey) : null);
  const target = key === null ? null : shardOf(key, shards);
  for (let tries = 0; tries < MAX_ID_TRIES_PER_SHARD * shards; tries++) {
    const id = newId("evt", 16, nowMs);
    const shard = shardOf(id, shards);
    if (target === null || shard === target) return { id, generatedId: true, shard };
  }
  throw new Error(`could not draw an event id for shard ${target} of ${shards}`);
}

/** Partitions read at once by the slow path of findEvent. */
const PROBE_CONCURRENCY = 8;

/**
 * An event by id. Fast path: an id generated here names its window and shard (one object read).
 * Slow path, for publisher-supplied ids (their window is unknown): the account's partitions from
 * the registry, newest first, PROBE_CONCURRENCY at a time, only the shard of each day that can hold
 * this id. An id reused after its 24 h dedupe window may exist in several days: the newest wins.
 */
export async function findEvent(env: Env, accountId: string, id: string): Promise<StoredEvent | null> {
  const shards = getConfig(env).EVENT_SHARDS;
  const timeMs = idTimeMs(id, "evt");
  let tried: string | null = null;
  if (timeMs !== null) {
    const window = windowOf(timeMs);
    const shard = shardOf(id, shards);
    const event = await eventStore(env, accountId, window, shard).get(id);
    if (event) return event;
    tried = `${window}:${shard}`;
  }
  const candidates = (await accountPartitions(env.DB, accountId, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)).filter(
    (p) => p.shard === shardOf(id, p.shards) && `${p.window}:${p.shard}` !== tried,
  );
  for (let i = 0; i < candidates.length; i += PROBE_CONCURRENCY) {
    const found = await Promise.all(candidates.slice(i, i + PROBE_CONCURRENCY).map((p) => eventStore(env, accountId, p.window, p.shard).get(id)));
    const hit = found.find((e) => e !== null);
    if (hit) return hit;
  }
  return null;
}

export interface AccountListFilter extends Omit<EventListFilter, "before"> {
  cursor?: string | undefined;
}

/**
 * An account's events, newest first by (createdAt, id), the cursor being the last row's pair.
 * A page reads the newest window's shards (merged), and moves to older windows, in the order the
 * registry lists them, only while the page is not full: O(1) partitions per page for an account
 * with steady traffic. New events are newer than any cursor handed out, so cursors stay stable.
 */
export async function listAccountEvents(env: Env, accountId: string, f: AccountListFilter): Promise<Page<StoredEvent>> {
  const before = parseTimeCursor(f.cursor);
  let maxWindow = Number.MAX_SAFE_INTEGER;
  if (before) maxWindow = windowOf(before.createdAt);
  if (f.untilMs !== undefined) maxWindow = Math.min(maxWindow, windowOf(f.untilMs - 1));
  const minWindow = f.sinceMs !== undefined ? windowOf(f.sinceMs) : Number.MIN_SAFE_INTEGER;
  if (maxWindow < minWindow) return { data: [], nextCursor: null };

  const byWindow = new Map<number, PartitionRow[]>();
  for (const p of await accountPartitions(env.DB, accountId, minWindow, maxWindow)) byWindow.set(p.window, [...(byWindow.get(p.window) ?? []), p]);

  const want = f.limit + 1;
  const rows: StoredEvent[] = [];
  const { cursor: _cursor, ...filter } = f;
  for (const parts of byWindow.values()) {
    const need = want - rows.length;
    const lists = await Promise.all(parts.map((p) => eventStore(env, accountId, p.window, p.shard).list({ ...filter, before, limit: need })));
    rows.push(...lists.flat().sort(newestFirst).slice(0, need));
    if (rows.length >= want) break;
  }
  const more = rows.length > f.limit;
  const data = more ? rows.slice(0, f.limit) : rows;
  const last = data[data.length - 1];
  return { data, nextCursor: more && last ? encodeCursor(`${last.createdAt}|${last.id}`) : null };
}

export const newestFirst = (a: StoredEvent, b: StoredEvent): number => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
