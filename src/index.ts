import { app } from "./app";
import { handleQueueBatch } from "./delivery/consumer";
import { runCron } from "./delivery/retention";
import { benchEnv } from "./store/d1-counter";
export { WebhookDO } from "./delivery/webhook/object";
export { EventStore } from "./traffic/event-store";
export { CallLog } from "./traffic/call-log";
export { ListenSession } from "./listen/listen-do";

/**
 * Worker entry: HTTP API, queue consumer (deliveries and their dead letters) and cron, plus the DO
 * class export. benchEnv(env) is `env` itself unless BENCH_MODE is "true" (bench/ counts D1 statements).
 */
export default {
  fetch: (request: Request, env: Env, ctx: ExecutionContext) => app.fetch(request, benchEnv(env), ctx),
  async queue(batch: MessageBatch<unknown>, env: Env, _ctx: ExecutionContext): Promise<void> {
    await handleQueueBatch(batch, benchEnv(env));
  },
  async scheduled(controller: ScheduledController, env: Env, _ctx: ExecutionContext): Promise<void> {
    await runCron(benchEnv(env), controller.scheduledTime);
  },
} satisfies ExportedHandler<Env>;
