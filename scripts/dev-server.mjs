// Starts a real `wrangler dev` of this worktree on a given port, in its own process group, with its
// local state (D1, Durable Objects, queues) in a directory of its own, and stops it by its group id.
// Used by scripts/gen-client.mjs (to read /openapi.json from the code as it is) and by the Node-side
// tests in test-node/ (the client and the CLI against a running deployment).
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
const QUIET_ENV = { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true" };

/** The admin key the dev server runs with (from .dev.vars, created from the example when missing). */
export function devAdminKey() {
  if (!existsSync(join(ROOT, ".dev.vars"))) copyFileSync(join(ROOT, ".dev.vars.example"), join(ROOT, ".dev.vars"));
  const line = readFileSync(join(ROOT, ".dev.vars"), "utf8").split("\n").find((l) => l.startsWith("ADMIN_API_KEY="));
  if (!line) throw new Error(".dev.vars has no ADMIN_API_KEY");
  return line.slice("ADMIN_API_KEY=".length).trim();
}

/**
 * @param {{ port: number, inspectorPort: number, migrate?: boolean, readyTimeoutMs?: number }} opts
 * @returns {Promise<{ url: string, adminKey: string, log: () => string, stop: () => Promise<void> }>}
 */
export async function startDevServer({ port, inspectorPort, migrate = true, readyTimeoutMs = 90_000 }) {
  const adminKey = devAdminKey();
  const persistTo = mkdtempSync(join(tmpdir(), "hookrelay-dev-"));
  // node_modules/.bin first, as `npm run` does: wrangler needs the pinned Node 22 (the `node` dev
  // dependency), and this script may be started by a plain Node 20.
  const env = { ...process.env, ...QUIET_ENV, PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH ?? ""}` };
  if (migrate) {
    execFileSync(WRANGLER, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], { cwd: ROOT, env, stdio: "pipe" });
  }
  const child = spawn(
    WRANGLER,
    ["dev", "--port", String(port), "--inspector-port", String(inspectorPort), "--ip", "127.0.0.1", "--persist-to", persistTo, "--show-interactive-dev-session=false"],
    { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  let exited = false;
  child.on("exit", () => (exited = true));

  const stop = async () => {
    if (!exited && child.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        /* already gone */
      }
      const deadline = Date.now() + 5_000;
      while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (!exited) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          /* already gone */
        }
      }
    }
    rmSync(persistTo, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`wrangler dev exited before it was ready:\n${output}`);
    }
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer /healthz within ${readyTimeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return { url, adminKey, log: () => output, stop };
}
