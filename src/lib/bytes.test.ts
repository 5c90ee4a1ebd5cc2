import { describe, expect, it } from "vitest";
import { base64ToBytes, bytesToBase64, bytesToHex, hexToBytes } from "./bytes.ts";

describe("bytes: hex and base64", () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);

  it("writes every byte as two lowercase hex digits and reads them back, in either case", () => {
    const hex = bytesToHex(all);
    expect(hex.slice(0, 8)).toBe("00010203");
    expect(hex.slice(-4)).toBe("feff");
    expect(hexToBytes(hex)).toEqual(all);
    expect(hexToBytes(hex.toUpperCase())).toEqual(all);
    expect(hexToBytes("aBcD")).toEqual(Uint8Array.of(0xab, 0xcd));
  });

  it("round-trips base64, large inputs included", () => {
    const large = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) % 256);
    expect(base64ToBytes(bytesToBase64(large))).toEqual(large);
    expect(bytesToBase64(Uint8Array.of(0xfb, 0xff))).toBe("+/8=");
  });
});
