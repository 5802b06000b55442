import { fromBase64, fromUtf8, toBase64, utf8 } from "../lib/encoding";
import { cachedKey } from "./key-cache";

/**
 * Portal tokens: what a platform hands its own customer (in an iframe URL) so the portal can act on
 * one account within a scope, until it expires. `hrp_<claims>.<mac>`, both base64url; the MAC is
 * HMAC-SHA256 with a key derived (HKDF, its own purpose label) from ENCRYPTION_KEY, so a token can
 * never be confused with any other use of that secret, and rotating ENCRYPTION_KEY revokes them all.
 * Stateless on purpose: verifying costs no storage round trip.
 */
export const PORTAL_TOKEN_PREFIX = "hrp_";
const PURPOSE = "hookrelay portal token v1";

export interface PortalScope {
  accountId: string;
  /** Only webhooks routed to one of these channels (null: any channel). */
  channels: string[] | null;
  /** Only these webhooks (null: any webhook). */
  webhookIds: string[] | null;
  readOnly: boolean;
  expiresAtMs: number;
}

interface Claims {
  v: 1;
  a: string;
  c: string[] | null;
  w: string[] | null;
  r: boolean;
  exp: number;
}

function macKey(encryptionKeyB64: string): Promise<CryptoKey> {
  return cachedKey(`portal-hkdf:${encryptionKeyB64}`, async () => {
    const base = await crypto.subtle.importKey("raw", fromBase64(encryptionKeyB64), "HKDF", false, ["deriveKey"]);
    return crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: utf8(PURPOSE) },
      base,
      { name: "HMAC", hash: "SHA-256", length: 256 },
      false,
      ["sign", "verify"],
    );
  });
}

const b64url = (bytes: Uint8Array) => toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

export async function signPortalToken(scope: PortalScope, encryptionKeyB64: string): Promise<string> {
  const claims: Claims = { v: 1, a: scope.accountId, c: scope.channels, w: scope.webhookIds, r: scope.readOnly, exp: scope.expiresAtMs };
  const body = b64url(utf8(JSON.stringify(claims)));
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await macKey(encryptionKeyB64), utf8(body)));
  return `${PORTAL_TOKEN_PREFIX}${body}.${b64url(mac)}`;
}

export type PortalVerdict = { ok: true; scope: PortalScope } | { ok: false; reason: "malformed" | "forged" | "expired" };

const stringList = (v: unknown): v is string[] | null => v === null || (Array.isArray(v) && v.every((s) => typeof s === "string"));

/** Checks the MAC (constant time, by Web Crypto's verify) before reading any claim. */
export async function verifyPortalToken(token: string, encryptionKeyB64: string, nowMs: number): Promise<PortalVerdict> {
  if (!token.startsWith(PORTAL_TOKEN_PREFIX)) return { ok: false, reason: "malformed" };
  const [body, mac, extra] = token.slice(PORTAL_TOKEN_PREFIX.length).split(".");
  if (!body || !mac || extra !== undefined) return { ok: false, reason: "malformed" };
  let macBytes: Uint8Array<ArrayBuffer>;
  let claims: Partial<Claims>;
  try {
    macBytes = fromBase64(mac);
    if (!(await crypto.subtle.verify("HMAC", await macKey(encryptionKeyB64), macBytes, utf8(body)))) return { ok: false, reason: "forged" };
    claims = JSON.parse(fromUtf8(fromBase64(body))) as Partial<Claims>;
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (claims.v !== 1 || typeof claims.a !== "string" || typeof claims.exp !== "number" || typeof claims.r !== "boolean" || !stringList(claims.c) || !stringList(claims.w)) {
    return { ok: false, reason: "malformed" };
  }
  if (claims.exp <= nowMs) return { ok: false, reason: "expired" };
  return { ok: true, scope: { accountId: claims.a, channels: claims.c, webhookIds: claims.w, readOnly: claims.r, expiresAtMs: claims.exp } };
}
