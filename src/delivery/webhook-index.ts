import type { Webhook } from "../domain/webhook";
import { channelKeyOf, webhooksByChannel, type ChannelKey } from "../store/webhook-channels";

/**
 * The consumer's matching index, cached per isolate: for an (account, channel) the webhooks that
 * can want its events (those on the channel, plus the channel-less ones under channel ''), read
 * from D1's `webhook_channels` on a miss. An account with 10,000 webhooks each on its own channel
 * thus costs one small lookup per channel per TTL, not 10,000 rows per batch; a cache hit costs no
 * D1 statement at all.
 *
 * Staleness is bounded by WEBHOOK_INDEX_TTL_MS: a webhook created (or given a new channel) in
 * another isolate starts receiving within that time. A pause, a delete or a topic change takes
 * effect at once anyway: the webhook's Durable Object checks each job against its own newest
 * config (webhookWants). The isolate that makes a change forgets the account's entries at once
 * (forgetAccountIndex, called by syncWebhook).
 */
export const WEBHOOK_INDEX_TTL_MS = 5_000;
/** Cached (account, channel) entries, across accounts; the least recently refreshed account goes first. */
const MAX_ENTRIES = 20_000;

interface Entry {
  webhooks: Webhook[];
  fetchedAt: number;
}

const byAccount = new Map<string, Map<string, Entry>>();
let entries = 0;

export const webhookIndexStats = { hits: 0, misses: 0, lookups: 0 };

/** The candidate webhooks for each key (keyed by channelKeyOf); misses and expired entries in one D1 statement. */
export async function candidateWebhooks(db: D1Database, keys: readonly ChannelKey[], nowMs: number): Promise<Map<string, Webhook[]>> {
  const out = new Map<string, Webhook[]>();
  const missing: ChannelKey[] = [];
  const seen = new Set<string>();
  for (const k of keys) {
    const key = channelKeyOf(k);
    if (seen.has(key)) continue;
    seen.add(key);
    const entry = byAccount.get(k.accountId)?.get(k.channel);
    // An entry fetched "after" nowMs (a caller with an older clock) is fresh for it too.
    if (entry && nowMs - entry.fetchedAt < WEBHOOK_INDEX_TTL_MS) {
      webhookIndexStats.hits += 1;
      out.set(key, entry.webhooks);
    } else {
      webhookIndexStats.misses += 1;
      missing.push(k);
    }
  }
  if (missing.length) {
    webhookIndexStats.lookups += 1;
    const fetched = await webhooksByChannel(db, missing);
    for (const k of missing) {
      const webhooks = fetched.get(channelKeyOf(k)) ?? [];
      remember(k, { webhooks, fetchedAt: nowMs });
      out.set(channelKeyOf(k), webhooks);
    }
  }
  return out;
}

/** Drops an account's cached entries: its config just changed in this isolate. */
export function forgetAccountIndex(accountId: string): void {
  const channels = byAccount.get(accountId);
  if (!channels) return;
  entries -= channels.size;
  byAccount.delete(accountId);
}

function remember(k: ChannelKey, entry: Entry): void {
  let channels = byAccount.get(k.accountId);
  if (channels) byAccount.delete(k.accountId); // re-inserted below: most recent last
  else channels = new Map();
  if (!channels.has(k.channel)) entries += 1;
  channels.set(k.channel, entry);
  byAccount.set(k.accountId, channels);
  for (const [accountId, oldest] of byAccount) {
    if (entries <= MAX_ENTRIES || accountId === k.accountId) break;
    entries -= oldest.size;
    byAccount.delete(accountId);
  }
}
