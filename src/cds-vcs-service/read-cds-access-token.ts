import { base64ToBytes, decodeUtf8 } from "../lib/bytes.ts";

export type CdsAccessToken = { ok: true; token: string | undefined } | { ok: false; message: string };

/**
 * The OAuth access token of the CDS project, which CDS ≤ 0.53 sends with
 * each vcs call as `X-CDS-ACCESS-TOKEN` (base64, engine/vcs/vcs_auth.go; its
 * secret, `-SECRET`, plays no part in RSA-SHA1). Undefined when absent or
 * empty; not base64 is an error.
 */
export function readCdsAccessToken(headers: Headers): CdsAccessToken {
  const value = headers.get("x-cds-access-token");
  if (value === null || value === "") return { ok: true, token: undefined };
  try {
    const token = decodeUtf8(base64ToBytes(value));
    return { ok: true, token: token === "" ? undefined : token };
  } catch {
    return { ok: false, message: "X-CDS-ACCESS-TOKEN is not base64" };
  }
}
