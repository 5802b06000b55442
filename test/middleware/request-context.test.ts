import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../src/app-env";
import { loadConfig } from "../../src/middleware/config";
import { onError } from "../../src/middleware/errors";
import { requestId } from "../../src/middleware/request-id";

/** A tiny app with the root app's first two middleware, as src/app.ts mounts them. */
function tinyApp() {
  const app = new Hono<AppEnv>();
  app.use("*", requestId(), loadConfig());
  app.get("/probe", (c) => c.json({ requestId: c.var.requestId, retentionDays: c.var.config.RETENTION_DAYS }));
  app.onError(onError);
  return app;
}

describe("requestId() and loadConfig()", () => {
  it("give a handler the request id and the parsed config, and echo the id", async () => {
    const res = await tinyApp().request("/probe", { headers: { "x-request-id": "trace-1.a" } }, env);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ requestId: "trace-1.a", retentionDays: 30 });
    expect(res.headers.get("x-request-id")).toBe("trace-1.a");
  });

  it("make an id when the caller's is absent or not a safe token", async () => {
    for (const headers of [{}, { "x-request-id": "<script>" }] as Record<string, string>[]) {
      const res = await tinyApp().request("/probe", { headers }, env);
      const body = await res.json<{ requestId: string }>();
      expect(body.requestId).toMatch(/^req_\w+$/);
      expect(res.headers.get("x-request-id")).toBe(body.requestId);
    }
  });

  it("answer a misconfigured Worker with a generic 500 that carries the request id, never the config error", async () => {
    const broken = { ...env, ENCRYPTION_KEY: "not-32-bytes" } as Env;
    const res = await tinyApp().request("/probe", { headers: { "x-request-id": "trace-2" } }, broken);
    expect(res.status).toBe(500);
    const body = await res.json<{ error: { code: string; message: string; requestId: string } }>();
    expect(body.error).toMatchObject({ code: "internal_error", requestId: "trace-2" });
    expect(body.error.message).not.toMatch(/ENCRYPTION_KEY/);
    expect(res.headers.get("x-request-id")).toBe("trace-2");
  });
});
