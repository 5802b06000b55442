import { DurableObject } from "cloudflare:workers";
import { storeEvents, type AcceptedEvent, type AccountEvent } from "./accept";

/**
 * Group commit for the accepting requests (POST /api/events, POST /in/:source).
 *
 * D1 runs one query at a time per database, so one INSERT per request caps publishing at D1's
 * round-trip rate (locally ≈ 500/s, a fifth of what the runtime serves). Requests therefore hand
 * their event to one of a few EventWriter objects; while a writer's D1 batch is in flight, the
 * events that arrive queue up, and the next batch stores all of them in one round trip. An idle
 * writer writes at once, so a lone request pays no extra wait.
 *
 * Nothing changes for the caller: accept() resolves only after D1 has committed the event (and the
 * dedupe verdict is D1's), so a 202 still means "stored". A writer holds nothing durable: if it is
 * reset mid-batch its callers get an error, and D1 has either all of that batch or none of it.
 *
 * This is done in a Durable Object rather than in the Worker isolate because a Worker request may
 * not settle promises or do I/O on behalf of another request; an object's callers share its context.
 */
const MAX_EVENTS_PER_BATCH = 100;
/** D1 caps one batch's size; stay well below it even with large payloads. */
const MAX_PAYLOAD_CHARS_PER_BATCH = 4 * 1024 * 1024;

interface Waiter {
  items: AccountEvent[];
  resolve: (accepted: AcceptedEvent[]) => void;
  reject: (error: unknown) => void;
}

export class EventWriter extends DurableObject<Env> {
  private waiting: Waiter[] = [];
  private writing = false;

  accept(items: AccountEvent[]): Promise<AcceptedEvent[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ items, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length > 0) {
        const round = this.takeRound();
        try {
          const accepted = await storeEvents(this.env, round.flatMap((w) => w.items));
          let offset = 0;
          for (const w of round) {
            w.resolve(accepted.slice(offset, offset + w.items.length));
            offset += w.items.length;
          }
        } catch (err) {
          for (const w of round) w.reject(err);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  /** The waiters of the next round, bounded by event count and payload size (one waiter always fits). */
  private takeRound(): Waiter[] {
    let events = 0;
    let chars = 0;
    let take = 0;
    for (const w of this.waiting) {
      const size = w.items.reduce((sum, { event }) => sum + event.payload.length, 0);
      if (take > 0 && (events + w.items.length > MAX_EVENTS_PER_BATCH || chars + size > MAX_PAYLOAD_CHARS_PER_BATCH)) break;
      events += w.items.length;
      chars += size;
      take += 1;
    }
    return this.waiting.splice(0, take);
  }
}

/** How many writers share the load; a random one takes each request. */
const WRITER_SHARDS = 4;

/**
 * The accepting requests' way in: the event stored (deduped) and queued, via a writer's group commit.
 * The request itself makes no D1 call and no outbound fetch.
 */
export async function acceptThroughWriter(env: Env, items: AccountEvent[]): Promise<AcceptedEvent[]> {
  const shard = Math.floor(Math.random() * WRITER_SHARDS);
  return env.EVENT_WRITER.getByName(`writer-${shard}`).accept(items);
}
