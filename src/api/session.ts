import { createRoute, z } from "@hono/zod-openapi";
import { apiKeySecurity, errorResponses, isoTime, jsonResponse } from "../domain/common";
import { createApp } from "./create-app";
import { requireAuth } from "../middleware/auth";

/** GET /api/session: who the presented credential acts as, so a UI can adapt without probing routes. */
export const session = createApp();
session.use("*", requireAuth());

const SessionOut = z
  .object({
    accountId: z.string(),
    kind: z.enum(["admin", "account_key", "portal"]),
    portal: z
      .object({ channels: z.array(z.string()).nullable(), webhookIds: z.array(z.string()).nullable(), readOnly: z.boolean(), expiresAt: z.string() })
      .nullable(),
  })
  .openapi("Session");

session.openapi(
  createRoute({
    method: "get", path: "/", tags: ["Portal"], security: apiKeySecurity, summary: "Who this credential acts as",
    responses: { 200: jsonResponse(SessionOut, "The account, the kind of credential, and a portal token's scope"), ...errorResponses },
  }),
  (c) => {
    const { accountId, isAdmin, portal } = c.var.auth;
    return c.json({
      accountId,
      kind: portal ? ("portal" as const) : isAdmin ? ("admin" as const) : ("account_key" as const),
      portal: portal ? { channels: portal.channels, webhookIds: portal.webhookIds, readOnly: portal.readOnly, expiresAt: isoTime(portal.expiresAtMs)! } : null,
    }, 200);
  },
);
