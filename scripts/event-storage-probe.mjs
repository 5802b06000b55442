// Storage per event, measured on a running dev server (issue 10, "Done when"): 3 webhooks on
// message.*, N events of a 326-byte message.received payload, every delivery answered 200 by a
// receiver in this process. Prints the D1 rows and bytes and the Durable Object bytes before and
// after, per event. Not a benchmark (no timing claims); bench/ owns those.
//
//   rm -rf /tmp/hr-state && npx wrangler d1 migrations apply DB --local --persist-to /tmp/hr-state
//   npx wrangler dev --port 8811 --inspector-port 9311 --persist-to /tmp/hr-state &
//   node scripts/event-storage-probe.mjs http://127.0.0.1:8811 /tmp/hr-state 3000
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";

const [base = "http://127.0.0.1:8811", stateDir = "/tmp/hr-state", count = "3000"] = process.argv.slice(2);
const N = Number(count);
const admin = readFileSync(".dev.vars", "utf8").match(/ADMIN_API_KEY=(.*)/)[1].trim();
const payload = {
  aiContactId: "38f3b2c1-0000-4000-8000-000000000000", type: "message.received", timestamp: "2024-05-01T12:00:00.000Z", channel: "whatsapp",
  data: { message: "Ok, gracias por la información, lo reviso y te aviso", from: "56961210530", to: "56961210531" }, extra: "x".repeat(60),
};

const seen = new Map();
const receiver = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    const key = `${req.url} ${req.headers["webhook-id"]}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    res.end("ok");
  });
});
await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
const recv = `http://127.0.0.1:${receiver.address().port}`;

const call = async (method, path, body, tries = 3) => {
  try {
    const r = await fetch(base + path, { method, headers: { "x-api-key": admin, "content-type": "application/json" }, body: body && JSON.stringify(body) });
    return { status: r.status, json: await r.json() };
  } catch (err) {
    // A kept-alive socket the server closed while wrangler d1 execute blocked this process.
    if (tries > 1) return call(method, path, body, tries - 1);
    throw err;
  }
};
const walk = (dir) => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [[join(dir, f), statSync(join(dir, f)).size]]));
const bytes = () => {
  const files = walk(join(stateDir, "v3"));
  const sum = (re) => files.filter(([p]) => re.test(p)).reduce((a, [, s]) => a + s, 0);
  return { d1Bytes: sum(/\/d1\//), eventStoreBytes: sum(/EventStore/), webhookDOBytes: sum(/WebhookDO/) };
};
const rows = () => {
  const sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%' AND name != 'd1_migrations'";
  const run = (command) => JSON.parse(execFileSync("npx", ["wrangler", "d1", "execute", "DB", "--local", "--persist-to", stateDir, "--json", "--command", command], { env: { ...process.env, CI: "true" }, stdio: ["ignore", "pipe", "ignore"] }).toString())[0].results;
  const tables = run(sql).map((r) => r.name);
  return run(`SELECT ${tables.map((t) => `(SELECT count(*) FROM "${t}") AS "${t}"`).join(", ")}`)[0];
};

for (let i = 0; i < 3; i++) await call("POST", "/api/webhooks", { url: `${recv}/w${i}`, topics: ["message.*"] });
await call("POST", "/api/events", { topic: "message.received", payload }); // makes today's partition
await new Promise((r) => setTimeout(r, 3000));
const before = { ...bytes(), rows: rows() };
for (let i = 0; i < N; i += 50) await Promise.all(Array.from({ length: Math.min(50, N - i) }, () => call("POST", "/api/events", { topic: "message.received", payload })));
const deadline = Date.now() + 300_000;
while (seen.size < 3 * (N + 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
await new Promise((r) => setTimeout(r, 5000));
const after = { ...bytes(), rows: rows() };
const per = (k) => Math.round((after[k] - before[k]) / N);
console.log(JSON.stringify({
  events: N, payloadBytes: Buffer.byteLength(JSON.stringify(payload)), deliveries: seen.size, duplicated: [...seen.values()].filter((v) => v > 1).length,
  d1RowsBefore: before.rows, d1RowsAfter: after.rows,
  perEvent: { d1Bytes: per("d1Bytes"), eventStoreBytes: per("eventStoreBytes"), webhookDOBytes: per("webhookDOBytes") },
}, null, 2));
receiver.close();
