import { z } from "@hono/zod-openapi";
import { isoTime } from "../lib/time";

/** The call log's row: one delivery attempt, as it is stored and as the API shows it. */

export const CALL_STATUSES = ["succeeded", "failed", "retrying"] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

/** One delivery attempt, as the call log stores it (times in epoch ms). */
export interface CallRecord {
  id: string;
  accountId: string;
  webhookId: string;
  eventId: string;
  topic: string;
  attempt: number;
  status: CallStatus;
  httpStatus: number | null;
  durationMs: number | null;
  error: string | null;
  responseBody: string | null;
  url: string;
  createdAt: number;
  nextAttemptAt: number | null;
}

export const CallOut = z
  .object({
    id: z.string().openapi({ example: "call_0mh2k3x9aXbYcZ12" }),
    webhookId: z.string().nullable(),
    eventId: z.string(),
    topic: z.string(),
    attempt: z.number().int(),
    status: z.enum(CALL_STATUSES),
    httpStatus: z.number().int().nullable(),
    durationMs: z.number().int().nullable(),
    error: z.string().nullable(),
    responseBody: z.string().nullable().openapi({ description: "First 4 KiB of the response" }),
    url: z.string(),
    createdAt: z.string(),
    nextAttemptAt: z.string().nullable(),
  })
  .openapi("Call");

export function callOut(c: Omit<CallRecord, "webhookId" | "accountId"> & { webhookId: string | null }): z.infer<typeof CallOut> {
  return {
    id: c.id, webhookId: c.webhookId, eventId: c.eventId, topic: c.topic, attempt: c.attempt, status: c.status,
    httpStatus: c.httpStatus, durationMs: c.durationMs, error: c.error, responseBody: c.responseBody, url: c.url,
    createdAt: isoTime(c.createdAt)!, nextAttemptAt: isoTime(c.nextAttemptAt),
  };
}
