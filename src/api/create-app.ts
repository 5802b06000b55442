import { OpenAPIHono } from "@hono/zod-openapi";
import type { z } from "zod";
import type { AppEnv } from "../app-env";
import { ApiError, type FieldIssue, invalidCursor } from "../domain/errors";

/** Turns zod issues into `details` entries with dotted field paths (`delivery.timeoutMs`). */
/** A refinement may name its own code (`params: { code }`): `reserved_header` says more than `custom`. */
const ownCode = (issue: { code: string; params?: Record<string, unknown> }): string | null =>
  issue.code === "custom" && typeof issue.params?.code === "string" ? issue.params.code : null;

export function fieldIssues(error: z.ZodError, prefix?: string): FieldIssue[] {
  const join = (...parts: (string | number | symbol)[]) => [...(prefix ? [prefix] : []), ...parts.map(String)].join(".");
  return error.issues.flatMap((issue): FieldIssue[] => {
    // zod reports unknown keys on the parent; name each key so clients see which field to drop.
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: join(...issue.path, key), message: `unknown field "${key}"`, code: issue.code }));
    }
    // A bad record key carries the specific reason one level down ("Invalid key in record" says little).
    if (issue.code === "invalid_key") {
      const inner = issue.issues[0];
      return [{ path: join(...issue.path), message: inner?.message ? `key ${inner.message}` : issue.message, code: (inner && ownCode(inner)) ?? issue.code }];
    }
    return [{ path: join(...issue.path), message: issue.message, code: ownCode(issue) ?? issue.code }];
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
        if (where === "query" && result.error.issues.some((i) => i.path[0] === "cursor")) throw invalidCursor();
        throw new ApiError("validation_failed", `The request ${where} is invalid`, fieldIssues(result.error, where));
      }
    },
  });
}
