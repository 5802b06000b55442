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

/**
 * Time-ordered ids: 8 chars of millisecond timestamp then randomness, so ids sort by creation and
 * cursor pagination on `id` follows creation order.
 */
export function newId(prefix: IdPrefix, randomChars = 16): string {
  const time = Date.now().toString(36).padStart(9, "0");
  return `${prefix}_${time}${randomToken(randomChars)}`;
}
