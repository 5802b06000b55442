/** JSON columns: TEXT in D1, parsed on the way out. */
export const toJson = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

export function fromJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined) return fallback;
  return JSON.parse(text) as T;
}

/**
 * Many rows in one statement: `INSERT … SELECT … FROM json_each(?)` takes a JSON array of rows, and
 * D1's cost is per statement far more than per row. Splits already-serialized rows into JSON arrays
 * of at most `maxChars` (D1 refuses one bound value over 2 MB); a row larger than that goes alone.
 */
export function jsonRowChunks(rows: readonly string[], maxChars: number): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let chars = 0;
  for (const row of rows) {
    if (current.length > 0 && chars + row.length > maxChars) {
      chunks.push(`[${current.join(",")}]`);
      current = [];
      chars = 0;
    }
    current.push(row);
    chars += row.length + 1;
  }
  if (current.length > 0) chunks.push(`[${current.join(",")}]`);
  return chunks;
}
