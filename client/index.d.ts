import type { Client } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, paths };
/** Every schema the API names, e.g. `Schemas["Webhook"]`, `Schemas["Call"]`. */
export type Schemas = components["schemas"];
export type HookrelayClient = Client<paths>;

export interface ClientOptions {
  /** The deployment, e.g. `https://hookrelay.example.workers.dev` or `http://localhost:8787`. */
  baseUrl: string;
  /** An account key, or the admin key (then `accountId` picks the account; `default` otherwise). */
  apiKey: string;
  accountId?: string;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

/** A typed client: `client.GET("/api/webhooks/{id}", { params: { path: { id } } })`. */
export declare function createClient(opts: ClientOptions): HookrelayClient;

/** An API error answer as an exception: status, code, message, field details, request id. */
export declare class HookrelayError extends Error {
  constructor(status: number, body: { code?: string; message?: string; details?: unknown; requestId?: string } | undefined);
  status: number;
  code: string;
  details: unknown;
  requestId: string | null;
}

/** `data` of an openapi-fetch result, or a thrown HookrelayError. */
export declare function unwrap<T>(pending: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T>;
