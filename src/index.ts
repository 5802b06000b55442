import { app } from "./app";
export { WebhookDO } from "./delivery/webhook-do";

/** Worker entry: HTTP API, queue consumer and cron, plus the Durable Object class export. */
export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
