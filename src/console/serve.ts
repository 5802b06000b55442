import { Hono } from "hono";
import type { AppEnv } from "../app-env";

/**
 * The browser side, served by this Worker from its static assets (wrangler.toml [assets], built
 * into build/ui by scripts/build-ui.mjs): /console, /portal, /docs and their /ui/* files. The
 * Worker runs first for every request so that these answers carry a strict Content-Security-Policy
 * and the API keeps its own 404s. Nothing is loaded from anywhere but this origin.
 */
export const consolePages = new Hono<AppEnv>();

const STRICT_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

// The API reference renders its own inline styles and fonts as data: URLs; scripts stay 'self'.
const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

async function serveAsset(c: { env: Env; req: { raw: Request } }, path: string, csp: string, frameable: boolean): Promise<Response> {
  const url = new URL(c.req.raw.url);
  url.pathname = path;
  url.search = "";
  const res = await c.env.ASSETS.fetch(new Request(url, { method: c.req.raw.method, headers: c.req.raw.headers }));
  const out = new Response(res.body, res);
  out.headers.set("content-security-policy", frameable ? csp : `${csp}; frame-ancestors 'none'`);
  out.headers.set("x-content-type-options", "nosniff");
  out.headers.set("referrer-policy", "no-referrer");
  if (!frameable) out.headers.set("x-frame-options", "DENY");
  return out;
}

// The portal is made to be embedded in the platform's own pages; the console and docs are not.
consolePages.get("/console", (c) => serveAsset(c, "/console", STRICT_CSP, false));
consolePages.get("/portal", (c) => serveAsset(c, "/portal", STRICT_CSP, true));
consolePages.get("/docs", (c) => serveAsset(c, "/docs", DOCS_CSP, false));
consolePages.get("/ui/*", (c) => serveAsset(c, c.req.path, c.req.path.startsWith("/ui/scalar") || c.req.path.startsWith("/ui/docs") ? DOCS_CSP : STRICT_CSP, true));
consolePages.get("/", (c) => c.redirect("/console", 302));
