import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { acceptEvents, type IncomingEvent } from "../../src/accepting/accept";
import { WINDOW_MS } from "../../src/traffic/partitions";
import { call, newAccount } from "../support/http";

/**
 * GET /api/events across partitions: newest window first, older windows only while the page is not
 * full, cursors `(createdAt, id)` that stay put while new events arrive.
 */
const ev = (n: number, extra: Partial<IncomingEvent> = {}): IncomingEvent => ({ topic: "list.test", payload: JSON.stringify({ n }), contentType: "application/json", ...extra });

async function pages(key: string, query: string, between?: () => Promise<void>): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let count = 0;
  do {
    const res = await call("GET", `/api/events?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { key });
    expect(res.status, res.text).toBe(200);
    ids.push(...res.json.data.map((e: { id: string }) => e.id));
    cursor = res.json.nextCursor;
    count += 1;
    if (between) await between();
  } while (cursor && count < 50);
  return { ids, pages: count };
}

describe.concurrent("GET /api/events across windows", () => {
  it("pages newest first through three days of events, unmoved by events published meanwhile", async () => {
    const acct = await newAccount();
    const now = Date.now();
    const expected: { id: string; createdAt: number }[] = [];
    for (const [day, count] of [[2, 3], [1, 4], [0, 3]] as const) {
      const at = now - day * WINDOW_MS - 10_000;
      // Several events share one millisecond: the id breaks the tie, in the cursor too.
      const accepted = await acceptEvents(env, acct.id, Array.from({ length: count }, (_, i) => ev(i, { id: `d${day}-e${i}` })), at);
      expected.push(...accepted.map((a) => ({ id: a.id, createdAt: a.createdAt })));
    }
    expected.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));

    let published = 0;
    const { ids, pages: n } = await pages(acct.key, "limit=3", async () => {
      published += 1;
      await acceptEvents(env, acct.id, [ev(100 + published, { id: `new-${published}` })]);
    });
    expect(ids).toEqual(expected.map((e) => e.id));
    expect(n).toBe(4);
    // The new events are there for a fresh listing, newest first.
    const fresh = await call("GET", "/api/events?limit=100", { key: acct.key });
    expect(fresh.json.data.slice(0, published).map((e: { id: string }) => e.id)).toEqual(Array.from({ length: published }, (_, i) => `new-${published - i}`));
    expect(fresh.json.data).toHaveLength(expected.length + published);
  });

  it("applies since and until across windows, and filters inside each partition", async () => {
    const acct = await newAccount();
    const now = Date.now();
    await acceptEvents(env, acct.id, [ev(1, { id: "old", channel: "c1" })], now - 3 * WINDOW_MS);
    await acceptEvents(env, acct.id, [ev(2, { id: "mid", channel: "c2" })], now - 2 * WINDOW_MS);
    await acceptEvents(env, acct.id, [ev(3, { id: "recent", channel: "c1" }), ev(4, { id: "other-topic", topic: "list.other" })], now - WINDOW_MS);
    const window = `since=${now - 2 * WINDOW_MS}&until=${now - WINDOW_MS + 1}`;
    expect((await pages(acct.key, `limit=1&${window}`)).ids).toEqual(["recent", "other-topic", "mid"]);
    expect((await pages(acct.key, `limit=10&${window}&topic=list.test`)).ids).toEqual(["recent", "mid"]);
    expect((await pages(acct.key, "limit=10&channel=c1")).ids).toEqual(["recent", "old"]);
    const withPayload = await call("GET", "/api/events?limit=1&includePayload=true", { key: acct.key });
    expect(withPayload.json.data[0].payload).toEqual({ n: 3 });
    const without = await call("GET", "/api/events?limit=1", { key: acct.key });
    expect(without.json.data[0]).not.toHaveProperty("payload");
    // until before every partition: nothing, and no error.
    expect((await pages(acct.key, `until=${now - 10 * WINDOW_MS}`)).ids).toEqual([]);
  });
});
