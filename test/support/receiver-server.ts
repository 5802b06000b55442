import { createServer, type IncomingMessage } from "node:http";
import { available, runVerifiers, type VerifyRequest } from "./seed-verifiers";

/**
 * A real HTTP receiver on loopback, run in Node by vitest's globalSetup. Tests (inside workerd)
 * program and read it over HTTP:
 *   PUT  /_inbox/<name>   {"responses":[{status,body?,headers?,delayMs?}], "fallback":{…}}
 *   GET  /_inbox/<name>   → {"requests":[{method,path,headers,body,receivedAt}]}
 *   anything else under /<name>/… is recorded and answered with the next programmed response.
 *   A program's `verify` list runs independent signature checks in Node on each request (see
 *   seed-verifiers.ts); GET /_verifiers says which are available here.
 */
interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  delayMs?: number;
}
interface Inbox {
  responses: Reply[];
  fallback: Reply;
  requests: { method: string; path: string; headers: Record<string, string>; body: string; receivedAt: number; verified?: Record<string, boolean | string> }[];
  verify?: VerifyRequest[];
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export async function startReceiver(port = 0) {
  const inboxes = new Map<string, Inbox>();
  const inbox = (name: string) => {
    let box = inboxes.get(name);
    if (!box) {
      box = { responses: [], fallback: { status: 200, body: "ok" }, requests: [] };
      inboxes.set(name, box);
    }
    return box;
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://receiver");
    const raw = await readBody(req);
    const body = raw.toString("utf8");
    if (url.pathname === "/_verifiers") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(available));
      return;
    }
    const control = url.pathname.match(/^\/_inbox\/([^/]+)$/);
    if (control) {
      const box = inbox(control[1]!);
      if (req.method === "PUT") {
        const program = JSON.parse(body || "{}") as Partial<Inbox>;
        box.responses = program.responses ?? [];
        if (program.fallback) box.fallback = program.fallback;
        box.verify = program.verify;
        res.writeHead(204).end();
      } else {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ requests: box.requests }));
      }
      return;
    }
    const name = url.pathname.split("/")[1] ?? "";
    const box = inbox(name);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
    box.requests.push({ method: req.method ?? "", path: url.pathname, headers, body, receivedAt: Date.now(), ...(box.verify ? { verified: runVerifiers(box.verify, raw, headers) } : {}) });
    const reply = box.responses.shift() ?? box.fallback;
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (res.destroyed) return;
    res.writeHead(reply.status, reply.headers ?? {}).end(reply.body ?? "");
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : port,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
