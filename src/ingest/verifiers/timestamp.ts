/** Unix-seconds timestamps in signature headers, and the tolerance window around the clock. */

export function parseUnixSeconds(text: string): number | null {
  return /^\d{1,12}$/.test(text) ? Number(text) : null;
}

/** Within `toleranceSeconds` of now, in either direction. */
export function isFresh(unixSeconds: number, nowMs: number, toleranceSeconds: number): boolean {
  return Math.abs(nowMs - unixSeconds * 1000) <= toleranceSeconds * 1000;
}

export function staleMessage(unixSeconds: number, nowMs: number, toleranceSeconds: number): string {
  const skewSeconds = Math.round(unixSeconds - nowMs / 1000);
  const direction = skewSeconds < 0 ? `${-skewSeconds} s in the past` : `${skewSeconds} s in the future`;
  return `The signed timestamp is ${direction}; at most ${toleranceSeconds} s either way is accepted`;
}
