// The end-to-end scenario's ceiling: a Worker that does nothing but what a delivery must do at the
// least — sign the body the Standard Webhooks way and fetch the receiver — once per endpoint.
// POST /?n=20 with the event as body → n signed POSTs to RECEIVER_URL/h/c0 … c{n-1}, all awaited.
// No queue, no D1, no Durable Object: the runtime's own fetch throughput on this machine.
let key;

async function hmacKey(secret) {
  const raw = Uint8Array.from(atob(secret.replace(/^whsec_/, "")), (c) => c.charCodeAt(0));
  return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

function b64(buf) {
  let s = "";
  for (const b of new Uint8Array(buf)) s += String.fromCharCode(b);
  return btoa(s);
}

export default {
  async fetch(request, env) {
    key ??= await hmacKey(env.SECRET);
    const n = Number(new URL(request.url).searchParams.get("n") ?? 1);
    const body = await request.text();
    const id = request.headers.get("x-event-id") ?? crypto.randomUUID();
    const ts = Math.floor(Date.now() / 1000).toString();
    const sig = b64(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${ts}.${body}`)));
    const headers = { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": ts, "webhook-signature": `v1,${sig}` };
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        fetch(`${env.RECEIVER_URL}/h/c${i}`, { method: "POST", headers, body }).then(
          async (r) => {
            await r.arrayBuffer();
            return r.ok;
          },
          () => false,
        ),
      ),
    );
    const ok = results.filter(Boolean).length;
    return new Response(JSON.stringify({ ok }), { status: ok === n ? 200 : 502, headers: { "content-type": "application/json" } });
  },
};
