import { describe, expect, it } from "vitest";
import { isSameCommit } from "./is-same-commit.ts";

const FULL = "8c5f1e3b2a9d4c7e6f0a1b2c3d4e5f6a7b8c9d0e";

describe("isSameCommit", () => {
  it.each([
    [FULL, FULL, true],
    [FULL, FULL.toUpperCase(), true],
    [FULL, FULL.slice(0, 12), true],
    [FULL.slice(0, 12), FULL, true],
    [FULL, FULL.slice(0, 20), true],
    [FULL, FULL.slice(0, 11), false],
    [FULL, `${FULL.slice(0, 39)}f`, false],
    [FULL.slice(0, 12), `${FULL.slice(0, 11)}0`, false],
    ["", FULL, false],
  ])("%s vs %s → %s", (a, b, same) => {
    expect(isSameCommit(a, b)).toBe(same);
  });
});
