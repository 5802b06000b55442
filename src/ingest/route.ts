import { createRoute, z } from "@hono/zod-openapi";
import { acceptGrouped } from "../accepting/group-commit";
import { arriving } from "../middleware/arriving";
import { ErrorBody, jsonResponse } from "../api/route-docs";
import { ApiError, notFound } from "../domain/errors";
import { createApp } from "../api/create-app";
import { sha256Hex } from "../lib/hash";
import { decodeUtf8, readBodyLimited } from "./body";
import { sourceBuckets } from "./rate-limit";
import { Extractor, MAX_DEDUPE_KEY_LENGTH, toChannel, toTopicName } from "./rules";
import { liveSecrets } from "../domain/secrets";
import { cachedIngestSource } from "./source-cache";
import { verify } from "./verifiers";

/**
 * `POST /in/{sourceId}`: where providers send their webhooks. The hot path is: cached source →
 * bytes (bounded) → signature → rate limit → extract topic/channel/dedupe id → acceptGrouped
 * (stored with other concurrent requests' events in one D1 round trip, then queued).
 * No outbound fetch; fan-out and re-signing happen in the consumer.
 *
 * Mounted without the management body limit: this route enforces MAX_PAYLOAD_BYTES itself.
 */
export const ingest = createApp();

// newId("src", 22): 9 time chars + 22 random base62 chars. Anything else cannot exist, so it is a
// 404 without a D1 read.
const SOURCE_ID = /^src_[0-9A-Za-z]{20,80}$/;
const PAUSED_RETRY_AFTER_SECONDS = 60;

const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: ErrorBody } } });

const Accepted = z
  .object({
    id: z.string().openapi({ example: "evt_0mh2k3x9aXbYcZ12" }),
    duplicate: z.boolean().optional().openapi({ description: "true when the provider's event id was already received in the last 24 h; nothing new is delivered" }),
  })
  .openapi("InboundAccepted");

/**
 * Documented from the route config but served by a plain handler: the verifier may answer with its
 * own Response (Slack's url_verification challenge), which a typed openapi handler cannot return,
 * and the body must reach the handler unread.
 */
const inboundRoute = createRoute({
  method: "post",
  path: "/{sourceId}",
  tags: ["Inbound"],
  summary: "Receive a provider's webhook",
  description:
    "Verifies the request with the source's scheme, stores the exact bytes as an event and answers at once; subscribed webhooks receive it re-signed with their own secrets. Slack's url_verification is answered with its challenge.",
  request: {
    params: z.object({ sourceId: z.string().openapi({ param: { name: "sourceId", in: "path" }, example: "src_0mh2k3x9a4Hq8ZyXw2PpLm5TbV7cN1dRf" }) }),
    // Not JSON-validated on purpose: any UTF-8 body is relayed byte for byte.
    body: { content: { "*/*": { schema: z.string().openapi({ description: "The provider's body, any UTF-8 content type" }) } } },
  },
  responses: {
    200: jsonResponse(Accepted, "Stored (or a duplicate of an event already stored)"),
    401: errorResponse("signature_missing, signature_invalid or timestamp_stale; nothing was stored"),
    404: errorResponse("No such source, or it was deleted"),
    413: errorResponse("Body over MAX_PAYLOAD_BYTES"),
    415: errorResponse("Body is not valid UTF-8"),
    429: errorResponse("Over the source's rate limit; retry after Retry-After seconds"),
    503: errorResponse("The source is paused (active: false); retry later"),
  },
});
ingest.openAPIRegistry.registerPath(inboundRoute);

ingest.post("/:sourceId", arriving, async (c) => {
  const nowMs = Date.now();
  const sourceId = c.req.param("sourceId");
  const config = c.var.config;
  const found = SOURCE_ID.test(sourceId) ? await cachedIngestSource(c.env.DB, sourceId, config.ENCRYPTION_KEY, nowMs) : null;
  if (!found) throw notFound("Source", sourceId);
  const { source, rules } = found;
  if (!source.active) {
    throw new ApiError("upstream_unavailable", `Source ${source.id} is paused and accepts nothing until it is re-activated`, undefined, {
      "retry-after": String(PAUSED_RETRY_AFTER_SECONDS),
    });
  }

  const body = await readBodyLimited(c.req.raw, config.MAX_PAYLOAD_BYTES);
  if (!body.ok) throw new ApiError("payload_too_large", `Inbound bodies are limited to ${config.MAX_PAYLOAD_BYTES} bytes`);

  const headers = c.req.raw.headers;
  const verdict = await verify({ body: body.bytes, headers, secrets: liveSecrets(found.secrets, nowMs).map((s) => s.secret), config: source.verification, nowMs });
  if (!verdict.ok) throw new ApiError(verdict.code, verdict.message);
  if (verdict.challenge) return verdict.challenge;

  // Counted after verification, so requests without the secret cannot use up the provider's quota.
  if (source.rateLimit) {
    const taken = sourceBuckets.take(source.id, source.rateLimit.perSecond, nowMs);
    if (!taken.ok) {
      throw new ApiError("rate_limited", `Source ${source.id} accepts ${source.rateLimit.perSecond} requests per second`, undefined, {
        "retry-after": String(taken.retryAfterSeconds),
      });
    }
  }

  const text = decodeUtf8(body.bytes);
  if (text === null) throw new ApiError("unsupported_media_type", "The body is not valid UTF-8; hookrelay relays text bodies (JSON, form, XML, plain text)");

  // RFC 9110: a body without a media type may be treated as application/octet-stream.
  const contentType = headers.get("content-type") ?? "application/octet-stream";
  const extract = new Extractor({ headers, text, contentType });
  const topic = extract.first(rules.topic, (raw) => toTopicName(raw, found.topicPrefix)) ?? rules.fallbackTopic;
  const channel = extract.first(rules.channel, toChannel);
  let dedupeKey = extract.first(rules.dedupe);
  if (dedupeKey !== null && dedupeKey.length > MAX_DEDUPE_KEY_LENGTH) dedupeKey = `sha256:${await sha256Hex(dedupeKey)}`;

  let forwarded: Record<string, string> | null = null;
  for (const name of found.forwardHeaders) {
    const value = headers.get(name);
    if (value !== null) (forwarded ??= {})[name] = value;
  }

  const [accepted] = await acceptGrouped(c.env, c.executionCtx, [
    { accountId: source.accountId, event: { topic, payload: text, contentType, channel, sourceId: source.id, dedupeKey, headers: forwarded } },
  ], c.var.arrival);
  if (!accepted) throw new Error("the group commit returned no result for one event");
  return c.json(accepted.duplicate ? { id: accepted.id, duplicate: true } : { id: accepted.id }, 200);
});
