// The bench build's entry (bench/worker/entry.ts): its counters and probes against the real local
// D1 and Durable Objects, and the production Worker answering none of its routes.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import * as benchEntry from "../../bench/worker/entry";
import benchWorker from "../../bench/worker/entry";
import { WebhookDO as WebhookDOBase } from "../../src";
import { countedClasses } from "../../bench/worker/counting-do";
import { countingEnv, uncountedEnv } from "../../bench/worker/counting-env";
import { ADMIN_KEY, call, newAccount } from "../support/http";
import { storeEvent as storeStoredEvent } from "../support/events";
import { eventStore } from "../../src/traffic/events";

async function bench(method: string, path: string, key: string | null = ADMIN_KEY) {
  const ctx = createExecutionContext();
  const res = await benchWorker.fetch(new Request(`http://hookrelay.test${path}`, { method, headers: key ? { "x-api-key": key } : {} }), env, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, json: (await res.json()) as any };
}

async function storeEvent(accountId: string, id: string, createdAt: number, fannedOutAt: number | null) {
  const placed = await storeStoredEvent(accountId, { id, topic: "bench.probe", payload: {}, createdAt });
  if (fannedOutAt !== null) await eventStore(env, accountId, placed.window, placed.shard).stamp([{ eventId: id, webhookIds: [] }], fannedOutAt);
}

describe("bench entry", () => {
  it("serves /bench/* itself and hands everything else to the production app", async () => {
    expect((await bench("POST", "/bench/noop")).status).toBe(202);
    expect((await bench("GET", "/healthz")).json.ok).toBe(true);
    expect((await bench("GET", "/bench/nope")).status).toBe(404);
    // The production Worker has no bench routes.
    expect((await call("POST", "/bench/noop")).status).toBe(404);
    expect((await call("GET", "/bench/stats")).status).toBe(404);
  });

  it("counts D1 statements and round trips of what runs through it", async () => {
    expect((await bench("POST", "/bench/stats/reset")).status).toBe(200);
    await bench("POST", "/bench/d1-read");
    await bench("POST", "/bench/d1-write");
    const stats = (await bench("GET", "/bench/stats")).json;
    expect(stats.d1.statements).toBe(2);
    expect(stats.d1.roundTrips).toBe(2);
    expect(stats.d1.bySql).toMatchObject({ "SELECT": 1, "UPDATE accounts": 1 });
    expect((await bench("GET", "/bench/stats", null)).status).toBe(401);
  });

  it("wraps every Durable Object class the config binds, under its production name", async () => {
    expect([...countedClasses].sort()).toEqual(["CallLog", "EventStore", "ListenSession", "WebhookDO"]);
    expect((await bench("GET", "/bench/stats")).json.countedClasses.sort()).toEqual(["CallLog", "EventStore", "ListenSession", "WebhookDO"]);
    expect(benchEntry.WebhookDO.prototype).toBeInstanceOf(WebhookDOBase);
  });

  it("counts calls through a Durable Object stub, by binding and method, and keeps one wrapped env per env", async () => {
    await bench("POST", "/bench/stats/reset");
    const counted = countingEnv(env);
    expect(countingEnv(env)).toBe(counted);
    expect(countingEnv(counted)).toBe(counted);
    expect(uncountedEnv(counted)).toBe(env);
    const status = await counted.WEBHOOK_DO.getByName("wh_bench_probe").queueStatus();
    expect(status).toMatchObject({ pending: 0 });
    const stats = (await bench("GET", "/bench/stats")).json;
    expect(stats.durableObjects.WEBHOOK_DO).toEqual({ calls: 1, byMethod: { queueStatus: 1 } });
  });

  it("reports unfanned events and event times for one account, since a time", async () => {
    const a = await newAccount("bench probe a");
    const b = await newAccount("bench probe b");
    const t = Date.now();
    await storeEvent(a.id, "bp_1", t - 60_000, t - 59_000);
    await storeEvent(a.id, "bp_2", t, null);
    await storeEvent(a.id, "bp_3", t + 1, null);
    await storeEvent(b.id, "bp_4", t, null);
    expect((await bench("GET", `/bench/unfanned?account=${a.id}`)).json).toEqual({ count: 2 });
    expect((await bench("GET", `/bench/unfanned?account=${b.id}`)).json).toEqual({ count: 1 });
    const times = (await bench("GET", `/bench/event-times?account=${a.id}&since=${t - 1000}&prefix=bp_`)).json.data;
    expect(times.sort((x: any, y: any) => x.id.localeCompare(y.id))).toEqual([
      { id: "bp_2", createdAt: t, fannedOutAt: null },
      { id: "bp_3", createdAt: t + 1, fannedOutAt: null },
    ]);
    const all = (await bench("GET", `/bench/event-times?account=${a.id}&prefix=bp_1`)).json.data;
    expect(all).toEqual([{ id: "bp_1", createdAt: t - 60_000, fannedOutAt: t - 59_000 }]);
    expect((await bench("GET", `/bench/event-times?account=${a.id}`)).status).toBe(422);
    // The probes read uncounted: they are the harness's statements, not the product's.
    await bench("POST", "/bench/stats/reset");
    await bench("GET", `/bench/unfanned?account=${a.id}`);
    const s = (await bench("GET", "/bench/stats")).json.d1;
    expect(s.statements, JSON.stringify(s.bySql)).toBe(0);
  });
});
