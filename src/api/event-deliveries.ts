import { deriveDeliveryStates, type DeliveryState } from "../domain/event";
import { callsForEventStatement, rowsToCalls } from "../store/calls";
import type { StoredEvent } from "../traffic/event-types";

/**
 * Each matched webhook's delivery state for GET /api/events/{id}: one function, so where the state
 * comes from can change without touching the handler. Today it is derived from the call log in
 * D1; once the call log lives in the webhooks' Durable Objects this asks them instead.
 */
export async function deliveryStatesFor(env: Env, event: StoredEvent): Promise<DeliveryState[]> {
  const calls = await callsForEventStatement(env.DB, event.accountId, event.id).all();
  return deriveDeliveryStates(event.webhookIds ?? [], rowsToCalls(calls.results));
}
