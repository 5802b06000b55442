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
