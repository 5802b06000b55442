// Starting the harness's processes: the bench build (wrangler deploy --dry-run of the bench entry,
// bench/worker/entry.ts), the server child (workerd through Miniflare), the receiver child, and the
// optional CPU profiler. run.mjs calls these and builds the scenarios' context from what they return.
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { basename, join } from "node:path";
import { rpc, spawnChild, waitMessage } from "./procs.mjs";
import { startProfile, summarizeProfile } from "./profiler.mjs";
import { sleep } from "./stats.mjs";

/** The bench entry: the production Worker wrapped with the counters and the /bench routes. */
export const BENCH_ENTRY = join("bench", "worker", "entry.ts");

/** Bundles the bench entry with the production wrangler.toml; → {outdir, script} (script: the bundle's file name). */
export function build({ root, outdir, unminified }) {
  return new Promise((resolve, reject) => {
    execFile(
      join(root, "node_modules", ".bin", "wrangler"),
      // The positional script replaces wrangler.toml's `main` for this build only; bindings, vars,
      // migrations and compatibility settings stay the production ones. Profiles want readable
      // names: unminified bundle then (BENCH_PROFILE=1 only).
      ["deploy", "--dry-run", "--outdir", outdir, ...(unminified ? ["--minify=false"] : []), BENCH_ENTRY],
      { cwd: root, timeout: 120_000, env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true", NO_COLOR: "1", FORCE_COLOR: "0" }, maxBuffer: 16 << 20 },
      (err, _stdout, stderr) => (err ? reject(new Error(`wrangler build failed (exit ${err.code ?? err.signal}):\n${stderr.trim()}`)) : resolve({ outdir, script: basename(BENCH_ENTRY).replace(/\.ts$/, ".js") })),
    );
  });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts the server child and hookrelay in it. `onRestart(pid)`: workerd crashed and Miniflare
 * started a new one. → {server, url, pid, migrations, doClassOf, vars}
 */
export async function startServer({ root, bundle, persistDir, queueBatchTimeout, inspectorPort, vars, onRestart }) {
  const server = spawnChild(join(root, "bench", "lib", "server.mjs"), {
    env: { BENCH_SERVER_CONFIG: JSON.stringify({ root, buildDir: bundle.outdir, script: bundle.script, persistDir, queueBatchTimeout, inspectorPort, vars }) },
  });
  await waitMessage(server, (m) => m?.type === "hello", 15_000, "server process");
  server.on("message", (m) => m?.type === "runtimeRestart" && onRestart(m.pid));
  const started = await rpc(server, { type: "start" }, 60_000);
  return { server, ...started };
}

export async function startReceiver(root) {
  const receiver = spawnChild(join(root, "bench", "lib", "receiver.mjs"));
  const ready = await waitMessage(receiver, (m) => m?.type === "ready", 15_000, "receiver");
  return { receiver, url: ready.url };
}

/**
 * BENCH_PROFILE=1: CPU profiles of the Worker during the ingest runs and the e2e burst, written to
 * <benchDir>/results/profiles/*.cpuprofile and summarized (top self time) in the JSON.
 * maybeProfile(name) starts one (a no-op without an inspector port); its stop() saves it and
 * returns a summary.
 */
export function profiler({ inspectorPort, benchDir, errors }) {
  return async function maybeProfile(name) {
    if (!inspectorPort) return async () => undefined;
    try {
      const url = `ws://127.0.0.1:${inspectorPort}/hookrelay`;
      // The inspector sometimes misses the first command right after the previous session closed.
      const stop = await startProfile(url, { timeoutMs: 5000 }).catch(() => sleep(1000).then(() => startProfile(url)));
      return async () => {
        try {
          const profile = await stop();
          const dir = join(benchDir, "results", "profiles");
          mkdirSync(dir, { recursive: true });
          const file = join(dir, `${name.replace(/[^\w.-]+/g, "_")}.cpuprofile`);
          writeFileSync(file, JSON.stringify(profile));
          return { file, ...summarizeProfile(profile) };
        } catch (err) {
          return { error: String(err) };
        }
      };
    } catch (err) {
      errors.push(`profile ${name}: ${err}`);
      return async () => undefined;
    }
  };
}
