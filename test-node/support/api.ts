import { inject } from "vitest";
import { createClient, unwrap } from "../../client/index.js";

export const baseUrl = () => inject("baseUrl");
export const adminKey = () => inject("adminKey");

/** A fresh account and its first key, so tests never see each other's webhooks or calls. */
export async function newAccount(name = "cli test") {
  const admin = createClient({ baseUrl: baseUrl(), apiKey: adminKey() });
  const created = await unwrap(admin.POST("/api/accounts", { body: { name } }));
  return { id: created.account.id, key: created.apiKey.key, client: createClient({ baseUrl: baseUrl(), apiKey: created.apiKey.key }) };
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
