import type { CallRecord } from "../domain/call";
import { ApiError } from "../domain/errors";
import { isSuccessStatus } from "../domain/http";
import { newId } from "../domain/ids";
import type { SignatureProfile } from "../domain/webhook";
import { utf8 } from "../lib/encoding";
import { attemptDelivery } from "./dispatch";

/**
 * A signed test delivery to a URL that is not (yet) a webhook: made now, answered with its call
 * record, stored nowhere. `POST /api/webhooks/test` and the WhatsApp session API's
 * `POST /api/webhook/test` use it; the caller has checked the destination.
 */
export interface UrlTest {
  url: string;
  topic: string;
  /** The exact body. */
  payload: string;
  secret: string;
  profile: SignatureProfile;
  timeoutMs: number;
  allowPrivateDestinations: boolean;
}

export async function testDeliveryToUrl(t: UrlTest): Promise<Omit<CallRecord, "accountId" | "webhookId"> & { webhookId: null }> {
  const eventId = newId("evt");
  const result = await attemptDelivery({
    url: t.url, msgId: eventId, topic: t.topic, attempt: 1, body: t.payload, contentType: "application/json",
    forwardedHeaders: null, webhookHeaders: null, profile: t.profile, secrets: [{ secret: t.secret, expiresAt: null }],
    timeoutMs: t.timeoutMs, allowPrivateDestinations: t.allowPrivateDestinations,
  });
  return {
    id: newId("call"), webhookId: null, eventId, topic: t.topic, attempt: 1, status: isSuccessStatus(result.httpStatus) ? "succeeded" : "failed",
    httpStatus: result.httpStatus, durationMs: result.durationMs, error: result.error, responseBody: result.responseBody,
    url: t.url, createdAt: result.startedAt, nextAttemptAt: null,
  };
}

/** The payload sent, else the WhatsApp session API's test payload (the catalog's `test` topic) plus which webhook it went to. */
export const testPayload = (payload: unknown, webhookId?: string): unknown =>
  payload !== undefined ? payload : { event: "test", ...(webhookId ? { webhookId } : {}), timestamp: new Date().toISOString(), message: "This is a test webhook" };

/** A test delivery's exact body (testPayload, serialized once); a 413 past `maxBytes`. */
export function testPayloadText(payload: unknown, maxBytes: number, webhookId?: string): string {
  const text = JSON.stringify(testPayload(payload, webhookId));
  if (utf8(text).length > maxBytes) {
    throw new ApiError("payload_too_large", `body.payload is larger than ${maxBytes} bytes`, [{ path: "body.payload", message: "too large", code: "too_large" }]);
  }
  return text;
}
