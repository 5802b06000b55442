import { deliveryKey } from "../../src/delivery/messages";
import { env } from "cloudflare:workers";
import type { NewEventRow, StoredEvent } from "../../src/traffic/event-types";
import { eventStore, findEvent, listAccountEvents, placeEvent } from "../../src/traffic/events";
import { windowOf } from "../../src/traffic/partitions";

/** Reads and writes of the EventStore partitions for tests (what used to be SQL on D1's `events`). */

/** Every stored event of an account, newest first, payloads included. */
export async function storedEvents(accountId: string, filter: { sourceId?: string; topic?: string } = {}): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await listAccountEvents(env, accountId, { limit: 100, cursor, includePayload: true, ...filter });
    out.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

export const storedEvent = (accountId: string, id: string) => findEvent(env, accountId, id);

/** The key the consumer gives a stored event's delivery (deliveryKey: id and acceptance time). */
export async function deliveryKeyOf(accountId: string, id: string): Promise<string> {
  const event = await findEvent(env, accountId, id);
  if (!event) throw new Error(`event ${id} is not stored`);
  return deliveryKey(event);
}

/**
 * Stores an event in its partition the way acceptEvents does, without sending a queue message.
 * Returns its id and partition, for a hand-made fan-out message.
 */
export async function storeEvent(
  accountId: string,
  e: { id?: string; topic: string; payload: unknown; channel?: string; sourceId?: string; createdAt?: number },
): Promise<{ id: string; window: number; shard: number }> {
  const now = e.createdAt ?? Date.now();
  const place = placeEvent({ id: e.id ?? null }, 1, now);
  const row: NewEventRow = {
    id: place.id, generatedId: place.generatedId, topic: e.topic, channel: e.channel ?? null, sourceId: e.sourceId ?? null,
    idempotencyKey: null, dedupeKey: null, contentType: "application/json", payload: JSON.stringify(e.payload), headers: null, excludeWebhookId: null,
  };
  const window = windowOf(now);
  const [verdict] = await eventStore(env, accountId, window, place.shard).accept({ accountId, window, shard: place.shard, shards: 1 }, [row], now);
  if (!verdict || verdict.duplicate) throw new Error(`event ${place.id} was not stored`);
  return { id: place.id, window, shard: place.shard };
}
