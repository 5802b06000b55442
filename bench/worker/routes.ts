import { Hono } from "hono";
import type { AppEnv } from "../../src/app-env";
import { groupCommitStats } from "../../src/accepting/group-commit";
import { requireAuth } from "../../src/middleware/auth";
import { notFoundOrMethod, onError } from "../../src/middleware/errors";
import { loadConfig } from "../../src/middleware/config";
import { requestId } from "../../src/middleware/request-id";
import { countedClasses } from "./counting-do";
import { bindingCounter, uncountedEnv } from "./counting-env";
import { benchD1Counter } from "./d1-counter";
import { eventTimes, type ProbeScope, unfannedCount } from "./probes";

/**
 * Routes for the benchmark harness, served by the bench entry (entry.ts) only; the production
 * Worker has none of them. Not part of the public API.
 *
 * - `POST /bench/noop` → 202 `{}`: the runtime's ceiling. It passes through the same app-level
 *   middleware as every production route (request id, config) and reads no body, touches no binding.
 * - `POST /bench/d1-read` → one D1 round trip that reads (`SELECT 1`); `POST /bench/d1-write` → one
 *   that writes (a no-change UPDATE of the built-in account row: a real write transaction, nothing
 *   altered). With the no-op they split the publish path's cost into runtime, D1 and the rest.
 * - `GET /bench/stats` (admin key) → this isolate's id and start time, its D1 statement counts
 *   (d1-counter.ts), queue messages and Durable Object calls (counting-env.ts) and its group-commit
 *   rounds (src/accepting/group-commit.ts), and the Durable Object classes the entry wraps.
 *   `POST /bench/stats/reset` (admin key) zeroes the counts.
 * - `GET /bench/unfanned?account=&since=` (admin key) → `{count}` of accepted events not fanned out
 *   yet; `GET /bench/event-times?account=&since=&prefix=` → `{data:[{id, createdAt, fannedOutAt}]}`.
 *   Both read wherever events are stored (probes.ts), so the harness never reads storage itself.
 */
export const benchRoutes = new Hono<AppEnv>();

/**
 * This isolate: the counts are per isolate, so the harness watches for workerd replacing it (after
 * a runtime crash and restart, or a condemned isolate) and a fresh one, with fresh counts, taking over.
 */
let isolate: { id: string; startedAt: number } | null = null;
// Random values are not allowed in global scope: made on the first request instead.
const thisIsolate = () => (isolate ??= { id: crypto.randomUUID(), startedAt: Date.now() });

const counts = () => ({ isolate: thisIsolate(), d1: benchD1Counter.snapshot(), ...bindingCounter.snapshot(), groupCommit: { ...groupCommitStats }, countedClasses: [...countedClasses] });

// The same app-level middleware as the production app, so the no-op costs what a route's frame costs.
benchRoutes.use("*", requestId(), loadConfig());

benchRoutes.post("/bench/noop", (c) => c.json({}, 202));

benchRoutes.post("/bench/d1-read", async (c) => {
  await c.env.DB.prepare("SELECT 1 AS one").first();
  return c.json({}, 202);
});

benchRoutes.post("/bench/d1-write", async (c) => {
  await c.env.DB.prepare("UPDATE accounts SET name = name WHERE id = 'default'").run();
  return c.json({}, 202);
});

const admin = requireAuth({ adminOnly: true });

benchRoutes.get("/bench/stats", admin, (c) => c.json(counts(), 200));

benchRoutes.post("/bench/stats/reset", admin, (c) => {
  benchD1Counter.reset();
  bindingCounter.reset();
  return c.json(counts(), 200);
});

function scope(c: { req: { query(name: string): string | undefined } }): ProbeScope {
  const since = Number(c.req.query("since"));
  return { accountId: c.req.query("account") || null, sinceMs: Number.isFinite(since) && since > 0 ? since : null };
}

benchRoutes.get("/bench/unfanned", admin, async (c) => c.json({ count: await unfannedCount(uncountedEnv(c.env), scope(c)) }, 200));

benchRoutes.get("/bench/event-times", admin, async (c) => {
  const prefix = c.req.query("prefix") ?? "";
  if (!prefix) return c.json({ error: { code: "validation_failed", message: "prefix is required", requestId: c.var.requestId } }, 422);
  return c.json({ data: await eventTimes(uncountedEnv(c.env), scope(c), prefix) }, 200);
});

benchRoutes.notFound(notFoundOrMethod(() => benchRoutes.routes));
benchRoutes.onError(onError);
