import { newId } from "../../domain/ids";
import type { Webhook } from "../../domain/webhook";
import { attemptDelivery, type AttemptResult } from "../dispatch";
import { transportFor } from "../transport";
import type { WebhookCallLog } from "./call-log";
import { deliverable, type ConfigStore } from "./config";
import type { HealthStore } from "./health";
import type { NoticeOutbox } from "./notices";
import { decideOutcome } from "./outcome";
import type { PendingDelivery, Preparer } from "./prepare";
import type { DeliveryQueue, DeliveryRow } from "./queue";

/**
 * The object's sending, as its alarm runs it (object.ts): how many requests are out at once
 * (`ordering`, `maxInFlight`), how fast they leave (`rateLimitPerSecond`), and each attempt from
 * start to finish: the row marked in_flight with the attempt counted, the request prepared
 * (prepare.ts) and sent (dispatch.ts), the outcome decided (outcome.ts) and written in one storage
 * transaction (delivery row, health, call row, a disable, notices). Also the rows an instance that
 * died left in_flight.
 */
export interface SendLoopParts {
  queue: DeliveryQueue;
  configs: ConfigStore;
  health: HealthStore;
  log: WebhookCallLog;
  notices: NoticeOutbox;
  preparer: Preparer;
  env: Env;
  /** The object's transactionSync (which forgets its in-memory copies on a rollback). */
  transaction: (fn: () => void) => void;
}

export class SendLoop {
  /** Rows this instance has a request out for; an in_flight row not in here was interrupted. */
  private readonly inFlight = new Set<number>();
  /** rateLimitPerSecond: the earliest time the next request may leave. */
  private nextAllowedAt = 0;

  constructor(private readonly parts: SendLoopParts) {}

  /** The earliest the next request may leave (the alarm is not set sooner). */
  get nextSendAllowedAt(): number {
    return this.nextAllowedAt;
  }

  /** Keeps up to the allowed number of requests out until nothing is due or the budget is spent. */
  async pump(budgetEndsAt: number): Promise<void> {
    const { configs, queue } = this.parts;
    const out = new Set<Promise<void>>();
    for (;;) {
      let wakeInMs: number | null = null;
      const config = configs.get();
      // Re-read each round: a configure() that pauses the webhook stops new sends at once.
      if (deliverable(config) && Date.now() < budgetEndsAt) {
        const limit = config.delivery.ordering === "ordered" ? 1 : config.delivery.maxInFlight;
        while (this.inFlight.size < limit) {
          const now = Date.now();
          const row = queue.nextDue(config, now);
          if (!row) break;
          if (this.nextAllowedAt > now) {
            wakeInMs = this.nextAllowedAt - now;
            break;
          }
          const rate = config.delivery.rateLimitPerSecond;
          this.nextAllowedAt = rate ? now + 1000 / rate : 0;
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

  /** One request, prepared and sent; never throws (a failure to prepare is the attempt's error). */
  async send(config: Webhook, d: PendingDelivery, attemptNo: number): Promise<AttemptResult> {
    const prepared = await this.parts.preparer.prepare(config, d, attemptNo);
    if (!prepared.ok) return { httpStatus: null, durationMs: 0, error: prepared.error, responseBody: null, retryAfterSeconds: null, startedAt: Date.now() };
    return attemptDelivery(prepared.request, Date.now, transportFor(this.parts.env, config.url));
  }

  /**
   * Rows left in_flight by an instance that died (eviction, crash, deploy) mid-request: the attempt
   * was counted, its answer is unknown, so it is a failed attempt and the schedule decides when to
   * try again. The receiver may have got it: delivery is at-least-once and `webhook-id` lets it dedupe.
   */
  recoverInterrupted(): void {
    for (const row of this.parts.queue.interrupted(this.inFlight)) {
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

  private attempt(config: Webhook, row: DeliveryRow): Promise<void> {
    const attemptNo = this.parts.queue.markInFlight(row, Date.now());
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

  /** One attempt's outcome, decided by outcome.ts and written in one transaction. */
  private recordOutcome(row: DeliveryRow, attemptNo: number, result: AttemptResult): void {
    const { configs, queue, health, log, notices } = this.parts;
    const config = configs.get();
    if (!config) return;
    const now = Date.now();
    const outcome = decideOutcome({
      delivery: { eventId: row.event_id, topic: row.topic }, attemptNo, result, config, health: health.get(), now, random: Math.random(), newId,
    });
    this.parts.transaction(() => {
      queue.apply(row, outcome.transition, now);
      health.apply(outcome.health);
      log.record(outcome.call);
      if (outcome.disable) {
        // At once here; D1 follows through the outbox, by compare-and-set on the version held now.
        configs.set({ ...config, status: "disabled", disabledReason: outcome.disable.reason, updatedAt: now });
        notices.add({ kind: "disable", reason: outcome.disable.reason, atMs: now, heldVersion: config.version });
      }
      for (const event of outcome.notices) notices.add({ kind: "meta", accountId: config.accountId, event });
    });
  }
}
