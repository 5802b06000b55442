import { loadSession } from "./session";

/** The API, as the browser calls it: one error type carrying the API's code, message and field details. */
export interface FieldDetail {
  path: string;
  message: string;
}

export class ApiFailure extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: FieldDetail[]) {
    super(message);
  }
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export async function api<T>(method: string, path: string, body?: unknown, credential?: string): Promise<T> {
  const session = loadSession();
  const headers: Record<string, string> = { accept: "application/json" };
  const key = credential ?? session?.credential;
  if (key) headers.authorization = `Bearer ${key}`;
  if (session?.accountId && !credential && session.isAdmin) headers["x-account-id"] = session.accountId;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    const details = Array.isArray(err?.details) ? (err.details as FieldDetail[]) : [];
    throw new ApiFailure(res.status, err?.code ?? "error", err?.message ?? `HTTP ${res.status}`, details);
  }
  return json as T;
}

export const qs = (params: Record<string, string | number | null | undefined>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
};
