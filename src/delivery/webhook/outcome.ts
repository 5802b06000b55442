import type { CallRecord, CallStatus } from "../../domain/call";
import { isMetaTopic } from "../../domain/topics";
import { classifyAttempt, nextDelayMs } from "../../domain/retry";
import type { Webhook } from "../../domain/webhook";
import type { AttemptResult } from "../dispatch";
import { deliveryExhaustedEvent, webhookDisabledEvent } from "../meta";
import { disableReason } from "./disable";
import type { Health } from "./stored";

/**
 * What one attempt's result means, decided without touching storage or the clock: the retry policy
 * applied to the answer, the call row to log, the new health, and what to tell the world (a disable,
 * meta-events). The object applies all of it in one storage transaction.
 */
export type Transition = { kind: "succeeded" } | { kind: "retry"; nextAttemptAt: number } | { kind: "failed" };

export interface OutcomeInput {
  delivery: { eventId: string; topic: string };
  attemptNo: number;
  result: AttemptResult;
  /** The config now, not at send time: a pause or rotation during the request applies to what follows. */
  config: Webhook;
  health: Health;
  now: number;
  /** In [0, 1): the retry jitter. */
  random: number;
  newId: (prefix: "call" | "evt") => string;
}

export type Notice = ReturnType<typeof webhookDisabledEvent>;

export interface Outcome {
  transition: Transition;
  call: CallRecord;
  health: Health;
  /** Disable the webhook (disable.ts: 410, or 24 h without a success and a delivery exhausted). */
  disable: { reason: string } | null;
  /** Meta-events to publish (webhook.disabled, delivery.exhausted). */
  notices: Notice[];
}

export function decideOutcome(i: OutcomeInput): Outcome {
  const { config, result, now, attemptNo } = i;
  const verdict = classifyAttempt(result.httpStatus, { retryClientErrors: config.delivery.retryClientErrors, retryAfterSeconds: result.retryAfterSeconds });
  const success = verdict.kind === "success";
  const health: Health = success
    ? { ...i.health, lastSuccessAt: now, failingSince: null }
    : { ...i.health, lastFailureAt: now, failingSince: i.health.failingSince ?? now };

  let transition: Transition = { kind: "failed" };
  let exhausted = false;
  const notices: Notice[] = [];
  if (success) {
    transition = { kind: "succeeded" };
  } else {
    const delayMs = verdict.kind === "retry" ? nextDelayMs(config.delivery.retrySchedule, attemptNo, i.random, verdict.retryAfterSeconds, config.delivery.jitter) : null;
    if (delayMs !== null) {
      transition = { kind: "retry", nextAttemptAt: now + delayMs };
    } else if (verdict.kind === "retry") {
      exhausted = true;
      // Meta-events are not reported about meta-events, so two failing subscribers cannot feed
      // each other forever.
      if (!isMetaTopic(i.delivery.topic)) {
        notices.push(
          deliveryExhaustedEvent(config, { eventId: i.delivery.eventId, topic: i.delivery.topic, attempts: attemptNo, lastHttpStatus: result.httpStatus, lastError: result.error }, now, i.newId("evt")),
        );
      }
    }
  }
  const reason = disableReason({ verdict, exhausted, failingSinceMs: health.failingSince, nowMs: now, attemptNo, status: config.status });
  const disable = reason === null ? null : { reason };
  if (disable) notices.push(webhookDisabledEvent(config, disable.reason, now, i.newId("evt")));

  const status: CallStatus = transition.kind === "succeeded" ? "succeeded" : transition.kind === "retry" ? "retrying" : "failed";
  const call: CallRecord = {
    id: i.newId("call"),
    accountId: config.accountId,
    webhookId: config.id,
    eventId: i.delivery.eventId,
    topic: i.delivery.topic,
    attempt: attemptNo,
    status,
    httpStatus: result.httpStatus,
    durationMs: result.durationMs,
    error: result.error,
    responseBody: result.responseBody,
    url: config.url,
    createdAt: result.startedAt,
    nextAttemptAt: transition.kind === "retry" ? transition.nextAttemptAt : null,
  };
  return { transition, call, health, disable, notices };
}
