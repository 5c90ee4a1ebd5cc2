/** The body was larger than the limit; nothing past the limit was read. */
export const TOO_LARGE = Symbol("too-large");

/**
 * Reads a request body into memory, bounded by `maxBytes` (SPEC step 2: "413,
 * read no further"). A declared Content-Length over the limit is refused
 * before reading anything; a body without one (chunked) is counted as it
 * streams in and reading stops at `maxBytes` + 1.
 */
export async function readBodyLimited(request: Request, maxBytes: number): Promise<Uint8Array | typeof TOO_LARGE> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) return TOO_LARGE;
  // With a Content-Length within the limit, HTTP framing bounds the body: read it
  // whole (runtimes have a fast path for that; @hono/node-server skips web streams).
  if (declared !== null && /^\d+$/.test(declared)) return new Uint8Array(await request.arrayBuffer());
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
