import { z } from "zod";
import type { SecretEntry, SecretList } from "../domain/secrets";
import { sealJson, unsealJson } from "./seal";

/**
 * A secret list at rest (webhooks' `sealed_secrets`, sources' `sealed_secrets`): one AES-GCM sealed
 * JSON array, newest first. Opening parses it rather than casting: an entry of an unknown shape is
 * left out instead of reaching a signer or a verifier as `undefined`.
 */

const StoredEntry = z.union([
  // The first form the sources' schema comment described: a plain list of strings.
  z.string().transform((secret): SecretEntry => ({ secret, expiresAt: null })),
  z
    .object({ secret: z.string(), expiresAt: z.number().nullable().optional(), publicKey: z.string().optional() })
    .transform(({ secret, expiresAt, publicKey }): SecretEntry => ({ secret, expiresAt: expiresAt ?? null, ...(publicKey === undefined ? {} : { publicKey }) })),
]);

export function sealSecrets(secrets: SecretList, encryptionKey: string): Promise<string> {
  return sealJson(secrets, encryptionKey);
}

/** Null (a source with verification none) opens as an empty list. */
export async function openSecrets(sealed: string | null, encryptionKey: string): Promise<SecretEntry[]> {
  if (!sealed) return [];
  const list = await unsealJson<unknown>(sealed, encryptionKey);
  if (!Array.isArray(list)) return [];
  return list.flatMap((item) => {
    const parsed = StoredEntry.safeParse(item);
    return parsed.success ? [parsed.data] : [];
  });
}
