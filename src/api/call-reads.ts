import type { CallRecord, CallStatus } from "../domain/call";
import type { StoredEvent } from "../traffic/event-types";
import { findEvent } from "../traffic/events";
import { parseTimeCursor, type Page } from "../store/pagination";
import { WEBHOOK_LOG_WINDOW_MS } from "../delivery/webhook/call-log";
import { callPage, listAccountCalls } from "../traffic/call-index";

/**
 * Where `GET /api/webhooks/calls` reads from:
 * - `webhookId`: that webhook's object, its own log (the complete, synchronous record) for the last
 *   day, then the account-wide index for older calls;
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
    // The webhook's object holds its last day of calls (WEBHOOK_LOG_WINDOW_MS); older ones are read
    // from the account-wide index. The two ranges meet at `horizon` and never overlap.
    const horizon = Date.now() - WEBHOOK_LOG_WINDOW_MS;
    const recent = await env.WEBHOOK_DO.getByName(q.webhookId).listCalls({ ...filter, sinceMs: Math.max(filter.sinceMs ?? 0, horizon), after, limit: q.limit + 1 });
    if (recent.length > q.limit || (filter.sinceMs ?? 0) >= horizon) return callPage(recent, q.limit);
    const last = recent[recent.length - 1];
    const older = await listAccountCalls(env, accountId, {
      ...filter, webhookId: q.webhookId, untilMs: Math.min(filter.untilMs ?? Infinity, horizon),
      after: last ? { createdAt: last.createdAt, id: last.id } : after, limit: q.limit + 1 - recent.length,
    });
    // Up to limit + 1 rows in all: callPage trims the extra one and makes the cursor from the last kept.
    return callPage([...recent, ...older.data], q.limit);
  }
  if (q.eventId) {
    const event = await lookupEvent(env, accountId, q.eventId);
    if (!event) return { data: [], nextCursor: null };
    filter.sinceMs = Math.max(filter.sinceMs ?? 0, event.createdAt);
  }
  return listAccountCalls(env, accountId, { ...filter, after, limit: q.limit });
}
