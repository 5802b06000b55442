/**
 * Every CryptoKey the isolate imports, in one bounded least-recently-used map: HMAC keys for
 * signing deliveries and checking providers' signatures, Ed25519 private keys, and the keys derived
 * from ENCRYPTION_KEY. importKey is the costly part of one signature, and an isolate signs or checks
 * with the same few secrets again and again (a webhook's object signs every attempt with one or two).
 *
 * The bound: an entry holds its id (the secret, at most 1 KiB for a source, under 100 bytes for a
 * whsec_) and a key handle, so 1000 entries stay near 1 MB of the isolate's 128 MB, while covering
 * hundreds of webhooks or sources in one isolate, each with a secret in rotation beside its current
 * one. Past it the least recently used key is dropped and imported again if it comes back.
 */
export const MAX_CACHED_KEYS = 1000;

export class KeyCache {
  private readonly keys = new Map<string, Promise<CryptoKey>>();

  constructor(readonly maxKeys: number) {}

  /**
   * The key cached under `id`, else `importKey()`'s, cached. `id` must name the algorithm and the
   * key encoding as well as the secret. Callers arriving during an import share it; an import that
   * fails (throwing or rejecting) is dropped, so a later call tries again.
   */
  get(id: string, importKey: () => Promise<CryptoKey>): Promise<CryptoKey> {
    const hit = this.keys.get(id);
    if (hit) {
      // Re-inserted, so the map's insertion order is least-recently-used order.
      this.keys.delete(id);
      this.keys.set(id, hit);
      return hit;
    }
    const key = (async () => importKey())();
    key.catch(() => {
      if (this.keys.get(id) === key) this.keys.delete(id);
    });
    this.keys.set(id, key);
    while (this.keys.size > this.maxKeys) this.keys.delete(this.keys.keys().next().value!);
    return key;
  }

  get size(): number {
    return this.keys.size;
  }
}

const isolateKeys = new KeyCache(MAX_CACHED_KEYS);

export const cachedKey = (id: string, importKey: () => Promise<CryptoKey>): Promise<CryptoKey> => isolateKeys.get(id, importKey);

/** How many keys the isolate holds now (tests check the bound with it). */
export const cachedKeyCount = (): number => isolateKeys.size;
