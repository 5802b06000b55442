import { DurableObject } from "cloudflare:workers";
import { deriveDeliveryStates, type CallRecord, type DeliveryState } from "../../domain/event";
import { newId } from "../../domain/ids";
import type { Webhook } from "../../domain/webhook";
import { getConfig } from "../../env";
import type { CallQuery, CallSample, CallStats } from "../../traffic/call-table";
import { attemptDelivery, type AttemptResult } from "../dispatch";
import { transportFor } from "../transport";
import type { DeliveryJob } from "../messages";
import { jobWanted } from "./admission";
import { isSuccessStatus } from "../../domain/http";
import { WebhookCallLog, WEBHOOK_LOG_WINDOW_MS } from "./call-log";
import { ConfigStore, deliverable } from "./config";
import { HealthStore } from "./health";
import { NoticeOutbox } from "./notices";
import { decideOutcome } from "./outcome";
import { Preparer } from "./prepare";
import { ALARM_BUDGET_MS, MAX_RUN_MS, nextAlarmAt, PURGE_INTERVAL_MS, WATCHDOG_MARGIN_MS } from "./schedule";
import { DeliveryQueue, type DeliveryRow, type QueueStatus } from "./queue";
import { acceptingSender, type NoticeSender } from "./sender";

export type { QueueStatus } from "./queue";

/**
 * One per webhook (named by the webhook id): orders, sends, retries, logs and tracks failures. This
 * class is the RPC surface and the alarm loop; each piece of state has its own module:
 *   queue.ts        deliveries (SQL + the in-memory ordered head)
 *   call-log.ts     call rows and stats, and the outbox towards the account-wide CallLog
 *   notices.ts      meta-events and D1 disables waiting to go out
 *   config.ts, health.ts   kv `config` (never an older version) and kv `health`
 *   outcome.ts      the pure decision an attempt's result leads to
 *   disable.ts      when an attempt disables the webhook (410 Gone, or 24 h failing and exhausted)
 *   prepare.ts      secrets and the request, just before dispatch
 *   admission.ts    the re-check of each job against this object's newest config
 *   schedule.ts     when the alarm fires next
 *   sender.ts       how meta-events are published (given to the object, swappable)
 *
 * The alarm is the only sender. Before a request leaves, its row is marked in_flight with the
 * attempt counted (storage writes are confirmed before any outgoing message, by the output gate),
 * so an instance that dies mid-request leaves a row the next run sees as an interrupted attempt.
 * An outcome (delivery row, call row, health, disable, notices) is one storage transaction.
 */
/** An alarm run that threw tries again this soon, instead of using the platform's limited retries. */
const ALARM_RETRY_MS = 5_000;
const OUTBOX_CHUNKS_PER_RUN = 10;
const DAY_MS = 86_400_000;

export interface TestDelivery {
  topic: string;
  payload: string;
  contentType: string;
}

export class WebhookDO extends DurableObject<Env> {
  private readonly queue: DeliveryQueue;
  private readonly log: WebhookCallLog;
  private readonly notices: NoticeOutbox;
  private readonly configs: ConfigStore;
  private readonly healthStore: HealthStore;
  private readonly preparer: Preparer;
  /** Meta-events go out through this; a test may give the object another. */
  sender: NoticeSender;
  /** Rows this instance has a request out for; an in_flight row not in here was interrupted. */
  private readonly inFlight = new Set<number>();
  private running = false;
  /** rateLimitPerSecond: the earliest time the next request may leave. */
  private nextSendAllowedAt = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    this.queue = new DeliveryQueue(sql);
    this.log = new WebhookCallLog(sql, this.env);
    this.configs = new ConfigStore(ctx.storage.kv);
    this.healthStore = new HealthStore(ctx.storage.kv);
    this.sender = acceptingSender(this.env);
    this.notices = new NoticeOutbox(sql, this.env.DB, { send: (accountId, events) => this.sender.send(accountId, events) }, {
      webhookId: () => this.configs.get()?.id,
      // The object's copy becomes what D1 now holds (it was disabled here already when decided).
      disableConfirmed: (d) => {
        const c = this.configs.get();
        if (c && c.version === d.heldVersion) this.configs.set({ ...c, status: "disabled", disabledReason: d.reason, updatedAt: d.atMs, version: d.newVersion });
      },
    });
    this.preparer = new Preparer(() => {
      const config = getConfig(this.env);
      return { encryptionKey: config.ENCRYPTION_KEY, allowPrivateDestinations: config.ALLOW_PRIVATE_DESTINATIONS };
    });
  }

  // ---- RPC: called by the management API and the queue consumer -------------------------------

  /** The management API's copy of the webhook (ignored when this object holds the same or a newer version). */
  async configure(webhook: Webhook): Promise<void> {
    this.configs.offer(webhook);
    // Re-activation (or a restore) resumes what was waiting.
    if (deliverable(this.configs.get()) && this.queue.hasPending()) await this.ensureAlarmBy(Date.now());
  }

  /**
   * Accepts deliveries; a key seen before (a redelivered queue message, a retried batch) is ignored.
   * `webhook` is the consumer's D1 copy, adopted only if newer than this object's. Each job is
   * re-checked against the newest config: the consumer's list may be a few seconds stale, and a
   * pause, delete or topic/filter change must apply at once. A paused or disabled webhook keeps
   * what it already holds and takes nothing new.
   */
  async enqueue(jobs: DeliveryJob[], webhook?: Webhook): Promise<{ accepted: number; duplicates: number; refused: number }> {
    if (webhook) this.configs.offer(webhook);
    const config = this.configs.get();
    const wanted = config ? jobs.filter((j) => jobWanted(config, j)) : [];
    const now = Date.now();
    let accepted = 0;
    if (wanted.length) this.transaction(() => (accepted = this.queue.insert(wanted, now)));
    if (accepted > 0 && deliverable(config)) await this.ensureAlarmBy(now);
    return { accepted, duplicates: wanted.length - accepted, refused: jobs.length - wanted.length };
  }

  async queueStatus(): Promise<QueueStatus> {
    return this.queue.status();
  }

  async clearQueue(): Promise<{ cancelled: number }> {
    return { cancelled: this.queue.clear(Date.now()) };
  }

  async recover(sinceMs: number): Promise<{ recovered: number }> {
    const now = Date.now();
    const recovered = this.queue.recover(sinceMs, now);
    if (recovered > 0 && deliverable(this.configs.get())) await this.ensureAlarmBy(now);
    return { recovered };
  }

  /** This webhook's call log, newest first (`limit` rows; ask for a page + 1). */
  async listCalls(q: CallQuery): Promise<CallRecord[]> {
    return this.log.list(q);
  }

  /** The per-minute chart's input (api/timeseries.ts). */
  async callSamples(sinceMs: number, untilMs: number, maxRows: number): Promise<CallSample[]> {
    return this.log.samples(sinceMs, untilMs, maxRows);
  }

  async callStats(sinceMs: number | null): Promise<CallStats> {
    return this.log.stats(sinceMs);
  }

  /** The delivery state of one event here, from its attempts (a cleared delivery reads as failed: it will not be sent). */
  async deliveryOf(eventId: string, webhookId: string): Promise<DeliveryState> {
    const state = deriveDeliveryStates([webhookId], this.log.forEvent(eventId))[0]!;
    if (this.queue.latestFor(eventId)?.state === "cancelled" && (state.state === "pending" || state.state === "retrying")) {
      return { ...state, state: "failed", nextAttemptAt: null };
    }
    return state;
  }

  /**
   * A real signed delivery, made now and answered with its call record (kept in this webhook's log).
   * It bypasses the queue and its ordering (a test must not wait behind a failing head) and is not
   * retried. It works on a paused or disabled webhook too: that is when one wants to check an endpoint.
   */
  async sendTest(test: TestDelivery, fallback?: Webhook): Promise<CallRecord> {
    if (fallback) this.configs.offer(fallback);
    const config = this.configs.get();
    if (!config) throw new Error("webhook is not configured");
    const eventId = newId("evt");
    const result = await this.send(config, { eventId, topic: test.topic, payload: test.payload, contentType: test.contentType, headers: null }, 1);
    const call: CallRecord = {
      id: newId("call"), accountId: config.accountId, webhookId: config.id, eventId, topic: test.topic, attempt: 1, status: isSuccessStatus(result.httpStatus) ? "succeeded" : "failed",
      httpStatus: result.httpStatus, durationMs: result.durationMs, error: result.error, responseBody: result.responseBody, url: config.url,
      createdAt: result.startedAt, nextAttemptAt: null,
    };
    this.transaction(() => this.log.record(call));
    await this.ensureAlarmBy(Date.now());
    return call;
  }

  /** Hard delete (after the restore window): drop every row and the alarm. */
  async destroy(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.forgetCaches();
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
      console.error(JSON.stringify({ msg: "webhook alarm failed; rescheduling", webhookId: this.configs.get()?.id, error: String(err) }));
      await this.ctx.storage.setAlarm(Date.now() + ALARM_RETRY_MS);
    } finally {
      this.running = false;
    }
  }

  private async run(): Promise<void> {
    const startedAt = Date.now();
    const config = this.configs.get();
    if (!config) return;
    this.recoverInterrupted();
    this.queue.dropHead();
    if (deliverable(config) && this.queue.nextDue(config, startedAt)) {
      await this.ctx.storage.setAlarm(startedAt + MAX_RUN_MS + WATCHDOG_MARGIN_MS);
      await this.pump(startedAt + ALARM_BUDGET_MS);
    }
    // After the sends: neither the call index nor the notices ever hold a delivery back.
    let forwarded = "done";
    for (let chunk = 0; chunk < OUTBOX_CHUNKS_PER_RUN; chunk++) if ((forwarded = await this.log.forward()) !== "more") break;
    let noticed = "done";
    for (let chunk = 0; chunk < OUTBOX_CHUNKS_PER_RUN; chunk++) if ((noticed = await this.notices.flush()) !== "more") break;
    this.purge(Date.now());
    await this.scheduleNext(forwarded !== "done" || noticed !== "done");
  }

  /** Keeps up to the allowed number of requests out until nothing is due or the budget is spent. */
  private async pump(budgetEndsAt: number): Promise<void> {
    const out = new Set<Promise<void>>();
    for (;;) {
      let wakeInMs: number | null = null;
      const config = this.configs.get();
      // Re-read each round: a configure() that pauses the webhook stops new sends at once.
      if (deliverable(config) && Date.now() < budgetEndsAt) {
        const limit = config.delivery.ordering === "ordered" ? 1 : config.delivery.maxInFlight;
        while (this.inFlight.size < limit) {
          const now = Date.now();
          const row = this.queue.nextDue(config, now);
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

  private attempt(config: Webhook, row: DeliveryRow): Promise<void> {
    const attemptNo = this.queue.markInFlight(row, Date.now());
    this.inFlight.add(row.seq);
    return (async () => {
      try {
        const result = await this.send(config, { eventId: row.event_id, topic: row.topic, payload: row.payload ?? "", contentType: row.content_type, headers: row.headers }, attemptNo);
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

  private async send(config: Webhook, d: Parameters<Preparer["prepare"]>[1], attemptNo: number): Promise<AttemptResult> {
    const prepared = await this.preparer.prepare(config, d, attemptNo);
    if (!prepared.ok) return { httpStatus: null, durationMs: 0, error: prepared.error, responseBody: null, retryAfterSeconds: null, startedAt: Date.now() };
    return attemptDelivery(prepared.request, Date.now, transportFor(this.env, config.url));
  }

  /** One attempt's outcome, decided by outcome.ts and written in one transaction. */
  private recordOutcome(row: DeliveryRow, attemptNo: number, result: AttemptResult): void {
    const config = this.configs.get();
    if (!config) return;
    const now = Date.now();
    const outcome = decideOutcome({
      delivery: { eventId: row.event_id, topic: row.topic }, attemptNo, result, config, health: this.healthStore.get(), now, random: Math.random(), newId,
    });
    this.transaction(() => {
      this.queue.apply(row, outcome.transition, now);
      this.healthStore.apply(outcome.health);
      this.log.record(outcome.call);
      if (outcome.disable) {
        // At once here; D1 follows through the outbox, by compare-and-set on the version held now.
        this.configs.set({ ...config, status: "disabled", disabledReason: outcome.disable.reason, updatedAt: now });
        this.notices.add({ kind: "disable", reason: outcome.disable.reason, atMs: now, heldVersion: config.version });
      }
      for (const event of outcome.notices) this.notices.add({ kind: "meta", accountId: config.accountId, event });
    });
  }

  /**
   * Rows left in_flight by an instance that died (eviction, crash, deploy) mid-request: the attempt
   * was counted, its answer is unknown, so it is a failed attempt and the schedule decides when to
   * try again. The receiver may have got it: delivery is at-least-once and `webhook-id` lets it dedupe.
   */
  private recoverInterrupted(): void {
    for (const row of this.queue.interrupted(this.inFlight)) {
      this.recordOutcome(row, row.attempts, {
        httpStatus: null,
        durationMs: 0,
        error: "attempt interrupted before an answer was recorded (the delivery worker restarted)",
        responseBody: null,
        retryAfterSeconds: null,
        startedAt: row.last_attempt_at ?? Date.now(),
      });
    }
  }

  // ---- scheduling and retention ----------------------------------------------------------------

  private async scheduleNext(outboxLeft: boolean): Promise<void> {
    const now = Date.now();
    const next = nextAlarmAt({
      config: this.configs.get(), queue: this.queue, oldestCallAt: this.log.oldestAt(), now, outboxLeft,
      nextSendAllowedAt: this.nextSendAllowedAt, retentionMs: this.retentionMs(),
    });
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }

  private async ensureAlarmBy(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  private retentionMs(): number {
    return getConfig(this.env).RETENTION_DAYS * DAY_MS;
  }

  /** Hourly (or every run while a backlog remains): finished deliveries, call rows past the object's day, counters past retention. */
  private purge(now: number): void {
    const last = this.ctx.storage.kv.get("purgedAt");
    if (typeof last === "number" && now - last < PURGE_INTERVAL_MS) return;
    this.queue.purgeFinished(now, this.retentionMs());
    // Not stamped while old calls remain: the next run goes on with them.
    if (!this.log.purge(now - WEBHOOK_LOG_WINDOW_MS, now - this.retentionMs())) this.ctx.storage.kv.put("purgedAt", now);
  }

  // ---- local state -----------------------------------------------------------------------------

  /** transactionSync, forgetting the in-memory copies if it rolls back. */
  private transaction(fn: () => void): void {
    try {
      this.ctx.storage.transactionSync(fn);
    } catch (err) {
      this.forgetCaches();
      throw err;
    }
  }

  private forgetCaches(): void {
    this.configs.forget();
    this.healthStore.forget();
    this.queue.dropHead();
  }
}
