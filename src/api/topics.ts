import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { apiKeySecurity, errorResponses, isoTime, jsonBody, jsonResponse } from "../domain/common";
import { ApiError, notFound } from "../domain/errors";
import { BUILT_IN_TOPIC_NAMES, BUILT_IN_TOPICS } from "../domain/topic-catalog";
import { ClientTopic } from "../domain/topics";
import { createApp } from "../lib/openapi";
import { requireAuth } from "../middleware/auth";
import * as store from "../store/topics";

/** The topics catalog: built-in topics from the seed platforms plus each account's own. */
const tags = ["Topics"];
const security = apiKeySecurity;

const TopicOut = z
  .object({
    name: z.string().openapi({ example: "message.received" }),
    description: z.string().nullable(),
    builtIn: z.boolean(),
    systems: z.array(z.string()).openapi({ description: "Platforms that use this topic (built-in ones)" }),
    example: z.unknown().optional(),
    createdAt: z.string().nullable(),
  })
  .openapi("Topic");
const TopicList = z.object({ data: z.array(TopicOut) }).openapi("TopicList");

const TopicCreate = z
  .object({
    name: ClientTopic,
    description: z.string().max(500).optional(),
    example: z.unknown().optional(),
  })
  .strict()
  .openapi("TopicCreate");

async function catalog(c: Context<AppEnv>): Promise<z.infer<typeof TopicList>> {
  const own = await store.listTopics(c.env.DB, c.var.auth.accountId);
  const builtIn = BUILT_IN_TOPICS.map((t) => ({ name: t.name, description: t.description, builtIn: true, systems: t.systems, ...(t.example === undefined ? {} : { example: t.example }), createdAt: null }));
  const custom = own
    .filter((t) => !BUILT_IN_TOPIC_NAMES.has(t.name))
    .map((t) => ({ name: t.name, description: t.description, builtIn: false, systems: [] as string[], ...(t.example === null ? {} : { example: t.example }), createdAt: isoTime(t.createdAt) }));
  return { data: [...builtIn, ...custom] };
}

const listRoute = (path: string) =>
  createRoute({
    method: "get", path, tags, security, summary: "List topics (built-in and the account's own)",
    responses: { 200: jsonResponse(TopicList, "Every topic a webhook can subscribe to"), ...errorResponses },
  });

/** Mounted at /api/webhooks/topics (the seeds' path). */
export const webhookTopics = createApp();
// Only on /topics: this sub-app is mounted at /api/webhooks, and "*" would re-run auth on every webhook route.
webhookTopics.use("/topics", requireAuth());
webhookTopics.openapi(listRoute("/topics"), async (c) => c.json(await catalog(c), 200));

/** Mounted at /api/topics. */
export const topics = createApp();
topics.use("*", requireAuth());
topics.openapi(listRoute("/"), async (c) => c.json(await catalog(c), 200));

topics.openapi(
  createRoute({
    method: "post", path: "/", tags, security, summary: "Add a topic to the account's catalog (or describe one)",
    request: jsonBody(TopicCreate),
    responses: { 201: jsonResponse(TopicOut, "The topic"), ...errorResponses, 409: jsonResponse(z.unknown(), "A built-in topic") },
  }),
  async (c) => {
    const body = c.req.valid("json");
    if (BUILT_IN_TOPIC_NAMES.has(body.name)) throw new ApiError("conflict", `${body.name} is a built-in topic`);
    const now = Date.now();
    await store.upsertTopic(c.env.DB, c.var.auth.accountId, { name: body.name, description: body.description ?? null, example: body.example ?? null }, now);
    return c.json({ name: body.name, description: body.description ?? null, builtIn: false, systems: [], ...(body.example === undefined ? {} : { example: body.example }), createdAt: isoTime(now) }, 201);
  },
);

topics.openapi(
  createRoute({
    method: "delete", path: "/{name}", tags, security, summary: "Remove a topic from the account's catalog",
    request: { params: z.object({ name: z.string().max(200).openapi({ param: { name: "name", in: "path" } }) }) },
    responses: { 200: jsonResponse(z.object({ name: z.string(), deleted: z.literal(true) }), "Removed"), ...errorResponses },
  }),
  async (c) => {
    const { name } = c.req.valid("param");
    if (BUILT_IN_TOPIC_NAMES.has(name)) throw new ApiError("conflict", `${name} is a built-in topic and cannot be removed`);
    if (!(await store.deleteTopic(c.env.DB, c.var.auth.accountId, name))) throw notFound("Topic", name);
    return c.json({ name, deleted: true as const }, 200);
  },
);
