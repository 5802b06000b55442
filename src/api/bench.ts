import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError } from "../domain/errors";
import { requireAuth } from "../middleware/auth";
import { groupCommitStats } from "../delivery/group-commit";
import { benchD1Counter } from "../store/d1-counter";

/**
 * Routes for the benchmark harness (bench/), present only when the var BENCH_MODE is "true";
 * otherwise every path here is the usual 404. Not part of the public API, so not in the OpenAPI doc.
 *
 * - `POST /bench/noop` → 202 `{}`: the runtime's ceiling. It passes through the same app-level
 *   middleware as every route (request id, config) and reads no body, touches no binding.
 * - `POST /bench/d1-read` → one D1 round trip that reads (`SELECT 1`); `POST /bench/d1-write` → one
 *   that writes (a no-change UPDATE of the built-in account row: a real write transaction, nothing
 *   altered). With the no-op they split the publish path's cost into runtime, D1 and the rest.
 * - `GET /bench/stats` (admin key) → this isolate's id and start time, its D1 statement counts
 *   (see store/d1-counter.ts) and its group-commit rounds (delivery/group-commit.ts).
 * - `POST /bench/stats/reset` (admin key) → zeroes them.
 */
export const bench = new Hono<AppEnv>();

/**
 * This isolate: the counts are per isolate, so the harness watches for workerd replacing it (after
 * a runtime crash and restart, or a condemned isolate) and a fresh one, with fresh counts, taking over.
 */
let isolate: { id: string; startedAt: number } | null = null;
// Random values are not allowed in global scope: made on the first request instead.
const thisIsolate = () => (isolate ??= { id: crypto.randomUUID(), startedAt: Date.now() });

bench.use("*", async (c, next) => {
  if ((c.env as { BENCH_MODE?: unknown }).BENCH_MODE !== "true") throw new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}`);
  await next();
});

bench.post("/noop", (c) => c.json({}, 202));

bench.post("/d1-read", async (c) => {
  await c.env.DB.prepare("SELECT 1 AS one").first();
  return c.json({}, 202);
});

bench.post("/d1-write", async (c) => {
  await c.env.DB.prepare("UPDATE accounts SET name = name WHERE id = 'default'").run();
  return c.json({}, 202);
});

bench.get("/stats", requireAuth({ adminOnly: true }), (c) => c.json({ isolate: thisIsolate(), d1: benchD1Counter.snapshot(), groupCommit: { ...groupCommitStats } }, 200));

bench.post("/stats/reset", requireAuth({ adminOnly: true }), (c) => {
  benchD1Counter.reset();
  return c.json({ isolate: thisIsolate(), d1: benchD1Counter.snapshot() }, 200);
});
