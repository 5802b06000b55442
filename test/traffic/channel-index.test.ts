import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { asFanoutMessage } from "../../src/delivery/messages";
import { newId } from "../../src/domain/ids";
import { shardOf, windowOf } from "../../src/traffic/partitions";
import { createWebhook } from "../delivery/helpers";
import { call, newAccount } from "../support/http";

/** The D1 channel index kept by triggers (migration 0003), and the queue message's partition. */
async function indexOf(webhookId: string): Promise<string[]> {
  const { results } = await env.DB.prepare(`SELECT channel FROM webhook_channels WHERE webhook_id = ? ORDER BY channel`).bind(webhookId).all<{ channel: string }>();
  return results.map((r) => r.channel);
}

describe.concurrent("webhook_channels", () => {
  it("follows a webhook's channels through create, update, soft delete and hard delete", async () => {
    const acct = await newAccount();
    const w = await createWebhook(acct, { url: "https://example.com/h", channels: ["a", "b", "a"] });
    expect(await indexOf(w.id)).toEqual(["a", "b"]);
    expect((await call("PUT", `/api/webhooks/${w.id}`, { key: acct.key, body: { channels: ["c"] } })).status).toBe(200);
    expect(await indexOf(w.id)).toEqual(["c"]);
    // No channels (null or []) means every channel: the '' row.
    await call("PUT", `/api/webhooks/${w.id}`, { key: acct.key, body: { channels: null } });
    expect(await indexOf(w.id)).toEqual([""]);
    await call("PUT", `/api/webhooks/${w.id}`, { key: acct.key, body: { channels: [] } });
    expect(await indexOf(w.id)).toEqual([""]);
    // A change of another field leaves the rows alone.
    await call("PUT", `/api/webhooks/${w.id}`, { key: acct.key, body: { channels: ["d"] } });
    await call("PUT", `/api/webhooks/${w.id}`, { key: acct.key, body: { description: "renamed" } });
    expect(await indexOf(w.id)).toEqual(["d"]);
    // Soft delete keeps them for a restore; the consumer's lookup joins deleted webhooks away.
    await call("DELETE", `/api/webhooks/${w.id}`, { key: acct.key });
    expect(await indexOf(w.id)).toEqual(["d"]);
    await env.DB.prepare(`DELETE FROM webhooks WHERE id = ?`).bind(w.id).run();
    expect(await indexOf(w.id)).toEqual([]);
  });
});

describe("fan-out messages", () => {
  it("carry their partition; an old message without one is placed from a generated id, or refused", () => {
    const now = Date.now();
    const id = newId("evt", 16, now);
    const current = { type: "fanout", accountId: "acc_1", eventId: "my-id", window: 20000, shard: 3 };
    expect(asFanoutMessage(current, 4)).toEqual(current);
    expect(asFanoutMessage({ type: "fanout", accountId: "acc_1", eventId: id }, 4)).toEqual({ type: "fanout", accountId: "acc_1", eventId: id, window: windowOf(now), shard: shardOf(id, 4) });
    expect(asFanoutMessage({ type: "fanout", accountId: "acc_1", eventId: "my-id" }, 4)).toBeNull();
    expect(asFanoutMessage({ type: "fanout", accountId: "acc_1", eventId: id, window: "x", shard: 0 }, 4)).toBeNull();
    expect(asFanoutMessage({ nonsense: true }, 4)).toBeNull();
  });
});
