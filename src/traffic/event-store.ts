import { DurableObject } from "cloudflare:workers";
import { getConfig } from "../env";
import { registerPartition, unregisterPartition } from "../store/event-partitions";
import { answerProbe, DEDUPE_WINDOW_MS, probeFor, rememberKeys, seenBefore, seenHere } from "./dedupe";
import { getEvent, insertEvent, listEvents, loadEvents, SCHEMA, stampEvents, unfannedEvents } from "./event-sql";
import type { AcceptVerdict, DedupeAnswer, DedupeProbe, EventListFilter, FanoutStamp, NewEventRow, PartitionRef, StoredEvent } from "./event-types";
import { enqueueFanout } from "./fanout-queue";
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
 *
 * The same alarm sweeps: an accept that stored events brings it forward to SWEEP_DELAY_MS later,
 * when the partition re-enqueues whatever it accepted but was never fanned out (the queue send
 * failed, the consumer died), and checks again every SWEEP_EVERY_MS while such events remain
 * (for 24 h at most); then the alarm goes back to the retention time. So the cost of sweeping
 * follows the partitions that took traffic, and the cron's hourly sweeper is only the backstop.
 */
interface Meta extends PartitionRef {
  /** When the alarm deletes this partition (end of its window + RETENTION_DAYS). */
  expiresAt: number;
}

/** An event younger than this is probably still on its way through the queue. */
export const SWEEP_MIN_AGE_MS = 60_000;
/** How long after an accept the partition checks that its new events were fanned out. */
export const SWEEP_DELAY_MS = 90_000;
/** Between checks while accepted events are still unfanned. */
export const SWEEP_EVERY_MS = 5 * 60_000;
/** Older unfanned events are not swept any more: they have been re-tried for a day (dead letters hold the rest). */
export const SWEEP_MAX_AGE_MS = 24 * 3_600_000;
const SWEEP_BATCH = 1000;
const SWEEP_MAX_ROUNDS = 5;

export const partitionExpiresAt = (window: number, retentionDays: number): number => windowStart(window + 1) + retentionDays * WINDOW_MS;

export class EventStore extends DurableObject<Env> {
  private initializing: Promise<void> | null = null;
  /** When a sweep is armed (this instance's knowledge; after an eviction the next accept arms it again). */
  private sweepArmedAt: number | null = null;

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
    const verdicts = this.ctx.storage.transactionSync(() =>
      rows.map((r): AcceptVerdict => {
        const first = local(r) ?? seenBefore(previous, r);
        if (first) return { ...first, duplicate: true };
        insertEvent(sql, r, nowMs);
        rememberKeys(sql, r, nowMs);
        return { id: r.id, topic: r.topic, createdAt: nowMs, duplicate: false };
      }),
    );
    if (this.sweepArmedAt === null && verdicts.some((v) => !v.duplicate)) await this.armSweep(Date.now() + SWEEP_DELAY_MS);
    return verdicts;
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
    this.sweepArmedAt = null;
    if (meta) await unregisterPartition(this.env.DB, meta);
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    return meta !== null;
  }

  override async alarm(): Promise<void> {
    this.sweepArmedAt = null;
    const meta = this.meta;
    // RETENTION_DAYS may have been raised since the alarm was set: the retention time is recomputed.
    const dueAt = meta ? partitionExpiresAt(meta.window, getConfig(this.env).RETENTION_DAYS) : 0;
    const now = Date.now();
    if (!meta || now >= dueAt) {
      await this.purge();
      return;
    }
    let pending: boolean;
    try {
      pending = await this.sweep(meta, now);
    } catch (err) {
      // Never thrown out of the alarm: that would retry a few times and then drop the alarm, and
      // retention with it. The next check tries again.
      console.error(JSON.stringify({ msg: "partition sweep failed; it checks again", partition: [meta.accountId, meta.window, meta.shard], error: String(err) }));
      pending = true;
    }
    if (pending) await this.armSweep(now + SWEEP_EVERY_MS);
    else await this.ctx.storage.setAlarm(dueAt);
  }

  /**
   * Re-enqueues the events accepted here (more than SWEEP_MIN_AGE_MS, less than a day ago) that were
   * never fanned out. True while unfanned events of the last day remain, re-enqueued or too young.
   */
  private async sweep(meta: Meta, nowMs: number): Promise<boolean> {
    const sql = this.ctx.storage.sql;
    const oldest = nowMs - SWEEP_MAX_AGE_MS;
    let from = oldest;
    for (let round = 0; round < SWEEP_MAX_ROUNDS; round++) {
      const refs = unfannedEvents(sql, nowMs - SWEEP_MIN_AGE_MS, from, SWEEP_BATCH);
      if (!refs.length) break;
      await enqueueFanout(this.env, refs.map((r) => ({ type: "fanout", accountId: meta.accountId, eventId: r.id, window: meta.window, shard: meta.shard })));
      if (refs.length < SWEEP_BATCH) break;
      // Inclusive: a row sharing the last millisecond may be sent twice, which the webhooks' objects dedupe.
      from = refs[refs.length - 1]!.createdAt;
    }
    return unfannedEvents(sql, Number.MAX_SAFE_INTEGER, oldest, 1).length > 0;
  }

  /** Brings the alarm forward to `atMs` (never past the retention time it may already hold). */
  private async armSweep(atMs: number): Promise<void> {
    this.sweepArmedAt = atMs;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > atMs) await this.ctx.storage.setAlarm(atMs);
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


