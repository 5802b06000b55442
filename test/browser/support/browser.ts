import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

/**
 * Debian's Chromium, headless, with a new empty profile. Every request to a host other than
 * localhost/127.0.0.1 is aborted and counted, so a page that needed the internet would show it.
 * Console errors and page errors are collected for the tests to assert on.
 */
export const SCREENSHOTS = "test-results/browser";
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1"]);

export interface Session {
  context: BrowserContext;
  page: Page;
  consoleErrors: string[];
  blocked: string[];
  close(): Promise<void>;
}

export async function openBrowser(viewport = { width: 1280, height: 800 }): Promise<Session> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "hookrelay-chromium-")), {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    viewport,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const consoleErrors: string[] = [];
  const blocked: string[] = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === "data:" || LOCAL_HOSTS.has(url.hostname)) return route.continue();
    blocked.push(url.href);
    return route.abort();
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const watch = (p: Page) => {
    p.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    p.on("pageerror", (e) => consoleErrors.push(`pageerror: ${e.message}`));
  };
  watch(page);
  context.on("page", watch);
  return { context, page, consoleErrors, blocked, close: () => context.close() };
}

export const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
