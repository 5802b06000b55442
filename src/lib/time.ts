/** Epoch milliseconds as the API shows them: ISO 8601 in UTC, null stays null. */
export const isoTime = (ms: number | null | undefined): string | null =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();
