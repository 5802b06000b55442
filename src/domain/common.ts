import { z } from "@hono/zod-openapi";
import { cursorText } from "./cursor";

/** Shared request/response pieces used by every resource. */

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

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "validation_failed" }),
      message: z.string(),
      details: z.unknown().optional(),
      requestId: z.string(),
    }),
  })
  .openapi("Error");

export const pageOf = <T extends z.ZodTypeAny>(item: T, name: string) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable() }).openapi(name);

export const IdParam = (prefixExample: string) =>
  z.object({ id: z.string().min(1).max(200).openapi({ param: { name: "id", in: "path" }, example: prefixExample }) });

/** Standard error responses to attach to routes so the OpenAPI document lists them. */
export const errorResponses = {
  400: { description: "Malformed request", content: { "application/json": { schema: ErrorBody } } },
  401: { description: "Missing or invalid API key", content: { "application/json": { schema: ErrorBody } } },
  404: { description: "Not found in this account", content: { "application/json": { schema: ErrorBody } } },
  422: { description: "Validation failed; details lists each field", content: { "application/json": { schema: ErrorBody } } },
} as const;

export const isoTime = (ms: number | null | undefined): string | null =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();

export const jsonBody = <T extends z.ZodTypeAny>(schema: T, description?: string) => ({
  body: { required: true, content: { "application/json": { schema } }, ...(description ? { description } : {}) },
});

/**
 * A body that may be left out. Without a body zod-openapi validates nothing, so the handler reads
 * it with `optionalBody`, which applies the schema's defaults to an absent body.
 */
export const optionalJsonBody = <T extends z.ZodTypeAny>(schema: T) => ({
  body: { required: false, content: { "application/json": { schema } } },
});

/** The validated body of an `optionalJsonBody` route, or the schema's defaults when none was sent. */
export const optionalBody = <T extends z.ZodTypeAny>(schema: T, validated: unknown): z.infer<T> => schema.parse(validated ?? {});

export const jsonResponse = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** Either header works: `x-api-key: KEY` or `Authorization: Bearer KEY`. */
export const apiKeySecurity: Record<string, string[]>[] = [{ ApiKey: [] }, { Bearer: [] }];

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
