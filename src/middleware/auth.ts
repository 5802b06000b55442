import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError } from "../domain/errors";
import { timingSafeEqual } from "../lib/encoding";
import { PORTAL_TOKEN_PREFIX, verifyPortalToken } from "../signing/portal-token";
import { hashApiKey } from "../signing/api-keys";
import { findKeyOwner, getAccount, touchKey, type KeyOwner } from "../store/accounts";
import { portalAccess } from "./portal-policy";

/**
 * Resolves who is calling. The admin key (a secret binding) manages accounts and acts on the
 * account named by `x-account-id`, or on `default`. Account keys act on their own account only.
 *
 * Key lookups are cached per isolate for `cacheTtlMs` so that publishing stays at one D1 round
 * trip; a revocation is seen at once by the isolate that made it and within the TTL everywhere.
 *
 * A third kind of credential is the portal token (`Bearer hrp_…`, signing/portal-token.ts): signed,
 * short-lived, one account, optionally narrowed to channels or webhooks and to reading. It reaches
 * only the routes portal-policy.ts lists; the handlers narrow every object to its scope.
 */
interface CachedOwner {
  owner: KeyOwner | null;
  expiresAt: number;
}
const keyCache = new Map<string, CachedOwner>();
const accountCache = new Map<string, number>();
const MAX_CACHE_ENTRIES = 10_000;

export function forgetCachedKeys(): void {
  keyCache.clear();
  accountCache.clear();
}

export function presentedKey(headers: Headers): string | null {
  const apiKey = headers.get("x-api-key");
  if (apiKey) return apiKey.trim();
  const authz = headers.get("authorization");
  const match = authz?.match(/^Bearer\s+(.+)$/i);
  return match?.[1]?.trim() ?? null;
}

async function lookupKey(db: D1Database, key: string, now: number, cacheTtlMs: number, waitUntil: (p: Promise<unknown>) => void) {
  const hash = await hashApiKey(key);
  const cached = keyCache.get(hash);
  if (cached && cached.expiresAt > now) return cached.owner;
  const owner = await findKeyOwner(db, hash);
  if (keyCache.size >= MAX_CACHE_ENTRIES) keyCache.clear();
  // Misses are cached briefly too, so a flood of bad keys does not become a flood of D1 reads.
  keyCache.set(hash, { owner, expiresAt: now + (owner ? cacheTtlMs : 2_000) });
  if (owner) waitUntil(touchKey(db, owner.keyId, now).catch(() => undefined));
  return owner;
}

async function adminAccountExists(db: D1Database, id: string, now: number, cacheTtlMs: number): Promise<boolean> {
  if (id === "default") return true;
  const until = accountCache.get(id);
  if (until && until > now) return true;
  const found = (await getAccount(db, id)) !== null;
  if (found) accountCache.set(id, now + cacheTtlMs);
  return found;
}

export interface AuthOptions {
  /** Only the admin key may call (account management). */
  adminOnly?: boolean;
  cacheTtlMs?: number;
}

export const requireAuth = ({ adminOnly = false, cacheTtlMs = 30_000 }: AuthOptions = {}): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    // Every sub-app mounted under one prefix brings its own requireAuth: one that already ran for
    // this request and checked at least as much decides (an admin-only check does not look up
    // x-account-id's account, so it does not stand in for a plain one).
    const known = c.get("authChecked");
    if (known && (adminOnly ? c.var.auth.isAdmin && !c.var.auth.portal : known === "account")) return next();
    c.set("authChecked", adminOnly ? "admin" : "account");
    const key = presentedKey(c.req.raw.headers);
    if (!key) {
      throw new ApiError("unauthorized", "Missing API key: send it as x-api-key or Authorization: Bearer <key>");
    }
    const now = Date.now();
    if (key.startsWith(PORTAL_TOKEN_PREFIX)) {
      const verdict = await verifyPortalToken(key, c.var.config.ENCRYPTION_KEY, now);
      if (!verdict.ok) {
        throw new ApiError("unauthorized", verdict.reason === "expired" ? "The portal token has expired; ask for a new portal session" : "The portal token is not valid");
      }
      const access = adminOnly ? "not_for_portals" : portalAccess(c.req.method, c.req.path, verdict.scope.readOnly);
      if (access === "not_for_portals") throw new ApiError("forbidden", "Portal tokens cannot use this route");
      if (access === "read_only") throw new ApiError("forbidden", "This portal session is read-only");
      // A deleted account's tokens stop working even before they expire.
      if (!(await adminAccountExists(c.env.DB, verdict.scope.accountId, now, cacheTtlMs))) throw new ApiError("unauthorized", "The portal token is not valid");
      c.set("auth", { accountId: verdict.scope.accountId, isAdmin: false, keyId: null, portal: verdict.scope });
      return next();
    }
    if (timingSafeEqual(key, c.var.config.ADMIN_API_KEY)) {
      const accountId = c.req.header("x-account-id")?.trim() || "default";
      if (!adminOnly && !(await adminAccountExists(c.env.DB, accountId, now, cacheTtlMs))) {
        throw new ApiError("not_found", `Account ${accountId} (from x-account-id) was not found`);
      }
      c.set("auth", { accountId, isAdmin: true, keyId: null });
      return next();
    }
    const owner = await lookupKey(c.env.DB, key, now, cacheTtlMs, (p) => c.executionCtx.waitUntil(p));
    if (!owner) throw new ApiError("unauthorized", "The API key is not valid or has been revoked");
    if (adminOnly) throw new ApiError("forbidden", "This route needs the admin API key");
    c.set("auth", { accountId: owner.accountId, isAdmin: false, keyId: owner.keyId });
    return next();
  };
