// Child process: the webhook receiver. Listens on 127.0.0.1, verifies every delivery's Standard
// Webhooks signature with the `standardwebhooks` package (unchanged), and records per
// (endpoint, webhook-id) the first successful arrival time and how many times it came back after a
// success (a duplicate). A failure window makes it answer 503 to everything (recovery scenario).
//
// Deliveries: POST /h/<endpoint key>. Control (the harness only), under /_bench/:
//   POST /_bench/reset {secrets:{key:secret}}  forget everything, set the endpoints' secrets
//   POST /_bench/fail {ms}                      answer 503 to deliveries for the next ms
//   GET  /_bench/summary                        counters
//   GET  /_bench/arrivals                       [[key, id, firstOkAt, okCount, attempts], ...]
import http from "node:http";
import { Webhook } from "standardwebhooks";

const now = () => performance.timeOrigin + performance.now();

let verifiers = new Map(); // key → Webhook
let records = new Map(); // `${key} ${id}` → {key, id, t, ok, attempts}
let counters;
let failUntil = 0;

function reset(secrets = {}) {
  verifiers = new Map(Object.entries(secrets).map(([k, s]) => [k, new Webhook(s)]));
  records = new Map();
  failUntil = 0;
  counters = {
    requests: 0, ok: 0, distinctOk: 0, duplicates: 0, badSignature: 0, unknownEndpoint: 0, failedOnPurpose: 0,
    firstOkAt: null, lastOkAt: null, badSamples: [],
  };
}
reset();

function json(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function onDelivery(req, res, body) {
  counters.requests += 1;
  const key = req.url.slice(3).split("?")[0];
  const wh = verifiers.get(key);
  if (!wh) {
    counters.unknownEndpoint += 1;
    return json(res, 404, { error: "unknown endpoint" });
  }
  try {
    wh.verify(body, req.headers);
  } catch (err) {
    counters.badSignature += 1;
    if (counters.badSamples.length < 5) counters.badSamples.push({ key, error: String(err), headers: req.headers });
    return json(res, 400, { error: "bad signature" });
  }
  const t = now();
  const id = req.headers["webhook-id"];
  const rk = `${key} ${id}`;
  let r = records.get(rk);
  if (!r) records.set(rk, (r = { key, id, t: null, ok: 0, attempts: 0 }));
  r.attempts += 1;
  if (t < failUntil) {
    counters.failedOnPurpose += 1;
    return json(res, 503, { error: "failing on purpose" });
  }
  if (r.ok > 0) counters.duplicates += 1;
  else {
    r.t = t;
    counters.distinctOk += 1;
  }
  r.ok += 1;
  counters.ok += 1;
  counters.firstOkAt ??= t;
  counters.lastOkAt = t;
  res.writeHead(204);
  res.end();
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    if (req.url.startsWith("/h/")) return onDelivery(req, res, body);
    if (req.url === "/_bench/reset" && req.method === "POST") {
      reset(JSON.parse(body || "{}").secrets);
      return json(res, 200, { ok: true });
    }
    if (req.url === "/_bench/fail" && req.method === "POST") {
      failUntil = now() + Number(JSON.parse(body || "{}").ms ?? 0);
      return json(res, 200, { failUntil });
    }
    if (req.url === "/_bench/summary") {
      return json(res, 200, { ...counters, failing: now() < failUntil });
    }
    if (req.url === "/_bench/arrivals") {
      return json(res, 200, [...records.values()].map((r) => [r.key, r.id, r.t, r.ok, r.attempts]));
    }
    json(res, 404, { error: "no such path" });
  });
});
server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;
server.maxRequestsPerSocket = 0;
server.listen(0, "127.0.0.1", () => {
  process.send({ type: "ready", url: `http://127.0.0.1:${server.address().port}`, pid: process.pid });
});
process.on("disconnect", () => process.exit(0));
