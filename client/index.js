// hookrelay's typed client: openapi-fetch over the paths generated from the API's own OpenAPI
// document (client/schema.d.ts). Plain JavaScript so that it, and the CLI built on it, run on
// Node 20 with no build step; the types live in index.d.ts beside it.
import createFetchClient from "openapi-fetch";

/** An API error answer (`{"error":{"code","message","details"?,"requestId"}}`) as an exception. */
export class HookrelayError extends Error {
  /**
   * @param {number} status
   * @param {{ code?: string, message?: string, details?: unknown, requestId?: string } | undefined} body
   */
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.name = "HookrelayError";
    this.status = status;
    this.code = body?.code ?? "http_error";
    this.details = body?.details;
    this.requestId = body?.requestId ?? null;
  }
}

/**
 * @param {{ baseUrl: string, apiKey: string, accountId?: string, headers?: Record<string, string>, fetch?: typeof fetch }} opts
 */
export function createClient({ baseUrl, apiKey, accountId, headers = {}, fetch: fetchImpl }) {
  /** @type {Record<string, string>} */
  const base = { "x-api-key": apiKey, ...headers };
  if (accountId) base["x-account-id"] = accountId;
  return createFetchClient({ baseUrl: baseUrl.replace(/\/+$/, ""), headers: base, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
}

/**
 * Returns `data` of an openapi-fetch result, or throws HookrelayError with the API's code, message
 * and field details.
 * @template T
 * @param {Promise<{ data?: T, error?: unknown, response: Response }>} pending
 * @returns {Promise<T>}
 */
export async function unwrap(pending) {
  const { data, error, response } = await pending;
  if (error !== undefined || !response.ok) {
    const body = /** @type {{ error?: { code?: string, message?: string, details?: unknown, requestId?: string } } | undefined} */ (error);
    throw new HookrelayError(response.status, typeof body === "object" && body !== null ? body.error : undefined);
  }
  return /** @type {T} */ (data);
}
