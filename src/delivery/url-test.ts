import type { CallRecord } from "../domain/event";
import { isSuccessStatus } from "../domain/http";
import { newId } from "../domain/ids";
import type { SignatureProfile } from "../domain/webhook";
import { attemptDelivery } from "./dispatch";

/**
 * A signed test delivery to a URL that is not (yet) a webhook: made now, answered with its call
 * record, stored nowhere. `POST /api/webhooks/test` and the WhatsApp session API's `POST /api/webhook/test` use it;
 * the caller has checked the destination and serialized the payload.
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
