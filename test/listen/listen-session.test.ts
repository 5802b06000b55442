import { runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { transportFor } from "../../src/delivery/transport";
import { listenUrl } from "../../src/domain/listen-url";
import { call, newAccount } from "../support/http";

/**
 * The deployment side of `hookrelay listen` inside workerd: the route's checks, the ListenSession
 * object's RPC (forward) across a real WebSocket, and the session's webhook lifecycle.
 */

async function connect(key: string, query = "topics=order.*") {
  const res = await exports.default.fetch(new Request(`http://hookrelay.test/api/listen?${query}`, { headers: { upgrade: "websocket", "x-api-key": key } }));
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  const messages: any[] = [];
  const waiters: ((m: any) => void)[] = [];
  ws.addEventListener("message", (e) => {
    const m = JSON.parse(e.data as string);
    const w = waiters.shift();
    if (w) w(m);
    else messages.push(m);
  });
  ws.accept();
  const next = () => new Promise<any>((resolve) => (messages.length ? resolve(messages.shift()) : waiters.push(resolve)));
  const ready = await next();
  return { ws, ready, next };
}

async function webhookStatus(key: string, id: string) {
  const res = await call("GET", `/api/webhooks/${id}`, { key });
  return res.status === 200 ? (res.json.status as string) : res.status;
}

async function until<T>(check: () => Promise<T>, want: T) {
  for (let i = 0; i < 100; i++) {
    if ((await check()) === want) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never became ${String(want)}`);
}

describe("the listen scheme is the listen route's only", () => {
  it("refuses hookrelay-listen:// on POST /api/webhooks and PUT /api/webhooks/{id}", async () => {
    const acc = await newAccount("listen scheme");
    const created = await call("POST", "/api/webhooks", { key: acc.key, body: { url: listenUrl("wh_someone"), topics: ["*"] } });
    expect(created.status).toBe(422);
    expect(created.json.error.details).toEqual([expect.objectContaining({ path: "body.url", code: "invalid_destination" })]);

    const ok = await call("POST", "/api/webhooks", { key: acc.key, body: { url: "https://hooks.example.com/in", topics: ["*"] } });
    const put = await call("PUT", `/api/webhooks/${ok.json.id}`, { key: acc.key, body: { url: listenUrl(ok.json.id) } });
    expect(put.status).toBe(422);
    expect(put.json.error.details[0].path).toBe("body.url");
  });
});

describe("GET /api/listen", () => {
  it("answers 401 without a key", async () => {
    expect((await call("GET", "/api/listen", { key: null, headers: { upgrade: "websocket" } })).status).toBe(401);
  });

  it("answers 400 to a request that is not a WebSocket upgrade, and creates nothing", async () => {
    const acc = await newAccount("listen no upgrade");
    const res = await call("GET", "/api/listen", { key: acc.key });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain("Upgrade: websocket");
    expect((await call("GET", "/api/webhooks", { key: acc.key })).json.data).toEqual([]);
  });

  it("answers 422 with query field details for bad topics and unknown sources", async () => {
    const acc = await newAccount("listen invalid");
    const headers = { upgrade: "websocket" };
    const topics = await call("GET", "/api/listen?topics=ok.topic,not%20one", { key: acc.key, headers });
    expect(topics.status).toBe(422);
    expect(topics.json.error.details).toEqual([expect.objectContaining({ path: "query.topics.1" })]);
    const source = await call("GET", "/api/listen?source=src_nope", { key: acc.key, headers });
    expect(source.status).toBe(422);
    expect(source.json.error.details).toEqual([expect.objectContaining({ path: "query.source.0", code: "unknown_source" })]);
  });

  it("answers 404 for another account's session", async () => {
    const a = await newAccount("listen owner");
    const b = await newAccount("listen other");
    const { ws, ready } = await connect(a.key);
    const res = await call("GET", `/api/listen?session=${ready.sessionId}`, { key: b.key, headers: { upgrade: "websocket" } });
    expect(res.status).toBe(404);
    ws.close(1000, "done");
  });
});

describe("ListenSession", () => {
  it("forwards a request over the socket and returns the CLI's answer; the transport makes it a Response", async () => {
    const acc = await newAccount("listen rpc");
    const { ws, ready, next } = await connect(acc.key);
    expect(ready).toMatchObject({ type: "ready", webhookId: ready.sessionId, accountId: acc.id, secret: expect.stringMatching(/^whsec_/), topics: ["order.*"], resumed: false, holdSeconds: 600 });
    expect(await webhookStatus(acc.key, ready.webhookId)).toBe("active");

    const stub = env.LISTEN_SESSION.getByName(ready.sessionId);
    const pending = stub.forward({ headers: [["webhook-id", "evt_1"]], body: '{"a":1}' });
    const delivery = await next();
    expect(delivery).toMatchObject({ type: "delivery", headers: [["webhook-id", "evt_1"]], body: '{"a":1}', timeoutMs: 15000 });
    ws.send(JSON.stringify({ type: "result", id: delivery.id, status: 201, headers: { "retry-after": "3" }, body: "made", durationMs: 4 }));
    expect(await pending).toEqual({ ok: true, status: 201, headers: { "retry-after": "3" }, body: "made", durationMs: 4 });

    const send = transportFor(env, listenUrl(ready.sessionId));
    const answered = send("ignored", { method: "POST", headers: { "x-webhook-topic": "order.created" }, body: "{}" });
    const second = await next();
    expect(new Headers(second.headers).get("x-webhook-topic")).toBe("order.created");
    ws.send(JSON.stringify({ type: "result", id: second.id, status: 503, headers: { "retry-after": "7" }, body: "busy" }));
    const res = await answered;
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("7");
    expect(await res.text()).toBe("busy");

    // A local failure comes back as a network-style error.
    const failing = send("ignored", { method: "POST", body: "{}" });
    const third = await next();
    ws.send(JSON.stringify({ type: "result", id: third.id, error: "connect ECONNREFUSED 127.0.0.1:3000" }));
    await expect(failing).rejects.toThrow("local server: connect ECONNREFUSED 127.0.0.1:3000");
    ws.close(1000, "done");
  });

  it("pauses the session's webhook on disconnect, refuses to forward, and deletes it when the hold ends", async () => {
    const acc = await newAccount("listen lifecycle");
    const { ws, ready } = await connect(acc.key);
    ws.close(1000, "bye");
    await until(() => webhookStatus(acc.key, ready.webhookId), "inactive");
    const stub = env.LISTEN_SESSION.getByName(ready.sessionId);
    expect(await stub.forward({ headers: [], body: "" })).toEqual({ ok: false, error: "the hookrelay listen session is not connected" });

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await webhookStatus(acc.key, ready.webhookId)).toBe(404);
    const again = await call("GET", `/api/listen?session=${ready.sessionId}`, { key: acc.key, headers: { upgrade: "websocket" } });
    expect(again.status).toBe(404);
  });

  it("resumes the same session (same secret) on reconnect, and a newer connection replaces the older", async () => {
    const acc = await newAccount("listen resume");
    const first = await connect(acc.key);
    first.ws.close(1000, "bye");
    await until(() => webhookStatus(acc.key, first.ready.webhookId), "inactive");

    const second = await connect(acc.key, `session=${first.ready.sessionId}`);
    expect(second.ready).toMatchObject({ sessionId: first.ready.sessionId, secret: first.ready.secret, resumed: true });
    expect(await webhookStatus(acc.key, first.ready.webhookId)).toBe("active");

    const secondClosed = new Promise<number>((r) => second.ws.addEventListener("close", (e) => r(e.code)));
    const third = await connect(acc.key, `session=${first.ready.sessionId}`);
    expect(await secondClosed).toBe(4000);
    expect(await webhookStatus(acc.key, first.ready.webhookId)).toBe("active");
    third.ws.close(1000, "done");
  });

  it("leaves ordinary URLs to global fetch", () => {
    expect(transportFor(env, "https://hooks.example.com/in")).toBe(fetch);
  });
});
