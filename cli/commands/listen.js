// listen <port|url>: forward the deployment's matching deliveries to a local server.
import { act, list } from "../context.js";
import { CliError } from "../errors.js";
import { listen } from "../listen-session.js";

/** `3000` → http://localhost:3000/; a URL stays as it is. @param {string} target @param {string | undefined} path */
export function localUrlOf(target, path) {
  let url;
  if (/^\d{1,5}$/.test(target)) url = new URL(`http://localhost:${target}/`);
  else {
    try {
      url = new URL(target);
    } catch {
      throw new CliError(`${target} is neither a port nor a URL`, 2);
    }
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new CliError(`${target}: only http and https URLs can receive deliveries`, 2);
  if (path) url = new URL(path, url);
  return url.toString();
}

/** @param {import("commander").Command} program */
export function registerListen(program) {
  program
    .command("listen <target>")
    .description("receive this account's matching deliveries on a local server (a port, or a URL)")
    .option("--topics <topics>", "topics to receive (comma-separated; default *)", list)
    .option("--channel <channel>", "only events on this channel (repeatable)", list)
    .option("--source <sourceId>", "only events from this inbound source (repeatable)", list)
    .option("--path <path>", "path on the local server, e.g. /webhooks")
    .option("--session <id>", "resume a session that was disconnected (its deliveries waited)")
    .action(act(async (ctx, target, o) => {
      const localUrl = localUrlOf(target, o.path);
      const { url, key } = ctx.target();
      const out = ctx.out;
      const session = listen({
        baseUrl: url, apiKey: key, ...(ctx.opts.account ? { accountId: ctx.opts.account } : {}), localUrl,
        topics: o.topics, channels: o.channel, sources: o.source, session: o.session,
        onReady: (r) => {
          if (out.json) return out.line(JSON.stringify({ ...r, localUrl }));
          out.line(`${out.color.green(r.resumed ? "Resumed" : "Ready")}: ${r.topics.join(",")}${r.channels ? ` on ${r.channels.join(",")}` : ""}${r.sources ? ` from ${r.sources.join(",")}` : ""} → ${localUrl}`);
          out.line(out.color.dim(`session ${r.sessionId} · signing secret ${r.secret} · deliveries wait ${r.holdSeconds / 60} min after a disconnect`));
        },
        onDelivery: (f) => {
          if (out.json) return out.line(JSON.stringify(f));
          const status = f.status === null ? out.color.red("ERR") : out.status(String(f.status));
          out.line(`${f.time.slice(11, 19)}  ${f.topic}  ${f.eventId}  ${status}  ${f.durationMs} ms${f.attempt > 1 ? out.color.dim(`  attempt ${f.attempt}`) : ""}${f.error ? `  ${out.color.red(f.error)}` : ""}`);
        },
        onStatus: (text) => out.err(out.errColor.yellow(text)),
      });
      // A progress line while the socket opens (terminals only; scripts get the ready line).
      if (!out.json && process.stderr.isTTY) out.err(out.errColor.dim(`connecting to ${url} …`));
      const stop = () => session.stop();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      try {
        await session.done;
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      }
    }));
}
