// HTTP for setup and probes (load goes through the load child): one JSON request, and the
// hookrelay API with a key, failing on an unexpected status.

export async function http(method, url, { body, headers = {}, timeoutMs = 30_000 } = {}) {
  const res = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not json */
  }
  return { status: res.status, json, text, headers: res.headers };
}

/** `api(method, path, body?, key?, expect?)` against `base`, the admin key by default. */
export function apiClient(base, adminKey) {
  const api = async (method, path, body, key = adminKey, expect = [200, 201, 202]) => {
    const r = await http(method, base + path, { body, headers: { "x-api-key": key } });
    if (!expect.includes(r.status)) throw new Error(`${method} ${path} → ${r.status}: ${r.text.slice(0, 500)}`);
    return r.json;
  };
  /** Whether a route is mounted (anything but the router's own 404). */
  const routeExists = async (method, path) => {
    const r = await http(method, base + path, { body: {}, headers: { "x-api-key": adminKey } });
    return !(r.status === 404 && /No route/.test(r.text));
  };
  return { api, routeExists };
}

/** The receiver child's control routes (bench/lib/receiver.mjs). */
export function receiverControl(recv) {
  return {
    reset: (secrets) => http("POST", `${recv}/_bench/reset`, { body: { secrets } }),
    fail: (ms) => http("POST", `${recv}/_bench/fail`, { body: { ms } }).then((r) => r.json),
    summary: () => http("GET", `${recv}/_bench/summary`).then((r) => r.json),
    arrivals: () => http("GET", `${recv}/_bench/arrivals`, { timeoutMs: 120_000 }).then((r) => r.json),
  };
}
