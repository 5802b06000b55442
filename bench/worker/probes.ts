import { accountPartitions, recentPartitions, type PartitionRow } from "../../src/store/event-partitions";
import { eventStore } from "../../src/traffic/events";
import { windowOf } from "../../src/traffic/partitions";
/**
 * Where accepted events live, for the harness: the ONE bench module that knows the storage of
 * events: the EventStore partitions (src/traffic/), found through their D1 registry. The harness
 * calls `GET /bench/unfanned` and `GET /bench/event-times` and knows nothing of the storage.
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


const PAGE = 1000;

/** The partitions that may hold the scope's events: one account's, or every account's, since sinceMs. */
async function partitionsOf(env: Env, scope: ProbeScope): Promise<PartitionRow[]> {
  const minWindow = scope.sinceMs === null ? Number.MIN_SAFE_INTEGER : windowOf(scope.sinceMs);
  if (scope.accountId !== null) return accountPartitions(env.DB, scope.accountId, minWindow, Number.MAX_SAFE_INTEGER);
  const all: PartitionRow[] = [];
  for (let after: PartitionRow | null = null; ; ) {
    const page = await recentPartitions(env.DB, minWindow, after, PAGE);
    all.push(...page);
    if (page.length < PAGE) return all;
    after = page[page.length - 1]!;
  }
}

/** How many accepted events the queue consumer has not fanned out yet. */
export async function unfannedCount(env: Env, scope: ProbeScope): Promise<number> {
  const since = scope.sinceMs ?? 0;
  let n = 0;
  for (const p of await partitionsOf(env, scope)) {
    n += (await eventStore(env, p.accountId, p.window, p.shard).unfanned(Number.MAX_SAFE_INTEGER, since, 1_000_000)).length;
  }
  return n;
}

/** Accepted and fanned-out times of the events whose id starts with `prefix`. */
export async function eventTimes(env: Env, scope: ProbeScope, prefix: string): Promise<EventTimes[]> {
  const out: EventTimes[] = [];
  for (const p of await partitionsOf(env, scope)) {
    const store = eventStore(env, p.accountId, p.window, p.shard);
    for (let before: { createdAt: number; id: string } | null = null; ; ) {
      const rows = await store.list({ sinceMs: scope.sinceMs ?? undefined, before, limit: PAGE });
      for (const e of rows) if (e.id.startsWith(prefix)) out.push({ id: e.id, createdAt: e.createdAt, fannedOutAt: e.fannedOutAt });
      if (rows.length < PAGE) break;
      const last = rows[rows.length - 1]!;
      before = { createdAt: last.createdAt, id: last.id };
    }
  }
  return out;
}
