import { randomToken } from "../domain/ids";
import { sha256Hex } from "../lib/hash";

/** API keys: `hr_` + 40 base62 chars (≈238 bits). Only their SHA-256 is stored. */
export function generateApiKey(): string {
  return `hr_${randomToken(40)}`;
}

/** The stored form of an API key, and what a presented key is looked up by. */
export const hashApiKey = (key: string): Promise<string> => sha256Hex(key);
