import { firstById, firstByKey, insertKey } from "./event-sql";
import type { DedupeAnswer, DedupeProbe, FirstEvent, NewEventRow } from "./event-types";

/**
 * Where dedupe happens, for POST /api/events and inbound POST /in/:source alike: an event whose
 * supplied id, Idempotency-Key or provider event id was seen in the last 24 h is a duplicate,
 * answered with the first event's id and time, and neither stored nor delivered again. An inbound
 * source's provider id comes from its `dedupe` rule (ingest/rules.ts) and counts per source
 * (sourceKey).
 *
 * The verdict is taken by the EventStore partition (event-store.ts accept()) with these functions:
 * its own `dedupe_keys` (event-sql.ts) first, then, for keys not seen there, the previous day's
 * partition of the same shard (an event's shard follows its dedupe identity: events.ts), so the
 * 24 h span two partitions at most; then every row is decided in one transaction.
 */
export const DEDUPE_WINDOW_MS = 24 * 3_600_000;

/** A provider id's key: per source, so two sources' providers cannot collide. */
export const sourceKey = (sourceId: string | null, dedupeKey: string): string => `${sourceId ?? ""}\u0000${dedupeKey}`;

/** The first event this partition holds with the row's supplied id, Idempotency-Key or provider id (keys since `sinceMs`). */
export const seenHere = (sql: SqlStorage, r: NewEventRow, sinceMs: number): FirstEvent | null =>
  // A supplied id cannot repeat inside a partition (it is the key), so it is looked up at any age.
  (!r.generatedId ? firstById(sql, r.id) : null) ??
  (r.idempotencyKey ? firstByKey(sql, "idem", r.idempotencyKey, sinceMs) : null) ??
  (r.dedupeKey ? firstByKey(sql, "src", sourceKey(r.sourceId, r.dedupeKey), sinceMs) : null);

/** What to ask the previous day's partition: the keys of the rows not seen here. null: nothing to ask. */
export function probeFor(rows: readonly NewEventRow[], seen: (r: NewEventRow) => FirstEvent | null): DedupeProbe | null {
  const probe: DedupeProbe = { ids: [], idempotencyKeys: [], sourceKeys: [] };
  for (const r of rows) {
    if (seen(r)) continue;
    if (!r.generatedId) probe.ids.push(r.id);
    if (r.idempotencyKey) probe.idempotencyKeys.push(r.idempotencyKey);
    if (r.dedupeKey) probe.sourceKeys.push(sourceKey(r.sourceId, r.dedupeKey));
  }
  return probe.ids.length + probe.idempotencyKeys.length + probe.sourceKeys.length > 0 ? probe : null;
}

/** The first event of the previous day's partition that the row duplicates, from its answer. */
export const seenBefore = (previous: DedupeAnswer | null, r: NewEventRow): FirstEvent | null =>
  !previous
    ? null
    : ((!r.generatedId ? previous.ids[r.id] : undefined) ??
      (r.idempotencyKey ? previous.idempotencyKeys[r.idempotencyKey] : undefined) ??
      (r.dedupeKey ? previous.sourceKeys[sourceKey(r.sourceId, r.dedupeKey)] : undefined) ??
      null);

/** The next day's partition asks this one: which of these keys were first seen here since `sinceMs`? */
export function answerProbe(sql: SqlStorage, probe: DedupeProbe, sinceMs: number): DedupeAnswer {
  const answer: DedupeAnswer = { ids: {}, idempotencyKeys: {}, sourceKeys: {} };
  for (const id of probe.ids) {
    const first = firstById(sql, id, sinceMs);
    if (first) answer.ids[id] = first;
  }
  for (const key of probe.idempotencyKeys) {
    const first = firstByKey(sql, "idem", key, sinceMs);
    if (first) answer.idempotencyKeys[key] = first;
  }
  for (const key of probe.sourceKeys) {
    const first = firstByKey(sql, "src", key, sinceMs);
    if (first) answer.sourceKeys[key] = first;
  }
  return answer;
}

/** Records a new event's keys, so later events carrying them are duplicates; in the transaction that stores it. */
export function rememberKeys(sql: SqlStorage, r: NewEventRow, nowMs: number): void {
  if (r.idempotencyKey) insertKey(sql, "idem", r.idempotencyKey, r.id, nowMs);
  if (r.dedupeKey) insertKey(sql, "src", sourceKey(r.sourceId, r.dedupeKey), r.id, nowMs);
}
