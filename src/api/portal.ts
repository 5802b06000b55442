import { createRoute, z } from "@hono/zod-openapi";
import { apiKeySecurity, errorResponses, jsonBody, jsonResponse } from "./route-docs";
import { isoTime } from "../lib/time";
import { failIfAny, type FieldIssue, notFound } from "../domain/errors";
import { createApp } from "./create-app";
import { requireAuth } from "../middleware/auth";
import { signPortalToken } from "../signing/portal-token";
import { getAccount } from "../store/accounts";
import { listLiveWebhooks } from "../store/webhooks";

/**
 * Portal sessions: a platform asks for a short-lived token scoped to one of its accounts (and
 * optionally to channels or webhooks) and puts the returned URL in an iframe for its own customer.
 * The token travels in the URL's fragment, which browsers never send to a server or in a Referer.
 */
export const portal = createApp();
portal.use("*", requireAuth());

const MAX_EXPIRES_SECONDS = 86_400;

const PortalSessionCreate = z
  .object({
    accountId: z.string().min(1).max(100).optional().openapi({ description: "Admin key: the account (default: x-account-id or default). Account keys: their own only." }),
    channels: z.array(z.string().min(1).max(200)).min(1).max(100).optional().openapi({ description: "Only webhooks on these channels (e.g. one WhatsApp session)" }),
    webhookIds: z.array(z.string().min(1).max(100)).min(1).max(100).optional().openapi({ description: "Only these webhooks" }),
    readOnly: z.boolean().default(false).openapi({ description: "See, never change (and no secrets)" }),
    expiresInSeconds: z.number().int().min(1).max(MAX_EXPIRES_SECONDS).default(3600),
  })
  .strict()
  .openapi("PortalSessionCreate");

const PortalSessionOut = z
  .object({ url: z.string(), token: z.string(), expiresAt: z.string() })
  .openapi("PortalSession");

portal.openapi(
  createRoute({
    method: "post", path: "/sessions", tags: ["Portal"], security: apiKeySecurity, summary: "Open a portal session for an account's customer",
    description: "Answers a signed token (`Authorization: Bearer hrp_…`) and a `/portal#token=…` URL to embed. The scope is enforced by the API on every call the token makes.",
    request: jsonBody(PortalSessionCreate),
    responses: { 201: jsonResponse(PortalSessionOut, "The session"), ...errorResponses },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const auth = c.var.auth;
    const accountId = body.accountId ?? auth.accountId;
    if (accountId !== auth.accountId) {
      // Another account is a 404 for an account key, as everywhere; the admin key may name any.
      if (!auth.isAdmin || (accountId !== "default" && !(await getAccount(c.env.DB, accountId)))) throw notFound("Account", accountId);
    }
    if (body.webhookIds) {
      const live = new Set((await listLiveWebhooks(c.env.DB, [accountId])).map((w) => w.id));
      const issues: FieldIssue[] = body.webhookIds
        .map((id, i) => ({ id, i }))
        .filter(({ id }) => !live.has(id))
        .map(({ id, i }) => ({ path: `body.webhookIds.${i}`, message: `webhook ${id} does not exist in this account`, code: "unknown_webhook" }));
      failIfAny(issues);
    }
    const expiresAtMs = Date.now() + body.expiresInSeconds * 1000;
    const token = await signPortalToken(
      { accountId, channels: body.channels ? [...new Set(body.channels)] : null, webhookIds: body.webhookIds ? [...new Set(body.webhookIds)] : null, readOnly: body.readOnly, expiresAtMs },
      c.var.config.ENCRYPTION_KEY,
    );
    const base = c.var.config.PUBLIC_BASE_URL.replace(/\/+$/, "") || new URL(c.req.url).origin;
    return c.json({ url: `${base}/portal#token=${token}`, token, expiresAt: isoTime(expiresAtMs)! }, 201);
  },
);
