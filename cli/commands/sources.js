// sources ls|create (inbound sources: where providers POST, verified, relayed as events)
import { unwrap } from "../../client/index.js";
import { act, int, parseJsonArg } from "../context.js";

/** @param {import("commander").Command} program */
export function registerSources(program) {
  const sources = program.command("sources").description("inbound sources (providers POST to their ingestUrl)");

  sources
    .command("ls")
    .description("list inbound sources")
    .option("--deleted", "list soft-deleted sources")
    .option("--limit <n>", "page size (1-100)", int)
    .option("--cursor <cursor>", "nextCursor of the previous page")
    .action(act(async (ctx, o) => {
      const query = { ...(o.deleted ? { deleted: /** @type {const} */ ("true") } : {}), ...(o.limit ? { limit: o.limit } : {}), ...(o.cursor ? { cursor: o.cursor } : {}) };
      const page = await ctx.out.waitFor("listing", () => unwrap(ctx.client().GET("/api/sources", { params: { query } })));
      if (ctx.out.json) return ctx.out.printJson(page);
      ctx.out.table(page.data, [
        { header: "ID", get: (s) => s.id },
        { header: "NAME", get: (s) => s.name },
        { header: "VERIFICATION", get: (s) => s.verification.type },
        { header: "INGEST URL", get: (s) => s.ingestUrl },
      ]);
      if (page.nextCursor) ctx.out.line(ctx.out.color.dim(`more: --cursor ${page.nextCursor}`));
    }));

  sources
    .command("create")
    .description("create an inbound source; its secret is shown once")
    .requiredOption("--name <name>", "a name for people")
    .option("--verification <type>", "standard-webhooks | stripe | github | shopify | slack | hmac | basic | api-key | none | a preset", "standard-webhooks")
    .option("--secret <secret>", "the provider's signing secret (generated when absent, where the scheme allows)")
    .option("--data <json>", "any other fields as JSON (inline, @file or -), e.g. a full verification object")
    .action(act(async (ctx, o) => {
      /** @type {Record<string, unknown>} */
      const body = { ...(o.data ? parseJsonArg(o.data, "--data") : {}), name: o.name };
      body.verification ??= { type: o.verification };
      if (o.secret) body.secret = o.secret;
      const created = await ctx.out.waitFor("creating", () => unwrap(ctx.client().POST("/api/sources", { body: /** @type {any} */ (body) })));
      if (ctx.out.json) return ctx.out.printJson(created);
      ctx.out.record(/** @type {Record<string, unknown>} */ (created));
    }));
}
