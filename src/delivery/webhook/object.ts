import { DurableObject } from "cloudflare:workers";
import type { CallRecord } from "../../domain/call";
import { deriveDeliveryStates, type DeliveryState } from "../../domain/event";
import { newId } from "../../domain/ids";
import type { Webhook } from "../../domain/webhook";
import { getConfig } from "../../env";
import type { CallQuery, CallSample, CallStats } from "../../traffic/call-table";
import type { DeliveryJob } from "../messages";
import { jobWanted } from "./admission";
import { isSuccessStatus } from "../../domain/http";
import { WebhookCallLog, WEBHOOK_LOG_WINDOW_MS } from "./call-log";
import { ConfigStore, deliverable } from "./config";
import { HealthStore } from "./health";
import { NoticeOutbox } from "./notices";
import { Preparer } from "./prepare";
import { ALARM_BUDGET_MS, MAX_RUN_MS, nextAlarmAt, PURGE_INTERVAL_MS, WATCHDOG_MARGIN_MS } from "./schedule";
import { DeliveryQueue, type QueueStatus } from "./queue";
import { SendLoop } from "./send-loop";
import { acceptingSender, type NoticeSender } from "./notice-sender";

export type { QueueStatus } from "./queue";

/**
 * One per webhook (named by the webhook id): orders, sends, retries, logs and tracks failures. This
 * class is the RPC surface and the alarm run; each piece of state has its own module:
 *   queue.ts          deliveries (SQL + the in-memory ordered head)
 *   call-log.ts       call rows and stats, and the outbox towards the account-wide CallLog
 *   notices.ts        meta-events and D1 disables waiting to go out
 *   config.ts, health.ts   kv `config` (never an older version) and kv `health`
 *   send-loop.ts      the sends of a run: how many at once, how fast, each attempt start to finish
 *   outcome.ts        the pure decision an attempt's result leads to
 *   disable.ts        when an attempt disables the webhook (410 Gone, or 24 h failing and exhausted)
 *   prepare.ts        secrets and the request, just before dispatch
 *   admission.ts      the re-check of each job against this object's newest config
 *   schedule.ts       when the alarm fires next
 *   notice-sender.ts  how meta-events are published (given to the object, swappable)
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
  /** Meta-events go out through this; a test may give the object another. */
  sender: NoticeSender;
  private readonly sending: SendLoop;
  private running = false;

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
    const preparer = new Preparer(() => {
      const config = getConfig(this.env);
      return { encryptionKey: config.ENCRYPTION_KEY, allowPrivateDestinations: config.ALLOW_PRIVATE_DESTINATIONS };
    });
    this.sending = new SendLoop({
      queue: this.queue, configs: this.configs, health: this.healthStore, log: this.log, notices: this.notices, preparer, env: this.env,
      transaction: (fn) => this.transaction(fn),
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

  /** The per-minute chart's input (api/webhook-stats.ts). */
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
    const result = await this.sending.send(config, { eventId, topic: test.topic, payload: test.payload, contentType: test.contentType, headers: null }, 1);
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
    this.sending.recoverInterrupted();
    this.queue.dropHead();
    if (deliverable(config) && this.queue.nextDue(config, startedAt)) {
      await this.ctx.storage.setAlarm(startedAt + MAX_RUN_MS + WATCHDOG_MARGIN_MS);
      await this.sending.pump(startedAt + ALARM_BUDGET_MS);
    }
    // After the sends: neither the call index nor the notices ever hold a delivery back.
    let forwarded = "done";
    for (let chunk = 0; chunk < OUTBOX_CHUNKS_PER_RUN; chunk++) if ((forwarded = await this.log.forward()) !== "more") break;
    let noticed = "done";
    for (let chunk = 0; chunk < OUTBOX_CHUNKS_PER_RUN; chunk++) if ((noticed = await this.notices.flush()) !== "more") break;
    this.purge(Date.now());
    await this.scheduleNext(forwarded !== "done" || noticed !== "done");
  }

  // ---- scheduling and retention ----------------------------------------------------------------

  private async scheduleNext(outboxLeft: boolean): Promise<void> {
    const now = Date.now();
    const next = nextAlarmAt({
      config: this.configs.get(), queue: this.queue, oldestCallAt: this.log.oldestAt(), now, outboxLeft,
      nextSendAllowedAt: this.sending.nextSendAllowedAt, retentionMs: this.retentionMs(),
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
