import { sealJson, unsealJson } from "./seal";

/**
 * A webhook's own request headers are credentials more often than not (`Authorization: Bearer …`),
 * so they are kept like signing secrets: the values sealed with AES-GCM (seal.ts) in D1 and in the
 * webhook's Durable Object, the names in the clear for display, every read answered masked, and
 * the values shown only by `GET /api/webhooks/{id}/headers`.
 */

/** What every GET and list shows in place of a header value. Never a valid header value itself. */
export const HEADER_MASK = "••••••";

export type HeaderValues = Record<string, string>;

export async function sealHeaders(headers: HeaderValues | null, encryptionKey: string): Promise<string | null> {
  return headers && Object.keys(headers).length > 0 ? sealJson(headers, encryptionKey) : null;
}

/** Rows written before sealing (migration 0006) still hold the JSON object itself. */
export const isLegacyPlainHeaders = (stored: string | null | undefined): boolean => typeof stored === "string" && stored.startsWith("{");

/**
 * The headers of a webhook config as the Durable Object holds it. A config pushed before headers
 * were sealed carries them in plain `headers` until the next push; it still delivers with them.
 */
export function openWebhookHeaders(config: { sealedHeaders?: string | null; headers?: unknown }, encryptionKey: string): Promise<HeaderValues | null> {
  if (config.sealedHeaders === undefined && config.headers && typeof config.headers === "object") return Promise.resolve(config.headers as HeaderValues);
  return openHeaders(config.sealedHeaders, encryptionKey);
}

// Per-isolate: the object unseals once per config change, not once per delivery.
const MAX_CACHED = 1000;
const opened = new Map<string, HeaderValues>();

export async function openHeaders(stored: string | null | undefined, encryptionKey: string): Promise<HeaderValues | null> {
  if (stored === null || stored === undefined) return null;
  if (isLegacyPlainHeaders(stored)) return JSON.parse(stored) as HeaderValues;
  const hit = opened.get(stored);
  if (hit) return hit;
  const values = await unsealJson<HeaderValues>(stored, encryptionKey);
  if (opened.size >= MAX_CACHED) opened.clear();
  opened.set(stored, values);
  return values;
}

export const maskHeaders = (names: readonly string[] | null): HeaderValues | null =>
  names === null ? null : Object.fromEntries(names.map((n) => [n, HEADER_MASK]));

/**
 * A PUT's `headers` against the stored ones: the map replaces them, except that a value sent back
 * as the mask keeps the stored value of that header (a console sends back what GET showed).
 * Returns the names whose mask has no stored value to keep.
 */
export function mergeMasked(sent: HeaderValues, stored: HeaderValues | null): { values: HeaderValues; unknownMasked: string[] } {
  const values: HeaderValues = {};
  const unknownMasked: string[] = [];
  const storedLower = new Map(Object.entries(stored ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  for (const [name, value] of Object.entries(sent)) {
    if (value !== HEADER_MASK) values[name] = value;
    else if (storedLower.has(name.toLowerCase())) values[name] = storedLower.get(name.toLowerCase())!;
    else unknownMasked.push(name);
  }
  return { values, unknownMasked };
}
