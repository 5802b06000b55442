import { describe, expect, it } from "vitest";
import { maxScheduleSpanSeconds, nextDelayMs } from "../../src/domain/retry";
import { VOBIZ_RETRY_SCHEDULE_SECONDS, WHATSAPP_RETRY_SCHEDULE_SECONDS } from "../../src/domain/profiles";

/** delivery.jitter: the spread is the webhook's choice; 0 makes a documented schedule exact. */
describe("nextDelayMs with a jitter ratio", () => {
  it("is exact with jitter 0 whatever the randomness (seed 004's 30 s, 5 min, 30 min, 2 h)", () => {
    for (const random of [0, 0.37, 0.999]) {
      expect(WHATSAPP_RETRY_SCHEDULE_SECONDS.map((_, i) => nextDelayMs(WHATSAPP_RETRY_SCHEDULE_SECONDS, i + 1, random, null, 0))).toEqual([30_000, 300_000, 1_800_000, 7_200_000]);
    }
    expect(nextDelayMs(WHATSAPP_RETRY_SCHEDULE_SECONDS, 5, 0.5, null, 0)).toBeNull();
  });

  it("spreads by ±ratio: the extremes of the randomness give step × (1 ∓ ratio)", () => {
    expect(nextDelayMs([100], 1, 0, null, 0.5)).toBe(50_000);
    expect(nextDelayMs([100], 1, 1, null, 0.5)).toBe(150_000);
    expect(nextDelayMs([100], 1, 0, null, 0.1)).toBe(90_000);
    // The default stays ±20 %.
    expect(nextDelayMs([100], 1, 0)).toBe(80_000);
  });

  it("clamps a ratio outside 0..0.5", () => {
    expect(nextDelayMs([100], 1, 0, null, 0.9)).toBe(50_000);
    expect(nextDelayMs([100], 1, 0, null, -1)).toBe(100_000);
  });

  it("keeps Retry-After unjittered", () => {
    expect(nextDelayMs([100], 1, 0, 150, 0.5)).toBe(150_000);
  });

  it("the vobiz schedule ends within 24 h even with every step at its longest", () => {
    expect(maxScheduleSpanSeconds(VOBIZ_RETRY_SCHEDULE_SECONDS, 0.2)).toBeLessThanOrEqual(86_400);
    expect(maxScheduleSpanSeconds(VOBIZ_RETRY_SCHEDULE_SECONDS, 0.5)).toBeGreaterThan(86_400);
  });
});
