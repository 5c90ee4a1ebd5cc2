import { createPublicKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { cdsApiKey } from "../../test/support/cds-http-signature.ts";
import { GatewayError } from "../core/gateway-error.ts";
import { importRsaPublicKey } from "./import-rsa-public-key.ts";

const key = cdsApiKey();

describe("importRsaPublicKey", () => {
  it("imports the key as CDS publishes it: PKCS#1 PEM, the base64 of it (X-Api-Pub-Signing-Key), or SPKI", async () => {
    const spki = createPublicKey(key.publicKeyPem).export({ type: "spki", format: "pem" }).toString();
    for (const text of [key.publicKeyPem, key.signinHeader, spki, key.publicKeyPem.replace(/\n/g, "\\n")]) {
      const imported = await importRsaPublicKey(text);
      expect(imported.type).toBe("public");
      expect(imported.algorithm).toMatchObject({ name: "RSASSA-PKCS1-v1_5", hash: { name: "SHA-256" } });
      expect(imported.usages).toEqual(["verify"]);
    }
  });

  it.each([
    ["", "not a PEM public key"],
    ["not a key", "not a PEM public key"],
    [btoa("still not a key"), "not a PEM public key"],
    [cdsApiKey().privateKeyPem, 'unsupported PEM type "RSA PRIVATE KEY"'],
    ["-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----", "not a usable RSA public key"],
  ])("refuses %j with ERR_PUBLIC_KEY", async (text, message) => {
    const error = await importRsaPublicKey(text).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe("ERR_PUBLIC_KEY");
    expect((error as GatewayError).message).toContain(message);
  });
});
