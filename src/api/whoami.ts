import { createRoute, z } from "@hono/zod-openapi";
import { apiKeySecurity, errorResponses, jsonResponse } from "./route-docs";
import { isoTime } from "../lib/time";
import { createApp } from "./create-app";
import { requireAuth } from "../middleware/auth";

/**
 * GET /api/whoami: who the presented credential acts as. What `hookrelay whoami` shows, how
 * `hookrelay login` checks a key, and how the console and portal adapt without probing routes.
 */
export const whoami = createApp();
whoami.use("*", requireAuth());

const WhoamiOut = z
  .object({
    accountId: z.string().openapi({ example: "acc_0mh2k3x9aXbYcZ12" }),
    isAdmin: z.boolean().openapi({ description: "true for the admin key (acting on x-account-id, or on `default`)" }),
    keyId: z.string().nullable().openapi({ description: "The account key's id; null for the admin key and portal tokens" }),
    kind: z.enum(["admin", "account_key", "portal"]).openapi({ description: "Which kind of credential was presented" }),
    portal: z
      .object({ channels: z.array(z.string()).nullable(), webhookIds: z.array(z.string()).nullable(), readOnly: z.boolean(), expiresAt: z.string() })
      .nullable()
      .openapi({ description: "A portal token's scope; null for API keys" }),
  })
  .openapi("Whoami");

whoami.openapi(
  createRoute({
    method: "get", path: "/", tags: ["Accounts"], security: apiKeySecurity, summary: "Who the presented credential acts as",
    responses: { 200: jsonResponse(WhoamiOut, "The account, the kind of credential, and a portal token's scope"), ...errorResponses },
  }),
  (c) => {
    const { accountId, isAdmin, keyId, portal } = c.var.auth;
    return c.json({
      accountId, isAdmin, keyId,
      kind: portal ? ("portal" as const) : isAdmin ? ("admin" as const) : ("account_key" as const),
      portal: portal ? { channels: portal.channels, webhookIds: portal.webhookIds, readOnly: portal.readOnly, expiresAt: isoTime(portal.expiresAtMs)! } : null,
    }, 200);
  },
);
