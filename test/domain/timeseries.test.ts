import { describe, expect, it } from "vitest";
import { bucketize, percentile, windowBounds } from "../../src/domain/timeseries";

describe("timeseries buckets", () => {
  it("computes nearest-rank percentiles", () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([7], 95)).toBe(7);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
  });

  it("aligns the window to whole minutes, ending after the current one", () => {
    const now = Date.UTC(2026, 0, 1, 12, 30, 45);
    const { fromMs, untilMs } = windowBounds("1h", now);
    expect(untilMs).toBe(Date.UTC(2026, 0, 1, 12, 31));
    expect(fromMs).toBe(Date.UTC(2026, 0, 1, 11, 31));
    expect(windowBounds("24h", now).untilMs - windowBounds("24h", now).fromMs).toBe(86_400_000);
  });

  it("counts each outcome per minute with its latency, and ignores samples outside the window", () => {
    const from = 0;
    const until = 180_000;
    const { buckets, totals } = bucketize(
      [
        { createdAt: 1_000, status: "succeeded", durationMs: 10 },
        { createdAt: 59_999, status: "failed", durationMs: 30 },
        { createdAt: 60_000, status: "retrying", durationMs: null },
        { createdAt: 125_000, status: "succeeded", durationMs: 100 },
        { createdAt: 180_000, status: "succeeded", durationMs: 1 },
        { createdAt: -1, status: "failed", durationMs: 1 },
      ],
      from,
      until,
    );
    expect(buckets).toEqual([
      { startMs: 0, succeeded: 1, failed: 1, retrying: 0, p50Ms: 10, p95Ms: 30 },
      { startMs: 60_000, succeeded: 0, failed: 0, retrying: 1, p50Ms: null, p95Ms: null },
      { startMs: 120_000, succeeded: 1, failed: 0, retrying: 0, p50Ms: 100, p95Ms: 100 },
    ]);
    expect(totals).toEqual({ succeeded: 2, failed: 1, retrying: 1, p50Ms: 30, p95Ms: 100 });
  });
});
