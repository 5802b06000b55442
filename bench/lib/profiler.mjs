// CPU profiles of the hookrelay Worker through workerd's inspector (Miniflare's inspector proxy,
// ws://127.0.0.1:<port>/<worker name>), with the Chrome DevTools Protocol's Profiler domain.
// Used only with BENCH_PROFILE=1; the .cpuprofile files open in Chrome DevTools / speedscope.

/** Connects, starts sampling; returns stop() → the profile. */
export async function startProfile(wsUrl, { intervalUs = 200, timeoutMs = 30_000 } = {}) {
  const ws = new WebSocket(wsUrl, { headers: { origin: "http://localhost" } });
  let nextId = 0;
  const pending = new Map();
  ws.addEventListener("message", (ev) => {
    const msg = JSON.parse(typeof ev.data === "string" ? ev.data : Buffer.from(ev.data).toString("utf8"));
    // workerd answers Profiler.enable/start by echoing the command (no `result`); stop has one.
    if (msg.id !== undefined && pending.has(msg.id)) {
      const { resolve, reject, timer } = pending.get(msg.id);
      clearTimeout(timer);
      pending.delete(msg.id);
      msg.error ? reject(new Error(JSON.stringify(msg.error))) : resolve(msg.result ?? {});
    }
  });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`inspector ${wsUrl}: no connection in ${timeoutMs} ms`)), timeoutMs);
    ws.addEventListener("open", () => (clearTimeout(timer), resolve()), { once: true });
    ws.addEventListener("error", (e) => (clearTimeout(timer), reject(new Error(`inspector ${wsUrl}: ${e.message ?? "error"}`))), { once: true });
  });
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      const timer = setTimeout(() => (pending.delete(id), reject(new Error(`inspector ${method} timed out`))), timeoutMs);
      pending.set(id, { resolve, reject, timer });
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: intervalUs });
  await send("Profiler.start");
  return async () => {
    try {
      const { profile } = await send("Profiler.stop");
      if (!profile) throw new Error("Profiler.stop returned no profile");
      return profile;
    } finally {
      ws.close();
    }
  };
}

/**
 * Self time by function (top n) and by coarse bucket, as shares of the sampled time. Buckets: the
 * idle node ("(idle)": the isolate was waiting: I/O, other isolates, the simulators), garbage
 * collection, and the Worker's own code grouped by the source file the bundle's name hints at.
 */
export function summarizeProfile(profile, n = 25) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const counts = new Map();
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const total = profile.samples.length || 1;
  const fns = new Map();
  for (const [id, c] of counts) {
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || "(anonymous)"} ${f.url ? f.url.split("/").pop() : ""}:${f.lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + c);
  }
  const top = [...fns].sort((a, b) => b[1] - a[1]).slice(0, n).map(([fn, c]) => ({ fn, share: Math.round((c / total) * 1000) / 1000 }));
  const idle = [...counts].filter(([id]) => byId.get(id).callFrame.functionName === "(idle)").reduce((a, [, c]) => a + c, 0);
  const gc = [...counts].filter(([id]) => byId.get(id).callFrame.functionName === "(garbage collector)").reduce((a, [, c]) => a + c, 0);
  return {
    samples: profile.samples.length,
    seconds: Math.round((profile.endTime - profile.startTime) / 1e4) / 100,
    idleShare: Math.round((idle / total) * 1000) / 1000,
    gcShare: Math.round((gc / total) * 1000) / 1000,
    top,
  };
}
