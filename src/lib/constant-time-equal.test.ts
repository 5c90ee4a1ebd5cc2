import { describe, expect, it } from "vitest";
import { constantTimeEqual } from "./constant-time-equal.ts";

describe("constantTimeEqual", () => {
  it("is true for equal bytes only, whichever byte differs", () => {
    const a = Uint8Array.from({ length: 32 }, (_, i) => i);
    expect(constantTimeEqual(a, a.slice())).toBe(true);
    for (const at of [0, 15, 31]) {
      const b = a.slice();
      b[at]! ^= 0x80;
      expect(constantTimeEqual(a, b)).toBe(false);
    }
    expect(constantTimeEqual(a, a.subarray(0, 31))).toBe(false);
    expect(constantTimeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });
});
