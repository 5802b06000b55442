// The command tree. Each resource's commands live in cli/commands/<resource>.js.
import { Command, CommanderError } from "commander";
import { readFileSync } from "node:fs";
import { registerAuth } from "./commands/auth.js";
import { registerCalls } from "./commands/calls.js";
import { registerEvents } from "./commands/events.js";
import { registerListen } from "./commands/listen.js";
import { registerSources } from "./commands/sources.js";
import { registerStats } from "./commands/stats.js";
import { registerWebhooks } from "./commands/webhooks.js";
import { describeError } from "./errors.js";
import { makeOutput } from "./output.js";

const VERSION = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version;

/** Exit codes: 0 done, 1 the API or the network said no, 2 the command line was wrong. */
export function buildProgram() {
  const program = new Command("hookrelay")
    .description("Manage a hookrelay deployment, and forward its deliveries to localhost with `hookrelay listen`.")
    .version(VERSION)
    .option("--json", "print JSON for scripts instead of tables")
    .option("--api-url <url>", "the deployment (default: HOOKRELAY_URL, then the saved login)")
    .option("--api-key <key>", "the API key (default: HOOKRELAY_KEY, then the saved login)")
    .option("--account <id>", "with the admin key: act on this account (x-account-id)")
    .showHelpAfterError()
    .exitOverride();
  registerAuth(program);
  registerWebhooks(program);
  registerEvents(program);
  registerCalls(program);
  registerSources(program);
  registerStats(program);
  registerListen(program);
  return program;
}

/** @param {string[]} argv @returns {Promise<number>} */
export async function run(argv) {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version end through here too, with exit code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    const json = argv.includes("--json");
    const out = makeOutput({ json });
    const { text, exitCode } = describeError(err, { json, red: out.errColor.red, dim: out.errColor.dim });
    out.err(text);
    return exitCode;
  }
}
