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

/** Pages ordered by (created_at DESC, id DESC), for rows whose ids are not time-ordered. */
export interface TimeCursor {
  createdAt: number;
  id: string;
}

export function parseTimeCursor(cursor: string | undefined): TimeCursor | null {
  const raw = decodeCursor(cursor);
  const match = raw?.match(/^(\d+)\|(.+)$/);
  return match ? { createdAt: Number(match[1]), id: match[2]! } : null;
}

export function toTimePage<R extends { created_at: number; id: string }, T>(rows: R[], limit: number, map: (row: R) => T): Page<T> {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return { data: pageRows.map(map), nextCursor: more && last ? encodeCursor(`${last.created_at}|${last.id}`) : null };
}

/**
 * A list query's WHERE clause with numbered parameters (`?1`, `?2`…), built one optional filter at
 * a time: `where.add((n) => \`topic = ?${n}\`, topic)`.
 */
export class Where {
  readonly params: unknown[] = [];
  private readonly clauses: string[] = [];

  add(clause: (n: number) => string, value: unknown): this {
    this.params.push(value);
    this.clauses.push(clause(this.params.length));
    return this;
  }

  /** A condition with no parameter. */
  when(clause: string): this {
    this.clauses.push(clause);
    return this;
  }

  /** Keyset condition for the next page of a (created_at DESC, id DESC) listing. */
  olderThan(cursor: TimeCursor | null): this {
    if (!cursor) return this;
    this.params.push(cursor.createdAt, cursor.id);
    const n = this.params.length;
    this.clauses.push(`(created_at < ?${n - 1} OR (created_at = ?${n - 1} AND id < ?${n}))`);
    return this;
  }

  get sql(): string {
    return this.clauses.join(" AND ");
  }

  /** Adds the LIMIT value last and returns its placeholder. */
  limit(value: number): string {
    this.params.push(value);
    return `?${this.params.length}`;
  }
}
