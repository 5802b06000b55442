// Child process: drives load, so the harness's own bookkeeping never competes with it for the event
// loop. One job per process, given over IPC; the answer goes back the same way, then it exits.
//
// Jobs:
//   cannon   closed loop with autocannon (N connections, as fast as the server answers), bodies and
//            headers taken round-robin from a pool.
//   publish  open loop at a fixed offered rate (or as fast as possible with rate 0): POST bodies
//            built from a template with ids we choose, recording when each request was accepted.
import { createHmac } from "node:crypto";
import http from "node:http";
import autocannon from "autocannon";

const now = () => performance.timeOrigin + performance.now();

function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function cannon(job) {
  // pool: [{body, headers?}], taken round-robin. A body containing __N__ gets a per-request counter
  // there (unique provider ids); with job.hmac {secret, header, prefix} each body is signed (hex
  // HMAC-SHA256), as a provider would, at request time.
  const pool = job.pool;
  let i = 0;
  let counter = 0;
  const statuses = {};
  const result = await new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: job.url,
        connections: job.connections,
        duration: job.durationSec,
        timeout: job.timeoutSec ?? 10,
        pipelining: 1,
        requests: [
          {
            method: job.method ?? "POST",
            setupRequest: (req) => {
              const p = pool[i++ % pool.length];
              const body = p.body.includes("__N__") ? p.body.replaceAll("__N__", String(counter++)) : p.body;
              req.body = body;
              req.headers = { ...job.headers, ...p.headers };
              if (job.hmac) req.headers[job.hmac.header] = job.hmac.prefix + createHmac("sha256", job.hmac.secret).update(body).digest("hex");
              return req;
            },
            onResponse: (status) => {
              statuses[status] = (statuses[status] ?? 0) + 1;
            },
          },
        ],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on("error", reject);
  });
  const elapsed = result.duration; // seconds
  return {
    requests: result.requests.total,
    rps: result.requests.total / elapsed,
    durationSec: elapsed,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.average },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses,
  };
}

async function publish(job) {
  // job: {url, headers, rate (requests/s; 0 = as fast as `connections` allows), count (requests),
  //       connections, bodies: built per request from job.template}
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.connections });
  const u = new URL(job.url);
  const accepted = []; // [requestIndex, sentAt, acceptedAt, status]
  const statuses = {};
  const latencies = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let errors = 0;
  let done = 0;

  const body = (n) => {
    const t = job.template;
    const mk = (k) => {
      // template.payload: a realistic body (the storage scenario's bytes per event); else a tiny one.
      const payload = t.payload ? { ...t.payload, n: k } : { n: k, pad: t.pad ?? "" };
      const ev = { id: `${t.idPrefix}${k}`, topic: t.topics[k % t.topics.length], payload };
      return ev;
    };
    if (t.batch > 1) {
      const events = [];
      for (let j = 0; j < t.batch; j++) events.push(mk(n * t.batch + j));
      return JSON.stringify({ events });
    }
    return JSON.stringify(mk(n));
  };

  const send = (n) =>
    new Promise((resolve) => {
      const data = body(n);
      const sentAt = now();
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const req = http.request(
        {
          agent, host: u.hostname, port: u.port, path: u.pathname, method: "POST",
          headers: { ...job.headers, "content-type": "application/json", "content-length": Buffer.byteLength(data) },
          timeout: 30_000,
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            const at = now();
            statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
            latencies.push(at - sentAt);
            accepted.push([n, sentAt, at, res.statusCode]);
            inFlight -= 1;
            done += 1;
            resolve();
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", () => {
        errors += 1;
        inFlight -= 1;
        done += 1;
        resolve();
      });
      req.end(data);
    });

  const start = now();
  const pending = [];
  if (job.rate > 0) {
    // Open loop: request n is due at start + n/rate, whatever happened to the earlier ones.
    let issued = 0;
    await new Promise((resolve) => {
      const tick = () => {
        const due = Math.min(job.count, Math.floor(((now() - start) * job.rate) / 1000) + 1);
        while (issued < due) pending.push(send(issued++));
        if (issued >= job.count) return resolve();
        setTimeout(tick, 1);
      };
      tick();
    });
  } else {
    let next = 0;
    const worker = async () => {
      while (next < job.count) await send(next++);
    };
    await Promise.all(Array.from({ length: job.connections }, worker));
  }
  await Promise.all(pending);
  const end = now();
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: job.count,
    sendSpanMs: end - start,
    statuses,
    errors,
    maxInFlight,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? null },
    accepted,
  };
}

const jobs = { cannon, publish };

process.once("message", async (job) => {
  try {
    const cpu0 = process.cpuUsage();
    const t0 = now();
    const result = await jobs[job.kind](job);
    const cpu = process.cpuUsage(cpu0);
    result.loadGenCpuSec = (cpu.user + cpu.system) / 1e6;
    result.loadGenCores = result.loadGenCpuSec / ((now() - t0) / 1000);
    process.send({ ok: true, result }, () => process.exit(0));
  } catch (err) {
    process.send({ ok: false, error: String(err?.stack ?? err) }, () => process.exit(1));
  }
});
process.on("disconnect", () => process.exit(1));
