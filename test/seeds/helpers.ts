import { callRows as deliveryCallRows, waitFor } from "../delivery/helpers";
import { call, newAccount } from "../support/http";

/** Shared by the seed-platform tests: publishing, reading the call log, waiting. */
export type Account = Awaited<ReturnType<typeof newAccount>>;

export async function publish(acct: Account, topic: string, payload: unknown, extra: Record<string, unknown> = {}) {
  const res = await call("POST", "/api/events", { key: acct.key, body: { topic, payload, ...extra } });
  if (res.status !== 202) throw new Error(`publish failed: ${res.status} ${res.text}`);
  return res.json as { id: string };
}

export interface CallRow {
  event_id: string;
  topic: string;
  attempt: number;
  status: string;
  http_status: number | null;
  duration_ms: number;
  next_attempt_at: number | null;
  created_at: number;
}

/** The webhook's own call log (its object's `calls` table), oldest first. */
export const callRows = (webhookId: string): Promise<CallRow[]> => deliveryCallRows(webhookId) as unknown as Promise<CallRow[]>;

export { call, newAccount, waitFor };
