// login (check the key against the deployment, then save it) and whoami.
import { createClient, unwrap } from "../../client/index.js";
import { configPath, writeConfig } from "../config.js";
import { act } from "../context.js";
import { CliError } from "../errors.js";

/** @param {import("commander").Command} program */
export function registerAuth(program) {
  program
    .command("login")
    .description("check a deployment URL and API key, then save them (0600) for later commands")
    .requiredOption("--url <url>", "the deployment, e.g. http://localhost:8787")
    .requiredOption("--key <key>", "an account key or the admin key")
    .action(act(async (ctx) => {
      const { url, key } = /** @type {{ url: string, key: string }} */ (ctx.opts);
      try {
        new URL(url);
      } catch {
        throw new CliError(`--url ${url} is not an absolute URL`, 2);
      }
      const me = await ctx.out.waitFor(`checking ${url}`, () => unwrap(createClient({ baseUrl: url, apiKey: key }).GET("/api/whoami")));
      const path = writeConfig({ url: url.replace(/\/+$/, ""), key });
      if (ctx.out.json) return ctx.out.printJson({ url, ...me, configPath: path });
      ctx.out.line(`Logged in to ${url} as ${me.isAdmin ? "the admin key" : `account ${me.accountId}`}; saved to ${path}`);
    }));

  program
    .command("whoami")
    .description("show the account the current key acts on")
    .action(act(async (ctx) => {
      const { url } = ctx.target();
      const me = await ctx.out.waitFor("asking", () => unwrap(ctx.client().GET("/api/whoami")));
      if (ctx.out.json) return ctx.out.printJson({ url, ...me });
      ctx.out.record({ url, account: me.accountId, key: me.keyId ?? "admin key", admin: me.isAdmin, config: configPath() });
    }));
}
