import { recentPartitions, type PartitionRow } from "../store/event-partitions";
import { SWEEP_MAX_AGE_MS, SWEEP_MIN_AGE_MS } from "../traffic/event-store";
import { eventStore } from "../traffic/events";
import { windowOf } from "../traffic/partitions";
import { forEachBounded } from "../lib/concurrency";
import { enqueueFanout, type FanoutMessage } from "../traffic/fanout-queue";

/**
 * The backstop sweeper, run by the cron (cron.ts) once an hour: re-enqueues accepted events whose
 * fan-out never ran (the queue send failed, the consumer died). Each EventStore partition already
 * does this for itself from its alarm (event-store.ts); this catches a partition whose alarm was
 * lost, by asking every partition of the last 24 h. Bounded per run (ROWS_PER_STATEMENT ×
 * MAX_ROUNDS per partition); the next run takes the rest.
 */
const ROWS_PER_STATEMENT = 1000;
const MAX_ROUNDS = 5;
/**
 * Partitions the sweeper reads per run (every account's, of the last 24 h: about two per account
 * and shard), read from the registry a page at a time, and how many it asks at once.
 */
const SWEEP_MAX_PARTITIONS = 50_000;
const PARTITIONS_PER_PAGE = 1000;
const PARTITION_CONCURRENCY = 16;

/**
 * Re-enqueues events that were stored but never fanned out (queue send failed, consumer died):
 * every partition of the last 24 h (from the registry) is asked for its unfanned events.
 */
export async function sweepUnfanned(env: Env, nowMs: number): Promise<number> {
  const after = nowMs - SWEEP_MAX_AGE_MS;
  const parts: PartitionRow[] = [];
  while (parts.length < SWEEP_MAX_PARTITIONS) {
    const page = await recentPartitions(env.DB, windowOf(after), parts.at(-1) ?? null, PARTITIONS_PER_PAGE);
    parts.push(...page);
    if (page.length < PARTITIONS_PER_PAGE) break;
  }
  // Past the bound the oldest-listed partitions are swept and the rest wait: say so, never silently.
  if (parts.length >= SWEEP_MAX_PARTITIONS) {
    console.error(JSON.stringify({ msg: "sweeper partition bound reached; later partitions are not swept this run", bound: SWEEP_MAX_PARTITIONS }));
  }
  let total = 0;
  await forEachBounded(parts, PARTITION_CONCURRENCY, async (p) => {
    try {
      const stub = eventStore(env, p.accountId, p.window, p.shard);
      let from = after;
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const refs = await stub.unfanned(nowMs - SWEEP_MIN_AGE_MS, from, ROWS_PER_STATEMENT);
        if (!refs.length) break;
        await enqueueFanout(env, refs.map((r): FanoutMessage => ({ type: "fanout", accountId: p.accountId, eventId: r.id, window: p.window, shard: p.shard })));
        total += refs.length;
        if (refs.length < ROWS_PER_STATEMENT) break;
        // Inclusive: a row sharing the last millisecond may be sent twice, which the DOs dedupe.
        from = refs[refs.length - 1]!.createdAt;
      }
    } catch (err) {
      console.error(JSON.stringify({ msg: "sweep of a partition failed; next run retries", partition: [p.accountId, p.window, p.shard], error: String(err) }));
    }
  });
  return total;
}
