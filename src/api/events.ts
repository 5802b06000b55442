import { createRoute, z } from "@hono/zod-openapi";
import { acceptGrouped } from "../accepting/group-commit";
import { arriving } from "../middleware/arriving";
import { acceptEvents, type AcceptedEvent, type IncomingEvent } from "../accepting/accept";
import { enqueueFanout } from "../traffic/fanout-queue";
import { checkEventSchemas } from "../delivery/topic-schemas";
import { apiKeySecurity, errorResponses, jsonBody, jsonResponse, optionalBody, optionalJsonBody, pageOf } from "./route-docs";
import { ListQuery, TimeQuery } from "../domain/query";
import { isoTime } from "../lib/time";
import {
  deliveryStateOut, EventAccepted, EventBatch, EventCreate, EventDetailOut, EventOut, payloadOut,
} from "../domain/event";
import { ApiError, failIfAny, type FieldIssue, notFound } from "../domain/errors";
import { randomToken } from "../domain/ids";
import { utf8 } from "../lib/encoding";
import { createApp } from "./create-app";
import { requireAuth } from "../middleware/auth";
import { limitBody } from "../middleware/body-limit";
import type { Config } from "../env";
import { requireUtf8Body } from "../middleware/utf8-body";
import { liveWebhooksByIds } from "../store/webhook-channels";
import type { StoredEvent } from "../traffic/event-types";
import { findEvent, listAccountEvents } from "../traffic/events";
import { deliveryStatesFor } from "./event-deliveries";
import { eventFilter, replayTargets, webhookIdFilter } from "./scope";

/**
 * Publishing and reading events. POST is the hot path: validate, serialize the payload once (that
 * string is the exact body every subscriber receives), and hand it to the isolate's group commit:
 * one EventStore round trip and one queue send shared with the other requests in flight, no
 * outbound fetch. Reads go to the EventStore partitions (src/traffic/events.ts).
 */
export const events = createApp();
events.use("*", requireAuth());

const tags = ["Events"];
const security = apiKeySecurity;

/** Room for the envelope ({topic, id, channel}) around a payload of the maximum size. */
const ENVELOPE_BYTES = 16 * 1024;
/** A batch body; each payload is still held to MAX_PAYLOAD_BYTES. */
const BATCH_BODY_LIMIT_BYTES = 5 * 1024 * 1024;

const tooLarge = (_limitBytes: number, config: Config) => `The request body is larger than this route accepts (payloads are limited to ${config.MAX_PAYLOAD_BYTES} bytes)`;
events.post("/", arriving, limitBody((config) => config.MAX_PAYLOAD_BYTES + ENVELOPE_BYTES, tooLarge), requireUtf8Body());
events.post("/batch", limitBody((config) => Math.max(BATCH_BODY_LIMIT_BYTES, config.MAX_PAYLOAD_BYTES + ENVELOPE_BYTES), tooLarge), requireUtf8Body());

function serialize(payload: unknown, maxBytes: number, path: string): string {
  const text = JSON.stringify(payload);
  const bytes = utf8(text).length;
  if (bytes > maxBytes) {
    throw new ApiError("payload_too_large", `${path} is ${bytes} bytes serialized; the limit is ${maxBytes}`, [{ path, message: `larger than ${maxBytes} bytes`, code: "too_large" }]);
  }
  return text;
}

const acceptedOut = (a: AcceptedEvent) => ({ id: a.id, topic: a.topic, createdAt: isoTime(a.createdAt)!, duplicate: a.duplicate });

function eventOut(e: StoredEvent, withPayload: boolean): z.infer<typeof EventOut> {
  return {
    id: e.id, topic: e.topic, channel: e.channel, sourceId: e.sourceId, contentType: e.contentType,
    ...(withPayload ? { payload: payloadOut(e.payload, e.contentType) } : {}),
    headers: e.headers, createdAt: isoTime(e.createdAt)!, fannedOutAt: isoTime(e.fannedOutAt), webhookIds: e.webhookIds,
  };
}

const IdParams = z.object({ id: z.string().min(1).max(200).openapi({ param: { name: "id", in: "path" }, example: "evt_0mh2k3x9aXbYcZ12" }) });

events.openapi(
  createRoute({
    method: "post", path: "/", tags, security, summary: "Publish an event",
    description:
      "Accepted with 202 once stored; delivery happens off the request. A repeated `id` or `Idempotency-Key` (24 h) answers the first event with `duplicate: true` and delivers nothing new.",
    request: {
      headers: z.object({ "idempotency-key": z.string().min(1).max(200).optional().openapi({ description: "Dedupe key for retries of this publish (24 h)" }) }),
      ...jsonBody(EventCreate),
    },
    responses: {
      202: jsonResponse(EventAccepted, "Accepted for delivery"),
      ...errorResponses,
      413: jsonResponse(z.unknown(), "Payload larger than MAX_PAYLOAD_BYTES"),
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const idempotencyKey = c.req.valid("header")["idempotency-key"] ?? null;
    const payload = serialize(body.payload, c.var.config.MAX_PAYLOAD_BYTES, "body.payload");
    await checkEventSchemas(c.env.DB, c.var.auth.accountId, [{ topic: body.topic, payload: body.payload, path: "body.payload" }]);
    const event = { id: body.id ?? null, topic: body.topic, payload, contentType: "application/json", channel: body.channel ?? null, idempotencyKey };
    const [accepted] = await acceptGrouped(c.env, c.executionCtx, [{ accountId: c.var.auth.accountId, event }], c.var.arrival);
    return c.json(acceptedOut(accepted!), 202);
  },
);

events.openapi(
  createRoute({
    method: "post", path: "/batch", tags, security, summary: "Publish up to 100 events at once",
    description: "All events are stored in one round trip; each answer says whether it was a duplicate.",
    request: jsonBody(EventBatch),
    responses: {
      202: jsonResponse(z.object({ data: z.array(EventAccepted) }).openapi("EventBatchAccepted"), "Accepted, in request order"),
      ...errorResponses,
      413: jsonResponse(z.unknown(), "A payload larger than MAX_PAYLOAD_BYTES"),
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const max = c.var.config.MAX_PAYLOAD_BYTES;
    await checkEventSchemas(c.env.DB, c.var.auth.accountId, body.events.map((e, i) => ({ topic: e.topic, payload: e.payload, path: `body.events.${i}.payload` })));
    const incoming: IncomingEvent[] = body.events.map((e, i) => ({
      id: e.id ?? null, topic: e.topic, payload: serialize(e.payload, max, `body.events.${i}.payload`), contentType: "application/json",
      channel: e.channel ?? null, idempotencyKey: e.idempotencyKey ?? null,
    }));
    const accepted = await acceptEvents(c.env, c.var.auth.accountId, incoming);
    return c.json({ data: accepted.map(acceptedOut) }, 202);
  },
);

const ListEventsQuery = ListQuery.extend({
  topic: z.string().max(200).optional(),
  channel: z.string().max(200).optional(),
  sourceId: z.string().max(200).optional(),
  since: TimeQuery.optional().openapi({ description: "Created at or after (ISO 8601 or epoch ms)" }),
  until: TimeQuery.optional().openapi({ description: "Created before (ISO 8601 or epoch ms)" }),
  includePayload: z.enum(["true", "false"]).transform((v) => v === "true").optional(),
});

events.openapi(
  createRoute({
    method: "get", path: "/", tags, security, summary: "List events, newest first",
    description: "Ordered by creation time, then id; the cursor is the last event's pair, so pages do not move while new events arrive.",
    request: { query: ListEventsQuery },
    responses: { 200: jsonResponse(pageOf(EventOut, "EventPage"), "A page of events (payloads with includePayload=true)"), ...errorResponses },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const page = await listAccountEvents(c.env, c.var.auth.accountId, {
      limit: q.limit, cursor: q.cursor, topic: q.topic, channel: q.channel, sourceId: q.sourceId, sinceMs: q.since, untilMs: q.until, includePayload: q.includePayload,
    });
    const inScope = await eventFilter(c);
    return c.json({ data: page.data.filter(inScope).map((e) => eventOut(e, q.includePayload === true)), nextCursor: page.nextCursor }, 200);
  },
);

events.openapi(
  createRoute({
    method: "get", path: "/{id}", tags, security, summary: "Get an event and its delivery state at each webhook",
    description:
      "An id hookrelay generated names the day it was stored in, so it is one read. A publisher-chosen id is looked for in the account's days newest first (slower, at most one read per retained day).",
    request: { params: IdParams },
    responses: { 200: jsonResponse(EventDetailOut, "The event, with one delivery state per matched webhook"), ...errorResponses },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const accountId = c.var.auth.accountId;
    const event = await findEvent(c.env, accountId, id);
    if (!event || !(await eventFilter(c))(event)) throw notFound("Event", id);
    const keep = await webhookIdFilter(c);
    const states = await deliveryStatesFor(c.env, { ...event, webhookIds: (event.webhookIds ?? []).filter(keep) });
    return c.json({ ...eventOut(event, true), deliveries: states.map(deliveryStateOut) }, 200);
  },
);

const ReplayBody = z
  .object({
    webhookIds: z.array(z.string().min(1).max(100)).min(1).max(100).optional().openapi({ description: "Only these webhooks (default: every webhook that matches now)" }),
  })
  .strict()
  .openapi("EventReplay");

events.openapi(
  createRoute({
    method: "post", path: "/{id}/replay", tags, security, summary: "Deliver an event again",
    description:
      "A replay is a new delivery (same `webhook-id`, so receivers can still dedupe). Without `webhookIds` it goes to every webhook that matches the event now; with them, to exactly those (active) webhooks.",
    request: { params: IdParams, ...optionalJsonBody(ReplayBody) },
    responses: {
      202: jsonResponse(z.object({ eventId: z.string(), replayId: z.string(), webhookIds: z.array(z.string()).nullable() }).openapi("EventReplayAccepted"), "Queued for delivery"),
      ...errorResponses,
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const body = optionalBody(ReplayBody, c.req.valid("json"));
    const accountId = c.var.auth.accountId;
    const event = await findEvent(c.env, accountId, id);
    if (!event || !(await eventFilter(c))(event)) throw notFound("Event", id);
    const webhookIds = await replayTargets(c, body.webhookIds ? [...new Set(body.webhookIds)] : null, event.webhookIds);
    if (webhookIds) {
      const live = new Set((await liveWebhooksByIds(c.env.DB, accountId, webhookIds)).map((w) => w.id));
      const issues: FieldIssue[] = [];
      (body.webhookIds ?? webhookIds).forEach((w, i) => {
        if (!live.has(w)) issues.push({ path: `body.webhookIds.${i}`, message: `webhook ${w} does not exist in this account`, code: "unknown_webhook" });
      });
      failIfAny(issues);
    }
    const replayId = `rpl_${randomToken(16)}`;
    await enqueueFanout(c.env, [{ type: "fanout", accountId, eventId: event.id, window: event.window, shard: event.shard, replayId, ...(webhookIds ? { webhookIds } : {}) }]);
    return c.json({ eventId: event.id, replayId, webhookIds }, 202);
  },
);
