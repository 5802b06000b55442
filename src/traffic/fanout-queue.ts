/**
 * The fan-out queue's message (queue "hookrelay-deliveries"): a reference to one stored event in
 * its partition, never its payload (a payload may be up to MAX_PAYLOAD_BYTES, 256 KiB, while a
 * queue message is capped at 128 KB). Sent by the accepting path, by each EventStore partition's
 * sweep (event-store.ts) and by the cron's backstop sweeper; read by the delivery consumer
 * (delivery/messages.ts parses it).
 */
export interface FanoutMessage {
  type: "fanout";
  accountId: string;
  eventId: string;
  /** The event's partition (src/traffic/partitions.ts): its UTC day and shard. */
  window: number;
  shard: number;
  /** Replay: only these webhooks (all matching ones when absent). */
  webhookIds?: string[];
  /** Replay: a fresh delivery key, so the WebhookDO does not treat the replay as a duplicate. */
  replayId?: string;
}

/** Queue sends are capped at 100 messages per call. */
export async function enqueueFanout(env: Env, messages: FanoutMessage[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 100) {
    await env.DELIVERIES.sendBatch(messages.slice(i, i + 100).map((body) => ({ body, contentType: "json" })));
  }
}
