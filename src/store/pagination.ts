import { cursorText, encodeCursor } from "../domain/cursor";
import { invalidCursor } from "../domain/errors";

export { cursorText, encodeCursor };

/**
 * Cursor pagination over time-ordered ids, newest first. The cursor is the last id of the page
 * (opaque to clients); the next page is everything older than it. A cursor that does not parse
 * is refused (400 invalid_cursor) rather than read as "from the start": a client that paged with
 * a damaged cursor would otherwise see the first page again and loop.
 */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface PageParams {
  limit: number;
  cursor?: string | undefined;
}

/** Ids are `<prefix>_<base62>` (or a built-in word such as the `default` account). */
const ID_CURSOR = /^(?:[a-z]+_[0-9A-Za-z]+|default)$/;

/** The id an id-ordered list continues after; throws invalid_cursor for anything else. */
export function decodeCursor(cursor: string | undefined): string | null {
  if (!cursor) return null;
  const id = cursorText(cursor);
  if (id === null || !ID_CURSOR.test(id)) throw invalidCursor();
  return id;
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
  if (!cursor) return null;
  const match = cursorText(cursor)?.match(/^(\d{1,16})\|([!-~]{1,200})$/);
  if (!match) throw invalidCursor();
  return { createdAt: Number(match[1]), id: match[2]! };
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
