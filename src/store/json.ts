/** JSON columns: TEXT in D1, parsed on the way out. */
export const toJson = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

export function fromJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined) return fallback;
  return JSON.parse(text) as T;
}
