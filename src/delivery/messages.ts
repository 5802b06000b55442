import { idTimeMs } from "../domain/ids";
import type { FanoutMessage } from "../traffic/fanout-queue";
import { shardOf, windowOf } from "../traffic/partitions";

/**
 * What the delivery consumer reads and hands on: the fan-out message parsed (its shape is
 * traffic/fanout-queue.ts), and the job a webhook's object receives for each match.
 */

/**
 * What the consumer hands a WebhookDO (RPC, not a queue message): everything one delivery needs, so
 * the DO never reads D1 to send. `key` is the DO's dedupe key (deliveryKey), so a redelivered queue
 * message or a retried batch never produces a second delivery.
 */
export interface DeliveryJob {
  key: string;
  eventId: string;
  topic: string;
  /** The exact body to send. */
  payload: string;
  contentType: string;
  /** Provider headers forwarded from an inbound source. */
  headers: Record<string, string> | null;
  /** Event acceptance time (epoch ms). */
  createdAt: number;
  /**
   * What the webhook's object needs to re-check the match against its own newest config (the
   * consumer's webhook list may be a few seconds stale). Absent: only status and topic are re-checked.
   */
  match?: JobMatch;
}

export interface JobMatch {
  channel: string | null;
  sourceId: string | null;
  excludeWebhookId: string | null;
  /** A replay that named its webhooks: topic and filters do not apply. */
  targeted: boolean;
}

/**
 * One stored event's delivery, whatever the queue does: `eventId@acceptedAtMs`, or
 * `eventId:replayId` for a replay. The acceptance time is part of it because a supplied event id
 * may be accepted again once its 24 h dedupe window has passed: that is a new event, and the
 * webhook object, which keeps finished keys for a week, must not take it for the first one.
 */
export const deliveryKey = (event: { id: string; createdAt: number }, replayId?: string | null): string =>
  replayId ? `${event.id}:${replayId}` : `${event.id}@${event.createdAt}`;

/**
 * A fan-out message, or null when it is not one. Messages queued before events had partitions
 * (no `window`/`shard`) still work when their event id was generated here: its time prefix names
 * the window and the shard is shardOf(id) under the current EVENT_SHARDS. Others cannot be placed
 * and go to the dead letters.
 */
export function asFanoutMessage(body: unknown, shards: number): FanoutMessage | null {
  if (!isFanoutMessage(body)) return null;
  const m = body as unknown as Record<string, unknown>;
  const msg = body as FanoutMessage;
  if (Number.isSafeInteger(m.window) && Number.isSafeInteger(m.shard)) return msg;
  if (m.window !== undefined || m.shard !== undefined) return null;
  const timeMs = idTimeMs(msg.eventId, "evt");
  return timeMs === null ? null : { ...msg, window: windowOf(timeMs), shard: shardOf(msg.eventId, shards) };
}

/** The shape of a fan-out message (its partition may be missing: see asFanoutMessage). */
export function isFanoutMessage(body: unknown): body is FanoutMessage {
  if (body === null || typeof body !== "object") return false;
  const m = body as Record<string, unknown>;
  return (
    m.type === "fanout" &&
    typeof m.accountId === "string" &&
    typeof m.eventId === "string" &&
    (m.webhookIds === undefined || (Array.isArray(m.webhookIds) && m.webhookIds.every((w) => typeof w === "string"))) &&
    (m.replayId === undefined || typeof m.replayId === "string")
  );
}
