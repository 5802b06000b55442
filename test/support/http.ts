import { exports } from "cloudflare:workers";

export const ADMIN_KEY = "test-admin-key-0123456789";

export interface CallOptions {
  key?: string | null;
  account?: string;
  headers?: Record<string, string>;
  body?: unknown;
  rawBody?: BodyInit;
}

/** Calls the Worker's own fetch handler (the real app, bindings and all). */
export async function call(method: string, path: string, opts: CallOptions = {}) {
  const headers: Record<string, string> = { ...opts.headers };
  const key = opts.key === undefined ? ADMIN_KEY : opts.key;
  if (key !== null) headers["x-api-key"] = key;
  if (opts.account) headers["x-account-id"] = opts.account;
  let body: BodyInit | undefined = opts.rawBody;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await exports.default.fetch(new Request(`http://hookrelay.test${path}`, { method, headers, body }));
  const text = await res.text();
  let json: any = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** A fresh account with its own key, for isolation between tests. */
export async function newAccount(name = "test account") {
  const res = await call("POST", "/api/accounts", { body: { name } });
  if (res.status !== 201) throw new Error(`account create failed: ${res.status} ${res.text}`);
  return { id: res.json.account.id as string, key: res.json.apiKey.key as string, keyId: res.json.apiKey.id as string };
}
