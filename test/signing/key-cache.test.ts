import { beforeAll, describe, expect, it } from "vitest";
import { hmac, hmacKey, UTF8_KEY } from "../../src/signing/hmac";
import { cachedKeyCount, KeyCache } from "../../src/signing/key-cache";
import { toHex, utf8 } from "../../src/lib/encoding";

let key: CryptoKey;
beforeAll(async () => {
  key = await crypto.subtle.importKey("raw", utf8("k"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
});

/** An import that counts its calls. */
function counting() {
  const calls: string[] = [];
  return { calls, importFor: (id: string) => () => (calls.push(id), Promise.resolve(key)) };
}

describe("KeyCache", () => {
  it("imports a key once and hands the same promise to every caller, including ones arriving mid-import", async () => {
    const cache = new KeyCache(10);
    const { calls, importFor } = counting();
    const first = cache.get("a", importFor("a"));
    const second = cache.get("a", importFor("a"));
    expect(second).toBe(first);
    expect(await first).toBe(key);
    expect(cache.get("a", importFor("a"))).toBe(first);
    expect(calls).toEqual(["a"]);
  });

  it("drops the least recently used key past its bound; a hit counts as a use", async () => {
    const cache = new KeyCache(3);
    const { calls, importFor } = counting();
    for (const id of ["a", "b", "c"]) await cache.get(id, importFor(id));
    await cache.get("a", importFor("a")); // a is now the most recent; b the least
    await cache.get("d", importFor("d"));
    expect(cache.size).toBe(3);
    for (const id of ["a", "c", "d"]) await cache.get(id, importFor(id));
    expect(calls).toEqual(["a", "b", "c", "d"]);
    await cache.get("b", importFor("b"));
    expect(calls).toEqual(["a", "b", "c", "d", "b"]);
    expect(cache.size).toBe(3);
  });

  it("forgets an import that rejects or throws, so the next call tries again", async () => {
    const cache = new KeyCache(10);
    await expect(cache.get("bad", () => Promise.reject(new Error("not a key")))).rejects.toThrow("not a key");
    await expect(cache.get("throws", () => { throw new Error("cannot decode"); })).rejects.toThrow("cannot decode");
    expect(cache.size).toBe(0);
    expect(await cache.get("bad", () => Promise.resolve(key))).toBe(key);
    expect(cache.size).toBe(1);
  });

  it("a late failure does not drop a newer entry under the same id", async () => {
    const cache = new KeyCache(1);
    let fail!: (e: Error) => void;
    const slow = cache.get("x", () => new Promise<CryptoKey>((_, reject) => (fail = reject)));
    await cache.get("y", () => Promise.resolve(key)); // evicts x while its import is pending
    const fresh = cache.get("x", () => Promise.resolve(key)); // evicts y
    fail(new Error("late"));
    await expect(slow).rejects.toThrow("late");
    expect(cache.get("x", () => Promise.reject(new Error("should be cached")))).toBe(fresh);
  });
});

describe("the isolate's HMAC keys", () => {
  it("keeps keys of different encodings or algorithms apart, and MACs match a fresh import", async () => {
    const before = cachedKeyCount();
    const raw = await hmacKey("sha256", "key-cache-test-secret");
    const sha1 = await hmacKey("sha1", "key-cache-test-secret");
    const reversed = await hmacKey("sha256", "key-cache-test-secret", { kind: "reversed", decode: (s) => utf8([...s].reverse().join("")) });
    expect(new Set([raw, sha1, reversed]).size).toBe(3);
    expect(await hmacKey("sha256", "key-cache-test-secret", UTF8_KEY)).toBe(raw);
    expect(cachedKeyCount()).toBe(before + 3);

    const direct = await crypto.subtle.importKey("raw", utf8("key-cache-test-secret"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const expected = toHex(new Uint8Array(await crypto.subtle.sign("HMAC", direct, utf8("body"))));
    expect(toHex(await hmac(raw, utf8("body")))).toBe(expected);
  });
});
