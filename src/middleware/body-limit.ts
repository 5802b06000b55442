import { bodyLimit } from "hono/body-limit";
import { ApiError } from "../domain/errors";

/** Management bodies are small; routes that carry event payloads set their own limits. */
export const MANAGEMENT_BODY_LIMIT_BYTES = 1024 * 1024;

export const managementBodyLimit = bodyLimit({
  maxSize: MANAGEMENT_BODY_LIMIT_BYTES,
  onError: () => {
    throw new ApiError("payload_too_large", `Request bodies here are limited to ${MANAGEMENT_BODY_LIMIT_BYTES} bytes`);
  },
});
