import type { AttemptVerdict } from "../../domain/retry";
import type { Webhook } from "../../domain/webhook";

/**
 * When an attempt disables its webhook: at once when the endpoint answers 410 Gone (it says it no
 * longer exists), or when a delivery exhausts its schedule after 24 h without a success (an
 * endpoint that long down only piles up work). Pure: outcome.ts asks it for every attempt.
 *
 * What follows a disable: the object sets its own copy of the config to disabled in the outcome's
 * transaction (object.ts), and its outbox (notices.ts) carries the disable to D1 by compare-and-set
 * on the version it held, with the `webhook.disabled` meta-event.
 */

/** A webhook failing this long with an exhausted delivery is disabled (DESIGN: 24 h). */
export const AUTO_DISABLE_AFTER_MS = 24 * 3_600_000;

/**
 * Auto-disable rule: a delivery exhausted its schedule and the webhook has had no success for
 * 24 h. `failingSinceMs` is the first failure after the last success (null when the last attempt
 * succeeded).
 */
export function shouldAutoDisable(failingSinceMs: number | null, nowMs: number): boolean {
  return failingSinceMs !== null && nowMs - failingSinceMs >= AUTO_DISABLE_AFTER_MS;
}

export interface DisableInput {
  verdict: AttemptVerdict;
  /** The attempt failed and the schedule has no retry left. */
  exhausted: boolean;
  /** The failing streak with this attempt counted (outcome.ts's new health). */
  failingSinceMs: number | null;
  nowMs: number;
  attemptNo: number;
  status: Webhook["status"];
}

/** The reason to disable the webhook after this attempt, or null to leave it as it is. */
export function disableReason(i: DisableInput): string | null {
  // Only an active webhook is disabled (and announced), and only once.
  if (i.status !== "active") return null;
  if (i.verdict.kind === "gone") return "endpoint answered 410 Gone";
  if (i.exhausted && shouldAutoDisable(i.failingSinceMs, i.nowMs)) return `no successful delivery for 24 hours and a delivery exhausted its ${i.attemptNo} attempts`;
  return null;
}
