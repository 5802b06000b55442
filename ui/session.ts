/**
 * Who the browser acts as. The console keeps the API key in sessionStorage (gone with the tab, never
 * in a URL); the portal takes its token from the URL fragment once and then drops it from the URL.
 */
export type Mode = "console" | "portal";

export interface Session {
  credential: string;
  accountId: string | null;
  isAdmin: boolean;
  readOnly: boolean;
  /** A portal's channel scope, for display. */
  channels?: string[] | null;
}

const KEY = "hookrelay.session";

export const mode = (): Mode => (location.pathname.startsWith("/portal") ? "portal" : "console");

export function loadSession(): Session | null {
  const raw = sessionStorage.getItem(`${KEY}.${mode()}`);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as Session;
  } catch {
    return null;
  }
}

export function saveSession(s: Session): void {
  sessionStorage.setItem(`${KEY}.${mode()}`, JSON.stringify(s));
}

export function clearSession(): void {
  sessionStorage.removeItem(`${KEY}.${mode()}`);
}

/** Reads `#token=hrp_…` (the portal URL), stores it, and removes it from the address bar and history. */
export function takePortalToken(): string | null {
  const match = location.hash.match(/token=(hrp_[A-Za-z0-9_.-]+)/);
  if (!match) return null;
  history.replaceState(null, "", `${location.pathname}#/webhooks`);
  return match[1]!;
}

/** The token's claims, for display only (the server checks the signature). */
export function portalClaims(token: string): { readOnly: boolean; exp: number; channels: string[] | null } | null {
  try {
    const body = token.slice(4).split(".")[0]!.replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(atob(body)) as { r: boolean; exp: number; c: string[] | null };
    return { readOnly: claims.r, exp: claims.exp, channels: claims.c };
  } catch {
    return null;
  }
}
