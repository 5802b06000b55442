import { describe, expect, it } from "vitest";
import { call } from "../support/http";

/** The browser side is served by the Worker itself (static assets), with a strict CSP and no outside origin. */
describe("console, portal and docs pages", () => {
  it("serves /console with a strict CSP that allows only this origin and forbids framing", async () => {
    const res = await call("GET", "/console", { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.text).toContain('src="/ui/app.js"');
    expect(res.text).not.toMatch(/https?:\/\//);
  });

  it("serves /portal embeddable (no frame-ancestors limit) and the shared bundle", async () => {
    const res = await call("GET", "/portal", { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).not.toContain("frame-ancestors");
    expect(res.headers.get("x-frame-options")).toBeNull();
    const js = await call("GET", "/ui/app.js", { key: null });
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toMatch(/javascript/);
  });

  it("serves /docs with the API reference bundle from this Worker, not a CDN", async () => {
    const res = await call("GET", "/docs", { key: null });
    expect(res.status).toBe(200);
    expect(res.text).toContain('src="/ui/scalar.js"');
    expect(res.text).not.toMatch(/https?:\/\//);
    const bundle = await call("GET", "/ui/scalar.js", { key: null });
    expect(bundle.status).toBe(200);
    expect(bundle.text.length).toBeGreaterThan(1_000_000);
  });

  it("keeps the API's JSON 404 for unknown paths and redirects / to the console", async () => {
    const res = await call("GET", "/nothing-here", { key: null });
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe("not_found");
    // The test harness's fetch follows the 302, so / arrives at the console page.
    const root = await call("GET", "/", { key: null });
    expect(root.status).toBe(200);
    expect(root.text).toContain('src="/ui/app.js"');
  });
});
