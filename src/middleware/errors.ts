import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../app-env";
import { ApiError, type ErrorCode, ERROR_STATUS } from "../domain/errors";

/**
 * One error shape for every failure: `{"error":{"code","message","details"?,"requestId"}}`.
 * `extra` adds top-level fields beside it (the WhatsApp session API's routes add `"success": false`).
 */
export function errorResponse(c: Context<AppEnv>, err: ApiError, extra?: Record<string, unknown>): Response {
  const body = {
    ...extra,
    error: {
      code: err.code,
      message: err.message,
      ...(err.details === undefined ? {} : { details: err.details }),
      requestId: c.var.requestId ?? "unknown",
    },
  };
  const res = c.json(body, ERROR_STATUS[err.code]);
  for (const [name, value] of Object.entries(err.headers ?? {})) res.headers.set(name, value);
  return res;
}

function fromHttpException(err: HTTPException): ApiError {
  const status = err.status;
  let code: ErrorCode = "bad_request";
  if (status === 400 && /json/i.test(err.message)) code = "invalid_json";
  else if (status === 413) code = "payload_too_large";
  else if (status === 401) code = "unauthorized";
  else if (status === 404) code = "not_found";
  else if (status === 415) code = "unsupported_media_type";
  else if (status >= 500) code = "internal_error";
  const message = code === "invalid_json" ? "The request body is not valid JSON" : err.message || code;
  return new ApiError(code, message);
}

export const errorHandler = (extra?: Record<string, unknown>): ErrorHandler<AppEnv> => (err, c) => {
  if (err instanceof ApiError) return errorResponse(c, err, extra);
  if (err instanceof HTTPException) return errorResponse(c, fromHttpException(err), extra);
  // Never leak raw exception text: log it with the request id, answer a generic 500.
  console.error(JSON.stringify({ requestId: c.var.requestId, error: String(err), stack: err instanceof Error ? err.stack : undefined }));
  return errorResponse(c, new ApiError("internal_error", "Something went wrong on our side; quote the requestId when reporting it"), extra);
};

export const onError: ErrorHandler<AppEnv> = errorHandler();

/** Known path with another method → 405 with `Allow`; unknown path → 404. */
export const notFoundOrMethod = (routes: () => { method: string; path: string }[], extra?: Record<string, unknown>): NotFoundHandler<AppEnv> => (c) => {
  const path = c.req.path;
  const allowed = new Set<string>();
  for (const route of routes()) {
    if (route.method === "ALL" || route.path.endsWith("*")) continue;
    const literal = route.path.split(/\/:[^/]+/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    const pattern = new RegExp(`^${literal.join("/[^/]+")}/?$`);
    if (pattern.test(path)) allowed.add(route.method);
  }
  if (allowed.size > 0 && !allowed.has(c.req.method)) {
    return errorResponse(
      c,
      new ApiError("method_not_allowed", `${c.req.method} is not allowed on ${path}`, { allowed: [...allowed] }, { allow: [...allowed].join(", ") }),
      extra,
    );
  }
  return errorResponse(c, new ApiError("not_found", `No route for ${c.req.method} ${path}`), extra);
};
