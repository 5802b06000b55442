import { createRoute, z } from "@hono/zod-openapi";
import { apiKeySecurity, errorResponses, jsonResponse } from "./route-docs";
import { PROFILE_NAMES, PROFILES, ProfileOut } from "../domain/profiles";
import { createApp } from "./create-app";
import { requireAuth } from "../middleware/auth";

/** The built-in platform profiles (GET /api/profiles): what `profile` / `defaultProfile` may name. */
export const profiles = createApp();
profiles.use("*", requireAuth());

profiles.openapi(
  createRoute({
    method: "get", path: "/", tags: ["Webhooks"], security: apiKeySecurity, summary: "List the built-in platform profiles",
    description: "A webhook's `profile` (or its account's `defaultProfile`) supplies these signature and delivery defaults; fields sent explicitly win.",
    responses: { 200: jsonResponse(z.object({ data: z.array(ProfileOut) }).openapi("ProfileList"), "Every built-in profile"), ...errorResponses },
  }),
  (c) => c.json({ data: PROFILE_NAMES.map((n) => PROFILES[n]) }, 200),
);
