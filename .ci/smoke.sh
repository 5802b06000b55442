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
trap cleanup EXIT

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

echo "smoke: ok ($id created, read back, paused, deleted)"
