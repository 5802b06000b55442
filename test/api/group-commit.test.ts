import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { acceptGrouped, groupCommitLimits, groupCommitState, groupCommitStats } from "../../src/accepting/group-commit";
import { createSource, eventsOf, hmacHex, postIn } from "../ingest/helpers";
import { storedEvent, storedEvents } from "../support/events";
import { call, newAccount } from "../support/http";

/**
 * Group commit (src/accepting/group-commit.ts): concurrent accepting requests share one EventStore
 * round trip, and each still gets its partition's own verdict for its event. Not `describe.concurrent`: the round
 * counts below are read from this isolate's counters.
 */
async function storedPayloads(accountId: string, ids: string[]): Promise<string[]> {
  const events = await Promise.all(ids.map((id) => storedEvent(accountId, id)));
  return events.flatMap((e) => (e ? [e.payload] : []));
}

describe("group commit", () => {
  it("answers each of 120 concurrent publishes with its own stored event, in fewer round trips than requests", async () => {
    const { id: accountId, key } = await newAccount("group commit");
    const n = 120;
    const before = { ...groupCommitStats };
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => call("POST", "/api/events", { key, body: { topic: "gc.test", payload: { i } } })),
    );
    expect(results.filter((r) => r.status !== 202).map((r) => r.text)).toEqual([]);
    const ids = results.map((r) => r.json.id as string);
    expect(new Set(ids).size).toBe(n);
    expect(results.every((r) => r.json.duplicate === false)).toBe(true);
    const payloads = await storedPayloads(accountId, ids);
    expect(payloads.map((p) => JSON.parse(p).i).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    // Shared rounds: every request was counted, in fewer rounds than requests.
    const rounds = groupCommitStats.rounds - before.rounds;
    expect(groupCommitStats.requests - before.requests).toBe(n);
    expect(rounds).toBeGreaterThan(0);
    expect(rounds).toBeLessThan(n);
    expect(groupCommitState()).toEqual({ onTheirWay: 0, waiting: 0, writing: false });
  });

  it("stores one event when concurrent publishes share an id or an Idempotency-Key; the others are told duplicate", async () => {
    const { id: accountId, key } = await newAccount("group commit dupes");
    const byId = await Promise.all(
      Array.from({ length: 12 }, (_, i) => call("POST", "/api/events", { key, body: { id: "order-42", topic: "gc.dupe", payload: { i } } })),
    );
    expect(byId.map((r) => r.status)).toEqual(Array(12).fill(202));
    expect(byId.filter((r) => r.json.duplicate === false)).toHaveLength(1);
    expect(new Set(byId.map((r) => r.json.id))).toEqual(new Set(["order-42"]));

    const byKey = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call("POST", "/api/events", { key, headers: { "idempotency-key": "retry-7" }, body: { topic: "gc.dupe", payload: { i } } }),
      ),
    );
    expect(byKey.filter((r) => r.json.duplicate === false)).toHaveLength(1);
    const first = byKey.find((r) => r.json.duplicate === false)!.json;
    // Every duplicate answers with the one stored event's id and time.
    for (const r of byKey) expect(r.json).toMatchObject({ id: first.id, createdAt: first.createdAt });
    expect(await storedEvents(accountId, { topic: "gc.dupe" })).toHaveLength(2);
  });

  it("stores one event per provider id for concurrent inbound requests", async () => {
    const acct = await newAccount("group commit inbound");
    const secret = "gc-inbound-secret";
    const source = await createSource(acct, {
      name: "concurrent provider", topic: { value: "gc.inbound" }, dedupe: { path: "id" },
      verification: { type: "hmac", header: "X-Signature", prefix: "sha256=", encoding: "hex" }, secret,
    });
    const bodies = Array.from({ length: 30 }, (_, i) => JSON.stringify({ id: `prov-${i % 10}`, n: i }));
    const results = await Promise.all(
      bodies.map(async (body) => postIn(source.id, body, { "content-type": "application/json", "X-Signature": `sha256=${await hmacHex(secret, body)}` })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(30).fill(200));
    expect(results.filter((r) => !r.json.duplicate)).toHaveLength(10);
    expect((await eventsOf(source.id)).map((e) => JSON.parse(e.payload).id).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `prov-${i}`).sort());
  });

  it("leaves nothing behind when requests fail before or after joining a round", async () => {
    const { key } = await newAccount("group commit failures");
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => call("POST", "/api/events", { key, body: { topic: "", payload: {} } })), // 422
      ...Array.from({ length: 5 }, () => call("POST", "/api/events", { key, rawBody: "{not json", headers: { "content-type": "application/json" } })), // 400
      ...Array.from({ length: 5 }, () => call("POST", "/api/events", { key: "hr_wrong", body: { topic: "gc.fail", payload: {} } })), // 401
      ...Array.from({ length: 5 }, (_, i) => call("POST", "/api/events", { key, body: { topic: "gc.fail", payload: { i } } })),
    ]);
    expect(results.map((r) => r.status)).toEqual([...Array(5).fill(422), ...Array(5).fill(400), ...Array(5).fill(401), ...Array(5).fill(202)]);
    expect(groupCommitState()).toEqual({ onTheirWay: 0, waiting: 0, writing: false });
    // A lone publish afterwards is written at once, not held back for requests that never came.
    const lone = await call("POST", "/api/events", { key, body: { topic: "gc.fail", payload: "alone" } });
    expect(lone.status).toBe(202);
  });

  it("stores a round of large payloads (6 × ~250 KB in one accept) with payloads intact", async () => {
    const { id: accountId, key } = await newAccount("group commit large");
    const events = Array.from({ length: 6 }, (_, i) => ({ topic: "gc.large", payload: { i, blob: String(i).repeat(250_000) } }));
    const res = await call("POST", "/api/events/batch", { key, body: { events } });
    expect(res.status, res.text).toBe(202);
    const ids = res.json.data.map((d: { id: string }) => d.id);
    const payloads = await storedPayloads(accountId, ids);
    expect(payloads).toHaveLength(6);
    for (const p of payloads) {
      const { i, blob } = JSON.parse(p);
      expect(blob).toBe(String(i).repeat(250_000));
    }
  });
});

describe("group commit: a round that never finishes", () => {
  it("fails only that round's requests after roundStuckMs, and the next publish is stored", async () => {
    const { id: accountId, key } = await newAccount("group commit stuck");
    // A partition whose accept never settles: what a round sees when its leader's context is torn down.
    const hung = { getByName: () => ({ accept: () => new Promise(() => {}) }) };
    const stuckEnv = { ...env, EVENT_STORE: hung } as unknown as Env;
    const saved = groupCommitLimits.roundStuckMs;
    groupCommitLimits.roundStuckMs = 100;
    try {
      const event = { topic: "gc.stuck", payload: "{}", contentType: "application/json" };
      const results = await Promise.allSettled([
        acceptGrouped(stuckEnv, { waitUntil: () => {} }, [{ accountId: "acc_stuck", event }]),
        acceptGrouped(stuckEnv, { waitUntil: () => {} }, [{ accountId: "acc_stuck", event }]),
      ]);
      for (const r of results) {
        expect(r.status).toBe("rejected");
        expect(String((r as PromiseRejectedResult).reason)).toMatch(/did not finish within 100 ms/);
      }
      expect(groupCommitState()).toEqual({ onTheirWay: 0, waiting: 0, writing: false });
    } finally {
      groupCommitLimits.roundStuckMs = saved;
    }
    const after = await call("POST", "/api/events", { key, body: { topic: "gc.stuck", payload: { ok: true } } });
    expect(after.status).toBe(202);
    expect(await storedPayloads(accountId, [after.json.id])).toEqual(['{"ok":true}']);
  });
});
