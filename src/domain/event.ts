import { z } from "@hono/zod-openapi";
import type { CallRecord } from "./call";
import { isoTime } from "../lib/time";
import { isJsonContentType } from "./http";
import { jsonProblem, PAYLOAD_LIMITS, withinJsonLimits } from "./json-limits";
import { ClientTopic } from "./topics";

/** Events and their deliveries: request/response schemas and the pure delivery-state logic. */

/** Publisher-supplied ids are kept URL- and header-safe: they travel as `webhook-id`. */
export const EVENT_ID = /^[A-Za-z0-9_.:-]+$/;
export const MAX_BATCH_EVENTS = 100;


const EventId = z.string().min(1).max(200).regex(EVENT_ID, "may only hold letters, digits, _ . : -").openapi({ example: "evt_0mh2k3x9aXbYcZ12" });
const Channel = z.string().min(1).max(200).openapi({ description: "Routing key (e.g. a WhatsApp session id); webhooks with `channels` only get their channels", example: "5bc99cea8975b95fe7077c64a3312145" });
const Payload = withinJsonLimits(z
  .unknown()
  .refine((v) => v !== undefined, "payload is required (any JSON value)"), PAYLOAD_LIMITS)
  .openapi({ description: "Any JSON value; serialized once and delivered byte for byte", example: { event: "message.received", text: "Hello!" } });

export const EventCreate = z
  .object({ topic: ClientTopic, payload: Payload, id: EventId.optional(), channel: Channel.optional() })
  .strict()
  .openapi("EventCreate");
export type EventCreate = z.infer<typeof EventCreate>;

export const EventBatchItem = EventCreate.extend({
  idempotencyKey: z.string().min(1).max(200).optional().openapi({ description: "Per-event Idempotency-Key" }),
})
  .strict()
  .openapi("EventBatchItem");

export const EventBatch = z
  .object({ events: z.array(EventBatchItem).min(1, "send at least one event").max(MAX_BATCH_EVENTS, `at most ${MAX_BATCH_EVENTS} events per batch`) })
  .strict()
  .openapi("EventBatch");

export const EventAccepted = z
  .object({
    id: z.string(),
    topic: z.string(),
    createdAt: z.string(),
    duplicate: z.boolean().openapi({ description: "true: this id or Idempotency-Key was seen before; nothing new is delivered" }),
  })
  .openapi("EventAccepted");

export const DELIVERY_STATES = ["pending", "succeeded", "retrying", "failed"] as const;
export type DeliveryStateName = (typeof DELIVERY_STATES)[number];

export const DeliveryStateOut = z
  .object({
    webhookId: z.string(),
    state: z.enum(DELIVERY_STATES),
    attempts: z.number().int(),
    httpStatus: z.number().int().nullable(),
    lastAttemptAt: z.string().nullable(),
    nextAttemptAt: z.string().nullable(),
  })
  .openapi("DeliveryState");

export const EventOut = z
  .object({
    id: z.string(),
    topic: z.string(),
    channel: z.string().nullable(),
    sourceId: z.string().nullable(),
    contentType: z.string(),
    payload: z.unknown().optional().openapi({ description: "Parsed JSON when the body is JSON, else the text" }),
    headers: z.record(z.string(), z.string()).nullable(),
    createdAt: z.string(),
    fannedOutAt: z.string().nullable(),
    webhookIds: z.array(z.string()).nullable().openapi({ description: "Webhooks matched when the event was fanned out" }),
  })
  .openapi("Event");

export const EventDetailOut = EventOut.extend({ deliveries: z.array(DeliveryStateOut) }).openapi("EventDetail");

/** The delivery state of one event at one webhook, from that webhook's call rows for the event. */
export interface DeliveryState {
  webhookId: string;
  state: DeliveryStateName;
  attempts: number;
  httpStatus: number | null;
  lastAttemptAt: number | null;
  nextAttemptAt: number | null;
}

/**
 * Every matched webhook starts `pending`; its latest call decides the rest (succeeded, retrying
 * with the next attempt time, or failed). Webhooks with calls but not in `webhookIds` (a replay
 * stamped later, say) are listed too. `calls` may come in any order.
 */
export function deriveDeliveryStates(
  webhookIds: readonly string[],
  calls: readonly Pick<CallRecord, "webhookId" | "status" | "attempt" | "httpStatus" | "createdAt" | "nextAttemptAt" | "id">[],
): DeliveryState[] {
  const states = new Map<string, DeliveryState>();
  for (const id of webhookIds) {
    states.set(id, { webhookId: id, state: "pending", attempts: 0, httpStatus: null, lastAttemptAt: null, nextAttemptAt: null });
  }
  const ordered = [...calls].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const c of ordered) {
    const s = states.get(c.webhookId) ?? { webhookId: c.webhookId, state: "pending", attempts: 0, httpStatus: null, lastAttemptAt: null, nextAttemptAt: null };
    s.attempts += 1;
    s.state = c.status;
    s.httpStatus = c.httpStatus;
    s.lastAttemptAt = c.createdAt;
    s.nextAttemptAt = c.status === "retrying" ? c.nextAttemptAt : null;
    states.set(c.webhookId, s);
  }
  return [...states.values()];
}

/** JSON bodies come back parsed; anything else (form posts relayed from providers) as text. */
export function payloadOut(payload: string, contentType: string): unknown {
  if (!isJsonContentType(contentType)) return payload;
  try {
    const parsed = JSON.parse(payload) as unknown;
    // Stored before depth limits existed (or relayed from /in, byte for byte): a document too deep
    // to serialize again comes back as its text rather than failing the whole page.
    return jsonProblem(parsed, PAYLOAD_LIMITS) ? payload : parsed;
  } catch {
    return payload;
  }
}

export function deliveryStateOut(s: DeliveryState): z.infer<typeof DeliveryStateOut> {
  return { ...s, lastAttemptAt: isoTime(s.lastAttemptAt), nextAttemptAt: isoTime(s.nextAttemptAt) };
}
