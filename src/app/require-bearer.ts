import type { MiddlewareHandler } from "hono";
import { jsonError } from "../core/json-error.ts";
import type { Secret } from "../core/secret.ts";

const encoder = new TextEncoder();

/**
 * `/vcs/*` and `/-/*` need `Authorization: Bearer <one of gateway.apiTokens>`
 * (README.md, "Operate"; docs/configuration.md). Tokens are compared as SHA-256 digests with a
 * constant-time loop, so neither their length nor a matching prefix leaks
 * through timing. With no tokens configured every call is refused.
 */
export function requireBearer(tokens: readonly Secret[]): MiddlewareHandler {
  const expected = Promise.all(tokens.map((t) => digest(t.reveal())));
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match) {
      const given = await digest(match[1]!);
      let ok = false;
      for (const candidate of await expected) ok = constantTimeEqual(given, candidate) || ok;
      if (ok) return next();
    }
    return jsonError("unauthorized", "a valid bearer token is required", { headers: { "www-authenticate": "Bearer" } });
  };
}

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ (b[i] ?? 0);
  return diff === 0;
}
