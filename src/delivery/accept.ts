import { newId } from "../domain/ids";
import { BUILT_IN_TOPIC_NAMES } from "../domain/topic-catalog";
import { firstDuplicates, insertEventsStatements } from "../store/events";
import { addSeenTopics } from "../store/topics";
import type { FanoutMessage } from "./messages";

/**
 * The accepting side of the hot path: POST /api/events and /in/:source reach it through the
 * isolate's group commit (group-commit.ts, which shares a round trip among concurrent requests),
 * /api/events/batch and the meta-events directly. One D1 round trip, one multi-row INSERT, stores
 * the events and dedupes them (by id, Idempotency-Key or the provider's event id) and adds unseen
 * topics to the catalog; then one queue send hands them to the consumer. No outbound fetch happens
 * here.
 *
 * If the queue send fails the events are still stored (unfanned); the cron sweeper re-enqueues
 * events left unfanned, so an accepted event is never lost.
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

export async function acceptEvents(env: Env, accountId: string, events: IncomingEvent[], now = Date.now()): Promise<AcceptedEvent[]> {
  return storeEvents(env, events.map((event) => ({ accountId, event })), now);
}

/** Stores events of any accounts in one `db.batch`, then queues the new ones (see file header). */
export async function storeEvents(env: Env, items: AccountEvent[], now = Date.now()): Promise<AcceptedEvent[]> {
  const ids = items.map(({ event }) => event.id ?? newId("evt"));
  const statements = insertEventsStatements(
    env.DB,
    items.map(({ accountId, event: e }, i) => ({
      accountId, id: ids[i]!, topic: e.topic, channel: e.channel ?? null, sourceId: e.sourceId ?? null, idempotencyKey: e.idempotencyKey ?? null,
      dedupeKey: e.dedupeKey ?? null, contentType: e.contentType, payload: e.payload, headers: e.headers ? JSON.stringify(e.headers) : null,
      excludeWebhookId: e.excludeWebhookId ?? null,
    })),
    now,
  );
  const inserts = statements.length;
  const topicsByAccount = new Map<string, IncomingEvent[]>();
  for (const { accountId, event } of items) {
    const list = topicsByAccount.get(accountId) ?? [];
    list.push(event);
    topicsByAccount.set(accountId, list);
  }
  const added: string[] = [];
  for (const [accountId, events] of topicsByAccount) {
    const topics = newTopics(accountId, events);
    if (topics.length) statements.push(addSeenTopics(env.DB, accountId, topics, now));
    for (const t of topics) added.push(`${accountId}\u0000${t}`);
  }
  const results = await env.DB.batch<{ account_id: string; id: string }>(statements);
  for (const key of added) seenTopics.add(key);

  // RETURNING names the rows that went in (in no set order); the rest hit a unique key. Of two
  // events of one round with the same id, the first went in.
  const inserted = new Set<string>();
  for (const result of results.slice(0, inserts)) for (const row of result.results) inserted.add(`${row.account_id}\u0000${row.id}`);
  const accepted: AcceptedEvent[] = items.map(({ accountId, event }, i) => ({
    id: ids[i]!,
    topic: event.topic,
    createdAt: now,
    duplicate: !inserted.delete(`${accountId}\u0000${ids[i]}`),
  }));

  if (accepted.some((a) => a.duplicate)) await resolveDuplicates(env.DB, items, accepted);

  const fresh = accepted.flatMap((a, i) => (a.duplicate ? [] : [{ type: "fanout" as const, accountId: items[i]!.accountId, eventId: a.id }]));
  if (fresh.length) {
    try {
      await enqueueFanout(env, fresh);
    } catch (err) {
      // Stored but not queued: the sweeper picks these up (see scheduled handler).
      console.error(JSON.stringify({ msg: "queue send failed; events left for the sweeper", count: fresh.length, error: String(err) }));
    }
  }
  return accepted;
}

/** A duplicate answers with the first event's id and time (rare path: a second round trip). */
async function resolveDuplicates(db: D1Database, items: AccountEvent[], accepted: AcceptedEvent[]) {
  const indexes = accepted.flatMap((a, i) => (a.duplicate ? [i] : []));
  const found = await firstDuplicates(
    db,
    indexes.map((i) => {
      const { accountId, event: e } = items[i]!;
      return { accountId, id: accepted[i]!.id, idempotencyKey: e.idempotencyKey ?? null, sourceId: e.sourceId ?? null, dedupeKey: e.dedupeKey ?? null };
    }),
  );
  indexes.forEach((i, n) => {
    const first = found[n];
    if (first) accepted[i] = { ...first, duplicate: true };
  });
}

/** Queue sends are capped at 100 messages per call. */
export async function enqueueFanout(env: Env, messages: FanoutMessage[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 100) {
    await env.DELIVERIES.sendBatch(messages.slice(i, i + 100).map((body) => ({ body, contentType: "json" })));
  }
}
