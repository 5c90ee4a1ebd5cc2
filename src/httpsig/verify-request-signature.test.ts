import { describe, expect, it } from "vitest";
import { errorCode } from "../../test/support/error-code.ts";
import { cdsApiKey, signLikeCds } from "../../test/support/cds-http-signature.ts";
import { importRsaPublicKey } from "./import-rsa-public-key.ts";
import { verifyRequestSignature } from "./verify-request-signature.ts";

/**
 * The verifier against an independent signer: npm's http-signature, signing
 * the way CDS's API does (test/support/cds-http-signature.ts).
 */
const api = cdsApiKey();
const other = cdsApiKey();
const NOW = Date.UTC(2024, 0, 10, 10, 0, 0);
const HOST = "gateway.example.com";
const imf = (ms: number) => new Date(ms).toUTCString();

async function verify(
  method: string,
  path: string,
  headers: Record<string, string>,
  options: { host?: string; keys?: string[]; now?: number } = {},
): Promise<number> {
  return verifyRequestSignature({
    method,
    url: new URL(path, `http://${options.host ?? HOST}`),
    headers: new Headers({ host: options.host ?? HOST, ...headers }),
    keys: await Promise.all((options.keys ?? [api.signinHeader]).map((k) => importRsaPublicKey(k))),
    now: options.now ?? NOW,
  });
}

const sign = (method: string, path: string, date: string | null = imf(NOW), host = HOST) =>
  signLikeCds({ method, path, host, date, privateKeyPem: api.privateKeyPem });

describe("verifyRequestSignature", () => {
  it("verifies rsa-sha256 over (request-target) host date, made by http-signature", async () => {
    const path = "/vcs/bitbucket/repos/PRJ/my-repo/branches/?branch=feature%2Fx&default=false";
    expect(await verify("GET", path, sign("GET", path))).toBe(0);
  });

  it("verifies a call as CDS's API really sends it: date listed, no Date header", async () => {
    const headers = sign("POST", "/vcs/bitbucket/status", null);
    expect(headers.date).toBeUndefined();
    expect(headers.authorization).toContain('headers="(request-target) host date"');
    expect(await verify("POST", "/vcs/bitbucket/status", headers)).toBe(0);
  });

  it("tells which key verified, and refuses a signature made with another key", async () => {
    const headers = sign("POST", "/vcs/bitbucket/status");
    expect(await verify("POST", "/vcs/bitbucket/status", headers, { keys: [other.publicKeyPem, api.publicKeyPem] })).toBe(1);
    expect(await errorCode(verify("POST", "/vcs/bitbucket/status", headers, { keys: [other.publicKeyPem] }))).toBe("ERR_SIGNATURE_INVALID");
  });

  it("refuses the signature on another path, query, method or host", async () => {
    const headers = sign("POST", "/vcs/bitbucket/status?disableStatusDetails=false");
    expect(await verify("POST", "/vcs/bitbucket/status?disableStatusDetails=false", headers)).toBe(0);
    for (const [method, path, host] of [
      ["POST", "/vcs/bitbucket/status?disableStatusDetails=true", HOST],
      ["POST", "/vcs/other/status?disableStatusDetails=false", HOST],
      ["PUT", "/vcs/bitbucket/status?disableStatusDetails=false", HOST],
      ["POST", "/vcs/bitbucket/status?disableStatusDetails=false", "vcs.internal:8084"],
    ] as const) {
      expect(await errorCode(verify(method, path, headers, { host })), `${method} ${host}${path}`).toBe("ERR_SIGNATURE_INVALID");
    }
    const noDate = sign("POST", "/vcs/bitbucket/status", null);
    expect(await errorCode(verify("POST", "/vcs/bitbucket/repos/PRJ/r/pullrequests/comments", noDate))).toBe("ERR_SIGNATURE_INVALID");
  });

  it("refuses a Date more than 5 minutes away, or one that was not signed", async () => {
    const path = "/vcs/bitbucket/status";
    expect(await verify("POST", path, sign("POST", path, imf(NOW - 299_000)))).toBe(0);
    expect(await verify("POST", path, sign("POST", path, imf(NOW + 299_000)))).toBe(0);
    expect(await errorCode(verify("POST", path, sign("POST", path, imf(NOW - 301_000))))).toBe("ERR_SIGNATURE_DATE");
    expect(await errorCode(verify("POST", path, sign("POST", path, imf(NOW + 301_000))))).toBe("ERR_SIGNATURE_DATE");
    expect(await errorCode(verify("POST", path, sign("POST", path, "yesterday")))).toBe("ERR_SIGNATURE_DATE");
    // A fresh Date added to a signature made without one changes the signing string.
    expect(await errorCode(verify("POST", path, { ...sign("POST", path, null), date: imf(NOW) }))).toBe("ERR_SIGNATURE_INVALID");
    // Dropping the signed Date does too.
    const { date: _dropped, ...withoutDate } = sign("POST", path);
    expect(await errorCode(verify("POST", path, withoutDate))).toBe("ERR_SIGNATURE_INVALID");
  });

  it("accepts the path CDS's Go signer writes (decoded) and the one other signers write (as sent)", async () => {
    const sent = "/vcs/bitbucket/repos/PRJ/my%20repo/commits/abc/statuses";
    expect(await verify("GET", sent, sign("GET", "/vcs/bitbucket/repos/PRJ/my repo/commits/abc/statuses"))).toBe(0);
    expect(await verify("GET", sent, sign("GET", sent))).toBe(0);
  });

  it("reads the Signature header when there is no Authorization header", async () => {
    const { authorization, date } = sign("GET", "/vcs/bitbucket/repos/PRJ/r/commits/abc/statuses");
    const signature = authorization!.replace(/^Signature /, "");
    expect(await verify("GET", "/vcs/bitbucket/repos/PRJ/r/commits/abc/statuses", { signature, date: date! })).toBe(0);
  });

  it("names what is wrong with an unusable signature", async () => {
    const good = sign("POST", "/vcs/b/status").authorization!;
    const cases: Array<[Record<string, string>, string]> = [
      [{}, "ERR_SIGNATURE_MISSING"],
      [{ authorization: "Bearer abc" }, "ERR_SIGNATURE_MISSING"],
      [{ authorization: "Signature keyId=cds-api" }, "ERR_SIGNATURE_MALFORMED"],
      [{ authorization: good.replace(/,signature="[^"]*"/, "") }, "ERR_SIGNATURE_MALFORMED"],
      [{ authorization: good.replace(/signature="[^"]*"/, 'signature="***"') }, "ERR_SIGNATURE_MALFORMED"],
      [{ authorization: `${good},keyId="twice"` }, "ERR_SIGNATURE_MALFORMED"],
      [{ authorization: good.replace('algorithm="rsa-sha256"', 'algorithm="rsa-sha1"') }, "ERR_SIGNATURE_ALGORITHM"],
      [{ authorization: good.replace('algorithm="rsa-sha256",', "") }, "ERR_SIGNATURE_ALGORITHM"],
      [{ authorization: good.replace('headers="(request-target) host date"', 'headers="(request-target) date"') }, "ERR_SIGNATURE_HEADERS"],
      [{ authorization: good.replace(/headers="[^"]*",/, "") }, "ERR_SIGNATURE_HEADERS"],
    ];
    for (const [headers, expected] of cases) {
      expect(await errorCode(verify("POST", "/vcs/b/status", headers)), JSON.stringify(headers)).toBe(expected);
    }
  });
});
