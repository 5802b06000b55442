import { createRoute, z } from "@hono/zod-openapi";
import { apiKeySecurity, errorResponses } from "./route-docs";
import { ApiError, type FieldIssue, notFound } from "../domain/errors";
import { listenSessionOf } from "../domain/listen-url";
import { WebhookCreate } from "../domain/webhook";
import { SESSION_HEADER, type SessionInfo } from "../listen/listen-do";
import { createListenWebhook, listenSecret } from "../listen/session";
import { createApp } from "./create-app";
import { requireAuth } from "../middleware/auth";
import { liveSourceIds } from "../store/sources";
import { getWebhook } from "../store/webhooks";

/**
 * GET /api/listen: the WebSocket behind `hookrelay listen`. The key is checked like any API call;
 * the session is a temporary webhook of the caller's account (so matching, ordering, signing,
 * retries and the call log are a webhook's), held by a ListenSession object. `session=` reconnects
 * to a session that is paused because its CLI went away.
 */
export const listen = createApp();
listen.use("*", requireAuth());

const commaList = z.string().max(4000).transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean));

const ListenQuery = z.object({
  topics: commaList.optional().openapi({ description: "Comma-separated topics (exact, `prefix.*` or `*`); default `*`", example: "order.*,message.received" }),
  channel: commaList.optional().openapi({ description: "Only events on these channels (comma-separated)" }),
  source: commaList.optional().openapi({ description: "Only events from these inbound sources (comma-separated ids)" }),
  session: z.string().max(100).optional().openapi({ description: "Reconnect to this session (the id from the ready message)" }),
});

listen.openapi(
  createRoute({
    method: "get", path: "/", tags: ["Listen"], security: apiKeySecurity,
    summary: "Open a `hookrelay listen` session (WebSocket)",
    description:
      "Upgrades to a WebSocket over which the account's matching deliveries arrive as JSON `delivery` messages, answered with `result` messages (see src/listen/protocol.ts). A disconnected session is paused at once; it is deleted, with what waited for it, 10 minutes after the last disconnect.",
    request: { query: ListenQuery },
    responses: {
      101: { description: "Switching Protocols: the session's WebSocket" },
      ...errorResponses,
    },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const { accountId } = c.var.auth;
    const config = c.var.config;
    let sessionId: string;
    let ready: SessionInfo & { ready: Record<string, unknown> };
    if (query.session) {
      const webhook = await getWebhook(c.env.DB, accountId, query.session);
      if (!webhook || listenSessionOf(webhook.url) !== webhook.id) throw notFound("Listen session", query.session);
      sessionId = webhook.id;
      ready = readyInfo(accountId, webhook, await listenSecret(webhook, config.ENCRYPTION_KEY), true);
    } else {
      const filters = await validFilters(c.env.DB, accountId, query);
      if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw upgradeRequired();
      const { webhook, secret } = await createListenWebhook(c.env, accountId, filters, config.ENCRYPTION_KEY);
      sessionId = webhook.id;
      ready = readyInfo(accountId, webhook, secret, false);
    }
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw upgradeRequired();
    const headers = new Headers(c.req.raw.headers);
    headers.set(SESSION_HEADER, JSON.stringify(ready));
    const res = await c.env.LISTEN_SESSION.getByName(sessionId).fetch(new Request(c.req.url, { headers }));
    if (res.status === 410) throw notFound("Listen session", sessionId);
    return res as never;
  },
);

function upgradeRequired() {
  return new ApiError("bad_request", "GET /api/listen is a WebSocket endpoint: send `Upgrade: websocket` (use `hookrelay listen`)");
}

function readyInfo(accountId: string, w: { id: string; topics: string[]; channels: string[] | null; sources: string[] | null; delivery: { timeoutMs: number } }, secret: string, resumed: boolean) {
  return {
    sessionId: w.id, accountId, webhookId: w.id, timeoutMs: w.delivery.timeoutMs,
    ready: { sessionId: w.id, webhookId: w.id, accountId, secret, topics: w.topics, channels: w.channels, sources: w.sources, resumed },
  };
}

/** The webhook rules for topics, channels and sources, with issues named after the query fields. */
async function validFilters(db: D1Database, accountId: string, q: z.infer<typeof ListenQuery>) {
  const fieldOf: Record<string, string> = { topics: "topics", channels: "channel", sources: "source" };
  const parsed = WebhookCreate.safeParse({
    url: "https://listen.invalid/", topics: q.topics?.length ? q.topics : ["*"],
    ...(q.channel?.length ? { channels: q.channel } : {}), ...(q.source?.length ? { sources: q.source } : {}),
  });
  if (!parsed.success) {
    const issues: FieldIssue[] = parsed.error.issues.map((i) => ({
      path: ["query", fieldOf[String(i.path[0])] ?? String(i.path[0]), ...i.path.slice(1).map(String)].join("."),
      message: i.message,
      code: i.code,
    }));
    throw new ApiError("validation_failed", "The listen query is invalid", issues);
  }
  const sources = parsed.data.sources ?? null;
  if (sources?.length) {
    const live = await liveSourceIds(db, accountId, sources);
    const issues = sources.flatMap((id, i) => (live.has(id) ? [] : [{ path: `query.source.${i}`, message: `source ${id} does not exist in this account`, code: "unknown_source" }]));
    if (issues.length) throw new ApiError("validation_failed", "The listen query is invalid", issues);
  }
  return { topics: parsed.data.topics, channels: parsed.data.channels ?? null, sources };
}
