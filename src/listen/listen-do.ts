import { DurableObject } from "cloudflare:workers";
import { type DeliveryMessage, type ForwardResult, type ReadyMessage, ResultMessage } from "./protocol";
import { endListenWebhook, LISTEN_HOLD_MS, setListenActive } from "./session";

/**
 * One per `hookrelay listen` session (named by the session id, which is its webhook's id). Holds
 * the CLI's WebSocket with the hibernation API, so an idle session costs nothing, and carries each
 * delivery of the session's webhook across it: forward() (called by the webhook's object through
 * delivery/transport.ts) pushes the signed request and waits for the CLI's answer.
 *
 * It is the only writer of the webhook's active state while the session lives: a disconnect pauses
 * it (deliveries wait), a reconnect resumes it, and the alarm deletes it LISTEN_HOLD_MS after the
 * last disconnect. Those run under blockConcurrencyWhile so a quick reconnect cannot interleave
 * with the pause of the connection it replaces.
 *
 * Storage: `session` → SessionInfo (set on connect, dropped when the session ends).
 */
export interface SessionInfo {
  sessionId: string;
  accountId: string;
  webhookId: string;
  timeoutMs: number;
}

/**
 * The connect request from the listen route carries the session as JSON in this header, with the
 * ready message (which holds the signing secret: sent to the CLI once, never stored here).
 */
export const SESSION_HEADER = "x-hookrelay-listen-session";
/** Close code for a socket replaced by a newer connection of the same session. */
export const CLOSE_REPLACED = 4000;
/** Close code when the session has been ended (its webhook deleted). */
export const CLOSE_ENDED = 4001;

interface Waiting {
  socket: WebSocket;
  resolve: (r: ForwardResult) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class ListenSession extends DurableObject<Env> {
  private readonly waiting = new Map<string, Waiting>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Keep-alives from the CLI are answered by the runtime, without waking a hibernated object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /** The WebSocket upgrade, forwarded by the listen route after it authenticated the key. */
  override async fetch(request: Request): Promise<Response> {
    const header = request.headers.get(SESSION_HEADER);
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket" || !header) return new Response("expected a WebSocket upgrade from the listen route", { status: 400 });
    const info = JSON.parse(header) as SessionInfo & { ready: Omit<ReadyMessage, "type" | "holdSeconds"> };
    const { ready, ...session } = info;
    const resumed = await this.ctx.blockConcurrencyWhile(async () => {
      const webhook = await setListenActive(this.env, session.accountId, session.webhookId, true);
      if (webhook === null) return false;
      await this.ctx.storage.put("session", session);
      await this.ctx.storage.deleteAlarm();
      return true;
    });
    if (!resumed) return new Response("the session has ended", { status: 410 });

    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server);
    // One CLI per session: a newer connection replaces the older one.
    for (const ws of this.ctx.getWebSockets()) if (ws !== server) this.safeClose(ws, CLOSE_REPLACED, "replaced by a newer connection of this session");
    const hello: ReadyMessage = { type: "ready", ...ready, holdSeconds: LISTEN_HOLD_MS / 1000 };
    server.send(JSON.stringify(hello));
    return new Response(null, { status: 101, webSocket: client });
  }

  /** One delivery: push it to the CLI and wait for the local answer (or give up after the timeout). */
  async forward(req: { headers: [string, string][]; body: string }): Promise<ForwardResult> {
    const socket = this.openSockets()[0];
    if (!socket) return { ok: false, error: "the hookrelay listen session is not connected" };
    const session = await this.ctx.storage.get<SessionInfo>("session");
    const timeoutMs = session?.timeoutMs ?? 15_000;
    const id = crypto.randomUUID();
    const message: DeliveryMessage = { type: "delivery", id, headers: req.headers, body: req.body, timeoutMs };
    return new Promise<ForwardResult>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve({ ok: false, error: `hookrelay listen did not answer within ${timeoutMs} ms` });
      }, timeoutMs);
      this.waiting.set(id, { socket, resolve, timer });
      try {
        socket.send(JSON.stringify(message));
      } catch (err) {
        this.settle(id, { ok: false, error: `could not reach hookrelay listen: ${String(err)}` });
      }
    });
  }

  override async webSocketMessage(_ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== "string") return;
    let parsed: ResultMessage;
    try {
      parsed = ResultMessage.parse(JSON.parse(message));
    } catch {
      return; // not a result we understand; the attempt times out rather than trusting it
    }
    if (parsed.error !== undefined || parsed.status === undefined) {
      this.settle(parsed.id, { ok: false, error: `local server: ${parsed.error ?? "no answer"}` });
    } else {
      this.settle(parsed.id, { ok: true, status: parsed.status, headers: parsed.headers ?? {}, body: parsed.body ?? "", durationMs: parsed.durationMs ?? 0 });
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.safeClose(ws, code === 1005 || code === 1006 ? 1000 : code, reason);
    await this.disconnected(ws);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.disconnected(ws);
  }

  /** LISTEN_HOLD_MS after the last disconnect: end the session unless the CLI came back. */
  override async alarm(): Promise<void> {
    await this.ctx.blockConcurrencyWhile(async () => {
      if (this.openSockets().length > 0) return;
      const session = await this.ctx.storage.get<SessionInfo>("session");
      if (session) await endListenWebhook(this.env, session.accountId, session.webhookId);
      await this.ctx.storage.deleteAll();
    });
  }

  private async disconnected(ws: WebSocket): Promise<void> {
    for (const [id, w] of this.waiting) if (w.socket === ws) this.settle(id, { ok: false, error: "the hookrelay listen session disconnected" });
    await this.ctx.blockConcurrencyWhile(async () => {
      if (this.openSockets().some((s) => s !== ws)) return;
      const session = await this.ctx.storage.get<SessionInfo>("session");
      if (!session) return;
      await setListenActive(this.env, session.accountId, session.webhookId, false);
      await this.ctx.storage.setAlarm(Date.now() + LISTEN_HOLD_MS);
    });
  }

  private openSockets(): WebSocket[] {
    return this.ctx.getWebSockets().filter((s) => s.readyState === WebSocket.OPEN);
  }

  private settle(id: string, result: ForwardResult): void {
    const w = this.waiting.get(id);
    if (!w) return;
    clearTimeout(w.timer);
    this.waiting.delete(id);
    w.resolve(result);
  }

  private safeClose(ws: WebSocket, code: number, reason: string): void {
    try {
      ws.close(code, reason.slice(0, 120));
    } catch {
      /* already closed */
    }
  }
}
