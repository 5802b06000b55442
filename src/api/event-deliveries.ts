import { forEachBounded } from "../lib/concurrency";
import type { CallRecord } from "../domain/call";
import { deriveDeliveryStates, type DeliveryState } from "../domain/event";
import { WEBHOOK_LOG_WINDOW_MS } from "../delivery/webhook/call-log";
import { listAccountCalls } from "../traffic/call-index";

/**
 * `GET /api/events/{id}` deliveries: each matched webhook's object answers for its own delivery of
 * the event (state, attempts, last status, last and next attempt), one RPC per webhook, a bounded
 * number at once. The event's `webhookIds` are the webhooks it was fanned out to; at most
 * MAX_WEBHOOKS are asked (the rest are left out of the answer rather than making it unbounded).
 */
export const MAX_WEBHOOKS = 100;
const CONCURRENCY = 16;

export async function deliveryStatesFor(env: Env, event: { id: string; accountId: string; createdAt: number; webhookIds: string[] | null }): Promise<DeliveryState[]> {
  const ids = (event.webhookIds ?? []).slice(0, MAX_WEBHOOKS);
  // A webhook's object keeps a day of its calls; an older event's attempts are read from the
  // account-wide index instead (one walk over the days since the event, for every webhook at once).
  if (Date.now() - event.createdAt >= WEBHOOK_LOG_WINDOW_MS) return statesFromIndex(env, event, ids);
  const states = new Map<string, DeliveryState>();
  await forEachBounded(ids, CONCURRENCY, async (webhookId) => {
    try {
      states.set(webhookId, await env.WEBHOOK_DO.getByName(webhookId).deliveryOf(event.id, webhookId));
    } catch (err) {
      // One unreachable object must not fail the event's page: report what is known (nothing yet).
      console.error(JSON.stringify({ msg: "delivery state unavailable", webhookId, eventId: event.id, error: String(err) }));
      states.set(webhookId, { webhookId, state: "pending", attempts: 0, httpStatus: null, lastAttemptAt: null, nextAttemptAt: null });
    }
  });
  return ids.map((id) => states.get(id)!);
}

const MAX_INDEX_CALLS = 1000;

async function statesFromIndex(env: Env, event: { id: string; accountId: string; createdAt: number }, ids: string[]): Promise<DeliveryState[]> {
  const calls: CallRecord[] = [];
  for (let after: { createdAt: number; id: string } | null = null; calls.length < MAX_INDEX_CALLS; ) {
    const page = await listAccountCalls(env, event.accountId, { eventId: event.id, sinceMs: event.createdAt, limit: 100, after });
    calls.push(...page.data);
    const last = page.data[page.data.length - 1];
    if (!page.nextCursor || !last) break;
    after = { createdAt: last.createdAt, id: last.id };
  }
  const wanted = new Set(ids);
  return deriveDeliveryStates(ids, calls.filter((c) => wanted.has(c.webhookId))).filter((s) => wanted.has(s.webhookId));
}
