import { app } from "./app";
import { handleQueueBatch } from "./delivery/consumer";
import { runCron } from "./delivery/cron";
export { WebhookDO } from "./delivery/webhook/object";
export { EventStore } from "./traffic/event-store";
export { CallLog } from "./traffic/account-call-log";
export { ListenSession } from "./listen/listen-do";

/**
 * Worker entry: HTTP API, queue consumer (deliveries and their dead letters) and cron, plus the DO
 * class exports. (The benchmark build wraps this module from bench/worker/entry.ts.)
 */
export default {
  fetch: (request: Request, env: Env, ctx: ExecutionContext) => app.fetch(request, env, ctx),
  async queue(batch: MessageBatch<unknown>, env: Env, _ctx: ExecutionContext): Promise<void> {
    await handleQueueBatch(batch, env);
  },
  async scheduled(controller: ScheduledController, env: Env, _ctx: ExecutionContext): Promise<void> {
    await runCron(env, controller.scheduledTime);
  },
} satisfies ExportedHandler<Env>;
