/**
 * Reading an inbound body once, as bytes, without ever holding more than the limit. A declared
 * Content-Length over the limit is refused before reading; a body without one (chunked) is read
 * as a stream and abandoned as soon as it passes the limit; the byte count is checked either way,
 * since Content-Length is only the sender's claim.
 */
export type BodyResult = { ok: true; bytes: Uint8Array } | { ok: false };

export async function readBodyLimited(request: Request, maxBytes: number): Promise<BodyResult> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > maxBytes) return { ok: false };
  if (!request.body) return { ok: true, bytes: new Uint8Array(0) };

  if (declared !== null) {
    // Fast path: the runtime enforces Content-Length, so this reads at most the declared size.
    const bytes = new Uint8Array(await request.arrayBuffer());
    return bytes.length > maxBytes ? { ok: false } : { ok: true, bytes };
  }

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return { ok: false };
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return { ok: true, bytes: chunks[0]! };
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, bytes };
}

// One decoder for every route that takes text: fatal (invalid UTF-8 is refused, not replaced).
export { decodeUtf8 } from "../lib/encoding";
