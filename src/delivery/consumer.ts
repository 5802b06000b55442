import { parsedPayload, webhookWants } from "../domain/matching";
import type { Webhook } from "../domain/webhook";
import { loadEvents, stampFannedOut, type FanoutStamp, type StoredEvent } from "../store/events";
import { listLiveWebhooks } from "../store/webhooks";
import { recordDeadLetters } from "./dead-letters";
import { deliveryKey, isFanoutMessage, type DeliveryJob, type FanoutMessage } from "./messages";

/**
 * The queue consumer: fans a batch of accepted events out to the matching webhooks' DOs.
 *
 * Per batch: one D1 query for the events, one for the accounts' webhooks, one enqueue RPC per
 * webhook, one statement stamping the events. At-least-once is safe because the DO dedupes on the
 * delivery key: a redelivered message, or a batch retried after half its DOs took their jobs,
 * adds nothing. A message is acked only once every DO it needed has its jobs and the event is
 * stamped; otherwise it is retried with backoff, and after max_retries the queue moves it to the
 * dead-letter queue (recorded in D1 by recordDeadLetters).
 */

/** Parallel RPCs per batch: enough to fan out widely, bounded so one batch cannot open thousands. */
const ENQUEUE_CONCURRENCY = 32;
/**
 * RPC payloads are capped (32 MiB); a batch of 100 events of 256 KiB for one webhook would come
 * close, so jobs are split in chunks of about this many payload characters.
 */
const MAX_JOB_CHARS_PER_RPC = 8 * 1024 * 1024;
const MAX_RETRY_DELAY_SECONDS = 300;

export const DLQ_SUFFIX = "-dlq";

export const retryDelaySeconds = (attempts: number): number => Math.min(MAX_RETRY_DELAY_SECONDS, 5 * 2 ** Math.max(0, attempts - 1));

export async function handleQueueBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  if (batch.queue.endsWith(DLQ_SUFFIX)) return recordDeadLetters(batch, env);
  return consumeDeliveries(batch, env);
}

interface WebhookGroup {
  webhook: Webhook;
  jobs: DeliveryJob[];
  keys: Set<string>;
  /** Indexes (into the batch's valid messages) of the messages that contributed jobs. */
  messages: Set<number>;
}

export async function consumeDeliveries(batch: MessageBatch<unknown>, env: Env, now = Date.now()): Promise<void> {
  const valid: { msg: Message<unknown>; body: FanoutMessage }[] = [];
  const malformed: Message<unknown>[] = [];
  for (const msg of batch.messages) {
    if (isFanoutMessage(msg.body)) valid.push({ msg, body: msg.body });
    else malformed.push(msg);
  }
  if (malformed.length) {
    // Nothing can ever process these; keep them visible instead of retrying them to death.
    try {
      await recordDeadLetters({ queue: batch.queue, messages: malformed }, env);
    } catch (err) {
      console.error(JSON.stringify({ msg: "could not record malformed messages", error: String(err) }));
      for (const m of malformed) m.retry({ delaySeconds: retryDelaySeconds(m.attempts) });
    }
  }
  if (!valid.length) return;

  let events: StoredEvent[];
  let webhooks: Webhook[];
  try {
    // Both reads at once (accounts come from the messages): one round trip's wait instead of two.
    [events, webhooks] = await Promise.all([
      loadEvents(env.DB, valid.map((v) => ({ accountId: v.body.accountId, eventId: v.body.eventId }))),
      listLiveWebhooks(env.DB, [...new Set(valid.map((v) => v.body.accountId))]),
    ]);
  } catch (err) {
    console.error(JSON.stringify({ msg: "fan-out load failed; retrying the batch", error: String(err) }));
    for (const v of valid) v.msg.retry({ delaySeconds: retryDelaySeconds(v.msg.attempts) });
    return;
  }

  const eventByRef = new Map(events.map((e) => [`${e.accountId}\u0000${e.id}`, e]));
  const webhooksByAccount = new Map<string, Webhook[]>();
  for (const w of webhooks) webhooksByAccount.set(w.accountId, [...(webhooksByAccount.get(w.accountId) ?? []), w]);

  const groups = new Map<string, WebhookGroup>();
  const matched: (string[] | null)[] = valid.map(() => null);
  valid.forEach(({ body }, i) => {
    const event = eventByRef.get(`${body.accountId}\u0000${body.eventId}`);
    // Unknown event (purged by retention, or a bogus message): nothing to deliver; acked below.
    if (!event) return;
    const payload = parsedPayload(event);
    const key = deliveryKey(event.id, body.replayId);
    const ids: string[] = [];
    for (const w of webhooksByAccount.get(event.accountId) ?? []) {
      if (!webhookWants(w, event, body, payload)) continue;
      ids.push(w.id);
      let group = groups.get(w.id);
      if (!group) {
        group = { webhook: w, jobs: [], keys: new Set(), messages: new Set() };
        groups.set(w.id, group);
      }
      group.messages.add(i);
      if (group.keys.has(key)) continue; // the same message twice in one batch
      group.keys.add(key);
      group.jobs.push({
        key, eventId: event.id, topic: event.topic, payload: event.payload, contentType: event.contentType, headers: event.headers, createdAt: event.createdAt,
        match: { channel: event.channel, sourceId: event.sourceId, excludeWebhookId: event.excludeWebhookId, targeted: body.webhookIds !== undefined },
      });
    }
    matched[i] = ids;
  });

  // Acceptance order inside a DO follows the events' acceptance time, not the batch's order.
  for (const g of groups.values()) g.jobs.sort((a, b) => a.createdAt - b.createdAt);

  const failedMessages = new Set<number>();
  await forEachBounded([...groups.values()], ENQUEUE_CONCURRENCY, async (g) => {
    try {
      const stub = env.WEBHOOK_DO.getByName(g.webhook.id);
      for (const jobs of chunkJobs(g.jobs)) await stub.enqueue(jobs, g.webhook);
    } catch (err) {
      console.error(JSON.stringify({ msg: "enqueue to webhook failed; its messages will be retried", webhookId: g.webhook.id, error: String(err) }));
      for (const i of g.messages) failedMessages.add(i);
    }
  });

  const done = valid.map((_, i) => i).filter((i) => !failedMessages.has(i));
  const stamps: FanoutStamp[] = done.flatMap((i) => {
    const ids = matched[i];
    return ids ? [{ accountId: valid[i]!.body.accountId, eventId: valid[i]!.body.eventId, webhookIds: ids }] : [];
  });
  try {
    if (stamps.length) await stampFannedOut(env.DB, stamps, now).run();
  } catch (err) {
    console.error(JSON.stringify({ msg: "fan-out stamp failed; retrying (the DOs dedupe)", error: String(err) }));
    for (const i of done) failedMessages.add(i);
  }
  valid.forEach(({ msg }, i) => {
    if (failedMessages.has(i)) msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts) });
    else msg.ack();
  });
}

function* chunkJobs(jobs: DeliveryJob[]): Generator<DeliveryJob[]> {
  let chunk: DeliveryJob[] = [];
  let chars = 0;
  for (const job of jobs) {
    if (chunk.length && chars + job.payload.length > MAX_JOB_CHARS_PER_RPC) {
      yield chunk;
      chunk = [];
      chars = 0;
    }
    chunk.push(job);
    chars += job.payload.length;
  }
  if (chunk.length) yield chunk;
}

export async function forEachBounded<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
