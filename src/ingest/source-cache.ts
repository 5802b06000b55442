import type { SecretEntry } from "../domain/secrets";
import type { ResolvedRules, Source } from "../domain/source";
import { findLiveSource } from "../store/sources";
import { resolveRules, sourceSlug } from "./rules";
import { openSecrets } from "../signing/sealed-secrets";

/**
 * Per-isolate cache of live sources for the ingest hot path, with their secrets already decrypted
 * and their rules resolved, so an inbound request spends its one D1 round trip on storing the
 * event. Entries live `TTL_MS`; the management API calls `forgetSource` after every change (and
 * `forgetAccountSources` when an account is deleted), so the isolate that made a change sees it
 * at once and every other isolate within the TTL (a deleted or paused source, or one of a deleted
 * account, may still accept events for up to 30 s elsewhere; a rotated-out secret is honoured for
 * its grace period anyway).
 *
 * Misses are cached for a shorter time so a flood of requests to an unknown id does not become a
 * flood of D1 reads. Only settled values are cached, never a lookup in flight: a request awaiting
 * a promise that another request's I/O settles is cancelled by workerd as hung, so concurrent
 * misses each do their own read (once per source per TTL, at most a handful).
 */
export interface IngestSource {
  source: Source;
  secrets: SecretEntry[];
  rules: ResolvedRules;
  /** Lowercase header names to pass on to subscribers. */
  forwardHeaders: string[];
  /** Prefix for provider topics that fall in hookrelay's own namespaces (see toTopicName). */
  topicPrefix: string;
}

const TTL_MS = 30_000;
const MISS_TTL_MS = 2_000;
const MAX_ENTRIES = 5_000;

interface Entry {
  value: IngestSource | null;
  expiresAt: number;
}
const cache = new Map<string, Entry>();
/** Bumped by forgetSource, so a read that started before a change cannot cache stale data. */
const generations = new Map<string, number>();
/** Bumped by forgetAccountSources: a read in flight during an account deletion is not cached. */
let accountGeneration = 0;

async function load(db: D1Database, id: string, encryptionKey: string): Promise<IngestSource | null> {
  const source = await findLiveSource(db, id);
  if (!source) return null;
  return {
    source,
    secrets: await openSecrets(source.sealedSecrets, encryptionKey),
    rules: resolveRules(source),
    forwardHeaders: (source.forwardHeaders ?? []).map((h) => h.toLowerCase()),
    topicPrefix: sourceSlug(source.name),
  };
}

export async function cachedIngestSource(db: D1Database, id: string, encryptionKey: string, nowMs: number): Promise<IngestSource | null> {
  const hit = cache.get(id);
  if (hit && hit.expiresAt > nowMs) return hit.value;

  const generation = generations.get(id) ?? 0;
  const startedAccountGeneration = accountGeneration;
  const value = await load(db, id, encryptionKey);
  if ((generations.get(id) ?? 0) === generation && accountGeneration === startedAccountGeneration) {
    if (cache.size >= MAX_ENTRIES) {
      // Insertion order approximates age; dropping the oldest tenth keeps this O(1) amortised.
      let drop = Math.ceil(MAX_ENTRIES / 10);
      for (const key of cache.keys()) {
        if (drop-- <= 0) break;
        cache.delete(key);
      }
    }
    cache.set(id, { value, expiresAt: nowMs + (value ? TTL_MS : MISS_TTL_MS) });
  }
  return value;
}

/** Called by the sources API after any change to the source. */
export function forgetSource(id: string): void {
  cache.delete(id);
  if (generations.size >= MAX_ENTRIES) generations.clear();
  generations.set(id, (generations.get(id) ?? 0) + 1);
}

/** Called when an account is deleted: every cached source of it is dropped in this isolate. */
export function forgetAccountSources(accountId: string): void {
  accountGeneration++;
  for (const [id, entry] of cache) {
    if (entry.value?.source.accountId === accountId) forgetSource(id);
  }
}
