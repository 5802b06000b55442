import { getConfig } from "../env";
import { BUILT_IN_TOPIC_NAMES } from "../domain/topic-catalog";
import { addSeenTopics } from "../store/topics";
import type { NewEventRow, PartitionRef } from "../traffic/event-types";
import { eventStore, placeEvent } from "../traffic/events";
import { windowOf } from "../traffic/partitions";
import { enqueueFanout, type FanoutMessage } from "../traffic/fanout-queue";

/**
 * The accepting side of the hot path: POST /api/events and /in/:source reach it through the
 * isolate's group commit (group-commit.ts, which shares a round among concurrent requests),
 * /api/events/batch and the meta-events directly. One `accept` RPC per EventStore partition
 * (src/traffic/event-store.ts), all in parallel, stores the events and dedupes them (by id,
 * Idempotency-Key or the provider's event id, 24 h: src/traffic/dedupe.ts); then one queue send
 * hands the new ones to the consumer. Nothing is written to D1 per event (topics first seen go to
 * the catalog, once each). No outbound fetch happens here.
 *
 * If the queue send fails the events are still stored (unfanned); the cron's sweeper
 * (src/delivery/sweeper.ts) re-enqueues events left unfanned from the partitions, so an accepted
 * event is never lost.
 */
export interface IncomingEvent {
  id?: string | null;
  topic: string;
  /** The exact body subscribers will receive. */
  payload: string;
  contentType: string;
  channel?: string | null;
  sourceId?: string | null;
  idempotencyKey?: string | null;
  /** Provider event id (inbound sources). */
  dedupeKey?: string | null;
  /** Provider headers to forward to subscribers. */
  headers?: Record<string, string> | null;
  /** Meta-events: never deliver to this webhook (the one the event is about). */
  excludeWebhookId?: string | null;
}

export interface AcceptedEvent {
  id: string;
  topic: string;
  createdAt: number;
  duplicate: boolean;
}

/** Topics this isolate already added to an account's catalog, to keep the insert off most batches. */
const seenTopics = new Set<string>();

function newTopics(accountId: string, events: IncomingEvent[]): string[] {
  const fresh = new Set<string>();
  for (const e of events) {
    const key = `${accountId}\u0000${e.topic}`;
    if (!BUILT_IN_TOPIC_NAMES.has(e.topic) && !seenTopics.has(key)) fresh.add(e.topic);
  }
  return [...fresh];
}

/** One event and the account it belongs to: a group-commit round holds events of several accounts. */
export interface AccountEvent {
  accountId: string;
  event: IncomingEvent;
}

/** Stores and queues one account's events; throws if any of them could not be stored. */
export async function acceptEvents(env: Env, accountId: string, events: IncomingEvent[], now = Date.now()): Promise<AcceptedEvent[]> {
  const verdicts = await storeEvents(env, events.map((event) => ({ accountId, event })), now);
  const failed = verdicts.find((v) => !isAccepted(v));
  if (failed) throw failed;
  return verdicts as AcceptedEvent[];
}

/**
 * Stores events of any accounts: grouped by partition (account, window of `now`, shard of each
 * event's dedupe identity), one `accept` RPC per partition, all at once; then one queue send for
 * the new ones. Partitions fail alone: a request whose events all went into partitions that
 * answered gets its verdicts, one with an event in a partition that failed gets the error (a
 * retry with the same id or key is then answered `duplicate` for what was stored).
 */
export async function storeEvents(env: Env, items: AccountEvent[], now = Date.now()): Promise<(AcceptedEvent | Error)[]> {
  const shards = getConfig(env).EVENT_SHARDS;
  const window = windowOf(now);
  const groups = new Map<string, { ref: PartitionRef; rows: NewEventRow[]; indexes: number[] }>();
  items.forEach(({ accountId, event: e }, i) => {
    const place = placeEvent(e, shards, now);
    const name = `${accountId}\u0000${place.shard}`;
    let group = groups.get(name);
    if (!group) groups.set(name, (group = { ref: { accountId, window, shard: place.shard, shards }, rows: [], indexes: [] }));
    group.indexes.push(i);
    group.rows.push({
      id: place.id, generatedId: place.generatedId, topic: e.topic, channel: e.channel ?? null, sourceId: e.sourceId ?? null,
      idempotencyKey: e.idempotencyKey ?? null, dedupeKey: e.dedupeKey ?? null, contentType: e.contentType, payload: e.payload,
      headers: e.headers ? JSON.stringify(e.headers) : null, excludeWebhookId: e.excludeWebhookId ?? null,
    });
  });

  const topicsByAccount = new Map<string, IncomingEvent[]>();
  for (const { accountId, event } of items) {
    const list = topicsByAccount.get(accountId);
    if (list) list.push(event);
    else topicsByAccount.set(accountId, [event]);
  }
  const added: string[] = [];
  const catalog: D1PreparedStatement[] = [];
  for (const [accountId, events] of topicsByAccount) {
    const topics = newTopics(accountId, events);
    if (topics.length) catalog.push(addSeenTopics(env.DB, accountId, topics, now));
    for (const t of topics) added.push(`${accountId}\u0000${t}`);
  }

  const verdicts: (AcceptedEvent | Error)[] = items.map(() => new Error("not stored"));
  const fresh: FanoutMessage[] = [];
  await Promise.all([
    // Topics first seen by this isolate: tenant-scale (once per topic), beside the events.
    catalog.length ? env.DB.batch(catalog).then(() => added.forEach((k) => seenTopics.add(k)), (err) => logTopicFailure(err)) : null,
    ...[...groups.values()].map(async (g) => {
      try {
        const answers = await eventStore(env, g.ref.accountId, g.ref.window, g.ref.shard).accept(g.ref, g.rows, now);
        answers.forEach((a, n) => {
          verdicts[g.indexes[n]!] = a;
          if (!a.duplicate) fresh.push({ type: "fanout", accountId: g.ref.accountId, eventId: a.id, window: g.ref.window, shard: g.ref.shard });
        });
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        for (const i of g.indexes) verdicts[i] = error;
      }
    }),
  ]);

  if (fresh.length) {
    try {
      await enqueueFanout(env, fresh);
    } catch (err) {
      // Stored but not queued: the sweeper picks these up (see scheduled handler).
      console.error(JSON.stringify({ msg: "queue send failed; events left for the sweeper", count: fresh.length, error: String(err) }));
    }
  }
  return verdicts;
}

/** Per-item outcome of storeEvents: the group commit answers each request from its own items. */
export const isAccepted = (v: AcceptedEvent | Error): v is AcceptedEvent => !(v instanceof Error);

/** The catalog is a convenience: a failed insert must not fail the publish (the next round retries it). */
function logTopicFailure(err: unknown) {
  console.error(JSON.stringify({ msg: "could not add new topics to the catalog; will retry", error: String(err) }));
}
