#!/usr/bin/env bash
# Starts `npm run dev` in the background (its own process group), runs the seed's curl calls
# against it, and stops it by PID whatever happens.
set -euo pipefail
PORT=8787
BASE="http://localhost:$PORT"
LOG=$(mktemp)
setsid npm run dev >"$LOG" 2>&1 &
DEV_PID=$!
cleanup() {
  kill -TERM -- "-$DEV_PID" 2>/dev/null || true
  sleep 1
  kill -KILL -- "-$DEV_PID" 2>/dev/null || true
}
RECEIVER_PID=""
trap 'cleanup; [ -n "$RECEIVER_PID" ] && kill "$RECEIVER_PID" 2>/dev/null || true' EXIT

for _ in $(seq 1 90); do
  curl -sf "$BASE/healthz" >/dev/null 2>&1 && break
  if ! kill -0 "$DEV_PID" 2>/dev/null; then echo "npm run dev exited early:"; cat "$LOG"; exit 1; fi
  sleep 1
done
curl -sf "$BASE/healthz" >/dev/null || { echo "dev server did not come up:"; cat "$LOG"; exit 1; }

KEY=$(grep '^ADMIN_API_KEY=' .dev.vars | cut -d= -f2-)
fail() { echo "smoke: $*"; echo "--- dev log ---"; tail -50 "$LOG"; exit 1; }

# Seed 000, "Create a Webhook"
created=$(curl -s --request POST "$BASE/api/webhooks" \
  --header 'Content-Type: application/json' \
  --header "x-api-key: $KEY" \
  --data-raw '{
    "url": "https://your-domain.com/webhooks/vambe",
    "topics": ["message.received", "ticket.created", "stage.changed"],
    "active": true,
    "description": "Main webhook for production"
  }')
id=$(printf '%s' "$created" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(!j.id||!j.secret)process.exit(1);console.log(j.id)})') \
  || fail "create did not return an id and secret: $created"

# Read it back, list, pause (seed's "Update Webhook"), topics, calls, delete.
got=$(curl -sf "$BASE/api/webhooks/$id" --header "x-api-key: $KEY") || fail "GET /api/webhooks/$id failed"
printf '%s' "$got" | grep -q '"description":"Main webhook for production"' || fail "read-back differs: $got"
curl -sf "$BASE/api/webhooks" --header "x-api-key: $KEY" | grep -q "$id" || fail "list does not show $id"
curl -sf --request PUT "$BASE/api/webhooks/$id" --header 'Content-Type: application/json' --header "x-api-key: $KEY" \
  --data-raw '{"active": false}' | grep -q '"status":"inactive"' || fail "pause failed"
curl -sf "$BASE/api/webhooks/topics" --header "x-api-key: $KEY" | grep -q '"stage.changed"' || fail "topics failed"
curl -sf --request DELETE "$BASE/api/webhooks/$id" --header "x-api-key: $KEY" >/dev/null || fail "delete failed"
code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/webhooks/$id" --header "x-api-key: $KEY")
[ "$code" = "404" ] || fail "deleted webhook answered $code, want 404"

curl -sf "$BASE/api/webhooks/calls" --header "x-api-key: $KEY" | grep -q '"data"' || fail "calls failed"
echo "smoke: seed 000 calls ok ($id created, read back, paused, deleted)"

# A real delivery: a webhook on a local receiver (examples/receiver.mjs verifies with the
# standardwebhooks package and the seed-style X-Webhook-Signature), an event published with curl,
# then an inbound request signed the way seed 004 signs.
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];if(v===undefined)process.exit(1);console.log(v)})' "$1"; }
src=$(curl -s -X POST "$BASE/api/sources" --header 'Content-Type: application/json' --header "x-api-key: $KEY" \
  --data-raw '{"name":"whatsapp","verification":{"type":"whatsapp-api"},"secret":"your_webhook_secret_key"}')
src_id=$(printf '%s' "$src" | json id) || fail "source create: $src"
ingest=$(printf '%s' "$src" | json ingestUrl) || fail "source create: $src"
wh=$(curl -s -X POST "$BASE/api/webhooks" --header 'Content-Type: application/json' --header "x-api-key: $KEY" \
  --data-raw '{"url":"http://127.0.0.1:3999/hook","topics":["message.*"],"signature":{"scheme":"hmac-sha256"}}')
secret=$(printf '%s' "$wh" | json secret) || fail "webhook create: $wh"
RECV_LOG=$(mktemp)
PORT=3999 WEBHOOK_SECRET="$secret" WEBHOOK_HMAC_HEADER=X-Webhook-Signature node examples/receiver.mjs >"$RECV_LOG" 2>&1 &
RECEIVER_PID=$!
sleep 1
evt=$(curl -s -X POST "$BASE/api/events" --header 'Content-Type: application/json' --header "x-api-key: $KEY" \
  --data-raw '{"topic":"message.received","payload":{"type":"message.received","data":{"message":"Ok"}}}' | json id) || fail "publish failed"
body='{"event":"message.sent","sessionId":"5bc99cea8975b95fe7077c64a3312145","messageId":"msg_1","text":"Hi"}'
sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "your_webhook_secret_key" | sed 's/^.* //')
bad=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$ingest" --header 'Content-Type: application/json' \
  --header "X-Webhook-Signature: sha256=0000$sig" --data-raw "$body")
[ "$bad" = "401" ] || fail "a wrong inbound signature answered $bad, want 401"
inbound=$(curl -s -X POST "$ingest" --header 'Content-Type: application/json' --header "X-Webhook-Signature: sha256=$sig" \
  --data-raw "$body" | json id) || fail "inbound request refused"
for _ in $(seq 1 30); do
  [ "$(grep -c '^✓' "$RECV_LOG")" -ge 2 ] && break
  sleep 1
done
grep -q "✓ message.received $evt" "$RECV_LOG" || { cat "$RECV_LOG"; fail "published event $evt was not received and verified"; }
grep -q "✓ message.sent $inbound" "$RECV_LOG" || { cat "$RECV_LOG"; fail "inbound event $inbound was not received and verified"; }
! grep -q '^✗' "$RECV_LOG" || { cat "$RECV_LOG"; fail "the receiver rejected a delivery"; }
echo "smoke: delivery ok (published $evt and inbound $inbound from $src_id arrived signed and verified)"

# Seed 004 (the WhatsApp session API): its documented curl calls, verbatim but for the host and the
# token, and its documented answers.
API="$BASE"; YOUR_JWT_TOKEN="$KEY"
same_json() { node -e 'const [a,b]=process.argv.slice(1).map(JSON.parse);const eq=(x,y)=>JSON.stringify(x)===JSON.stringify(y);process.exit(eq(a,b)?0:1)' "$1" "$2"; }
has_keys() { node -e 'const j=JSON.parse(process.argv[1]);const [path,...keys]=process.argv.slice(2);const o=path.split(".").reduce((v,k)=>v?.[k],j);process.exit(j.success===true&&o&&keys.every(k=>k in o)?0:1)' "$@"; }

configured=$(curl -s -X PUT $API/api/webhook/config/YOUR_SESSION_ID \
  -H "Authorization: Bearer $YOUR_JWT_TOKEN" \
  -H "Content-Type: application/json" \
  -d '{
    "url": "https://your-server.com/webhook",
    "events": ["message.received", "message.sent", "session.connected"],
    "secret": "your_webhook_secret_key"
  }')
same_json "$configured" '{"success":true,"message":"Webhook configured successfully","config":{"url":"https://your-server.com/webhook","events":["message.received","message.sent","session.connected"],"secret":"your_webhook_secret_key","isActive":true}}' \
  || fail "PUT /api/webhook/config answered $configured"
got=$(curl -s -X GET $API/api/webhook/config/YOUR_SESSION_ID \
  -H "Authorization: Bearer $YOUR_JWT_TOKEN")
has_keys "$got" config url events secret isActive || fail "GET /api/webhook/config answered $got"
tested=$(curl -s -X POST $API/api/webhook/test \
  -H "Authorization: Bearer $YOUR_JWT_TOKEN" \
  -H "Content-Type: application/json" \
  -d '{
    "url": "https://your-server.com/webhook",
    "payload": {
      "event": "test",
      "timestamp": "2024-01-01T00:00:00.000Z",
      "message": "This is a test webhook"
    }
  }')
has_keys "$tested" call status httpStatus || fail "POST /api/webhook/test answered $tested"
queue=$(curl -s -X GET $API/api/webhook/queue \
  -H "Authorization: Bearer $YOUR_JWT_TOKEN")
has_keys "$queue" queue pending processing failed retrying || fail "GET /api/webhook/queue answered $queue"
cleared=$(curl -s -X DELETE $API/api/webhook/queue/YOUR_SESSION_ID \
  -H "Authorization: Bearer $YOUR_JWT_TOKEN")
printf '%s' "$cleared" | grep -q '"success":true' || fail "DELETE /api/webhook/queue answered $cleared"
stats=$(curl -s -X GET $API/api/webhook/stats/YOUR_SESSION_ID \
  -H "Authorization: Bearer $YOUR_JWT_TOKEN")
has_keys "$stats" stats totalSent successful failed averageResponseTime lastDelivery byEvent || fail "GET /api/webhook/stats answered $stats"
printf '%s' "$stats" | grep -q '"averageResponseTime":"[0-9]*ms"' || fail "averageResponseTime is not the seed's \"<n>ms\": $stats"
site=$(curl -s -X PUT $API/api/webhook/config/YOUR_SESSION_ID \
  -H "Authorization: Bearer $YOUR_JWT_TOKEN" \
  -H "Content-Type: application/json" \
  -d '{
    "url": "https://webhook.site/your-unique-url",
    "events": ["message.received"]
  }')
printf '%s' "$site" | grep -q '"message":"Webhook configured successfully"' || fail "webhook.site config answered $site"

# A session delivery, verified by seed 004's own Node verify code (test/seeds/004-verify.cjs).
SEED_RECV_LOG=$(mktemp)
WEBHOOK_SECRET=your_webhook_secret_key node -e '
  const { WebhookHandler } = require("./test/seeds/004-verify.cjs");
  const handler = new WebhookHandler(process.env.WEBHOOK_SECRET);
  require("http").createServer((req, res) => {
    const chunks = []; req.on("data", (c) => chunks.push(c)).on("end", () => {
      const payload = Buffer.concat(chunks);
      const ok = handler.verifySignature(payload, req.headers["x-webhook-signature"]);
      console.log(ok ? `verified ${JSON.parse(payload).event}` : "rejected");
      res.writeHead(ok ? 200 : 401).end(ok ? "OK" : "Unauthorized");
    });
  }).listen(3998, "127.0.0.1");' >"$SEED_RECV_LOG" 2>&1 &
SEED_RECEIVER_PID=$!
trap 'cleanup; [ -n "$RECEIVER_PID" ] && kill "$RECEIVER_PID" 2>/dev/null; kill "$SEED_RECEIVER_PID" 2>/dev/null || true' EXIT
sleep 1
curl -s -X PUT "$API/api/webhook/config/smoke-session" -H "Authorization: Bearer $YOUR_JWT_TOKEN" -H "Content-Type: application/json" \
  -d '{"url":"http://127.0.0.1:3998/webhook","events":["message.received"],"secret":"your_webhook_secret_key"}' | grep -q '"success":true' \
  || fail "session config for the local receiver failed"
curl -s -X POST "$BASE/api/events" -H 'Content-Type: application/json' -H "x-api-key: $KEY" \
  -d '{"topic":"message.received","channel":"smoke-session","payload":{"event":"message.received","sessionId":"smoke-session","text":"Hello!"}}' >/dev/null
for _ in $(seq 1 30); do grep -q '^verified' "$SEED_RECV_LOG" && break; sleep 1; done
grep -q '^verified message.received' "$SEED_RECV_LOG" || { cat "$SEED_RECV_LOG"; fail "seed 004's Node code did not verify the session delivery"; }
echo "smoke: seed 004 calls ok (config, test, queue, stats answered as documented; a session delivery verified by the seed's Node code)"
