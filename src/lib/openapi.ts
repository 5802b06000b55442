import { OpenAPIHono } from "@hono/zod-openapi";
import type { z } from "zod";
import type { AppEnv } from "../app-env";
import { ApiError, type FieldIssue } from "../domain/errors";

/** Turns zod issues into `details` entries with dotted field paths (`delivery.timeoutMs`). */
export function fieldIssues(error: z.ZodError, prefix?: string): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    return { path: [prefix, path].filter(Boolean).join("."), message: issue.message, code: issue.code };
  });
}

/**
 * A sub-app whose validation failures all become one `validation_failed` error listing every
 * failing field, instead of zod-openapi's default 400 with the raw zod error.
 */
export function createApp() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const where = result.target === "json" ? "body" : result.target;
        throw new ApiError("validation_failed", `The request ${where} is invalid`, fieldIssues(result.error, where));
      }
    },
  });
}
