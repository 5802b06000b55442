/** The API's shapes as the UI reads them (a subset; the OpenAPI document at /openapi.json is the full contract). */
export interface Webhook {
  id: string;
  url: string;
  description: string | null;
  topics: string[];
  channels: string[] | null;
  active: boolean;
  status: "active" | "inactive" | "disabled";
  disabledReason: string | null;
  deletedAt: string | null;
  createdAt: string;
  delivery: { timeoutMs: number; ordering: string };
}

export interface Call {
  id: string;
  webhookId: string;
  eventId: string;
  topic: string;
  attempt: number;
  status: "succeeded" | "failed" | "retrying";
  httpStatus: number | null;
  durationMs: number | null;
  error: string | null;
  responseBody: string | null;
  createdAt: string;
}

export interface Stats {
  totalSent: number;
  successful: number;
  failed: number;
  lastDelivery: string | null;
}

export interface Queue {
  pending: number;
  processing: number;
  retrying: number;
  failed: number;
}

export interface Series {
  buckets: { start: string; succeeded: number; failed: number; retrying: number; p50Ms: number | null; p95Ms: number | null }[];
  totals: { succeeded: number; failed: number; retrying: number; p50Ms: number | null; p95Ms: number | null };
}

export interface EventDetail {
  id: string;
  topic: string;
  channel: string | null;
  createdAt: string;
  payload?: unknown;
  deliveries: { webhookId: string; state: string; attempts: number; httpStatus: number | null; lastAttemptAt: string | null; nextAttemptAt: string | null }[];
}
