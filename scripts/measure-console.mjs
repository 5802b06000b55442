// Measures how long the console takes to show one webhook whose call log holds 10,000 attempts,
// against a running `npm run dev` (BASE_URL, default http://127.0.0.1:8787) and its local D1.
// The rows are written straight into the local database (a recursive INSERT), since making 10,000
// real deliveries is not what is measured here. Prints the median of five loads.
//   node scripts/measure-console.mjs            (after `npm run dev` in another shell)
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const base = process.env.BASE_URL ?? "http://127.0.0.1:8787";
const rows = Number(process.env.ROWS ?? 10_000);
const admin = readFileSync(".dev.vars", "utf8").match(/^ADMIN_API_KEY=(.*)$/m)[1].trim();
const api = async (method, path, body, key = admin) => {
  const res = await fetch(`${base}${path}`, { method, headers: { "x-api-key": key, "content-type": "application/json" }, body: body && JSON.stringify(body) });
  return res.json();
};

const acct = await api("POST", "/api/accounts", { name: "console measurement" });
const key = acct.apiKey.key;
const wh = await api("POST", "/api/webhooks", { url: "https://example.com/measured", topics: ["*"], description: "Measured" }, key);
const now = Date.now();
const sql = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
INSERT INTO calls (id, account_id, webhook_id, event_id, topic, attempt, status, http_status, duration_ms, error, response_body, url, created_at, next_attempt_at)
SELECT printf('call_%s%08d', '${wh.id.slice(3)}', i), '${acct.account.id}', '${wh.id}', printf('evt_%s%08d', '${wh.id.slice(3)}', i), 'order.created', 1,
       CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'succeeded' END, CASE WHEN i % 10 = 0 THEN 500 ELSE 200 END,
       20 + (i % 180), CASE WHEN i % 10 = 0 THEN 'HTTP 500' ELSE NULL END, 'ok', 'https://example.com/measured',
       ${now} - i * 8000, NULL FROM n;`;
execFileSync("npx", ["wrangler", "d1", "execute", "DB", "--local", "--command", sql], { stdio: "ignore", env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" } });

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu"] });
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
await page.goto(`${base}/healthz`);
await page.evaluate((k) => sessionStorage.setItem("hookrelay.session.console", JSON.stringify({ credential: k, accountId: null, isAdmin: false, readOnly: false })), key);
const times = [];
for (let i = 0; i < 5; i++) {
  await page.goto(`${base}/healthz`); // so that every measured load is a full page load
  const started = Date.now();
  await page.goto(`${base}/console#/webhooks/${wh.id}`);
  await page.getByRole("region", { name: "Attempts" }).getByRole("row").nth(50).waitFor();
  await page.getByText(/succeeded · .* failed/).waitFor();
  times.push(Date.now() - started);
}
// The heaviest read behind the page: the 24 h chart over every attempt.
const dayStarted = Date.now();
const day = await api("GET", `/api/webhooks/${wh.id}/stats/timeseries?window=24h`, undefined, key);
const dayMs = Date.now() - dayStarted;
await browser.close();
times.sort((a, b) => a - b);
console.log(`webhook page with ${rows} attempts: median ${times[2]} ms to the 50th row and the chart totals (all: ${times.join(", ")} ms)`);
console.log(`GET …/stats/timeseries?window=24h over ${day.totals.succeeded + day.totals.failed} attempts: ${dayMs} ms`);
