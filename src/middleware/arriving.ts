import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { arrive, leave } from "../accepting/group-commit";

/**
 * On the accepting routes (POST /api/events, POST /in/:source): tells the isolate's group commit
 * that a request is on its way in, so a round waits for it instead of leaving it for the next
 * round trip (see accepting/group-commit.ts). Its handler passes `c.var.arrival` to acceptGrouped.
 */
export const arriving: MiddlewareHandler<AppEnv> = async (c, next) => {
  const arrival = arrive();
  c.set("arrival", arrival);
  try {
    await next();
  } finally {
    leave(arrival);
  }
};
