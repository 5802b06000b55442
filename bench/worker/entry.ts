/**
 * The bench build's Worker entry (bench/lib/build.mjs bundles this file instead of src/index.ts).
 * It is the production Worker with instrumentation around it, so the production bundle carries no
 * bench code:
 * - every handler (fetch, queue, scheduled) gets the env with its bindings counted (counting-env.ts);
 * - every Durable Object class is the production class built with that env (counting-do.ts),
 *   exported under the production name, which the wrangler.toml bindings refer to;
 * - `/bench/*` is answered here (routes.ts); every other request goes to the production app.
 *
 * A Durable Object class added in src/index.ts needs one line below, or its object runs uncounted:
 * `export *` still exports it (an explicit export wins over the star), and the harness warns about
 * every bound class that is not wrapped.
 */
import production, { CallLog as CallLogBase, EventStore as EventStoreBase, ListenSession as ListenSessionBase, WebhookDO as WebhookDOBase } from "../../src";
import { countingDO } from "./counting-do";
import { countingEnv } from "./counting-env";
import { benchRoutes } from "./routes";

export * from "../../src";

export const WebhookDO = countingDO("WebhookDO", WebhookDOBase);
export const EventStore = countingDO("EventStore", EventStoreBase);
export const CallLog = countingDO("CallLog", CallLogBase);
export const ListenSession = countingDO("ListenSession", ListenSessionBase);

/** `/bench/…` without parsing the URL: the check runs on every measured request. */
function isBenchPath(url: string): boolean {
  const pathStart = url.indexOf("/", url.indexOf("//") + 2);
  return pathStart >= 0 && url.startsWith("/bench/", pathStart);
}

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext) {
    const counted = countingEnv(env);
    return isBenchPath(request.url) ? benchRoutes.fetch(request, counted, ctx) : production.fetch(request, counted, ctx);
  },
  queue: (batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext) => production.queue(batch, countingEnv(env), ctx),
  scheduled: (controller: ScheduledController, env: Env, ctx: ExecutionContext) => production.scheduled(controller, countingEnv(env), ctx),
} satisfies ExportedHandler<Env>;
