import type { CallRecord } from "../domain/call";
import { getConfig } from "../env";
import { encodeCursor, type Page, type TimeCursor } from "../store/pagination";
import { addTotals, emptyTotals, mergeNewestFirst, type CallQuery, type CallStats, type CallTotals, statsOf } from "./call-table";
import { partitionName, shardOf, windowOf, windowStart, WINDOW_MS } from "./partitions";

/**
 * Reading and writing the account-wide call index (CallLog partitions, one per account, UTC day of
 * the call and shard). A page walks the days newest first from its cursor and stops as soon as it
 * has a page: a busy account reads one day (its `shards` objects) per page, whatever its number of
 * webhooks. Days with no calls cost one empty read each, at most RETENTION_DAYS of them.
 */

/** Shards per day: EVENT_SHARDS, like the events' partitions. */
export const callLogShards = (env: Env): number => getConfig(env).EVENT_SHARDS;

const partition = (env: Env, accountId: string, window: number, shard: number) => env.CALL_LOG.getByName(partitionName(accountId, window, shard));

/** The partition a call belongs in: its account, the day of its time, a shard by its id. */
export function partitionOf(env: Env, call: CallRecord): { name: string; window: number } {
  const window = windowOf(call.createdAt);
  return { name: partitionName(call.accountId, window, shardOf(call.id, callLogShards(env))), window };
}

export async function recordCalls(env: Env, name: string, window: number, calls: CallRecord[]): Promise<void> {
  await env.CALL_LOG.getByName(name).record(window, calls);
}

/** The oldest time retention still keeps. */
const retainedSince = (env: Env, nowMs: number): number => nowMs - getConfig(env).RETENTION_DAYS * 86_400_000;

export interface AccountCallFilter extends Omit<CallQuery, "limit" | "after"> {
  limit: number;
  after: TimeCursor | null;
}

export async function listAccountCalls(env: Env, accountId: string, f: AccountCallFilter, nowMs = Date.now()): Promise<Page<CallRecord>> {
  const shards = callLogShards(env);
  const oldest = Math.max(f.sinceMs ?? 0, retainedSince(env, nowMs) - WINDOW_MS);
  const newest = Math.min(f.untilMs ?? Infinity, f.after ? f.after.createdAt + 1 : Infinity, nowMs + WINDOW_MS);
  const found: CallRecord[] = [];
  for (let window = windowOf(newest - 1); window >= windowOf(oldest) && found.length <= f.limit; window--) {
    const q: CallQuery = { ...f, limit: f.limit + 1 - found.length };
    const lists = await Promise.all(Array.from({ length: shards }, (_, shard) => partition(env, accountId, window, shard).list(q)));
    found.push(...mergeNewestFirst(lists, q.limit));
  }
  return callPage(found, f.limit);
}

/** `rows` holds up to limit + 1 calls, newest first; the cursor is the last one's (createdAt, id). */
export function callPage(rows: CallRecord[], limit: number): Page<CallRecord> {
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  return { data, nextCursor: rows.length > limit && last ? encodeCursor(`${last.createdAt}|${last.id}`) : null };
}

const STATS_CONCURRENCY = 8;

/** Account-wide stats: the day partitions' counters added up (days before `since` are not read). */
export async function accountCallStats(env: Env, accountId: string, sinceMs: number | null, nowMs = Date.now()): Promise<CallStats> {
  const shards = callLogShards(env);
  const from = windowOf(Math.max(sinceMs ?? 0, retainedSince(env, nowMs) - WINDOW_MS));
  const targets: { window: number; shard: number }[] = [];
  for (let window = windowOf(nowMs); window >= from; window--) for (let shard = 0; shard < shards; shard++) targets.push({ window, shard });
  const totals = emptyTotals();
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const t = targets[next++]!;
      // Whole days after `since` need no boundary: their counters are read as they are.
      const since = sinceMs !== null && sinceMs > windowStart(t.window) ? sinceMs : null;
      addTotals(totals, (await partition(env, accountId, t.window, t.shard).totals(since)) as CallTotals);
    }
  };
  await Promise.all(Array.from({ length: Math.min(STATS_CONCURRENCY, targets.length) }, worker));
  return statsOf(totals);
}
