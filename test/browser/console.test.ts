import type { Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { api, baseUrl, newAccount, newInbox } from "./support/api";
import { openBrowser, shot, type Session } from "./support/browser";

/**
 * The console and the portal in real Chromium against `wrangler dev`, found as a user finds things
 * (roles, labels, text). Each test sets up its own account and data through the API.
 */
let s: Session;
/** Console errors a test expects (the browser logs each 4xx answer it asked for). */
let expectedErrors: RegExp[] = [];

beforeAll(async () => {
  s = await openBrowser();
});
afterAll(async () => {
  await s?.close();
});
afterEach(() => {
  const unexpected = s.consoleErrors.filter((e) => !expectedErrors.some((r) => r.test(e)));
  s.consoleErrors.length = 0;
  expectedErrors = [];
  expect(unexpected, "browser console errors").toEqual([]);
  expect(s.blocked, "requests to hosts other than localhost").toEqual([]);
});

const seen = (l: Locator, timeout = 15_000) => l.first().waitFor({ state: "visible", timeout });

async function signIn(page: Page, key: string) {
  // Forget the last test's key on a page of this origin that runs no app (so no poll sees it go).
  await page.goto(`${baseUrl()}/healthz`);
  await page.evaluate(() => sessionStorage.clear());
  await page.goto(`${baseUrl()}/console`);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await seen(page.getByRole("heading", { name: "Webhooks", level: 1 }));
}

async function createWebhook(key: string, body: Record<string, unknown>) {
  const res = await api("POST", "/api/webhooks", { key, body: { topics: ["*"], ...body } });
  expect(res.status).toBe(201);
  return res.json as { id: string };
}

const attemptRows = (page: Page, text: string | RegExp) =>
  page.getByRole("region", { name: "Attempts" }).getByRole("row").filter({ hasText: text });

describe("console", () => {
  it("signs in with an account key, kept out of the URL, and with the admin key through the account picker", async () => {
    const acct = await newAccount("sign-in");
    const { page } = s;
    await page.goto(`${baseUrl()}/console`);
    await page.getByLabel("API key").fill("hr_not_a_real_key_000000000000000000000");
    expectedErrors.push(/status of 401/);
    await page.getByRole("button", { name: "Sign in" }).click();
    await seen(page.getByText("That key is not valid."));
    await signIn(page, acct.key);
    expect(page.url()).not.toContain(acct.key);
    expect(await page.evaluate(() => JSON.stringify(sessionStorage))).toContain(acct.key);
    await page.getByRole("button", { name: "Sign out" }).click();

    await page.getByLabel("API key").fill(await adminKey());
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByLabel("Account").selectOption(acct.id);
    await page.getByRole("button", { name: "Continue" }).click();
    await seen(page.getByRole("heading", { name: "Webhooks", level: 1 }));
    await seen(page.getByText(`Admin · ${acct.id}`));
    await page.getByRole("button", { name: "Sign out" }).click();
  });

  it("creates a webhook: a bad URL shows the API's error beside the field, a good one opens the webhook", async () => {
    const acct = await newAccount("create");
    const inbox = await newInbox();
    const { page } = s;
    await signIn(page, acct.key);
    await page.getByRole("link", { name: "New webhook" }).click();
    await page.getByLabel("Endpoint URL").fill("ftp://files.example.com/in");
    await page.getByLabel("Description").fill("Orders service");
    expectedErrors.push(/status of 422/);
    await page.getByRole("button", { name: "Create webhook" }).click();
    const error = page.locator("#" + (await page.getByLabel("Endpoint URL").getAttribute("id")) + "-error");
    await seen(error);
    expect(await error.textContent()).toMatch(/url/i);
    expect(await page.getByLabel("Endpoint URL").evaluate((el) => document.activeElement === el)).toBe(true);
    await shot(page, "create-field-error");

    await page.getByLabel("Endpoint URL").fill(inbox.url);
    await page.getByRole("button", { name: "Create webhook" }).click();
    await seen(page.getByRole("heading", { name: "Orders service", level: 1 }));
    await seen(page.getByText(inbox.url));
  });

  it("sends a test event and shows its attempt row", async () => {
    const acct = await newAccount("test-send");
    const inbox = await newInbox({ fallback: { status: 200, body: '{"received":true}' } });
    const wh = await createWebhook(acct.key, { url: inbox.url, description: "Test target" });
    const { page } = s;
    await signIn(page, acct.key);
    await page.getByRole("link", { name: inbox.url }).click();
    await seen(page.getByRole("heading", { name: "Test target" }));
    await page.getByRole("button", { name: "Send test event" }).click();
    await seen(page.getByText(/Test delivery succeeded: HTTP 200/));
    const row = attemptRows(page, "succeeded");
    await seen(row);
    expect(await row.first().textContent()).toContain("200");
    await row.first().getByText("View").click();
    await seen(page.getByText('"received": true'));
    expect(await inbox.count()).toBe(1);
    expect(page.url()).toContain(wh.id);
  });

  it("shows failures as they happen, recovers them after the receiver is fixed, and the chart follows", async () => {
    const acct = await newAccount("recover");
    const inbox = await newInbox({ fallback: { status: 400, body: "bad gateway config" } });
    const wh = await createWebhook(acct.key, { url: inbox.url, description: "Flaky receiver", delivery: { retryClientErrors: false } });
    const { page } = s;
    await signIn(page, acct.key);
    await page.goto(`${baseUrl()}/console#/webhooks/${wh.id}`);
    await seen(page.getByRole("heading", { name: "Flaky receiver" }));
    const published = [];
    for (let i = 0; i < 3; i++) published.push((await api("POST", "/api/events", { key: acct.key, body: { topic: "order.created", payload: { n: i } } })).json.id);

    // The page refreshes by itself: three failed rows and a failed count of 3 in the queue appear without a reload.
    await expect.poll(() => attemptRows(page, "failed").count(), { timeout: 20_000 }).toBe(3);
    const failedCount = page.getByRole("region", { name: "Queue" }).locator('[data-count="failed"]');
    await expect.poll(() => failedCount.textContent(), { timeout: 10_000 }).toBe("3");
    await expect.poll(() => page.getByText(/0 succeeded · 3 failed/).count(), { timeout: 10_000 }).toBe(1);
    await shot(page, "webhook-failing");

    await inbox.program({ fallback: { status: 200, body: "ok" } });
    await page.getByRole("button", { name: "Recover" }).click();
    await seen(page.getByText("Recovered 3 failed deliveries: they are queued again."));
    await expect.poll(() => attemptRows(page, "succeeded").count(), { timeout: 20_000 }).toBe(3);
    await expect.poll(() => page.getByText(/3 succeeded · 3 failed/).count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => failedCount.textContent(), { timeout: 10_000 }).toBe("0");
    const bars = page.getByRole("img", { name: /Attempts per minute: 3 succeeded, 3 failed/ });
    await seen(bars);
    expect(await bars.locator("rect").count()).toBeGreaterThan(0);
    await shot(page, "webhook-recovered");
    expect(published).toHaveLength(3);
  });

  it("opens an event from its attempt, shows the payload and replays it", async () => {
    const acct = await newAccount("replay");
    const inbox = await newInbox();
    const wh = await createWebhook(acct.key, { url: inbox.url, description: "Replay target" });
    const ev = (await api("POST", "/api/events", { key: acct.key, body: { topic: "invoice.paid", payload: { invoice: "inv_42", amount: 1200 } } })).json;
    await expect.poll(() => inbox.count(), { timeout: 15_000 }).toBe(1);
    const { page } = s;
    await signIn(page, acct.key);
    await page.goto(`${baseUrl()}/console#/webhooks/${wh.id}`);
    await page.getByRole("link", { name: ev.id }).click();
    await seen(page.getByRole("heading", { name: "Event invoice.paid" }));
    await seen(page.getByText('"invoice": "inv_42"'));
    await seen(page.getByRole("row").filter({ hasText: wh.id }).filter({ hasText: "succeeded" }));
    await shot(page, "event");
    await page.getByRole("button", { name: "Replay to all" }).click();
    await seen(page.getByText("Replay queued for every matching webhook."));
    await expect.poll(() => inbox.count(), { timeout: 15_000 }).toBe(2);
    await expect.poll(() => page.getByRole("row").filter({ hasText: wh.id }).locator("td").nth(3).textContent(), { timeout: 15_000 }).toBe("2");
  });

  it("pauses and resumes a webhook", async () => {
    const acct = await newAccount("pause");
    const wh = await createWebhook(acct.key, { url: "https://example.com/hooks", description: "Pausable" });
    const { page } = s;
    await signIn(page, acct.key);
    await page.goto(`${baseUrl()}/console#/webhooks/${wh.id}`);
    await page.getByRole("button", { name: "Pause" }).click();
    await seen(page.getByText("Paused: deliveries wait until resumed."));
    await seen(page.getByRole("button", { name: "Resume" }));
    expect((await api("GET", `/api/webhooks/${wh.id}`, { key: acct.key })).json.status).toBe("inactive");
    await page.getByRole("button", { name: "Resume" }).click();
    await seen(page.getByRole("button", { name: "Pause" }));
    expect((await api("GET", `/api/webhooks/${wh.id}`, { key: acct.key })).json.status).toBe("active");
  });

  it("is usable by keyboard and readable at phone width", async () => {
    const acct = await newAccount("phone");
    const inbox = await newInbox();
    const wh = await createWebhook(acct.key, { url: inbox.url, description: "Phone view" });
    await api("POST", `/api/webhooks/${wh.id}/test`, { key: acct.key, body: {} });
    const { page } = s;
    await signIn(page, acct.key);
    // From a fresh load, Tab reaches the skip link first, then the navigation; focus is drawn visibly.
    await page.reload();
    await seen(page.getByRole("heading", { name: "Webhooks", level: 1 }));
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Webhooks");
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).toBe("solid");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("New webhook");
    await page.keyboard.press("Enter");
    await seen(page.getByRole("heading", { name: "New webhook" }));
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${baseUrl()}/console#/webhooks/${wh.id}`);
    await seen(page.getByRole("heading", { name: "Phone view" }));
    await seen(attemptRows(page, "succeeded"));
    // Nothing but the tables (which scroll inside their own box) is wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(page, "webhook-phone");
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it("edits a webhook, reveals and rotates its secret, and deletes it", async () => {
    const acct = await newAccount("edit");
    const wh = await createWebhook(acct.key, { url: "https://example.com/before", description: "Editable" });
    const { page } = s;
    await signIn(page, acct.key);
    await page.goto(`${baseUrl()}/console#/webhooks/${wh.id}`);
    await page.getByRole("link", { name: "Edit" }).click();
    await page.getByLabel("Timeout (ms)").fill("0");
    expectedErrors.push(/status of 422/);
    await page.getByRole("button", { name: "Save changes" }).click();
    await seen(page.getByText("Please fix the highlighted fields."));
    expect(await page.getByLabel("Timeout (ms)").getAttribute("aria-invalid")).toBe("true");
    await page.getByLabel("Timeout (ms)").fill("5000");
    await page.getByLabel("Endpoint URL").fill("https://example.com/after");
    await page.getByRole("button", { name: "Save changes" }).click();
    await seen(page.getByText("https://example.com/after"));
    expect((await api("GET", `/api/webhooks/${wh.id}`, { key: acct.key })).json.delivery.timeoutMs).toBe(5000);

    await page.getByRole("button", { name: "Reveal secret" }).click();
    const secret = await page.getByLabel("Signing secret:").inputValue();
    expect(secret).toBe((await api("GET", `/api/webhooks/${wh.id}/secret`, { key: acct.key })).json.secret);
    await page.getByRole("button", { name: "Rotate secret" }).click();
    await seen(page.getByText("Secret rotated."));
    const rotated = await page.getByLabel(/New secret/).inputValue();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);

    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Delete" }).click();
    await seen(page.getByRole("heading", { name: "Webhooks", level: 1 }));
    expect((await api("GET", `/api/webhooks/${wh.id}`, { key: acct.key })).status).toBe(404);
  });

  it("lists webhooks with status, topics, success rate and last delivery, and restores a deleted one", async () => {
    const acct = await newAccount("list");
    const inbox = await newInbox();
    const live = await createWebhook(acct.key, { url: inbox.url, topics: ["order.created", "order.paid"] });
    await api("POST", `/api/webhooks/${live.id}/test`, { key: acct.key, body: {} });
    const gone = await createWebhook(acct.key, { url: "https://example.com/old" });
    await api("DELETE", `/api/webhooks/${gone.id}`, { key: acct.key });
    const { page } = s;
    await signIn(page, acct.key);
    const row = page.getByRole("row").filter({ hasText: inbox.url });
    await seen(row.getByText("order.created, order.paid"));
    await seen(row.getByText("100% of 1"));
    expect(await page.getByRole("link", { name: "https://example.com/old" }).count()).toBe(0);
    await shot(page, "webhooks-list");
    await page.getByLabel("Show deleted").check();
    await page.getByRole("row").filter({ hasText: "https://example.com/old" }).getByRole("button", { name: "Restore" }).click();
    await seen(page.getByText("Restored https://example.com/old"));
    expect((await api("GET", `/api/webhooks/${gone.id}`, { key: acct.key })).json.deletedAt).toBeNull();
  });

  it("shows the topics catalog, sources with their ingest URL, and (admin) dead letters", async () => {
    const acct = await newAccount("catalog");
    const src = (await api("POST", "/api/sources", { key: acct.key, body: { name: "Stripe payments", verification: { type: "none" } } })).json;
    const { page } = s;
    await signIn(page, acct.key);
    await page.getByRole("link", { name: "Topics" }).click();
    await seen(page.getByRole("heading", { name: "Topics", level: 1 }));
    await seen(page.getByRole("heading", { name: "message.received" }));
    await page.getByRole("link", { name: "Sources" }).click();
    await seen(page.getByRole("heading", { name: "Stripe payments" }));
    await seen(page.getByText(src.ingestUrl));
    await seen(page.getByRole("button", { name: "Copy ingest URL" }));
    await seen(page.getByText("No events yet."));
    await shot(page, "sources");
    expect(await page.getByRole("link", { name: "Dead letters" }).count()).toBe(0);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API key").fill(await adminKey());
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("link", { name: "Dead letters" }).click();
    await seen(page.getByRole("heading", { name: "Dead letters", level: 1 }));
    await page.getByRole("button", { name: "Sign out" }).click();
  });

  it("renders /docs from the Worker with no outside request", async () => {
    const { page } = s;
    await page.goto(`${baseUrl()}/docs`);
    await seen(page.getByRole("heading", { name: "hookrelay" }), 30_000);
    await seen(page.getByText("Download OpenAPI Document"));
    await seen(page.getByText("Webhook operations").first());
  });
});

describe("portal", () => {
  it("a URL scoped to one channel shows only that channel's webhooks, and no console navigation", async () => {
    const acct = await newAccount("portal");
    await createWebhook(acct.key, { url: "https://example.com/a", channels: ["wa-session-1"], description: "Session one hook" });
    await createWebhook(acct.key, { url: "https://example.com/b", channels: ["wa-session-2"], description: "Session two hook" });
    await createWebhook(acct.key, { url: "https://example.com/all", description: "Platform hook" });
    const session = (await api("POST", "/api/portal/sessions", { key: acct.key, body: { channels: ["wa-session-1"], expiresInSeconds: 300 } })).json;
    const portalUrl = session.url.replace(/^https?:\/\/[^/]+/, baseUrl());
    const { page } = s;
    await page.goto(portalUrl);
    await seen(page.getByRole("heading", { name: "Webhooks", level: 1 }));
    await seen(page.getByRole("link", { name: "https://example.com/a" }));
    expect(await page.getByRole("link", { name: "https://example.com/b" }).count()).toBe(0);
    expect(await page.getByRole("link", { name: "https://example.com/all" }).count()).toBe(0);
    expect(await page.getByRole("link", { name: "Sources" }).count()).toBe(0);
    expect(page.url()).not.toContain("hrp_");
    await seen(page.getByText("Portal · channel wa-session-1"));
    await seen(page.getByRole("row").filter({ hasText: "https://example.com/a" }).getByText("—").first());
    await shot(page, "portal");
  });

  it("refuses an expired token", async () => {
    const acct = await newAccount("portal-expired");
    const session = (await api("POST", "/api/portal/sessions", { key: acct.key, body: { expiresInSeconds: 1 } })).json;
    await new Promise((r) => setTimeout(r, 1500));
    const { page } = s;
    expectedErrors.push(/status of 401/);
    await page.goto(session.url.replace(/^https?:\/\/[^/]+/, baseUrl()));
    await seen(page.getByRole("heading", { name: "This link cannot be used" }));
    await seen(page.getByText(/expired/));
  });
});

async function adminKey(): Promise<string> {
  const { inject } = await import("vitest");
  return inject("adminKey");
}
