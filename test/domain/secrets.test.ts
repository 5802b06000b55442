import { describe, expect, it } from "vitest";
import { liveSecrets, MAX_LIVE_SECRETS, revealSecrets, rotateSecrets, type SecretEntry } from "../../src/domain/secrets";
import { openSecrets, sealSecrets } from "../../src/signing/sealed-secrets";
import { sealJson } from "../../src/signing/seal";

const entry = (secret: string): SecretEntry => ({ secret, expiresAt: null });
const KEY = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)));

describe("secret rotation", () => {
  it("keeps previous secrets until the grace ends, never extending an earlier expiry", () => {
    const now = 1_000_000;
    const one = rotateSecrets([], entry("one"), 60, now);
    expect(one).toEqual([{ secret: "one", expiresAt: null }]);
    const two = rotateSecrets(one, entry("two"), 60, now);
    expect(two).toEqual([{ secret: "two", expiresAt: null }, { secret: "one", expiresAt: now + 60_000 }]);
    const three = rotateSecrets(two, entry("three"), 3600, now + 1000);
    expect(three).toEqual([
      { secret: "three", expiresAt: null },
      { secret: "two", expiresAt: now + 1000 + 3_600_000 },
      { secret: "one", expiresAt: now + 60_000 },
    ]);
    expect(liveSecrets(three, now + 61_000).map((s) => s.secret)).toEqual(["three", "two"]);
    expect(rotateSecrets(three, entry("four"), 0, now)).toEqual([{ secret: "four", expiresAt: null }]);
  });
});


describe("one secret list for webhooks and sources", () => {
  const now = 5_000_000;

  it("keeps at most MAX_LIVE_SECRETS, newest first, and never the new secret twice", () => {
    let list = rotateSecrets([], entry("s0"), 60, now);
    for (let i = 1; i <= 8; i++) list = rotateSecrets(list, entry(`s${i}`), 3600, now);
    expect(list.map((s) => s.secret)).toEqual(["s8", "s7", "s6", "s5", "s4"]);
    expect(list).toHaveLength(MAX_LIVE_SECRETS);
    expect(rotateSecrets(list, entry("s7"), 60, now).map((s) => s.secret)).toEqual(["s7", "s8", "s6", "s5", "s4"]);
  });

  it("keeps an ed25519 entry's public key through a rotation and drops already-expired entries", () => {
    const pair: SecretEntry = { secret: "whsk_a", publicKey: "whpk_a", expiresAt: null };
    const rotated = rotateSecrets([pair, { secret: "old", expiresAt: now - 1 }], { secret: "whsk_b", publicKey: "whpk_b", expiresAt: null }, 60, now);
    expect(rotated).toEqual([{ secret: "whsk_b", publicKey: "whpk_b", expiresAt: null }, { secret: "whsk_a", publicKey: "whpk_a", expiresAt: now + 60_000 }]);
  });

  it("reveals the current entry and only the rotated-out ones still live", () => {
    const list: SecretEntry[] = [entry("new"), { secret: "live", expiresAt: now + 1 }, { secret: "gone", expiresAt: now }];
    expect(revealSecrets(list, now)).toEqual({ current: entry("new"), previous: [{ secret: "live", expiresAt: now + 1 }] });
    expect(revealSecrets([], now)).toEqual({ current: null, previous: [] });
  });

  it("seals and opens a list, reads the plain string[] form, and leaves out entries of an unknown shape", async () => {
    const list: [SecretEntry, ...SecretEntry[]] = [{ secret: "a", publicKey: "pk", expiresAt: null }, { secret: "b", expiresAt: now }];
    expect(await openSecrets(await sealSecrets(list, KEY), KEY)).toEqual(list);
    expect(await openSecrets(await sealJson(["plain"], KEY), KEY)).toEqual([entry("plain")]);
    expect(await openSecrets(await sealJson([{ secret: "ok" }, { nope: 1 }, 42, { secret: 7 }], KEY), KEY)).toEqual([entry("ok")]);
    expect(await openSecrets(await sealJson({ not: "a list" }, KEY), KEY)).toEqual([]);
    expect(await openSecrets(null, KEY)).toEqual([]);
  });
});
