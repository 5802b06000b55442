/**
 * Opaque list cursors: base64url of the position's text (an id, or `createdAt|id`) and a check of
 * it. Pure, so the request schemas (domain/query.ts) and the stores (store/pagination.ts) share it.
 */
const base64url = (text: string) => btoa(text).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");

/**
 * A check of the cursor's text (FNV-1a, 32 bits), so an edited or truncated cursor is refused
 * instead of paging from wherever it happens to point. Integrity against accidents, not a
 * secret: every list is scoped to the caller's account anyway.
 */
function check(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(36).padStart(7, "0");
}

/** `text` (printable ASCII: an id, or `createdAt|id`) as an opaque cursor. */
export function encodeCursor(text: string): string {
  return base64url(`${text}.${check(text)}`);
}

/**
 * The cursor's text when it is base64url of printable ASCII that encodes back to it and its
 * check holds, else null.
 */
export function cursorText(cursor: string): string | null {
  let decoded: string;
  try {
    decoded = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    return null;
  }
  const dot = decoded.lastIndexOf(".");
  const text = decoded.slice(0, dot);
  if (dot < 1 || !/^[\x21-\x7e]+$/.test(decoded) || decoded.slice(dot + 1) !== check(text)) return null;
  return encodeCursor(text) === cursor ? text : null;
}

