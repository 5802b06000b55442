import { inject } from "vitest";

/** Test data is set up through the API (as a client would), and the loopback receiver is programmed over HTTP. */
export const baseUrl = () => inject("baseUrl");

export async function api(method: string, path: string, opts: { key?: string; body?: unknown } = {}) {
  const res = await fetch(`${baseUrl()}${path}`, {
    method,
    headers: { "x-api-key": opts.key ?? inject("adminKey"), ...(opts.body === undefined ? {} : { "content-type": "application/json" }) },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

export async function newAccount(name: string) {
  const res = await api("POST", "/api/accounts", { body: { name } });
  if (res.status !== 201) throw new Error(`account: ${res.status}`);
  return { id: res.json.account.id as string, key: res.json.apiKey.key as string };
}

let n = 0;
export async function newInbox(program: { responses?: { status: number; body?: string }[]; fallback?: { status: number; body?: string } } = {}) {
  const name = `browser-${Date.now().toString(36)}-${n++}`;
  const control = `${inject("receiverUrl")}/_inbox/${name}`;
  const setProgram = (p: typeof program) => fetch(control, { method: "PUT", body: JSON.stringify(p) });
  await setProgram(program);
  return {
    url: `${inject("receiverUrl")}/${name}/hook`,
    program: setProgram,
    count: async () => ((await (await fetch(control)).json()) as { requests: unknown[] }).requests.length,
  };
}
