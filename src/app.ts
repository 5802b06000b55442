import { Scalar } from "@scalar/hono-api-reference";
import { bodyLimit } from "hono/body-limit";
import { accounts } from "./api/accounts";
import { events } from "./api/events";
import { deadLetters, stats } from "./api/stats";
import { webhookOps, webhookOpsStatic } from "./api/webhook-ops";
import { sources } from "./api/sources";
import { topics, webhookTopics } from "./api/topics";
import { webhooks } from "./api/webhooks";
import { ApiError } from "./domain/errors";
import { ingest } from "./ingest/route";
import { createApp } from "./lib/openapi";
import { notFoundOrMethod, onError } from "./middleware/errors";
import { requestContext } from "./middleware/request-id";
import { VERSION } from "./version";

/** The root app: request context, one error handler, and one sub-app per resource. */
export const app = createApp();

app.use("*", requestContext());

// Management bodies are small; routes that carry event payloads set their own limits.
const MANAGEMENT_BODY_LIMIT_BYTES = 1024 * 1024;
const managementBodyLimit = bodyLimit({
  maxSize: MANAGEMENT_BODY_LIMIT_BYTES,
  onError: () => {
    throw new ApiError("payload_too_large", `Request bodies here are limited to ${MANAGEMENT_BODY_LIMIT_BYTES} bytes`);
  },
});
for (const path of ["/api/accounts/*", "/api/webhooks/*", "/api/topics/*"]) app.use(path, managementBodyLimit);

app.get("/healthz", (c) => c.json({ ok: true, version: VERSION }));

app.route("/api/accounts", accounts);
// Static paths under /api/webhooks are mounted before the /{id} routes so they win the match.
app.route("/api/webhooks", webhookOpsStatic);
app.route("/api/webhooks", webhookTopics);
app.route("/api/webhooks", webhooks);
app.route("/api/webhooks", webhookOps);
app.route("/api/events", events);
app.route("/api/stats", stats);
app.route("/api/dead-letters", deadLetters);
app.route("/api/topics", topics);
app.route("/api/sources", sources);
app.route("/in", ingest);

app.openAPIRegistry.registerComponent("securitySchemes", "ApiKey", { type: "apiKey", in: "header", name: "x-api-key" });
app.openAPIRegistry.registerComponent("securitySchemes", "Bearer", { type: "http", scheme: "bearer" });
app.doc31("/openapi.json", {
  openapi: "3.1.0",
  info: {
    title: "hookrelay",
    version: VERSION,
    description: "Webhook infrastructure on Cloudflare Workers: publish events, fan out signed deliveries, retry, log.",
  },
});
app.get("/docs", Scalar({ url: "/openapi.json", pageTitle: "hookrelay API" }));

app.notFound(notFoundOrMethod(() => app.routes));
app.onError(onError);
