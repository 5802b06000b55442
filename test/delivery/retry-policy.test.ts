import { describe, expect, it } from "vitest";
import { deriveDeliveryStates } from "../../src/domain/event";
import { AUTO_DISABLE_AFTER_MS, shouldAutoDisable } from "../../src/delivery/webhook/disable";
import { classifyAttempt, nextDelayMs, parseRetryAfter } from "../../src/domain/retry";

describe("retry policy (pure)", () => {
  const seed004 = [30, 300, 1800, 7200];

  it("follows the schedule step for each failed attempt, with ±20 % jitter from the injected random", () => {
    expect(nextDelayMs(seed004, 1, 0.5)).toBe(30_000);
    expect(nextDelayMs(seed004, 1, 0)).toBe(24_000);
    expect(nextDelayMs(seed004, 1, 1)).toBe(36_000);
    expect(nextDelayMs(seed004, 2, 0.5)).toBe(300_000);
    expect(nextDelayMs(seed004, 4, 0.75)).toBe(7_920_000);
    expect(nextDelayMs(seed004, 5, 0.5)).toBeNull();
    expect(nextDelayMs([], 1, 0.5)).toBeNull();
    expect(nextDelayMs(seed004, 0, 0.5)).toBeNull();
  });

  it("clamps Retry-After to [step, 2×step] and uses it without jitter", () => {
    expect(nextDelayMs(seed004, 1, 0, 45)).toBe(45_000);
    expect(nextDelayMs(seed004, 1, 0, 0)).toBe(30_000);
    expect(nextDelayMs(seed004, 1, 0, 3600)).toBe(60_000);
    expect(nextDelayMs(seed004, 4, 0.9, 1)).toBe(7_200_000);
    expect(nextDelayMs(seed004, 5, 0.5, 10)).toBeNull();
  });

  it("parses Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2024-01-01T00:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120);
    expect(parseRetryAfter(" 7 ", now)).toBe(7);
    expect(parseRetryAfter("Mon, 01 Jan 2024 00:01:30 GMT", now)).toBe(90);
    expect(parseRetryAfter("Sun, 31 Dec 2023 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter("", now)).toBeNull();
  });

  it("classifies answers per DESIGN", () => {
    const retry4xx = { retryClientErrors: true };
    const final4xx = { retryClientErrors: false };
    expect(classifyAttempt(200, retry4xx)).toEqual({ kind: "success" });
    expect(classifyAttempt(204, final4xx)).toEqual({ kind: "success" });
    expect(classifyAttempt(301, retry4xx)).toEqual({ kind: "retry", retryAfterSeconds: null });
    expect(classifyAttempt(410, retry4xx)).toEqual({ kind: "gone" });
    expect(classifyAttempt(410, final4xx)).toEqual({ kind: "gone" });
    expect(classifyAttempt(400, retry4xx)).toEqual({ kind: "retry", retryAfterSeconds: null });
    expect(classifyAttempt(400, final4xx)).toEqual({ kind: "final" });
    expect(classifyAttempt(404, final4xx)).toEqual({ kind: "final" });
    expect(classifyAttempt(408, final4xx)).toEqual({ kind: "retry", retryAfterSeconds: null });
    expect(classifyAttempt(429, { ...final4xx, retryAfterSeconds: 30 })).toEqual({ kind: "retry", retryAfterSeconds: 30 });
    expect(classifyAttempt(503, { ...retry4xx, retryAfterSeconds: 10 })).toEqual({ kind: "retry", retryAfterSeconds: 10 });
    expect(classifyAttempt(502, { ...retry4xx, retryAfterSeconds: 10 })).toEqual({ kind: "retry", retryAfterSeconds: 10 });
    expect(classifyAttempt(504, { ...retry4xx, retryAfterSeconds: 10 })).toEqual({ kind: "retry", retryAfterSeconds: 10 });
    // Retry-After is only honoured on 429/502/503/504.
    expect(classifyAttempt(500, { ...retry4xx, retryAfterSeconds: 10 })).toEqual({ kind: "retry", retryAfterSeconds: null });
    expect(classifyAttempt(null, final4xx)).toEqual({ kind: "retry", retryAfterSeconds: null });
  });

  it("auto-disables only after 24 h without success", () => {
    const now = 1_000_000_000_000;
    expect(shouldAutoDisable(null, now)).toBe(false);
    expect(shouldAutoDisable(now - AUTO_DISABLE_AFTER_MS + 1, now)).toBe(false);
    expect(shouldAutoDisable(now - AUTO_DISABLE_AFTER_MS, now)).toBe(true);
  });
});

describe("delivery states of an event (pure)", () => {
  const call = (id: string, webhookId: string, status: "succeeded" | "failed" | "retrying", createdAt: number, nextAttemptAt: number | null = null) => ({
    id, webhookId, status, attempt: 1, httpStatus: status === "succeeded" ? 200 : 500, createdAt, nextAttemptAt,
  });

  it("starts every matched webhook pending and lets its latest call decide", () => {
    const states = deriveDeliveryStates(["wh_a", "wh_b", "wh_c", "wh_d"], [
      call("c3", "wh_b", "succeeded", 30),
      call("c1", "wh_b", "retrying", 10, 20),
      call("c2", "wh_c", "retrying", 15, 99),
      call("c4", "wh_d", "failed", 40),
    ]);
    expect(states).toEqual([
      { webhookId: "wh_a", state: "pending", attempts: 0, httpStatus: null, lastAttemptAt: null, nextAttemptAt: null },
      { webhookId: "wh_b", state: "succeeded", attempts: 2, httpStatus: 200, lastAttemptAt: 30, nextAttemptAt: null },
      { webhookId: "wh_c", state: "retrying", attempts: 1, httpStatus: 500, lastAttemptAt: 15, nextAttemptAt: 99 },
      { webhookId: "wh_d", state: "failed", attempts: 1, httpStatus: 500, lastAttemptAt: 40, nextAttemptAt: null },
    ]);
  });

  it("lists webhooks that have calls but were not recorded at fan-out", () => {
    expect(deriveDeliveryStates([], [call("c1", "wh_x", "succeeded", 1)]).map((s) => s.webhookId)).toEqual(["wh_x"]);
  });
});
