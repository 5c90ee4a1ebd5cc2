import { describe, expect, it } from "vitest";
import { isUuid } from "../relay/is-uuid.ts";
import { uuidV7 } from "./uuid-v7.ts";

describe("uuidV7", () => {
  it("is an RFC 9562 version 7 UUID whose first 48 bits are the time", () => {
    const id = uuidV7(Date.parse("2026-11-25T10:00:00Z"));
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe("7");
    expect(parseInt(id.replace(/-/g, "").slice(0, 12), 16)).toBe(Date.parse("2026-11-25T10:00:00Z"));
  });

  it("sorts by time and stays unique across many ids", () => {
    const ids = Array.from({ length: 2000 }, (_, i) => uuidV7(1_700_000_000_000 + i));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
  it("sorts in creation order within one millisecond, and when the clock steps back (RFC 9562 §6.2)", () => {
    const sameMs = Array.from({ length: 5000 }, () => uuidV7(1_700_000_000_000));
    expect([...sameMs].sort()).toEqual(sameMs);
    expect(new Set(sameMs).size).toBe(sameMs.length);
    const later = uuidV7(1_699_999_999_000); // a clock set back by a second
    expect(later > sameMs.at(-1)!).toBe(true);
    expect(isUuid(later)).toBe(true);
  });
});
