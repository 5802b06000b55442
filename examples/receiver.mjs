// A small webhook receiver for local development: verifies every delivery with the
// `standardwebhooks` package (and, if WEBHOOK_HMAC_HEADER is set, the seed-style
// `sha256=<hex>` header), prints it, and answers 200.
//
//   WEBHOOK_SECRET=whsec_… node examples/receiver.mjs            # listens on 127.0.0.1:3000
//   PORT=3001 FAIL_FIRST=2 WEBHOOK_SECRET=… node examples/receiver.mjs   # answer 500 twice first
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { Webhook } from "standardwebhooks";

const port = Number(process.env.PORT ?? 3000);
const secret = process.env.WEBHOOK_SECRET;
if (!secret) {
  console.error("set WEBHOOK_SECRET to the webhook's secret (GET /api/webhooks/{id}/secret)");
  process.exit(2);
}
const hmacHeader = process.env.WEBHOOK_HMAC_HEADER?.toLowerCase();
let failFirst = Number(process.env.FAIL_FIRST ?? 0);
const seen = new Set();

function verifyHmac(body, header) {
  // Seed 004's receiver: HMAC-SHA256 of the raw body with the secret string as key.
  const expected = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
  return typeof header === "string" && header.length === expected.length && timingSafeEqual(Buffer.from(header), Buffer.from(expected));
}

createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    if (failFirst > 0) {
      failFirst -= 1;
      console.log(`✗ answering 500 on purpose (attempt ${req.headers["x-webhook-attempt"]})`);
      return res.writeHead(500).end("try again");
    }
    let event;
    try {
      event = new Webhook(secret).verify(body, req.headers);
    } catch (err) {
      console.log(`✗ signature rejected: ${err.message}`);
      return res.writeHead(401).end("bad signature");
    }
    if (hmacHeader && !verifyHmac(body, req.headers[hmacHeader])) {
      console.log(`✗ ${hmacHeader} rejected`);
      return res.writeHead(401).end("bad signature");
    }
    const id = req.headers["webhook-id"];
    const duplicate = seen.has(id);
    seen.add(id);
    console.log(
      `✓ ${req.headers["x-webhook-topic"]} ${id} attempt ${req.headers["x-webhook-attempt"]}${duplicate ? " (duplicate)" : ""} verified:`,
      JSON.stringify(event),
    );
    res.writeHead(200, { "content-type": "application/json" }).end('{"received":true}');
  });
}).listen(port, "127.0.0.1", () => console.log(`receiver listening on http://127.0.0.1:${port}`));
