/** Prefixed, URL-safe random ids: `wh_` + 22 base62-ish chars (≈128 bits). */
export type IdPrefix = "acc" | "key" | "wh" | "evt" | "call" | "src" | "dlq";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export function randomToken(length: number): string {
  // Rejection sampling keeps every character uniform (256 is not a multiple of 62).
  const out: string[] = [];
  while (out.length < length) {
    const bytes = crypto.getRandomValues(new Uint8Array(length * 2));
    for (const b of bytes) {
      if (b < 248 && out.length < length) out.push(ALPHABET[b % 62]!);
    }
  }
  return out.join("");
}

const TIME_CHARS = 9;

/**
 * Time-ordered ids: 9 base36 chars of millisecond timestamp then randomness, so ids sort by
 * creation and cursor pagination on `id` follows creation order. `nowMs` lets a caller stamp the
 * id with the same time it records beside it (events: the id's time names the event's partition).
 */
export function newId(prefix: IdPrefix, randomChars = 16, nowMs = Date.now()): string {
  const time = nowMs.toString(36).padStart(TIME_CHARS, "0");
  return `${prefix}_${time}${randomToken(randomChars)}`;
}

/** The time a newId() of this prefix was made, or null when the id does not have that shape. */
export function idTimeMs(id: string, prefix: IdPrefix): number | null {
  const start = prefix.length + 1;
  if (!id.startsWith(`${prefix}_`) || id.length <= start + TIME_CHARS) return null;
  const time = id.slice(start, start + TIME_CHARS);
  if (!/^[0-9a-z]{9}$/.test(time)) return null;
  const ms = parseInt(time, 36);
  return Number.isSafeInteger(ms) ? ms : null;
}
