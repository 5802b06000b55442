import { accounts } from "./api/accounts";
import { events } from "./api/events";
import { listen } from "./api/listen";
import { portal } from "./api/portal";
import { deadLetters } from "./api/dead-letters";
import { stats } from "./api/stats";
import { webhookCalls } from "./api/webhook-calls";
import { webhookQueue } from "./api/webhook-queue";
import { webhookSecrets } from "./api/webhook-secrets";
import { webhookStats } from "./api/webhook-stats";
import { webhookTests } from "./api/webhook-tests";
import { sources } from "./api/sources";
import { topics, webhookTopics } from "./api/topics";
import { webhooks } from "./api/webhooks";
import { catalogWebhooks } from "./api/catalog-openapi";
import { profiles } from "./api/profiles";
import { whatsappSessions } from "./api/whatsapp-sessions";
import { whoami } from "./api/whoami";
import { consolePages } from "./console/serve";
import { ingest } from "./ingest/route";
import { createApp } from "./api/create-app";
import { managementBodyLimit } from "./middleware/body-limit";
import { notFoundOrMethod, onError } from "./middleware/errors";
import { loadConfig } from "./middleware/config";
import { requestId } from "./middleware/request-id";
import { VERSION } from "./version";

/** The root app: request context, one error handler, and one sub-app per resource. */
export const app = createApp();

app.use("*", requestId(), loadConfig());

// The WhatsApp session API's /api/webhook/* applies the same limit itself, so its 413 carries "success":false.
for (const path of ["/api/accounts/*", "/api/webhooks/*", "/api/topics/*"]) app.use(path, managementBodyLimit);

app.get("/healthz", (c) => c.json({ ok: true, version: VERSION }));

app.route("/api/accounts", accounts);
// Sub-apps with static paths (/calls, /queue, /test, /topics) are mounted before the /{id} routes so they win the match.
app.route("/api/webhooks", webhookCalls);
app.route("/api/webhooks", webhookQueue);
app.route("/api/webhooks", webhookTests);
app.route("/api/webhooks", webhookTopics);
app.route("/api/webhooks", webhooks);
app.route("/api/webhooks", webhookSecrets);
app.route("/api/webhooks", webhookStats);
app.route("/api/portal", portal);
app.route("/api/events", events);
app.route("/api/stats", stats);
app.route("/api/dead-letters", deadLetters);
app.route("/api/topics", topics);
app.route("/api/sources", sources);
app.route("/api/profiles", profiles);
// The WhatsApp session API's routes (singular /api/webhook), with their own answer shapes.
app.route("/api/webhook", whatsappSessions);
app.route("/api/whoami", whoami);
app.route("/api/listen", listen);
app.route("/in", ingest);

app.openAPIRegistry.registerComponent("securitySchemes", "ApiKey", { type: "apiKey", in: "header", name: "x-api-key" });
app.openAPIRegistry.registerComponent("securitySchemes", "Bearer", { type: "http", scheme: "bearer" });
const openApiConfig = {
  openapi: "3.1.0",
  info: {
    title: "hookrelay",
    version: VERSION,
    description: "Webhook infrastructure on Cloudflare Workers: publish events, fan out signed deliveries, retry, log.",
  },
};
// Built by hand rather than with doc31 to add the `webhooks` section (what endpoints receive).
let openApiDocument: unknown;
app.get("/openapi.json", (c) => {
  openApiDocument ??= { ...app.getOpenAPI31Document(openApiConfig), webhooks: catalogWebhooks() };
  return c.json(openApiDocument);
});
// /console, /portal, /docs and their /ui/* files (static assets, served with a strict CSP).
app.route("/", consolePages);

app.notFound(notFoundOrMethod(() => app.routes));
app.onError(onError);
