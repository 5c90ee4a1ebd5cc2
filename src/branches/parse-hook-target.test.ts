import { describe, expect, it } from "vitest";
import { parseHookTarget } from "./parse-hook-target.ts";

describe("parseHookTarget", () => {
  it("reads config.project.value and config.workflow.value of CDS's TaskExecution answer", () => {
    const answer = {
      uuid: "3f2c8a4e-1b7d-4c2a-9e5f-0a1b2c3d4e5f",
      type: "RepoWebHook",
      status: "SCHEDULED",
      config: { project: { value: "PRJ", configurable: false }, workflow: { value: "build-all" }, vcsServer: { value: "Bitbucket" } },
    };
    expect(parseHookTarget(JSON.stringify(answer))).toEqual({ project: "PRJ", workflow: "build-all" });
  });

  it("gives undefined when the answer does not name both", () => {
    for (const text of [
      "",
      "null",
      "[]",
      "{}",
      '{"config":{"project":{"value":"P"}}}',
      '{"config":{"project":{"value":""},"workflow":{"value":"w"}}}',
      '{"config":{"project":"P","workflow":"w"}}',
    ]) {
      expect(parseHookTarget(text)).toBeUndefined();
    }
  });
});
