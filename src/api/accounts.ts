import { createRoute, z } from "@hono/zod-openapi";
import { AccountCreate, AccountCreated, AccountOut, ApiKeyOut, ApiKeyWithSecret, KeyCreate } from "../domain/account";
import { apiKeySecurity, errorResponses, jsonBody, jsonResponse, pageOf } from "./route-docs";
import { IdParam, ListQuery } from "../domain/query";
import { isoTime } from "../lib/time";
import { notFound } from "../domain/errors";
import { foundOr404 } from "../domain/lifecycle";
import { newId } from "../domain/ids";
import { createApp } from "./create-app";
import { forgetCachedKeys, requireAuth } from "../middleware/auth";
import { generateApiKey, hashApiKey } from "../signing/api-keys";
import { syncWebhook } from "../delivery/webhook-writes";
import { forgetAccountSources } from "../ingest/source-cache";
import * as store from "../store/accounts";
import { getAccountSettings, updateAccountSettings, type AccountSettings } from "../store/account-settings";
import { ProfileName } from "../domain/profiles";
import { forgetTopicSchemas } from "../delivery/topic-schemas";
import { listWebhooksDeletedAt } from "../store/webhooks";

/** Accounts and their API keys: admin key only. */
export const accounts = createApp();
accounts.use("*", requireAuth({ adminOnly: true }));

const tags = ["Accounts"];
const accountOr404 = async (db: D1Database, id: string) => foundOr404("Account", id, await store.getAccount(db, id));
const security = apiKeySecurity;

const accountOut = (a: store.Account) => ({ id: a.id, name: a.name, createdAt: isoTime(a.createdAt)! });
const keyOut = (k: store.ApiKeyRecord) => ({
  id: k.id,
  accountId: k.accountId,
  name: k.name,
  hint: k.hint,
  createdAt: isoTime(k.createdAt)!,
  lastUsedAt: isoTime(k.lastUsedAt),
  revokedAt: isoTime(k.revokedAt),
});

async function mintKey(name: string | undefined) {
  const key = generateApiKey();
  return { key, record: { id: newId("key"), name: name ?? null, hint: `${key.slice(0, 7)}…`, keyHash: await hashApiKey(key) } };
}

const AccountParams = IdParam("acc_0mh2k3x9aXbYcZ12");
const KeyParams = AccountParams.extend({ keyId: z.string().openapi({ param: { name: "keyId", in: "path" } }) });

const AccountPatch = z
  .object({
    defaultProfile: ProfileName.nullable().optional().openapi({ description: "The profile webhooks get when their create call names none (null: standard)" }),
    validateSchemas: z.boolean().optional().openapi({ description: "false: publishing never validates payloads against topic schemas" }),
    validateBuiltInTopics: z.boolean().optional().openapi({ description: "true: built-in topics are validated against the schemas inferred from the seeds' examples" }),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, "send at least one field to change")
  .openapi("AccountPatch");

const AccountWithSettings = AccountOut.extend({
  defaultProfile: ProfileName.nullable(),
  validateSchemas: z.boolean(),
  validateBuiltInTopics: z.boolean(),
}).openapi("AccountWithSettings");

const withSettings = (a: store.Account, s: AccountSettings) => ({ ...accountOut(a), ...s });

accounts.openapi(
  createRoute({
    method: "post", path: "/", tags, security, summary: "Create an account and its first API key",
    request: jsonBody(AccountCreate),
    responses: { 201: jsonResponse(AccountCreated, "The account, and its first key (shown once)"), ...errorResponses },
  }),
  async (c) => {
    const { name } = c.req.valid("json");
    const account = { id: newId("acc"), name, createdAt: Date.now() };
    const { key, record } = await mintKey("default");
    const saved = await store.createAccount(c.env.DB, account, record);
    return c.json({ account: accountOut(account), apiKey: { ...keyOut(saved), key } }, 201);
  },
);

accounts.openapi(
  createRoute({
    method: "get", path: "/", tags, security, summary: "List accounts",
    request: { query: ListQuery },
    responses: { 200: jsonResponse(pageOf(AccountOut, "AccountPage"), "A page of accounts"), ...errorResponses },
  }),
  async (c) => {
    const page = await store.listAccounts(c.env.DB, c.req.valid("query"));
    return c.json({ data: page.data.map(accountOut), nextCursor: page.nextCursor }, 200);
  },
);

accounts.openapi(
  createRoute({
    method: "get", path: "/{id}", tags, security, summary: "Get an account",
    request: { params: AccountParams },
    responses: { 200: jsonResponse(AccountWithSettings, "The account and its settings"), ...errorResponses },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const [account, settings] = await Promise.all([store.getAccount(c.env.DB, id), getAccountSettings(c.env.DB, id)]);
    if (!account || !settings) throw notFound("Account", id);
    return c.json(withSettings(account, settings), 200);
  },
);

// ---- settings (PATCH): the default profile and the schema-validation switches ----------------


accounts.openapi(
  createRoute({
    method: "patch", path: "/{id}", tags, security, summary: "Change an account's settings (default profile, schema validation)",
    description: "Works for the built-in `default` account too. Only the fields sent change.",
    request: { params: AccountParams, ...jsonBody(AccountPatch) },
    responses: { 200: jsonResponse(AccountWithSettings, "The account and its settings"), ...errorResponses },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const account = await accountOr404(c.env.DB, id);
    const settings = await updateAccountSettings(c.env.DB, id, c.req.valid("json"));
    if (!settings) throw notFound("Account", id);
    forgetTopicSchemas(id);
    return c.json(withSettings(account, settings), 200);
  },
);

accounts.openapi(
  createRoute({
    method: "delete", path: "/{id}", tags, security, summary: "Delete an account, revoking its keys and deleting its webhooks and sources",
    request: { params: AccountParams },
    responses: { 200: jsonResponse(z.object({ id: z.string(), deleted: z.literal(true) }), "Deleted"), ...errorResponses },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    if (id === "default") throw notFound("Account", id);
    const now = Date.now();
    if (!(await store.deleteAccount(c.env.DB, id, now))) throw notFound("Account", id);
    forgetCachedKeys();
    forgetAccountSources(id);
    // Each webhook's Durable Object delivers from its own copy of the config: tell them all, with the
    // versions the delete gave the rows (a copy read before the delete could be older than one already sent).
    await Promise.all((await listWebhooksDeletedAt(c.env.DB, id, now)).map((w) => syncWebhook(c.env, w)));
    return c.json({ id, deleted: true as const }, 200);
  },
);

accounts.openapi(
  createRoute({
    method: "post", path: "/{id}/keys", tags, security, summary: "Create an API key for an account",
    request: { params: AccountParams, ...jsonBody(KeyCreate) },
    responses: { 201: jsonResponse(ApiKeyWithSecret, "The key (shown once)"), ...errorResponses },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    await accountOr404(c.env.DB, id);
    const { key, record } = await mintKey(c.req.valid("json").name);
    const saved = await store.addKey(c.env.DB, id, record, Date.now());
    return c.json({ ...keyOut(saved), key }, 201);
  },
);

accounts.openapi(
  createRoute({
    method: "get", path: "/{id}/keys", tags, security, summary: "List an account's API keys (never the keys themselves)",
    request: { params: AccountParams, query: ListQuery },
    responses: { 200: jsonResponse(pageOf(ApiKeyOut, "ApiKeyPage"), "A page of keys"), ...errorResponses },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    await accountOr404(c.env.DB, id);
    const page = await store.listKeys(c.env.DB, id, c.req.valid("query"));
    return c.json({ data: page.data.map(keyOut), nextCursor: page.nextCursor }, 200);
  },
);

accounts.openapi(
  createRoute({
    method: "delete", path: "/{id}/keys/{keyId}", tags, security, summary: "Revoke an API key",
    request: { params: KeyParams },
    responses: { 200: jsonResponse(ApiKeyOut, "The revoked key"), ...errorResponses },
  }),
  async (c) => {
    const { id, keyId } = c.req.valid("param");
    const revoked = await store.revokeKey(c.env.DB, id, keyId, Date.now());
    if (!revoked) throw notFound("API key", keyId);
    forgetCachedKeys();
    return c.json(keyOut(revoked), 200);
  },
);
