import { fromBase64, fromUtf8, toBase64, utf8 } from "../lib/encoding";
import { cachedKey } from "./key-cache";

/**
 * Secrets at rest: AES-256-GCM with the ENCRYPTION_KEY secret binding. Sealed form is
 * `v1.<base64 iv>.<base64 ciphertext+tag>`; the version lets the key be rotated later.
 */
const aesKey = (secretBase64: string): Promise<CryptoKey> =>
  cachedKey(`aes-gcm:${secretBase64}`, () => crypto.subtle.importKey("raw", fromBase64(secretBase64), "AES-GCM", false, ["encrypt", "decrypt"]));

export async function seal(plaintext: string, encryptionKey: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await aesKey(encryptionKey), utf8(plaintext));
  return `v1.${toBase64(iv)}.${toBase64(new Uint8Array(data))}`;
}

export async function unseal(sealed: string, encryptionKey: string): Promise<string> {
  const [version, iv, data] = sealed.split(".");
  if (version !== "v1" || !iv || !data) throw new Error("sealed value has an unknown format");
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64(iv) },
    await aesKey(encryptionKey),
    fromBase64(data),
  );
  return fromUtf8(new Uint8Array(plain));
}

export async function sealJson(value: unknown, encryptionKey: string): Promise<string> {
  return seal(JSON.stringify(value), encryptionKey);
}

export async function unsealJson<T>(sealed: string, encryptionKey: string): Promise<T> {
  return JSON.parse(await unseal(sealed, encryptionKey)) as T;
}
