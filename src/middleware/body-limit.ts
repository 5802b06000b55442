import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../app-env";
import { ApiError } from "../domain/errors";
import type { Config } from "../env";

/** Management bodies are small; routes that carry event payloads set their own limits. */
export const MANAGEMENT_BODY_LIMIT_BYTES = 1024 * 1024;

type Limit = number | ((config: Config) => number);

/**
 * A 413 `payload_too_large` past `maxBytes` (a number, or one read from config per request), with
 * the message `describe` gives. Every route's body limit is one of these.
 */
export function limitBody(
  maxBytes: Limit,
  describe: (limitBytes: number, config: Config) => string = (limitBytes) => `Request bodies here are limited to ${limitBytes} bytes`,
): MiddlewareHandler<AppEnv> {
  if (typeof maxBytes === "number") {
    const fixed = bodyLimit({ maxSize: maxBytes, onError: (c) => { throw new ApiError("payload_too_large", describe(maxBytes, c.var.config)); } });
    return fixed;
  }
  // Built per request: the limit depends on config (cheap).
  return (c, next) => {
    const limitBytes = maxBytes(c.var.config);
    return bodyLimit({ maxSize: limitBytes, onError: () => { throw new ApiError("payload_too_large", describe(limitBytes, c.var.config)); } })(c, next);
  };
}

export const managementBodyLimit = limitBody(MANAGEMENT_BODY_LIMIT_BYTES);
