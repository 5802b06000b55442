import { createServer } from "node:http";

/**
 * A real HTTP server on loopback standing in for the developer's receiver: it records every
 * request and answers with the next programmed status (then `fallbackStatus`).
 */
export interface Received {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export async function startLocalServer() {
  const requests: Received[] = [];
  const statusesByPath = new Map<string, number[]>();
  let fallbackStatus = 200;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
      requests.push({ method: req.method ?? "", path: req.url ?? "/", headers, body: Buffer.concat(chunks).toString("utf8") });
      const status = statusesByPath.get(req.url ?? "/")?.shift() ?? fallbackStatus;
      res.writeHead(status, { "content-type": "text/plain" }).end(`local ${status}`);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    /** Answer the next requests to `path` with these statuses, in order. */
    program: (path: string, ...next: number[]) => void statusesByPath.set(path, [...(statusesByPath.get(path) ?? []), ...next]),
    setFallback: (status: number) => void (fallbackStatus = status),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
