import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { apiKeySecurity, errorResponses, jsonBody, jsonResponse } from "./route-docs";
import { isoTime } from "../lib/time";
import { ApiError, notFound } from "../domain/errors";
import { compileSchema, payloadIssues, schemaProblems, type JsonSchema } from "../domain/json-schema";
import { BUILT_IN_TOPIC_NAMES, BUILT_IN_TOPICS } from "../domain/topic-catalog";
import { forgetTopicSchemas } from "../delivery/topic-schemas";
import { getAccountSettings } from "../store/account-settings";
import { ClientTopic } from "../domain/topics";
import { createApp } from "./create-app";
import { requireAuth } from "../middleware/auth";
import * as store from "../store/topics";

/** The topics catalog: built-in topics from the messaging platforms hookrelay serves (Vambe, Vobiz, VowChat, the WhatsApp session API) plus each account's own. */
const tags = ["Topics"];
const security = apiKeySecurity;

const TopicOut = z
  .object({
    name: z.string().openapi({ example: "message.received" }),
    description: z.string().nullable(),
    builtIn: z.boolean(),
    systems: z.array(z.string()).openapi({ description: "Platforms that use this topic (built-in ones)" }),
    example: z.unknown().optional(),
    schema: z.unknown().optional().openapi({ description: "JSON Schema (draft 2020-12) of the payload; built-in topics' are inferred from the seeds' examples" }),
    validate: z.boolean().openapi({ description: "Whether publishing checks payloads against the schema (built-in topics: the account's validateBuiltInTopics)" }),
    createdAt: z.string().nullable(),
  })
  .openapi("Topic");
const TopicList = z.object({ data: z.array(TopicOut) }).openapi("TopicList");

const TopicCreate = z
  .object({
    name: ClientTopic,
    description: z.string().max(500).optional(),
    example: z.unknown().optional().openapi({ description: "A sample payload; checked against `schema` when both are sent" }),
    schema: z.unknown().optional().openapi({ description: "JSON Schema (draft 2020-12); publishing a payload that fails it answers 422 with the failing paths" }),
    validate: z.boolean().default(true).openapi({ description: "false: keep the schema as documentation only (no check on publish)" }),
  })
  .strict()
  .openapi("TopicCreate");

async function catalog(c: Context<AppEnv>): Promise<z.infer<typeof TopicList>> {
  const [own, settings] = await Promise.all([store.listTopics(c.env.DB, c.var.auth.accountId), getAccountSettings(c.env.DB, c.var.auth.accountId)]);
  const validateAll = settings?.validateSchemas !== false;
  const builtIn = BUILT_IN_TOPICS.map((t) => ({
    name: t.name, description: t.description, builtIn: true, systems: t.systems, ...(t.example === undefined ? {} : { example: t.example }),
    ...(t.schema ? { schema: t.schema } : {}), validate: t.schema !== undefined && validateAll && settings?.validateBuiltInTopics === true, createdAt: null,
  }));
  const custom = own
    .filter((t) => !BUILT_IN_TOPIC_NAMES.has(t.name))
    .map((t) => ({
      name: t.name, description: t.description, builtIn: false, systems: [] as string[], ...(t.example === null ? {} : { example: t.example }),
      ...(t.schema === null ? {} : { schema: t.schema }), validate: t.schema !== null && t.validate && validateAll, createdAt: isoTime(t.createdAt),
    }));
  return { data: [...builtIn, ...custom] };
}

const listRoute = (path: string) =>
  createRoute({
    method: "get", path, tags, security, summary: "List topics (built-in and the account's own)",
    responses: { 200: jsonResponse(TopicList, "Every topic a webhook can subscribe to"), ...errorResponses },
  });

/** Mounted at /api/webhooks/topics (Vambe's path). */
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
    if (body.schema !== undefined) {
      const problems = schemaProblems(body.schema, "body.schema");
      if (problems.length) throw new ApiError("validation_failed", "The schema is not one hookrelay can use", problems);
      // An example that fails its own schema would document a payload publishing refuses.
      if (body.example !== undefined) {
        const issues = payloadIssues(compileSchema(body.schema as JsonSchema), body.example, "body.example");
        if (issues.length) throw new ApiError("validation_failed", "The example does not match the schema", issues);
      }
    }
    const now = Date.now();
    const accountId = c.var.auth.accountId;
    await store.upsertTopic(c.env.DB, accountId, { name: body.name, description: body.description ?? null, example: body.example ?? null, schema: body.schema ?? null, validate: body.validate }, now);
    forgetTopicSchemas(accountId);
    return c.json({
      name: body.name, description: body.description ?? null, builtIn: false, systems: [], ...(body.example === undefined ? {} : { example: body.example }),
      ...(body.schema === undefined ? {} : { schema: body.schema }), validate: body.schema !== undefined && body.validate, createdAt: isoTime(now),
    }, 201);
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
    forgetTopicSchemas(c.var.auth.accountId);
    return c.json({ name, deleted: true as const }, 200);
  },
);
