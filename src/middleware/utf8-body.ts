import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError } from "../domain/errors";
import { decodeUtf8 } from "../lib/encoding";

/**
 * Refuses a body that is not valid UTF-8 with 415, as `POST /in` does, instead of letting the
 * JSON reader replace the bad bytes with U+FFFD and store a payload the publisher never sent.
 * The bytes are read once through the route's body limit; hono keeps them for the validator.
 */
export const requireUtf8Body = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (decodeUtf8(bytes) === null) {
    throw new ApiError("unsupported_media_type", "The body is not valid UTF-8; JSON bodies must be UTF-8 (RFC 8259)");
  }
  await next();
};
