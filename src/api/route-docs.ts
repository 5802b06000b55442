import { z } from "@hono/zod-openapi";

/**
 * What a route declares for the OpenAPI document besides its own schemas: a JSON body (required or
 * optional), a JSON response, the error responses, a page of items, and the credentials it takes.
 */

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

/** Standard error responses to attach to routes so the OpenAPI document lists them. */
export const errorResponses = {
  400: { description: "Malformed request", content: { "application/json": { schema: ErrorBody } } },
  401: { description: "Missing or invalid API key", content: { "application/json": { schema: ErrorBody } } },
  404: { description: "Not found in this account", content: { "application/json": { schema: ErrorBody } } },
  422: { description: "Validation failed; details lists each field", content: { "application/json": { schema: ErrorBody } } },
} as const;

export const pageOf = <T extends z.ZodTypeAny>(item: T, name: string) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable() }).openapi(name);

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
