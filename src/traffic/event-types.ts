/**
 * The shapes that cross the EventStore RPC boundary (src/traffic/event-store.ts): what the
 * accepting path hands an object, and what the readers get back. Times are epoch ms.
 */

/** One partition: an EventStore object's identity (see partitions.ts). */
export interface PartitionRef {
  accountId: string;
  window: number;
  shard: number;
  /** EVENT_SHARDS when the partition was addressed; recorded in the registry with the partition. */
  shards: number;
}

/** What an event is, as accepted and as stored. */
interface EventFields {
  id: string;
  topic: string;
  channel: string | null;
  sourceId: string | null;
  idempotencyKey: string | null;
  /** Provider event id (inbound sources). */
  dedupeKey: string | null;
  contentType: string;
  /** The exact body every subscriber receives ('' in listings without includePayload). */
  payload: string;
}

/** A new event as the accepting path hands it to its partition. */
export interface NewEventRow extends EventFields {
  /** true: the id was generated here (random, so it cannot repeat: no id dedupe needed). */
  generatedId: boolean;
  /** JSON text of the forwarded provider headers. */
  headers: string | null;
  excludeWebhookId: string | null;
}

export interface AcceptVerdict {
  id: string;
  topic: string;
  createdAt: number;
  /** true: the id, Idempotency-Key or provider id was seen in the last 24 h; id/topic/createdAt are the first event's. */
  duplicate: boolean;
}

export interface StoredEvent extends EventFields {
  accountId: string;
  headers: Record<string, string> | null;
  createdAt: number;
  fannedOutAt: number | null;
  webhookIds: string[] | null;
  excludeWebhookId: string | null;
  /** Where it lives, so a reader can send it to the consumer or stamp it. */
  window: number;
  shard: number;
}

/** The keys a row may duplicate, asked of the previous window's object (findDuplicates). */
export interface DedupeProbe {
  /** Supplied event ids. */
  ids: string[];
  /** Idempotency-Keys. */
  idempotencyKeys: string[];
  /** `sourceId \u0000 provider id`. */
  sourceKeys: string[];
}

export interface FirstEvent {
  id: string;
  topic: string;
  createdAt: number;
}

export interface DedupeAnswer {
  ids: Record<string, FirstEvent>;
  idempotencyKeys: Record<string, FirstEvent>;
  sourceKeys: Record<string, FirstEvent>;
}

export interface FanoutStamp {
  eventId: string;
  webhookIds: string[];
}

export interface EventListFilter {
  topic?: string | undefined;
  channel?: string | undefined;
  sourceId?: string | undefined;
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
  /** Keyset: only events older than this (created_at DESC, id DESC order). */
  before?: { createdAt: number; id: string } | null | undefined;
  limit: number;
  includePayload?: boolean | undefined;
}
