import { DurableObject } from "cloudflare:workers";
import { getConfig } from "../env";
import { registerPartition, unregisterPartition } from "../store/event-partitions";
import { answerProbe, DEDUPE_WINDOW_MS, probeFor, rememberKeys, seenBefore, seenHere } from "./dedupe";
import { getEvent, insertEvent, listEvents, loadEvents, SCHEMA, stampEvents, unfannedEvents } from "./event-sql";
import type { AcceptVerdict, DedupeAnswer, DedupeProbe, EventListFilter, FanoutStamp, NewEventRow, PartitionRef, StoredEvent } from "./event-types";
import { partitionName, WINDOW_MS, windowStart } from "./partitions";

/**
 * Events, payloads and dedupe keys of one account, one UTC day, one shard (see partitions.ts and
 * event-sql.ts for the tables; dedupe.ts for the dedupe rules). The accepting path makes one `accept` per partition per round; the
 * consumer one `load` and one `stamp` per partition per batch; the API reads with `get`/`list`.
 *
 * First write: the object registers itself in D1 (`event_partitions`) before it stores anything,
 * so a listing that enumerates partitions never misses one that has answered 202. The object does
 * it, not the accepting isolates, because the object knows for sure that it is its first write:
 * one D1 statement per partition per day, where isolates with a "known" set would each write it
 * once per partition (many isolates, many rounds racing at midnight), on the hot path.
 *
 * Retention drops the whole object: the first write sets an alarm for the end of its day plus
 * RETENTION_DAYS, which removes the registry row and then `deleteAll()`s the storage.
 */
interface Meta extends PartitionRef {
  /** When the alarm deletes this partition (end of its window + RETENTION_DAYS). */
  expiresAt: number;
}

export const partitionExpiresAt = (window: number, retentionDays: number): number => windowStart(window + 1) + retentionDays * WINDOW_MS;

export class EventStore extends DurableObject<Env> {
  private initializing: Promise<void> | null = null;

  /**
   * null until the first write (and again after a purge): reads of an unwritten object create no
   * storage. Read through each time (the storage layer caches it) so a purge can never leave a
   * stale copy behind.
   */
  private get meta(): Meta | null {
    return this.ctx.storage.kv.get<Meta>("partition") ?? null;
  }

  /**
   * Stores new events and dedupes them, answering each row in order: a row whose supplied id,
   * Idempotency-Key or provider id was seen in the last 24 h (here, or in the previous day's
   * object of the same shard) is answered with the first event's id and time and not stored.
   */
  async accept(p: PartitionRef, rows: NewEventRow[], nowMs: number): Promise<AcceptVerdict[]> {
    if (!this.meta) await this.init(p, nowMs);
    const sql = this.ctx.storage.sql;
    const sinceMs = nowMs - DEDUPE_WINDOW_MS;
    const local = (r: NewEventRow) => seenHere(sql, r, sinceMs);

    // Keys not seen here may have been seen yesterday: ask the day before's object first (the
    // only await), then decide everything in one synchronous transaction, re-checking locally
    // because other accepts may have run meanwhile.
    const probe = probeFor(rows, local);
    const previous = probe ? await this.previousWindow(p).findDuplicates(probe, sinceMs) : null;

    // The await let other events in: an alarm may have purged a partition written at a time
    // already past retention (only tests and clock skew do that). Start it again, then decide.
    if (!this.meta) await this.init(p, nowMs);
    return this.ctx.storage.transactionSync(() =>
      rows.map((r): AcceptVerdict => {
        const first = local(r) ?? seenBefore(previous, r);
        if (first) return { ...first, duplicate: true };
        insertEvent(sql, r, nowMs);
        rememberKeys(sql, r, nowMs);
        return { id: r.id, topic: r.topic, createdAt: nowMs, duplicate: false };
      }),
    );
  }

  /** The next day's object asks this: which of these keys were first seen here since `sinceMs`? */
  async findDuplicates(probe: DedupeProbe, sinceMs: number): Promise<DedupeAnswer> {
    return this.meta ? answerProbe(this.ctx.storage.sql, probe, sinceMs) : { ids: {}, idempotencyKeys: {}, sourceKeys: {} };
  }

  async load(ids: string[]): Promise<StoredEvent[]> {
    return this.meta ? loadEvents(this.ctx.storage.sql, this.meta, ids) : [];
  }

  async stamp(stamps: FanoutStamp[], nowMs: number): Promise<number> {
    if (!this.meta) return 0;
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => stampEvents(sql, stamps, nowMs));
  }

  async get(id: string): Promise<StoredEvent | null> {
    return this.meta ? getEvent(this.ctx.storage.sql, this.meta, id) : null;
  }

  async list(filter: EventListFilter): Promise<StoredEvent[]> {
    return this.meta ? listEvents(this.ctx.storage.sql, this.meta, filter) : [];
  }

  /** Accepted but never fanned out, oldest first (the sweeper re-enqueues them). */
  async unfanned(beforeMs: number, afterMs: number, limit: number): Promise<{ id: string; createdAt: number }[]> {
    return this.meta ? unfannedEvents(this.ctx.storage.sql, beforeMs, afterMs, limit) : [];
  }

  /** Deletes the whole partition and its registry row (the alarm, or the cron's backstop). */
  async purge(): Promise<boolean> {
    const meta = this.meta;
    if (meta) await unregisterPartition(this.env.DB, meta);
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    return meta !== null;
  }

  override async alarm(): Promise<void> {
    const meta = this.meta;
    if (meta) {
      // RETENTION_DAYS may have been raised since the alarm was set: keep the partition longer.
      const dueAt = partitionExpiresAt(meta.window, getConfig(this.env).RETENTION_DAYS);
      if (Date.now() < dueAt) {
        await this.ctx.storage.setAlarm(dueAt);
        return;
      }
    }
    await this.purge();
  }

  private async init(p: PartitionRef, nowMs: number): Promise<void> {
    this.initializing ??= (async () => {
      await registerPartition(this.env.DB, p, nowMs);
      const meta: Meta = { accountId: p.accountId, window: p.window, shard: p.shard, shards: p.shards, expiresAt: partitionExpiresAt(p.window, getConfig(this.env).RETENTION_DAYS) };
      this.ctx.storage.sql.exec(SCHEMA);
      this.ctx.storage.kv.put("partition", meta);
      await this.ctx.storage.setAlarm(meta.expiresAt);
    })().finally(() => {
      this.initializing = null;
    });
    await this.initializing;
  }

  private previousWindow(p: PartitionRef) {
    return this.env.EVENT_STORE.getByName(partitionName(p.accountId, p.window - 1, p.shard));
  }
}


