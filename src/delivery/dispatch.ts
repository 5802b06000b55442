import { destinationProblem } from "../domain/destination";
import { isUnforwardable } from "../domain/headers";
import { listenSessionOf } from "../domain/listen-url";
import { parseRetryAfter } from "../domain/retry";
import type { SecretEntry } from "../domain/secrets";
import type { SignatureProfile } from "../domain/webhook";
import { signDelivery } from "../signing/sign";
import { VERSION } from "../version";

/**
 * One delivery attempt: sign, POST, read at most 4 KiB of the answer. It never throws; every way an
 * attempt can go wrong comes back as an AttemptResult for the caller to classify.
 */
export const RESPONSE_CAPTURE_BYTES = 4096;
export const USER_AGENT = `hookrelay/${VERSION}`;

export interface AttemptRequest {
  url: string;
  /** `webhook-id`: the event id, the same on every retry. */
  msgId: string;
  topic: string;
  attempt: number;
  body: string;
  contentType: string;
  forwardedHeaders: Record<string, string> | null;
  webhookHeaders: Record<string, string> | null;
  profile: SignatureProfile;
  secrets: readonly SecretEntry[];
  timeoutMs: number;
  /**
   * ALLOW_PRIVATE_DESTINATIONS now. The URL was checked when the webhook was saved, but the
   * setting may have been turned off since: the rule runs again before every attempt.
   */
  allowPrivateDestinations: boolean;
}

export interface AttemptResult {
  /** null: no HTTP answer (timeout, refused, DNS, TLS). */
  httpStatus: number | null;
  durationMs: number;
  error: string | null;
  responseBody: string | null;
  retryAfterSeconds: number | null;
  /** When the request left (epoch ms). */
  startedAt: number;
}

export async function buildHeaders(req: AttemptRequest, nowMs: number): Promise<Headers> {
  const signed = await signDelivery(req.profile, req.secrets, req.msgId, Math.floor(nowMs / 1000), req.body, nowMs);
  const headers = new Headers();
  // Forwarded first, then the webhook's own, then ours: later sets win, and ours must. Forwarded
  // names were checked when the source was saved; checking again keeps rows saved under an older
  // rule from passing a header on.
  for (const [name, value] of Object.entries(req.forwardedHeaders ?? {})) if (!isUnforwardable(name)) headers.set(name, value);
  for (const [name, value] of Object.entries(req.webhookHeaders ?? {})) headers.set(name, value);
  headers.set("content-type", req.contentType);
  headers.set("user-agent", USER_AGENT);
  headers.set("webhook-id", signed["webhook-id"]);
  headers.set("webhook-timestamp", signed["webhook-timestamp"]);
  headers.set("webhook-signature", signed["webhook-signature"]);
  headers.set("x-webhook-topic", req.topic);
  headers.set("x-webhook-attempt", String(req.attempt));
  if (signed.profile) headers.set(signed.profile.name, signed.profile.value);
  return headers;
}

/** Reads up to `capBytes` of a body and cancels the rest, so a huge answer costs nothing. */
export async function readCapped(body: ReadableStream<Uint8Array> | null, capBytes = RESPONSE_CAPTURE_BYTES): Promise<string | null> {
  if (!body) return null;
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < capBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = value.subarray(0, capBytes - total);
      chunks.push(take);
      total += take.length;
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.length;
  }
  // Not fatal: a multi-byte character cut at the cap becomes U+FFFD rather than an error.
  return new TextDecoder("utf-8", { fatal: false, ignoreBOM: false }).decode(bytes);
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) return `timed out after ${timeoutMs} ms`;
  const message = err instanceof Error ? err.message : String(err);
  return `network error: ${message}`.slice(0, 500);
}

export async function attemptDelivery(req: AttemptRequest, nowMs: () => number = Date.now, send: typeof fetch = fetch): Promise<AttemptResult> {
  const startedAt = nowMs();
  // Refused like a network error: no request leaves, the call log says why, and the delivery
  // follows the webhook's retry schedule (so fixing the URL or the setting lets it through) until
  // the schedule is exhausted; it is never retried forever.
  // A listen session's URL never reaches fetch: the transport hands it to the session's object.
  const problem = listenSessionOf(req.url) === null ? destinationProblem(req.url, req.allowPrivateDestinations) : null;
  if (problem) return { httpStatus: null, durationMs: 0, error: `destination refused: url ${problem}`, responseBody: null, retryAfterSeconds: null, startedAt };
  let headers: Headers;
  try {
    headers = await buildHeaders(req, startedAt);
  } catch (err) {
    return { httpStatus: null, durationMs: 0, error: `could not sign: ${err instanceof Error ? err.message : String(err)}`, responseBody: null, retryAfterSeconds: null, startedAt };
  }
  // A timer we clear ourselves rather than AbortSignal.timeout(): that one stays armed after the
  // answer and keeps the object busy (eviction and hibernation wait for it) for the full timeout.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`timed out after ${req.timeoutMs} ms`, "TimeoutError")), req.timeoutMs);
  let res: Response;
  try {
    res = await send(req.url, { method: "POST", headers, body: req.body, redirect: "manual", signal: controller.signal });
  } catch (err) {
    clearTimeout(timer);
    return { httpStatus: null, durationMs: nowMs() - startedAt, error: describeFetchError(err, req.timeoutMs), responseBody: null, retryAfterSeconds: null, startedAt };
  }
  // The status decides the outcome; a body that stalls past the timeout only loses the capture.
  let responseBody: string | null = null;
  let error: string | null = null;
  try {
    responseBody = await readCapped(res.body);
  } catch (err) {
    error = `response body: ${describeFetchError(err, req.timeoutMs)}`;
  } finally {
    clearTimeout(timer);
  }
  const durationMs = nowMs() - startedAt;
  if (res.status >= 300 && res.status < 400) error ??= `redirect (${res.status}) not followed${res.headers.get("location") ? ` to ${res.headers.get("location")}` : ""}`;
  else if (res.status < 200 || res.status >= 300) error ??= `HTTP ${res.status}`;
  return { httpStatus: res.status, durationMs, error, responseBody, retryAfterSeconds: parseRetryAfter(res.headers.get("retry-after"), nowMs()), startedAt };
}
