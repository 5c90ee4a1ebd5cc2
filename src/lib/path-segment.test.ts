import { describe, expect, it } from "vitest";
import { isDotSegment, pathSegment } from "./path-segment.ts";

describe("pathSegment", () => {
  it.each(["", ".", ".."])("refuses %j", (value) => {
    expect(() => pathSegment(value)).toThrow(expect.objectContaining({ code: "ERR_PATH_SEGMENT" }));
  });

  it("encodes what would end or split the segment, and keeps dots inside names", () => {
    expect(pathSegment("feature/wip")).toBe("feature%2Fwip");
    expect(pathSegment("a?b#c")).toBe("a%3Fb%23c");
    expect(pathSegment("...")).toBe("...");
    expect(pathSegment(".x")).toBe(".x");
    expect(pathSegment("%2E%2E")).toBe("%252E%252E");
  });

  it("keeps the path where it was once URL and fetch normalise it", () => {
    for (const name of ["...", ".x", "%2E%2E", "a/../..", "..%2F"]) {
      expect(new URL(`https://cds/project/P/runs/branch/${pathSegment(name)}`).pathname.startsWith("/project/P/runs/branch/")).toBe(true);
    }
    expect(isDotSegment("..")).toBe(true);
    expect(isDotSegment("..x")).toBe(false);
  });
});
