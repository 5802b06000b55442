import type { Webhook } from "../../domain/webhook";
import { deliverable } from "./config";
import type { DeliveryQueue } from "./queue";

/** When the object's alarm should next fire, from what it holds. */
export const ALARM_BUDGET_MS = 20_000;
/** While a run is going, the alarm is parked this far past its end, to resume after a crash. */
export const WATCHDOG_MARGIN_MS = 10_000;
/** The longest a run can take: its budget plus the longest timeout of a request started at its end. */
export const MAX_RUN_MS = ALARM_BUDGET_MS + 30_000;
/** An outbox (call index, notices) that could not be sent is tried again this soon. */
const OUTBOX_RETRY_MS = 15_000;
/** The hourly step (purges) runs at most this often. */
export const PURGE_INTERVAL_MS = 3_600_000;

export interface ScheduleInput {
  config: Webhook | undefined;
  queue: DeliveryQueue;
  oldestCallAt: number | null;
  now: number;
  outboxLeft: boolean;
  nextSendAllowedAt: number;
  retentionMs: number;
}

/** null: nothing to do (no alarm). */
export function nextAlarmAt(i: ScheduleInput): number | null {
  let next: number | null = null;
  if (deliverable(i.config)) {
    next = i.queue.nextWakeAt(i.config, i.now + MAX_RUN_MS + WATCHDOG_MARGIN_MS);
    if (next !== null) next = Math.max(next, i.nextSendAllowedAt);
  }
  if (i.outboxLeft) next = Math.min(next ?? Infinity, i.now + OUTBOX_RETRY_MS);
  // With nothing else to do, wake when the oldest call row is due for retention.
  if (next === null && i.oldestCallAt !== null) next = Math.max(i.oldestCallAt + i.retentionMs, i.now + PURGE_INTERVAL_MS);
  return next === null ? null : Math.max(next, i.now);
}
