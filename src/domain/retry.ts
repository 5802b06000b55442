import { isSuccessStatus } from "./http";
/**
 * Retry policy as data. Everything here is pure: the clock and the randomness come in as
 * arguments so tests can pin them and assert exact numbers.
 *
 * A schedule lists the seconds to wait before each retry, after the first attempt. A delivery
 * gets `schedule.length + 1` attempts in all; after the last one it is exhausted.
 */

/**
 * The schedule a webhook gets when it names none (its profile may name another, domain/profiles.ts):
 * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, about 27.5 h in all: longer than the 24 h without a
 * success after which an exhausted delivery disables its webhook (src/delivery/webhook/disable.ts), so
 * an endpoint down that long is disabled by the first delivery to exhaust it.
 */
export const DEFAULT_RETRY_SCHEDULE_SECONDS = [5, 300, 1800, 7200, 18000, 36000, 36000];

/**
 * The default ±20 % spreads retries of a burst of failures so they do not hit the endpoint in
 * lockstep. A webhook may choose 0..0.5 (`delivery.jitter`); 0 keeps a documented schedule exact.
 */
export const JITTER_RATIO = 0.2;
export const MAX_JITTER_RATIO = 0.5;

/** What an attempt's answer means for the delivery. */
export type AttemptVerdict =
  | { kind: "success" }
  /** Try again per the schedule; `retryAfterSeconds` when the endpoint asked for a time. */
  | { kind: "retry"; retryAfterSeconds: number | null }
  /** Do not try again (a 4xx with retryClientErrors:false). */
  | { kind: "final" }
  /** 410 Gone: the endpoint says it no longer exists; the webhook is disabled at once (delivery/webhook/disable.ts). */
  | { kind: "gone" };

/** Statuses whose Retry-After header we honour. */
const RETRY_AFTER_STATUSES = new Set([429, 502, 503, 504]);
/** 4xx that are about timing, not about the request, and stay retryable even with retryClientErrors:false. */
const ALWAYS_RETRYABLE_4XX = new Set([408, 429]);

/**
 * Classifies one attempt. `httpStatus` null means no response (timeout, connection refused, DNS):
 * always retryable. 3xx is a failure because redirects are not followed (a moved endpoint must be
 * re-registered, not silently chased).
 */
export function classifyAttempt(
  httpStatus: number | null,
  opts: { retryClientErrors: boolean; retryAfterSeconds?: number | null },
): AttemptVerdict {
  if (httpStatus === null) return { kind: "retry", retryAfterSeconds: null };
  if (isSuccessStatus(httpStatus)) return { kind: "success" };
  if (httpStatus === 410) return { kind: "gone" };
  const retryAfterSeconds = RETRY_AFTER_STATUSES.has(httpStatus) ? (opts.retryAfterSeconds ?? null) : null;
  if (httpStatus >= 400 && httpStatus < 500 && !opts.retryClientErrors && !ALWAYS_RETRYABLE_4XX.has(httpStatus)) {
    return { kind: "final" };
  }
  return { kind: "retry", retryAfterSeconds };
}

/**
 * Milliseconds to wait after failed attempt number `attemptNumber` (1-based), or null when the
 * schedule is exhausted. `random` is a number in [0, 1) (Math.random in production).
 *
 * A Retry-After is clamped to [step, 2×step]: never sooner than the schedule (a misbehaving
 * endpoint cannot make us hammer it with `Retry-After: 0`) and never so late that one header
 * stalls an ordered queue for days. A clamped Retry-After is used as is, without jitter, since
 * the endpoint named the time it wants. `jitterRatio` (0..0.5) scales the spread: the wait is
 * step × (1 ± jitterRatio), uniformly by `random`.
 */
export function nextDelayMs(
  scheduleSeconds: readonly number[],
  attemptNumber: number,
  random: number,
  retryAfterSeconds?: number | null,
  jitterRatio: number = JITTER_RATIO,
): number | null {
  const stepSeconds = scheduleSeconds[attemptNumber - 1];
  if (stepSeconds === undefined || attemptNumber < 1) return null;
  if (retryAfterSeconds !== null && retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds)) {
    const clampedSeconds = Math.min(Math.max(retryAfterSeconds, stepSeconds), 2 * stepSeconds);
    return Math.round(clampedSeconds * 1000);
  }
  const ratio = Math.min(Math.max(jitterRatio, 0), MAX_JITTER_RATIO);
  const factor = 1 + (random * 2 - 1) * ratio;
  return Math.round(stepSeconds * 1000 * factor);
}

/**
 * Parses a Retry-After header: delta-seconds or an HTTP date. Returns seconds from `nowMs`
 * (never negative), or null when absent or unparseable.
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | null {
  if (!header) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const dateMs = Date.parse(text);
  if (Number.isNaN(dateMs)) return null;
  return Math.max(0, Math.ceil((dateMs - nowMs) / 1000));
}

/** Total seconds a delivery may spend retrying (without jitter): the sum of the schedule. */
export const scheduleSpanSeconds = (scheduleSeconds: readonly number[]): number =>
  scheduleSeconds.reduce((sum, s) => sum + s, 0);

/** The latest the last retry can leave after the first attempt, with every step at its longest. */
export const maxScheduleSpanSeconds = (scheduleSeconds: readonly number[], jitterRatio: number = JITTER_RATIO): number =>
  scheduleSpanSeconds(scheduleSeconds) * (1 + Math.min(Math.max(jitterRatio, 0), MAX_JITTER_RATIO));
