import type { CallStatus } from "./call";

/** Per-minute buckets of delivery attempts by outcome, with latency percentiles. Pure: the clock is an argument. */
export const SERIES_WINDOWS = { "1h": 3_600_000, "24h": 86_400_000 } as const;
export type SeriesWindow = keyof typeof SERIES_WINDOWS;
export const BUCKET_MS = 60_000;

export interface Sample {
  createdAt: number;
  status: CallStatus;
  durationMs: number | null;
}

export interface Bucket {
  startMs: number;
  succeeded: number;
  failed: number;
  retrying: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

/** Nearest-rank percentile of sorted values (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (!sorted.length) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** The window's first bucket starts on a minute boundary so that polling keeps buckets stable. */
export function windowBounds(window: SeriesWindow, nowMs: number): { fromMs: number; untilMs: number } {
  const untilMs = Math.floor(nowMs / BUCKET_MS) * BUCKET_MS + BUCKET_MS;
  return { fromMs: untilMs - SERIES_WINDOWS[window], untilMs };
}

export function bucketize(samples: readonly Sample[], fromMs: number, untilMs: number): { buckets: Bucket[]; totals: Omit<Bucket, "startMs"> } {
  const count = Math.round((untilMs - fromMs) / BUCKET_MS);
  const buckets: Bucket[] = Array.from({ length: count }, (_, i) => ({ startMs: fromMs + i * BUCKET_MS, succeeded: 0, failed: 0, retrying: 0, p50Ms: null, p95Ms: null }));
  const durations: number[][] = Array.from({ length: count }, () => []);
  const all: number[] = [];
  for (const s of samples) {
    const i = Math.floor((s.createdAt - fromMs) / BUCKET_MS);
    if (i < 0 || i >= count) continue;
    buckets[i]![s.status] += 1;
    if (s.durationMs !== null) {
      durations[i]!.push(s.durationMs);
      all.push(s.durationMs);
    }
  }
  const byNumber = (a: number, b: number) => a - b;
  buckets.forEach((b, i) => {
    const d = durations[i]!.sort(byNumber);
    b.p50Ms = percentile(d, 50);
    b.p95Ms = percentile(d, 95);
  });
  all.sort(byNumber);
  const sum = (k: "succeeded" | "failed" | "retrying") => buckets.reduce((n, b) => n + b[k], 0);
  return { buckets, totals: { succeeded: sum("succeeded"), failed: sum("failed"), retrying: sum("retrying"), p50Ms: percentile(all, 50), p95Ms: percentile(all, 95) } };
}
