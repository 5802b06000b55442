import { forEachBounded } from "../lib/concurrency";
import { getConfig } from "../env";
import { parsedPayload, webhookWants } from "../domain/matching";
import type { Webhook } from "../domain/webhook";
import { channelKeyOf, liveWebhooksByIds, type ChannelKey } from "../store/webhook-channels";
import type { StoredEvent } from "../traffic/event-types";
import { eventStore } from "../traffic/events";
import { partitionName } from "../traffic/partitions";
import { recordDeadLetters } from "./dead-letters";
import type { FanoutMessage } from "../traffic/fanout-queue";
import { asFanoutMessage, deliveryKey, type DeliveryJob } from "./messages";
import { candidateWebhooks } from "./webhook-index";

/**
 * The queue consumer: fans a batch of accepted events out to the matching webhooks' DOs.
 *
 * Per batch: one `load` RPC per EventStore partition for the events, the candidate webhooks from
 * the isolate's channel index (webhook-index.ts: no D1 statement on a cache hit), one enqueue RPC
 * per webhook, one `stamp` RPC per partition. At-least-once is safe because the DO dedupes on the
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
const MAX_LOAD_CHARS_PER_RPC = 16 * 1024 * 1024;
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
  const shards = getConfig(env).EVENT_SHARDS;
  const valid: { msg: Message<unknown>; body: FanoutMessage }[] = [];
  const malformed: Message<unknown>[] = [];
  for (const msg of batch.messages) {
    const body = asFanoutMessage(msg.body, shards);
    if (body) valid.push({ msg, body });
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

  const failedMessages = new Set<number>();
  const partitions = groupByPartition(valid.map((v) => v.body));
  const events: (StoredEvent | null)[] = valid.map(() => null);
  // An RPC answer is capped (32 MiB): ask for at most this many payloads of the largest size at once.
  const idsPerLoad = Math.max(1, Math.floor(MAX_LOAD_CHARS_PER_RPC / getConfig(env).MAX_PAYLOAD_BYTES));
  await Promise.all(
    partitions.map(async (p) => {
      try {
        const stub = eventStore(env, p.accountId, p.window, p.shard);
        const ids = p.indexes.map((i) => valid[i]!.body.eventId);
        const chunks = Array.from({ length: Math.ceil(ids.length / idsPerLoad) }, (_, n) => ids.slice(n * idsPerLoad, (n + 1) * idsPerLoad));
        const found = new Map((await Promise.all(chunks.map((chunk) => stub.load(chunk)))).flat().map((e) => [e.id, e]));
        for (const i of p.indexes) events[i] = found.get(valid[i]!.body.eventId) ?? null;
      } catch (err) {
        console.error(JSON.stringify({ msg: "event load failed; retrying its messages", partition: [p.accountId, p.window, p.shard], error: String(err) }));
        for (const i of p.indexes) failedMessages.add(i);
      }
    }),
  );

  let candidates: (i: number) => Webhook[];
  try {
    candidates = await candidatesFor(env, valid.map((v) => v.body), events, now);
  } catch (err) {
    console.error(JSON.stringify({ msg: "webhook lookup failed; retrying the batch", error: String(err) }));
    for (const v of valid) v.msg.retry({ delaySeconds: retryDelaySeconds(v.msg.attempts) });
    return;
  }

  const groups = new Map<string, WebhookGroup>();
  const matched: (string[] | null)[] = valid.map(() => null);
  valid.forEach(({ body }, i) => {
    const event = events[i];
    // Unknown event (purged by retention, or a bogus message): nothing to deliver; acked below.
    if (!event) return;
    const payload = parsedPayload(event);
    const key = deliveryKey(event, body.replayId);
    const ids: string[] = [];
    for (const w of candidates(i)) {
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

  await forEachBounded([...groups.values()], ENQUEUE_CONCURRENCY, async (g) => {
    try {
      const stub = env.WEBHOOK_DO.getByName(g.webhook.id);
      let refused = 0;
      for (const jobs of chunkJobs(g.jobs)) refused += (await stub.enqueue(jobs, g.webhook)).refused;
      // The object's newer config turned every job down (paused or deleted since the index was
      // cached): the events were not fanned out to it, so it is left out of their webhookIds.
      if (refused === g.jobs.length) for (const i of g.messages) matched[i] = matched[i]?.filter((id) => id !== g.webhook.id) ?? null;
    } catch (err) {
      console.error(JSON.stringify({ msg: "enqueue to webhook failed; its messages will be retried", webhookId: g.webhook.id, error: String(err) }));
      for (const i of g.messages) failedMessages.add(i);
    }
  });

  // One stamp per partition: fanned_out_at, and the webhooks matched (merged with earlier ones).
  await Promise.all(
    partitions.map(async (p) => {
      const done = p.indexes.filter((i) => !failedMessages.has(i) && matched[i] !== null);
      if (!done.length) return;
      try {
        await eventStore(env, p.accountId, p.window, p.shard).stamp(done.map((i) => ({ eventId: valid[i]!.body.eventId, webhookIds: matched[i]! })), now);
      } catch (err) {
        console.error(JSON.stringify({ msg: "fan-out stamp failed; retrying (the DOs dedupe)", error: String(err) }));
        for (const i of done) failedMessages.add(i);
      }
    }),
  );
  valid.forEach(({ msg }, i) => {
    if (failedMessages.has(i)) msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts) });
    else msg.ack();
  });
}

interface PartitionGroup {
  accountId: string;
  window: number;
  shard: number;
  indexes: number[];
}

function groupByPartition(bodies: FanoutMessage[]): PartitionGroup[] {
  const groups = new Map<string, PartitionGroup>();
  bodies.forEach((b, i) => {
    const name = partitionName(b.accountId, b.window, b.shard);
    let g = groups.get(name);
    if (!g) groups.set(name, (g = { accountId: b.accountId, window: b.window, shard: b.shard, indexes: [] }));
    g.indexes.push(i);
  });
  return [...groups.values()];
}

/**
 * The webhooks each message's event may go to: from the isolate's channel index (webhook-index.ts;
 * no D1 statement on a hit) for ordinary fan-out, or by id for a replay that names its webhooks.
 */
async function candidatesFor(env: Env, bodies: FanoutMessage[], events: (StoredEvent | null)[], nowMs: number): Promise<(i: number) => Webhook[]> {
  const keys: ChannelKey[] = [];
  const named = new Map<string, Set<string>>();
  bodies.forEach((b, i) => {
    const e = events[i];
    if (!e) return;
    if (b.webhookIds) {
      const set = named.get(b.accountId) ?? new Set<string>();
      for (const id of b.webhookIds) set.add(id);
      named.set(b.accountId, set);
      return;
    }
    keys.push({ accountId: b.accountId, channel: "" });
    if (e.channel) keys.push({ accountId: b.accountId, channel: e.channel });
  });
  const [index, byId] = await Promise.all([
    candidateWebhooks(env.DB, keys, nowMs),
    Promise.all([...named].map(async ([accountId, ids]) => [accountId, await liveWebhooksByIds(env.DB, accountId, [...ids])] as const)),
  ]);
  const namedByAccount = new Map(byId);
  return (i) => {
    const b = bodies[i]!;
    if (b.webhookIds) return namedByAccount.get(b.accountId) ?? [];
    const channelLess = index.get(channelKeyOf({ accountId: b.accountId, channel: "" })) ?? [];
    const channel = events[i]?.channel;
    return channel ? [...channelLess, ...(index.get(channelKeyOf({ accountId: b.accountId, channel })) ?? [])] : channelLess;
  };
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
