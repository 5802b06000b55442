/**
 * Cursor pagination over time-ordered ids, newest first. The cursor is the last id of the page
 * (opaque to clients); the next page is everything older than it.
 */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface PageParams {
  limit: number;
  cursor?: string | undefined;
}

export function encodeCursor(id: string): string {
  return btoa(id).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

export function decodeCursor(cursor: string | undefined): string | null {
  if (!cursor) return null;
  try {
    return atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    return null;
  }
}

/** Callers fetch `limit + 1` rows; this trims the extra one and derives the next cursor. */
export function toPage<R, T>(rows: R[], limit: number, idOf: (row: R) => string, map: (row: R) => T): Page<T> {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return { data: pageRows.map(map), nextCursor: more && last ? encodeCursor(idOf(last)) : null };
}
