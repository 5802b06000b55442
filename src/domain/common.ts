import { z } from "@hono/zod-openapi";
import { decodeCursor, encodeCursor } from "../store/pagination";

/**
 * A cursor is base64url of an id. atob() alone accepts most strings, so a tampered cursor would
 * silently page from a meaningless position; require a printable id that encodes back to it.
 */
function isCursor(cursor: string): boolean {
  const id = decodeCursor(cursor);
  return id !== null && /^[\x21-\x7e]+$/.test(id) && encodeCursor(id) === cursor;
}

/** Shared request/response pieces used by every resource. */
export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50).openapi({ example: 50 }),
  cursor: z
    .string()
    .optional()
    .refine((c) => c === undefined || isCursor(c), "cursor is not one this API returned")
    .openapi({ description: "nextCursor from the previous page" }),
});

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

export const jsonResponse = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** Either header works: `x-api-key: KEY` or `Authorization: Bearer KEY`. */
export const apiKeySecurity: Record<string, string[]>[] = [{ ApiKey: [] }, { Bearer: [] }];
