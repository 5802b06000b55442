// stats (account or one webhook) and queue (what waits, account-wide or for one webhook)
import { unwrap } from "../../client/index.js";
import { act } from "../context.js";

/** @param {import("commander").Command} program */
export function registerStats(program) {
  program
    .command("stats [webhookId]")
    .description("delivery statistics for the account, or for one webhook")
    .option("--since <time>", "only attempts at or after (ISO 8601 or epoch ms)")
    .action(act(async (ctx, webhookId, o) => {
      const query = o.since ? { since: o.since } : {};
      const client = ctx.client();
      const stats = webhookId
        ? await ctx.out.waitFor("reading", () => unwrap(client.GET("/api/webhooks/{id}/stats", { params: { path: { id: webhookId }, query } })))
        : await ctx.out.waitFor("reading", () => unwrap(client.GET("/api/stats", { params: { query } })));
      if (ctx.out.json) return ctx.out.printJson(stats);
      ctx.out.record(/** @type {Record<string, unknown>} */ (stats));
    }));

  program
    .command("queue [webhookId]")
    .description("deliveries waiting: pending, processing, retrying, failed (account-wide or one webhook)")
    .action(act(async (ctx, webhookId) => {
      const client = ctx.client();
      if (webhookId) {
        const q = await unwrap(client.GET("/api/webhooks/{id}/queue", { params: { path: { id: webhookId } } }));
        if (ctx.out.json) return ctx.out.printJson(q);
        return ctx.out.record(q);
      }
      const q = await ctx.out.waitFor("reading", () => unwrap(client.GET("/api/webhooks/queue")));
      if (ctx.out.json) return ctx.out.printJson(q);
      const { byWebhook, ...totals } = q;
      ctx.out.record(totals);
      if (byWebhook.length) {
        ctx.out.line("");
        ctx.out.table(byWebhook, [
          { header: "WEBHOOK", get: (w) => w.webhookId },
          { header: "PENDING", get: (w) => w.pending },
          { header: "PROCESSING", get: (w) => w.processing },
          { header: "RETRYING", get: (w) => w.retrying },
          { header: "FAILED", get: (w) => w.failed },
        ]);
      }
    }));
}
