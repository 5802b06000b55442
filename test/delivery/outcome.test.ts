import { describe, expect, it } from "vitest";
import type { AttemptResult } from "../../src/delivery/dispatch";
import { decideOutcome, type OutcomeInput } from "../../src/delivery/webhook/outcome";
import type { Health } from "../../src/delivery/webhook/stored";
import { DeliverySettings, type Webhook } from "../../src/domain/webhook";

/** The pure outcome decision: result, config, health, now → transition, call row, notices. */
const NOW = 1_760_000_000_000;
const HOUR_MS = 3_600_000;

const webhook = (over: Partial<Webhook> = {}): Webhook => ({
  id: "wh_1", accountId: "acct_1", url: "https://example.com/hook", description: null, topics: ["*"], active: true, status: "active",
  disabledReason: null, sealedSecrets: "sealed", channels: null, sources: null, filter: null, sealedHeaders: null, headerNames: null, signature: { scheme: "standard" }, profile: "standard",
  delivery: DeliverySettings.parse({}), metadata: null, createdAt: NOW - HOUR_MS, updatedAt: NOW - HOUR_MS, deletedAt: null,
  lastSuccessAt: null, lastFailureAt: null, version: 3, ...over,
});

const answer = (httpStatus: number | null, over: Partial<AttemptResult> = {}): AttemptResult => ({
  httpStatus, durationMs: 42, error: httpStatus === null ? "network error" : null, responseBody: "body", retryAfterSeconds: null, startedAt: NOW - 50, ...over,
});

const healthy: Health = { lastSuccessAt: NOW - HOUR_MS, lastFailureAt: null, failingSince: null };

let n = 0;
const input = (over: Partial<OutcomeInput>): OutcomeInput => ({
  delivery: { eventId: "evt_1", topic: "order.created" }, attemptNo: 1, result: answer(200), config: webhook(), health: healthy, now: NOW,
  random: 0.5, newId: (prefix) => `${prefix}_${n++}`, ...over,
});

describe("decideOutcome (pure)", () => {
  it("a 2xx succeeds: the call row says so, health is reset, nothing to announce", () => {
    const o = decideOutcome(input({ result: answer(204), health: { lastSuccessAt: null, lastFailureAt: NOW - 10, failingSince: NOW - 10 } }));
    expect(o.transition).toEqual({ kind: "succeeded" });
    expect(o.call).toMatchObject({ webhookId: "wh_1", accountId: "acct_1", eventId: "evt_1", attempt: 1, status: "succeeded", httpStatus: 204, durationMs: 42, createdAt: NOW - 50, nextAttemptAt: null, url: "https://example.com/hook" });
    expect(o.health).toEqual({ lastSuccessAt: NOW, lastFailureAt: NOW - 10, failingSince: null });
    expect(o.disable).toBeNull();
    expect(o.notices).toEqual([]);
  });

  it("a webhook without delivery settings retries on the documented default schedule, then fails and announces it", () => {
    const delaysMs = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
    delaysMs.forEach((delayMs, i) => {
      const o = decideOutcome(input({ attemptNo: i + 1, result: answer(500) }));
      expect(o.transition).toEqual({ kind: "retry", nextAttemptAt: NOW + delayMs });
      expect(o.call).toMatchObject({ status: "retrying", nextAttemptAt: NOW + delayMs });
      expect(o.notices).toEqual([]);
    });
    const last = decideOutcome(input({ attemptNo: 8, result: answer(500) }));
    expect(last.transition).toEqual({ kind: "failed" });
    expect(last.call.status).toBe("failed");
    expect(last.notices.map((e) => e.topic)).toEqual(["delivery.exhausted"]);
    expect(JSON.parse(last.notices[0]!.payload)).toMatchObject({ data: { webhookId: "wh_1", eventId: "evt_1", attempts: 8, lastHttpStatus: 500 } });
    expect(last.notices[0]!.excludeWebhookId).toBe("wh_1");
  });

  it("a first failure starts the failing streak; a later one keeps its start", () => {
    expect(decideOutcome(input({ result: answer(500) })).health).toEqual({ lastSuccessAt: NOW - HOUR_MS, lastFailureAt: NOW, failingSince: NOW });
    const streak = { lastSuccessAt: null, lastFailureAt: NOW - 5, failingSince: NOW - HOUR_MS };
    expect(decideOutcome(input({ result: answer(null), health: streak })).health.failingSince).toBe(NOW - HOUR_MS);
  });

  it("410 Gone is final and disables the webhook at once, announced as webhook.disabled", () => {
    const o = decideOutcome(input({ result: answer(410) }));
    expect(o.transition).toEqual({ kind: "failed" });
    expect(o.disable?.reason).toMatch(/410/);
    expect(o.notices.map((e) => e.topic)).toEqual(["webhook.disabled"]);
  });

  it("a webhook already paused is not disabled (or announced) again", () => {
    const o = decideOutcome(input({ result: answer(410), config: webhook({ status: "inactive", active: false }) }));
    expect(o.disable).toBeNull();
    expect(o.notices).toEqual([]);
  });

  it("auto-disables only when a delivery is exhausted after 24 h without a success", () => {
    const config = webhook({ delivery: DeliverySettings.parse({ retrySchedule: [1] }) });
    const young = decideOutcome(input({ config, attemptNo: 2, result: answer(500), health: { ...healthy, failingSince: NOW - 23 * HOUR_MS } }));
    expect(young.disable).toBeNull();
    const old = decideOutcome(input({ config, attemptNo: 2, result: answer(500), health: { ...healthy, failingSince: NOW - 25 * HOUR_MS } }));
    expect(old.disable?.reason).toMatch(/24 hours/);
    expect(old.notices.map((e) => e.topic)).toEqual(["delivery.exhausted", "webhook.disabled"]);
    // A retry still ahead: no disable yet, however long the streak.
    expect(decideOutcome(input({ config, attemptNo: 1, result: answer(500), health: { ...healthy, failingSince: NOW - 25 * HOUR_MS } })).disable).toBeNull();
  });

  it("a final 4xx with retryClientErrors:false fails without a notice; a meta-event's exhaustion is not reported", () => {
    const strict = webhook({ delivery: DeliverySettings.parse({ retryClientErrors: false }) });
    const o = decideOutcome(input({ config: strict, result: answer(400) }));
    expect(o.transition).toEqual({ kind: "failed" });
    expect(o.notices).toEqual([]);
    const meta = decideOutcome(input({ delivery: { eventId: "evt_m", topic: "delivery.exhausted" }, config: webhook({ delivery: DeliverySettings.parse({ retrySchedule: [] }) }), result: answer(500) }));
    expect(meta.transition).toEqual({ kind: "failed" });
    expect(meta.notices).toEqual([]);
  });

  it("Retry-After moves the next attempt (clamped to the step), from the injected clock", () => {
    const config = webhook({ delivery: DeliverySettings.parse({ retrySchedule: [60] }) });
    const o = decideOutcome(input({ config, result: answer(503, { retryAfterSeconds: 100 }) }));
    expect(o.transition).toEqual({ kind: "retry", nextAttemptAt: NOW + 100_000 });
  });
});
