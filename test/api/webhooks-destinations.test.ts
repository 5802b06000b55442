import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { call, newAccount } from "../support/http";

/**
 * URL rules (SSRF): https only, and no loopback, private, link-local or metadata hosts unless
 * ALLOW_PRIVATE_DESTINATIONS=true. The test config sets it true; the "production" cases call the
 * app with an env override (config is parsed per env object, so a new object picks it up).
 */

const productionEnv = { ...env, ALLOW_PRIVATE_DESTINATIONS: "false" };

async function request(method: string, path: string, key: string, body: unknown, overrides: Partial<Env> = productionEnv) {
  const ctx = createExecutionContext();
  const res = await app.request(
    path,
    { method, headers: { "x-api-key": key, "content-type": "application/json" }, body: JSON.stringify(body) },
    overrides,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: res.status, json: (await res.json()) as any };
}

const createIn = (key: string, url: string, environment?: Partial<Env>) =>
  request("POST", "/api/webhooks", key, { url, topics: ["message.received"] }, environment);

let acct: Awaited<ReturnType<typeof newAccount>>;
beforeAll(async () => {
  acct = await newAccount("destinations");
});

const REFUSED_IN_PRODUCTION: [string, string][] = [
  ["plain http", "http://hooks.example.com/in"],
  ["localhost", "https://localhost/hook"],
  ["localhost with a port", "https://localhost:8443/hook"],
  ["a .localhost name", "https://app.localhost/hook"],
  ["127.0.0.1", "https://127.0.0.1/hook"],
  ["127.1.2.3 (all of 127/8 is loopback)", "https://127.1.2.3/hook"],
  ["0.0.0.0", "https://0.0.0.0/hook"],
  ["10.x", "https://10.1.2.3/hook"],
  ["172.16.x", "https://172.16.0.1/hook"],
  ["172.31.x", "https://172.31.255.254/hook"],
  ["192.168.x", "https://192.168.1.10/hook"],
  ["the 169.254.169.254 metadata address", "https://169.254.169.254/latest/meta-data/"],
  ["100.64.x carrier-grade NAT", "https://100.64.0.1/hook"],
  ["[::1]", "https://[::1]/hook"],
  ["[::]", "https://[::]/hook"],
  ["fc00:: unique-local", "https://[fc00::1]/hook"],
  ["fd00:: unique-local", "https://[fd12:3456::1]/hook"],
  ["fe80:: link-local", "https://[fe80::1]/hook"],
  ["an IPv4-mapped private address", "https://[::ffff:10.0.0.1]/hook"],
  ["a *.internal name", "https://metadata.google.internal/computeMetadata/v1/"],
  ["a *.local name", "https://printer.local/hook"],
  ["a decimal-encoded 127.0.0.1", "https://2130706433/hook"],
  ["a hex-encoded 127.0.0.1", "https://0x7f000001/hook"],
  ["a short-form 127.1", "https://127.1/hook"],
  ["a trailing-dot localhost", "https://localhost./hook"],
  ["credentials in the URL", "https://user:pass@hooks.example.com/in"],
  ["a username alone in the URL", "https://user@hooks.example.com/in"],
];

describe("with ALLOW_PRIVATE_DESTINATIONS=false (production)", () => {
  it("accepts a public https URL", async () => {
    const res = await createIn(acct.key, "https://hooks.example.com/in?tenant=1");
    expect(res.status).toBe(201);
    expect(res.json.url).toBe("https://hooks.example.com/in?tenant=1");
  });

  it("accepts public addresses that sit next to private ranges", async () => {
    for (const url of ["https://172.32.0.1/hook", "https://172.15.0.1/hook", "https://8.8.8.8/hook", "https://[2606:4700::1111]/hook", "https://internal.example.com/hook"]) {
      expect((await createIn(acct.key, url)).status, url).toBe(201);
    }
  });

  it.each(REFUSED_IN_PRODUCTION)("refuses %s with a body.url detail", async (_what, url) => {
    const res = await createIn(acct.key, url);
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe("validation_failed");
    expect(res.json.error.details).toEqual([expect.objectContaining({ path: "body.url", code: "invalid_destination" })]);
  });

  it("says https is required for an http URL", async () => {
    const res = await createIn(acct.key, "http://hooks.example.com/in");
    expect(res.json.error.details[0].message).toBe("url must use https");
  });

  it("refuses moving an existing webhook to a private address with PUT", async () => {
    const created = await createIn(acct.key, "https://hooks.example.com/in");
    const res = await request("PUT", `/api/webhooks/${created.json.id}`, acct.key, { url: "https://169.254.169.254/latest/meta-data/" });
    expect(res.status).toBe(422);
    expect(res.json.error.details[0].path).toBe("body.url");
    const got = await call("GET", `/api/webhooks/${created.json.id}`, { key: acct.key });
    expect(got.json.url).toBe("https://hooks.example.com/in");
  });
});

describe("with ALLOW_PRIVATE_DESTINATIONS=true (local development, the test config)", () => {
  it("accepts http and private hosts", async () => {
    for (const url of ["http://localhost:8787/hook", "http://127.0.0.1:3000/hook", "https://10.0.0.5/hook", "https://[::1]/hook", "http://192.168.1.10/hook", "https://svc.internal/hook"]) {
      const res = await call("POST", "/api/webhooks", { key: acct.key, body: { url, topics: ["*"] } });
      expect(res.status, `${url}: ${res.text}`).toBe(201);
    }
  });

  it("still refuses schemes other than http and https", async () => {
    for (const url of ["ftp://hooks.example.com/in", "file:///etc/passwd", "javascript:alert(1)"]) {
      const res = await call("POST", "/api/webhooks", { key: acct.key, body: { url, topics: ["*"] } });
      expect(res.status, url).toBe(422);
      expect(res.json.error.details[0].path).toBe("body.url");
    }
  });

  it("still refuses credentials in the URL", async () => {
    const res = await call("POST", "/api/webhooks", { key: acct.key, body: { url: "http://user:pass@localhost/hook", topics: ["*"] } });
    expect(res.status).toBe(422);
    expect(res.json.error.details[0].path).toBe("body.url");
  });

  it("refuses a relative URL and a URL with a fragment", async () => {
    for (const url of ["/hook", "hooks.example.com/in", "https://hooks.example.com/in#part"]) {
      const res = await call("POST", "/api/webhooks", { key: acct.key, body: { url, topics: ["*"] } });
      expect(res.status, url).toBe(422);
    }
  });
});

describe("a stored URL that the rules no longer allow", () => {
  it("can still be paused or described without resending the URL, but not re-saved with it", async () => {
    const created = await createIn(acct.key, "http://127.0.0.1:9/hook", { ...env, ALLOW_PRIVATE_DESTINATIONS: "true" });
    expect(created.status).toBe(201);
    const paused = await request("PUT", `/api/webhooks/${created.json.id}`, acct.key, { active: false, description: "paused" });
    expect(paused.status).toBe(200);
    expect(paused.json.status).toBe("inactive");
    const resent = await request("PUT", `/api/webhooks/${created.json.id}`, acct.key, { url: "http://127.0.0.1:9/hook" });
    expect(resent.status).toBe(422);
    expect(resent.json.error.details[0].path).toBe("body.url");
  });
});
