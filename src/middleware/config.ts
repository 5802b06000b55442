import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { getConfig } from "../env";

/**
 * Puts the parsed config (src/env.ts: validated once per `env`, then cached) on `c.var.config`.
 * Mounted after requestId(), so a misconfigured Worker's error still carries a request id.
 */
export const loadConfig = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  c.set("config", getConfig(c.env));
  await next();
};
