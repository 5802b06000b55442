// calls ls, and calls tail (polls the call log and prints attempts as they are recorded).
import { unwrap } from "../../client/index.js";
import { act, int } from "../context.js";

/** @typedef {import("../../client/index.js").Schemas["Call"]} Call */

/** @param {import("../output.js").Output} out */
const callColumns = (out) => [
  { header: "TIME", get: (/** @type {Call} */ c) => c.createdAt },
  { header: "CALL", get: (/** @type {Call} */ c) => c.id },
  { header: "WEBHOOK", get: (/** @type {Call} */ c) => c.webhookId },
  { header: "EVENT", get: (/** @type {Call} */ c) => c.eventId },
  { header: "TOPIC", get: (/** @type {Call} */ c) => c.topic },
  { header: "#", get: (/** @type {Call} */ c) => c.attempt },
  { header: "STATUS", get: (/** @type {Call} */ c) => c.status, color: out.status },
  { header: "HTTP", get: (/** @type {Call} */ c) => c.httpStatus, color: out.status },
  { header: "MS", get: (/** @type {Call} */ c) => c.durationMs },
  { header: "ERROR", get: (/** @type {Call} */ c) => c.error },
];

/** @param {import("commander").Command} cmd */
const filterOptions = (cmd) =>
  cmd
    .option("--webhook <id>", "only this webhook's attempts")
    .option("--event <id>", "only this event's attempts")
    .option("--status <status>", "succeeded | failed | retrying")
    .option("--topic <topic>", "only this topic");

/** @param {Record<string, any>} o */
const filterQuery = (o) => ({
  ...(o.webhook ? { webhookId: o.webhook } : {}),
  ...(o.event ? { eventId: o.event } : {}),
  ...(o.status ? { status: o.status } : {}),
  ...(o.topic ? { topic: o.topic } : {}),
});

const TAIL_PAGE = 100;

/** @param {import("commander").Command} program */
export function registerCalls(program) {
  const calls = program.command("calls").description("the call log: one row per delivery attempt");

  filterOptions(calls.command("ls").description("list attempts, newest first"))
    .option("--since <time>", "at or after (ISO 8601 or epoch ms)")
    .option("--until <time>", "before (ISO 8601 or epoch ms)")
    .option("--limit <n>", "page size (1-100)", int)
    .option("--cursor <cursor>", "nextCursor of the previous page")
    .action(act(async (ctx, o) => {
      const query = { ...filterQuery(o), ...(o.since ? { since: o.since } : {}), ...(o.until ? { until: o.until } : {}), ...(o.limit ? { limit: o.limit } : {}), ...(o.cursor ? { cursor: o.cursor } : {}) };
      const page = await ctx.out.waitFor("listing", () => unwrap(ctx.client().GET("/api/webhooks/calls", { params: { query } })));
      if (ctx.out.json) return ctx.out.printJson(page);
      ctx.out.table(page.data, callColumns(ctx.out));
      if (page.nextCursor) ctx.out.line(ctx.out.color.dim(`more: --cursor ${page.nextCursor}`));
    }));

  filterOptions(calls.command("tail").description("follow new attempts as they are recorded (Ctrl-C stops)"))
    .option("--interval <ms>", "how often to poll", int, 1000)
    .action(act(async (ctx, o) => {
      const client = ctx.client();
      const seen = new Set();
      // From a little before now: an attempt is logged when it finishes, so one that started just
      // before the tail would otherwise be missed. Older rows are skipped by id.
      let since = Date.now() - 5_000;
      if (!ctx.out.json) ctx.out.err(ctx.out.errColor.dim("following the call log; Ctrl-C stops"));
      for (;;) {
        const page = await unwrap(client.GET("/api/webhooks/calls", { params: { query: { ...filterQuery(o), since: String(since), limit: TAIL_PAGE } } }));
        const fresh = page.data.filter((c) => !seen.has(c.id)).reverse();
        for (const c of fresh) {
          seen.add(c.id);
          since = Math.max(since, Date.parse(c.createdAt) - 5_000);
          if (ctx.out.json) ctx.out.line(JSON.stringify(c));
          else ctx.out.line(`${c.createdAt}  ${c.topic}  ${c.eventId}  #${c.attempt}  ${ctx.out.status(c.status)}  ${ctx.out.status(c.httpStatus === null ? "-" : String(c.httpStatus))}  ${c.durationMs ?? "-"} ms  ${c.url}${c.error ? `  ${ctx.out.color.red(c.error)}` : ""}`);
        }
        if (seen.size > 10_000) seen.clear();
        await new Promise((r) => setTimeout(r, o.interval));
      }
    }));
}
