import { describe, expect, it } from "vitest";
import { mapBuildState } from "./map-build-state.ts";

describe("mapBuildState", () => {
  it.each([
    ["Success", "SUCCESSFUL"],
    ["Skipped", "SUCCESSFUL"],
    ["Disabled", "SUCCESSFUL"],
    ["Building", "INPROGRESS"],
    ["Waiting", "INPROGRESS"],
    ["Fail", "FAILED"],
    ["Stopped", "FAILED"],
    ["Never Built", "FAILED"],
    ["Pending", "FAILED"],
    ["success", "FAILED"],
    ["", "FAILED"],
  ])("%s → %s", (status, state) => {
    expect(mapBuildState(status)).toBe(state);
  });
});
