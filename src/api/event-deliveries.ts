import { forEachBounded } from "../delivery/consumer";
import type { DeliveryState } from "../domain/event";

/**
 * `GET /api/events/{id}` deliveries: each matched webhook's object answers for its own delivery of
 * the event (state, attempts, last status, last and next attempt), one RPC per webhook, a bounded
 * number at once. The event's `webhookIds` are the webhooks it was fanned out to; at most
 * MAX_WEBHOOKS are asked (the rest are left out of the answer rather than making it unbounded).
 */
export const MAX_WEBHOOKS = 100;
const CONCURRENCY = 16;

export async function deliveryStatesFor(env: Env, event: { id: string; webhookIds: string[] | null }): Promise<DeliveryState[]> {
  const ids = (event.webhookIds ?? []).slice(0, MAX_WEBHOOKS);
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
