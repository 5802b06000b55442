import { z } from "@hono/zod-openapi";
import { cursorText } from "./cursor";

/** Query and path parameters every resource shares: a list's limit and cursor, an id, a time. */

/**
 * Query parameters of every list route. Strict: a parameter the route does not know is a 422
 * naming it, not silently ignored (`?chanel=x` would otherwise list everything). `limit` is
 * decimal digits only (coercion would read `0x10` as 16 and `1e1` as 10).
 *
 * A cursor must be base64url of printable text that encodes back to itself; each store then
 * parses its own contents. Both failures answer 400 invalid_cursor (see api/create-app.ts).
 */
export const ListQuery = z
  .object({
    limit: z
      .string()
      .regex(/^[0-9]{1,4}$/, "must be a decimal integer")
      .default("50")
      .transform(Number)
      .pipe(z.number().int().min(1).max(100))
      .openapi({ type: "integer", example: 50, description: "1-100, default 50" }),
    cursor: z
      .string()
      .max(1000)
      .optional()
      .refine((c) => c === undefined || cursorText(c) !== null, "cursor is not one this API returned")
      .openapi({ description: "nextCursor from the previous page" }),
  })
  .strict();

export const IdParam = (prefixExample: string) =>
  z.object({ id: z.string().min(1).max(200).openapi({ param: { name: "id", in: "path" }, example: prefixExample }) });

/** A time in a query string: ISO 8601, or epoch milliseconds. */
export const TimeQuery = z
  .string()
  .max(40)
  .transform((v, ctx) => {
    const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: "custom", message: "must be an ISO 8601 time or epoch milliseconds" });
      return z.NEVER;
    }
    return ms;
  })
  .openapi({ type: "string", example: "2024-01-01T00:00:00Z" });
