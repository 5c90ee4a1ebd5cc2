/** The body was larger than the limit; nothing past the limit was read. */
export const TOO_LARGE = Symbol("too-large");

/**
 * Reads a request body into memory, counting bytes as they stream in and
 * stopping at `maxBytes` + 1 (SPEC step 2: "413, read no further"). A
 * declared Content-Length over the limit is refused before reading anything.
 */
export async function readBodyLimited(request: Request, maxBytes: number): Promise<Uint8Array | typeof TOO_LARGE> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) return TOO_LARGE;
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      return TOO_LARGE;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
