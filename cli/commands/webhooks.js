// webhooks ls|get|create|update|pause|resume|delete|restore|test|rotate-secret
import { unwrap } from "../../client/index.js";
import { act, int, list, parseJsonArg } from "../context.js";

/** @typedef {import("../../client/index.js").Schemas} Schemas */

/** @param {import("../output.js").Output} out */
const webhookColumns = (out) => [
  { header: "ID", get: (/** @type {Schemas["Webhook"]} */ w) => w.id },
  { header: "STATUS", get: (/** @type {Schemas["Webhook"]} */ w) => (w.deletedAt ? "deleted" : w.status), color: out.status },
  { header: "URL", get: (/** @type {Schemas["Webhook"]} */ w) => w.url },
  { header: "TOPICS", get: (/** @type {Schemas["Webhook"]} */ w) => w.topics },
  { header: "DESCRIPTION", get: (/** @type {Schemas["Webhook"]} */ w) => w.description },
];

/** @param {import("../output.js").Output} out @param {Schemas["Webhook"] & { secret?: string }} w */
function showWebhook(out, w) {
  if (out.json) return out.printJson(w);
  out.record({ ...w, status: out.status(w.deletedAt ? "deleted" : w.status) });
}

/**
 * The body shared by create and update: `--data` JSON first, then the named flags on top.
 * @param {Record<string, any>} o
 */
function webhookBody(o) {
  /** @type {Record<string, unknown>} */
  const body = o.data ? { ...parseJsonArg(o.data, "--data") } : {};
  if (o.url !== undefined) body.url = o.url;
  if (o.topics !== undefined) body.topics = o.topics;
  if (o.description !== undefined) body.description = o.description;
  if (o.channel !== undefined) body.channels = o.channel;
  if (o.source !== undefined) body.sources = o.source;
  if (o.secret !== undefined) body.secret = o.secret;
  if (o.timeoutMs !== undefined) body.delivery = { ...(/** @type {object} */ (body.delivery) ?? {}), timeoutMs: o.timeoutMs };
  return body;
}

/** @param {import("commander").Command} program */
export function registerWebhooks(program) {
  const webhooks = program.command("webhooks").description("manage webhooks (where deliveries go)");
  const idPath = (/** @type {string} */ id) => ({ params: { path: { id } } });

  webhooks
    .command("ls")
    .description("list webhooks, newest first")
    .option("--status <status>", "active | inactive | disabled")
    .option("--topic <topic>", "only webhooks that would receive this topic")
    .option("--deleted", "list soft-deleted (restorable) webhooks")
    .option("--limit <n>", "page size (1-100)", int)
    .option("--cursor <cursor>", "nextCursor of the previous page")
    .action(act(async (ctx, o) => {
      const query = { ...(o.status ? { status: o.status } : {}), ...(o.topic ? { topic: o.topic } : {}), ...(o.deleted ? { deleted: /** @type {const} */ ("true") } : {}), ...(o.limit ? { limit: o.limit } : {}), ...(o.cursor ? { cursor: o.cursor } : {}) };
      const page = await ctx.out.waitFor("listing", () => unwrap(ctx.client().GET("/api/webhooks", { params: { query } })));
      if (ctx.out.json) return ctx.out.printJson(page);
      ctx.out.table(page.data, webhookColumns(ctx.out));
      if (page.nextCursor) ctx.out.line(ctx.out.color.dim(`more: --cursor ${page.nextCursor}`));
    }));

  webhooks
    .command("get <id>")
    .description("show one webhook")
    .action(act(async (ctx, id) => showWebhook(ctx.out, await unwrap(ctx.client().GET("/api/webhooks/{id}", idPath(id))))));

  webhooks
    .command("create")
    .description("create a webhook; its signing secret is shown once")
    .option("--url <url>", "where deliveries are POSTed")
    .option("--topics <topics>", "topics (comma-separated; `prefix.*` and `*` allowed)", list)
    .option("--description <text>", "a note for people")
    .option("--channel <channel>", "only events on this channel (repeatable)", list)
    .option("--source <sourceId>", "only events from this inbound source (repeatable)", list)
    .option("--secret <secret>", "the signing secret (generated when absent)")
    .option("--timeout-ms <ms>", "per-attempt timeout", int)
    .option("--inactive", "create it paused")
    .option("--data <json>", "any other fields as JSON (inline, @file or -)")
    .action(act(async (ctx, o) => {
      const body = webhookBody(o);
      if (o.inactive) body.active = false;
      const created = await ctx.out.waitFor("creating", () => unwrap(ctx.client().POST("/api/webhooks", { body: /** @type {any} */ (body) })));
      showWebhook(ctx.out, created);
    }));

  webhooks
    .command("update <id>")
    .description("change some fields of a webhook (the rest stay)")
    .option("--url <url>", "where deliveries are POSTed")
    .option("--topics <topics>", "topics (comma-separated)", list)
    .option("--description <text>", "a note for people")
    .option("--channel <channel>", "only events on this channel (repeatable)", list)
    .option("--source <sourceId>", "only events from this inbound source (repeatable)", list)
    .option("--timeout-ms <ms>", "per-attempt timeout", int)
    .option("--data <json>", "any other fields as JSON (inline, @file or -)")
    .action(act(async (ctx, id, o) => {
      const body = webhookBody(o);
      const updated = await ctx.out.waitFor("updating", () => unwrap(ctx.client().PUT("/api/webhooks/{id}", { ...idPath(id), body: /** @type {any} */ (body) })));
      showWebhook(ctx.out, updated);
    }));

  for (const [name, active, what] of /** @type {const} */ ([["pause", false, "stop deliveries (they wait)"], ["resume", true, "resume deliveries (re-enables a disabled webhook)"]])) {
    webhooks
      .command(`${name} <id>`)
      .description(what)
      .action(act(async (ctx, id) => {
        const w = await unwrap(ctx.client().PUT("/api/webhooks/{id}", { ...idPath(id), body: { active } }));
        if (ctx.out.json) return ctx.out.printJson(w);
        ctx.out.line(`${w.id} is ${ctx.out.status(w.status)}`);
      }));
  }

  webhooks
    .command("delete <id>")
    .description("delete a webhook (soft: `restore` brings it back within the restore window)")
    .action(act(async (ctx, id) => {
      const w = await unwrap(ctx.client().DELETE("/api/webhooks/{id}", idPath(id)));
      if (ctx.out.json) return ctx.out.printJson(w);
      ctx.out.line(`${w.id} deleted at ${w.deletedAt}`);
    }));

  webhooks
    .command("restore <id>")
    .description("restore a deleted webhook")
    .action(act(async (ctx, id) => {
      const w = await unwrap(ctx.client().POST("/api/webhooks/{id}/restore", idPath(id)));
      if (ctx.out.json) return ctx.out.printJson(w);
      ctx.out.line(`${w.id} restored (${ctx.out.status(w.status)})`);
    }));

  webhooks
    .command("test <id>")
    .description("send a real signed test delivery now and show its call record")
    .option("--topic <topic>", "the topic to send as", "test")
    .option("--payload <json>", "the payload (inline, @file or -)")
    .action(act(async (ctx, id, o) => {
      const body = { topic: o.topic, ...(o.payload ? { payload: parseJsonArg(o.payload, "--payload") } : {}) };
      const call = await ctx.out.waitFor("delivering", () => unwrap(ctx.client().POST("/api/webhooks/{id}/test", { ...idPath(id), body })));
      if (ctx.out.json) return ctx.out.printJson(call);
      ctx.out.record({ ...call, status: ctx.out.status(call.status) });
    }));

  webhooks
    .command("rotate-secret <id>")
    .description("replace the signing secret; the old one keeps signing beside it for the grace period")
    .option("--grace <seconds>", "how long the old secret stays valid (default 86400)", int)
    .action(act(async (ctx, id, o) => {
      const body = o.grace === undefined ? {} : { graceSeconds: o.grace };
      const res = await unwrap(ctx.client().POST("/api/webhooks/{id}/rotate-secret", { ...idPath(id), body }));
      if (ctx.out.json) return ctx.out.printJson(res);
      ctx.out.record(/** @type {Record<string, unknown>} */ (res));
    }));
}
