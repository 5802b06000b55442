import { createRoute, z } from "@hono/zod-openapi";
import { apiKeySecurity, errorResponses, jsonResponse } from "../domain/common";
import { createApp } from "./create-app";
import { requireAuth } from "../middleware/auth";

/** Who the presented key acts as: what `hookrelay whoami` shows and how `login` checks a key. */
export const whoami = createApp();
whoami.use("*", requireAuth());

const WhoamiOut = z
  .object({
    accountId: z.string().openapi({ example: "acc_0mh2k3x9aXbYcZ12" }),
    isAdmin: z.boolean().openapi({ description: "true for the admin key (acting on x-account-id, or on `default`)" }),
    keyId: z.string().nullable().openapi({ description: "The account key's id; null for the admin key" }),
  })
  .openapi("Whoami");

whoami.openapi(
  createRoute({
    method: "get", path: "/", tags: ["Accounts"], security: apiKeySecurity, summary: "The account the calling key acts on",
    responses: { 200: jsonResponse(WhoamiOut, "The caller's account"), ...errorResponses },
  }),
  (c) => c.json({ accountId: c.var.auth.accountId, isAdmin: c.var.auth.isAdmin, keyId: c.var.auth.keyId }, 200),
);
