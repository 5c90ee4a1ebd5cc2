import { describe, expect, it } from "vitest";
import { Secret } from "../core/secret.ts";
import { verifyWebhookSignature } from "./verify-webhook-signature.ts";

const enc = new TextEncoder();

async function sign(secret: string, body: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, body as Uint8Array<ArrayBuffer>));
  return `sha256=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

describe("verifyWebhookSignature", () => {
  it('accepts the published vector (secret "you\'ll never guess!", empty body)', async () => {
    const header = "sha256=462c740e6257160ade468267ae5e71705ef2185a7908859a26383595468b0882";
    expect(await verifyWebhookSignature(header, new Uint8Array(0), [new Secret("you'll never guess!")])).toBe(true);
    expect(
      await verifyWebhookSignature(header.toUpperCase().replace("SHA256", "sha256"), new Uint8Array(0), [
        new Secret("you'll never guess!"),
      ]),
    ).toBe(true);
  });

  it("checks every secret of a rotation", async () => {
    const body = enc.encode('{"eventKey":"repo:refs_changed"}');
    const header = await sign("new-secret", body);
    expect(await verifyWebhookSignature(header, body, [new Secret("old-secret"), new Secret("new-secret")])).toBe(true);
    expect(await verifyWebhookSignature(header, body, [new Secret("old-secret")])).toBe(false);
  });

  it.each([
    ["missing header", null],
    ["another algorithm", "sha1=462c740e6257160ade468267ae5e71705ef2185a"],
    ["no algorithm", "462c740e6257160ade468267ae5e71705ef2185a7908859a26383595468b0882"],
    ["truncated hex", "sha256=462c740e6257160ade468267ae5e71705ef2185a7908859a26383595468b088"],
    ["not hex", `sha256=${"z".repeat(64)}`],
    ["empty", ""],
  ])("refuses %s", async (_name, header) => {
    expect(await verifyWebhookSignature(header, new Uint8Array(0), [new Secret("you'll never guess!")])).toBe(false);
  });

  it("refuses a body changed by one byte", async () => {
    const body = enc.encode("{}");
    const header = await sign("s", body);
    expect(await verifyWebhookSignature(header, enc.encode("{ }"), [new Secret("s")])).toBe(false);
  });

  it("checks a body past 64 KiB (verified through WebCrypto) as it checks a small one", async () => {
    const large = new Uint8Array(200 * 1024).fill(0x7b);
    const header = await sign("s", large);
    expect(await verifyWebhookSignature(header, large, [new Secret("other"), new Secret("s")])).toBe(true);
    const changed = large.slice();
    changed[100_000] = 0x7d;
    expect(await verifyWebhookSignature(header, changed, [new Secret("s")])).toBe(false);
  });
});
