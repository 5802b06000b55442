import { DurableObject } from "cloudflare:workers";
import type { CallRecord, CallStatus } from "../domain/event";
import { newId } from "../domain/ids";
import { isMetaTopic } from "../domain/topics";
import { classifyAttempt, nextDelayMs, shouldAutoDisable } from "../domain/retry";
import type { SigningSecret, Webhook } from "../domain/webhook";
import { getConfig } from "../env";
import { unsealJson } from "../signing/seal";
import { disableWebhookStatement, insertCall, insertCallsStatements, webhookHealthStatement } from "../store/calls";
import { acceptEvents, type IncomingEvent } from "./accept";
import { attemptDelivery, type AttemptResult } from "./dispatch";
import type { DeliveryJob } from "./messages";
import { deliveryExhaustedEvent, webhookDisabledEvent } from "./meta";

/**
 * One per webhook (named by the webhook id): orders, sends, retries and tracks failures.
 *
 * Storage (SQLite, this object only):
 *   deliveries  one row per delivery key; `seq` is acceptance order. States:
 *               pending → in_flight → succeeded | failed | cancelled, or back to pending (retry).
 *               Finished rows keep their key (payload dropped on success) so a redelivered job is
 *               recognised; they are purged after a while (see purgeFinished).
 *   outbox      call rows, health and disable writes, and meta-events waiting to reach D1. Written
 *               in the same synchronous step as the outcome, flushed with one db.batch per alarm
 *               run, deleted once D1 has them: a crash or a D1 outage delays the log, never loses it.
 *   kv config   the webhook as the management API last pushed it (configure), so sending needs no
 *               D1 read; kv health: last success / failure and the start of the current failing
 *               streak, for auto-disable.
 *
 * The alarm is the only sender. Before a request leaves, its row is marked in_flight with the
 * attempt counted (storage writes are confirmed before any outgoing message, by the output gate),
 * so an instance that dies mid-request leaves a row the next run sees as an interrupted attempt.
 */
const ALARM_BUDGET_MS = 20_000;
/** An alarm run that threw tries again this soon, instead of using the platform's limited retries. */
const ALARM_RETRY_MS = 5_000;
/** While a run is going, the alarm is parked this far past its end, to resume after a crash. */
const WATCHDOG_MARGIN_MS = 10_000;
/** The longest a run can take: its budget plus the longest timeout of a request started at its end. */
const MAX_RUN_MS = ALARM_BUDGET_MS + 30_000;
const OUTBOX_RETRY_MS = 15_000;
const OUTBOX_BATCH = 500;
const OUTBOX_CHUNKS_PER_RUN = 10;
/** Keys of finished deliveries are kept this long, far beyond queue redelivery and the 24 h sweeper window. */
const FINISHED_KEY_RETENTION_MS = 7 * 86_400_000;
const PURGE_INTERVAL_MS = 3_600_000;
/**
 * last_success_at / last_failure_at in D1 are informational, so while the webhook keeps doing the
 * same thing they are written at most this often; a flip (first failure, recovery) goes at once.
 */
const HEALTH_FLUSH_INTERVAL_MS = 60_000;
/** Open rows read at once for the `ordered` head (see WebhookDO.head). */
const HEAD_PREFETCH = 8;

type DeliveryState = "pending" | "in_flight" | "succeeded" | "failed" | "cancelled";

type DeliveryRow = {
  seq: number;
  key: string;
  event_id: string;
  topic: string;
  payload: string | null;
  content_type: string;
  headers: string | null;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: number;
  last_attempt_at: number | null;
  created_at: number;
  finished_at: number | null;
};

interface Health {
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  /** First failure since the last success; null while the last attempt succeeded. */
  failingSince: number | null;
  /** Bumped on every change; D1 is behind while it differs from flushedVersion. */
  version: number;
  flushedVersion: number;
  /** What D1 was last told, and when. */
  flushedSuccessAt: number | null;
  flushedFailureAt: number | null;
  flushedAt: number | null;
}

const latestWasSuccess = (successAt: number | null, failureAt: number | null): boolean => (successAt ?? -1) >= (failureAt ?? -1);

function healthNeedsFlush(h: Health, now: number): boolean {
  if (h.version === h.flushedVersion) return false;
  if (h.flushedAt === null || now - h.flushedAt >= HEALTH_FLUSH_INTERVAL_MS) return true;
  return latestWasSuccess(h.lastSuccessAt, h.lastFailureAt) !== latestWasSuccess(h.flushedSuccessAt, h.flushedFailureAt);
}

type FlushResult = "done" | "more" | "failed";

type OutboxItem =
  | { kind: "call"; call: CallRecord }
  | { kind: "disable"; reason: string; atMs: number }
  | { kind: "meta"; accountId: string; event: IncomingEvent };

export interface QueueStatus {
  pending: number;
  processing: number;
  retrying: number;
  failed: number;
}

export interface TestDelivery {
  topic: string;
  payload: string;
  contentType: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS deliveries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL UNIQUE,
  event_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  payload TEXT,
  content_type TEXT NOT NULL,
  headers TEXT,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_attempt_at INTEGER,
  created_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX IF NOT EXISTS deliveries_state ON deliveries(state, next_attempt_at, seq);
-- The ordered head: finished rows are kept for days (dedupe), so the open ones get their own index.
CREATE INDEX IF NOT EXISTS deliveries_open ON deliveries(seq) WHERE state IN ('pending', 'in_flight');
CREATE INDEX IF NOT EXISTS deliveries_finished ON deliveries(state, finished_at);
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  body TEXT NOT NULL
);`;

const deliverable = (w: Webhook | undefined): w is Webhook => w !== undefined && w.status === "active" && w.deletedAt === null;

export class WebhookDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** Rows this instance has a request out for; an in_flight row not in here was interrupted. */
  private readonly inFlight = new Set<number>();
  /**
   * `ordered`: the open rows at the head of the line, in seq order, read HEAD_PREFETCH at a time so
   * a delivery needs no SELECT of its own. The pump keeps these objects in step with its own writes
   * (attempt, recordOutcome); anything else that touches open rows, a run's start and a rolled-back
   * transaction drop the list (see dropHead).
   */
  private head: DeliveryRow[] | null = null;
  private running = false;
  /** rateLimitPerSecond: the earliest time the next request may leave. */
  private nextSendAllowedAt = 0;
  private secretsCache: { sealed: string; secrets: SigningSecret[] } | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SCHEMA);
  }

  // ---- RPC: called by the management API and the queue consumer -------------------------------

  /** The management API's copy of the webhook; the DO delivers from this, never from D1. */
  async configure(webhook: Webhook): Promise<void> {
    this.setConfig(webhook);
    // Re-activation (or a restore) resumes what was waiting.
    if (deliverable(webhook) && this.hasPending()) await this.ensureAlarmBy(Date.now());
  }

  /**
   * Accepts deliveries; a key seen before (a redelivered queue message, a retried batch) is ignored.
   * `webhook` is the consumer's D1 copy: adopted only when this object has none or an older one,
   * so a configure() that raced ahead of the consumer is never rolled back.
   */
  async enqueue(jobs: DeliveryJob[], webhook?: Webhook): Promise<{ accepted: number; duplicates: number }> {
    const current = this.config();
    if (webhook && (!current || webhook.updatedAt > current.updatedAt)) this.setConfig(webhook);
    const now = Date.now();
    let accepted = 0;
    this.dropHead();
    this.transaction(() => {
      for (const job of jobs) {
        const cursor = this.sql.exec(
          `INSERT INTO deliveries (key, event_id, topic, payload, content_type, headers, state, attempts, next_attempt_at, created_at)
           VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT(key) DO NOTHING`,
          job.key, job.eventId, job.topic, job.payload, job.contentType, job.headers ? JSON.stringify(job.headers) : null, now, job.createdAt,
        );
        if (cursor.rowsWritten > 0) accepted++;
      }
    });
    if (accepted > 0 && deliverable(this.config())) await this.ensureAlarmBy(now);
    return { accepted, duplicates: jobs.length - accepted };
  }

  async queueStatus(): Promise<QueueStatus> {
    const status: QueueStatus = { pending: 0, processing: 0, retrying: 0, failed: 0 };
    const rows = this.sql
      .exec<{ state: DeliveryState; retried: number; n: number }>(
        `SELECT state, attempts > 0 AS retried, COUNT(*) AS n FROM deliveries WHERE state IN ('pending', 'in_flight', 'failed') GROUP BY 1, 2`,
      )
      .toArray();
    for (const r of rows) {
      if (r.state === "in_flight") status.processing += r.n;
      else if (r.state === "failed") status.failed += r.n;
      else if (r.retried) status.retrying += r.n;
      else status.pending += r.n;
    }
    return status;
  }

  /** Cancels everything waiting (new and retrying); requests already out finish. */
  async clearQueue(): Promise<{ cancelled: number }> {
    this.dropHead();
    // Counted with RETURNING: rowsWritten also counts index entries.
    const cancelled = this.sql.exec(
      `UPDATE deliveries SET state = 'cancelled', payload = NULL, finished_at = ? WHERE state = 'pending' RETURNING seq`,
      Date.now(),
    ).toArray().length;
    return { cancelled };
  }

  /** Puts deliveries that failed at or after `sinceMs` back in the queue with a fresh schedule. */
  async recover(sinceMs: number): Promise<{ recovered: number }> {
    const now = Date.now();
    this.dropHead();
    const recovered = this.sql.exec(
      `UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = ?, finished_at = NULL
       WHERE state = 'failed' AND finished_at >= ? AND payload IS NOT NULL RETURNING seq`,
      now, sinceMs,
    ).toArray().length;
    if (recovered > 0 && deliverable(this.config())) await this.ensureAlarmBy(now);
    return { recovered };
  }

  /**
   * A real signed delivery, made now and answered with its call record. It bypasses the queue and
   * its ordering (a test must not wait behind a failing head) and is not retried. It works on a
   * paused or disabled webhook too: that is when one wants to check an endpoint.
   */
  async sendTest(test: TestDelivery, fallback?: Webhook): Promise<CallRecord> {
    const config = this.config() ?? fallback;
    if (!config) throw new Error("webhook is not configured");
    const eventId = newId("evt");
    const result = await this.send(config, { eventId, topic: test.topic, payload: test.payload, contentType: test.contentType, headers: null }, 1);
    const call = this.callRecord(config, { eventId, topic: test.topic }, 1, result, result.httpStatus !== null && result.httpStatus >= 200 && result.httpStatus < 300 ? "succeeded" : "failed", null);
    await insertCall(this.env.DB, call);
    return call;
  }

  /** Hard delete (after the restore window): drop every row and the alarm. */
  async destroy(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.dropHead();
    this.configCache = null;
    this.healthCache = null;
  }

  // ---- the alarm: the only sender --------------------------------------------------------------

  override async alarm(): Promise<void> {
    // A second alarm while a run is going (a test's runDurableObjectAlarm racing the real one)
    // has nothing to add: the run re-reads storage when it schedules its successor.
    if (this.running) {
      // This alarm is consumed when we return; keep one parked in case the running one dies.
      await this.ctx.storage.setAlarm(Date.now() + MAX_RUN_MS + WATCHDOG_MARGIN_MS);
      return;
    }
    this.running = true;
    try {
      await this.run();
    } catch (err) {
      console.error(JSON.stringify({ msg: "webhook alarm failed; rescheduling", webhookId: this.config()?.id, error: String(err) }));
      await this.ctx.storage.setAlarm(Date.now() + ALARM_RETRY_MS);
    } finally {
      this.running = false;
    }
  }

  private async run(): Promise<void> {
    const startedAt = Date.now();
    const config = this.config();
    if (!config) return;
    this.recoverInterrupted();
    this.dropHead();
    if (deliverable(config) && this.hasDue(config, startedAt)) {
      await this.ctx.storage.setAlarm(startedAt + MAX_RUN_MS + WATCHDOG_MARGIN_MS);
      await this.pump(startedAt + ALARM_BUDGET_MS);
    }
    let flushed: FlushResult = "done";
    for (let chunk = 0; chunk < OUTBOX_CHUNKS_PER_RUN; chunk++) {
      flushed = await this.flushOutbox();
      if (flushed !== "more") break;
    }
    const outboxLeft = flushed !== "done";
    this.purgeFinished(Date.now());
    await this.scheduleNext(outboxLeft);
  }

  /** Keeps up to the allowed number of requests out until nothing is due or the budget is spent. */
  private async pump(budgetEndsAt: number): Promise<void> {
    const out = new Set<Promise<void>>();
    for (;;) {
      let wakeInMs: number | null = null;
      const config = this.config();
      // Re-read each round: a configure() that pauses the webhook stops new sends at once.
      if (deliverable(config) && Date.now() < budgetEndsAt) {
        const limit = config.delivery.ordering === "ordered" ? 1 : config.delivery.maxInFlight;
        while (this.inFlight.size < limit) {
          const now = Date.now();
          const row = this.nextDue(config, now);
          if (!row) break;
          if (this.nextSendAllowedAt > now) {
            wakeInMs = this.nextSendAllowedAt - now;
            break;
          }
          const rate = config.delivery.rateLimitPerSecond;
          this.nextSendAllowedAt = rate ? now + 1000 / rate : 0;
          const p = this.attempt(config, row).finally(() => out.delete(p));
          out.add(p);
        }
      }
      // A rate-limit wait that outlasts the budget is left to the next alarm.
      if (wakeInMs !== null && out.size === 0 && Date.now() + wakeInMs > budgetEndsAt) break;
      if (out.size === 0 && wakeInMs === null) break;
      const waits: Promise<unknown>[] = [...out];
      if (wakeInMs !== null) waits.push(scheduler.wait(wakeInMs));
      await Promise.race(waits);
    }
  }

  /** `ordered`: only the oldest unfinished delivery, and only when nothing is out. `parallel`: any due one. */
  private nextDue(config: Webhook, now: number): DeliveryRow | null {
    if (config.delivery.ordering === "ordered") {
      if (!this.head?.length) {
        this.head = this.sql.exec<DeliveryRow>(`SELECT * FROM deliveries WHERE state IN ('pending', 'in_flight') ORDER BY seq LIMIT ?`, HEAD_PREFETCH).toArray();
      }
      const head = this.head[0];
      return head && head.state === "pending" && head.next_attempt_at <= now ? head : null;
    }
    return (
      this.sql
        .exec<DeliveryRow>(`SELECT * FROM deliveries WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, seq LIMIT 1`, now)
        .toArray()[0] ?? null
    );
  }

  private hasDue(config: Webhook, now: number): boolean {
    return this.nextDue(config, now) !== null;
  }

  private hasPending(): boolean {
    return this.sql.exec(`SELECT 1 FROM deliveries WHERE state = 'pending' LIMIT 1`).toArray().length > 0;
  }

  /** Marks the row in flight synchronously (before the caller can pick again), then sends. */
  private attempt(config: Webhook, row: DeliveryRow): Promise<void> {
    const attemptNo = row.attempts + 1;
    const now = Date.now();
    this.sql.exec(`UPDATE deliveries SET state = 'in_flight', attempts = ?, last_attempt_at = ? WHERE seq = ?`, attemptNo, now, row.seq);
    // The row may be the cached head's object: keep it in step with storage.
    row.state = "in_flight";
    row.attempts = attemptNo;
    row.last_attempt_at = now;
    this.inFlight.add(row.seq);
    return (async () => {
      try {
        const result = await this.send(
          config,
          { eventId: row.event_id, topic: row.topic, payload: row.payload ?? "", contentType: row.content_type, headers: row.headers ? (JSON.parse(row.headers) as Record<string, string>) : null },
          attemptNo,
        );
        this.recordOutcome(row, attemptNo, result);
      } catch (err) {
        // send() does not throw; this is storage failing. The row stays in_flight and the next
        // run treats it as interrupted.
        console.error(JSON.stringify({ msg: "recording an attempt failed", webhookId: config.id, key: row.key, error: String(err) }));
      } finally {
        this.inFlight.delete(row.seq);
      }
    })();
  }

  private async send(
    config: Webhook,
    d: { eventId: string; topic: string; payload: string; contentType: string; headers: Record<string, string> | null },
    attemptNo: number,
  ): Promise<AttemptResult> {
    let secrets: SigningSecret[];
    try {
      secrets = await this.secrets(config);
    } catch (err) {
      return { httpStatus: null, durationMs: 0, error: `could not read the signing secret: ${String(err)}`.slice(0, 300), responseBody: null, retryAfterSeconds: null, startedAt: Date.now() };
    }
    return attemptDelivery({
      url: config.url,
      msgId: d.eventId,
      topic: d.topic,
      attempt: attemptNo,
      body: d.payload,
      contentType: d.contentType,
      forwardedHeaders: d.headers,
      webhookHeaders: config.headers,
      profile: config.signature,
      secrets,
      timeoutMs: config.delivery.timeoutMs,
    });
  }

  /** Applies the retry policy to one attempt's result; every write is local and synchronous. */
  private recordOutcome(row: DeliveryRow, attemptNo: number, result: AttemptResult): void {
    // The config now, not at send time: a pause or rotation during the request applies to what follows.
    const config = this.config();
    if (!config) return;
    const now = Date.now();
    const verdict = classifyAttempt(result.httpStatus, { retryClientErrors: config.delivery.retryClientErrors, retryAfterSeconds: result.retryAfterSeconds });
    let status: CallStatus = "failed";
    let nextAttemptAt: number | null = null;
    const outbox: OutboxItem[] = [];
    this.transaction(() => {
      if (verdict.kind === "success") {
        status = "succeeded";
        this.finish(row.seq, "succeeded", now);
        this.noteHealth(true, now);
      } else {
        this.noteHealth(false, now);
        const delayMs = verdict.kind === "retry" ? nextDelayMs(config.delivery.retrySchedule, attemptNo, Math.random(), verdict.retryAfterSeconds) : null;
        if (delayMs !== null) {
          status = "retrying";
          nextAttemptAt = now + delayMs;
          this.sql.exec(`UPDATE deliveries SET state = 'pending', next_attempt_at = ? WHERE seq = ?`, nextAttemptAt, row.seq);
          row.state = "pending";
          row.next_attempt_at = nextAttemptAt;
        } else {
          this.finish(row.seq, "failed", now);
          if (verdict.kind === "gone") {
            outbox.push(...this.disable(config, "endpoint answered 410 Gone", now));
          } else if (verdict.kind === "retry") {
            // Exhausted. Meta-events are not reported about meta-events, so two failing
            // subscribers cannot feed each other forever.
            if (!isMetaTopic(row.topic)) {
              outbox.push({
                kind: "meta",
                accountId: config.accountId,
                event: deliveryExhaustedEvent(config, { eventId: row.event_id, topic: row.topic, attempts: attemptNo, lastHttpStatus: result.httpStatus, lastError: result.error }, now),
              });
            }
            if (shouldAutoDisable(this.health().failingSince, now)) {
              outbox.push(...this.disable(config, `no successful delivery for 24 hours and a delivery exhausted its ${attemptNo} attempts`, now));
            }
          }
        }
      }
      outbox.unshift({ kind: "call", call: this.callRecord(config, { eventId: row.event_id, topic: row.topic }, attemptNo, result, status, nextAttemptAt) });
      for (const item of outbox) this.sql.exec(`INSERT INTO outbox (kind, body) VALUES (?, ?)`, item.kind, JSON.stringify(item));
    });
  }

  private finish(seq: number, state: "succeeded" | "failed", now: number): void {
    // A succeeded row keeps only its key (for dedupe); a failed one keeps its payload for recover.
    if (state === "succeeded") this.sql.exec(`UPDATE deliveries SET state = 'succeeded', payload = NULL, finished_at = ? WHERE seq = ?`, now, seq);
    else this.sql.exec(`UPDATE deliveries SET state = 'failed', finished_at = ? WHERE seq = ?`, now, seq);
    // No longer open: off the cached head (anything unexpected there and the list is re-read).
    if (this.head?.[0]?.seq === seq) this.head.shift();
    else if (this.head?.some((r) => r.seq === seq)) this.head = null;
  }

  private dropHead(): void {
    this.head = null;
  }

  /** Disables in the DO's own config at once; D1 and the meta-event follow through the outbox. */
  private disable(config: Webhook, reason: string, now: number): OutboxItem[] {
    if (config.status !== "active") return [];
    const next: Webhook = { ...config, status: "disabled", disabledReason: reason, updatedAt: now };
    this.setConfig(next);
    return [
      { kind: "disable", reason, atMs: now },
      { kind: "meta", accountId: config.accountId, event: webhookDisabledEvent(next, reason, now) },
    ];
  }

  private callRecord(
    config: Webhook,
    d: { eventId: string; topic: string },
    attemptNo: number,
    result: AttemptResult,
    status: CallStatus,
    nextAttemptAt: number | null,
  ): CallRecord {
    return {
      id: newId("call"),
      accountId: config.accountId,
      webhookId: config.id,
      eventId: d.eventId,
      topic: d.topic,
      attempt: attemptNo,
      status,
      httpStatus: result.httpStatus,
      durationMs: result.durationMs,
      error: result.error,
      responseBody: result.responseBody,
      url: config.url,
      createdAt: result.startedAt,
      nextAttemptAt,
    };
  }

  /**
   * Rows left in_flight by an instance that died (eviction, crash, deploy) mid-request: the
   * attempt was counted, its answer is unknown, so it is a failed attempt and the schedule
   * decides when to try again. The receiver may have got it: delivery is at-least-once and
   * `webhook-id` lets it dedupe.
   */
  private recoverInterrupted(): void {
    const stuck = this.sql.exec<DeliveryRow>(`SELECT * FROM deliveries WHERE state = 'in_flight' ORDER BY seq`).toArray();
    for (const row of stuck) {
      if (this.inFlight.has(row.seq)) continue;
      const startedAt = row.last_attempt_at ?? Date.now();
      this.recordOutcome(row, row.attempts, {
        httpStatus: null,
        durationMs: 0,
        error: "attempt interrupted before an answer was recorded (the delivery worker restarted)",
        responseBody: null,
        retryAfterSeconds: null,
        startedAt,
      });
    }
  }

  // ---- D1: one batch per run -------------------------------------------------------------------

  /** "more": a full chunk went, more wait; "failed": D1 or the queue was unavailable. */
  private async flushOutbox(): Promise<FlushResult> {
    const rows = this.sql.exec<{ seq: number; kind: string; body: string }>(`SELECT seq, kind, body FROM outbox ORDER BY seq LIMIT ?`, OUTBOX_BATCH).toArray();
    const health = this.health();
    const healthDirty = healthNeedsFlush(health, Date.now());
    const config = this.config();
    if (rows.length === 0 && !healthDirty) return "done";
    const items = rows.map((r) => ({ seq: r.seq, item: JSON.parse(r.body) as OutboxItem }));
    const calls = items.flatMap(({ item }) => (item.kind === "call" ? [item.call] : []));
    const disables = items.flatMap(({ item }) => (item.kind === "disable" ? [item] : []));
    const metas = items.filter(({ item }) => item.kind === "meta");
    const plain = items.filter(({ item }) => item.kind !== "meta");
    try {
      const statements = insertCallsStatements(this.env.DB, calls);
      if (config && healthDirty) statements.push(webhookHealthStatement(this.env.DB, config.id, health.lastSuccessAt, health.lastFailureAt));
      if (config) for (const d of disables) statements.push(disableWebhookStatement(this.env.DB, config.id, d.reason, d.atMs));
      if (statements.length) await this.env.DB.batch(statements);
      this.deleteOutbox(plain.map((p) => p.seq));
      // The version read before the await: changes made during it stay due for the next flush.
      if (healthDirty) {
        this.setHealth({
          ...this.health(),
          flushedVersion: health.version, flushedSuccessAt: health.lastSuccessAt, flushedFailureAt: health.lastFailureAt, flushedAt: Date.now(),
        });
      }
    } catch (err) {
      console.error(JSON.stringify({ msg: "call log flush failed; will retry", webhookId: config?.id, error: String(err) }));
      return "failed";
    }
    // Meta-events after the log: publishing them is a second D1 round trip plus a queue send, and
    // must not hold the call rows back if it fails.
    if (metas.length) {
      try {
        const byAccount = new Map<string, IncomingEvent[]>();
        for (const { item } of metas) {
          if (item.kind !== "meta") continue;
          byAccount.set(item.accountId, [...(byAccount.get(item.accountId) ?? []), item.event]);
        }
        for (const [accountId, events] of byAccount) await acceptEvents(this.env, accountId, events);
        this.deleteOutbox(metas.map((m) => m.seq));
      } catch (err) {
        console.error(JSON.stringify({ msg: "meta-event publish failed; will retry", webhookId: config?.id, error: String(err) }));
        return "failed";
      }
    }
    return rows.length === OUTBOX_BATCH ? "more" : "done";
  }

  private deleteOutbox(seqs: number[]): void {
    if (seqs.length) this.sql.exec(`DELETE FROM outbox WHERE seq IN (SELECT value FROM json_each(?))`, JSON.stringify(seqs));
  }

  // ---- scheduling ------------------------------------------------------------------------------

  private async scheduleNext(outboxLeft: boolean): Promise<void> {
    const config = this.config();
    const now = Date.now();
    let next: number | null = null;
    if (deliverable(config)) {
      if (config.delivery.ordering === "ordered") {
        const head = this.sql.exec<{ state: DeliveryState; next_attempt_at: number }>(`SELECT state, next_attempt_at FROM deliveries WHERE state IN ('pending', 'in_flight') ORDER BY seq LIMIT 1`).toArray()[0];
        if (head) next = head.state === "pending" ? head.next_attempt_at : now + MAX_RUN_MS + WATCHDOG_MARGIN_MS;
      } else {
        const row = this.sql.exec<{ at: number | null }>(`SELECT MIN(next_attempt_at) AS at FROM deliveries WHERE state = 'pending'`).one();
        next = row.at;
      }
      if (next !== null) next = Math.max(next, this.nextSendAllowedAt);
    }
    if (outboxLeft) next = Math.min(next ?? Infinity, now + OUTBOX_RETRY_MS);
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(Math.max(next, now));
  }

  private async ensureAlarmBy(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  /** Finished rows: keys kept a week for dedupe; failed ones as long as the call log (for recover). */
  private purgeFinished(now: number): void {
    const last = this.ctx.storage.kv.get<number>("purgedAt") ?? 0;
    if (now - last < PURGE_INTERVAL_MS) return;
    const retentionMs = getConfig(this.env).RETENTION_DAYS * 86_400_000;
    this.sql.exec(`DELETE FROM deliveries WHERE state IN ('succeeded', 'cancelled') AND finished_at < ?`, now - FINISHED_KEY_RETENTION_MS);
    this.sql.exec(`DELETE FROM deliveries WHERE state = 'failed' AND finished_at < ?`, now - Math.max(retentionMs, FINISHED_KEY_RETENTION_MS));
    this.ctx.storage.kv.put("purgedAt", now);
  }

  // ---- local state -----------------------------------------------------------------------------

  // config and health are read on every loop of a run; storage is the truth, and these in-memory
  // copies (dropped with the instance on eviction) spare a storage read each time. Every write goes
  // through setConfig / setHealth, so the copies never go stale (health may be ahead of storage by
  // a run of successes: see noteHealth).
  private configCache: { value: Webhook | undefined } | null = null;
  private healthCache: Health | null = null;

  private config(): Webhook | undefined {
    this.configCache ??= { value: this.ctx.storage.kv.get<Webhook>("config") };
    return this.configCache.value;
  }

  /** transactionSync, forgetting the in-memory copies if it rolls back. */
  private transaction(fn: () => void): void {
    try {
      this.ctx.storage.transactionSync(fn);
    } catch (err) {
      this.configCache = null;
      this.healthCache = null;
      this.dropHead();
      throw err;
    }
  }

  private setConfig(webhook: Webhook): void {
    this.ctx.storage.kv.put("config", webhook);
    this.configCache = { value: webhook };
  }

  private health(): Health {
    this.healthCache ??= this.ctx.storage.kv.get<Health>("health") ?? {
      lastSuccessAt: null, lastFailureAt: null, failingSince: null, version: 0, flushedVersion: 0, flushedSuccessAt: null, flushedFailureAt: null, flushedAt: null,
    };
    return this.healthCache;
  }

  private setHealth(health: Health): void {
    this.ctx.storage.kv.put("health", health);
    this.healthCache = health;
  }

  /**
   * A success after a success changes only lastSuccessAt, which is informational: it stays in
   * memory until the next flush writes health (or the next failure), saving a storage write per
   * delivery. An eviction can lose that timestamp, never a failing streak: every failure, and the
   * success that ends a streak, is written at once.
   */
  private noteHealth(success: boolean, now: number): void {
    const h = this.health();
    if (success && h.failingSince === null && h.lastSuccessAt !== null) {
      this.healthCache = { ...h, lastSuccessAt: now, version: h.version + 1 };
      return;
    }
    const next: Health = success
      ? { ...h, lastSuccessAt: now, failingSince: null, version: h.version + 1 }
      : { ...h, lastFailureAt: now, failingSince: h.failingSince ?? now, version: h.version + 1 };
    this.setHealth(next);
  }

  private async secrets(config: Webhook): Promise<SigningSecret[]> {
    if (this.secretsCache?.sealed !== config.sealedSecrets) {
      const secrets = await unsealJson<SigningSecret[]>(config.sealedSecrets, getConfig(this.env).ENCRYPTION_KEY);
      this.secretsCache = { sealed: config.sealedSecrets, secrets };
    }
    return this.secretsCache.secrets;
  }
}
