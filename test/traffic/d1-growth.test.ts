import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createWebhook, publish, waitFor } from "../delivery/helpers";
import { storedEvents } from "../support/events";
import { newAccount } from "../support/http";
import { newInbox } from "../support/receiver";

/**
 * Issue 10 item 1: publishing and fanning out events writes nothing to D1 per event. The row count
 * of every D1 table is the same before and after N events are published and delivered (after one
 * warm-up event has made today's partition and its registry row).
 *
 * `calls` is left out: the call log is the other half of this work (it moves into the webhooks'
 * Durable Objects), and is not written by the event path.
 */
const NOT_EVENT_PATH = new Set(["calls", "d1_migrations", "sqlite_sequence", "_cf_KV", "_cf_METADATA"]);

/** Rows of every table that belong to the account (other test files may share the database). */
async function rowCounts(accountId: string): Promise<Record<string, number>> {
  const tables = await env.DB.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all<{ name: string }>();
  const counts: Record<string, number> = {};
  for (const { name } of tables.results) {
    if (NOT_EVENT_PATH.has(name)) continue;
    const columns = (await env.DB.prepare(`SELECT name FROM pragma_table_info(?)`).bind(name).all<{ name: string }>()).results.map((c) => c.name);
    const where = columns.includes("account_id") ? "account_id = ?1" : name === "accounts" ? "id = ?1" : columns.includes("body") ? "instr(body, ?1) > 0" : "?1 IS NOT NULL";
    counts[name] = (await env.DB.prepare(`SELECT COUNT(*) AS n FROM "${name}" WHERE ${where}`).bind(accountId).first<{ n: number }>())!.n;
  }
  return counts;
}

describe("D1 and the event path", () => {
  it("does not grow by a row while 40 events are published to 3 webhooks and delivered", async () => {
    const acct = await newAccount();
    const inbox = await newInbox();
    for (let i = 0; i < 3; i++) await createWebhook(acct, { url: `${inbox.url}/${i}`, topics: ["message.*"] });
    await publish(acct, "message.received", { warmup: true });
    await inbox.waitFor(3);

    const before = await rowCounts(acct.id);
    expect(before.event_partitions).toBeGreaterThan(0);
    const n = 40;
    for (let i = 0; i < n; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => publish(acct, "message.received", { i: i + j })));
    await inbox.waitFor(3 * (n + 1), 20_000);
    await waitFor("every event stamped", () => storedEvents(acct.id), (es) => es.length === n + 1 && es.every((e) => e.fannedOutAt !== null));
    expect(await rowCounts(acct.id)).toEqual(before);
  });
});
