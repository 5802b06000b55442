import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { randomToken } from "../domain/ids";

/**
 * Gives every request an id on `c.var.requestId`, echoed as `x-request-id`. A caller's own id is
 * kept when it is a safe token (it lands in logs and error bodies), otherwise a fresh one is made.
 */
export const requestId = ({ header = "x-request-id" } = {}): MiddlewareHandler<AppEnv> => async (c, next) => {
  const incoming = c.req.header(header);
  const id = incoming && /^[\w.-]{1,100}$/.test(incoming) ? incoming : `req_${randomToken(16)}`;
  c.set("requestId", id);
  await next();
  c.header(header, id);
};
