import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { call, newAccount } from "../support/http";
import { newInbox } from "../support/receiver";

/** Shared by the delivery tests: accounts, webhooks, publishing, and driving a DO's clock. */
export type Account = Awaited<ReturnType<typeof newAccount>>;

export async function createWebhook(acct: Account, body: Record<string, unknown>) {
  const res = await call("POST", "/api/webhooks", { key: acct.key, body: { topics: ["*"], ...body } });
  if (res.status !== 201) throw new Error(`webhook create failed: ${res.status} ${res.text}`);
  return res.json as { id: string; secret: string; [k: string]: unknown };
}

export async function publish(acct: Account, topic: string, payload: unknown, extra: Record<string, unknown> = {}) {
  const res = await call("POST", "/api/events", { key: acct.key, body: { topic, payload, ...extra } });
  if (res.status !== 202) throw new Error(`publish failed: ${res.status} ${res.text}`);
  return res.json as { id: string; topic: string; createdAt: string; duplicate: boolean };
}

export const doStub = (webhookId: string) => env.WEBHOOK_DO.getByName(webhookId);

export interface DeliveryRowView {
  key: string;
  state: string;
  attempts: number;
  next_attempt_at: number;
}

export function deliveries(webhookId: string): Promise<DeliveryRowView[]> {
  return runInDurableObject(doStub(webhookId), (_instance, state) =>
    state.storage.sql.exec<{ key: string; state: string; attempts: number; next_attempt_at: number }>(`SELECT key, state, attempts, next_attempt_at FROM deliveries ORDER BY seq`).toArray(),
  );
}

/** Makes every waiting delivery due now and runs the alarm: a retry without waiting for the schedule. */
export async function runDueNow(webhookId: string): Promise<boolean> {
  const stub = doStub(webhookId);
  await runInDurableObject(stub, async (_instance, state) => {
    state.storage.sql.exec(`UPDATE deliveries SET next_attempt_at = 0 WHERE state IN ('pending', 'in_flight')`);
    // runDurableObjectAlarm only runs a scheduled alarm; make sure there is one.
    if ((await state.storage.getAlarm()) === null) await state.storage.setAlarm(Date.now() + 60_000);
  });
  return runDurableObjectAlarm(stub);
}

export interface CallView {
  id: string;
  webhook_id: string;
  event_id: string;
  topic: string;
  attempt: number;
  status: string;
  http_status: number | null;
  error: string | null;
  response_body: string | null;
  next_attempt_at: number | null;
  created_at: number;
}

/** The webhook's own call log (its object's `calls` table), oldest first. */
export function callRows(webhookId: string): Promise<CallView[]> {
  return runInDurableObject(doStub(webhookId), (_instance, state) =>
    state.storage.sql.exec<CallView & Record<string, SqlStorageValue>>(`SELECT * FROM calls ORDER BY created_at, attempt`).toArray(),
  );
}

/** The object's delivery health (kv `health`), as the last outcome left it. */
export function webhookHealth(webhookId: string) {
  return runInDurableObject(doStub(webhookId), (_instance, state) =>
    state.storage.kv.get("health") as { lastSuccessAt: number | null; lastFailureAt: number | null; failingSince: number | null } | undefined,
  );
}

export async function waitFor<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const waitForCalls = (webhookId: string, count: number, timeoutMs?: number) =>
  waitFor(`${count} call rows for ${webhookId}`, () => callRows(webhookId), (rows) => rows.length >= count, timeoutMs);

export const waitForDeliveryState = (webhookId: string, predicate: (rows: DeliveryRowView[]) => boolean, timeoutMs?: number) =>
  waitFor(`delivery state of ${webhookId}`, () => deliveries(webhookId), predicate, timeoutMs);

/**
 * Crashes one webhook's object the way a runtime failure would: in-memory state gone, storage and
 * alarm kept. abortAllDurableObjects() would do it for every object in the runtime, including the
 * ones a test file running in parallel is using (vitest runs two files at once), which hangs it.
 */
export async function crashObject(webhookId: string): Promise<void> {
  await runInDurableObject(doStub(webhookId), (_instance, state) => state.abort("test: simulated crash")).catch(() => undefined);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function webhookRow(id: string) {
  return env.DB.prepare(`SELECT status, disabled_reason, version FROM webhooks WHERE id = ?`)
    .bind(id)
    .first<{ status: string; disabled_reason: string | null; version: number }>();
}

export { call, newAccount };

/** Barrier: the event is stamped fanned out, so every enqueue of it to a webhook's object is done. */
export const waitFanout = (acct: Account, eventId: string) =>
  waitFor(`fan-out of ${eventId}`, () => call("GET", `/api/events/${eventId}`, { key: acct.key }), (r) => r.status === 200 && Boolean(r.json.fannedOutAt));

/** A second webhook on every topic with its own inbox: what must arrive before an absence is asserted. */
export async function barrierWebhook(acct: Account) {
  const inbox = await newInbox();
  await createWebhook(acct, { url: inbox.url, topics: ["*"] });
  return inbox;
}

/** The webhook's call rows have all reached the account-wide CallLog (its forward outbox is empty). */
export const waitForForwarded = (webhookId: string) =>
  waitFor(
    `call rows of ${webhookId} forwarded to the call index`,
    () => runInDurableObject(doStub(webhookId), (_i, state) => state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM call_forward`).one().n),
    (n) => n === 0,
  );
