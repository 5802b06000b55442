import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Every error code the API can answer, with its HTTP status. */
export const ERROR_STATUS = {
  bad_request: 400,
  invalid_json: 400,
  invalid_cursor: 400,
  validation_failed: 422,
  unauthorized: 401,
  signature_invalid: 401,
  signature_missing: 401,
  timestamp_stale: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  upstream_unavailable: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface FieldIssue {
  path: string;
  message: string;
  code?: string;
}

export class ApiError extends HTTPException {
  readonly code: ErrorCode;
  readonly details: unknown;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, message: string, details?: unknown, headers?: Record<string, string>) {
    super(ERROR_STATUS[code], { message });
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

export const notFound = (what: string, id?: string) =>
  new ApiError("not_found", id ? `${what} ${id} was not found` : `${what} was not found`);

/** A list's `cursor` that this API did not return (tampered, truncated, or from another list). */
export const invalidCursor = () =>
  new ApiError("invalid_cursor", "cursor is not one this API returned; start again without it", [
    { path: "query.cursor", message: "is not a cursor this list returned", code: "invalid_cursor" },
  ]);

/** The 422 for a request body that passed its schema but not the checks made after it. */
export function failIfAny(issues: readonly FieldIssue[]): void {
  if (issues.length) throw new ApiError("validation_failed", "The request body is invalid", [...issues]);
}
