// Waiting for deliveries at the receiver, with a timeout and an optional stall limit.
import { now, sleep } from "./stats.mjs";

/** Polls the receiver until `expected` distinct deliveries arrived (or the timeout / stall). */
export async function waitDeliveries(ctx, expected, timeoutMs, { stallMs = Infinity } = {}) {
  const until = now() + timeoutMs;
  let last = -1;
  let lastChange = now();
  let s;
  for (;;) {
    s = await ctx.receiver.summary();
    if (s.distinctOk >= expected) return { complete: true, summary: s };
    if (s.distinctOk !== last) {
      last = s.distinctOk;
      lastChange = now();
    }
    if (now() > until || now() - lastChange > stallMs) return { complete: false, summary: s };
    await sleep(100);
  }
}
