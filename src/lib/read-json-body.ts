import { jsonError } from "../core/json-error.ts";
import { bodyReadRefusal } from "./body-read-refusal.ts";
import { decodeUtf8 } from "./bytes.ts";
import { readBodyLimited } from "./read-body-limited.ts";

export type JsonBody = { ok: true; value: unknown } | { ok: false; response: Response };

/** Reads at most `maxBytes` of a request body and parses it as JSON; 413 or 400 otherwise. */
export async function readJsonBody(request: Request, maxBytes: number): Promise<JsonBody> {
  const bytes = await readBodyLimited(request, maxBytes);
  if (!(bytes instanceof Uint8Array)) return { ok: false, response: bodyReadRefusal(bytes, maxBytes) };
  let text: string;
  try {
    text = decodeUtf8(bytes);
  } catch {
    return { ok: false, response: jsonError("bad_request", "the body must be UTF-8 JSON") };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, response: jsonError("bad_request", "the body must be JSON") };
  }
}
