import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startReceiver } from "../../support/receiver-server";

/**
 * Starts what the browser tests talk to: the loopback receiver, and `wrangler dev` on
 * BROWSER_TEST_PORT with a fresh local state directory (migrations applied to it first), so each
 * run starts from an empty database. Both are stopped at the end.
 */
declare module "vitest" {
  interface ProvidedContext {
    baseUrl: string;
    adminKey: string;
    receiverUrl: string;
  }
}

const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true" };

function devVar(name: string): string {
  if (!existsSync(".dev.vars")) copyFileSync(".dev.vars.example", ".dev.vars");
  const line = readFileSync(".dev.vars", "utf8").split("\n").find((l) => l.startsWith(`${name}=`));
  if (!line) throw new Error(`${name} is missing from .dev.vars`);
  return line.slice(name.length + 1).trim();
}

async function waitUntilUp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev did not answer on ${url} within ${timeoutMs} ms`);
}

export default async function setup(project: TestProject) {
  const port = Number(process.env.BROWSER_TEST_PORT ?? 8788);
  const inspectorPort = Number(process.env.BROWSER_TEST_INSPECTOR_PORT ?? port + 500);
  const receiver = await startReceiver();
  const state = mkdtempSync(join(tmpdir(), "hookrelay-browser-"));
  execFileSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", state], { env, stdio: "ignore" });
  const log: string[] = [];
  const child = spawn("npx", ["wrangler", "dev", "--port", String(port), "--inspector-port", String(inspectorPort), "--ip", "127.0.0.1", "--persist-to", state, "--show-interactive-dev-session=false"], {
    env, detached: true, stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d: Buffer) => log.push(d.toString()));
  child.stderr!.on("data", (d: Buffer) => log.push(d.toString()));
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(baseUrl, child, 90_000);
  } catch (e) {
    if (child.pid) process.kill(-child.pid, "SIGTERM");
    throw new Error(`${(e as Error).message}\n${log.join("").slice(-3000)}`);
  }
  project.provide("baseUrl", baseUrl);
  project.provide("adminKey", devVar("ADMIN_API_KEY"));
  project.provide("receiverUrl", `http://127.0.0.1:${receiver.port}`);
  return async () => {
    if (child.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 500));
    await receiver.close();
    rmSync(state, { recursive: true, force: true });
  };
}
