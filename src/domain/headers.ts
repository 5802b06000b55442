import { z } from "@hono/zod-openapi";

/**
 * Header rules in one place: what a header name and value may be, and which names hookrelay keeps
 * for itself. A webhook's own headers and its signature header, a source's forwardHeaders, and the
 * filter that drops forwarded headers at delivery time all ask here, so they cannot disagree.
 */

/** RFC 9110 token characters: a name with anything else could never be sent or received. */
export const HEADER_TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** A header name with no length bound (a webhook's header map keys, where none was ever set). */
export const HeaderToken = z.string().regex(HEADER_TOKEN, "must be an HTTP header name");

/** A header name as the API takes it in a setting. */
export const HeaderName = z.string().min(1).max(100).regex(HEADER_TOKEN, "must be an HTTP header name");

/** CR, LF and NUL make `new Headers()` throw, which would fail every delivery; refuse them up front. */
export const HEADER_VALUE = /^[^\r\n\0]*$/;
export const HeaderValue = z.string().regex(HEADER_VALUE, "must not contain CR, LF or NUL");

/** Exact names (lowercase) and name prefixes; a prefix matches itself and anything after it. */
export interface HeaderGroup {
  readonly names: readonly string[];
  readonly prefixes: readonly string[];
}

/**
 * Set on every delivery by hookrelay (or by the runtime's fetch, for the framing ones). `svix-*` is
 * here though hookrelay sends `webhook-*`: receivers using Svix's libraries read either family, so a
 * stray svix-signature would be taken for ours.
 */
export const SET_BY_HOOKRELAY: HeaderGroup = {
  names: ["host", "content-length", "content-type", "transfer-encoding", "connection", "user-agent", "x-webhook-topic", "x-webhook-attempt"],
  prefixes: ["webhook-", "svix-", "x-hookrelay-"],
};

/**
 * Describe the provider → hookrelay hop, not the event: hop-by-hop framing, the body's transfer
 * coding (hookrelay relays the decoded body), and what Cloudflare and proxies add on the way in
 * (`cf-*`, `x-forwarded-*` and their standard form, RFC 7239 `forwarded`).
 */
export const INBOUND_HOP: HeaderGroup = {
  names: ["keep-alive", "upgrade", "te", "trailer", "expect", "content-encoding", "forwarded"],
  prefixes: ["cf-", "x-forwarded-"],
};

/** Carry the provider's (or a proxy's) credentials to hookrelay; passing them on would leak them. */
export const CREDENTIALS: HeaderGroup = {
  names: ["authorization", "proxy-authorization", "cookie"],
  prefixes: [],
};

export function inGroup(group: HeaderGroup, name: string): boolean {
  const lower = name.toLowerCase();
  return group.names.includes(lower) || group.prefixes.some((p) => lower.startsWith(p));
}

/**
 * A name a webhook's own headers (and its hmac-sha256 signature header) may not use, since
 * hookrelay's value would overwrite it. Authorization stays allowed: receivers use bearer tokens.
 */
export const isSetByHookrelay = (name: string): boolean => inGroup(SET_BY_HOOKRELAY, name);

/** A name a source may not forward, and that is dropped if a stored forwarded header has it. */
export const isUnforwardable = (name: string): boolean =>
  inGroup(SET_BY_HOOKRELAY, name) || inGroup(INBOUND_HOP, name) || inGroup(CREDENTIALS, name);
