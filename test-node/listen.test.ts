import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { unwrap } from "../client/index.js";
import { baseUrl, eventually, newAccount } from "./support/api";
import { spawnCli } from "./support/cli";
import { startLocalServer } from "./support/local-server";

/**
 * `hookrelay listen` end to end: the real bin, a real WebSocket to `wrangler dev`, the session's
 * temporary webhook on the usual delivery path, and a real local server behind it.
 */

let local: Awaited<ReturnType<typeof startLocalServer>>;
const running: ReturnType<typeof spawnCli>[] = [];
beforeAll(async () => {
  local = await startLocalServer();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill()));
  local.setFallback(200);
});
afterAll(async () => {
  await local.close();
});

async function startListen(key: string, args: string[]) {
  const proc = spawnCli(["listen", String(local.port), "--json", ...args], { url: baseUrl(), key });
  running.push(proc);
  const ready = JSON.parse(await proc.waitForLine((l) => l.includes('"type":"ready"'), "the ready line"));
  return { proc, ready: ready as { sessionId: string; webhookId: string; secret: string; topics: string[]; resumed: boolean } };
}

const arrivals = (path: string, eventId: string) => local.requests.filter((r) => r.path === path && r.headers["webhook-id"] === eventId);

describe("hookrelay listen", () => {
  it("forwards a published event to the local server, signed so that standardwebhooks verifies it", async () => {
    const acc = await newAccount("listen signed");
    const stranger = await newAccount("listen stranger");
    const { proc, ready } = await startListen(acc.key, ["--topics", "order.*", "--path", "/signed"]);
    expect(ready.topics).toEqual(["order.*"]);

    // Another account's event on the same topic must not reach this session; our own event,
    // published after it, is the barrier.
    const foreign = await unwrap(stranger.client.POST("/api/events", { body: { topic: "order.created", payload: { from: "stranger" } } }));
    const event = await unwrap(acc.client.POST("/api/events", { body: { topic: "order.created", payload: { total: 42 } } }));
    const line = await proc.waitForLine((l) => l.includes(event.id), "the delivery line");
    expect(JSON.parse(line)).toMatchObject({ topic: "order.created", eventId: event.id, attempt: 1, status: 200, error: null, durationMs: expect.any(Number) });

    const [req] = arrivals("/signed", event.id);
    expect(req).toBeDefined();
    expect(JSON.parse(req!.body)).toEqual({ total: 42 });
    expect(new Webhook(ready.secret).verify(req!.body, req!.headers)).toEqual({ total: 42 });
    expect(req!.headers["x-webhook-topic"]).toBe("order.created");
    expect(local.requests.filter((r) => r.headers["webhook-id"] === foreign.id)).toEqual([]);

    // The outcome is recorded once the session's answer is back in the webhook's object, which can
    // be a moment after the CLI printed its line: wait for the row, then check it.
    const listCalls = () => unwrap(acc.client.GET("/api/webhooks/calls", { params: { query: { webhookId: ready.webhookId } } }));
    let calls = await listCalls();
    for (let i = 0; i < 50 && calls.data.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      calls = await listCalls();
    }
    expect(calls.data).toEqual([expect.objectContaining({ eventId: event.id, status: "succeeded", httpStatus: 200, responseBody: "local 200" })]);
  });

  it("turns a failing local server into retries visible in `calls ls`", async () => {
    const acc = await newAccount("listen retries");
    const { proc, ready } = await startListen(acc.key, ["--topics", "job.done", "--path", "/failing"]);
    local.setFallback(500);
    const event = await unwrap(acc.client.POST("/api/events", { body: { topic: "job.done", payload: { n: 1 } } }));
    // The default schedule retries 5 s (±20 %) after the first attempt.
    await proc.waitForLine((l) => l.includes(event.id) && l.includes('"attempt":2'), "the second attempt", 30_000);
    const attempts = await eventually(async () => {
      const res = await spawnCli(["calls", "ls", "--webhook", ready.webhookId, "--json"], { url: baseUrl(), key: acc.key });
      const code = await res.exited;
      expect(code).toBe(0);
      const page = JSON.parse(res.lines.join("\n")) as { data: { attempt: number; httpStatus: number; status: string; eventId: string }[] };
      return page.data.length >= 2 ? page.data : undefined;
    }, "two attempts in the call log");
    expect(attempts.map((c) => [c.eventId, c.attempt, c.httpStatus])).toEqual([[event.id, 2, 500], [event.id, 1, 500]]);
    expect(attempts.every((c) => c.status === "retrying" || c.status === "failed")).toBe(true);
  });

  it("stops delivering when the CLI disconnects, holds what waits, and resumes with --session", async () => {
    const acc = await newAccount("listen disconnect");
    const { proc, ready } = await startListen(acc.key, ["--topics", "doc.*", "--path", "/session"]);
    // An ordinary webhook on the same topic: the barrier that proves an event was fanned out.
    await unwrap(acc.client.POST("/api/webhooks", { body: { url: `${local.url}/barrier`, topics: ["doc.*"] } }));

    // A delivery that fails once on both, so each has a retry due ~5 s later; the session's must
    // wait once the CLI is gone, the barrier's arriving shows retries are being sent meanwhile.
    local.program("/session", 500);
    local.program("/barrier", 500);
    const held = await unwrap(acc.client.POST("/api/events", { body: { topic: "doc.saved", payload: { n: 1 } } }));
    await proc.waitForLine((l) => l.includes(held.id), "the first (failing) attempt");
    await proc.kill("SIGKILL");

    // The session's webhook is paused at once.
    await eventually(async () => {
      const w = await unwrap(acc.client.GET("/api/webhooks/{id}", { params: { path: { id: ready.webhookId } } }));
      return w.status === "inactive" ? w : undefined;
    }, "the session webhook to be paused", 10_000);

    const after = await unwrap(acc.client.POST("/api/events", { body: { topic: "doc.saved", payload: { n: 2 } } }));
    await eventually(async () => (arrivals("/barrier", after.id).length ? true : undefined), "the barrier webhook to get the event");
    expect(arrivals("/session", after.id)).toEqual([]);

    // Barrier for the held retry: the barrier's own retry has arrived and the session's retry is
    // past its due time (from its call record).
    const firstCall = await eventually(async () => {
      const page = await unwrap(acc.client.GET("/api/webhooks/calls", { params: { query: { webhookId: ready.webhookId, eventId: held.id } } }));
      return page.data[0];
    }, "the session's first call record");
    expect(firstCall).toMatchObject({ attempt: 1, httpStatus: 500, status: "retrying", nextAttemptAt: expect.any(String) });
    const dueAt = Date.parse(firstCall.nextAttemptAt!);
    await eventually(async () => (arrivals("/barrier", held.id).length === 2 && Date.now() > dueAt + 1_000 ? true : undefined), "the barrier's retry and the session's due time");
    expect(arrivals("/session", held.id)).toHaveLength(1);
    const queue = await unwrap(acc.client.GET("/api/webhooks/{id}/queue", { params: { path: { id: ready.webhookId } } }));
    expect(queue.retrying + queue.pending).toBe(1);

    // Back with --session: the same secret, and the held retry arrives.
    const resumed = await startListen(acc.key, ["--session", ready.sessionId, "--path", "/session"]);
    expect(resumed.ready).toMatchObject({ sessionId: ready.sessionId, secret: ready.secret, resumed: true });
    await resumed.proc.waitForLine((l) => l.includes(held.id) && l.includes('"status":200'), "the held retry after resuming", 30_000);
    const second = arrivals("/session", held.id)[1];
    expect(new Webhook(ready.secret).verify(second!.body, second!.headers)).toEqual({ n: 1 });
    expect(arrivals("/session", after.id)).toEqual([]);
  });

  it("shows the API's field details for a bad --topics and exits 1", async () => {
    const acc = await newAccount("listen bad");
    const proc = spawnCli(["listen", String(local.port), "--topics", "no good!"], { url: baseUrl(), key: acc.key });
    running.push(proc);
    expect(await proc.exited).toBe(1);
    expect(proc.stderr()).toContain("The listen query is invalid");
    expect(proc.stderr()).toMatch(/query\.topics\.\d: must be a topic name/);
  });

  it("refuses a wrong key (401, exit 1)", async () => {
    const proc = spawnCli(["listen", String(local.port)], { url: baseUrl(), key: "hr_notarealkey0000000000000000000000000000" });
    running.push(proc);
    expect(await proc.exited).toBe(1);
    expect(proc.stderr()).toContain("401 unauthorized");
  });
});
