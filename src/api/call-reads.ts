import type { CallRecord, CallStatus } from "../domain/event";
import type { StoredEvent } from "../traffic/event-types";
import { findEvent } from "../traffic/events";
import { parseTimeCursor, type Page } from "../store/pagination";
import { callPage, listAccountCalls } from "../traffic/call-index";

/**
 * Where `GET /api/webhooks/calls` reads from:
 * - `webhookId`: that webhook's object, its own log (the complete, synchronous record);
 * - otherwise the account-wide CallLog partitions, newest day first (a page reads one day's
 *   partitions whatever the account's number of webhooks). With `eventId` the walk starts at the
 *   event's day: its calls are never older than the event, so a page reads the days since it, usually
 *   one or two, where asking the event's matched webhooks would cost one object per webhook.
 * The index is fed through each webhook's outbox, so a call shows up there a moment (one alarm run)
 * after it shows up in its webhook's own log.
 */
export interface CallListQuery {
  limit: number;
  cursor?: string | undefined;
  webhookId?: string | undefined;
  eventId?: string | undefined;
  status?: CallStatus | undefined;
  topic?: string | undefined;
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
}

/** The one place calls are looked up by event (one EventStore read for an id hookrelay generated). */
export function lookupEvent(env: Env, accountId: string, eventId: string): Promise<StoredEvent | null> {
  return findEvent(env, accountId, eventId);
}

export async function listCallsFor(env: Env, accountId: string, q: CallListQuery): Promise<Page<CallRecord>> {
  const after = parseTimeCursor(q.cursor);
  const filter = { eventId: q.eventId, status: q.status, topic: q.topic, sinceMs: q.sinceMs, untilMs: q.untilMs };
  if (q.webhookId) {
    const rows = await env.WEBHOOK_DO.getByName(q.webhookId).listCalls({ ...filter, after, limit: q.limit + 1 });
    return callPage(rows, q.limit);
  }
  if (q.eventId) {
    const event = await lookupEvent(env, accountId, q.eventId);
    if (!event) return { data: [], nextCursor: null };
    filter.sinceMs = Math.max(filter.sinceMs ?? 0, event.createdAt);
  }
  return listAccountCalls(env, accountId, { ...filter, after, limit: q.limit });
}
