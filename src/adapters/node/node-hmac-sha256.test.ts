import { describe, expect, it } from "vitest";
import { Secret } from "../../core/secret.ts";
import { verifyWebhookSignature } from "../../relay/verify-webhook-signature.ts";
import { nodeHmacSha256 } from "./node-hmac-sha256.ts";

describe("nodeHmacSha256, the Node gateway's HMAC for webhook signatures", () => {
  const secret = new Secret("you'll never guess!");
  const published = "sha256=462c740e6257160ade468267ae5e71705ef2185a7908859a26383595468b0882";

  it("verifies the published vector (empty body) and refuses a changed body or another secret", async () => {
    expect(await verifyWebhookSignature(published, new Uint8Array(0), [secret], nodeHmacSha256)).toBe(true);
    expect(await verifyWebhookSignature(published, new Uint8Array(1), [secret], nodeHmacSha256)).toBe(false);
    expect(await verifyWebhookSignature(published, new Uint8Array(0), [new Secret("other")], nodeHmacSha256)).toBe(false);
  });

  it("gives what WebCrypto's HMAC gives", async () => {
    const body = new TextEncoder().encode('{"eventKey":"repo:refs_changed","changes":[]}');
    const key = new TextEncoder().encode("s3cret");
    const webCrypto = await crypto.subtle.sign(
      "HMAC",
      await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]),
      body,
    );
    expect(Buffer.from(nodeHmacSha256(key, body))).toEqual(Buffer.from(webCrypto));
  });

  it("is used for small bodies only: a body past 64 KiB goes to WebCrypto", async () => {
    const large = new Uint8Array(100 * 1024).fill(1);
    const key = new TextEncoder().encode("s");
    const header = `sha256=${Buffer.from(nodeHmacSha256(key, large)).toString("hex")}`;
    const refuses = () => {
      throw new Error("not for large bodies");
    };
    expect(await verifyWebhookSignature(header, large, [new Secret("s")], refuses)).toBe(true);
  });
});
