// The CLI end of `hookrelay listen`: a WebSocket to GET /api/listen (protocol in
// src/listen/protocol.ts). Each `delivery` is POSTed to the local URL as it came (the signed
// headers and the exact body); the local answer goes back as the attempt's result. When the
// socket drops, it reconnects to the same session, whose deliveries wait meanwhile.
import WebSocket from "ws";
import { HookrelayError } from "../client/index.js";

const RESPONSE_CAPTURE_CHARS = 4096;
const PING_INTERVAL_MS = 25_000;
/** Headers fetch() sets itself or refuses; the rest go to the local server unchanged. */
const NOT_FORWARDED = new Set(["host", "content-length", "connection", "keep-alive", "transfer-encoding", "upgrade"]);
const PASSED_BACK = ["retry-after", "location", "content-type"];

/**
 * @typedef {{ type: "ready", sessionId: string, webhookId: string, accountId: string, secret: string, topics: string[], channels: string[] | null, sources: string[] | null, holdSeconds: number, resumed: boolean }} Ready
 * @typedef {{ type: "delivery", id: string, headers: [string, string][], body: string, timeoutMs: number }} Delivery
 * @typedef {{ time: string, topic: string, eventId: string, attempt: number, status: number | null, durationMs: number, error: string | null }} Forwarded
 */

/**
 * POSTs one delivery to the local URL.
 * @param {string} localUrl @param {Delivery} d
 */
export async function forwardLocally(localUrl, d) {
  const headers = new Headers();
  for (const [k, v] of d.headers) if (!NOT_FORWARDED.has(k.toLowerCase())) headers.append(k, v);
  const started = performance.now();
  try {
    // A little under the webhook's timeout, so our answer (even "timed out") arrives in time.
    const res = await fetch(localUrl, { method: "POST", headers, body: d.body, redirect: "manual", signal: AbortSignal.timeout(Math.max(500, d.timeoutMs - 1000)) });
    const text = await res.text();
    /** @type {Record<string, string>} */
    const back = {};
    for (const name of PASSED_BACK) {
      const v = res.headers.get(name);
      if (v) back[name] = v;
    }
    return { status: res.status, headers: back, body: text.slice(0, RESPONSE_CAPTURE_CHARS), durationMs: Math.round(performance.now() - started), error: null };
  } catch (err) {
    const e = /** @type {Error & { cause?: Error }} */ (err);
    const reason = e.name === "TimeoutError" ? `timed out after ${Math.max(500, d.timeoutMs - 1000)} ms` : e.cause?.message ?? e.message;
    return { status: null, headers: {}, body: "", durationMs: Math.round(performance.now() - started), error: `${localUrl}: ${reason}` };
  }
}

/**
 * @param {{
 *   baseUrl: string, apiKey: string, accountId?: string, localUrl: string,
 *   topics?: string[], channels?: string[], sources?: string[], session?: string,
 *   onReady: (r: Ready) => void, onDelivery: (f: Forwarded) => void, onStatus: (text: string) => void,
 * }} opts
 * @returns {{ done: Promise<void>, stop: () => void }}
 */
export function listen(opts) {
  let stopped = false;
  /** @type {WebSocket | null} */
  let socket = null;
  let sessionId = opts.session ?? null;
  let backoffMs = 500;

  const done = new Promise((resolve, reject) => {
    const connect = () => {
      const url = new URL("/api/listen", opts.baseUrl);
      url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
      if (sessionId) url.searchParams.set("session", sessionId);
      else {
        if (opts.topics?.length) url.searchParams.set("topics", opts.topics.join(","));
        if (opts.channels?.length) url.searchParams.set("channel", opts.channels.join(","));
        if (opts.sources?.length) url.searchParams.set("source", opts.sources.join(","));
      }
      /** @type {Record<string, string>} */
      const headers = { "x-api-key": opts.apiKey };
      if (opts.accountId) headers["x-account-id"] = opts.accountId;
      const ws = new WebSocket(url, { headers });
      socket = ws;
      let opened = false;
      /** @type {ReturnType<typeof setInterval> | undefined} */
      let ping;

      ws.on("unexpected-response", (req, res) => {
        // Held now: once the answer is read, the socket leaves `res`, and a kept-alive socket
        // would keep the process up.
        const sock = res.socket;
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => {
          req.destroy();
          sock.destroy();
          /** @type {any} */
          let body;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          // A session that ended while we were away: start a new one (a new secret too).
          if (res.statusCode === 404 && sessionId && !opts.session) {
            opts.onStatus(`session ${sessionId} has ended; starting a new one`);
            sessionId = null;
            return setTimeout(connect, 0);
          }
          stopped = true;
          reject(new HookrelayError(res.statusCode ?? 0, body?.error ?? { message: text || `HTTP ${res.statusCode}` }));
        });
      });
      ws.on("open", () => {
        opened = true;
        backoffMs = 500;
        ping = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send("ping"), PING_INTERVAL_MS);
      });
      ws.on("message", async (data) => {
        const text = data.toString();
        if (text === "pong") return;
        /** @type {any} */
        let msg;
        try {
          msg = JSON.parse(text);
        } catch {
          return;
        }
        if (msg.type === "ready") {
          sessionId = msg.sessionId;
          opts.onReady(/** @type {Ready} */ (msg));
        } else if (msg.type === "delivery") {
          const d = /** @type {Delivery} */ (msg);
          const result = await forwardLocally(opts.localUrl, d);
          const h = new Headers(d.headers);
          const reply = result.error === null
            ? { type: "result", id: d.id, status: result.status, headers: result.headers, body: result.body, durationMs: result.durationMs }
            : { type: "result", id: d.id, error: result.error, durationMs: result.durationMs };
          if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(reply));
          opts.onDelivery({
            time: new Date().toISOString(), topic: h.get("x-webhook-topic") ?? "", eventId: h.get("webhook-id") ?? "",
            attempt: Number(h.get("x-webhook-attempt") ?? 1), status: result.status, durationMs: result.durationMs, error: result.error,
          });
        }
      });
      ws.on("error", (err) => {
        if (!opened && !sessionId && !stopped) {
          stopped = true;
          reject(err);
        }
      });
      ws.on("close", (code, reason) => {
        clearInterval(ping);
        if (stopped) return resolve(undefined);
        if (code === 4000) {
          stopped = true;
          return reject(new Error(`another \`hookrelay listen --session ${sessionId}\` took over this session`));
        }
        if (!sessionId) {
          stopped = true;
          return reject(new Error(`the connection closed before the session started (${code} ${reason.toString()})`));
        }
        opts.onStatus(`disconnected (${code}); reconnecting to ${sessionId} in ${backoffMs} ms`);
        setTimeout(connect, backoffMs);
        backoffMs = Math.min(backoffMs * 2, 10_000);
      });
    };
    connect();
  });

  return {
    done: /** @type {Promise<void>} */ (done),
    stop: () => {
      stopped = true;
      socket?.close(1000, "hookrelay listen stopped");
    },
  };
}
