import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createSource, postIn } from "../ingest/helpers";
import { call, newAccount } from "../support/http";
import { storedEvents } from "../support/events";
import { newInbox } from "../support/receiver";

/** After DELETE /api/accounts/{id}, nothing the account owned keeps working. */

const stub = (webhookId: string) => env.WEBHOOK_DO.getByName(webhookId);

/** Makes waiting deliveries due now and runs the object's alarm (a retry without the wait). */
async function runDueNow(webhookId: string) {
  await runInDurableObject(stub(webhookId), async (_i, state) => {
    state.storage.sql.exec(`UPDATE deliveries SET next_attempt_at = 0 WHERE state IN ('pending', 'in_flight')`);
    if ((await state.storage.getAlarm()) === null) await state.storage.setAlarm(Date.now() + 60_000);
  });
  await runDurableObjectAlarm(stub(webhookId));
}

const attemptsOf = (webhookId: string) =>
  runInDurableObject(stub(webhookId), (_i, state) => state.storage.sql.exec<{ attempts: number }>(`SELECT attempts FROM deliveries`).toArray().map((r) => r.attempts));

async function failingWebhook(acct: { key: string }) {
  const inbox = await newInbox({ fallback: { status: 500 } });
  const res = await call("POST", "/api/webhooks", { key: acct.key, body: { url: inbox.url, topics: ["*"], delivery: { retrySchedule: [3600, 3600] } } });
  expect(res.status, res.text).toBe(201);
  const published = await call("POST", "/api/events", { key: acct.key, body: { topic: "gone.test", payload: { n: 1 } } });
  expect(published.status).toBe(202);
  await inbox.waitFor(1);
  return { id: res.json.id as string, inbox };
}

describe("DELETE /api/accounts/{id}", () => {
  it("makes its sources answer 404 at once, even right after they were cached", async () => {
    const acct = await newAccount("doomed sources");
    const source = await createSource(acct, { name: "Doomed", verification: { type: "none" }, topic: { value: "doomed.event" } });
    // Served once, so this isolate has the source cached.
    expect((await postIn(source.id, "{}", { "content-type": "application/json" })).status).toBe(200);

    expect((await call("DELETE", `/api/accounts/${acct.id}`)).status).toBe(200);
    const after = await postIn(source.id, "{}", { "content-type": "application/json" });
    expect(after.status, after.text).toBe(404);
    expect(await storedEvents(acct.id, { sourceId: source.id })).toHaveLength(1);
  });

  it("refuses a source of a deleted account even if the source row was left live", async () => {
    const acct = await newAccount("half deleted");
    const source = await createSource(acct, { name: "Left live", verification: { type: "none" } });
    // An account deleted before sources were deleted with it: only the account row says so.
    await env.DB.prepare("UPDATE accounts SET deleted_at = ? WHERE id = ?").bind(Date.now(), acct.id).run();
    expect((await postIn(source.id, "{}", { "content-type": "application/json" })).status).toBe(404);
  });

  it("revokes its keys", async () => {
    const acct = await newAccount("doomed keys");
    expect((await call("GET", "/api/webhooks", { key: acct.key })).status).toBe(200);
    expect((await call("DELETE", `/api/accounts/${acct.id}`)).status).toBe(200);
    expect((await call("GET", "/api/webhooks", { key: acct.key })).status).toBe(401);
  });

  it("holds its webhooks' waiting deliveries while other accounts' retries go on", async () => {
    const doomed = await newAccount("doomed webhooks");
    const other = await newAccount("bystander");
    const gone = await failingWebhook(doomed);
    const live = await failingWebhook(other);

    expect((await call("DELETE", `/api/accounts/${doomed.id}`)).status).toBe(200);
    await runDueNow(gone.id);
    await runDueNow(live.id);
    // The barrier: the bystander's retry arrives.
    await live.inbox.waitFor(2);
    expect(await gone.inbox.requests()).toHaveLength(1);
    // Held, not dropped: still one attempt made, still waiting.
    expect(await attemptsOf(gone.id)).toEqual([1]);
  });
});
