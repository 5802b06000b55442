import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { randomToken } from "../domain/ids";
import { getConfig } from "../env";

/** Gives every request an id (echoed as `x-request-id`) and the parsed config on `c.var`. */
export const requestContext = ({ header = "x-request-id" } = {}): MiddlewareHandler<AppEnv> => async (c, next) => {
  const incoming = c.req.header(header);
  const requestId = incoming && /^[\w.-]{1,100}$/.test(incoming) ? incoming : `req_${randomToken(16)}`;
  c.set("requestId", requestId);
  c.set("config", getConfig(c.env));
  await next();
  c.header(header, requestId);
};
