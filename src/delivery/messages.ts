/**
 * Queue message shapes (queue "hookrelay-deliveries"). Messages carry references, not payloads:
 * a payload may be up to MAX_PAYLOAD_BYTES (256 KiB) while a queue message is capped at 128 KB,
 * and the consumer loads a whole batch's payloads from D1 in one query anyway.
 */
export interface FanoutMessage {
  type: "fanout";
  accountId: string;
  eventId: string;
  /** Replay: only these webhooks (all matching ones when absent). */
  webhookIds?: string[];
  /** Replay: a fresh delivery key, so the WebhookDO does not treat the replay as a duplicate. */
  replayId?: string;
}

export type DeliveryMessage = FanoutMessage;
