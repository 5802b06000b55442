// Measures how long the console takes to show one webhook whose call log holds 10,000 attempts,
// against a running `npm run dev` (BASE_URL, default http://127.0.0.1:8787). The attempts are real
// deliveries to a receiver this script starts on loopback (every tenth answered 500, not retried),
// published with /api/events/batch. Prints the median of five loads.
//   node scripts/measure-console.mjs            (after `npm run dev` in another shell)
import { createServer } from "node:http";
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
let received = 0;
const receiver = createServer((req, res) => {
  req.resume();
  req.on("end", () => res.writeHead(++received % 10 === 0 ? 500 : 200).end("ok"));
});
await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const wh = await api("POST", "/api/webhooks", {
  url: `http://127.0.0.1:${receiver.address().port}/measured`, topics: ["*"], description: "Measured",
  delivery: { ordering: "parallel", maxInFlight: 20, retryClientErrors: false, retrySchedule: [] },
}, key);
for (let sent = 0; sent < rows; sent += 100) {
  const events = Array.from({ length: Math.min(100, rows - sent) }, (_, i) => ({ topic: "order.created", payload: { n: sent + i } }));
  await api("POST", "/api/events/batch", { events }, key);
}
for (let stats; (stats = await api("GET", `/api/webhooks/${wh.id}/stats`, undefined, key)).totalSent < rows; ) await new Promise((r) => setTimeout(r, 500));
receiver.close();

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
