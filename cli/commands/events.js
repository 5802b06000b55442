// events publish|ls|get|replay
import { unwrap } from "../../client/index.js";
import { act, int, list, parseJsonArg } from "../context.js";

/** @param {import("commander").Command} program */
export function registerEvents(program) {
  const events = program.command("events").description("publish and inspect events");

  events
    .command("publish <topic> [payload]")
    .description("publish an event; payload is JSON (inline, @file or -), default {}")
    .option("--id <id>", "your own event id (a repeat within 24 h is a duplicate)")
    .option("--channel <channel>", "routing key (webhooks with `channels` get only theirs)")
    .option("--idempotency-key <key>", "sent as Idempotency-Key")
    .action(act(async (ctx, topic, payload, o) => {
      const body = { topic, payload: payload === undefined ? {} : parseJsonArg(payload, "payload"), ...(o.id ? { id: o.id } : {}), ...(o.channel ? { channel: o.channel } : {}) };
      const params = o.idempotencyKey ? { header: { "idempotency-key": o.idempotencyKey } } : {};
      const res = await ctx.out.waitFor("publishing", () => unwrap(ctx.client().POST("/api/events", { body, params })));
      if (ctx.out.json) return ctx.out.printJson(res);
      ctx.out.line(`${res.id} ${res.topic}${res.duplicate ? ctx.out.color.yellow(" (duplicate: nothing new delivered)") : ""}`);
    }));

  events
    .command("ls")
    .description("list events, newest first")
    .option("--topic <topic>", "only this topic")
    .option("--channel <channel>", "only this channel")
    .option("--source <sourceId>", "only events from this inbound source")
    .option("--since <time>", "at or after (ISO 8601 or epoch ms)")
    .option("--until <time>", "before (ISO 8601 or epoch ms)")
    .option("--payload", "include payloads")
    .option("--limit <n>", "page size (1-100)", int)
    .option("--cursor <cursor>", "nextCursor of the previous page")
    .action(act(async (ctx, o) => {
      /** @type {Record<string, unknown>} */
      const query = {};
      for (const [flag, name] of [["topic", "topic"], ["channel", "channel"], ["source", "sourceId"], ["since", "since"], ["until", "until"], ["limit", "limit"], ["cursor", "cursor"]]) {
        if (o[/** @type {string} */ (flag)] !== undefined) query[/** @type {string} */ (name)] = o[/** @type {string} */ (flag)];
      }
      if (o.payload) query.includePayload = "true";
      const page = await ctx.out.waitFor("listing", () => unwrap(ctx.client().GET("/api/events", { params: { query: /** @type {any} */ (query) } })));
      if (ctx.out.json) return ctx.out.printJson(page);
      ctx.out.table(page.data, [
        { header: "ID", get: (e) => e.id },
        { header: "TOPIC", get: (e) => e.topic },
        { header: "CHANNEL", get: (e) => e.channel },
        { header: "CREATED", get: (e) => e.createdAt },
        { header: "WEBHOOKS", get: (e) => (e.webhookIds ? e.webhookIds.length : "") },
        ...(o.payload ? [{ header: "PAYLOAD", get: (/** @type {any} */ e) => e.payload }] : []),
      ]);
      if (page.nextCursor) ctx.out.line(ctx.out.color.dim(`more: --cursor ${page.nextCursor}`));
    }));

  events
    .command("get <id>")
    .description("show one event and each webhook's delivery state")
    .action(act(async (ctx, id) => {
      const e = await unwrap(ctx.client().GET("/api/events/{id}", { params: { path: { id } } }));
      if (ctx.out.json) return ctx.out.printJson(e);
      const { deliveries, ...rest } = e;
      ctx.out.record(rest);
      ctx.out.line("");
      ctx.out.table(deliveries, [
        { header: "WEBHOOK", get: (d) => d.webhookId },
        { header: "STATE", get: (d) => d.state, color: ctx.out.status },
        { header: "ATTEMPTS", get: (d) => d.attempts },
        { header: "HTTP", get: (d) => d.httpStatus, color: ctx.out.status },
        { header: "LAST ATTEMPT", get: (d) => d.lastAttemptAt },
        { header: "NEXT ATTEMPT", get: (d) => d.nextAttemptAt },
      ]);
    }));

  events
    .command("replay <id>")
    .description("deliver an event again (to every webhook that matches now, or to --webhook ones)")
    .option("--webhook <id>", "only this webhook (repeatable, or comma-separated)", list)
    .action(act(async (ctx, id, o) => {
      const body = o.webhook ? { webhookIds: o.webhook } : {};
      const res = await unwrap(ctx.client().POST("/api/events/{id}/replay", { params: { path: { id } }, body }));
      if (ctx.out.json) return ctx.out.printJson(res);
      ctx.out.line(`replaying ${res.eventId} as ${res.replayId}${res.webhookIds ? ` to ${res.webhookIds.join(", ")}` : ""}`);
    }));
}
