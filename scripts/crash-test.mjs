// Crash test of `npm run dev`, black box (HTTP API and a receiver only, so it holds whatever the
// storage looks like inside): start the dev server on its own local state, create 3 webhooks at a
// receiver, publish 300 events, `kill -9` the workerd process mid-stream, start the server again
// on the same state, publish the rest, and check at the receiver that every event reached every
// webhook and that the only duplicates are attempts in flight at the kill (at most one per
// webhook). Prints sent, received, lost and duplicated; exits 1 on any loss or excess duplicate.
//
//   node scripts/crash-test.mjs        CRASH_PORT (8790), CRASH_INSPECTOR_PORT (9230),
//                                      CRASH_EVENTS (300), CRASH_WAIT_SECONDS (240)
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";

const PORT = Number(process.env.CRASH_PORT ?? 8790);
const INSPECTOR_PORT = Number(process.env.CRASH_INSPECTOR_PORT ?? 9230);
const EVENTS = Number(process.env.CRASH_EVENTS ?? 300);
const WEBHOOKS = 3;
const KILL_AFTER = Math.floor(EVENTS / 2);
const WAIT_MS = Number(process.env.CRASH_WAIT_SECONDS ?? 240) * 1000;
const STATE_DIR = ".wrangler/crash-test-state";
const BASE = `http://127.0.0.1:${PORT}`;
const RUN = Date.now().toString(36);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.log("[crash-test]", ...a);

// ---- receiver: records (webhook, event id) of every delivery; answers after a short delay so
// some deliveries are in flight when the server is killed.
const received = new Map(); // `${hook}|${eventId}` → count
let deliveries = 0;
const receiver = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    const hook = req.url.split("/")[1];
    const key = `${hook}|${req.headers["webhook-id"]}`;
    received.set(key, (received.get(key) ?? 0) + 1);
    deliveries++;
    setTimeout(() => res.writeHead(200).end("ok"), 15);
  });
});
await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
const RECEIVER = `http://127.0.0.1:${receiver.address().port}`;

// ---- the dev server, in its own process group so it can be stopped whole.
let server = null;
function startServer() {
  const child = spawn("node", ["scripts/dev.mjs", "--port", String(PORT), "--inspector-port", String(INSPECTOR_PORT), "--persist-to", STATE_DIR], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
  });
  child.output = "";
  const keep = (d) => (child.output = (child.output + d).slice(-20_000));
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  return child;
}

async function waitUp(child) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${BASE}/healthz`, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // starting
    }
    await sleep(300);
  }
  throw new Error(`dev server did not come up:\n${child.output}`);
}

function stopGroup(child) {
  if (!child || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** The workerd process inside our own server's process group (never one of anyone else's). */
function workerdPid(child) {
  const rows = execFileSync("ps", ["-eo", "pid=,pgid=,comm="], { encoding: "utf8" }).trim().split("\n");
  const mine = rows.map((r) => r.trim().split(/\s+/)).filter(([, pgid, comm]) => Number(pgid) === child.pid && comm === "workerd");
  if (mine.length === 0) throw new Error("no workerd process in the dev server's group");
  return Number(mine[0][0]);
}

const KEY = readFileSync(".dev.vars", "utf8").match(/^ADMIN_API_KEY=(.*)$/m)?.[1];
async function api(method, path, body) {
  // Bounded: a request caught by the kill may never be answered by wrangler's proxy.
  const res = await fetch(`${BASE}${path}`, {
    method, headers: { "x-api-key": KEY, "content-type": "application/json" }, body: body && JSON.stringify(body), signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, text };
}

process.on("exit", () => stopGroup(server));
let failed = false;
try {
  // Fresh local state of its own, migrated like npm run dev's.
  execFileSync("node", ["scripts/dev-setup.mjs"], { stdio: "ignore" });
  rmSync(STATE_DIR, { recursive: true, force: true });
  execFileSync("wrangler", ["d1", "migrations", "apply", "DB", "--local", "--persist-to", STATE_DIR], { stdio: "ignore", env: { ...process.env, CI: "true" } });

  server = startServer();
  await waitUp(server);
  const hooks = [];
  for (let i = 0; i < WEBHOOKS; i++) {
    const res = await api("POST", "/api/webhooks", { url: `${RECEIVER}/hook${i}/in`, topics: ["crash.*"], description: `crash test ${RUN}` });
    if (res.status !== 201) throw new Error(`create webhook: ${res.status} ${res.text}`);
    hooks.push(`hook${i}`);
  }

  // Publish; ids are ours, so a publish whose answer the kill swallowed is simply sent again
  // (a repeated id is answered duplicate:true and delivered once), as a real client would.
  const acknowledged = new Set();
  const publish = async (n) => {
    const res = await api("POST", "/api/events", { id: `crash-${RUN}-${n}`, topic: "crash.test", payload: { n } });
    if (res.status === 202) acknowledged.add(n);
  };
  const CONCURRENCY = 10;
  let next = 0;
  const publishUntil = async (limit) => {
    const workers = Array.from({ length: CONCURRENCY }, async () => {
      while (next < limit) {
        const n = next++;
        await publish(n).catch(() => undefined);
      }
    });
    await Promise.all(workers);
  };
  await publishUntil(KILL_AFTER);
  // Let deliveries get going, then kill the runtime mid-stream: publishing goes on meanwhile.
  const during = publishUntil(EVENTS);
  await sleep(200);
  const pid = workerdPid(server);
  process.kill(pid, "SIGKILL");
  log(`kill -9 workerd (pid ${pid}) with ${acknowledged.size} events acknowledged and ${deliveries} deliveries received`);
  // The whole dev server goes down with it (wrangler would otherwise respawn workerd itself).
  stopGroup(server);
  await during;
  await sleep(500);

  server = startServer();
  await waitUp(server);
  log("restarted on the same local state");
  for (let n = 0; n < EVENTS; n++) if (!acknowledged.has(n)) await publish(n);
  if (acknowledged.size !== EVENTS) throw new Error(`only ${acknowledged.size} of ${EVENTS} publishes were acknowledged after the restart`);

  const expected = EVENTS * WEBHOOKS;
  const deadline = Date.now() + WAIT_MS;
  while (received.size < expected && Date.now() < deadline) await sleep(1000);
  // Settle: a duplicate sent after the last first delivery would arrive now.
  await sleep(3000);

  let lost = 0;
  const duplicatesPerHook = Object.fromEntries(hooks.map((h) => [h, 0]));
  for (const h of hooks) {
    for (let n = 0; n < EVENTS; n++) {
      const count = received.get(`${h}|crash-${RUN}-${n}`) ?? 0;
      if (count === 0) lost++;
      else duplicatesPerHook[h] += count - 1;
    }
  }
  const duplicated = Object.values(duplicatesPerHook).reduce((a, b) => a + b, 0);
  console.log(
    `crash test: sent ${EVENTS} events × ${WEBHOOKS} webhooks = ${expected} deliveries; received ${received.size} distinct (${deliveries} requests); ` +
      `lost ${lost}; duplicated ${duplicated} (${hooks.map((h) => `${h}: ${duplicatesPerHook[h]}`).join(", ")}; allowed: 1 per webhook per kill)`,
  );
  if (lost > 0) throw new Error(`${lost} deliveries lost`);
  const excess = hooks.filter((h) => duplicatesPerHook[h] > 1);
  if (excess.length) throw new Error(`more than one duplicate at ${excess.join(", ")}`);
} catch (err) {
  failed = true;
  console.error(`[crash-test] FAILED: ${err.message}`);
  if (server) console.error(`--- dev server log (tail) ---\n${server.output.slice(-4000)}`);
} finally {
  stopGroup(server);
  receiver.close();
}
process.exit(failed ? 1 : 0);
